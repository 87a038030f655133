package backlog

import (
	"github.com/warroomhq/warroom/adapters/internal/inbound"
	"github.com/warroomhq/warroom/bot"
)

// Platform is where the webhook's commands come from: Backlog has no
// channels and nobody to answer (inbound.Nowhere); the handlers tell the
// incident's own channel.
type Platform struct{ inbound.Nowhere }

var _ bot.Platform = Platform{}

// Name implements bot.Platform.
func (Platform) Name() string { return Name }

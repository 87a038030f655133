package inbound

import (
	"context"

	"github.com/warroomhq/warroom/bot"
)

// Nowhere is the bot.Platform of a webhook's commands (PagerDuty's, Jira's),
// as the router needs one for every event: such a system has no channels
// and nobody to answer, so everything but Reply (which drops the answer:
// the system asked nothing) is unsupported, and the handlers tell the
// incident's own channel. An adapter embeds it and sets Name.
type Nowhere struct{}

// Name implements bot.Platform; an embedding adapter replaces it.
func (Nowhere) Name() string { return "nowhere" }

// CreateChannel implements bot.Platform.
func (Nowhere) CreateChannel(context.Context, bot.ChannelSpec) (bot.Channel, error) {
	return bot.Channel{}, bot.ErrUnsupported
}

// Invite implements bot.Platform.
func (Nowhere) Invite(context.Context, string, []string) error { return bot.ErrUnsupported }

// Post implements bot.Platform.
func (Nowhere) Post(context.Context, string, bot.Message) (bot.MessageRef, error) {
	return bot.MessageRef{}, bot.ErrUnsupported
}

// Update implements bot.Platform.
func (Nowhere) Update(context.Context, bot.MessageRef, bot.Message) error { return bot.ErrUnsupported }

// SetTopic implements bot.Platform.
func (Nowhere) SetTopic(context.Context, string, string) error { return bot.ErrUnsupported }

// Pin implements bot.Platform.
func (Nowhere) Pin(context.Context, bot.MessageRef) error { return bot.ErrUnsupported }

// Archive implements bot.Platform.
func (Nowhere) Archive(context.Context, string) error { return bot.ErrUnsupported }

// OpenForm implements bot.Platform.
func (Nowhere) OpenForm(context.Context, *bot.Event, bot.Form) error { return bot.ErrUnsupported }

// Reply implements bot.Platform: there is nobody to answer.
func (Nowhere) Reply(context.Context, *bot.Event, bot.Message) error { return nil }

package pagerduty

import (
	"context"

	"github.com/warroomhq/warroom/bot"
)

// Platform is where the webhook's commands come from, as the router needs
// one for every event: PagerDuty has no channels and nobody to answer, so
// everything but Reply (which drops the answer: PagerDuty asked nothing)
// is unsupported, and the handlers tell the incident's own channel.
type Platform struct{}

var _ bot.Platform = Platform{}

// Name implements bot.Platform.
func (Platform) Name() string { return Name }

// CreateChannel implements bot.Platform.
func (Platform) CreateChannel(context.Context, bot.ChannelSpec) (bot.Channel, error) {
	return bot.Channel{}, bot.ErrUnsupported
}

// Invite implements bot.Platform.
func (Platform) Invite(context.Context, string, []string) error { return bot.ErrUnsupported }

// Post implements bot.Platform.
func (Platform) Post(context.Context, string, bot.Message) (bot.MessageRef, error) {
	return bot.MessageRef{}, bot.ErrUnsupported
}

// Update implements bot.Platform.
func (Platform) Update(context.Context, bot.MessageRef, bot.Message) error { return bot.ErrUnsupported }

// SetTopic implements bot.Platform.
func (Platform) SetTopic(context.Context, string, string) error { return bot.ErrUnsupported }

// Pin implements bot.Platform.
func (Platform) Pin(context.Context, bot.MessageRef) error { return bot.ErrUnsupported }

// Archive implements bot.Platform.
func (Platform) Archive(context.Context, string) error { return bot.ErrUnsupported }

// OpenForm implements bot.Platform.
func (Platform) OpenForm(context.Context, *bot.Event, bot.Form) error { return bot.ErrUnsupported }

// Reply implements bot.Platform: there is nobody to answer.
func (Platform) Reply(context.Context, *bot.Event, bot.Message) error { return nil }

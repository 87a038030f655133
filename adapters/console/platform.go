package console

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/warroomhq/warroom/bot"
)

// Name implements bot.Platform.
func (c *Console) Name() string { return Name }

// CreateChannel implements bot.Platform: the channel is named as on Slack,
// spec.DatedName fitted to Slack's rules (lowercase a-z, 0-9, "-", "_"; at
// most 80) and made unique with "-2", "-3"...; the person at the terminal
// is moved into the new channel at once.
func (c *Console) CreateChannel(ctx context.Context, spec bot.ChannelSpec) (bot.Channel, error) {
	name := spec.DatedName(maxName)
	if err := ctx.Err(); err != nil {
		return bot.Channel{}, fmt.Errorf("create channel %q: %w", name, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := c.addChannel(name, spec.Title, spec.Private)
	ch.members[c.user] = true
	c.current = ch
	c.println(c.t("console.moved", "channel", ch.name))
	return bot.Channel{ID: ch.id, Name: ch.name}, nil
}

// Invite implements bot.Platform; it announces only the people who were
// not members yet.
func (c *Console) Invite(ctx context.Context, channelID string, userIDs []string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("invite to %s: %w", channelID, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := c.channelByID(channelID)
	if ch == nil {
		return fmt.Errorf("invite to %s: %w", channelID, errNoChannel)
	}
	var added []string
	for _, id := range userIDs {
		if id != "" && !ch.members[id] {
			ch.members[id] = true
			added = append(added, "@"+id)
		}
	}
	if len(added) > 0 {
		c.println(c.t("console.invited", "users", strings.Join(added, " "), "channel", ch.name))
	}
	return nil
}

// Post implements bot.Platform. A post outside the current channel is shown
// with its channel's name.
func (c *Console) Post(ctx context.Context, channelID string, msg bot.Message) (bot.MessageRef, error) {
	if err := ctx.Err(); err != nil {
		return bot.MessageRef{}, fmt.Errorf("post to %s: %w", channelID, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := c.channelByID(channelID)
	switch {
	case ch == nil:
		return bot.MessageRef{}, fmt.Errorf("post to %s: %w", channelID, errNoChannel)
	case ch.archived:
		return bot.MessageRef{}, fmt.Errorf("post to #%s: %w", ch.name, errArchived)
	}
	m := &message{ref: c.newRef(), channel: ch, bot: msg}
	c.messages[m.ref] = m
	c.show(m, "")
	return bot.MessageRef{ChannelID: ch.id, ID: m.ref}, nil
}

// Update implements bot.Platform: the message is shown again in full,
// marked as an update of its reference, and its buttons become the ones
// "!N" clicks.
func (c *Console) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("update %s: %w", ref.ID, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m, err := c.botMessage(ref)
	if err != nil {
		return fmt.Errorf("update %s: %w", ref.ID, err)
	}
	m.bot = msg
	c.show(m, c.t("console.updated"))
	return nil
}

// SetTopic implements bot.Platform; an unchanged topic is not announced
// again.
func (c *Console) SetTopic(ctx context.Context, channelID, topic string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("set topic of %s: %w", channelID, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := c.channelByID(channelID)
	if ch == nil {
		return fmt.Errorf("set topic of %s: %w", channelID, errNoChannel)
	}
	if ch.topic == topic {
		return nil
	}
	ch.topic = topic
	c.println(c.t("console.topic", "channel", ch.name, "topic", topic))
	return nil
}

// Pin implements bot.Platform; pinning twice is announced once.
func (c *Console) Pin(ctx context.Context, ref bot.MessageRef) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pin %s: %w", ref.ID, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m, err := c.botMessage(ref)
	if err != nil {
		return fmt.Errorf("pin %s: %w", ref.ID, err)
	}
	if !m.pinned {
		m.pinned = true
		c.println(c.t("console.pinned", "user", c.t("console.bot"), "ref", m.ref, "channel", m.channel.name))
	}
	return nil
}

// botMessage finds a message the bot may update or pin. Callers hold mu.
func (c *Console) botMessage(ref bot.MessageRef) (*message, error) {
	m, ok := c.messages[ref.ID]
	if !ok || m.deleted || (ref.ChannelID != "" && ref.ChannelID != m.channel.id) {
		return nil, errNoMessage
	}
	return m, nil
}

// Archive implements bot.Platform: the channel keeps its name and history
// but takes no more posts.
func (c *Console) Archive(ctx context.Context, channelID string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("archive %s: %w", channelID, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := c.channelByID(channelID)
	if ch == nil {
		return fmt.Errorf("archive %s: %w", channelID, errNoChannel)
	}
	if !ch.archived {
		ch.archived = true
		c.println(c.t("console.archived", "channel", ch.name))
	}
	return nil
}

// OpenForm implements bot.Platform. The form is queued and asked field by
// field by Run once the current line has been handled; its submission is
// served as the person who triggered ev, in ev's channel.
func (c *Console) OpenForm(ctx context.Context, ev *bot.Event, form bot.Form) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("open form %q: %w", form.ID, err)
	}
	if ev == nil {
		return errors.New("open form: nil event")
	}
	c.mu.Lock()
	c.pending = append(c.pending, pendingForm{form: form, user: ev.User, channel: ev.Channel})
	c.mu.Unlock()
	select {
	case c.formReady <- struct{}{}:
	default:
	}
	return nil
}

// Reply implements bot.Platform: the message is shown marked as visible to
// the person alone.
func (c *Console) Reply(ctx context.Context, ev *bot.Event, msg bot.Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("reply: %w", err)
	}
	if ev == nil {
		return errors.New("reply: nil event")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.println(c.rendered(c.t("console.bot")+" "+c.t("console.private"), msg, ev.Channel, ""))
	return nil
}

// show prints a bot message with its reference and, when it is not in the
// current channel, the channel's name. Callers hold mu.
func (c *Console) show(m *message, mark string) {
	head := "[" + m.ref + "]"
	if m.channel != c.current {
		head = "[#" + m.channel.name + " " + m.ref + "]"
	}
	head += " " + c.t("console.bot")
	if mark != "" {
		head += " " + mark
	}
	c.println(c.rendered(head, m.bot, m.channel.id, m.ref))
}

// rendered renders msg under head and, when it has buttons, makes its
// choices the ones "!N" clicks. Callers hold mu.
func (c *Console) rendered(head string, msg bot.Message, channelID, ref string) string {
	text, choices := render(c.lang, head, msg)
	if len(choices) > 0 {
		for i := range choices {
			choices[i].channel, choices[i].ref = channelID, ref
		}
		c.choices = choices
	}
	return text
}

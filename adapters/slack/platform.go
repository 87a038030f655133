package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf16"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/outbound"
	"github.com/warroomhq/warroom/bot"
)

// reply is what an event carries for answering its person later.
type reply struct {
	ResponseURL string
	TriggerID   string
}

func replyOf(ev *bot.Event) reply {
	r, _ := ev.Reply.(reply)
	return r
}

// slackErr returns Slack's error code ("name_taken") of err, or "".
func slackErr(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// maxNameTries bounds the suffixes tried on name_taken: -2, -3, ...
const maxNameTries = 5

// maxChannelName is Slack's limit on a channel's name, in characters.
const maxChannelName = 80

// CreateChannel implements bot.Platform: it names the channel
// "inc-20261125-42-checkout-is-failing" (spec.DatedName) fitted to Slack's
// rules (a-z, 0-9, - and _, at most 80 characters) and adds -2, -3...
// while the name is taken (archived channels keep their names). With
// spec.NoWait each call fails at once with bot.ErrPaced when the rate
// limit has no room for it.
func (a *Adapter) CreateChannel(ctx context.Context, spec bot.ChannelSpec) (bot.Channel, error) {
	api := a.api
	if spec.NoWait {
		api = a.paced
	}
	base := channelName(spec.DatedName(maxChannelName))
	for i := 1; i <= maxNameTries; i++ {
		name := base
		if i > 1 {
			suffix := fmt.Sprintf("-%d", i)
			name = strings.TrimRight(bot.CutRunes(base, 80-len(suffix)), "-_") + suffix
		}
		ch, err := api.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: name, IsPrivate: spec.Private})
		if slackErr(err) == "name_taken" {
			continue
		}
		if err != nil {
			if !errors.Is(err, bot.ErrPaced) {
				a.log.Warn("conversations.create", zap.String("name", name), zap.Error(err))
			}
			return bot.Channel{}, fmt.Errorf("create channel %q: %w", name, err)
		}
		return bot.Channel{ID: ch.ID, Name: ch.Name, URL: a.channelURL(ch.ID)}, nil
	}
	return bot.Channel{}, fmt.Errorf("create channel %q: name taken %d times", base, maxNameTries)
}

// channelURL opens the channel for anyone in the workspace.
func (a *Adapter) channelURL(id string) string {
	a.mu.RLock()
	team := a.teamID
	a.mu.RUnlock()
	q := url.Values{"channel": {id}}
	if team != "" {
		q.Set("team", team)
	}
	return "https://slack.com/app_redirect?" + q.Encode()
}

// channelName lowercases and keeps a-z, 0-9, - and _, at most 80 long.
func channelName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
	}
	name := strings.Trim(bot.CutRunes(b.String(), 80), "-_")
	if name == "" {
		name = "incident"
	}
	return name
}

// Invite implements bot.Platform. People already there, and the bot
// itself, are not errors; when one of several invitations is refused the
// rest are invited one by one.
func (a *Adapter) Invite(ctx context.Context, channelID string, userIDs []string) error {
	_, self := a.self()
	var ids []string
	for _, id := range userIDs {
		if id != "" && id != self {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := a.api.InviteUsersToConversationContext(ctx, channelID, ids...)
	if err == nil || harmlessInvite(err) {
		return nil
	}
	if len(ids) == 1 {
		a.log.Warn("conversations.invite", zap.String("channel_id", channelID), zap.String("user_id", ids[0]), zap.Error(err))
		return fmt.Errorf("invite %s to %s: %w", ids[0], channelID, err)
	}
	var errs []error
	for _, id := range ids {
		if _, err := a.api.InviteUsersToConversationContext(ctx, channelID, id); err != nil && !harmlessInvite(err) {
			a.log.Warn("conversations.invite", zap.String("channel_id", channelID), zap.String("user_id", id), zap.Error(err))
			errs = append(errs, fmt.Errorf("invite %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

func harmlessInvite(err error) bool {
	switch slackErr(err) {
	case "already_in_channel", "cant_invite_self":
		return true
	}
	return false
}

// Post implements bot.Platform. In a public channel the bot has left, it
// joins and posts again.
func (a *Adapter) Post(ctx context.Context, channelID string, msg bot.Message) (bot.MessageRef, error) {
	fallback, blocks := renderMessage(msg)
	opts := []slack.MsgOption{slack.MsgOptionText(fallback, false), slack.MsgOptionBlocks(blocks...)}
	ch, ts, err := a.api.PostMessageContext(ctx, channelID, opts...)
	if slackErr(err) == "not_in_channel" {
		if _, _, _, jerr := a.api.JoinConversationContext(ctx, channelID); jerr == nil {
			ch, ts, err = a.api.PostMessageContext(ctx, channelID, opts...)
		}
	}
	if err != nil {
		a.log.Warn("chat.postMessage", zap.String("channel_id", channelID), zap.Error(err))
		return bot.MessageRef{}, fmt.Errorf("post to %s: %w", channelID, err)
	}
	return bot.MessageRef{ChannelID: ch, ID: ts}, nil
}

// Update implements bot.Platform with chat.update.
func (a *Adapter) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	fallback, blocks := renderMessage(msg)
	_, _, _, err := a.api.UpdateMessageContext(ctx, ref.ChannelID, ref.ID,
		slack.MsgOptionText(fallback, false), slack.MsgOptionBlocks(blocks...))
	if err != nil {
		a.log.Warn("chat.update", zap.String("channel_id", ref.ChannelID), zap.Error(err))
		return fmt.Errorf("update %s/%s: %w", ref.ChannelID, ref.ID, err)
	}
	return nil
}

// maxTopic is Slack's limit on a channel topic.
const maxTopic = 250

// SetTopic implements bot.Platform. The topic is escaped like every other
// text Warroom sends (escapeMrkdwn): a title cannot mention the channel or
// forge a link in it, nor carry a bidi override. It is cut to Slack's
// limit with … and never inside an entity.
func (a *Adapter) SetTopic(ctx context.Context, channelID, topic string) error {
	topic = cutMrkdwn(escapeMrkdwn(strings.TrimSpace(topic)), maxTopic)
	if _, err := a.api.SetTopicOfConversationContext(ctx, channelID, topic); err != nil {
		a.log.Warn("conversations.setTopic", zap.String("channel_id", channelID), zap.Error(err))
		return fmt.Errorf("set topic of %s: %w", channelID, err)
	}
	return nil
}

// Pin implements bot.Platform; a message already pinned is not an error.
func (a *Adapter) Pin(ctx context.Context, ref bot.MessageRef) error {
	err := a.api.AddPinContext(ctx, ref.ChannelID, slack.NewRefToMessage(ref.ChannelID, ref.ID))
	if err != nil && slackErr(err) != "already_pinned" {
		a.log.Warn("pins.add", zap.String("channel_id", ref.ChannelID), zap.Error(err))
		return fmt.Errorf("pin %s/%s: %w", ref.ChannelID, ref.ID, err)
	}
	return nil
}

// Archive implements bot.Platform: Slack channels cannot be deleted, only
// archived.
func (a *Adapter) Archive(ctx context.Context, channelID string) error {
	err := a.api.ArchiveConversationContext(ctx, channelID)
	if err != nil && slackErr(err) != "already_archived" {
		a.log.Warn("conversations.archive", zap.String("channel_id", channelID), zap.Error(err))
		return fmt.Errorf("archive %s: %w", channelID, err)
	}
	return nil
}

// OpenForm implements bot.Platform with a modal. It needs the trigger of
// the click or command, valid for three seconds; without one (or once it
// has expired) it returns bot.ErrUnsupported and the handler falls back to
// telling the usage.
func (a *Adapter) OpenForm(ctx context.Context, ev *bot.Event, form bot.Form) error {
	r := replyOf(ev)
	if r.TriggerID == "" {
		return bot.ErrUnsupported
	}
	lang, _ := bot.ParseLang(ev.Locale)
	if lang == "" {
		lang = a.opts.Lang
	}
	view := renderModal(form, bot.T(lang, "form.cancel"))
	view.PrivateMetadata = encodeMeta(formMeta{Meta: form.Meta, Channel: ev.Channel, Origin: newOriginMeta(form.Origin)})
	if _, err := a.api.OpenViewContext(ctx, r.TriggerID, view); err != nil {
		a.log.Warn("views.open", zap.String("form", form.ID), zap.Error(err))
		switch slackErr(err) {
		case "expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id":
			return bot.ErrUnsupported
		}
		return fmt.Errorf("open form %s: %w", form.ID, err)
	}
	return nil
}

// formMeta travels in a modal's private_metadata: the form's own Meta, the
// channel it was opened from and the message it started from, which a
// view_submission does not tell.
type formMeta struct {
	Meta    string      `json:"m,omitempty"`
	Channel string      `json:"c,omitempty"`
	Origin  *originMeta `json:"o,omitempty"`
}

// originMeta is a bot.Origin in few bytes.
type originMeta struct {
	Channel    string `json:"c,omitempty"`
	Ref        string `json:"r,omitempty"`
	AuthorID   string `json:"u,omitempty"`
	AuthorName string `json:"n,omitempty"`
	Text       string `json:"t,omitempty"`
	Link       string `json:"l,omitempty"`
}

func newOriginMeta(o *bot.Origin) *originMeta {
	if o == nil {
		return nil
	}
	return &originMeta{Channel: o.Channel, Ref: o.Ref, AuthorID: o.Author.ID, AuthorName: o.Author.Name, Text: o.Text, Link: o.Link}
}

func (m *originMeta) origin() *bot.Origin {
	if m == nil {
		return nil
	}
	return &bot.Origin{Channel: m.Channel, Ref: m.Ref, Author: bot.User{ID: m.AuthorID, Name: m.AuthorName}, Text: m.Text, Link: m.Link}
}

// maxPrivateMetadata is Slack's limit on a view's private_metadata, in
// characters (counted here as UTF-16 units, the stricter reading).
const maxPrivateMetadata = 3000

// encodeMeta writes m as JSON. When that is longer than private_metadata
// may be, the origin's text is cut (ending with …) until it fits: the
// message's link, looked up on submission, leads to the rest.
func encodeMeta(m formMeta) string {
	out := marshalMeta(m)
	for over := utf16Len(out) - maxPrivateMetadata; over > 0 && m.Origin != nil && m.Origin.Text != ""; over = utf16Len(out) - maxPrivateMetadata {
		o := *m.Origin
		runes := []rune(o.Text)
		// An escaped character takes up to six: cut at least what is over.
		keep := max(0, len(runes)-over-1)
		o.Text = ""
		if keep > 0 {
			o.Text = strings.TrimSpace(string(runes[:keep])) + "…"
		}
		m.Origin = &o
		out = marshalMeta(m)
	}
	return out
}

func marshalMeta(m formMeta) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // < > & as themselves: private_metadata is ours alone
	_ = enc.Encode(m)
	return strings.TrimSuffix(b.String(), "\n")
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func decodeMeta(s string) formMeta {
	var m formMeta
	if json.Unmarshal([]byte(s), &m) != nil {
		return formMeta{Meta: s}
	}
	return m
}

// Reply implements bot.Platform: in the acknowledgement when a slash
// command's request still waits for its first reply (ev.Answer), else
// through the response URL when the event has one, else as an ephemeral
// message in the event's channel, else as a direct message.
func (a *Adapter) Reply(ctx context.Context, ev *bot.Event, msg bot.Message) error {
	if ev.Answer.Fill(msg) {
		return nil // command() writes it as the HTTP response
	}
	fallback, blocks := renderMessage(msg)
	if u := replyOf(ev).ResponseURL; u != "" {
		err := a.respond(ctx, u, msg)
		if err == nil {
			return nil
		}
		a.log.Warn("response_url", zap.String("channel_id", ev.Channel), zap.Error(err))
	}
	opts := []slack.MsgOption{slack.MsgOptionText(fallback, false), slack.MsgOptionBlocks(blocks...)}
	if msg.NoUnfurl {
		opts = append(opts, slack.MsgOptionDisableLinkUnfurl(), slack.MsgOptionDisableMediaUnfurl())
	}
	if ev.Channel != "" {
		_, err := a.api.PostEphemeralContext(ctx, ev.Channel, ev.User.ID, opts...)
		if err == nil {
			return nil
		}
		a.log.Warn("chat.postEphemeral", zap.String("channel_id", ev.Channel), zap.Error(err))
	}
	if _, _, err := a.api.PostMessageContext(ctx, ev.User.ID, opts...); err != nil {
		a.log.Warn("chat.postMessage (direct)", zap.String("user_id", ev.User.ID), zap.Error(err))
		return fmt.Errorf("reply to %s: %w", ev.User.ID, err)
	}
	return nil
}

// replyBody is a reply as Slack takes it both in a slash command's
// acknowledgement and on a response URL: ephemeral (only the person sees
// it), renderMessage's text and blocks, and no previews when asked.
func replyBody(msg bot.Message) map[string]any {
	fallback, blocks := renderMessage(msg)
	body := map[string]any{"response_type": "ephemeral", "text": fallback, "blocks": blocks}
	if msg.NoUnfurl {
		body["unfurl_links"], body["unfurl_media"] = false, false
	}
	return body
}

// respond posts msg to a response URL, as a new ephemeral message.
func (a *Adapter) respond(ctx context.Context, responseURL string, msg bot.Message) error {
	payload := replyBody(msg)
	payload["replace_original"] = false
	body, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		// A response URL is a credential: keep it out of the error.
		return fmt.Errorf("post to response url: %w", outbound.WithoutURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("response url answered %d", resp.StatusCode)
	}
	return nil
}

package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// Inbound payloads reach this file from both transports already verified
// (HTTP signature, or the Socket Mode connection): slash commands as form
// values, interactions and events as JSON. Each function returns what to
// acknowledge Slack with, at once; the work itself is queued on the router.

// errForeignTeam refuses requests from a workspace other than SLACK_TEAM_ID.
var errForeignTeam = errors.New("request from another workspace")

// command handles a slash command:
//
//	token=...&team_id=T0001&channel_id=C123&user_id=U123&user_name=alice&command=%2Fincident
//	&text=declare+DB+is+down+P1&response_url=https%3A%2F%2Fhooks.slack.com%2F...&trigger_id=123.456.abc
//
// deliveryID is the Socket Mode envelope ID ("" over HTTP, where Slack
// does not retry slash commands). The ack is an ephemeral message or nil.
//
// Over HTTP the ack waits up to Options.AnswerWithin for the command's
// first reply and carries it (answerInAck); declare with a title, whose
// channel takes longer, is acknowledged at once. Socket Mode does not
// wait: its envelopes share one loop.
func (a *Adapter) command(ctx context.Context, form url.Values, deliveryID string) (map[string]any, error) {
	if err := a.checkTeam(form.Get("team_id")); err != nil {
		return nil, err
	}
	userID := form.Get("user_id")
	lang := a.lang(ctx, userID)
	text := strings.TrimSpace(form.Get("text"))
	if text == "" {
		text = "declare" // "/incident" alone opens the declare form
	}
	ev := bot.Event{
		ID: deliveryID, Kind: bot.EventCommand, Platform: Name, At: a.opts.Now(),
		User: bot.User{ID: userID, Name: form.Get("user_name")}, Channel: form.Get("channel_id"),
		Text:  text,
		Reply: reply{ResponseURL: form.Get("response_url"), TriggerID: form.Get("trigger_id")},
	}
	declaring := strings.EqualFold(strings.Fields(text)[0], "declare") && len(strings.Fields(text)) > 1
	if deliveryID == "" && !declaring && a.opts.AnswerWithin > 0 {
		ev.Answer = bot.NewAnswer()
	}
	if err := a.opts.Router.Dispatch(ev); err != nil {
		return ephemeral(bot.T(lang, "err."+busyCode(err))), nil
	}
	if declaring {
		return ephemeral(bot.T(lang, "slack.ack.declare")), nil
	}
	return a.answerInAck(ctx, ev.Answer), nil
}

// answerInAck waits, on the request's own goroutine, up to
// Options.AnswerWithin for the first reply to a slash command, and returns
// it as Slack takes it in the acknowledgement: the same body the response
// URL would get. Slack shows it exactly as that later post. nil means no
// reply came in time; it then goes through the response URL. Interactions
// never wait: Slack reads no message in a block_actions acknowledgement
// (Bolt's ack takes no argument for them).
func (a *Adapter) answerInAck(ctx context.Context, slot *bot.Answer) map[string]any {
	msg, ok := slot.Wait(ctx, a.opts.AnswerWithin)
	if !ok {
		return nil
	}
	return replyBody(msg)
}

func busyCode(err error) string {
	if errors.Is(err, bot.ErrClosed) {
		return bot.CodeUnavailable
	}
	return bot.CodeBusy
}

func ephemeral(text string) map[string]any {
	return map[string]any{"response_type": "ephemeral", "text": text}
}

func (a *Adapter) checkTeam(team string) error {
	if a.opts.TeamID != "" && team != a.opts.TeamID {
		a.log.Warn("refused request from another workspace", zap.String("team_id", team))
		return errForeignTeam
	}
	return nil
}

// interaction handles a block_actions or view_submission payload:
//
//	{"type":"block_actions","team":{"id":"T0001"},"user":{"id":"U123","name":"alice"},
//	 "trigger_id":"123.456.abc","response_url":"https://hooks.slack.com/actions/...",
//	 "channel":{"id":"C123"},"container":{"type":"message","message_ts":"1732500000.000100"},
//	 "actions":[{"action_id":"wr.resolve.3","type":"button","value":"INC-42"}]}
//
// The ack is nil, or a view_submission's field errors.
func (a *Adapter) interaction(ctx context.Context, payload []byte, deliveryID string) (any, error) {
	var cb slack.InteractionCallback
	if err := json.Unmarshal(payload, &cb); err != nil {
		return nil, fmt.Errorf("decode interaction: %w", err)
	}
	if err := a.checkTeam(cb.Team.ID); err != nil {
		return nil, err
	}
	user := bot.User{ID: cb.User.ID, Name: cb.User.Name}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		for i, act := range cb.ActionCallback.BlockActions {
			command, value, ok := actionCommand(act)
			if !ok {
				continue // a link button: Slack opens the URL
			}
			ev := bot.Event{
				Kind: bot.EventAction, Platform: Name, At: a.opts.Now(), User: user, Channel: cb.Channel.ID,
				Action: command, Value: value, Reply: reply{ResponseURL: cb.ResponseURL, TriggerID: cb.TriggerID},
			}
			if deliveryID != "" {
				ev.ID = deliveryID + "." + strconv.Itoa(i)
			}
			a.dispatch(ctx, ev)
		}
		return nil, nil
	case slack.InteractionTypeViewSubmission:
		return a.submission(ctx, cb, user, deliveryID), nil
	case slack.InteractionTypeShortcut, slack.InteractionTypeMessageAction:
		a.shortcut(ctx, cb, user, deliveryID)
		return nil, nil
	}
	return nil, nil // view_closed: nothing to do
}

// Shortcut callback IDs, as manifest.yaml declares them.
const (
	// ShortcutDeclare is the global shortcut "Declare incident".
	ShortcutDeclare = "wr_declare"
	// ShortcutDeclareFromMessage is the message shortcut "Declare from
	// message".
	ShortcutDeclareFromMessage = "wr_declare_message"
)

// shortcut handles the global shortcut and the message shortcut:
//
//	{"type":"shortcut","callback_id":"wr_declare","trigger_id":"123.456.abc",
//	 "team":{"id":"T0001","domain":"acme"},"user":{"id":"U123","username":"alice"},"action_ts":"1732500000.1"}
//	{"type":"message_action","callback_id":"wr_declare_message","trigger_id":"123.456.abc",
//	 "response_url":"https://hooks.slack.com/app/T0001/123/xyz","team":{"id":"T0001","domain":"acme"},
//	 "user":{"id":"U123","name":"alice"},"channel":{"id":"C123","name":"general"},"message_ts":"1732500000.000100",
//	 "message":{"type":"message","user":"U456","text":"checkout is 502","ts":"1732500000.000100"}}
//
// Both run "declare" without a title, which opens the declare modal; the
// message shortcut's event carries the message (bot.Origin) so that the
// modal opens pre-filled and the message reaches the timeline. The
// acknowledgement is empty: Slack shows nothing for it.
func (a *Adapter) shortcut(ctx context.Context, cb slack.InteractionCallback, user bot.User, deliveryID string) {
	ev := bot.Event{ID: deliveryID, Kind: bot.EventCommand, Platform: Name, At: a.opts.Now(), User: user, Text: "declare",
		Reply: reply{ResponseURL: cb.ResponseURL, TriggerID: cb.TriggerID}}
	switch {
	case cb.Type == slack.InteractionTypeShortcut && cb.CallbackID == ShortcutDeclare:
		// A global shortcut has no channel: answers go by direct message.
	case cb.Type == slack.InteractionTypeMessageAction && cb.CallbackID == ShortcutDeclareFromMessage:
		ev.Channel = cb.Channel.ID
		ev.Origin = messageOrigin(cb)
	default:
		a.log.Info("shortcut not ours ignored", zap.String("type", string(cb.Type)), zap.String("callback_id", cb.CallbackID))
		return
	}
	a.dispatch(ctx, ev)
}

// messageOrigin is the message a message shortcut was used on, as plain
// text with its files named. Its author's name and its permalink are
// looked up when the form comes back (Enrich), not now: the trigger to
// open the modal lasts only seconds.
func messageOrigin(cb slack.InteractionCallback) *bot.Origin {
	m := cb.Message.Msg
	files := make([]file, 0, len(m.Files))
	for _, f := range m.Files {
		files = append(files, file{Name: f.Name, Title: f.Title, Permalink: f.Permalink})
	}
	ts := m.Timestamp
	if ts == "" {
		ts = cb.MessageTs
	}
	author := bot.User{ID: m.User}
	if m.User == "" && m.BotID != "" {
		author = bot.User{ID: m.BotID, Name: m.Username}
	}
	return &bot.Origin{Channel: cb.Channel.ID, Ref: ts, Author: author, Text: plainMrkdwn(withFiles(m.Text, files))}
}

// mrkdwnMarkup matches Slack's angle-bracket markup: <@U123>, <@U123|name>,
// <#C123|general>, <!here>, <!subteam^S1|@oncall>, <https://x|label>.
var mrkdwnMarkup = regexp.MustCompile(`<([^<>|]*)(?:\|([^<>]*))?>`)

// plainMrkdwn turns a message's mrkdwn into the plain text people read:
// mentions by name (or ID when the text has no name), links as
// "label (url)", and &amp; &lt; &gt; back to & < >.
func plainMrkdwn(text string) string {
	text = mrkdwnMarkup.ReplaceAllStringFunc(text, func(m string) string {
		sub := mrkdwnMarkup.FindStringSubmatch(m)
		target, label := sub[1], sub[2]
		switch {
		case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "#"):
			if label != "" {
				return target[:1] + label
			}
			return target
		case strings.HasPrefix(target, "!"):
			if label != "" {
				return label
			}
			return "@" + strings.TrimPrefix(target, "!")
		case label != "" && label != target:
			return label + " (" + target + ")"
		}
		return target
	})
	return mrkdwnUnescaper.Replace(text)
}

var mrkdwnUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// submission validates a modal synchronously (Slack shows the errors next
// to the fields only in the acknowledgement), then queues it.
func (a *Adapter) submission(ctx context.Context, cb slack.InteractionCallback, user bot.User, deliveryID string) any {
	sub := formSubmission(cb.View)
	meta := decodeMeta(sub.Meta)
	sub.Meta, sub.Origin = meta.Meta, meta.Origin.origin()
	ev := bot.Event{
		ID: deliveryID, Kind: bot.EventForm, Platform: Name, At: a.opts.Now(), User: user,
		Channel: meta.Channel, Form: sub, Locale: string(a.lang(ctx, user.ID)),
	}
	if errs := a.opts.Router.ValidateForm(&ev); len(errs) > 0 {
		return fieldErrors(errs)
	}
	ev.Locale = ""
	if err := a.opts.Router.Dispatch(ev); err != nil {
		first := ""
		if len(cb.View.Blocks.BlockSet) > 0 {
			first = blockID(cb.View.Blocks.BlockSet[0])
		}
		return fieldErrors(map[string]string{first: bot.T(a.lang(ctx, user.ID), "err."+busyCode(err))})
	}
	return nil
}

func blockID(b slack.Block) string {
	if in, ok := b.(*slack.InputBlock); ok {
		return in.BlockID
	}
	return ""
}

// dispatch queues ev; when the router is full it tells the person.
func (a *Adapter) dispatch(ctx context.Context, ev bot.Event) {
	if err := a.opts.Router.Dispatch(ev); err != nil {
		lang := a.lang(ctx, ev.User.ID)
		go func() {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			_ = a.Reply(rctx, &ev, bot.Message{Text: bot.T(lang, "err."+busyCode(err))})
		}()
	}
}

// eventCallback is the Events API envelope, the same over HTTP and Socket
// Mode:
//
//	{"type":"event_callback","team_id":"T0001","api_app_id":"A0001","event_id":"Ev0123",
//	 "event_time":1732500000,"event":{"type":"message","user":"U123","text":"rolling back",
//	 "ts":"1732500000.000200","channel":"C123","channel_type":"channel"}}
type eventCallback struct {
	Type      string     `json:"type"`
	Challenge string     `json:"challenge"`
	TeamID    string     `json:"team_id"`
	EventID   string     `json:"event_id"`
	EventTime int64      `json:"event_time"`
	Event     innerEvent `json:"event"`
}

// innerEvent holds the fields Warroom reads of message, reaction and pin
// events.
type innerEvent struct {
	Type      string       `json:"type"`
	Subtype   string       `json:"subtype"`
	User      string       `json:"user"`
	BotID     string       `json:"bot_id"`
	Text      string       `json:"text"`
	TS        string       `json:"ts"`
	ThreadTS  string       `json:"thread_ts"`
	Channel   string       `json:"channel"`
	ChannelID string       `json:"channel_id"` // pin events
	DeletedTS string       `json:"deleted_ts"`
	Files     []file       `json:"files"`
	Message   *messageBody `json:"message"`
	Previous  *messageBody `json:"previous_message"`
	Reaction  string       `json:"reaction"`
	Item      struct {
		Type    string       `json:"type"`
		Channel string       `json:"channel"`
		TS      string       `json:"ts"`
		Message *messageBody `json:"message"`
	} `json:"item"`
}

type messageBody struct {
	User     string `json:"user"`
	BotID    string `json:"bot_id"`
	Text     string `json:"text"`
	TS       string `json:"ts"`
	ThreadTS string `json:"thread_ts"`
	Files    []file `json:"files"`
}

type file struct {
	Name      string `json:"name"`
	Title     string `json:"title"`
	Permalink string `json:"permalink"`
}

// events handles an Events API delivery and returns the url_verification
// challenge when that is what it was.
func (a *Adapter) events(ctx context.Context, body []byte) (challenge string, err error) {
	var cb eventCallback
	if err := json.Unmarshal(body, &cb); err != nil {
		return "", fmt.Errorf("decode event: %w", err)
	}
	switch cb.Type {
	case "url_verification":
		return cb.Challenge, nil
	case "event_callback":
	default:
		return "", nil // app_rate_limited and friends: nothing to do
	}
	if err := a.checkTeam(cb.TeamID); err != nil {
		return "", err
	}
	ev, ok := a.toEvent(cb.Event)
	if !ok {
		return "", nil
	}
	ev.ID, ev.Platform = cb.EventID, Name
	if ev.At.IsZero() && cb.EventTime > 0 {
		ev.At = time.Unix(cb.EventTime, 0)
	}
	if err := a.opts.Router.Dispatch(ev); err != nil {
		return "", err
	}
	return "", nil
}

// toEvent maps an inner event to a bot.Event; ok is false for events
// Warroom does not record (other subtypes, and the bot's own messages).
func (a *Adapter) toEvent(in innerEvent) (bot.Event, bool) {
	botID, botUID := a.self()
	mine := func(user, bid string) bool { return (bid != "" && bid == botID) || (user != "" && user == botUID) }
	switch in.Type {
	case "message":
		return a.messageEvent(in, mine)
	case "reaction_added", "reaction_removed":
		if in.Item.Type != "message" || mine(in.User, "") {
			return bot.Event{}, false
		}
		kind := bot.EventReaction
		if in.Type == "reaction_removed" {
			kind = bot.EventUnreact
		}
		return bot.Event{Kind: kind, User: bot.User{ID: in.User}, Channel: in.Item.Channel, Ref: in.Item.TS,
			Reaction: in.Reaction, Meaning: reactionMeaning(in.Reaction)}, true
	case "pin_added", "pin_removed":
		if in.Item.Type != "message" || in.Item.Message == nil || mine(in.User, "") {
			return bot.Event{}, false
		}
		kind := bot.EventPin
		if in.Type == "pin_removed" {
			kind = bot.EventUnpin
		}
		return bot.Event{Kind: kind, User: bot.User{ID: in.User}, Channel: in.ChannelID, Ref: in.Item.Message.TS}, true
	case "member_joined_channel", "member_left_channel":
		// {"type": "member_joined_channel", "user": "U2", "channel": "C1",
		//  "channel_type": "G", "team": "T1", "inviter": "U1"}
		if in.User == "" || in.Channel == "" || mine(in.User, "") {
			return bot.Event{}, false
		}
		kind := bot.EventJoin
		if in.Type == "member_left_channel" {
			kind = bot.EventLeave
		}
		return bot.Event{Kind: kind, User: bot.User{ID: in.User}, Channel: in.Channel}, true
	}
	return bot.Event{}, false
}

func (a *Adapter) messageEvent(in innerEvent, mine func(user, botID string) bool) (bot.Event, bool) {
	switch in.Subtype {
	case "", "thread_broadcast", "file_share", "me_message":
		if mine(in.User, in.BotID) || in.BotID != "" || in.User == "" {
			return bot.Event{}, false // bots' messages are not chat
		}
		return bot.Event{Kind: bot.EventMessage, User: bot.User{ID: in.User}, Channel: in.Channel,
			Text: withFiles(in.Text, in.Files), Ref: in.TS, Thread: in.ThreadTS, At: tsTime(in.TS)}, true
	case "message_changed":
		m, prev := in.Message, in.Previous
		if m == nil || mine(m.User, m.BotID) || m.BotID != "" || m.User == "" {
			return bot.Event{}, false
		}
		if prev != nil && prev.Text == m.Text {
			return bot.Event{}, false // an unfurl or a thread count changed, not the words
		}
		return bot.Event{Kind: bot.EventMessageEdit, User: bot.User{ID: m.User}, Channel: in.Channel,
			Text: withFiles(m.Text, m.Files), Ref: m.TS}, true
	case "message_deleted":
		prev := in.Previous
		if prev == nil || mine(prev.User, prev.BotID) || prev.BotID != "" {
			return bot.Event{}, false
		}
		return bot.Event{Kind: bot.EventMessageDelete, User: bot.User{ID: prev.User}, Channel: in.Channel,
			Ref: in.DeletedTS}, true
	}
	return bot.Event{}, false // joins, topic changes, bot messages...
}

// withFiles appends each shared file's name and link; the file itself is
// not stored.
func withFiles(text string, files []file) string {
	for _, f := range files {
		name := f.Title
		if name == "" {
			name = f.Name
		}
		line := "📎 " + name
		if f.Permalink != "" {
			line += " " + f.Permalink
		}
		if text != "" {
			text += "\n"
		}
		text += line
	}
	return text
}

// tsTime reads a Slack message timestamp ("1732500000.000200").
func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}
	}
	us, _ := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	return time.Unix(s, us*1000)
}

// isDispatchErr reports whether err came from the router refusing an
// event (busy or closed), which Slack should retry.
func isDispatchErr(err error) bool {
	var coded *bot.Error
	return errors.Is(err, bot.ErrClosed) || (errors.As(err, &coded) && coded.Code == bot.CodeBusy)
}

// reactionMeaning is what a Slack reaction, by its emoji name, means to
// Warroom: :pushpin: :round_pushpin: :star: :key: and :bookmark: mark a key
// event; the rest mean nothing.
func reactionMeaning(emoji string) bot.Reaction {
	switch emoji {
	case "pushpin", "round_pushpin", "star", "key", "bookmark":
		return bot.ReactionKey
	}
	return ""
}

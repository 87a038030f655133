package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/infracloudio/msbotbuilder-go/schema"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

var (
	errUnauthorized = &httpx.Error{Status: http.StatusUnauthorized, Code: "unauthorized", Msg: "missing or invalid Bot Framework token"}
	errForbidden    = &httpx.Error{Status: http.StatusForbidden, Code: "forbidden", Msg: "token not valid for this bot or service"}
	errBadRequest   = &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: "malformed activity"}
	errBusy         = &httpx.Error{Status: http.StatusServiceUnavailable, Code: "busy", Msg: "Warroom is busy; try again"}
	errNoKeys       = &httpx.Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: "Bot Framework signing keys are not available yet; try again"}
)

// reply is what a Teams event carries to be answered later.
type reply struct {
	conversation string
	activityID   string
	capture      *capture
	// personal is set in a 1:1 chat with the bot, where a reply is seen
	// by its person alone.
	personal bool
}

func replyOf(ev *bot.Event) reply {
	r, _ := ev.Reply.(reply)
	return r
}

// capture collects, during a card click handled synchronously, the card or
// message that answers it in the HTTP response.
type capture struct {
	mu   sync.Mutex
	card map[string]any
	msg  *bot.Message
	// dialog is set when the answer may be a dialog (a message extension's
	// fetchTask): a form the handler opens becomes it.
	dialog   bool
	form     *bot.Form
	dialogID string
}

func (c *capture) setForm(f bot.Form, dialogID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.form, c.dialogID = &f, dialogID
}

func (c *capture) setCard(card map[string]any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.card = card
}

// setMessage keeps m as the click's answer and reports true, unless the
// click already has an answer: an invoke answers once, so a second reply
// goes the usual way (Reply sends it).
func (c *capture) setMessage(m bot.Message) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.msg != nil {
		return false
	}
	c.msg = &m
	return true
}

// unanswered is the captured reply the click's answer leaves out (a
// refreshed card is the answer, and a reply beside it would be lost), or
// nil.
func (c *capture) unanswered() *bot.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.card != nil && c.msg != nil {
		return c.msg
	}
	return nil
}

// rawActivity holds what msbotbuilder-go's schema drops: mention details
// and the channel data.
//
//	{"type":"message","id":"1732500000000","serviceUrl":"https://smba.trafficmanager.net/apac/",
//	 "channelId":"msteams","from":{"id":"29:1a","name":"Alice","aadObjectId":"..."},
//	 "conversation":{"id":"19:abc@thread.tacv2;messageid=1732499990000","conversationType":"channel"},
//	 "recipient":{"id":"28:<app id>","name":"Warroom"},"text":"<at>Warroom</at> declare DB down P1",
//	 "entities":[{"type":"mention","mentioned":{"id":"28:<app id>","name":"Warroom"},"text":"<at>Warroom</at>"}],
//	 "channelData":{"team":{"id":"19:team@thread.tacv2"},"channel":{"id":"19:abc@thread.tacv2"},
//	  "tenant":{"id":"..."},"eventType":"editMessage"}}
type rawActivity struct {
	Entities []struct {
		Type      string `json:"type"`
		Mentioned struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"mentioned"`
		Text string `json:"text"`
	} `json:"entities"`
	ChannelData struct {
		Channel struct {
			ID string `json:"id"`
		} `json:"channel"`
		Team struct {
			ID string `json:"id"`
		} `json:"team"`
		EventType string `json:"eventType"`
	} `json:"channelData"`
	Value json.RawMessage `json:"value"`
}

// Messages answers POST /teams/messages. The request is authenticated by
// msbotbuilder-go's ParseRequest with this package's validator; a card
// click (invoke) is handled synchronously and answered with the refreshed
// card; everything else is queued and answered 200 at once.
func (a *Adapter) Messages(w http.ResponseWriter, r *http.Request) (err error) {
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("teams request panicked", zap.Any("panic", p))
			err = errBadRequest
		}
	}()
	body, err := httpx.ReadBody(r, errBadRequest)
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	act, err := a.bf.ParseRequest(r.Context(), r)
	if err != nil {
		return a.authError(err)
	}
	if !utf8.Valid(body) {
		return errBadRequest // encoding/json would quietly turn the bytes into U+FFFD
	}
	var raw rawActivity
	_ = json.Unmarshal(body, &raw)
	a.learnService(act.ServiceURL)
	a.learnPeople(r.Context(), people(act, raw))
	a.learnTeam(raw.ChannelData.Team.ID)
	if act.From.ID == "28:"+a.opts.AppID || act.From.ID == a.opts.AppID {
		w.WriteHeader(http.StatusOK)
		return nil // our own posts are not chat
	}
	if act.Type == schema.Invoke {
		if handled, err := a.extension(w, r, act, raw); handled {
			return err
		}
		return a.invoke(w, r, act, raw)
	}
	if ev, ok := a.toEvent(act, raw); ok {
		if err := a.opts.Router.Dispatch(ev); err != nil {
			return errBusy
		}
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (a *Adapter) authError(err error) error {
	switch {
	case errors.Is(err, ErrKeysUnavailable):
		a.log.Warn("cannot verify activity: signing keys unavailable", zap.Error(err))
		return errNoKeys
	case errors.Is(err, ErrForbidden):
		a.log.Warn("refused activity", zap.String("check", "claims"), zap.Error(err))
		return errForbidden
	case errors.Is(err, ErrMissingToken), errors.Is(err, ErrBadToken):
		a.log.Warn("refused activity", zap.String("check", "token"), zap.Error(err))
		return errUnauthorized
	case strings.Contains(err.Error(), "Authentication headers are missing"):
		return errUnauthorized
	case strings.Contains(err.Error(), "Authentication failed"):
		return errUnauthorized
	}
	return errBadRequest
}

func people(act schema.Activity, raw rawActivity) map[string]string {
	out := map[string]string{act.From.ID: act.From.Name}
	for _, e := range raw.Entities {
		if e.Type == "mention" {
			out[e.Mentioned.ID] = e.Mentioned.Name
		}
	}
	return out
}

// base builds the event fields every activity shares.
func (a *Adapter) base(act schema.Activity, raw rawActivity) bot.Event {
	channel, thread := act.Conversation.ID, ""
	if raw.ChannelData.Channel.ID != "" {
		channel, thread = raw.ChannelData.Channel.ID, act.Conversation.ID
	}
	at := act.Timestamp
	if at.IsZero() {
		at = a.opts.Now()
	}
	a.learnAAD(act.From.ID, act.From.AadObjectID)
	return bot.Event{
		Platform: Name, At: at, User: bot.User{ID: act.From.ID, Name: act.From.Name},
		Channel: channel, Thread: thread, Locale: act.Locale,
		Reply: reply{conversation: act.Conversation.ID, activityID: act.ID, personal: act.Conversation.ConversationType == "personal"},
	}
}

// toEvent maps an activity to an event; ok is false for what Warroom
// ignores (installation updates and the like).
func (a *Adapter) toEvent(act schema.Activity, raw rawActivity) (bot.Event, bool) {
	ev := a.base(act, raw)
	switch act.Type {
	case schema.Message:
		if len(act.Value) > 0 {
			return a.submitted(ev, act)
		}
		text, addressed := a.command(act, raw)
		ev.ID, ev.Ref = act.ID, act.ID
		if addressed || act.Conversation.ConversationType == "personal" {
			ev.Kind, ev.Text = bot.EventCommand, text
			return ev, true
		}
		ev.Kind, ev.Text = bot.EventMessage, plainText(act.Text)
		return ev, true
	case "messageUpdate":
		if raw.ChannelData.EventType != "" && raw.ChannelData.EventType != "editMessage" {
			return ev, false
		}
		ev.Kind, ev.Ref, ev.Text = bot.EventMessageEdit, act.ID, plainText(act.Text)
		ev.ID = "edit:" + act.ID + ":" + act.Timestamp.Format(time.RFC3339Nano)
		return ev, true
	case "messageDelete":
		ev.Kind, ev.Ref, ev.ID = bot.EventMessageDelete, act.ID, "delete:"+act.ID
		return ev, true
	case "messageReaction":
		return a.reaction(ev, act)
	}
	return ev, false
}

// submitted handles an Action.Submit click (old clients): a message whose
// value is the card's data.
func (a *Adapter) submitted(ev bot.Event, act schema.Activity) (bot.Event, bool) {
	command, value, form, ok := clickOf(act.Value)
	if !ok {
		return ev, false
	}
	ev.ID = "submit:" + act.ID
	r := replyOf(&ev)
	r.activityID = act.ReplyToID
	ev.Reply = r
	if form != nil {
		ev.Kind, ev.Form = bot.EventForm, form
		return ev, true
	}
	ev.Kind, ev.Action, ev.Value = bot.EventAction, command, value
	return ev, true
}

// reactionOf maps a Teams reaction type to what it means to Warroom, and
// the name the timeline keeps it under: a pin ("pushpin", "📌" or "pin",
// as clients send it) marks a key event, always named "pushpin" so that
// one pin is one flag however it came. Other reactions mean nothing.
func reactionOf(typ string) (name string, meaning bot.Reaction) {
	switch typ {
	case "pushpin", "📌", "pin":
		return "pushpin", bot.ReactionKey
	}
	return typ, ""
}

// reaction maps a messageReaction activity to the event of its first
// reaction that means something to Warroom; the others are not events.
func (a *Adapter) reaction(ev bot.Event, act schema.Activity) (bot.Event, bool) {
	ev.Ref = act.ReplyToID
	for _, r := range act.ReactionsAdded {
		if name, meaning := reactionOf(string(r.Type)); meaning != "" {
			ev.Kind, ev.Reaction, ev.Meaning, ev.ID = bot.EventReaction, name, meaning, "react:"+act.ID+":"+act.From.ID
			return ev, true
		}
	}
	for _, r := range act.ReactionsRemoved {
		if name, meaning := reactionOf(string(r.Type)); meaning != "" {
			ev.Kind, ev.Reaction, ev.Meaning, ev.ID = bot.EventUnreact, name, meaning, "unreact:"+act.ID+":"+act.From.ID
			return ev, true
		}
	}
	return ev, false
}

var atTag = regexp.MustCompile(`(?s)<at>(.*?)</at>`)

// command strips the bot's own mention and turns other mentions into the
// grammar's "<@id|name>"; addressed reports whether the bot was mentioned.
func (a *Adapter) command(act schema.Activity, raw rawActivity) (string, bool) {
	text := act.Text
	addressed := false
	var mentions []string
	for _, e := range raw.Entities {
		if e.Type != "mention" || e.Text == "" {
			continue
		}
		if e.Mentioned.ID == act.Recipient.ID || e.Mentioned.ID == "28:"+a.opts.AppID {
			addressed = true
			text = strings.Replace(text, e.Text, " ", 1)
			continue
		}
		// A placeholder survives the HTML clean-up below, the mention
		// syntax ("<@id|name>") would not.
		text = strings.Replace(text, e.Text, fmt.Sprintf(" \x00%d\x00 ", len(mentions)), 1)
		mentions = append(mentions, bot.FormatMention(bot.User{ID: e.Mentioned.ID, Name: e.Mentioned.Name}))
	}
	text = plainText(text)
	for i, m := range mentions {
		text = strings.Replace(text, fmt.Sprintf("\x00%d\x00", i), m, 1)
	}
	return strings.Join(strings.Fields(text), " "), addressed
}

var tags = regexp.MustCompile(`<[^>]+>`)

// plainText drops the HTML Teams wraps messages in.
func plainText(s string) string {
	s = atTag.ReplaceAllString(s, "@$1")
	s = strings.NewReplacer("<br>", "\n", "<br/>", "\n", "</p>", "\n", "</div>", "\n").Replace(s)
	s = tags.ReplaceAllString(s, "")
	s = strings.NewReplacer("&nbsp;", " ", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&amp;", "&").Replace(s)
	return strings.TrimSpace(s)
}

// invokeAnswer is the body of an invoke response.
type invokeAnswer struct {
	StatusCode int    `json:"statusCode"`
	Type       string `json:"type"`
	Value      any    `json:"value"`
}

// clickTimeout bounds a synchronous click: Teams waits about 15 seconds.
const clickTimeout = 10 * time.Second

// invoke answers an Action.Execute click in the HTTP response: the handler
// runs now, and the card it refreshes (or the message it answers) is the
// response, so the card updates in place.
func (a *Adapter) invoke(w http.ResponseWriter, r *http.Request, act schema.Activity, raw rawActivity) error {
	var value struct {
		Action struct {
			Verb string         `json:"verb"`
			Data map[string]any `json:"data"`
		} `json:"action"`
	}
	if act.Name != "adaptiveCard/action" || json.Unmarshal(raw.Value, &value) != nil {
		httpx.WriteJSON(w, http.StatusOK, invokeAnswer{StatusCode: http.StatusOK, Type: typeMessage, Value: ""})
		return nil
	}
	command, val, form, ok := clickOf(value.Action.Data)
	if !ok {
		return errBadRequest
	}
	ev := a.base(act, raw)
	ev.ID = "invoke:" + act.ID
	c := &capture{}
	ev.Reply = reply{conversation: act.Conversation.ID, activityID: act.ReplyToID, capture: c}
	if form != nil {
		ev.Kind, ev.Form = bot.EventForm, form
		if errs := a.opts.Router.ValidateForm(&ev); len(errs) > 0 {
			httpx.WriteJSON(w, http.StatusOK, a.formErrors(act.ReplyToID, form, errs))
			return nil
		}
	} else {
		ev.Kind, ev.Action, ev.Value = bot.EventAction, command, val
	}
	// The clicked card, when the handler refreshes it, is answered here.
	if act.ReplyToID != "" {
		a.captures.Store(act.ReplyToID, c)
		defer a.captures.Delete(act.ReplyToID)
	}
	ctx, cancel := context.WithTimeout(r.Context(), clickTimeout)
	defer cancel()
	_ = a.opts.Router.Serve(ctx, ev) // errors reach the person through Reply
	if m := c.unanswered(); m != nil {
		// The card is refreshed in place; the reply goes beside it.
		// The same reply without the capture: a personal chat stays one.
		sent := ev
		rp := replyOf(&ev)
		rp.capture = nil
		sent.Reply = rp
		if err := a.Reply(ctx, &sent, *m); err != nil {
			a.log.Warn("reply beside a refreshed card", zap.Error(err))
		}
	}
	ans := c.answer()
	if form != nil && ans.Type == typeMessage {
		// The form's card becomes a short receipt.
		text, _ := ans.Value.(string)
		if text == "" {
			text = bot.T(a.lang(ev.Locale), "teams.form_done")
		}
		ans = invokeAnswer{StatusCode: http.StatusOK, Type: typeCard, Value: renderCard(bot.Message{Text: text})}
	}
	httpx.WriteJSON(w, http.StatusOK, ans)
	return nil
}

// formErrors answers an invalid form: the same form with the errors next
// to its fields when this replica sent it, else the errors as a message.
func (a *Adapter) formErrors(activityID string, sub *bot.FormSubmission, errs map[string]string) invokeAnswer {
	a.mu.RLock()
	form, ok := a.forms[activityID]
	a.mu.RUnlock()
	if ok {
		values := map[string]string{}
		for k, v := range sub.Values {
			values[k] = strings.Join(v, ",")
		}
		return invokeAnswer{StatusCode: http.StatusOK, Type: typeCard, Value: renderForm(form, values, errs)}
	}
	lines := make([]string, 0, len(errs))
	for field, msg := range errs {
		lines = append(lines, field+": "+msg)
	}
	return invokeAnswer{StatusCode: http.StatusOK, Type: typeMessage, Value: strings.Join(lines, "\n")}
}

func (a *Adapter) lang(locale string) bot.Lang {
	if l, ok := bot.ParseLang(locale); ok {
		return l
	}
	return a.opts.Lang
}

const (
	typeCard    = "application/vnd.microsoft.card.adaptive"
	typeMessage = "application/vnd.microsoft.activity.message"
)

// answer is the invoke response: the refreshed card, else the message.
func (c *capture) answer() invokeAnswer {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.card != nil:
		return invokeAnswer{StatusCode: http.StatusOK, Type: typeCard, Value: c.card}
	case c.msg != nil:
		return invokeAnswer{StatusCode: http.StatusOK, Type: typeMessage, Value: fallbackText(*c.msg) + messageBody(*c.msg)}
	}
	return invokeAnswer{StatusCode: http.StatusOK, Type: typeMessage, Value: ""}
}

// messageBody is the rest of a message after its fallback line, as the
// plain text an invoke answers with: its text under its title, then its
// fields as "label: value" lines (its buttons cannot be shown there).
func messageBody(m bot.Message) string {
	var b strings.Builder
	if m.Title != "" && m.Text != "" {
		b.WriteString("\n" + m.Text)
	}
	for _, f := range m.Fields {
		b.WriteString("\n" + f.Label + ": " + f.Value)
	}
	return b.String()
}

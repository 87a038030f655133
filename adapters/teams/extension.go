package teams

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/infracloudio/msbotbuilder-go/schema"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// CommandDeclareFromMessage is the message extension's action command, as
// manifest/manifest.json declares it: "Declare incident" in a message's
// "..." menu.
const CommandDeclareFromMessage = "declareFromMessage"

// Invoke names of a message extension's action command.
const (
	invokeFetchTask    = "composeExtension/fetchTask"
	invokeSubmitAction = "composeExtension/submitAction"
)

// taskTimeout bounds the handling of a fetchTask: Teams waits about five
// seconds for the dialog.
const taskTimeout = 4 * time.Second

// extensionAction is the value of both invokes (msteams-docs
// create-task-module.md and respond-to-task-module-submit.md):
//
//	{"commandId":"declareFromMessage","commandContext":"message","requestId":"…",
//	 "context":{"theme":"default"},"data":{…the dialog's Action.Submit data and inputs; submitAction only…},
//	 "messagePayload":{"id":"1611060744833","replyToId":null,"createdDateTime":"2021-01-19T12:52:24.833Z",
//	  "linkToMessage":"https://teams.microsoft.com/l/message/19:…@thread.skype/1611060744833?…",
//	  "body":{"contentType":"html","content":"<div><div>Checkout is <b>502</b></div></div>"},
//	  "from":{"user":{"userIdentityType":"aadUser","id":"b130c271-…","displayName":"Bob"},"application":null},
//	  "mentions":[],"reactions":[],"attachments":[]}}
type extensionAction struct {
	CommandID      string          `json:"commandId"`
	CommandContext string          `json:"commandContext"`
	Data           map[string]any  `json:"data"`
	MessagePayload *messagePayload `json:"messagePayload"`
}

type messagePayload struct {
	ID            string `json:"id"`
	LinkToMessage string `json:"linkToMessage"`
	Body          struct {
		ContentType string `json:"contentType"`
		Content     string `json:"content"`
	} `json:"body"`
	From struct {
		User        *payloadParty `json:"user"`
		Application *payloadParty `json:"application"`
	} `json:"from"`
}

type payloadParty struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// taskAnswer is the body of a message extension invoke's response
// (MessagingExtensionActionResponse): a dialog to show
// ({"task":{"type":"continue","value":{taskInfo}}}) or a short message
// ({"task":{"type":"message","value":"…"}}).
type taskAnswer struct {
	Task taskResponse `json:"task"`
}

type taskResponse struct {
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// taskInfo is a dialog holding an Adaptive Card.
type taskInfo struct {
	Title  string         `json:"title,omitempty"`
	Width  string         `json:"width"`
	Height string         `json:"height"`
	Card   map[string]any `json:"card"`
}

func taskMessage(text string) taskAnswer {
	return taskAnswer{Task: taskResponse{Type: "message", Value: text}}
}

func taskDialog(form bot.Form, dialogID string, values, errs map[string]string) taskAnswer {
	return taskAnswer{Task: taskResponse{Type: "continue", Value: taskInfo{
		Title: bot.Truncate(strings.TrimSpace(form.Title), 64), Width: "medium", Height: "large",
		Card: attachment(renderDialog(form, dialogID, values, errs)),
	}}}
}

// extension answers the message extension's invokes; handled is false for
// other invokes.
func (a *Adapter) extension(w http.ResponseWriter, r *http.Request, act schema.Activity, raw rawActivity) (handled bool, err error) {
	if act.Name != invokeFetchTask && act.Name != invokeSubmitAction {
		return false, nil
	}
	var v extensionAction
	if len(raw.Value) == 0 || json.Unmarshal(raw.Value, &v) != nil {
		return true, errBadRequest
	}
	lang := a.lang(act.Locale)
	if v.CommandID != CommandDeclareFromMessage {
		a.log.Info("message extension command not ours", zap.String("command_id", v.CommandID))
		httpx.WriteJSON(w, http.StatusOK, taskMessage(bot.T(lang, "err.no_such_command", "command", v.CommandID)))
		return true, nil
	}
	if act.Name == invokeFetchTask {
		a.fetchTask(w, r, act, raw, v)
		return true, nil
	}
	return true, a.submitAction(w, act, raw, v)
}

// fetchTask runs "declare" without a title, now, with the message the
// command was picked on: the declare form it opens is the answer, as a
// dialog pre-filled from the message. What the handler says instead (the
// message has no text, say) is answered as a task message.
func (a *Adapter) fetchTask(w http.ResponseWriter, r *http.Request, act schema.Activity, raw rawActivity, v extensionAction) {
	ev := a.base(act, raw)
	ev.ID = "fetchTask:" + act.ID
	ev.Kind, ev.Text = bot.EventCommand, "declare"
	ev.Origin = a.origin(v.MessagePayload, ev.Channel)
	c := &capture{dialog: true}
	ev.Reply = reply{conversation: act.Conversation.ID, capture: c}
	ctx, cancel := context.WithTimeout(r.Context(), taskTimeout)
	defer cancel()
	_ = a.opts.Router.Serve(ctx, ev) // errors reach the person through Reply
	httpx.WriteJSON(w, http.StatusOK, c.task())
}

// submitAction takes the dialog's submission: invalid, the dialog comes
// back with the errors; valid, it is queued (Teams retries a submit not
// answered within five seconds, and a channel may take longer) and the
// answer says the incident is on its way. The message comes from Teams'
// own copy in the invoke when there is one, else from what the dialog
// carried.
func (a *Adapter) submitAction(w http.ResponseWriter, act schema.Activity, raw rawActivity, v extensionAction) error {
	_, _, form, ok := clickOf(v.Data)
	if !ok || form == nil {
		return errBadRequest
	}
	if o := a.origin(v.MessagePayload, a.base(act, raw).Channel); o != nil {
		form.Origin = o
	}
	ev := a.base(act, raw)
	ev.ID = "submitAction:" + act.ID
	ev.Kind, ev.Form = bot.EventForm, form
	ev.Reply = reply{conversation: act.Conversation.ID}
	lang := a.lang(ev.Locale)
	if errs := a.opts.Router.ValidateForm(&ev); len(errs) > 0 {
		id, _ := v.Data[keyDialog].(string)
		a.mu.RLock()
		shown, known := a.forms[dialogKey(id)]
		a.mu.RUnlock()
		if !known {
			httpx.WriteJSON(w, http.StatusOK, taskMessage(errorLines(errs)))
			return nil
		}
		httpx.WriteJSON(w, http.StatusOK, taskDialog(shown, id, submittedValues(form), errs))
		return nil
	}
	if err := a.opts.Router.Dispatch(ev); err != nil {
		code := bot.CodeBusy
		if errors.Is(err, bot.ErrClosed) {
			code = bot.CodeUnavailable
		}
		httpx.WriteJSON(w, http.StatusOK, taskMessage(bot.T(lang, "err."+code)))
		return nil
	}
	done := "teams.form_done"
	if form.ID == "declare" {
		done = "teams.ack.declare"
	}
	httpx.WriteJSON(w, http.StatusOK, taskMessage(bot.T(lang, done)))
	return nil
}

// origin reads the message an action command was picked on; nil when the
// command came from elsewhere (the compose box has no message).
func (a *Adapter) origin(p *messagePayload, channel string) *bot.Origin {
	if p == nil {
		return nil
	}
	o := &bot.Origin{Channel: channel, Ref: p.ID, Link: p.LinkToMessage}
	switch {
	case p.From.User != nil:
		o.Author = bot.User{ID: p.From.User.ID, Name: p.From.User.DisplayName}
	case p.From.Application != nil:
		o.Author = bot.User{ID: p.From.Application.ID, Name: p.From.Application.DisplayName}
	}
	o.Text = p.Body.Content
	if !strings.EqualFold(p.Body.ContentType, "text") {
		o.Text = htmlText(p.Body.Content)
	}
	return o
}

var (
	// htmlTag matches a tag, with quoted attributes that may hold ">".
	htmlTag = regexp.MustCompile(`<(?:[^>"']|"[^"]*"|'[^']*')*>`)
	// htmlHidden matches what a reader never sees: scripts, styles,
	// comments.
	htmlHidden = regexp.MustCompile(`(?is)<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->`)
	// htmlMention is a mention in a message body: <at id="0">Bob</at>.
	htmlMention = regexp.MustCompile(`(?is)<at\b[^>]*>(.*?)</at\s*>`)
	// htmlBreak ends a line: <br>, and the end of a block.
	htmlBreak = regexp.MustCompile(`(?i)<br\s*/?>|</(?:p|div|li|h[1-6]|tr|blockquote|pre)\s*>`)
	blankRuns = regexp.MustCompile(`\n{3,}`)
)

// htmlText is the text a person reads in a message body Teams sends as
// HTML: tags dropped (scripts and styles with their content), mentions as
// "@Name", line and block ends as new lines, every entity decoded, spaces
// tidied. The result is plain text, never markup: whoever shows it escapes
// it.
func htmlText(s string) string {
	s = htmlHidden.ReplaceAllString(s, "")
	s = htmlMention.ReplaceAllStringFunc(s, func(m string) string {
		name := htmlMention.FindStringSubmatch(m)[1]
		return "@" + htmlTag.ReplaceAllString(name, "")
	})
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.FieldsFunc(l, isSpace), " ")
	}
	return strings.TrimSpace(blankRuns.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\u00a0' || r == '\f' || r == '\v' }

// openDialog keeps form, shown in a dialog, so that a submission with
// errors can show it again (on this replica; another answers with the
// errors as a message), and returns its ID.
func (a *Adapter) openDialog(form bot.Form) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.forms) > 1000 {
		a.forms = map[string]bot.Form{}
	}
	a.forms[dialogKey(id)] = form
	return id
}

// keyDialog names, in a dialog's Action.Submit data, the form the dialog
// showed, so that a submission with errors can show the same form again.
const keyDialog = reservedPrefix + "dialog"

func dialogKey(id string) string { return "dialog:" + id }

// submittedValues is a submission's values as a form re-rendered with its
// errors shows them.
func submittedValues(sub *bot.FormSubmission) map[string]string {
	values := map[string]string{}
	for k, v := range sub.Values {
		values[k] = strings.Join(v, ",")
	}
	return values
}

// errorLines lists a form's errors, one "field: message" a line.
func errorLines(errs map[string]string) string {
	lines := make([]string, 0, len(errs))
	for field, msg := range errs {
		lines = append(lines, field+": "+msg)
	}
	return strings.Join(lines, "\n")
}

// task is the answer to a fetchTask: the form the handler opened, as a
// dialog, else what it said.
func (c *capture) task() taskAnswer {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.form != nil:
		return taskDialog(*c.form, c.dialogID, nil, nil)
	case c.msg != nil:
		return taskMessage(fallbackText(*c.msg) + messageBody(*c.msg))
	}
	return taskMessage("")
}

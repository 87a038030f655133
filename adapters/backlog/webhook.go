package backlog

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/inbound"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// TokenParam is the query parameter of the webhook's URL carrying its
// token.
const TokenParam = "token"

// Command is the hidden command a delivery becomes: "tracked OPS-12
// done" or "tracked OPS-12 reopen".
const Command = "tracked"

// ActivityIssueUpdated is the activity type of an issue's update
// (PROTOCOLS-2 §7: the sample's type 2).
const ActivityIssueUpdated = 2

// fetchTimeout bounds the re-read of an issue while Backlog waits.
const fetchTimeout = 10 * time.Second

// Refusals of the webhook; none carries the token or the body.
var (
	ErrBadToken      = &httpx.Error{Status: http.StatusUnauthorized, Code: "unauthorized", Msg: "missing or wrong token"}
	ErrMalformedBody = &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: "malformed webhook payload"}
	ErrUnreadable    = &httpx.Error{Status: http.StatusBadGateway, Code: "bad_gateway", Msg: "could not read the issue from Backlog"}
)

// Fetcher reads an issue back from Backlog (Client does).
type Fetcher interface {
	Issue(ctx context.Context, key string) (IssueJSON, error)
}

// WebhookOptions configures a Webhook.
type WebhookOptions struct {
	// Token is the secret the webhook's URL carries. Required.
	Token string
	// Issues reads issues back before anything moves (required).
	Issues Fetcher
	// Router receives the events (required).
	Router inbound.Dispatcher
	Log    *zap.Logger
}

// Webhook serves Backlog project webhook deliveries.
type Webhook struct {
	token  string
	issues Fetcher
	router inbound.Dispatcher
	log    *zap.Logger
}

// NewWebhook checks opts and builds the endpoint.
func NewWebhook(opts WebhookOptions) (*Webhook, error) {
	switch {
	case opts.Token == "":
		return nil, errors.New("backlog: a webhook token is required")
	case opts.Issues == nil:
		return nil, errors.New("backlog: nil issue reader")
	case opts.Router == nil:
		return nil, errors.New("backlog: nil router")
	}
	log := opts.Log
	if log == nil {
		log = zap.NewNop()
	}
	return &Webhook{token: opts.Token, issues: opts.Issues, router: opts.Router, log: log.Named(Name)}, nil
}

// Activity is a delivery, as far as Warroom reads it (PROTOCOLS-2 §7):
//
//	{"id": 3153, "type": 2, "project": {"id": 92, "projectKey": "OPS"},
//	 "content": {"id": 4809, "key_id": 12, "summary": "...",
//	   "changes": [{"field": "status", "new_value": "4", "old_value": "1"}]},
//	 "createdUser": {"id": 1, "userId": "aiko", "name": "Aiko Tanaka"}}
type Activity struct {
	ID      int64 `json:"id"`
	Type    int   `json:"type"`
	Project struct {
		ProjectKey string `json:"projectKey"`
	} `json:"project"`
	Content struct {
		KeyID   int64 `json:"key_id"`
		Changes []struct {
			Field    string `json:"field"`
			NewValue string `json:"new_value"`
		} `json:"changes"`
	} `json:"content"`
	CreatedUser *struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"createdUser"`
}

// Key is the issue the activity is about, "OPS-12", or "".
func (a *Activity) Key() string {
	k := a.Project.ProjectKey + "-" + strconv.FormatInt(a.Content.KeyID, 10)
	if !ValidKey(k) {
		return ""
	}
	return k
}

// statusChange reports whether the activity says the status moved, and
// whether it says to Closed.
func (a *Activity) statusChange() (changed, closed bool) {
	for _, c := range a.Content.Changes {
		if c.Field == "status" {
			return true, c.NewValue == strconv.Itoa(ClosedStatusID)
		}
	}
	return false, false
}

// Handle serves POST /integrations/backlog?token=…: the token is checked
// first (401, nothing read), then the payload (400). An activity that is
// no status change of an issue is answered 200 {"status":"ignored"}. For
// one that is, the issue is read again from Backlog (502 when it cannot
// be): closed there, it becomes "tracked KEY done"; open there, "tracked
// KEY reopen" (which changes nothing for a follow-up already open), for
// the router (503 when it is full), and 200 {"status":"accepted"}. A
// delivery claiming a closing that Backlog contradicts is ignored.
// Whether the issue is one Warroom filed is for the handlers to say.
func (h *Webhook) Handle(w http.ResponseWriter, r *http.Request) error {
	if !inbound.TokenOK(r.URL.Query().Get(TokenParam), h.token) {
		h.log.Warn("refused webhook delivery", zap.String("reason", "missing or wrong token"), zap.String("remote_addr", r.RemoteAddr))
		return ErrBadToken
	}
	body, err := inbound.Body(r)
	if err != nil {
		return err
	}
	var a Activity
	if err := json.Unmarshal(body, &a); err != nil {
		h.log.Warn("refused webhook delivery", zap.String("reason", "malformed payload"), zap.Int("bytes", len(body)))
		return ErrMalformedBody
	}
	key := a.Key()
	changed, claimsClosed := a.statusChange()
	if a.Type != ActivityIssueUpdated || key == "" || !changed {
		h.log.Debug("webhook delivery ignored", zap.Int("type", a.Type))
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ignored"})
		return nil
	}
	// The delivery is unauthenticated beyond the token: only Backlog's
	// own answer says what the issue's status is.
	ctx, cancel := context.WithTimeout(r.Context(), fetchTimeout)
	defer cancel()
	issue, err := h.issues.Issue(ctx, key)
	if err != nil {
		h.log.Warn("could not re-read the issue", zap.String("issue", key), zap.Error(err))
		return ErrUnreadable
	}
	what := "reopen"
	switch {
	case issue.Status.Closed():
		what = "done"
	case claimsClosed:
		// Backlog says open what the delivery says was closed: forged,
		// or overtaken by a reopening whose own delivery follows.
		h.log.Info("webhook delivery contradicted by Backlog, ignored", zap.String("issue", key))
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ignored"})
		return nil
	}
	user := bot.User{ID: Name, Name: DisplayName}
	if u := a.CreatedUser; u != nil && u.Name != "" {
		user = bot.User{ID: Name + ":" + strconv.FormatInt(u.ID, 10), Name: bot.Truncate(u.Name, 100)}
	}
	id := key + ":" + what
	if a.ID > 0 {
		id = strconv.FormatInt(a.ID, 10) + ":" + what
	}
	cmd := bot.Event{ID: "backlog:" + id, Kind: bot.EventCommand, Platform: Name, User: user, Text: Command + " " + key + " " + what}
	if err := h.router.Dispatch(cmd); err != nil {
		h.log.Warn("router busy, webhook delivery refused", zap.String("issue", key))
		return inbound.ErrBusy
	}
	h.log.Info("webhook delivery accepted", zap.String("issue", key), zap.String("status", issue.Status.Name))
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "accepted"})
	return nil
}

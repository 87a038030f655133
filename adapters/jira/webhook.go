package jira

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/inbound"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// SignatureHeader carries an admin webhook's signature, "sha256=<hex>"
// (PROTOCOLS-2 §5: WebSub style, not X-Hub-Signature-256).
const SignatureHeader = "X-Hub-Signature"

// Command is the hidden command a delivery becomes: "tracked OPS-7 done"
// or "tracked OPS-7 reopen".
const Command = "tracked"

// maxAge is how old a delivery may be; older ones are refused as replays.
const maxAge = 24 * time.Hour

// Refusals of the webhook; none carries a secret or the body.
var (
	ErrMalformedBody = inbound.ErrMalformedWebhook
	ErrStale         = inbound.ErrStaleWebhook
)

// WebhookOptions configures a Webhook.
type WebhookOptions struct {
	// Secret is the admin webhook's secret. Required.
	Secret string
	// Router receives the events (required).
	Router inbound.Dispatcher
	// Now is the clock (default time.Now).
	Now func() time.Time
	Log *zap.Logger
}

// Webhook serves Jira admin webhook deliveries.
type Webhook struct {
	secret string
	router inbound.Dispatcher
	now    func() time.Time
	log    *zap.Logger
}

// NewWebhook checks opts and builds the endpoint.
func NewWebhook(opts WebhookOptions) (*Webhook, error) {
	switch {
	case opts.Secret == "":
		return nil, errors.New("jira: a webhook secret is required")
	case opts.Router == nil:
		return nil, errors.New("jira: nil router")
	}
	h := &Webhook{secret: opts.Secret, router: opts.Router, now: time.Now, log: zap.NewNop()}
	if opts.Now != nil {
		h.now = opts.Now
	}
	if opts.Log != nil {
		h.log = opts.Log
	}
	h.log = h.log.Named(Name)
	return h, nil
}

// signature is the admin webhook's: "sha256=<hex>".
var signature = inbound.NewSignature(SignatureHeader, "sha256")

// The signature's refusals: missing (401), malformed (400), wrong (403).
var (
	ErrNoSignature        = signature.Missing
	ErrMalformedSignature = signature.Malformed
	ErrBadSignature       = signature.Wrong
)

// Sign is the header value Jira sends for body under secret.
func Sign(body []byte, secret string) string { return signature.Sign(body, secret) }

// Verify checks header against body under secret in constant time:
// ErrNoSignature when there is none, ErrMalformedSignature when it is not
// "sha256=<64 hex digits>", ErrBadSignature when it does not match.
func Verify(body []byte, header, secret string) error { return signature.Verify(body, header, secret) }

// Delivery is a jira:issue_updated delivery, as far as Warroom reads it:
//
//	{"timestamp": 1733302800000, "webhookEvent": "jira:issue_updated",
//	 "user": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Aiko Tanaka"},
//	 "issue": {"id": "10042", "key": "OPS-7", "self": "https://acme.atlassian.net/rest/api/3/issue/10042",
//	   "fields": {"status": {"name": "Done", "statusCategory": {"key": "done"}}}},
//	 "changelog": {"id": "10100", "items": [{"field": "status", "fieldtype": "jira",
//	   "fromString": "In Progress", "toString": "Done"}]}}
//
// The envelope is confirmed (PROTOCOLS-2 §5); the changelog's items and
// the status category's key ("new", "indeterminate", "done") are not.
type Delivery struct {
	Timestamp    int64  `json:"timestamp"`
	WebhookEvent string `json:"webhookEvent"`
	User         *struct {
		AccountID   string `json:"accountId"`
		DisplayName string `json:"displayName"`
	} `json:"user"`
	Issue struct {
		Key    string `json:"key"`
		Fields struct {
			Status *struct {
				Name           string `json:"name"`
				StatusCategory struct {
					Key string `json:"key"`
				} `json:"statusCategory"`
			} `json:"status"`
		} `json:"fields"`
	} `json:"issue"`
	Changelog *struct {
		ID    string `json:"id"`
		Items []struct {
			Field string `json:"field"`
		} `json:"items"`
	} `json:"changelog"`
}

// issueKey is what a Jira issue key looks like ("OPS-7").
var issueKey = regexp.MustCompile(`^[A-Z][A-Z0-9_]*-[1-9][0-9]*$`)

// statusChanged reports whether d's changelog moved the issue's status:
// only then does a delivery move the follow-up, so editing another field
// of an issue whose follow-up Warroom reopened does not mark it done again.
func (d *Delivery) statusChanged() bool {
	if d.Changelog == nil {
		return false
	}
	for _, it := range d.Changelog.Items {
		if it.Field == "status" {
			return true
		}
	}
	return false
}

// Handle serves POST /integrations/jira: the signature is checked first
// (400, 401, 403), then the payload (400), then its age (403 for a
// delivery over a day old). A delivery that changes no issue status is
// answered 200 {"status":"ignored"}; the others become one "tracked"
// command for the router (503 when it is full) and 200
// {"status":"accepted"}. Whether the issue is one Warroom filed is for the
// handlers to say: an unknown one changes nothing.
func (h *Webhook) Handle(w http.ResponseWriter, r *http.Request) error {
	body, err := inbound.Body(r)
	if err != nil {
		return err
	}
	if err := Verify(body, r.Header.Get(SignatureHeader), h.secret); err != nil {
		h.log.Warn("refused webhook delivery", zap.String("reason", err.Error()), zap.String("remote_addr", r.RemoteAddr))
		return err
	}
	var d Delivery
	if err := json.Unmarshal(body, &d); err != nil || d.WebhookEvent == "" {
		h.log.Warn("refused webhook delivery", zap.String("reason", "malformed payload"), zap.Int("bytes", len(body)))
		return ErrMalformedBody
	}
	at := time.UnixMilli(d.Timestamp)
	if d.Timestamp > 0 && h.now().Sub(at) > maxAge {
		h.log.Warn("refused webhook delivery", zap.String("reason", "stale"), zap.String("issue", d.Issue.Key))
		return ErrStale
	}
	st := d.Issue.Fields.Status
	if d.WebhookEvent != "jira:issue_updated" || !issueKey.MatchString(d.Issue.Key) || st == nil || !d.statusChanged() {
		h.log.Debug("webhook delivery ignored", zap.String("event", d.WebhookEvent), zap.String("issue", d.Issue.Key))
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ignored"})
		return nil
	}
	what := "reopen"
	if st.StatusCategory.Key == "done" {
		what = "done"
	}
	user := bot.User{ID: "jira", Name: DisplayName}
	if u := d.User; u != nil && u.AccountID != "" {
		user = bot.User{ID: u.AccountID, Name: bot.Truncate(u.DisplayName, 100)}
	}
	id := inbound.DeliveryID(body)
	if d.Timestamp <= 0 {
		at = h.now()
	}
	ev := bot.Event{ID: "jira:" + bot.Truncate(id, 200), Kind: bot.EventCommand, Platform: Name, User: user, At: at,
		Text: Command + " " + d.Issue.Key + " " + what}
	if err := h.router.Dispatch(ev); err != nil {
		h.log.Warn("router busy, webhook delivery refused", zap.String("issue", d.Issue.Key))
		return inbound.ErrBusy
	}
	h.log.Info("webhook delivery accepted", zap.String("issue", d.Issue.Key), zap.String("status_category", st.StatusCategory.Key))
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "accepted"})
	return nil
}

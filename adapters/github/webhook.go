package github

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/inbound"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// Headers of a delivery (PROTOCOLS-2 §6).
const (
	// SignatureHeader carries "sha256=<hex>", the HMAC-SHA256 of the raw
	// body under the webhook's secret.
	SignatureHeader = "X-Hub-Signature-256"
	// EventHeader names the event ("issues", "ping").
	EventHeader = "X-GitHub-Event"
	// DeliveryHeader is the delivery's GUID. It is not signed, so the
	// router's de-duplication names a delivery by its body instead.
	DeliveryHeader = "X-GitHub-Delivery"
)

// Command is the hidden command a delivery becomes: "tracked
// acme/ops#7 done" or "tracked acme/ops#7 reopen".
const Command = "tracked"

// Refusals of the webhook; none carries a secret or the body.
var (
	ErrMalformedBody = inbound.ErrMalformedWebhook
)

// WebhookOptions configures a Webhook.
type WebhookOptions struct {
	// Secret is the repository webhook's secret. Required.
	Secret string
	// Router receives the events (required).
	Router inbound.Dispatcher
	Log    *zap.Logger
}

// Webhook serves GitHub repository webhook deliveries.
type Webhook struct {
	secret []byte
	router inbound.Dispatcher
	log    *zap.Logger
}

// NewWebhook checks opts and builds the endpoint.
func NewWebhook(opts WebhookOptions) (*Webhook, error) {
	if opts.Secret == "" {
		return nil, errors.New("github: a webhook secret is required")
	}
	if opts.Router == nil {
		return nil, errors.New("github: nil router")
	}
	log := opts.Log
	if log == nil {
		log = zap.NewNop()
	}
	return &Webhook{secret: []byte(opts.Secret), router: opts.Router, log: log.Named(Name)}, nil
}

// signature is the repository webhook's: "sha256=<hex>".
var signature = inbound.NewSignature(SignatureHeader, "sha256")

// The signature's refusals: missing (401), malformed (400), wrong (403).
var (
	ErrNoSignature        = signature.Missing
	ErrMalformedSignature = signature.Malformed
	ErrBadSignature       = signature.Wrong
)

// Sign is the X-Hub-Signature-256 value GitHub sends for body under
// secret.
func Sign(body []byte, secret string) string { return signature.Sign(body, secret) }

// Verify checks header against body under secret in constant time:
// ErrNoSignature when there is none, ErrMalformedSignature when it is not
// "sha256=<64 hex digits>", ErrBadSignature when it does not match.
func Verify(body []byte, header, secret string) error { return signature.Verify(body, header, secret) }

// IssuesEvent is an "issues" delivery, as far as Warroom reads it:
//
//	{"action": "closed",
//	 "issue": {"number": 7, "state": "closed", "state_reason": "completed",
//	   "html_url": "https://github.com/acme/ops/issues/7"},
//	 "repository": {"full_name": "acme/ops"},
//	 "sender": {"login": "aiko", "id": 583231}}
//
// UNCONFIRMED by PROTOCOLS-2: the action and issue fields are standard
// GitHub behaviour, not researched.
type IssuesEvent struct {
	Action string `json:"action"`
	Issue  struct {
		Number      int    `json:"number"`
		State       string `json:"state"`
		StateReason string `json:"state_reason"`
	} `json:"issue"`
	Repository struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	Sender *struct {
		Login string `json:"login"`
		ID    int64  `json:"id"`
	} `json:"sender"`
}

// move is what ev does to the follow-up: "done" for an issue closed as
// completed (or with no reason, as older deliveries say), "reopen" for
// one reopened, "" for anything else. An issue closed as not planned or
// as a duplicate was not done: the follow-up stays as it is, for people
// to decide in Warroom.
func (ev *IssuesEvent) move() string {
	switch {
	case ev.Action == "closed" && (ev.Issue.StateReason == "" || ev.Issue.StateReason == "completed"):
		return "done"
	case ev.Action == "reopened":
		return "reopen"
	}
	return ""
}

// Handle serves POST /integrations/github: the signature is checked first
// (400, 401, 403), then the payload (400). A ping, and an event that
// moves no follow-up, are answered 200 {"status":"ignored"}; an issue
// closed as completed or reopened becomes one "tracked" command for the
// router (503 when it is full), named by X-GitHub-Delivery, and 200
// {"status":"accepted"}. Whether the issue is one Warroom filed is for the
// handlers to say: an unknown one changes nothing.
func (h *Webhook) Handle(w http.ResponseWriter, r *http.Request) error {
	body, err := inbound.Body(r)
	if err != nil {
		return err
	}
	if err := Verify(body, r.Header.Get(SignatureHeader), string(h.secret)); err != nil {
		h.log.Warn("refused webhook delivery", zap.String("reason", err.Error()), zap.String("remote_addr", r.RemoteAddr))
		return err
	}
	event := r.Header.Get(EventHeader)
	if !json.Valid(body) {
		h.log.Warn("refused webhook delivery", zap.String("reason", "malformed payload"), zap.Int("bytes", len(body)))
		return ErrMalformedBody
	}
	var ev IssuesEvent
	if event == "issues" {
		if err := json.Unmarshal(body, &ev); err != nil {
			return ErrMalformedBody
		}
	}
	what := ev.move()
	repo := ev.Repository.FullName
	if event != "issues" || what == "" || ev.Issue.Number <= 0 || !ValidRepository(repo) {
		h.log.Debug("webhook delivery ignored", zap.String("event", event), zap.String("action", ev.Action))
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ignored"})
		return nil
	}
	key := Key(repo, ev.Issue.Number)
	user := bot.User{ID: Name, Name: DisplayName}
	if s := ev.Sender; s != nil && s.Login != "" {
		user = bot.User{ID: Name + ":" + strconv.FormatInt(s.ID, 10), Name: bot.Truncate(s.Login, 100)}
	}
	id := inbound.DeliveryID(body)
	cmd := bot.Event{ID: "github:" + bot.Truncate(id, 200), Kind: bot.EventCommand, Platform: Name, User: user,
		Text: Command + " " + key + " " + what}
	if err := h.router.Dispatch(cmd); err != nil {
		h.log.Warn("router busy, webhook delivery refused", zap.String("issue", key))
		return inbound.ErrBusy
	}
	h.log.Info("webhook delivery accepted", zap.String("issue", key), zap.String("action", ev.Action))
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "accepted"})
	return nil
}

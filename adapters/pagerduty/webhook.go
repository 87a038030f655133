package pagerduty

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/inbound"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// SignatureHeader carries the Webhooks v3 signatures:
// "v1=<hex>[,v1=<hex>...]", several while a secret is being rotated.
const SignatureHeader = "X-PagerDuty-Signature"

// Command is the hidden command a webhook delivery becomes:
// "INC-42 paged acknowledged". Its handler records the page's news on the
// incident's timeline and, for acknowledged, acknowledges the incident.
const Command = "paged"

// maxAge is how old a delivery may be: older ones are refused as replays.
// Younger repeats share their event ID and are dropped by the router's
// de-duplication (24 hours).
const maxAge = 24 * time.Hour

// Refusals of the webhook; none carries a secret or the body.
var (
	ErrMalformedBody = inbound.ErrMalformedWebhook
	ErrStale         = inbound.ErrStaleWebhook
)

// WebhookOptions configures a Webhook.
type WebhookOptions struct {
	// Secret is the subscription's signing secret. Required.
	Secret string
	// Router receives the events (required).
	Router inbound.Dispatcher
	// Now is the clock (default time.Now).
	Now func() time.Time
	Log *zap.Logger
}

// Webhook serves PagerDuty's Webhooks v3 deliveries.
type Webhook struct {
	secret string
	router inbound.Dispatcher
	now    func() time.Time
	log    *zap.Logger
}

// NewWebhook checks opts and builds the endpoint.
func NewWebhook(opts WebhookOptions) (*Webhook, error) {
	if opts.Secret == "" {
		return nil, errors.New("pagerduty: a webhook secret is required")
	}
	if opts.Router == nil {
		return nil, errors.New("pagerduty: nil router")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	return &Webhook{secret: opts.Secret, router: opts.Router, now: opts.Now, log: opts.Log.Named(Name)}, nil
}

// signature is Webhooks v3's: "v1=<hex>[,v1=<hex>...]", any matching.
var signature = inbound.NewSignature(SignatureHeader, "v1")

// The signature's refusals: missing (401), malformed (400), none
// matching (403).
var (
	ErrNoSignature        = signature.Missing
	ErrMalformedSignature = signature.Malformed
	ErrBadSignature       = signature.Wrong
)

// Verify checks header (X-PagerDuty-Signature) against body: nil when any
// v1 signature is the HMAC-SHA256 of body under secret (compared in
// constant time), ErrNoSignature when there is none, ErrMalformedSignature
// when a value is not "v1=<hex>" (other schemes are skipped), and
// ErrBadSignature when none matches.
func Verify(body []byte, header, secret string) error { return signature.Verify(body, header, secret) }

// Sign is the header value PagerDuty would send for body under secret.
func Sign(body []byte, secret string) string { return signature.Sign(body, secret) }

// Delivery is a Webhooks v3 delivery, as far as Warroom reads it:
//
//	{"event": {"id": "01DEN5BZNI9LHGDKJYJ4JLEA71",
//	  "event_type": "incident.acknowledged", "resource_type": "incident",
//	  "occurred_at": "2026-12-04T09:00:00.000Z",
//	  "agent": {"id": "PLH1HKV", "summary": "Aiko Tanaka", "type": "user_reference"},
//	  "data": {"id": "PGR0VU2", "type": "incident", "status": "acknowledged",
//	    "incident_key": "warroom-INC-42", "title": "INC-42 P1: Checkout down",
//	    "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2"}}}
//
// The envelope and incident_key carrying the Events API's dedup key are
// not confirmed by PagerDuty's published docs (PROTOCOLS-2 §8).
type Delivery struct {
	Event struct {
		ID           string    `json:"id"`
		EventType    string    `json:"event_type"`
		ResourceType string    `json:"resource_type"`
		OccurredAt   time.Time `json:"occurred_at"`
		Agent        *struct {
			ID      string `json:"id"`
			Summary string `json:"summary"`
		} `json:"agent"`
		Data struct {
			ID          string `json:"id"`
			Type        string `json:"type"`
			IncidentKey string `json:"incident_key"`
			DedupKey    string `json:"dedup_key"`
			HTMLURL     string `json:"html_url"`
		} `json:"data"`
	} `json:"event"`
}

// news maps the event types Warroom follows onto the hidden command's
// argument.
var news = map[string]string{"incident.acknowledged": "acknowledged", "incident.resolved": "resolved"}

// Handle serves POST /integrations/pagerduty: the signature is checked
// first (400, 401, 403), then the payload (400), then its age (403 for a
// delivery over a day old). An event type Warroom does not follow, or an
// incident Warroom did not page, is answered 200 {"status":"ignored"};
// the others become one "paged" command for the router (503 when it is
// full) and 200 {"status":"accepted"}.
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
	if err := json.Unmarshal(body, &d); err != nil || d.Event.ID == "" || d.Event.EventType == "" {
		h.log.Warn("refused webhook delivery", zap.String("reason", "malformed payload"), zap.Int("bytes", len(body)))
		return ErrMalformedBody
	}
	e := d.Event
	if !e.OccurredAt.IsZero() && h.now().Sub(e.OccurredAt) > maxAge {
		h.log.Warn("refused webhook delivery", zap.String("reason", "stale"), zap.String("event_id", e.ID))
		return ErrStale
	}
	what, follows := news[e.EventType]
	key := e.Data.IncidentKey
	if key == "" {
		key = e.Data.DedupKey
	}
	id, ours := bot.ParsePageKey(key)
	if !follows || !ours {
		h.log.Debug("webhook delivery ignored", zap.String("event_type", e.EventType), zap.String("event_id", e.ID))
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ignored"})
		return nil
	}
	user := bot.User{ID: "pagerduty", Name: DisplayName}
	if a := e.Agent; a != nil && a.ID != "" {
		user = bot.User{ID: a.ID, Name: bot.Truncate(a.Summary, 100)}
	}
	ev := bot.Event{ID: e.ID, Kind: bot.EventCommand, Platform: Name, User: user, At: e.OccurredAt,
		Text: bot.FormatID(id) + " " + Command + " " + what}
	if err := h.router.Dispatch(ev); err != nil {
		h.log.Warn("router busy, webhook delivery refused", zap.String("event_id", e.ID))
		return inbound.ErrBusy
	}
	h.log.Info("webhook delivery accepted", zap.String("event_type", e.EventType), zap.String("incident", bot.FormatID(id)))
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "accepted"})
	return nil
}

package pagerduty

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/outbound"
	"github.com/warroomhq/warroom/bot"
)

// Name is the integration's name: its configuration section, the last
// element of its webhook's route and the platform its webhook's events
// come from.
const Name = "pagerduty"

// DisplayName is PagerDuty as people read it.
const DisplayName = "PagerDuty"

// DefaultBaseURL is the Events API's host.
const DefaultBaseURL = "https://events.pagerduty.com"

// MaxDedupKey is the longest dedup key the Events API takes.
const MaxDedupKey = 255

const (
	// defaultRetries follows PagerDuty's advice for a 429: three retries.
	defaultRetries = 3
	// defaultBackoff is the wait before a retry without Retry-After:
	// PagerDuty suggests 30 seconds apart.
	defaultBackoff = 30 * time.Second
	// maxRetryAfter caps a Retry-After the API sends.
	maxRetryAfter = 2 * time.Minute
)

// Options configures a Client.
type Options struct {
	// RoutingKey is the Events API v2 integration key of the PagerDuty
	// service to page. Required; a secret.
	RoutingKey string
	// BaseURL is the Events API's base (DefaultBaseURL when empty).
	BaseURL string
	// Source is the payload's source (default "warroom").
	Source string
	// HTTPClient, Retries, Backoff, Now, Sleep and Log are the outbound
	// settings (outbound.Options); Retries 0 means 3, Backoff 0 means 30 s.
	HTTPClient *http.Client
	Retries    int
	Backoff    time.Duration
	Now        func() time.Time
	Sleep      func(ctx context.Context, d time.Duration) error
	Log        *zap.Logger
}

// Client sends events to PagerDuty's Events API v2.
type Client struct {
	key, url, source string
	out              outbound.Options
}

var _ bot.Pager = (*Client)(nil)

// New checks opts and builds the client.
func New(opts Options) (*Client, error) {
	if opts.RoutingKey == "" {
		return nil, errors.New("pagerduty: a routing key is required")
	}
	base := strings.TrimRight(opts.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if !strings.HasPrefix(base, "https://") && !strings.HasPrefix(base, "http://") {
		return nil, errors.New("pagerduty: the base URL must be http(s)")
	}
	if opts.Source == "" {
		opts.Source = "warroom"
	}
	if opts.Retries == 0 {
		opts.Retries = defaultRetries
	}
	out := outbound.Options{HTTP: opts.HTTPClient, Retries: opts.Retries, Backoff: opts.Backoff, Now: opts.Now, Sleep: opts.Sleep, Log: opts.Log}.
		WithDefaults(outbound.Defaults{Backoff: defaultBackoff})
	out.Log = out.Log.Named(Name)
	return &Client{key: opts.RoutingKey, url: base + "/v2/enqueue", source: opts.Source, out: out}, nil
}

// Name implements bot.Pager.
func (c *Client) Name() string { return DisplayName }

// Trigger implements bot.Pager: it opens (or, with the same dedup key,
// updates) PagerDuty's alert for the incident.
func (c *Client) Trigger(ctx context.Context, p bot.Page) error { return c.send(ctx, "trigger", p) }

// Acknowledge implements bot.Pager.
func (c *Client) Acknowledge(ctx context.Context, p bot.Page) error {
	return c.send(ctx, "acknowledge", p)
}

// Resolve implements bot.Pager.
func (c *Client) Resolve(ctx context.Context, p bot.Page) error { return c.send(ctx, "resolve", p) }

// Event is an Events API v2 event.
type Event struct {
	RoutingKey  string   `json:"routing_key"`
	EventAction string   `json:"event_action"`
	DedupKey    string   `json:"dedup_key,omitempty"`
	Payload     *Payload `json:"payload,omitempty"`
	Client      string   `json:"client,omitempty"`
	ClientURL   string   `json:"client_url,omitempty"`
}

// Payload is a trigger's payload.
type Payload struct {
	Summary       string            `json:"summary"`
	Source        string            `json:"source"`
	Severity      string            `json:"severity"`
	Timestamp     string            `json:"timestamp,omitempty"`
	Component     string            `json:"component,omitempty"`
	Group         string            `json:"group,omitempty"`
	Class         string            `json:"class,omitempty"`
	CustomDetails map[string]string `json:"custom_details,omitempty"`
}

// Response is the Events API's answer.
type Response struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

// Severity maps a priority onto the Events API's severities: P1
// critical, P2 error, P3 warning, P4 (and none) info.
func Severity(p bot.Priority) string {
	switch p {
	case bot.P1:
		return "critical"
	case bot.P2:
		return "error"
	case bot.P3:
		return "warning"
	}
	return "info"
}

// maxSummary is the longest summary the Events API keeps.
const maxSummary = 1024

// event builds the body of action for p.
func (c *Client) event(action string, p bot.Page) Event {
	ev := Event{RoutingKey: c.key, EventAction: action, DedupKey: p.Key}
	if action != "trigger" {
		return ev
	}
	details := map[string]string{"incident": p.Incident, "priority": p.Priority.String()}
	if p.Title != "" {
		details["title"] = p.Title
	}
	if p.URL != "" {
		details["url"] = p.URL
		ev.Client, ev.ClientURL = "Warroom", p.URL
	}
	ev.Payload = &Payload{Summary: bot.Truncate(p.Summary, maxSummary), Source: c.source, Severity: Severity(p.Priority),
		Timestamp: c.out.Now().UTC().Format(time.RFC3339), Class: "incident", CustomDetails: details}
	return ev
}

// send posts one event, retrying 429, 5xx and transport errors.
func (c *Client) send(ctx context.Context, action string, p bot.Page) error {
	if len(p.Key) > MaxDedupKey || p.Key == "" {
		return &bot.PageError{Reason: "the dedup key is empty or longer than 255 characters"}
	}
	body, err := json.Marshal(c.event(action, p))
	if err != nil {
		return fmt.Errorf("pagerduty %s: %w", action, err)
	}
	_, err = outbound.Retry(ctx, c.out, "event "+action+" of "+p.Incident, func() (struct{}, time.Duration, error) {
		wait, err := c.post(ctx, body)
		return struct{}{}, wait, err
	})
	if err != nil {
		return fmt.Errorf("pagerduty %s %s: %w", action, p.Incident, err)
	}
	return nil
}

// errRateLimited and errUnavailable are the answers a retry may fix.
var (
	errRateLimited = errors.New("rate limited by PagerDuty (429)")
	errUnavailable = errors.New("PagerDuty is unavailable")
)

// post makes one attempt. It returns the wait before a retry, or a
// negative one when the error is final.
func (c *Client) post(ctx context.Context, body []byte) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return -1, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.out.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return -1, ctx.Err()
		}
		return c.out.Backoff, outbound.WithoutURL(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var answer Response
	_ = json.Unmarshal(raw, &answer)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return 0, nil
	case resp.StatusCode == http.StatusTooManyRequests:
		return c.retryAfter(resp.Header.Get("Retry-After")), errRateLimited
	case resp.StatusCode >= 500:
		return c.retryAfter(resp.Header.Get("Retry-After")), fmt.Errorf("%w (%d)", errUnavailable, resp.StatusCode)
	}
	return -1, refusal(resp.StatusCode, answer)
}

// refusal is the final error of a 4xx answer, in words people may read:
// PagerDuty's own message and errors (they never echo the routing key).
func refusal(status int, a Response) error {
	reason := strings.TrimSpace(a.Message)
	if len(a.Errors) > 0 {
		reason = strings.TrimSpace(reason + ": " + strings.Join(a.Errors, "; "))
	}
	if reason == "" {
		reason = http.StatusText(status)
	}
	switch status {
	case http.StatusBadRequest:
		return &bot.PageError{Reason: "PagerDuty refused the event as invalid (400): " + bot.Truncate(reason, 300)}
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return &bot.PageError{Reason: fmt.Sprintf("PagerDuty refused the integration key (%d)", status)}
	}
	return &bot.PageError{Reason: fmt.Sprintf("PagerDuty answered %d: %s", status, bot.Truncate(reason, 300))}
}

// retryAfter is the wait a Retry-After asks for (seconds), capped, or the
// backoff when it says nothing usable.
func (c *Client) retryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return min(time.Duration(n)*time.Second, maxRetryAfter)
	}
	return c.out.Backoff
}

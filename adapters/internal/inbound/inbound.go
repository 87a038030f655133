// Package inbound holds what every alert source's endpoint does the same
// way: read the body once, check a bearer token or an HMAC signature in
// constant time, hand the alerts to the router, and answer. Source is that
// whole flow; an adapter gives it only how to authenticate and how to
// parse.
package inbound

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// Refusals every source answers with; none carries a secret.
var (
	ErrUnauthorized = &httpx.Error{Status: http.StatusUnauthorized, Code: "unauthorized", Msg: "missing or wrong credentials"}
	ErrBadRequest   = &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: "malformed alert payload"}
	ErrTooLarge     = httpx.ErrTooLarge
	ErrNotUTF8      = &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: "request body is not valid UTF-8"}
	ErrBusy         = &httpx.Error{Status: http.StatusServiceUnavailable, Code: "busy", Msg: "Warroom is busy; send it again later"}
)

// ErrNoAlert is what a Parse returns for an authentic delivery that carries
// no alert (Sentry's installation webhooks, an issue being assigned):
// Source answers it 200 {"status":"ignored","alerts":0}, so the sender
// does not retry, and dispatches nothing.
var ErrNoAlert = errors.New("delivery carries no alert")

// Dispatcher queues an event and returns at once; *bot.Router is one.
type Dispatcher interface {
	Dispatch(ev bot.Event) error
}

// Body reads the whole request body (main caps it at 1 MiB). A body that
// is not UTF-8 is refused: every source sends UTF-8 JSON, and
// encoding/json would quietly turn the bytes into U+FFFD.
func Body(r *http.Request) ([]byte, error) {
	b, err := httpx.ReadBody(r, ErrBadRequest)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(b) {
		return nil, ErrNotUTF8
	}
	return b, nil
}

// BearerOK reports whether r carries "Authorization: Bearer <token>".
// Digests are compared, so the comparison takes the same time whatever the
// length or content of what was sent.
func BearerOK(r *http.Request, token string) bool {
	if token == "" {
		return false
	}
	scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return TokenOK(strings.TrimSpace(got), token)
}

// TokenOK reports whether got is token, for a token presented some other
// way than a bearer header (Mackerel's in the URL's query). Digests are
// compared, so the comparison takes the same time whatever the length or
// content of got; an empty token matches nothing.
func TokenOK(got, token string) bool {
	if token == "" {
		return false
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// WebURL reports whether raw is an absolute http or https URL, the only
// links a source's payload may put on a card.
func WebURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Host != "" && (strings.EqualFold(u.Scheme, "http") || strings.EqualFold(u.Scheme, "https"))
}

// HMACOK reports whether sig is the hex HMAC-SHA256 of body under secret,
// optionally prefixed "sha256=" (as GitHub-style senders do). With ts
// non-empty the signed message is "<ts>:<body>" (Grafana's form when a
// timestamp header is configured).
func HMACOK(body []byte, sig, ts, secret string) bool {
	if secret == "" || sig == "" {
		return false
	}
	got, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(sig), "sha256="))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	if ts != "" {
		mac.Write([]byte(ts + ":"))
	}
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Dispatch queues one event per alert. A full router is answered with 503,
// so the sender delivers again later; de-duplication makes that safe.
func Dispatch(d Dispatcher, events []bot.Event) error {
	for _, ev := range events {
		if err := d.Dispatch(ev); err != nil {
			return ErrBusy
		}
	}
	return nil
}

// Accepted answers 200 with {"status":"accepted","alerts":n}.
func Accepted(w http.ResponseWriter, n int) {
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"status": "accepted", "alerts": n})
}

// Events wraps each alert in a bot.Event of kind bot.EventAlert stamped
// at. Platform and ID stay empty: the handlers pick the chat platform from
// the routing rules and de-duplicate on the alert's source and keys.
func Events(alerts []bot.Alert, at time.Time) []bot.Event {
	evs := make([]bot.Event, len(alerts))
	for i := range alerts {
		evs[i] = bot.Event{Kind: bot.EventAlert, Alert: &alerts[i], At: at}
	}
	return evs
}

// Source is the endpoint of one alert source, the flow every one of them
// follows: read the body, authenticate, parse, queue one event per alert,
// and answer 200 {"status":"accepted","alerts":n}. Refusals are returned
// as *httpx.Error for main to write, and logged with their reason, never
// with a credential or the payload. Nothing is dispatched unless the whole
// payload is valid.
type Source struct {
	// Authenticate returns "" when r comes from the sender, else why it is
	// refused, for the log (it must name no secret). body is the request's
	// body, or nil with AuthBeforeBody.
	Authenticate func(r *http.Request, body []byte) (reason string)
	// AuthBeforeBody authenticates before the body is read, for a source
	// whose senders only present tokens (Alertmanager): then an
	// unauthenticated body is never read.
	AuthBeforeBody bool
	// Parse turns the body into at least one alert, or fails with a
	// *httpx.Error (400) that names the problem without quoting the body.
	Parse func(body []byte) ([]bot.Alert, error)
	// Router receives the events.
	Router Dispatcher
	// Now stamps the events.
	Now func() time.Time
	// Log is the adapter's named logger.
	Log *zap.Logger
}

// Handle serves one delivery: 401 ErrUnauthorized, 413 ErrTooLarge, 400
// ErrNotUTF8 or Parse's error, 503 ErrBusy when the router is full (the
// sender delivers again later), else 200 (with "ignored" for ErrNoAlert).
func (s *Source) Handle(w http.ResponseWriter, r *http.Request) error {
	if s.AuthBeforeBody {
		if err := s.authenticate(r, nil); err != nil {
			return err
		}
	}
	body, err := Body(r)
	if err != nil {
		return err
	}
	if !s.AuthBeforeBody {
		if err := s.authenticate(r, body); err != nil {
			return err
		}
	}
	alerts, err := s.Parse(body)
	if errors.Is(err, ErrNoAlert) {
		s.Log.Debug("notification without an alert acknowledged", zap.Int("bytes", len(body)))
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"status": "ignored", "alerts": 0})
		return nil
	}
	if err == nil && len(alerts) == 0 {
		err = ErrBadRequest // every Parse refuses an empty payload itself
	}
	if err != nil {
		s.Log.Warn("refused alert notification", zap.String("reason", err.Error()), zap.Int("bytes", len(body)))
		return err
	}
	if err := Dispatch(s.Router, Events(alerts, s.Now())); err != nil {
		s.Log.Warn("router busy, alert notification refused", zap.Int("alerts", len(alerts)), zap.String("dedup_key", alerts[0].DedupKey))
		return err
	}
	s.Log.Debug("alert notification accepted", zap.Int("alerts", len(alerts)), zap.String("dedup_key", alerts[0].DedupKey),
		zap.String("status", string(alerts[0].Status)))
	Accepted(w, len(alerts))
	return nil
}

func (s *Source) authenticate(r *http.Request, body []byte) error {
	if reason := s.Authenticate(r, body); reason != "" {
		s.Log.Warn("refused alert notification", zap.String("reason", reason), zap.String("remote_addr", r.RemoteAddr))
		return ErrUnauthorized
	}
	return nil
}

// Signed configures a source that authenticates senders with a bearer
// token or an HMAC secret (Grafana, the generic webhook). At least one of
// Token and Secret is required; when both are set, either is accepted.
type Signed struct {
	// Token is the bearer token senders present.
	Token string
	// Secret is the HMAC secret of the body's signature.
	Secret string
	// Router receives the events (required).
	Router Dispatcher
	// Now stamps the events and checks signature timestamps (default
	// time.Now).
	Now func() time.Time
	Log *zap.Logger
}

// Check reports every missing setting of the source name at once and fills
// the defaults.
func (s *Signed) Check(name string) error {
	var errs []error
	if s.Token == "" && s.Secret == "" {
		errs = append(errs, errors.New("a bearer token or an HMAC secret is required"))
	}
	if s.Router == nil {
		errs = append(errs, errors.New("router is required"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s: %w", name, errors.Join(errs...))
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = zap.NewNop()
	}
	return nil
}

// Tokened configures a source whose senders present one token (Datadog in
// a header, Mackerel in the URL).
type Tokened struct {
	// Token is what senders present (required).
	Token string
	// Router receives the events (required).
	Router Dispatcher
	// Now stamps the events (default time.Now).
	Now func() time.Time
	Log *zap.Logger
}

// Check reports every missing setting of the source name at once and fills
// the defaults.
func (s *Tokened) Check(name string) error {
	var errs []error
	if s.Token == "" {
		errs = append(errs, errors.New("a token is required"))
	}
	if s.Router == nil {
		errs = append(errs, errors.New("router is required"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s: %w", name, errors.Join(errs...))
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = zap.NewNop()
	}
	return nil
}

// TokenSource is the endpoint of a Tokened source: the token is checked
// by ok before the body is read (an unauthenticated body is never read),
// then the flow of Source.
func (s *Tokened) TokenSource(name string, ok func(r *http.Request, token string) bool, parse func([]byte) ([]bot.Alert, error)) Source {
	token := s.Token
	auth := func(r *http.Request, _ []byte) string {
		if !ok(r, token) {
			return "no valid token"
		}
		return ""
	}
	return Source{Authenticate: auth, AuthBeforeBody: true, Parse: parse, Router: s.Router, Now: s.Now, Log: s.Log.Named(name)}
}

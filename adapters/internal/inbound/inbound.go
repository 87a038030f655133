// Package inbound holds what every alert source's endpoint does the same
// way: read the body once, check a bearer token or an HMAC signature in
// constant time, hand the alerts to the router, and answer.
package inbound

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	ErrTooLarge     = &httpx.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Msg: "request body is too large"}
	ErrNotUTF8      = &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: "request body is not valid UTF-8"}
	ErrBusy         = &httpx.Error{Status: http.StatusServiceUnavailable, Code: "busy", Msg: "Warroom is busy; send it again later"}
)

// Dispatcher queues an event and returns at once; *bot.Router is one.
type Dispatcher interface {
	Dispatch(ev bot.Event) error
}

// Body reads the whole request body (main caps it at 1 MiB). A body that
// is not UTF-8 is refused: every source sends UTF-8 JSON, and
// encoding/json would quietly turn the bytes into U+FFFD.
func Body(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, ErrTooLarge
		}
		return nil, ErrBadRequest
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
	a, b := sha256.Sum256([]byte(strings.TrimSpace(got))), sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
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
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "accepted", "alerts": n})
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

package grafana

import (
	"cmp"
	"net/http"
	"strconv"
	"time"

	"github.com/warroomhq/warroom/adapters/internal/inbound"
)

// Name is the source name of the alerts this adapter makes (bot.Alert.Source)
// and the last element of its endpoint, POST /alerts/grafana.
const Name = "grafana"

// DisplayName is the source as people read it (bot.Alert.SourceName).
const DisplayName = "Grafana"

// Headers of Grafana's HMAC signature, as the contact point must name them.
const (
	SignatureHeader = "X-Grafana-Alerting-Signature"
	TimestampHeader = "X-Grafana-Alerting-Signature-Timestamp"
	// defaultSignatureHeader is where grafana/alerting puts the signature
	// when the contact point's header field is left blank.
	defaultSignatureHeader = "X-Grafana-Alert-Signature"
)

// MaxSkew is how far a signature's timestamp may be from now.
const MaxSkew = 5 * time.Minute

// Options configures an Adapter: a bearer token or an HMAC secret (either
// is accepted when both are set), and the router.
type Options = inbound.Signed

// Adapter serves Grafana's webhook endpoint.
type Adapter struct {
	opts Options
	src  inbound.Source
}

// New checks opts and builds the adapter.
func New(opts Options) (*Adapter, error) {
	if err := opts.Check(Name); err != nil {
		return nil, err
	}
	a := &Adapter{opts: opts}
	a.src = inbound.Source{Authenticate: a.authenticate, Parse: Parse, Router: opts.Router, Now: opts.Now, Log: opts.Log.Named(Name)}
	return a, nil
}

// Handle serves POST /alerts/grafana: it reads the body, checks the bearer
// token or the HMAC signature (401 inbound.ErrUnauthorized), parses it (400
// with a *httpx.Error naming the problem), queues one bot.Event for
// the alert group (503 inbound.ErrBusy when the router is full) and answers
// 200 {"status":"accepted","alerts":1}. Errors are returned for main to
// write as JSON; nothing is dispatched unless the whole payload is valid.
func (a *Adapter) Handle(w http.ResponseWriter, r *http.Request) error {
	return a.src.Handle(w, r)
}

// authenticate returns why r is refused, for the log, or "" when it
// carries a valid token or a valid, fresh signature.
func (a *Adapter) authenticate(r *http.Request, body []byte) string {
	if inbound.BearerOK(r, a.opts.Token) {
		return ""
	}
	sig := cmp.Or(r.Header.Get(SignatureHeader), r.Header.Get(defaultSignatureHeader))
	if a.opts.Secret == "" || sig == "" {
		return "no valid credentials"
	}
	ts := r.Header.Get(TimestampHeader)
	if !inbound.HMACOK(body, sig, ts, a.opts.Secret) {
		return "wrong signature"
	}
	if ts != "" && !a.fresh(ts) {
		return "signature timestamp outside the window"
	}
	return ""
}

// fresh reports whether ts, Unix seconds, is within MaxSkew of now.
func (a *Adapter) fresh(ts string) bool {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	d := a.opts.Now().Sub(time.Unix(sec, 0))
	return d <= MaxSkew && d >= -MaxSkew
}

package webhook

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/inbound"
	"github.com/warroomhq/warroom/bot"
)

// Name is the source name of the alerts this adapter makes (bot.Alert.Source)
// and the last element of its endpoint, POST /alerts/webhook.
const Name = "webhook"

// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the body>".
const SignatureHeader = "X-Warroom-Signature"

// Options configures an Adapter: a bearer token or an HMAC secret (either
// is accepted when both are set), and the router.
type Options = inbound.Signed

// Adapter serves the generic webhook endpoint.
type Adapter struct {
	opts Options
	log  *zap.Logger
}

// New checks opts and builds the adapter.
func New(opts Options) (*Adapter, error) {
	if err := opts.Check(Name); err != nil {
		return nil, err
	}
	return &Adapter{opts: opts, log: opts.Log.Named(Name)}, nil
}

// Handle serves POST /alerts/webhook: it reads the body, checks the bearer
// token or the signature (401 inbound.ErrUnauthorized), parses it (400 with
// a *httpx.Error naming every problem), queues one bot.Event (503
// inbound.ErrBusy when the router is full) and answers 200
// {"status":"accepted","alerts":1}. Errors are returned for main to write
// as JSON.
func (a *Adapter) Handle(w http.ResponseWriter, r *http.Request) error {
	body, err := inbound.Body(r)
	if err != nil {
		return err
	}
	if !inbound.BearerOK(r, a.opts.Token) && !inbound.HMACOK(body, r.Header.Get(SignatureHeader), "", a.opts.Secret) {
		a.log.Warn("refused alert", zap.String("reason", "unauthorized"), zap.String("remote_addr", r.RemoteAddr))
		return inbound.ErrUnauthorized
	}
	alerts, err := Parse(body)
	if err != nil {
		a.log.Warn("refused alert", zap.String("reason", err.Error()), zap.Int("bytes", len(body)))
		return err
	}
	at := a.opts.Now()
	events := make([]bot.Event, len(alerts))
	for i := range alerts {
		events[i] = bot.Event{Kind: bot.EventAlert, Alert: &alerts[i], At: at}
	}
	if err := inbound.Dispatch(a.opts.Router, events); err != nil {
		a.log.Warn("router busy, alert refused", zap.String("dedup_key", alerts[0].DedupKey))
		return err
	}
	a.log.Debug("alert accepted", zap.String("dedup_key", alerts[0].DedupKey), zap.String("status", string(alerts[0].Status)))
	inbound.Accepted(w, len(events))
	return nil
}

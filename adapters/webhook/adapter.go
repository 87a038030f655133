package webhook

import (
	"net/http"

	"github.com/warroomhq/warroom/adapters/internal/inbound"
)

// Name is the source name of the alerts this adapter makes (bot.Alert.Source)
// and the last element of its endpoint, POST /alerts/webhook.
const Name = "webhook"

// DisplayName is the source as people read it (bot.Alert.SourceName).
const DisplayName = "Webhook"

// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the body>".
const SignatureHeader = "X-Warroom-Signature"

// Options configures an Adapter: a bearer token or an HMAC secret (either
// is accepted when both are set), and the router.
type Options = inbound.Signed

// Adapter serves the generic webhook endpoint.
type Adapter struct {
	src inbound.Source
}

// New checks opts and builds the adapter.
func New(opts Options) (*Adapter, error) {
	if err := opts.Check(Name); err != nil {
		return nil, err
	}
	auth := func(r *http.Request, body []byte) string {
		if !inbound.BearerOK(r, opts.Token) && !inbound.HMACOK(body, r.Header.Get(SignatureHeader), "", opts.Secret) {
			return "unauthorized"
		}
		return ""
	}
	return &Adapter{src: inbound.Source{Authenticate: auth, Parse: Parse, Router: opts.Router, Now: opts.Now, Log: opts.Log.Named(Name)}}, nil
}

// Handle serves POST /alerts/webhook: it reads the body, checks the bearer
// token or the signature (401 inbound.ErrUnauthorized), parses it (400 with
// a *httpx.Error naming every problem), queues one bot.Event (503
// inbound.ErrBusy when the router is full) and answers 200
// {"status":"accepted","alerts":1}. Errors are returned for main to write
// as JSON.
func (a *Adapter) Handle(w http.ResponseWriter, r *http.Request) error {
	return a.src.Handle(w, r)
}

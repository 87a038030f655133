package mackerel

import (
	"net/http"

	"github.com/warroomhq/warroom/adapters/internal/inbound"
)

// Name is the source name of the alerts this adapter makes (bot.Alert.Source)
// and the last element of its endpoint, POST /alerts/mackerel.
const Name = "mackerel"

// DisplayName is the source as people read it (bot.Alert.SourceName).
const DisplayName = "Mackerel"

// TokenParam is the query parameter of the channel URL that carries the
// token.
const TokenParam = "token"

// Options configures an Adapter: Token is the URL token of the webhook channel (required),
// Router receives the events (required).
type Options = inbound.Tokened

// Adapter serves Mackerel's webhook endpoint.
type Adapter struct {
	src inbound.Source
}

// New checks opts, reporting every missing setting at once, and builds the
// adapter.
func New(opts Options) (*Adapter, error) {
	if err := opts.Check(Name); err != nil {
		return nil, err
	}
	return &Adapter{src: opts.TokenSource(Name, tokenInURL, Parse)}, nil
}

// Handle serves POST /alerts/mackerel?token=…: it checks the token (401
// inbound.ErrUnauthorized), reads and parses the body (400 with a
// *httpx.Error naming the problem, 413 when too large), queues one
// bot.Event (503 inbound.ErrBusy when the router is full) and answers 200
// {"status":"accepted","alerts":1}. Errors are returned for main to write
// as JSON.
func (a *Adapter) Handle(w http.ResponseWriter, r *http.Request) error {
	return a.src.Handle(w, r)
}

// tokenInURL reports whether r's query carries the token.
func tokenInURL(r *http.Request, token string) bool {
	return inbound.TokenOK(r.URL.Query().Get(TokenParam), token)
}

package datadog

import (
	"net/http"

	"github.com/warroomhq/warroom/adapters/internal/inbound"
)

// Name is the source name of the alerts this adapter makes (bot.Alert.Source)
// and the last element of its endpoint, POST /alerts/datadog.
const Name = "datadog"

// DisplayName is the source as people read it (bot.Alert.SourceName).
const DisplayName = "Datadog"

// Options configures an Adapter: Token is the bearer token of the webhook's Custom Headers (required),
// Router receives the events (required).
type Options = inbound.Tokened

// Adapter serves Datadog's webhook endpoint.
type Adapter struct {
	src inbound.Source
}

// New checks opts, reporting every missing setting at once, and builds the
// adapter.
func New(opts Options) (*Adapter, error) {
	if err := opts.Check(Name); err != nil {
		return nil, err
	}
	return &Adapter{src: opts.TokenSource(Name, inbound.BearerOK, Parse)}, nil
}

// Handle serves POST /alerts/datadog: it checks the bearer token (401
// inbound.ErrUnauthorized), reads and parses the body (400 with a
// *httpx.Error naming the problem, 413 when too large), queues one
// bot.Event (503 inbound.ErrBusy when the router is full, which Datadog
// retries) and answers 200 {"status":"accepted","alerts":1}. Errors are
// returned for main to write as JSON.
func (a *Adapter) Handle(w http.ResponseWriter, r *http.Request) error {
	return a.src.Handle(w, r)
}

package alertmanager

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/inbound"
	"github.com/warroomhq/warroom/bot"
)

// Name is the source name of the alerts this adapter makes (bot.Alert.Source)
// and the last element of its endpoint, POST /alerts/alertmanager.
const Name = "alertmanager"

// DisplayName is the source as people read it (bot.Alert.SourceName).
const DisplayName = "Alertmanager"

// Options configures an Adapter.
type Options struct {
	// Token is the bearer token Alertmanager must send (required).
	Token string
	// PerAlert opens one incident per alert fingerprint instead of one per
	// alert group: each alert becomes its own bot.Event, keyed by its
	// fingerprint.
	PerAlert bool
	// Router receives the events (required).
	Router inbound.Dispatcher
	// Now stamps the events (default time.Now).
	Now func() time.Time
	Log *zap.Logger
}

// Adapter serves Alertmanager's webhook endpoint.
type Adapter struct {
	src inbound.Source
}

// New checks opts and builds the adapter.
func New(opts Options) (*Adapter, error) {
	var errs []error
	if opts.Token == "" {
		errs = append(errs, errors.New("a bearer token is required"))
	}
	if opts.Router == nil {
		errs = append(errs, errors.New("router is required"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s: %w", Name, errors.Join(errs...))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	return &Adapter{src: inbound.Source{
		// Alertmanager only sends tokens, so an unauthenticated body is never read.
		AuthBeforeBody: true,
		Authenticate: func(r *http.Request, _ []byte) string {
			if !inbound.BearerOK(r, opts.Token) {
				return "unauthorized"
			}
			return ""
		},
		Parse:  func(body []byte) ([]bot.Alert, error) { return Parse(body, opts.PerAlert) },
		Router: opts.Router, Now: opts.Now, Log: opts.Log.Named(Name),
	}}, nil
}

// Handle serves POST /alerts/alertmanager: it checks the bearer token (401
// inbound.ErrUnauthorized), parses the body (400 with a *httpx.Error
// naming the problem), queues one bot.Event per alert group, or per alert
// with PerAlert (503 inbound.ErrBusy when the router is full, so
// Alertmanager retries), and answers 200 {"status":"accepted","alerts":n}.
// Errors are returned for main to write as JSON; nothing is dispatched
// unless the whole payload is valid.
func (a *Adapter) Handle(w http.ResponseWriter, r *http.Request) error {
	return a.src.Handle(w, r)
}

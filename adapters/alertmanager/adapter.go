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
	opts Options
	log  *zap.Logger
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
	return &Adapter{opts: opts, log: opts.Log.Named(Name)}, nil
}

// Handle serves POST /alerts/alertmanager: it checks the bearer token (401
// inbound.ErrUnauthorized), parses the body (400 with a *httpx.Error
// naming the problem), queues one bot.Event per alert group, or per alert
// with PerAlert (503 inbound.ErrBusy when the router is full, so
// Alertmanager retries), and answers 200 {"status":"accepted","alerts":n}.
// Errors are returned for main to write as JSON; nothing is dispatched
// unless the whole payload is valid.
func (a *Adapter) Handle(w http.ResponseWriter, r *http.Request) error {
	// Alertmanager only sends tokens, so an unauthenticated body is never read.
	if !inbound.BearerOK(r, a.opts.Token) {
		a.log.Warn("refused alert notification", zap.String("reason", "unauthorized"), zap.String("remote_addr", r.RemoteAddr))
		return inbound.ErrUnauthorized
	}
	body, err := inbound.Body(r)
	if err != nil {
		return err
	}
	alerts, err := Parse(body, a.opts.PerAlert)
	if err != nil {
		a.log.Warn("refused alert notification", zap.String("reason", err.Error()), zap.Int("bytes", len(body)))
		return err
	}
	if err := inbound.Dispatch(a.opts.Router, Events(alerts, a.opts.Now())); err != nil {
		a.log.Warn("router busy, alert notification refused", zap.Int("alerts", len(alerts)))
		return err
	}
	a.log.Debug("alert notification accepted", zap.Int("alerts", len(alerts)), zap.String("dedup_key", alerts[0].DedupKey))
	inbound.Accepted(w, len(alerts))
	return nil
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

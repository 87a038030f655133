package sentry

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/inbound"
	"github.com/warroomhq/warroom/bot"
)

// Name is the source name of the alerts this adapter makes (bot.Alert.Source)
// and the last element of its endpoint, POST /alerts/sentry.
const Name = "sentry"

// DisplayName is the source as people read it (bot.Alert.SourceName).
const DisplayName = "Sentry"

// Headers Sentry sends with every webhook.
const (
	SignatureHeader = "Sentry-Hook-Signature"
	ResourceHeader  = "Sentry-Hook-Resource"
)

// Options configures an Adapter.
type Options struct {
	// ClientSecret is the integration's Client Secret, the HMAC key of
	// Sentry-Hook-Signature (required).
	ClientSecret string
	// Router receives the events (required).
	Router inbound.Dispatcher
	// Now stamps the events (default time.Now).
	Now func() time.Time
	Log *zap.Logger
}

// Adapter serves Sentry's webhook endpoint.
type Adapter struct {
	src inbound.Source
}

// New checks opts and builds the adapter.
func New(opts Options) (*Adapter, error) {
	var errs []error
	if opts.ClientSecret == "" {
		errs = append(errs, errors.New("the integration's client secret is required"))
	}
	if opts.Router == nil {
		errs = append(errs, errors.New("router is required"))
	}
	if len(errs) > 0 {
		return nil, errors.New(Name + ": " + errors.Join(errs...).Error())
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	auth := func(r *http.Request, body []byte) string {
		sig := r.Header.Get(SignatureHeader)
		if sig == "" {
			return "no signature"
		}
		if !inbound.HMACOK(body, sig, "", opts.ClientSecret) {
			return "wrong signature"
		}
		return ""
	}
	return &Adapter{src: inbound.Source{Authenticate: auth, Router: opts.Router, Now: opts.Now, Log: opts.Log.Named(Name)}}, nil
}

// Handle serves POST /alerts/sentry: it reads the body, checks
// Sentry-Hook-Signature (401 inbound.ErrUnauthorized), parses it by its
// Sentry-Hook-Resource (400 with a *httpx.Error naming the problem),
// queues one bot.Event (503 inbound.ErrBusy when the router is full) and
// answers 200 {"status":"accepted","alerts":1}; a delivery that carries
// no alert is answered 200 {"status":"ignored","alerts":0}. Errors are
// returned for main to write as JSON.
func (a *Adapter) Handle(w http.ResponseWriter, r *http.Request) error {
	src := a.src // a copy per request: Parse needs this request's resource
	resource := strings.TrimSpace(r.Header.Get(ResourceHeader))
	src.Parse = func(body []byte) ([]bot.Alert, error) { return Parse(resource, body) }
	return src.Handle(w, r)
}

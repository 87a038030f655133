package azure

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/internal/inbound"
)

// Name is the source name of the alerts this adapter makes (bot.Alert.Source)
// and the last element of its endpoint, POST /alerts/azure.
const Name = "azure"

// DisplayName is the source as people read it (bot.Alert.SourceName).
const DisplayName = "Azure Monitor"

// TokenParam is the query parameter of the webhook URI that carries the
// token.
const TokenParam = "token"

// Options configures an Adapter.
type Options struct {
	// Token is the secret of the webhook URI's token parameter (required).
	Token string
	// Router receives the events (required).
	Router inbound.Dispatcher
	// Now stamps the events (default time.Now).
	Now func() time.Time
	Log *zap.Logger
}

// Adapter serves Azure Monitor's webhook endpoint.
type Adapter struct {
	src inbound.Source
}

// New checks opts and builds the adapter.
func New(opts Options) (*Adapter, error) {
	var errs []error
	if opts.Token == "" {
		errs = append(errs, errors.New("a token is required"))
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
	want := sha256.Sum256([]byte(opts.Token))
	auth := func(r *http.Request, _ []byte) string {
		got := r.URL.Query().Get(TokenParam)
		if got == "" {
			return "no token"
		}
		// Digests are compared, so the time taken says nothing of the
		// token's length or content.
		g := sha256.Sum256([]byte(got))
		if subtle.ConstantTimeCompare(g[:], want[:]) != 1 {
			return "wrong token"
		}
		return ""
	}
	return &Adapter{src: inbound.Source{Authenticate: auth, AuthBeforeBody: true, Parse: Parse,
		Router: opts.Router, Now: opts.Now, Log: opts.Log.Named(Name)}}, nil
}

// Handle serves POST /alerts/azure?token=…: it checks the token before
// reading the body (401 inbound.ErrUnauthorized), reads and parses the
// body (413, or 400 with a *httpx.Error naming the problem, such as
// another schema), queues one bot.Event (503 inbound.ErrBusy when the
// router is full, which Azure retries) and answers 200
// {"status":"accepted","alerts":1}. Errors are returned for main to write
// as JSON.
func (a *Adapter) Handle(w http.ResponseWriter, r *http.Request) error {
	return a.src.Handle(w, r)
}

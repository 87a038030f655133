package outbound

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"go.uber.org/zap"
)

// DefaultRetries and DefaultTimeout are what Slack's and Teams' calls take
// when their caller leaves Retries or the HTTP client unset.
const (
	DefaultRetries = 4
	DefaultTimeout = 15 * time.Second
)

// Options are the settings of an adapter's outbound calls. WithDefaults
// fills the fields left zero.
type Options struct {
	// HTTP is the client every call goes through.
	HTTP *http.Client
	// Retries is how many times a failed call is tried again: 0 takes
	// DefaultRetries, a negative count means never.
	Retries int
	// Backoff is the wait before the first retry a Retry-After does not
	// set; later waits grow from it (each adapter says how).
	Backoff time.Duration
	// Now is the clock.
	Now func() time.Time
	// Sleep waits d, or until ctx ends, when it returns ctx's error. Tests
	// replace it to see the waits without taking them.
	Sleep func(ctx context.Context, d time.Duration) error
	// Log receives what the calls log.
	Log *zap.Logger
}

// Defaults are an adapter's own values for what its caller left zero.
type Defaults struct {
	// Timeout bounds each call of the HTTP client made when Options.HTTP
	// is nil; 0 means DefaultTimeout.
	Timeout time.Duration
	// Backoff replaces a zero or negative Options.Backoff.
	Backoff time.Duration
}

// WithDefaults returns o with every field left zero set: HTTP to a client
// with d's timeout, Retries to DefaultRetries (and a negative count to 0),
// Backoff to d's, Now to time.Now, Sleep to Sleep and Log to a logger that
// drops everything. A field already set is kept as it is.
func (o Options) WithDefaults(d Defaults) Options {
	if o.HTTP == nil {
		timeout := d.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		o.HTTP = &http.Client{Timeout: timeout}
	}
	switch {
	case o.Retries == 0:
		o.Retries = DefaultRetries
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.Backoff <= 0 {
		o.Backoff = d.Backoff
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = Sleep
	}
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	return o
}

// Retry calls try until it succeeds, its error is final (it returns a
// negative wait), or o.Retries retries are spent, sleeping between tries
// the wait try returns (a Retry-After, a backoff); each retry is logged
// as "retrying <what>". It returns try's last error, or ctx's when ctx
// ends during a wait.
func Retry[T any](ctx context.Context, o Options, what string, try func() (T, time.Duration, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		v, wait, err := try()
		if err == nil || wait < 0 || attempt >= o.Retries {
			return v, err
		}
		o.Log.Info("retrying "+what, zap.Int("attempt", attempt+1), zap.Duration("wait", wait), zap.Error(err))
		if err := o.Sleep(ctx, wait); err != nil {
			return v, err
		}
	}
}

// Sleep waits d, or until ctx ends, when it returns ctx's error; a wait of
// zero or less only checks ctx.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// WithoutURL returns the cause the *url.Error in err's chain wraps, or err
// when there is none, so that what an http.Client returned does not name
// the URL: a Slack response URL is a credential, and a Bot Connector URL
// holds conversation IDs. Call it on the client's error itself, before
// wrapping it.
func WithoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

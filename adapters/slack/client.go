package slack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/time/rate"

	"github.com/warroomhq/warroom/bot"
)

// tiers are Slack's published per-method rate tiers (calls per minute, per
// workspace) for the methods Warroom calls. The limiter keeps us inside
// them so a burst of declarations queues here instead of collecting 429s;
// a 429 that still comes back is retried after its Retry-After.
var tiers = map[string]int{
	"conversations.create":   20, // tier 2
	"conversations.setTopic": 20,
	"conversations.archive":  20,
	"pins.add":               20,
	"users.list":             20,
	"conversations.invite":   50, // tier 3
	"chat.update":            50,
	"chat.postEphemeral":     100, // tier 4
	"views.open":             100,
	"users.info":             100,
	"auth.test":              100,
	"chat.getPermalink":      100, // "special": hundreds a minute
	// chat.postMessage is "special": about one message a second per
	// channel with bursts allowed; 60/min overall keeps well clear of it.
	"chat.postMessage": 60,
}

// limits are the per-method rate limiters of one workspace (tiers scaled
// by scale), which the adapter's two Web API clients share.
type limits struct {
	scale    float64
	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

func newLimits(scale float64) *limits {
	return &limits{scale: scale, limiters: map[string]*rate.Limiter{}}
}

// limitedTransport waits for the method's rate limiter before each call;
// one that does not wait (wait false) fails at once with bot.ErrPaced
// instead. The wait is bounded by the caller's context only: the call's
// own timeout (the HTTP client's, moved here) starts once it is sent, so a
// call that waits its turn behind many others is not cut short.
type limitedTransport struct {
	next    http.RoundTripper
	limits  *limits
	timeout time.Duration
	wait    bool
}

func newLimitedTransport(next http.RoundTripper, l *limits, timeout time.Duration, wait bool) *limitedTransport {
	return &limitedTransport{next: next, limits: l, timeout: timeout, wait: wait}
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if l := t.limits.limiter(req.URL.Path); l != nil {
		if !t.wait {
			r := l.Reserve()
			if d := r.Delay(); d > 0 {
				r.Cancel()
				return nil, fmt.Errorf("%s: %w (room again in %s)", req.URL.Path, bot.ErrPaced, d.Round(time.Millisecond))
			}
		} else if err := l.Wait(req.Context()); err != nil {
			return nil, err
		}
	}
	if t.timeout <= 0 {
		return t.next.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	res, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	res.Body = &cancelBody{ReadCloser: res.Body, cancel: cancel}
	return res, nil
}

// cancelBody ends its call's timeout when the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// limiter is the rate limiter of the method path calls, nil for methods
// without a tier.
func (ls *limits) limiter(path string) *rate.Limiter {
	method := path[strings.LastIndex(path, "/")+1:]
	perMinute, ok := tiers[method]
	if !ok {
		return nil
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	l, ok := ls.limiters[method]
	if !ok {
		// Allow a burst of half a minute's quota, then the steady rate.
		perMin := float64(perMinute) * ls.scale
		l = rate.NewLimiter(rate.Limit(perMin/60), max(1, int(perMin/2)))
		ls.limiters[method] = l
	}
	return l
}

// newClient builds a Web API client: rate-limited per method by l, waiting
// for its turn or (wait false) failing with bot.ErrPaced when there is
// none now, with retries of 429 (after Retry-After), 5xx and connection
// errors, with backoff and jitter. opts has its defaults filled (New).
func newClient(opts Options, l *limits, wait bool) *slack.Client {
	hc := *opts.HTTPClient
	if hc.Transport == nil {
		hc.Transport = http.DefaultTransport
	}
	// The client's timeout moves into the transport, after the rate limit.
	hc.Transport = newLimitedTransport(hc.Transport, l, hc.Timeout, wait)
	hc.Timeout = 0
	retry := slack.DefaultRetryConfig()
	retry.MaxRetries = opts.Retries
	retry.BackoffInitial = opts.Backoff
	retry.BackoffMax = 20 * opts.Backoff
	retry.Handlers = append(slack.AllBuiltinRetryHandlers(retry), slack.NewServerErrorRetryHandler(retry))
	return slack.New(opts.BotToken,
		slack.OptionAPIURL(opts.APIURL),
		slack.OptionAppLevelToken(opts.AppToken),
		slack.OptionHTTPClient(&hc),
		slack.OptionRetryConfig(retry),
	)
}

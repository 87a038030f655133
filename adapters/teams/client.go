package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/warroomhq/warroom/adapters/internal/outbound"
)

// apiError is a failed call to the Bot Connector or Graph: the status and
// the service's error code, never a token.
type apiError struct {
	Method string
	Route  string
	Status int
	Code   string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s: status %d %s", e.Method, e.Route, e.Status, e.Code)
}

// statusOf returns the HTTP status of an apiError in err's chain, or 0.
func statusOf(err error) int {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// caller makes JSON calls to Microsoft's APIs with a bearer token for its
// scope, retrying 429 (after Retry-After), 412, 502, 503, 504, transport
// errors and failed token fetches with backoff and jitter, and pacing
// sends per conversation within Teams' limits. A 500 and other 4xx are
// final.
type caller struct {
	http    *http.Client
	token   func(ctx context.Context, scope string) (string, error)
	retries int
	backoff time.Duration
	sleep   func(ctx context.Context, d time.Duration) error
	global  *rate.Limiter
	mu      sync.Mutex
	convs   map[string]*rate.Limiter
}

// newCaller makes calls as out says (its defaults filled), with tokens
// from token.
func newCaller(out outbound.Options, token func(context.Context, string) (string, error)) *caller {
	return &caller{http: out.HTTP, token: token, retries: out.Retries, backoff: out.Backoff, sleep: out.Sleep,
		// Bot Framework: 30 requests a second per app and tenant.
		global: rate.NewLimiter(30, 30), convs: map[string]*rate.Limiter{}}
}

// pace waits for the conversation's limiter: Teams allows a bot 7 messages
// a second and 60 in 30 seconds in one conversation.
func (c *caller) pace(ctx context.Context, conv string) error {
	if err := c.global.Wait(ctx); err != nil {
		return err
	}
	if conv == "" {
		return nil
	}
	c.mu.Lock()
	l, ok := c.convs[conv]
	if !ok {
		if len(c.convs) > 10000 {
			c.convs = map[string]*rate.Limiter{}
		}
		l = rate.NewLimiter(2, 7)
		c.convs[conv] = l
	}
	c.mu.Unlock()
	return l.Wait(ctx)
}

// call sends body as JSON and decodes the answer into out (when not nil).
// route names the call in errors and logs without identifiers.
func (c *caller) call(ctx context.Context, scope, method, rawURL, route, conv string, body, out any) error {
	var payload []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, route, err)
		}
		payload = b
	}
	var last error
	for attempt := 0; attempt <= c.retries; attempt++ {
		if err := c.pace(ctx, conv); err != nil {
			return err
		}
		wait, err := c.once(ctx, scope, method, rawURL, route, payload, out)
		if err == nil {
			return nil
		}
		last = err
		if wait < 0 || attempt == c.retries {
			break
		}
		if wait == 0 {
			wait = c.backoff << attempt
			wait = wait/2 + rand.N(wait/2+1)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return errors.Join(last, err)
		}
	}
	return last
}

// once makes one attempt; wait < 0 means do not retry, 0 retry with
// backoff, > 0 retry after that long.
func (c *caller) once(ctx context.Context, scope, method, rawURL, route string, payload []byte, out any) (time.Duration, error) {
	tok, err := c.token(ctx, scope)
	if err != nil {
		return 0, fmt.Errorf("%s %s: token: %w", method, route, err)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, bytes.NewReader(payload))
	if err != nil {
		return -1, fmt.Errorf("%s %s: %w", method, route, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// Keep URLs (conversation IDs) out of errors.
		return 0, fmt.Errorf("%s %s: %w", method, route, outbound.WithoutURL(err))
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 == 2 {
		if out != nil && len(b) > 0 {
			if err := json.Unmarshal(b, out); err != nil {
				return -1, fmt.Errorf("%s %s: decode answer: %w", method, route, err)
			}
		}
		return 0, nil
	}
	ae := &apiError{Method: method, Route: route, Status: resp.StatusCode, Code: errorCode(b)}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusPreconditionFailed, http.StatusBadGateway, http.StatusGatewayTimeout, http.StatusServiceUnavailable:
		return retryAfter(resp.Header.Get("Retry-After")), ae
	}
	return -1, ae
}

// errorCode reads {"error":{"code":"..."}} (Graph, Bot Connector).
func errorCode(b []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil {
		return e.Error.Code
	}
	return ""
}

func retryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return min(time.Duration(s)*time.Second, time.Minute) + time.Millisecond
	}
	return 0
}

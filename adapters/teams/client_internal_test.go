package teams

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/internal/outbound"
)

// callerWorld is a caller against an httptest server answering with
// answer(n) on the n-th request (from 1), recording the caller's waits
// instead of taking them.
type callerWorld struct {
	c      *caller
	srv    *httptest.Server
	calls  atomic.Int32
	mu     sync.Mutex
	waits  []time.Duration
	tokErr error
}

func newCallerWorld(t *testing.T, retries int, answer func(n int, w http.ResponseWriter)) *callerWorld {
	t.Helper()
	cw := &callerWorld{}
	cw.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer tok", r.Header.Get("Authorization"))
		answer(int(cw.calls.Add(1)), w)
	}))
	t.Cleanup(cw.srv.Close)
	out := outbound.Options{HTTP: cw.srv.Client(), Retries: retries, Sleep: func(ctx context.Context, d time.Duration) error {
		cw.mu.Lock()
		cw.waits = append(cw.waits, d)
		cw.mu.Unlock()
		return ctx.Err()
	}}.WithDefaults(outbound.Defaults{Backoff: 100 * time.Millisecond})
	cw.c = newCaller(out, func(context.Context, string) (string, error) {
		if cw.tokErr != nil {
			return "", cw.tokErr
		}
		return "tok", nil
	})
	return cw
}

func (cw *callerWorld) call(ctx context.Context, out any) error {
	return cw.c.call(ctx, ScopeConnector, http.MethodPost, cw.srv.URL+"/v3/conversations/19:secret-conv/activities", "sendToConversation", "19:secret-conv", map[string]string{"type": "message"}, out)
}

func status(code int, retryAfter string) func(int, http.ResponseWriter) {
	return func(_ int, w http.ResponseWriter) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"error":{"code":"E` + strconv.Itoa(code) + `"}}`))
	}
}

// failThenOK answers first with fail, then 200 {"id":"a1"}.
func failThenOK(fail func(int, http.ResponseWriter)) func(int, http.ResponseWriter) {
	return func(n int, w http.ResponseWriter) {
		if n == 1 {
			fail(n, w)
			return
		}
		_, _ = w.Write([]byte(`{"id":"a1"}`))
	}
}

// TestCallerRetryAfter: a 429 is retried after exactly its Retry-After
// (plus a millisecond), capped at a minute, and the answer of the retry is
// the call's.
func TestCallerRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"2", 2*time.Second + time.Millisecond},
		{"0", time.Millisecond},
		{"3600", time.Minute + time.Millisecond},
	} {
		t.Run(tc.header, func(t *testing.T) {
			cw := newCallerWorld(t, 4, failThenOK(status(http.StatusTooManyRequests, tc.header)))
			var out struct{ ID string }
			require.NoError(t, cw.call(context.Background(), &out))
			require.Equal(t, "a1", out.ID)
			require.Equal(t, int32(2), cw.calls.Load())
			require.Equal(t, []time.Duration{tc.want}, cw.waits)
		})
	}
}

// TestCallerRetriesUpToTheLimit: 412, 502, 503 and 504 are retried with a
// doubling, jittered backoff until the retries run out, and the last
// answer is the error.
func TestCallerRetriesUpToTheLimit(t *testing.T) {
	for _, code := range []int{http.StatusPreconditionFailed, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			cw := newCallerWorld(t, 3, status(code, ""))
			err := cw.call(context.Background(), nil)
			require.Equal(t, code, statusOf(err))
			require.ErrorContains(t, err, "sendToConversation")
			require.Equal(t, int32(4), cw.calls.Load(), "one call and three retries")
			require.Len(t, cw.waits, 3)
			for i, d := range cw.waits {
				full := 100 * time.Millisecond << i
				require.GreaterOrEqual(t, d, full/2, "wait %d", i)
				require.LessOrEqual(t, d, full, "wait %d", i)
			}
		})
	}
}

// TestCallerDoesNotRetryFinalAnswers: a 4xx other than 412 and 429, and a
// 500 (unlike Slack's calls, which slack-go retries on every 5xx), are
// final at once.
func TestCallerDoesNotRetryFinalAnswers(t *testing.T) {
	for _, code := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusInternalServerError} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			cw := newCallerWorld(t, 4, status(code, "1"))
			err := cw.call(context.Background(), nil)
			var ae *apiError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, code, ae.Status)
			require.Equal(t, "E"+strconv.Itoa(code), ae.Code)
			require.Equal(t, int32(1), cw.calls.Load())
			require.Empty(t, cw.waits)
		})
	}
}

// TestCallerTransportAndTokenErrors: a connection that fails and a token
// that cannot be had are retried; the error names the route, never the
// URL with its conversation ID.
func TestCallerTransportAndTokenErrors(t *testing.T) {
	cw := newCallerWorld(t, 2, status(http.StatusOK, ""))
	cw.srv.Close()
	err := cw.call(context.Background(), nil)
	require.Error(t, err)
	require.ErrorContains(t, err, "POST sendToConversation")
	require.NotContains(t, err.Error(), "secret-conv")
	require.Len(t, cw.waits, 2)

	cw = newCallerWorld(t, 1, status(http.StatusOK, ""))
	cw.tokErr = errors.New("login down")
	err = cw.call(context.Background(), nil)
	require.ErrorContains(t, err, "token: login down")
	require.Len(t, cw.waits, 1)
	require.Zero(t, cw.calls.Load(), "nothing is sent without a token")
}

// TestCallerRetriesOff: a negative Retries makes one attempt, no retry
// (before the shared defaults it made none and reported success).
func TestCallerRetriesOff(t *testing.T) {
	cw := newCallerWorld(t, -1, status(http.StatusBadGateway, ""))
	require.Equal(t, http.StatusBadGateway, statusOf(cw.call(context.Background(), nil)))
	require.Equal(t, int32(1), cw.calls.Load())
	require.Empty(t, cw.waits)
}

// TestCallerStopsWhenTheContextEnds: a caller waiting out a Retry-After
// stops as soon as its context ends, with the context's error and the
// answer it was waiting out; it sends nothing more.
func TestCallerStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cw := newCallerWorld(t, 4, status(http.StatusTooManyRequests, "30"))
	var waited time.Duration
	cw.c.sleep = func(ctx context.Context, d time.Duration) error {
		waited = d
		// The person gives up while Teams throttles: the real wait must
		// end then, not after 30 seconds.
		time.AfterFunc(20*time.Millisecond, cancel)
		return outbound.Sleep(ctx, d)
	}
	start := time.Now()
	err := cw.call(ctx, nil)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, http.StatusTooManyRequests, statusOf(err))
	require.Equal(t, 30*time.Second+time.Millisecond, waited)
	require.Less(t, time.Since(start), 10*time.Second)
	require.Equal(t, int32(1), cw.calls.Load())
}

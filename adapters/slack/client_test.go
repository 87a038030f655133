package slack

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	c.n.Add(1)
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Header: http.Header{}}, nil
}

// The rate limiter waits for room, except under bot.NoWait, where a call
// with no room fails at once with bot.ErrPaced and reaches nothing.
func TestLimiterNoWait(t *testing.T) {
	next := &countingTransport{}
	lt := newLimitedTransport(next, 0.1, 0) // conversations.create: 2 a minute, a burst of 1
	call := func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://slack.example/api/conversations.create", http.NoBody)
		require.NoError(t, err)
		res, err := lt.RoundTrip(req)
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	require.NoError(t, call(bot.NoWait(context.Background())), "the burst has room")
	err := call(bot.NoWait(context.Background()))
	require.ErrorIs(t, err, bot.ErrPaced)
	require.Equal(t, int32(1), next.n.Load(), "a paced call reaches nothing")

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = call(ctx)
	require.Error(t, err, "without NoWait it waits (here: past its deadline)")
	require.False(t, errors.Is(err, bot.ErrPaced))
	require.Equal(t, int32(1), next.n.Load())

	// Methods without a tier are never paced.
	req, _ := http.NewRequestWithContext(bot.NoWait(context.Background()), http.MethodPost, "https://slack.example/api/conversations.info", http.NoBody)
	res, err := lt.RoundTrip(req)
	require.NoError(t, err)
	res.Body.Close()
}

type slowTransport struct{ delay time.Duration }

func (s slowTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case <-time.After(s.delay):
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Header: http.Header{}}, nil
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
}

// The call's own timeout starts after its turn: waiting longer than the
// timeout for the rate limit is fine, a call slower than it is not.
func TestLimiterTimeoutAfterTheWait(t *testing.T) {
	const path = "https://slack.example/api/conversations.create"
	lt := newLimitedTransport(slowTransport{}, 15, 50*time.Millisecond) // 5 a second
	l := lt.limiter(path)
	l.ReserveN(time.Now(), l.Burst()) // the burst is spent: the next turn is 200 ms away
	req, _ := http.NewRequest(http.MethodPost, path, http.NoBody)
	start := time.Now()
	res, err := lt.RoundTrip(req)
	require.NoError(t, err, "waited past the call timeout for its turn")
	require.NoError(t, res.Body.Close())
	require.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)

	slow := newLimitedTransport(slowTransport{delay: time.Second}, 15, 50*time.Millisecond)
	req, _ = http.NewRequest(http.MethodPost, path, http.NoBody)
	_, err = slow.RoundTrip(req)
	require.ErrorIs(t, err, context.DeadlineExceeded, "a call slower than its timeout fails")
}

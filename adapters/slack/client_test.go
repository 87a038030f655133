package slack

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
	"github.com/warroomhq/warroom/bot"
)

type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	c.n.Add(1)
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Header: http.Header{}}, nil
}

// The rate limiter waits for room, except for the client that does not
// wait (ChannelSpec.NoWait), where a call with no room fails at once with
// bot.ErrPaced and reaches nothing. Both share one set of limits.
func TestLimiterNoWait(t *testing.T) {
	next := &countingTransport{}
	lim := newLimits(0.1) // conversations.create: 2 a minute, a burst of 1
	paced := newLimitedTransport(next, lim, 0, false)
	waits := newLimitedTransport(next, lim, 0, true)
	call := func(ctx context.Context, lt *limitedTransport, path string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://slack.example/api/"+path, http.NoBody)
		require.NoError(t, err)
		res, err := lt.RoundTrip(req)
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	ctx := context.Background()
	require.NoError(t, call(ctx, paced, "conversations.create"), "the burst has room")
	err := call(ctx, paced, "conversations.create")
	require.ErrorIs(t, err, bot.ErrPaced)
	require.Equal(t, int32(1), next.n.Load(), "a paced call reaches nothing")

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err = call(short, waits, "conversations.create")
	require.Error(t, err, "the other client waits for the same limit (here: past its deadline)")
	require.False(t, errors.Is(err, bot.ErrPaced))
	require.Equal(t, int32(1), next.n.Load())

	// Methods without a tier are never paced.
	require.NoError(t, call(ctx, paced, "conversations.info"))
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
	lt := newLimitedTransport(slowTransport{}, newLimits(15), 50*time.Millisecond, true) // 5 a second
	l := lt.limits.limiter(path)
	l.ReserveN(time.Now(), l.Burst()) // the burst is spent: the next turn is 200 ms away
	req, _ := http.NewRequest(http.MethodPost, path, http.NoBody)
	start := time.Now()
	res, err := lt.RoundTrip(req)
	require.NoError(t, err, "waited past the call timeout for its turn")
	require.NoError(t, res.Body.Close())
	require.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)

	slow := newLimitedTransport(slowTransport{delay: time.Second}, newLimits(15), 50*time.Millisecond, true)
	req, _ = http.NewRequest(http.MethodPost, path, http.NoBody)
	_, err = slow.RoundTrip(req)
	require.ErrorIs(t, err, context.DeadlineExceeded, "a call slower than its timeout fails")
}

// CreateChannel with ChannelSpec.NoWait takes a free turn of Slack's rate
// limit or fails at once with bot.ErrPaced, calling nothing; without it,
// it waits for the same limit.
func TestCreateChannelNoWait(t *testing.T) {
	fake := fakeslack.New(t)
	a, err := New(Options{BotToken: fakeslack.BotToken, SigningSecret: fakeslack.SigningSecret, APIURL: fake.APIURL(),
		Router: &fuzzRouter{}, RateScale: 0.1}) // conversations.create: 2 a minute, a burst of 1
	require.NoError(t, err)
	ctx := context.Background()
	_, err = a.CreateChannel(ctx, bot.ChannelSpec{Prefix: "inc", ID: 1, Title: "db", NoWait: true})
	require.NoError(t, err, "the burst has room")

	start := time.Now()
	bounded, stop := context.WithTimeout(ctx, 5*time.Second) // a call that waited would fail otherwise
	defer stop()
	_, err = a.CreateChannel(bounded, bot.ChannelSpec{Prefix: "inc", ID: 2, Title: "db", NoWait: true})
	require.ErrorIs(t, err, bot.ErrPaced)
	require.Less(t, time.Since(start), 100*time.Millisecond, "at once")

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = a.CreateChannel(short, bot.ChannelSpec{Prefix: "inc", ID: 3, Title: "db"})
	require.Error(t, err, "without NoWait it waits (here: past its deadline)")
	require.NotErrorIs(t, err, bot.ErrPaced)
	require.Len(t, fake.Calls("conversations.create"), 1, "only the first reached Slack")
}

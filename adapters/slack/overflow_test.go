package slack_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack"
	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
	"github.com/warroomhq/warroom/bot"
)

// A burst into one channel that does not fit the router's queue is never
// answered 503 while Redis takes writes: it waits in Redis (the router's
// overflow) and reaches the timeline in order. A person's command sent
// meanwhile is acknowledged at once, without "busy", and answered through
// its response_url once its turn comes.
func TestBurstOverflowsIntoRedisNot503(t *testing.T) {
	gate := make(chan struct{})
	var once, release sync.Once
	open := func() { release.Do(func() { close(gate) }) }
	w := newWorldRouter(t, false, func(w *world, o *bot.Options) {
		ov, err := w.st.Overflow("slack-test")
		require.NoError(t, err)
		o.Workers, o.Queue, o.Overflow = 1, 2, ov
		// The one worker is held after its first batch of messages, so the
		// burst cannot fit its queue of 2.
		o.Observe = func(command string, _ time.Duration, _ error) {
			if command == "message" {
				once.Do(func() { <-gate })
			}
		}
	}, func(*slack.Options) {})
	t.Cleanup(open) // before the router's Close: a failing test must not leave the worker held
	w.command(alice, w.general, "declare Queue is backing up")
	inc := w.incident(1)
	w.fake.WaitResponses(1, wait)
	base := len(w.timeline(inc.ID))
	const n = 400
	var want []string
	for i := range n {
		text := fmt.Sprintf("log line %03d", i)
		want = append(want, text)
		inner := w.fake.MessageEvent(fakeslack.Message{Channel: inc.Channel.ID, User: bob, Text: text, TS: w.fake.NewTS()})
		status, body := w.event(w.fake.NewEventID(), inner)
		require.Equal(t, http.StatusOK, status, "event %d: %s", i, body)
	}
	status, body := w.command(alice, w.general, "help")
	require.Equal(t, http.StatusOK, status)
	require.NotContains(t, body, bot.T(bot.English, "err."+bot.CodeBusy))
	open()

	require.Eventually(t, func() bool { return len(w.timeline(inc.ID)) >= base+n }, wait, 20*time.Millisecond)
	var got []string
	for _, e := range w.timeline(inc.ID)[base:] {
		got = append(got, e.Text)
	}
	require.Equal(t, want, got)
	resp := w.fake.WaitResponses(2, wait)
	require.Contains(t, resp[1].Body["text"], "Warroom commands", "help answered through the response_url")
	require.NoError(t, w.r.Close(context.Background()))
}

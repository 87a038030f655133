package bot_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

func TestAnswerTakesTheFirstReplyOnly(t *testing.T) {
	a := bot.NewAnswer()
	require.True(t, a.Fill(bot.Message{Text: "first"}))
	require.False(t, a.Fill(bot.Message{Text: "second"}), "the second reply goes the usual way")
	msg, ok := a.Wait(context.Background(), time.Hour)
	require.True(t, ok)
	require.Equal(t, "first", msg.Text)
}

func TestAnswerRefusesAReplyAfterTheWait(t *testing.T) {
	a := bot.NewAnswer()
	_, ok := a.Wait(context.Background(), time.Millisecond)
	require.False(t, ok)
	require.False(t, a.Fill(bot.Message{Text: "late"}), "a late reply goes the usual way")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := bot.NewAnswer()
	_, ok = b.Wait(ctx, time.Hour)
	require.False(t, ok, "a request that ended waits no more")
	require.False(t, b.Fill(bot.Message{Text: "late"}))
}

func TestNilAnswerNeverFills(t *testing.T) {
	var a *bot.Answer
	require.False(t, a.Fill(bot.Message{Text: "x"}))
	a.Close()
	_, ok := a.Wait(context.Background(), time.Hour)
	require.False(t, ok)
}

// TestAnswerRace: replies racing each other and the end of the wait; run
// with -race. Whatever wins, exactly one of them is answered in the ack,
// or none and every one goes the usual way.
func TestAnswerRace(t *testing.T) {
	for i := range 200 {
		a := bot.NewAnswer()
		var (
			wg  sync.WaitGroup
			mu  sync.Mutex
			won []string
		)
		for j := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				text := strconv.Itoa(j)
				if a.Fill(bot.Message{Text: text}) {
					mu.Lock()
					won = append(won, text)
					mu.Unlock()
				}
			}()
		}
		msg, ok := a.Wait(context.Background(), time.Duration(i%3)*time.Microsecond)
		wg.Wait()
		if ok {
			require.Equal(t, []string{msg.Text}, won)
		} else {
			require.Empty(t, won, "no reply is kept that nobody sends")
		}
	}
}

// TestRouterClosesTheAnswerWhenHandled: a command that replied nothing
// lets the adapter's wait end as soon as it is handled, not when its
// budget runs out; and the router itself never waits on the slot.
func TestRouterClosesTheAnswerWhenHandled(t *testing.T) {
	r, _ := newRouter(t, bot.Options{}, bot.Handlers{Routes: []bot.Route{
		route("quiet", func(context.Context, *bot.Request) error { return nil })}})
	ev := bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "quiet", Answer: bot.NewAnswer()}
	require.NoError(t, r.Dispatch(ev))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, ok := ev.Answer.Wait(ctx, time.Hour)
	require.False(t, ok)
	require.NoError(t, ctx.Err(), "the wait ended because the command was handled")

	// Nobody waits on this one: handling it does not block.
	require.NoError(t, r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "quiet", Answer: bot.NewAnswer()}))
}

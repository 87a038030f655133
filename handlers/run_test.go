package handlers

import (
	"bytes"
	"context"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

// goroutinesIn reports whether a goroutine's stack holds fn.
func goroutinesIn(t *testing.T, fn string) bool {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, pprof.Lookup("goroutine").WriteTo(&b, 2))
	return strings.Contains(b.String(), fn)
}

// TestCloseStopsDrill: Close stops a running drill script and returns only
// once it has ended; its goroutine is gone and it writes nothing more.
func TestCloseStopsDrill(t *testing.T) {
	e := newEnv(t, Options{DrillSpeed: 1}) // real time: the second step is 30s away
	e.must(e.alice, "CGEN", "drill db-down")
	inc := e.incidents()[0]
	done := e.svc.drillDone(inc.ID)
	require.NotNil(t, done)
	require.Eventually(t, func() bool { return goroutinesIn(t, "handlers.(*Service).runDrill") }, 5*time.Second, 5*time.Millisecond,
		"the script runs")
	var before int
	require.Eventually(t, func() bool { // the first step (its alert) is done; the next is 30s away
		tl := e.timeline(inc.ID)
		before = len(tl)
		return tl[before-1].Kind == bot.KindAlert
	}, 5*time.Second, 5*time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, e.r.Close(ctx))
	require.NoError(t, e.svc.Close(ctx))
	select {
	case <-done:
	default:
		t.Fatal("Close returned before the drill's script ended")
	}
	require.Nil(t, e.svc.drillDone(inc.ID))
	require.False(t, goroutinesIn(t, "handlers.(*Service).runDrill"), "the script's goroutine is gone")
	require.Len(t, e.timeline(inc.ID), before, "nothing written after Close")
	require.Equal(t, bot.StatusTriage, e.get(inc.ID).Status, "the drill is left as it was, not ended")

	// A drill started on a closed service opens its incident but runs no script.
	e2 := newEnv(t, Options{DrillSpeed: 1})
	require.NoError(t, e2.svc.Close(ctx))
	e2.must(e2.alice, "CGEN", "drill db-down")
	require.Nil(t, e2.svc.drillDone(e2.incidents()[0].ID))
}

// TestCloseHandsBackWaitingChannel: an alert's incident waiting for room
// in the platform's rate limit stops waiting at Close, which returns once
// its declaration is back in the reconciler's hands.
func TestCloseHandsBackWaitingChannel(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test"})
	e.p.Paced.Store(true)
	e.alert(firing("g1", "a"))
	inc := e.incidents()[0]
	p := e.waitPending(inc.ID, func(string) bool { return true })
	require.True(t, strings.HasSuffix(p.Owner, "/waiting"), p.Owner)
	require.True(t, goroutinesIn(t, "handlers.(*Service).channelLater"))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, e.r.Close(ctx))
	require.NoError(t, e.svc.Close(ctx))
	var owner string
	for _, pd := range e.pending() {
		if pd.ID == inc.ID {
			owner = pd.Owner
		}
	}
	require.Equal(t, strings.TrimSuffix(p.Owner, "/waiting"), owner, "handed back at once, before Close returned")
	require.False(t, goroutinesIn(t, "handlers.(*Service).channelLater"))
	require.Empty(t, e.p.Calls("CreateChannel"))
}

// TestRunReminders: Run sends the reminders Options.Reminders asks for,
// stops at its context's end, refuses a second Run and a closed service;
// a service whose Run is never called reminds nobody.
func TestRunReminders(t *testing.T) {
	for _, local := range []bool{false, true} {
		e := newEnv(t, Options{AlertPlatform: "test", TriageAckAfter: 15 * time.Minute,
			Reminders: Reminders{Every: 10 * time.Millisecond, Holder: "replica-1", Local: local}})
		p1 := firing("g1", "a")
		p1.Priority = bot.P1
		e.alert(p1)
		e.p.Reset()
		e.now = e.now.Add(16 * time.Minute)
		time.Sleep(50 * time.Millisecond)
		require.Empty(t, e.p.Calls("Post"), "no Run, no reminder")

		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		go func() { ran <- e.svc.Run(ctx) }()
		require.Eventually(t, func() bool {
			last, ok := e.p.Last("Post")
			return ok && strings.Contains(last.Msg.Text, "has waited 16m for someone to acknowledge it")
		}, 5*time.Second, 5*time.Millisecond, "local=%v", local)
		require.ErrorContains(t, e.svc.Run(ctx), "twice")
		cancel()
		select {
		case err := <-ran:
			require.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return when its context ended")
		}
		require.False(t, goroutinesIn(t, "handlers.(*Service).remindLoop"))
		require.False(t, goroutinesIn(t, "handlers.(*Service).remindLocalLoop"))
		require.NoError(t, e.svc.Close(context.Background()))
	}
	e := newEnv(t, Options{})
	require.NoError(t, e.svc.Close(context.Background()))
	require.ErrorIs(t, e.svc.Run(context.Background()), ErrClosed)
}

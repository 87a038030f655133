package console_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/console"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/handlers"
)

// syncBuffer is a transcript the test reads while the console writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// live is a console session fed line by line, so a test can wait for the
// drill's script (which runs on its own goroutine) before typing on.
type live struct {
	t    *testing.T
	in   *io.PipeWriter
	out  *syncBuffer
	done chan error
}

func (h *harness) live(lang bot.Lang, user string) *live {
	h.t.Helper()
	r, w := io.Pipe()
	l := &live{t: h.t, in: w, out: &syncBuffer{}, done: make(chan error, 1)}
	c, err := console.New(console.Options{In: r, Out: l.out, User: user, Lang: lang})
	require.NoError(h.t, err)
	h.r.Register(c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	h.t.Cleanup(cancel)
	go func() { l.done <- c.Run(ctx, h.r) }()
	return l
}

// typeLine types one line and waits until the transcript shows it was
// read: its echo, or for a click "!N" the click.
func (l *live) typeLine(text string) {
	l.t.Helper()
	shown := "> " + text + "\n"
	if strings.HasPrefix(text, "!") {
		shown = " chose [" + text[1:] + "] "
	}
	before := strings.Count(l.out.String(), shown)
	_, err := io.WriteString(l.in, text+"\n")
	require.NoError(l.t, err)
	l.waitFor(shown, before+1)
}

// waitFor waits until s occurs n times in the transcript.
func (l *live) waitFor(s string, n int) {
	l.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(l.out.String(), s) < n {
		if time.Now().After(deadline) {
			require.Failf(l.t, "timed out", "waiting for %q in transcript:\n%s", s, l.out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// end closes the input and returns the transcript once the console is done.
func (l *live) end() string {
	l.t.Helper()
	require.NoError(l.t, l.in.Close())
	select {
	case err := <-l.done:
		require.NoError(l.t, err)
	case <-time.After(10 * time.Second):
		l.t.Fatal("console did not stop")
	}
	return l.out.String()
}

// TestDrillInConsole runs db-down as a team would: start it, watch the
// scripted alerts and messages arrive, acknowledge with the card's button,
// post an update, resolve, and read the report.
func TestDrillInConsole(t *testing.T) {
	h := newHarness(t, handlers.Options{DrillSpeed: 10000})
	const channel = "drill-20261125-1-database-primary-unreachable"
	s := h.live(bot.English, "alice")
	s.typeLine("/incident drill db-down")
	s.waitFor("Warroom: 🧪 DRILL · *db-bot*: Automatic failover did not start", 1) // the last step
	s.typeLine("!1")                                                              // Acknowledge, on the card
	s.typeLine("/incident update promoting db-main-2 by hand")
	s.typeLine("/incident resolve db-main-2 promoted")
	s.typeLine("/incident timeline")
	out := s.end()

	inOrder(t, out,
		"> /incident drill db-down",
		"Warroom created #"+channel+"; you are now in it.",
		"[M2] Warroom: 🧪 DRILL 🚨 INC-1: Database primary unreachable",
		"Topic of #"+channel+": 🧪 DRILL INC-1 | P1 (critical) | triage | Commander: (nobody) | Database primary unreachable",
		"Warroom: 🧪 DRILL — this is a practice incident, not a real one. alice started the drill “db-down”",
		"Warroom: 🧪 DRILL · *db-bot*: Health check failed 3 times in a row on db-main-1:5432",
		"Warroom: 🧪 DRILL · *support-desk*: Customers report that orders fail at the payment step",
		"Warroom: 🧪 DRILL · *db-bot*: Automatic failover did not start",
		"alice chose [1] Acknowledge",
		"alice set INC-1 to *investigating*.",
		"> /incident update promoting db-main-2 by hand",
		"> /incident resolve db-main-2 promoted",
		"Warroom: 🧪 DRILL report — INC-1: Database primary unreachable",
		"> /incident timeline",
	)
	card := block(t, out, "> /incident drill db-down", "[M2] Warroom: ")
	require.Contains(t, card, "\n  [1] Acknowledge  [2] I'll be commander\n")

	i := strings.Index(out, "Warroom: 🧪 DRILL report")
	require.GreaterOrEqual(t, i, 0, out)
	report, _, _ := strings.Cut(out[i:], "\n> ")
	for _, want := range []string{
		"The drill “db-down” ended (resolved).",
		"• Commander: alice, 0s after the start (2026-11-25 10:00 UTC)",
		"Time to acknowledge: 0s (target 5m) ✅",
		"Time to first status update: 0s (target 15m) ✅",
		"Time to resolve: 0s (target 45m) ✅",
		"INC-1 was a drill: it is left out of stats, metrics and search.",
	} {
		require.Contains(t, report, want)
	}

	tl := block(t, out, "> /incident timeline", "Warroom (only you can see this): Timeline of INC-1")
	inOrder(t, tl,
		"alice  [declared] Database primary unreachable",
		"drill  [alert] firing: PostgreSQL primary db-main-1 is unreachable",
		"db-bot  [message] Health check failed",
		"drill  [alert] firing: Checkout API 5xx rate above 20%",
		"support-desk  [message] Customers report",
		"db-bot  [message] Automatic failover did not start",
		"alice  [status] triage → investigating",
		"alice  [update] promoting db-main-2 by hand",
		"alice  [status] investigating → resolved: db-main-2 promoted",
	)
}

package handlers

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
)

// resolved is the group key's notification that every one of fps stopped
// firing.
func resolved(key string, fps ...string) *bot.Alert {
	a := firing(key, fps...)
	a.Status = bot.AlertResolved
	for i := range a.Items {
		a.Items[i].Status = bot.AlertResolved
	}
	return a
}

// outcome is what people see after alerts were handled: the incidents,
// each one's timeline, and the calls made to the platform in each one's
// channel, in order. Problems of different dedup keys are independent
// (the router handles them on different workers at once), so the order
// of calls between two incidents' channels is not part of it, and
// channels are named by their incident, not by the fake's IDs; replies,
// which name no channel, are compared as a set.
func (e *env) outcome() []string {
	e.t.Helper()
	var out []string
	names := map[string]string{}
	for _, inc := range e.incidents() {
		names[inc.Channel.ID] = inc.Key()
		out = append(out, fmt.Sprintf("%s %s %s %q", inc.Key(), inc.Status, inc.Priority, inc.Title))
		for _, en := range e.timeline(inc.ID) {
			out = append(out, fmt.Sprintf("  %s %s %q %s:%s", inc.Key(), en.Kind, en.Text, en.Data["fingerprint"], en.Data["status"]))
		}
	}
	byChannel := map[string][]string{}
	for _, c := range e.p.Calls() {
		var buttons []string
		for _, b := range c.Msg.Buttons {
			buttons = append(buttons, b.Command+" "+b.Args)
		}
		ch := names[c.Channel]
		if ch == "" {
			ch = "channel " + c.Channel
		}
		byChannel[ch] = append(byChannel[ch], fmt.Sprintf("%s %s %q %q %v", ch, c.Method, bottest.Text(c.Msg), c.Topic, buttons))
	}
	for _, ch := range slices.Sorted(maps.Keys(byChannel)) {
		calls := byChannel[ch]
		if ch == "channel " {
			slices.Sort(calls)
		}
		out = append(out, calls...)
	}
	return out
}

// alertBatch hands alerts to the service's alert handler in one call, as
// the router does with the alerts waiting in one worker's queue.
func (e *env) alertBatch(alerts ...*bot.Alert) []error {
	e.t.Helper()
	reqs := make([]*bot.Request, len(alerts))
	for i, a := range alerts {
		reqs[i] = &bot.Request{Event: &bot.Event{Kind: bot.EventAlert, Alert: a, At: e.now}, Lang: bot.English, Log: zap.NewNop()}
	}
	return e.svc.alerts(context.Background(), reqs)
}

// TestAlertBatchIsOneAtATime: a batch of notifications ends as if each
// had been handled alone, in order: the same incidents, timelines,
// messages and buttons, whether the batch holds one group's notifications,
// several groups', or a recovery among firings.
func TestAlertBatchIsOneAtATime(t *testing.T) {
	partial := firing("g1", "a", "b")
	partial.Items[1].Status = bot.AlertResolved
	for _, tc := range []struct {
		name   string
		opts   Options
		before []*bot.Alert // handled one at a time first, in both runs
		batch  []*bot.Alert
	}{
		{name: "one group's notifications",
			batch: []*bot.Alert{firing("g1", "a"), firing("g1", "a", "b"), firing("g1", "a", "b"), firing("g1", "c"), partial}},
		{name: "several groups, interleaved",
			batch: []*bot.Alert{firing("g1", "a"), firing("g2", "x"), firing("g1", "b"), firing("g3", "z"), firing("g2", "x", "y"), firing("g1", "a")}},
		{name: "groups whose incidents are open already",
			before: []*bot.Alert{firing("g1", "a"), firing("g2", "x")},
			batch:  []*bot.Alert{firing("g1", "b"), firing("g2", "y"), firing("g1", "a", "b", "c")}},
		{name: "a recovery after firings, then firing again",
			batch: []*bot.Alert{firing("g1", "a"), firing("g1", "a", "b"), resolved("g1", "a", "b"), firing("g1", "a"), resolved("g1", "a")}},
		{name: "a repeated recovery after a change offers nothing again",
			before: []*bot.Alert{firing("g1", "a", "b"), resolved("g1", "a", "b")},
			batch:  []*bot.Alert{firing("g1", "c"), resolved("g1", "a", "b"), resolved("g1", "c")}},
		{name: "recovery resolves by itself, then the problem flaps",
			opts:  Options{AutoResolve: true, FlapWindow: 10 * time.Minute},
			batch: []*bot.Alert{firing("g1", "a"), firing("g2", "x"), resolved("g1", "a"), firing("g1", "a"), firing("g1", "a", "b"), resolved("g2", "x")}},
		{name: "a recovery of a resolved incident, then a new firing",
			opts:   Options{AutoResolve: true},
			before: []*bot.Alert{firing("g1", "a"), resolved("g1", "a")},
			batch:  []*bot.Alert{resolved("g1", "a"), firing("g1", "a"), firing("g1", "b")}},
		{name: "an alert without a dedup key among others",
			batch: []*bot.Alert{firing("g1", "a"), {Source: "alertmanager", Status: bot.AlertFiring}, firing("g1", "b")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.AlertPlatform = "test"
			single, batched := newEnv(t, tc.opts), newEnv(t, tc.opts)
			for _, e := range []*env{single, batched} {
				for _, a := range tc.before {
					e.alert(a)
				}
			}
			var want []string
			for _, a := range tc.batch {
				err := single.r.Serve(context.Background(), bot.Event{Kind: bot.EventAlert, Alert: a})
				want = append(want, fmt.Sprint(err))
			}
			var got []string
			for _, err := range batched.alertBatch(tc.batch...) {
				got = append(got, fmt.Sprint(err))
			}
			require.Equal(t, want, got, "each notification's outcome")
			require.Equal(t, single.outcome(), batched.outcome())
			require.NotEmpty(t, batched.incidents())
		})
	}
}

// TestAlertBatchRecordsInOrder: the items of one group's notifications in
// a batch reach its timeline in the order they came, a resolve after its
// firing included, and the recovery is offered once.
func TestAlertBatchRecordsInOrder(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test"})
	errs := e.alertBatch(firing("g1", "a"), firing("g2", "x"), firing("g1", "a", "b"), resolved("g1", "a", "b"), firing("g1", "b"))
	require.Equal(t, make([]error, 5), errs)
	incs := e.incidents()
	require.Len(t, incs, 2, "one incident per group")
	byTitle := map[string][]string{}
	for _, inc := range incs {
		byTitle[inc.Channel.ID] = e.alertEntries(inc.ID)
	}
	var g1 []string
	for _, entries := range byTitle {
		if len(entries) > 1 {
			g1 = entries
		}
	}
	require.Equal(t, []string{"a:firing", "b:firing", "a:resolved", "b:resolved", "b:firing"}, g1)
	var offers int
	for _, c := range e.p.Calls("Post") {
		if len(c.Msg.Buttons) == 1 && c.Msg.Buttons[0].Command == "resolve" {
			offers++
		}
	}
	require.Equal(t, 1, offers, "the recovery offers Resolve once")
}

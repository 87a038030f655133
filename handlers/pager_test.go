package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/pagerduty"
	"github.com/warroomhq/warroom/adapters/pagerduty/fakepagerduty"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
)

const testRoutingKey = "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY12"

// pagingEnv is an env whose service pages through the real PagerDuty
// client to a fake Events API, retrying without waiting.
func pagingEnv(t *testing.T, opts Options) (*env, *fakepagerduty.Server) {
	t.Helper()
	fake := fakepagerduty.New(t)
	client, err := pagerduty.New(pagerduty.Options{RoutingKey: testRoutingKey, BaseURL: fake.URL,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	require.NoError(t, err)
	opts.Paging = Paging{Pager: client, Priorities: []bot.Priority{bot.P1, bot.P2}, Platform: pagerduty.Name}
	opts.PublicURL = "https://warroom.example.com"
	e := newEnv(t, opts)
	e.r.Register(pagerduty.Platform{})
	return e, fake
}

// pageEntries are the incident's page entries as "action:outcome".
func (e *env) pageEntries(id int64) []string {
	var out []string
	for _, en := range e.timeline(id) {
		if en.Kind == bot.KindPage {
			out = append(out, en.Data["action"]+":"+en.Data["outcome"])
		}
	}
	return out
}

// waitPage waits until the incident's timeline holds n page entries.
func (e *env) waitPage(id int64, n int) []string {
	e.t.Helper()
	require.Eventually(e.t, func() bool { return len(e.pageEntries(id)) >= n }, 10*time.Second, 5*time.Millisecond)
	return e.pageEntries(id)
}

// posted is every text posted in channel.
func (e *env) posted(channel string) string {
	var out []string
	for _, c := range e.p.Calls("Post") {
		if c.Channel == channel {
			out = append(out, bottest.Text(c.Msg))
		}
	}
	return strings.Join(out, "\n")
}

// waitPosted waits until channel was told text, and returns all it was told.
func (e *env) waitPosted(channel, text string) string {
	e.t.Helper()
	require.Eventually(e.t, func() bool { return strings.Contains(e.posted(channel), text) }, 10*time.Second, 5*time.Millisecond,
		"never said %q", text)
	return e.posted(channel)
}

// TestPageP1Declare: a P1 declaration pages PagerDuty with the incident's
// summary, severity, details and link; the timeline and channel say so.
// Resolving it resolves the page under the same dedup key.
func TestPageP1Declare(t *testing.T) {
	e, fake := pagingEnv(t, Options{})
	inc := e.declare("Checkout is failing P1")
	require.Equal(t, []string{"trigger:sent"}, e.waitPage(inc.ID, 1))
	evs := fake.Events()
	require.Len(t, evs, 1)
	ev := evs[0]
	require.Equal(t, "trigger", ev.EventAction)
	require.Equal(t, testRoutingKey, ev.RoutingKey)
	require.Equal(t, "warroom-INC-1", ev.DedupKey)
	require.Equal(t, "INC-1 P1: Checkout is failing", ev.Payload.Summary)
	require.Equal(t, "critical", ev.Payload.Severity)
	require.Equal(t, map[string]string{"incident": "INC-1", "title": "Checkout is failing", "priority": "P1",
		"url": "https://warroom.example.com/incidents/INC-1"}, ev.Payload.CustomDetails)
	e.waitPosted(inc.Channel.ID, "Paged on-call through PagerDuty for INC-1 (P1)")
	require.True(t, e.get(inc.ID).Paged)
	tl := e.timeline(inc.ID)
	page := tl[len(tl)-1]
	require.Equal(t, bot.KindPage, page.Kind)
	require.Equal(t, e.alice, page.Author, "who paged")
	require.Equal(t, "paged PagerDuty", page.Text)

	e.must(e.alice, inc.Channel.ID, "resolve fixed the pool")
	require.Equal(t, []string{"trigger:sent", "resolve:sent"}, e.waitPage(inc.ID, 2))
	evs = fake.Events()
	require.Len(t, evs, 2)
	require.Equal(t, "resolve", evs[1].EventAction)
	require.Equal(t, "warroom-INC-1", evs[1].DedupKey)
	require.False(t, e.get(inc.ID).Paged)

	e.must(e.alice, inc.Channel.ID, "close --force")
	// Closing a resolved incident sends nothing more; reopening pages again.
	e.must(e.alice, inc.Channel.ID, "reopen it is back")
	e.waitPage(inc.ID, 3)
	evs = fake.Events()
	require.Len(t, evs, 3)
	require.Equal(t, "trigger", evs[2].EventAction)
}

// TestPageNotForP3NorDrills: a P3 pages nobody, until raised to P2; a
// drill never pages, and its timeline says so.
func TestPageNotForP3NorDrills(t *testing.T) {
	e, fake := pagingEnv(t, Options{})
	low := e.declare("Slow reports P3")
	require.False(t, e.get(low.ID).Paged)
	require.Empty(t, e.pageEntries(low.ID))

	e.must(e.alice, "CGEN", "drill db-down")
	drills := e.incidents()
	drill := drills[0]
	require.True(t, drill.Drill)
	require.Equal(t, bot.P1, drill.Priority)
	require.Equal(t, []string{"trigger:skipped"}, e.pageEntries(drill.ID))
	// The drill's scenario may post after the entry: look for it anywhere.
	said := false
	for _, en := range e.timeline(drill.ID) {
		said = said || strings.Contains(en.Text, "a drill never pages a human")
	}
	require.True(t, said, "the drill's timeline says nobody was paged")

	e.must(e.alice, low.Channel.ID, "priority P2")
	require.Equal(t, []string{"trigger:sent"}, e.waitPage(low.ID, 1))
	evs := fake.Events()
	require.Len(t, evs, 1, "only the raised incident paged")
	require.Equal(t, "warroom-INC-1", evs[0].DedupKey)
	require.Equal(t, "error", evs[0].Payload.Severity)
	e.must(e.alice, low.Channel.ID, "priority P1")
	require.NoError(t, e.svc.Close(context.Background()))
	require.Len(t, fake.Events(), 1, "already paged: raising again pages nobody twice")
	require.Equal(t, 1, fake.Attempts())
}

// TestPageAlertAck: an alert's P1 incident pages; ack acknowledges the
// page with the same dedup key.
func TestPageAlertAck(t *testing.T) {
	e, fake := pagingEnv(t, Options{AlertPlatform: "test",
		AlertRules: []AlertRule{{Name: "checkout", Labels: map[string]string{"service": "checkout"}, Priority: bot.P1}}})
	e.alert(firing("g1", "a"))
	inc := e.incidents()[0]
	require.Equal(t, bot.StatusTriage, inc.Status)
	e.waitPage(inc.ID, 1)
	e.must(e.bob, inc.Channel.ID, "ack")
	require.Equal(t, []string{"trigger:sent", "acknowledge:sent"}, e.waitPage(inc.ID, 2))
	evs := fake.Events()
	require.Len(t, evs, 2)
	require.Equal(t, "acknowledge", evs[1].EventAction)
	require.Equal(t, evs[0].DedupKey, evs[1].DedupKey)
}

// TestPageRetried: a 429 is retried once, and PagerDuty pages once.
func TestPageRetried(t *testing.T) {
	e, fake := pagingEnv(t, Options{})
	fake.Fail(429)
	inc := e.declare("Checkout is failing P1")
	require.Equal(t, []string{"trigger:sent"}, e.waitPage(inc.ID, 1))
	require.Equal(t, 2, fake.Attempts())
	require.Len(t, fake.Events(), 1)
}

// TestPageRefused: a 400 leaves the incident declared and the channel
// told why, in the workspace's language, without the routing key.
func TestPageRefused(t *testing.T) {
	for _, lang := range []bot.Lang{bot.English, bot.Japanese} {
		t.Run(string(lang), func(t *testing.T) {
			e, fake := pagingEnv(t, Options{Lang: lang})
			fake.Fail(400)
			inc := e.declare("Checkout is failing P1")
			require.Equal(t, []string{"trigger:failed"}, e.waitPage(inc.ID, 1))
			got := e.get(inc.ID)
			require.Equal(t, bot.StatusInvestigating, got.Status, "declared all the same")
			require.False(t, got.Paged)
			want := map[bot.Lang]string{bot.English: "Paging on-call through PagerDuty failed for INC-1: PagerDuty refused it",
				bot.Japanese: "PagerDuty による INC-1 のオンコール呼び出しに失敗しました"}[lang]
			said := e.waitPosted(inc.Channel.ID, want)
			require.Contains(t, said, "(400)")
			require.NotContains(t, said, testRoutingKey)
			require.Empty(t, fake.Events())
		})
	}
}

// TestPagePrivate: a private incident's page names it, not its title.
func TestPagePrivate(t *testing.T) {
	e, fake := pagingEnv(t, Options{})
	inc := e.declare("Customer data leaked P1 private")
	require.True(t, inc.Private)
	e.waitPage(inc.ID, 1)
	ev := fake.Events()[0]
	require.Equal(t, "Private incident INC-1 (P1)", ev.Payload.Summary)
	for _, v := range ev.Payload.CustomDetails {
		require.NotContains(t, v, "leaked")
	}
}

// webhook delivers PagerDuty's "paged" command as the adapter makes it.
func (e *env) webhook(text, eventID string) error {
	return e.r.Serve(context.Background(), bot.Event{ID: eventID, Kind: bot.EventCommand, Platform: pagerduty.Name,
		User: bot.User{ID: "PLH1HKV", Name: "Aiko Tanaka"}, Text: text})
}

// TestPagedAcknowledged: PagerDuty's acknowledgement acks a triaged
// incident, once, writes the timeline, tells the channel, and is not
// sent back to PagerDuty. An unknown incident, or the command typed in
// chat, changes nothing.
func TestPagedAcknowledged(t *testing.T) {
	e, fake := pagingEnv(t, Options{AlertPlatform: "test",
		AlertRules: []AlertRule{{Name: "checkout", Labels: map[string]string{"service": "checkout"}, Priority: bot.P1}}})
	e.alert(firing("g1", "a"))
	inc := e.incidents()[0]
	e.waitPage(inc.ID, 1)

	require.Error(t, e.run(e.bob, inc.Channel.ID, "paged acknowledged"), "nobody in chat speaks for PagerDuty")
	require.Equal(t, bot.StatusTriage, e.get(inc.ID).Status)

	require.Error(t, e.webhook("INC-99 paged acknowledged", "ev0"))

	require.NoError(t, e.webhook("INC-1 paged acknowledged", "ev1"))
	require.NoError(t, e.webhook("INC-1 paged acknowledged", "ev1")) // a redelivery is dropped
	got := e.get(inc.ID)
	require.Equal(t, bot.StatusInvestigating, got.Status)
	require.False(t, got.AckedAt.IsZero())
	_, hasCommander := got.Holder(bot.RoleCommander)
	require.False(t, hasCommander, "a PagerDuty user gets no chat role")
	require.Equal(t, []string{"trigger:sent", "acknowledged:received"}, e.pageEntries(inc.ID))
	var said string
	for _, en := range e.timeline(inc.ID) {
		if en.Data["action"] == "acknowledged" {
			said = en.Text
		}
	}
	require.Equal(t, "📟 paged: acknowledged in PagerDuty by Aiko Tanaka", said)
	require.Contains(t, e.posted(inc.Channel.ID), "acknowledged in PagerDuty by Aiko Tanaka")
	require.NoError(t, e.svc.Close(context.Background()))
	require.Len(t, fake.Events(), 1, "the acknowledgement is not echoed to PagerDuty")
}

package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
	"github.com/warroomhq/warroom/store"
)

func firing(key string, fps ...string) *bot.Alert {
	a := &bot.Alert{Source: "alertmanager", SourceName: "Alertmanager", DedupKey: key, Status: bot.AlertFiring, Title: "HighErrorRate [checkout]",
		Labels: map[string]string{"alertname": "HighErrorRate", "severity": "critical", "service": "checkout"},
		Links:  []bot.Link{{Title: "Source", URL: "http://prometheus:9090/graph"}}}
	for _, fp := range fps {
		a.Items = append(a.Items, bot.AlertItem{Fingerprint: fp, Status: bot.AlertFiring, Summary: "5xx > 5% on " + fp})
	}
	return a
}

func (e *env) alert(a *bot.Alert) {
	e.t.Helper()
	require.NoError(e.t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventAlert, Alert: a}))
}

func (e *env) alertEntries(id int64) []string {
	e.t.Helper()
	var out []string
	for _, en := range e.timeline(id) {
		if en.Kind == bot.KindAlert {
			out = append(out, en.Data["fingerprint"]+":"+en.Data["status"])
		}
	}
	return out
}

func (e *env) incidents() []*bot.Incident {
	e.t.Helper()
	incs, err := e.st.List(context.Background(), store.ListQuery{Limit: 500})
	require.NoError(e.t, err)
	return incs
}

func TestAlertOpensOneTriageIncident(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test", Announce: map[string]string{"test": "CANN"},
		AlertRules: []AlertRule{{Name: "checkout", Labels: map[string]string{"service": "checkout"}, Priority: bot.P1,
			Responders: []string{"U7"}, Runbook: "https://wiki.example/runbooks/checkout"}}})
	e.alert(firing("g1", "a", "b"))
	e.alert(firing("g1", "a", "b")) // Alertmanager repeats the group: nothing changes

	incs := e.incidents()
	require.Len(t, incs, 1)
	inc := incs[0]
	require.Equal(t, bot.StatusTriage, inc.Status)
	require.Equal(t, bot.P1, inc.Priority, "from the rule")
	require.Equal(t, "alert:alertmanager", inc.Source)
	require.True(t, inc.AckedAt.IsZero())
	_, led := inc.Holder(bot.RoleCommander)
	require.False(t, led, "nobody leads an alert until someone acknowledges")
	require.Equal(t, []string{"a:firing", "b:firing"}, e.alertEntries(inc.ID))
	invite, _ := e.p.Last("Invite")
	require.Equal(t, []string{"U7"}, invite.Users)

	card := e.p.Calls("Post")[0].Msg
	require.Equal(t, "Acknowledge", card.Buttons[0].Label)
	require.Equal(t, "Decline", card.Buttons[3].Label)
	require.Equal(t, "https://wiki.example/runbooks/checkout", card.Buttons[4].URL, "runbook linked first")
	require.Contains(t, bottest.Text(card), "Source: Alertmanager")
	require.Contains(t, bottest.Text(card), "service=checkout")
	var announced bool
	for _, c := range e.p.Calls("Post") {
		announced = announced || (c.Channel == "CANN" && c.Msg.Text != "")
	}
	require.True(t, announced)

	// Acknowledging measures time to acknowledge and gives the lead.
	e.now = e.now.Add(3 * time.Minute)
	e.must(e.bob, inc.Channel.ID, "ack")
	inc = e.get(inc.ID)
	require.Equal(t, bot.StatusInvestigating, inc.Status)
	require.Equal(t, 3*time.Minute, inc.AckedAt.Sub(inc.CreatedAt))
	require.Equal(t, e.bob.ID, inc.Roles[bot.RoleCommander].ID)
}

func TestAlertRecoveryAndFlapping(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test", FlapWindow: 10 * time.Minute})
	e.alert(firing("g1", "a", "b"))
	inc := e.incidents()[0]

	partial := firing("g1", "a", "b")
	partial.Items[1].Status = bot.AlertResolved
	e.alert(partial)
	require.Equal(t, []string{"a:firing", "b:firing", "b:resolved"}, e.alertEntries(inc.ID))

	done := firing("g1", "a", "b")
	done.Status = bot.AlertResolved
	for i := range done.Items {
		done.Items[i].Status = bot.AlertResolved
	}
	e.alert(done)
	post, _ := e.p.Last("Post")
	require.Contains(t, post.Msg.Text, "Looks resolved — Resolve?")
	require.Equal(t, "resolve", post.Msg.Buttons[0].Command)
	require.Equal(t, bot.StatusTriage, e.get(inc.ID).Status, "recovery does not resolve by itself")

	e.must(e.alice, inc.Channel.ID, "resolve")
	e.now = e.now.Add(5 * time.Minute)
	e.alert(firing("g1", "a", "b"))
	require.Len(t, e.incidents(), 1, "flapping within the window reopens")
	require.Equal(t, bot.StatusInvestigating, e.get(inc.ID).Status)

	e.must(e.alice, inc.Channel.ID, "resolve")
	e.must(e.alice, inc.Channel.ID, "close")
	e.now = e.now.Add(time.Hour)
	e.alert(firing("g1", "a"))
	incs := e.incidents()
	require.Len(t, incs, 2, "after the window a closed problem that returns is a new incident")
	require.Equal(t, []string{"a:firing"}, e.alertEntries(incs[0].ID))
}

func TestAlertAutoResolveAndRules(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test", AutoResolve: true,
		AlertRules: []AlertRule{{Name: "quiet", Source: "webhook", NoIncident: true}}})
	e.alert(&bot.Alert{Source: "webhook", DedupKey: "cron-backup", Status: bot.AlertFiring, Title: "backup late"})
	require.Empty(t, e.incidents(), "a no-incident rule opens nothing")

	e.alert(firing("g2", "x"))
	inc := e.incidents()[0]
	require.Equal(t, bot.P3, inc.Priority, "no priority anywhere: P3")
	res := firing("g2", "x")
	res.Status, res.Items[0].Status = bot.AlertResolved, bot.AlertResolved
	e.alert(res)
	require.Equal(t, bot.StatusResolved, e.get(inc.ID).Status)

	// A resolved notification for a problem nobody opened opens nothing.
	other := firing("g3", "y")
	other.Status, other.Items[0].Status = bot.AlertResolved, bot.AlertResolved
	e.alert(other)
	require.Len(t, e.incidents(), 1)

	// A rule naming a platform that is not running: the alert is refused.
	e2 := newEnv(t, Options{AlertPlatform: "teams"})
	err := e2.r.Serve(context.Background(), bot.Event{Kind: bot.EventAlert, Alert: firing("g9", "z")})
	require.ErrorContains(t, err, `no chat platform "teams"`)
	claimed, _, err := e2.st.ClaimAlert(context.Background(), "alertmanager", "g9", time.Minute)
	require.NoError(t, err)
	require.True(t, claimed, "the failed attempt released its claim")
}

// TestAlertBurst sends 400 notifications over 8 groups at once through the
// worker pool: 8 incidents, every distinct alert on its timeline.
func TestAlertBurst(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test"})
	var wg sync.WaitGroup
	for i := range 400 {
		g := fmt.Sprintf("group-%d", i%8)
		a := firing(g, fmt.Sprintf("%s-alert-%d", g, i%5))
		wg.Add(1)
		a2 := a
		require.NoError(t, e.r.Dispatch(bot.Event{Kind: bot.EventAlert, Alert: a2, Done: func(err error) {
			require.NoError(t, err)
			wg.Done()
		}}))
	}
	wg.Wait()
	incs := e.incidents()
	require.Len(t, incs, 8)
	for _, inc := range incs {
		require.Len(t, e.alertEntries(inc.ID), 5, inc.Title)
	}
	require.Len(t, e.p.Calls("CreateChannel"), 8)
}

// TestAlertTwoReplicas delivers one group's notifications to two replicas
// (two routers and services on one Redis) at once: one incident, and the
// alerts that arrived while the other replica was opening it are queued
// and recorded, none lost.
func TestAlertTwoReplicas(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test"})
	r2 := bot.NewRouter(bot.Options{})
	svc2, err := New(e.st, r2, Options{AlertPlatform: "test", Now: e.svc.opts.Now})
	require.NoError(t, err)
	t.Cleanup(func() { _ = svc2.Close(context.Background()) })
	t.Cleanup(func() { _ = r2.Close(context.Background()) })
	r2.Register(e.p)

	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		r := e.r
		if i%2 == 1 {
			r = r2
		}
		a := firing("shared", fmt.Sprintf("alert-%d", i))
		require.NoError(t, r.Dispatch(bot.Event{Kind: bot.EventAlert, Alert: a, Done: func(err error) {
			require.NoError(t, err)
			wg.Done()
		}}))
	}
	wg.Wait()
	incs := e.incidents()
	require.Len(t, incs, 1)
	require.Len(t, e.alertEntries(incs[0].ID), 60)
}

func TestReminders(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test", TriageAckAfter: 15 * time.Minute, NoCommanderAfter: 10 * time.Minute,
		Announce: map[string]string{"test": "CANN"}})
	ctx := context.Background()
	p1 := firing("g1", "a")
	p1.Priority = bot.P1
	e.alert(p1)
	p4 := firing("g2", "b")
	p4.Priority = bot.P4
	e.alert(p4)
	e.p.Reset()

	e.now = e.now.Add(16 * time.Minute)
	require.NoError(t, e.svc.remindOnce(ctx))
	require.NoError(t, e.svc.remindOnce(ctx), "a second pass in the interval sends nothing more")
	var texts []string
	for _, c := range e.p.Calls("Post") {
		texts = append(texts, c.Channel+": "+c.Msg.Text)
	}
	require.Len(t, texts, 2, "the P1 in triage, in its channel and announced; not the P4: %v", texts)
	require.Contains(t, texts[0], "INC-1 (P1 (critical)) has waited 16m for someone to acknowledge it")
	require.Contains(t, texts[1], "CANN: ")

	// Acknowledged but nobody leads (the commander handed over to nobody):
	// ask for a commander.
	inc := e.incidents()[1]
	require.NoError(t, e.r.Serve(ctx, bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.bob, Channel: inc.Channel.ID, Text: "ack"}))
	_, err := e.st.Update(ctx, inc.ID, func(i *bot.Incident) ([]bot.TimelineEntry, error) {
		delete(i.Roles, bot.RoleCommander)
		return nil, nil
	})
	require.NoError(t, err)
	e.p.Reset()
	require.NoError(t, e.svc.remindOnce(ctx))
	post, ok := e.p.Last("Post")
	require.True(t, ok)
	require.Contains(t, post.Msg.Text, "INC-1 has had no commander for 16m")
	require.Equal(t, "role", post.Msg.Buttons[0].Command)

	e.must(e.bob, inc.Channel.ID, "resolve")
	e.p.Reset()
	e.now = e.now.Add(time.Hour)
	require.NoError(t, e.svc.remindOnce(ctx))
	for _, c := range e.p.Calls("Post") {
		require.NotContains(t, c.Msg.Text, "INC-1", "no reminders once resolved")
	}
}

// TestAlertSurvivesAFailedOpen: the platform refuses the channel for the
// first notification; the alert is kept and recorded once the next one
// opens the incident.
func TestAlertSurvivesAFailedOpen(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test"})
	e.p.Fail["CreateChannel"] = fmt.Errorf("ratelimited")
	err := e.r.Serve(context.Background(), bot.Event{Kind: bot.EventAlert, Alert: firing("g1", "first")})
	require.Error(t, err)
	require.Empty(t, e.incidents())
	delete(e.p.Fail, "CreateChannel")
	e.alert(firing("g1", "second"))
	incs := e.incidents()
	require.Len(t, incs, 1)
	require.ElementsMatch(t, []string{"first:firing", "second:firing"}, e.alertEntries(incs[0].ID), "the refused alert was kept")
}

// waitPending waits until incident id's declaration is owned by an owner
// for which ok holds (or is gone, when ok is nil) and returns it.
func (e *env) waitPending(id int64, ok func(owner string) bool) store.PendingDeclaration {
	e.t.Helper()
	var got store.PendingDeclaration
	require.Eventually(e.t, func() bool {
		for _, p := range e.pending() {
			if p.ID == id {
				got = p
				return ok != nil && ok(p.Owner)
			}
		}
		return ok == nil
	}, 5*time.Second, 5*time.Millisecond)
	return got
}

// In a storm the platform's rate limit has no room for another channel:
// the alert's incident is recorded at once, without one, so its alerts are
// on its timeline and it can be acknowledged from anywhere, and its
// channel follows as soon as the limit allows; if that fails, or the
// process dies meanwhile, the reconciler gives it its channel.
func TestAlertIncidentRecordedBeforeItsChannel(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test", Announce: map[string]string{"test": "CANN"}})
	e.p.Paced.Store(true)
	e.alert(firing("g1", "a"))
	e.alert(firing("g1", "a", "b"))

	incs := e.incidents()
	require.Len(t, incs, 1)
	inc := incs[0]
	require.Empty(t, inc.Channel.ID, "no channel yet")
	require.Equal(t, bot.StatusTriage, inc.Status)
	require.Equal(t, []string{"a:firing", "b:firing"}, e.alertEntries(inc.ID), "every alert is on the timeline")
	require.Empty(t, e.p.Calls("CreateChannel"))
	e.must(e.bob, "CGEN", "list")
	require.Contains(t, e.lastReply(), inc.Key())
	require.Contains(t, e.lastReply(), "channel on its way")
	p := e.waitPending(inc.ID, func(string) bool { return true })
	require.True(t, strings.HasSuffix(p.Owner, "/waiting"), "waiting for room in this process: %s", p.Owner)
	time.Sleep(3 * roomPoll)
	require.Empty(t, e.p.Calls("CreateChannel"), "still no room")

	// Room, but the platform fails: the declaration is back in the
	// reconciler's hands, owned by this process (not waiting any more).
	e.p.Fail["CreateChannel"] = errors.New("slack is down")
	e.p.Paced.Store(false)
	e.waitPending(inc.ID, func(owner string) bool { return !strings.HasSuffix(owner, "/waiting") })

	// Acknowledged from the general channel while it has none.
	e.must(e.bob, "CGEN", "ack "+inc.Key())
	require.Equal(t, bot.StatusInvestigating, e.get(inc.ID).Status)
	require.Contains(t, e.lastReply(), inc.Key())

	// The platform is back. Within ReconcileAfter the declaration counts
	// as in progress here; after it, the reconciler finishes it.
	delete(e.p.Fail, "CreateChannel")
	e.reconcile()
	require.Empty(t, e.p.Calls("CreateChannel"))
	e.now = e.now.Add(defaultReconcileAfter)
	e.reconcile()
	inc = e.get(inc.ID)
	require.NotEmpty(t, inc.Channel.ID)
	require.False(t, inc.Card.IsZero(), "card posted and pinned")
	require.Equal(t, inc.Channel.ID, e.p.Calls("CreateChannel")[0].Channel)
	e.waitPending(inc.ID, nil)
	found, err := e.st.ByChannel(context.Background(), "test", inc.Channel.ID)
	require.NoError(t, err)
	require.Equal(t, inc.ID, found.ID, "messages in the new channel reach the timeline")
	var announced bool
	for _, c := range e.p.Calls("Post") {
		announced = announced || c.Channel == "CANN"
	}
	require.True(t, announced)

	// A second problem: the channel comes as soon as the limit has room,
	// in the background, and the declaration ends.
	e.p.Paced.Store(true)
	e.alert(firing("g2", "c"))
	time.Sleep(2 * roomPoll)
	e.p.Paced.Store(false)
	var second *bot.Incident
	require.Eventually(t, func() bool {
		for _, i := range e.incidents() {
			if i.ID != inc.ID && !i.Card.IsZero() {
				second = i
				return true
			}
		}
		return false
	}, 5*time.Second, 5*time.Millisecond)
	require.NotEmpty(t, second.Channel.ID)
	e.waitPending(second.ID, nil)
	require.Equal(t, []string{"c:firing"}, e.alertEntries(second.ID))

	// A process that died while its incident waited for a channel: the
	// reconciler takes over at once (its heartbeat is gone), whatever the
	// declaration's age.
	e.p.Fail["CreateChannel"] = errors.New("slack is down")
	e.p.Paced.Store(true)
	e.alert(firing("g3", "d"))
	e.p.Paced.Store(false)
	var third *bot.Incident
	for _, i := range e.incidents() {
		if i.ID != inc.ID && i.ID != second.ID {
			third = i
		}
	}
	require.NotNil(t, third)
	p = e.waitPending(third.ID, func(owner string) bool { return !strings.HasSuffix(owner, "/waiting") })
	ok, err := e.st.TakeOverDeclaration(context.Background(), third.ID, p.Owner, "deadbeef/waiting")
	require.NoError(t, err)
	require.True(t, ok)
	delete(e.p.Fail, "CreateChannel")
	e.reconcile()
	require.NotEmpty(t, e.get(third.ID).Channel.ID)
	e.waitPending(third.ID, nil)
	require.Len(t, e.incidents(), 3, "three problems, three incidents, each with one channel")
	require.Len(t, e.p.Calls("CreateChannel"), 3)
}

// TestAlertRecoveryEntrySaysSo: on the timeline and in the postmortem, in
// both languages, a recovered alert reads as a recovery, not as the alarm.
func TestAlertRecoveryEntrySaysSo(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test"})
	e.alert(firing("g1", "a"))
	inc := e.incidents()[0]
	done := firing("g1", "a")
	done.Status, done.Items[0].Status = bot.AlertResolved, bot.AlertResolved
	e.alert(done)
	for _, tc := range []struct {
		lang          bot.Lang
		fired, recovr string
	}{
		{bot.English, "[alert] firing: 5xx > 5% on a", "[alert] recovered: 5xx > 5% on a"},
		{bot.Japanese, "[アラート] 発生: 5xx > 5% on a", "[アラート] 回復: 5xx > 5% on a"},
	} {
		require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.alice,
			Channel: inc.Channel.ID, Text: "timeline", Locale: string(tc.lang)}))
		tl := e.lastReply()
		fired, recovered := strings.Index(tl, tc.fired), strings.Index(tl, tc.recovr)
		require.True(t, fired >= 0 && recovered > fired, "%s: %s", tc.lang, tl)

		md, err := e.svc.Postmortem(context.Background(), inc.ID, tc.lang)
		require.NoError(t, err)
		// The postmortem escapes chat text for Markdown (">" is "&gt;").
		pmFired := strings.ReplaceAll(strings.Replace(strings.TrimPrefix(tc.fired, "["), "] ", " · ", 1), ">", "&gt;")
		pmRecovered := strings.ReplaceAll(strings.Replace(strings.TrimPrefix(tc.recovr, "["), "] ", " · ", 1), ">", "&gt;")
		fired, recovered = strings.Index(md, pmFired), strings.Index(md, pmRecovered)
		require.True(t, fired >= 0 && recovered > fired, "%s: %s", tc.lang, md)
	}
}

// The source's display name is what its adapter set on the alert, on the
// card, the declaration and the alert entries; an alert that carries none
// (one stored before adapters set it) reads as its source ID.
func TestAlertSourceDisplayName(t *testing.T) {
	for _, tc := range []struct {
		name, source, display, want string
	}{
		{name: "set by the adapter", source: "azuremonitor", display: "Azure Monitor", want: "Azure Monitor"},
		{name: "stored without one", source: "alertmanager", want: "alertmanager"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{AlertPlatform: "test"})
			a := firing("g1", "a")
			a.Source, a.SourceName = tc.source, tc.display
			e.alert(a)
			inc := e.incidents()[0]
			require.Equal(t, "alert:"+tc.source, inc.Source)
			require.Equal(t, bot.User{ID: "alert:" + tc.source, Name: tc.want}, inc.DeclaredBy)
			card := e.p.Calls("Post")[0].Msg
			require.Contains(t, bottest.Text(card), "Source: "+tc.want+"\n")
			for _, en := range e.timeline(inc.ID) {
				require.Equal(t, tc.want, en.Author.Name, "entry %s", en.Kind)
			}
		})
	}
}

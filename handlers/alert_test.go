package handlers

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
	"github.com/warroomhq/warroom/store"
)

func firing(key string, fps ...string) *bot.Alert {
	a := &bot.Alert{Source: "alertmanager", DedupKey: key, Status: bot.AlertFiring, Title: "HighErrorRate [checkout]",
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
	svc2, err := New(e.st, Options{AlertPlatform: "test", Now: e.svc.opts.Now})
	require.NoError(t, err)
	r2 := bot.NewRouter(bot.Options{Resolver: svc2, Authorizer: svc2})
	t.Cleanup(func() { _ = r2.Close(context.Background()) })
	r2.Register(e.p)
	svc2.Register(r2)

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

package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
)

// statsInc describes one incident of the stats fixture, its times as
// offsets: created ago before the env's clock, acked and resolved after
// creation (0 = unset).
type statsInc struct {
	priority bot.Priority
	status   bot.Status
	alert    bool
	drill    bool
	ago      time.Duration
	acked    time.Duration
	resolved time.Duration
}

const day = 24 * time.Hour

// statsFixture stores incidents with known times straight in the store.
// With the clock at 2026-11-25 10:00 UTC, the last 30 days hold:
//
//	P1: alert acked 2m resolved 1h; alert acked 6m resolved 3h (closed);
//	    alert acked 10m resolved 2h; declared, open
//	P2: alert in triage; alert declined (with a stray ResolvedAt);
//	    declared resolved 30m; declared resolved 1h30m (10 days ago)
//	none: alert acked 4m resolved 40m (8 days ago)
//
// and outside it (or left out): a P3 alert 40 days ago (acked 1m,
// resolved 20m), a P1 100 days ago, and a P1 drill.
func statsFixture(t *testing.T, e *env) {
	t.Helper()
	for _, f := range []statsInc{
		{priority: bot.P1, status: bot.StatusResolved, alert: true, ago: 2 * day, acked: 2 * time.Minute, resolved: time.Hour},
		{priority: bot.P1, status: bot.StatusClosed, alert: true, ago: 3 * day, acked: 6 * time.Minute, resolved: 3 * time.Hour},
		{priority: bot.P3, status: bot.StatusResolved, alert: true, ago: 40 * day, acked: time.Minute, resolved: 20 * time.Minute},
		{priority: bot.P1, status: bot.StatusInvestigating, ago: day},
		{priority: bot.P1, status: bot.StatusResolved, alert: true, ago: 5 * day, acked: 10 * time.Minute, resolved: 2 * time.Hour},
		{priority: bot.P2, status: bot.StatusTriage, alert: true, ago: time.Hour},
		{priority: bot.P2, status: bot.StatusDeclined, alert: true, ago: 4 * day, resolved: 5 * time.Minute},
		{priority: bot.P1, status: bot.StatusResolved, alert: true, drill: true, ago: day, acked: time.Minute, resolved: 5 * time.Minute},
		{priority: bot.P2, status: bot.StatusResolved, ago: 6 * day, resolved: 30 * time.Minute},
		{priority: bot.P2, status: bot.StatusResolved, ago: 10 * day, resolved: 90 * time.Minute},
		{status: bot.StatusResolved, alert: true, ago: 8 * day, acked: 4 * time.Minute, resolved: 40 * time.Minute},
		// The newest number, the oldest incident: List must read past it.
		{priority: bot.P1, status: bot.StatusResolved, ago: 100 * day, resolved: time.Hour},
	} {
		created := e.now.Add(-f.ago)
		inc := &bot.Incident{Title: "incident", Status: f.status, Priority: f.priority, Platform: "test",
			Source: "manual", CreatedAt: created, UpdatedAt: created, AckedAt: created, Drill: f.drill}
		if f.alert {
			inc.Source, inc.AckedAt = "alert:alertmanager", time.Time{}
			if f.acked > 0 {
				inc.AckedAt = created.Add(f.acked)
			}
		}
		if f.resolved > 0 {
			inc.ResolvedAt = created.Add(f.resolved)
		}
		statsCreate(t, e, inc)
	}
}

func statsCreate(t *testing.T, e *env, inc *bot.Incident) *bot.Incident {
	t.Helper()
	ctx := context.Background()
	id, err := e.st.NextID(ctx)
	require.NoError(t, err)
	inc.ID = id
	require.NoError(t, e.st.Create(ctx, inc))
	return inc
}

func pct(n int, median, p90 time.Duration) Percentiles {
	return Percentiles{N: n, Median: median, P90: p90}
}

func TestStats(t *testing.T) {
	e := newEnv(t, Options{})
	statsFixture(t, e)
	m := time.Minute

	st, err := e.svc.Stats(context.Background(), 30)
	require.NoError(t, err)
	require.Equal(t, 30, st.Days)
	require.Equal(t, time.Date(2026, 10, 26, 10, 0, 0, 0, time.UTC), st.From)
	require.Equal(t, e.now, st.To)
	// TTA over the alert-opened, acknowledged ones: 2m 4m 6m 10m; TTR over
	// the resolved: 30m 40m 1h 1h30m 2h 3h (not the declined one).
	require.Equal(t, ResponseStats{Declared: 9, Resolved: 6, Open: 2,
		TTA: pct(4, 5*m, 8*m+48*time.Second), TTR: pct(6, 75*m, 150*m)}, st.Overall)
	require.Equal(t, map[bot.Priority]*ResponseStats{
		bot.P1: {Declared: 4, Resolved: 3, Open: 1, TTA: pct(3, 6*m, 9*m+12*time.Second), TTR: pct(3, 2*time.Hour, 168*m)},
		bot.P2: {Declared: 4, Resolved: 2, Open: 1, TTR: pct(2, time.Hour, 84*m)},
		bot.P3: {},
		bot.P4: {},
		0:      {Declared: 1, Resolved: 1, TTA: pct(1, 4*m, 4*m), TTR: pct(1, 40*m, 40*m)},
	}, st.ByPriority)

	st, err = e.svc.Stats(context.Background(), 7)
	require.NoError(t, err)
	require.Equal(t, ResponseStats{Declared: 7, Resolved: 4, Open: 2,
		TTA: pct(3, 6*m, 9*m+12*time.Second), TTR: pct(4, 90*m, 162*m)}, st.Overall)
	require.Equal(t, ResponseStats{Declared: 3, Resolved: 1, Open: 1, TTR: pct(1, 30*m, 30*m)}, *st.ByPriority[bot.P2])
	require.NotContains(t, st.ByPriority, bot.Priority(0), "no unprioritised incident in 7 days")

	st, err = e.svc.Stats(context.Background(), 90)
	require.NoError(t, err)
	require.Equal(t, 10, st.Overall.Declared, "40 days ago counts, 100 days ago does not")
	require.Equal(t, ResponseStats{Declared: 1, Resolved: 1, TTA: pct(1, m, m), TTR: pct(1, 20*m, 20*m)}, *st.ByPriority[bot.P3])

	for _, bad := range []int{0, -7, 367} {
		_, err := e.svc.Stats(context.Background(), bad)
		require.Error(t, err, bad)
	}
}

func TestQuantile(t *testing.T) {
	s := time.Second
	for _, tc := range []struct {
		in          []time.Duration
		median, p90 time.Duration
	}{
		{[]time.Duration{7 * s}, 7 * s, 7 * s},
		{[]time.Duration{10 * s, 20 * s}, 15 * s, 19 * s},
		{[]time.Duration{3 * s, 1 * s, 2 * s}, 2 * s, 2*s + 800*time.Millisecond},
		{[]time.Duration{1 * s, 2 * s, 3 * s, 4 * s, 5 * s, 6 * s, 7 * s, 8 * s, 9 * s, 10 * s, 100 * s}, 6 * s, 10 * s},
	} {
		got := percentiles(tc.in)
		require.Equal(t, pct(len(tc.in), tc.median, tc.p90.Round(time.Second)), got, "%v", tc.in)
	}
	require.Equal(t, Percentiles{}, percentiles(nil))
}

func TestStatsCommand(t *testing.T) {
	e := newEnv(t, Options{})
	statsFixture(t, e)

	e.must(e.alice, "CGEN", "stats")
	require.Equal(t, `Response metrics, last 30 days

All priorities: 9 declared · 6 resolved · 2 open
Acknowledge: median 5m · p90 8m (4 alerts)
Resolve: median 1h 15m · p90 2h 30m (6 resolved)
P1 (critical): 4 declared · 3 resolved · 1 open
Acknowledge: median 6m · p90 9m (3 alerts)
Resolve: median 2h 00m · p90 2h 48m (3 resolved)
P2 (high): 4 declared · 2 resolved · 1 open
Acknowledge: —
Resolve: median 1h 00m · p90 1h 24m (2 resolved)
P3 (medium): no incidents
P4 (low): no incidents
not set: 1 declared · 1 resolved · 0 open
Acknowledge: median 4m · p90 4m (1 alerts)
Resolve: median 40m · p90 40m (1 resolved)
Incidents declared 2026-10-26 10:00 UTC – 2026-11-25 10:00 UTC. Time to acknowledge is measured on incidents opened by alerts only (people who declare an incident are on it already); time to resolve on resolved ones, declined incidents left out. Drills are not counted. Median and 90th percentile.`, e.lastReply())

	require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test",
		User: e.alice, Channel: "CGEN", Text: "stats 7日", Locale: "ja"}))
	require.Equal(t, `対応メトリクス（直近 7 日）

全優先度: 宣言 7 件 · 解決 4 件 · 対応中 2 件
確認まで: 中央値 6分 · p90 9分（アラート 3 件）
解決まで: 中央値 1時間30分 · p90 2時間42分（解決 4 件）
P1（緊急）: 宣言 4 件 · 解決 3 件 · 対応中 1 件
確認まで: 中央値 6分 · p90 9分（アラート 3 件）
解決まで: 中央値 2時間00分 · p90 2時間48分（解決 3 件）
P2（高）: 宣言 3 件 · 解決 1 件 · 対応中 1 件
確認まで: —
解決まで: 中央値 30分 · p90 30分（解決 1 件）
P3（中）: インシデントなし
P4（低）: インシデントなし
対象: 2026-11-18 10:00 UTC 〜 2026-11-25 10:00 UTC に宣言されたインシデント。確認までの時間はアラートで起票されたインシデントだけで測ります（人が宣言したインシデントは宣言した時点で対応が始まっているため）。解決までの時間は解決したインシデントで測り、却下されたものは除きます。訓練（ドリル）は数えません。中央値と 90 パーセンタイル。`, e.lastReply())

	// Any channel, no incident needed; an incident channel works too.
	e.must(e.bob, "CRANDOM", "stats 90")
	require.True(t, strings.HasPrefix(e.lastReply(), "Response metrics, last 90 days\n"), e.lastReply())
	require.Contains(t, e.lastReply(), "P3 (medium): 1 declared · 1 resolved · 0 open\nAcknowledge: median 1m · p90 1m (1 alerts)")
	e.must(e.bob, "CRANDOM", "metrics 30d")
	require.True(t, strings.HasPrefix(e.lastReply(), "Response metrics, last 30 days\n"), e.lastReply())

	// The insights page's windows, in weeks.
	e.must(e.bob, "CRANDOM", "stats 4w")
	require.True(t, strings.HasPrefix(e.lastReply(), "Response metrics, last 28 days\n"), e.lastReply())
	e.must(e.bob, "CRANDOM", "stats 12週")
	require.True(t, strings.HasPrefix(e.lastReply(), "Response metrics, last 84 days\n"), e.lastReply())

	for _, bad := range []string{"stats 14", "stats all", "stats 7 30", "stats -7", "stats 5w", "stats w"} {
		err := e.run(e.alice, "CGEN", bad)
		require.Equal(t, bot.CodeUsage, bot.CodeOf(err), bad)
		require.Contains(t, e.lastReply(), "Usage: `stats [7|30|90|4w|12w|52w]`", bad)
	}

	e.must(e.alice, "CGEN", "help stats")
	require.Contains(t, e.lastReply(), "Response metrics for the last 7, 30 or 90 days")
}

func TestStatsCommandEmpty(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(e.alice, "CGEN", "stats 7")
	c, ok := e.p.Last("Reply")
	require.True(t, ok)
	require.Equal(t, "No incidents were declared in the last 7 days.", c.Msg.Text)
	require.Empty(t, c.Msg.Fields)
	require.Equal(t, "Response metrics, last 7 days", c.Msg.Title)
	require.Contains(t, bottest.Text(c.Msg), "2026-11-18 10:00 UTC – 2026-11-25 10:00 UTC")
}

// TestResponseHistograms: the store observes time to acknowledge when an
// incident first gets AckedAt (it leaves triage) and time to resolve when
// it moves into resolved; drills and incidents declared by people (acked
// when created) add no acknowledgement time.
func TestResponseHistograms(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	created := e.now.Add(-time.Hour)
	update := func(id int64, fn func(inc *bot.Incident)) {
		t.Helper()
		_, err := e.st.Update(ctx, id, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
			fn(inc)
			return nil, nil
		})
		require.NoError(t, err)
	}

	alert := statsCreate(t, e, &bot.Incident{Title: "alert", Status: bot.StatusTriage, Priority: bot.P1,
		Source: "alert:grafana", Platform: "test", CreatedAt: created})
	update(alert.ID, func(inc *bot.Incident) {
		inc.Status, inc.AckedAt = bot.StatusInvestigating, created.Add(10*time.Minute)
	})
	update(alert.ID, func(inc *bot.Incident) { inc.AckedAt = created.Add(time.Hour) }) // not the first time: no sample
	update(alert.ID, func(inc *bot.Incident) { inc.Status, inc.ResolvedAt = bot.StatusResolved, created.Add(50*time.Minute) })
	update(alert.ID, func(inc *bot.Incident) { inc.Summary = "still resolved: no second sample" })

	declared := statsCreate(t, e, &bot.Incident{Title: "declared", Status: bot.StatusInvestigating, Priority: bot.P2,
		Source: "manual", Platform: "test", CreatedAt: created, AckedAt: created})
	update(declared.ID, func(inc *bot.Incident) { inc.Status, inc.ResolvedAt = bot.StatusResolved, created.Add(26*time.Hour) })

	drill := statsCreate(t, e, &bot.Incident{Title: "drill", Status: bot.StatusTriage, Priority: bot.P1,
		Source: "alert:drill", Platform: "test", CreatedAt: created, Drill: true})
	update(drill.ID, func(inc *bot.Incident) { inc.Status, inc.AckedAt = bot.StatusInvestigating, created.Add(time.Minute) })
	update(drill.ID, func(inc *bot.Incident) { inc.Status, inc.ResolvedAt = bot.StatusResolved, created.Add(2*time.Minute) })

	want := `
# HELP warroom_time_to_acknowledge_seconds Time from an incident's creation to its acknowledgement, observed when it leaves triage, by priority.
# TYPE warroom_time_to_acknowledge_seconds histogram
warroom_time_to_acknowledge_seconds_bucket{priority="P1",le="30"} 0
warroom_time_to_acknowledge_seconds_bucket{priority="P1",le="60"} 0
warroom_time_to_acknowledge_seconds_bucket{priority="P1",le="120"} 0
warroom_time_to_acknowledge_seconds_bucket{priority="P1",le="300"} 0
warroom_time_to_acknowledge_seconds_bucket{priority="P1",le="600"} 1
warroom_time_to_acknowledge_seconds_bucket{priority="P1",le="900"} 1
warroom_time_to_acknowledge_seconds_bucket{priority="P1",le="1800"} 1
warroom_time_to_acknowledge_seconds_bucket{priority="P1",le="3600"} 1
warroom_time_to_acknowledge_seconds_bucket{priority="P1",le="7200"} 1
warroom_time_to_acknowledge_seconds_bucket{priority="P1",le="14400"} 1
warroom_time_to_acknowledge_seconds_bucket{priority="P1",le="28800"} 1
warroom_time_to_acknowledge_seconds_bucket{priority="P1",le="43200"} 1
warroom_time_to_acknowledge_seconds_bucket{priority="P1",le="86400"} 1
warroom_time_to_acknowledge_seconds_bucket{priority="P1",le="+Inf"} 1
warroom_time_to_acknowledge_seconds_sum{priority="P1"} 600
warroom_time_to_acknowledge_seconds_count{priority="P1"} 1
# HELP warroom_time_to_resolve_seconds Time from an incident's creation to its resolution, observed when it moves into resolved, by priority.
# TYPE warroom_time_to_resolve_seconds histogram
warroom_time_to_resolve_seconds_bucket{priority="P1",le="30"} 0
warroom_time_to_resolve_seconds_bucket{priority="P1",le="60"} 0
warroom_time_to_resolve_seconds_bucket{priority="P1",le="120"} 0
warroom_time_to_resolve_seconds_bucket{priority="P1",le="300"} 0
warroom_time_to_resolve_seconds_bucket{priority="P1",le="600"} 0
warroom_time_to_resolve_seconds_bucket{priority="P1",le="900"} 0
warroom_time_to_resolve_seconds_bucket{priority="P1",le="1800"} 0
warroom_time_to_resolve_seconds_bucket{priority="P1",le="3600"} 1
warroom_time_to_resolve_seconds_bucket{priority="P1",le="7200"} 1
warroom_time_to_resolve_seconds_bucket{priority="P1",le="14400"} 1
warroom_time_to_resolve_seconds_bucket{priority="P1",le="28800"} 1
warroom_time_to_resolve_seconds_bucket{priority="P1",le="43200"} 1
warroom_time_to_resolve_seconds_bucket{priority="P1",le="86400"} 1
warroom_time_to_resolve_seconds_bucket{priority="P1",le="+Inf"} 1
warroom_time_to_resolve_seconds_sum{priority="P1"} 3000
warroom_time_to_resolve_seconds_count{priority="P1"} 1
warroom_time_to_resolve_seconds_bucket{priority="P2",le="30"} 0
warroom_time_to_resolve_seconds_bucket{priority="P2",le="60"} 0
warroom_time_to_resolve_seconds_bucket{priority="P2",le="120"} 0
warroom_time_to_resolve_seconds_bucket{priority="P2",le="300"} 0
warroom_time_to_resolve_seconds_bucket{priority="P2",le="600"} 0
warroom_time_to_resolve_seconds_bucket{priority="P2",le="900"} 0
warroom_time_to_resolve_seconds_bucket{priority="P2",le="1800"} 0
warroom_time_to_resolve_seconds_bucket{priority="P2",le="3600"} 0
warroom_time_to_resolve_seconds_bucket{priority="P2",le="7200"} 0
warroom_time_to_resolve_seconds_bucket{priority="P2",le="14400"} 0
warroom_time_to_resolve_seconds_bucket{priority="P2",le="28800"} 0
warroom_time_to_resolve_seconds_bucket{priority="P2",le="43200"} 0
warroom_time_to_resolve_seconds_bucket{priority="P2",le="86400"} 0
warroom_time_to_resolve_seconds_bucket{priority="P2",le="+Inf"} 1
warroom_time_to_resolve_seconds_sum{priority="P2"} 93600
warroom_time_to_resolve_seconds_count{priority="P2"} 1
`
	require.NoError(t, testutil.CollectAndCompare(e.st.Collector(), strings.NewReader(want),
		"warroom_time_to_acknowledge_seconds", "warroom_time_to_resolve_seconds"))
}

package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
	"github.com/warroomhq/warroom/store"
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

	for _, bad := range []string{"stats 14", "stats all", "stats 7 30", "stats -7"} {
		err := e.run(e.alice, "CGEN", bad)
		require.Equal(t, bot.CodeUsage, bot.CodeOf(err), bad)
		require.Contains(t, e.lastReply(), "Usage: `stats [7|30|90]`", bad)
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

func TestAPIStats(t *testing.T) {
	e := newEnv(t, Options{})
	statsFixture(t, e)
	h := e.svc.API("secret")
	auth := []string{"Authorization", "Bearer secret"}

	res := apiDo(t, h, http.MethodGet, "/api/stats", auth...)
	require.Equal(t, http.StatusOK, res.Status, res.Body)
	require.JSONEq(t, `{
		"days": 30, "from": "2026-10-26T10:00:00.000Z", "to": "2026-11-25T10:00:00.000Z",
		"overall": {"declared": 9, "resolved": 6, "open": 2,
			"tta_count": 4, "tta_median_seconds": 300, "tta_p90_seconds": 528,
			"ttr_count": 6, "ttr_median_seconds": 4500, "ttr_p90_seconds": 9000},
		"by_priority": {
			"P1": {"declared": 4, "resolved": 3, "open": 1,
				"tta_count": 3, "tta_median_seconds": 360, "tta_p90_seconds": 552,
				"ttr_count": 3, "ttr_median_seconds": 7200, "ttr_p90_seconds": 10080},
			"P2": {"declared": 4, "resolved": 2, "open": 1,
				"tta_count": 0, "tta_median_seconds": null, "tta_p90_seconds": null,
				"ttr_count": 2, "ttr_median_seconds": 3600, "ttr_p90_seconds": 5040},
			"P3": {"declared": 0, "resolved": 0, "open": 0,
				"tta_count": 0, "tta_median_seconds": null, "tta_p90_seconds": null,
				"ttr_count": 0, "ttr_median_seconds": null, "ttr_p90_seconds": null},
			"P4": {"declared": 0, "resolved": 0, "open": 0,
				"tta_count": 0, "tta_median_seconds": null, "tta_p90_seconds": null,
				"ttr_count": 0, "ttr_median_seconds": null, "ttr_p90_seconds": null},
			"none": {"declared": 1, "resolved": 1, "open": 0,
				"tta_count": 1, "tta_median_seconds": 240, "tta_p90_seconds": 240,
				"ttr_count": 1, "ttr_median_seconds": 2400, "ttr_p90_seconds": 2400}
		}
	}`, res.Body)

	res = apiDo(t, h, http.MethodGet, "/api/stats?days=7", auth...)
	require.Equal(t, http.StatusOK, res.Status, res.Body)
	require.Contains(t, res.Body, `"days":7,"from":"2026-11-18T10:00:00.000Z"`)
	require.Contains(t, res.Body, `"overall":{"declared":7,"resolved":4,"open":2,"tta_count":3,"tta_median_seconds":360,"tta_p90_seconds":552,"ttr_count":4,"ttr_median_seconds":5400,"ttr_p90_seconds":9720}`)
	require.NotContains(t, res.Body, `"none"`)

	res = apiDo(t, h, http.MethodGet, "/api/stats?days=90", auth...)
	require.Equal(t, http.StatusOK, res.Status, res.Body)
	require.Contains(t, res.Body, `"P3":{"declared":1,"resolved":1,"open":0,"tta_count":1,"tta_median_seconds":60,"tta_p90_seconds":60,"ttr_count":1,"ttr_median_seconds":1200,"ttr_p90_seconds":1200}`)

	for _, bad := range []string{"14", "", "thirty", "-30", "30.0"} {
		res := apiDo(t, h, http.MethodGet, "/api/stats?days="+bad, auth...)
		require.Equal(t, http.StatusBadRequest, res.Status, bad)
		code, msg := apiErr(t, res)
		require.Equal(t, "bad_request", code)
		require.Equal(t, `days must be 7, 30 or 90, not "`+bad+`"`, msg)
	}

	res = apiDo(t, h, http.MethodGet, "/api/stats")
	require.Equal(t, http.StatusUnauthorized, res.Status)
	res = apiDo(t, h, http.MethodPost, "/api/stats", auth...)
	require.Equal(t, http.StatusMethodNotAllowed, res.Status)
}

func TestAPIStatsUnavailable(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond, MaxRetries: -1,
		DialerRetries: 1, DialerRetryTimeout: time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	st, err := store.New(rdb, store.Options{})
	require.NoError(t, err)
	res := apiDo(t, newAPIService(t, st, Options{}).API(""), http.MethodGet, "/api/stats?days=7")
	require.Equal(t, http.StatusServiceUnavailable, res.Status, res.Body)
	code, _ := apiErr(t, res)
	require.Equal(t, "unavailable", code)
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

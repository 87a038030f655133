package handlers

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
)

// fastDrills runs a drill's five minutes in a few tens of milliseconds.
const fastDrills = 10000

// drillInOrder asserts that each string occurs in s after the previous one.
func drillInOrder(t *testing.T, s string, want ...string) {
	t.Helper()
	rest := s
	for _, w := range want {
		i := strings.Index(rest, w)
		require.GreaterOrEqual(t, i, 0, "%q missing or out of order in:\n%s", w, s)
		rest = rest[i+len(w):]
	}
}

// waitDrill waits until incident id's script has ended.
func (e *env) waitDrill(id int64) {
	e.t.Helper()
	done := e.svc.drillDone(id)
	if done == nil {
		return
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		e.t.Fatal("the drill's script did not end")
	}
}

// drillPosts are the texts posted in channel, flattened.
func (e *env) drillPosts(channel string) []string {
	e.t.Helper()
	var out []string
	for _, c := range e.p.Calls("Post") {
		if c.Channel == channel {
			out = append(out, bottest.Text(c.Msg))
		}
	}
	return out
}

// drillMetric sums the samples of the store's metric name (which must exist).
func (e *env) drillMetric(name string) float64 {
	e.t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(e.t, reg.Register(e.st.Collector()))
	families, err := reg.Gather()
	require.NoError(e.t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		var sum float64
		for _, m := range f.GetMetric() {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
		return sum
	}
	e.t.Fatalf("no metric %s", name)
	return 0
}

func TestDrillScenariosShip(t *testing.T) {
	all, err := scenarios()
	require.NoError(t, err)
	var names []string
	for _, sc := range all {
		names = append(names, sc.Name)
		require.GreaterOrEqual(t, len(sc.Script), 3, sc.Name)
		require.LessOrEqual(t, len(sc.Script), 6, sc.Name)
		texts := []localized{sc.Title, sc.Description}
		for _, st := range sc.Script {
			if st.Alert != nil {
				texts = append(texts, st.Alert.Title)
				require.NotEmpty(t, st.Alert.Labels["alertname"], sc.Name)
			} else {
				texts = append(texts, st.Message.Text)
			}
		}
		for _, tx := range texts {
			for _, l := range bot.Langs {
				require.NotEmpty(t, strings.TrimSpace(tx[string(l)]), "%s: every text in %s", sc.Name, l)
			}
		}
	}
	require.Equal(t, []string{"bad-deploy", "db-down", "tls-expired"}, names)
}

func TestDrillScenarioErrors(t *testing.T) {
	good := "name: x\ntitle: {en: X}\npriority: P2\ntargets: {acknowledge: 1m, first_update: 2m, resolve: 3m}\n" +
		"script:\n  - after: 0s\n    message: {author: bot, text: {en: hi}}\n"
	sc, err := parseScenario([]byte(good))
	require.NoError(t, err)
	require.Equal(t, bot.P2, sc.priority)
	require.Equal(t, time.Minute, sc.Targets.Acknowledge)
	require.Equal(t, "hi", sc.Script[0].Message.Text.in(bot.Japanese), "falls back to English")

	for _, tc := range []struct{ yaml, says string }{
		{strings.Replace(good, "priority: P2", "priority: P9", 1), "priority \"P9\""},
		{strings.Replace(good, "name: x", "name: X Y", 1), "name \"X Y\""},
		{strings.Replace(good, "resolve: 3m", "resolve: 0s", 1), "targets"},
		{strings.Replace(good, "after: 0s", "afterwards: 0s", 1), "field afterwards not found"},
		{good + "  - after: 1m\n    message: {author: bot, text: {en: a}}\n    alert: {title: {en: b}}\n", "exactly one of alert or message"},
		{strings.Replace(good, "after: 0s", "after: 1m", 1) + "  - after: 30s\n    alert: {title: {en: b}, status: loud}\n", "before the previous step"},
		{good + "  - after: 1m\n    alert: {title: {en: b}, status: loud}\n", "status \"loud\""},
		{good + "  - after: 1m\n    message: {author: \"\", text: {ja: こんにちは}}\n", "author is required"},
	} {
		_, err := parseScenario([]byte(tc.yaml))
		require.ErrorContains(t, err, tc.says)
	}

	_, err = loadScenarios(fstest.MapFS{"drills/a.yaml": {Data: []byte(good)}, "drills/b.yaml": {Data: []byte(good)}})
	require.ErrorContains(t, err, "name \"x\" used twice")
}

func TestDrillList(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(e.alice, "CGEN", "drill list")
	out := e.lastReply()
	require.Contains(t, out, "Drill scenarios")
	require.Contains(t, out, "• *db-down* — Database primary unreachable (P1 (critical)), 5 steps. Targets: acknowledge 5m, first update 15m, resolve 45m")
	require.Contains(t, out, "• *tls-expired* — TLS certificate expired on the API (P1 (critical))")
	require.Contains(t, out, "• *bad-deploy* — Errors after a deploy of checkout (P2 (high)), 5 steps. Targets: acknowledge 5m, first update 10m, resolve 30m")
	require.Contains(t, out, "Start one with `drill <name>`")

	e.must(e.alice, "CGEN", "drill")
	require.Equal(t, out, e.lastReply(), "drill alone lists them too")

	require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.alice,
		Channel: "CGEN", Text: "drill list", Locale: "ja"}))
	require.Contains(t, e.lastReply(), "• *db-down* — データベースのプライマリに接続できない（P1")
	require.Empty(t, e.incidents(), "listing starts nothing")
}

func TestDrillUnknownScenario(t *testing.T) {
	e := newEnv(t, Options{})
	err := e.run(e.alice, "CGEN", "drill db-up")
	require.Equal(t, codeUnknownDrill, bot.CodeOf(err))
	require.Contains(t, e.lastReply(), "There is no drill scenario `db-up`. Scenarios: bad-deploy, db-down, tls-expired.")
	require.Empty(t, e.incidents())
	require.Empty(t, e.p.Calls("CreateChannel"))
}

// TestDrillDBDown runs db-down end to end through the router: the
// incident is a drill in a drill- channel, the script arrives in order,
// and acknowledging, an update and resolving produce the report.
func TestDrillDBDown(t *testing.T) {
	e := newEnv(t, Options{DrillSpeed: fastDrills, ChannelPrefix: "incident", Announce: map[string]string{"test": "CANN"}})
	start := e.now
	e.must(e.alice, "CGEN", "drill db-down")
	incs := e.incidents()
	require.Len(t, incs, 1)
	inc := incs[0]
	ch := inc.Channel.ID
	e.waitDrill(inc.ID)

	inc = e.get(inc.ID)
	require.True(t, inc.Drill)
	require.Equal(t, bot.StatusTriage, inc.Status, "acknowledging is practised")
	require.True(t, inc.AckedAt.IsZero())
	require.Equal(t, bot.P1, inc.Priority)
	require.Equal(t, "Database primary unreachable", inc.Title)
	require.Equal(t, "drill-20261125-1-database-primary-unreachable", inc.Channel.Name, "never the channel prefix")
	require.Equal(t, e.alice, inc.DeclaredBy)
	_, led := inc.Holder(bot.RoleCommander)
	require.False(t, led)

	invite, _ := e.p.Last("Invite")
	require.Equal(t, []string{"U1"}, invite.Users, "whoever starts a drill is in it")
	topic, _ := e.p.Last("SetTopic")
	require.True(t, strings.HasPrefix(topic.Topic, "🧪 DRILL INC-1 | P1 (critical) | triage |"), topic.Topic)
	require.Contains(t, e.lastReply(), "🧪 Started drill INC-1 “Database primary unreachable” → #drill-20261125-1")

	posts := e.drillPosts(ch)
	require.True(t, strings.HasPrefix(posts[0], "🧪 DRILL 🚨 INC-1: Database primary unreachable"), posts[0])
	require.Contains(t, posts[0], "[Acknowledge]")
	require.True(t, strings.HasPrefix(posts[1], "\n🧪 DRILL — this is a practice incident"), posts[1])
	require.Contains(t, posts[1], "Targets: acknowledge within 5m, first status update within 15m, resolve within 45m.")
	said := posts[2:]
	require.Len(t, said, 3, "one post per message step")
	for _, p := range said {
		require.True(t, strings.HasPrefix(p, "\n🧪 DRILL · *"), p)
	}
	require.Contains(t, said[0], "*db-bot*: Health check failed 3 times")
	require.Contains(t, said[1], "*support-desk*: Customers report")
	require.Contains(t, said[2], "*db-bot*: Automatic failover did not start")
	for _, c := range e.p.Calls("Post") {
		require.NotEqual(t, "CANN", c.Channel, "a drill is not announced")
	}

	var script []string
	for _, en := range e.timeline(inc.ID) {
		switch en.Kind {
		case bot.KindAlert:
			require.Equal(t, "drill", en.Data["source"])
			script = append(script, "alert "+en.Data["fingerprint"]+" "+en.Data["status"])
		case bot.KindMessage:
			require.Equal(t, "db-down", en.Data["drill"], "marked as a drill")
			script = append(script, "message "+en.Author.ID+" "+en.Data["step"])
		}
	}
	require.Equal(t, []string{
		"alert PostgresPrimaryDown firing",
		"message drill:db-bot 2",
		"alert CheckoutErrorRate firing",
		"message drill:support-desk 4",
		"message drill:db-bot 5",
	}, script, "in the script's order")

	// The team responds: bob acknowledges after 3 minutes (and so leads),
	// alice takes the scribe's role, bob posts an update at 12 minutes,
	// alice takes over command at 20 and bob resolves at 50, over the
	// 45-minute target.
	e.now = start.Add(3 * time.Minute)
	e.must(e.bob, ch, "ack")
	e.now = start.Add(8 * time.Minute)
	e.must(e.alice, ch, "role scribe me")
	e.now = start.Add(12 * time.Minute)
	e.must(e.bob, ch, "update promoting db-main-2 by hand")
	e.now = start.Add(20 * time.Minute)
	e.must(e.alice, ch, "role commander me")
	e.now = start.Add(50 * time.Minute)
	e.must(e.bob, ch, "resolve db-main-2 promoted; db-main-1 replaced")

	last, _ := e.p.Last("Post")
	require.Equal(t, ch, last.Channel)
	report := bottest.Text(last.Msg)
	require.Equal(t, "🧪 DRILL report — INC-1: Database primary unreachable", last.Msg.Title)
	drillInOrder(t, report,
		"The drill “db-down” ended (resolved).",
		"Who took which role:",
		"• Commander: bob, 3m after the start (2026-11-25 10:03 UTC)",
		"• Scribe: alice, 8m after the start (2026-11-25 10:08 UTC)",
		"• Commander: alice, 20m after the start (2026-11-25 10:20 UTC)",
	)
	for _, want := range []string{
		"Time to acknowledge: 3m (target 5m) ✅",
		"Time to first status update: 12m (target 15m) ✅",
		"Time to resolve: 50m (target 45m) ⚠️",
		"INC-1 was a drill: it is left out of stats, metrics and search.",
	} {
		require.Contains(t, report, want)
	}
	card, _ := e.p.Last("Update")
	require.True(t, strings.HasPrefix(card.Msg.Title, "🧪 DRILL 🚨 INC-1"), "the card stays marked")

	// Drills stay out of the store's metrics.
	for _, name := range []string{"warroom_incidents_opened_total", "warroom_incidents_resolved_total", "warroom_incidents_open"} {
		require.Zero(t, e.drillMetric(name), name)
	}

	// Search leaves the drill out unless asked; similar-incident hints too.
	e.must(e.bob, "CGEN", "search database")
	require.Contains(t, e.lastReply(), "No incidents match “database”")
	e.must(e.bob, "CGEN", "search db-main-2")
	require.Contains(t, e.lastReply(), "No incidents match")
	e.must(e.bob, "CGEN", "search --drills database primary")
	out := e.lastReply()
	require.Contains(t, out, "Drills matching “database primary”")
	require.Contains(t, out, "*INC-1* 🧪 DRILL Database primary unreachable — resolved, P1 (critical)")
	require.Contains(t, out, "↳ Resolved: db-main-2 promoted; db-main-1 replaced")
	e.must(e.bob, "CGEN", "search --drills certificate")
	require.Contains(t, e.lastReply(), "No drills match “certificate”")

	real := e.declare("Database primary unreachable again P1")
	require.Empty(t, e.similarPosts(real.Channel.ID), "a drill is no precedent")
	e.must(e.alice, real.Channel.ID, "resolve failed over")
	e.must(e.bob, "CGEN", "search database")
	out = e.lastReply()
	require.Contains(t, out, "*INC-2* Database primary unreachable again")
	require.NotContains(t, out, "INC-1")
}

// TestDrillLeftOutOfStats: stats after a drill say what they say with no
// incident at all.
func TestDrillLeftOutOfStats(t *testing.T) {
	if _, ok := newEnv(t, Options{}).r.Lookup("stats"); !ok {
		t.Skip("no stats command")
	}
	e := newEnv(t, Options{DrillSpeed: fastDrills})
	e.must(e.alice, "CGEN", "drill bad-deploy")
	inc := e.incidents()[0]
	e.waitDrill(inc.ID)
	e.must(e.alice, inc.Channel.ID, "ack")
	e.must(e.alice, inc.Channel.ID, "resolve rolled back")
	e.must(e.alice, "CGEN", "stats")
	withDrill := e.lastReply()

	empty := newEnv(t, Options{})
	empty.must(empty.alice, "CGEN", "stats")
	require.Equal(t, empty.lastReply(), withDrill)
}

// TestDrillJapanese: a drill started in Japanese speaks Japanese to the
// end, whoever resolves it. (Its card, shared by everybody, is in the
// workspace's language, Japanese here.)
func TestDrillJapanese(t *testing.T) {
	e := newEnv(t, Options{DrillSpeed: fastDrills, Lang: bot.Japanese})
	require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.alice,
		Channel: "CGEN", Text: "drill tls-expired", Locale: "ja"}))
	inc := e.incidents()[0]
	e.waitDrill(inc.ID)
	require.Equal(t, "API の TLS 証明書の期限切れ", inc.Title)
	require.Equal(t, "drill-20261125-1-api-tls", inc.Channel.Name)
	posts := e.drillPosts(inc.Channel.ID)
	require.True(t, strings.HasPrefix(posts[0], "🧪 訓練 🚨 INC-1"), posts[0])
	require.Contains(t, posts[1], "🧪 訓練 — これは訓練用のインシデントで、実際の障害ではありません。")
	require.Contains(t, strings.Join(posts, "\n"), "🧪 訓練 · *cert-bot*: api.example.com の証明書更新ジョブは14日間毎日失敗しています")

	e.must(e.bob, inc.Channel.ID, "decline not today")
	last, _ := e.p.Last("Post")
	require.Equal(t, "🧪 訓練レポート — INC-1: API の TLS 証明書の期限切れ", last.Msg.Title)
	report := bottest.Text(last.Msg)
	require.Contains(t, report, "訓練「tls-expired」が終了しました（却下）")
	require.Contains(t, report, "確認応答までの時間: 未実施（目標 5分）⚠️")
	require.Contains(t, report, "解決までの時間: 未実施（目標 30分）⚠️")
	require.Contains(t, report, "• 役割を引き受けた人はいません。")
}

// TestDrillStopsWhenResolved: resolving a drill stops its script at once.
func TestDrillStopsWhenResolved(t *testing.T) {
	e := newEnv(t, Options{DrillSpeed: 1}) // real time: the second step is 30s away
	e.must(e.alice, "CGEN", "drill db-down")
	inc := e.incidents()[0]
	done := e.svc.drillDone(inc.ID)
	require.NotNil(t, done)
	e.must(e.alice, inc.Channel.ID, "resolve false start")
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("resolving did not stop the script")
	}
	for _, en := range e.timeline(inc.ID) {
		require.NotEqual(t, bot.KindMessage, en.Kind, "no step after the drill ended")
	}
	require.Nil(t, e.svc.drillDone(inc.ID))
}

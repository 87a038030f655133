package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

// seeded is one incident of the insights fixture, its times as offsets:
// created ago before the harness's clock, acknowledged and resolved
// after creation (0: not).
type seeded struct {
	priority        bot.Priority
	status          bot.Status
	source, service string
	ago             time.Duration
	acked, resolved time.Duration
	private, drill  bool
	// scenario names a drill's scenario, update is when its first status
	// update was posted.
	scenario string
	update   time.Duration
}

const day = 24 * time.Hour

// seed stores incs with known times straight in the store, and returns
// them as stored.
func (h *harness) seed(incs ...seeded) []*bot.Incident {
	h.t.Helper()
	ctx := context.Background()
	var out []*bot.Incident
	for _, f := range incs {
		id, err := h.st.NextID(ctx)
		require.NoError(h.t, err)
		created := h.now.Add(-f.ago)
		inc := &bot.Incident{ID: id, Title: fmt.Sprintf("Seeded incident %d", id), Status: f.status, Priority: f.priority,
			Platform: "test", Source: "manual", CreatedAt: created, UpdatedAt: created, AckedAt: created, Drill: f.drill,
			Private: f.private, DeclaredBy: alice}
		if f.private {
			inc.Title, inc.Members = "Payroll data exposed", []string{bob.ID}
		}
		if f.source != "" {
			inc.Source, inc.AckedAt = "alert:"+f.source, time.Time{}
			inc.Labels = map[string]string{"alertname": "HighErrorRate"}
			if f.service != "" {
				inc.Labels["service"] = f.service
			}
			if f.acked > 0 {
				inc.AckedAt = created.Add(f.acked)
			}
		}
		if f.resolved > 0 {
			inc.ResolvedAt = created.Add(f.resolved)
		}
		require.NoError(h.t, h.st.Create(ctx, inc))
		if f.scenario != "" {
			es := []bot.TimelineEntry{{Kind: bot.KindDeclared, At: created, Author: alice, Data: map[string]string{"drill": f.scenario, "lang": "en"}}}
			if f.update > 0 {
				es = append(es, bot.TimelineEntry{Kind: bot.KindUpdate, At: created.Add(f.update), Author: alice, Text: "rolling back"})
			}
			_, err := h.st.Append(ctx, id, es...)
			require.NoError(h.t, err)
		}
		out = append(out, inc)
	}
	return out
}

// followUp adds a follow-up to incident id, created ago before the clock,
// due on the day due (""), done and verified that long ago (0: not).
func (h *harness) followUp(id int64, ago time.Duration, due string, done, verified time.Duration) {
	h.t.Helper()
	ctx := context.Background()
	f := bot.FollowUp{Incident: id, Text: "add a canary", Owner: alice, CreatedBy: alice, CreatedAt: h.now.Add(-ago)}
	if due != "" {
		d, err := time.Parse(time.DateOnly, due)
		require.NoError(h.t, err)
		f.Due = d
	}
	added, err := h.st.AddFollowUp(ctx, f, func(*bot.FollowUp) []bot.TimelineEntry { return nil })
	require.NoError(h.t, err)
	if done == 0 {
		return
	}
	_, err = h.st.UpdateFollowUp(ctx, id, added.N, func(f *bot.FollowUp) ([]bot.TimelineEntry, error) {
		f.State, f.DoneAt, f.DoneBy = bot.FollowUpDone, h.now.Add(-done), alice
		if verified > 0 {
			f.State, f.VerifiedAt = bot.FollowUpVerified, h.now.Add(-verified)
		}
		return nil, nil
	})
	require.NoError(h.t, err)
}

// insightsWorld: with the clock at 2026-11-25 10:00 UTC, the last 4
// weeks (from 2026-10-28 10:00) hold four incidents anyone sees:
//
//	INC-1 P1 alertmanager/checkout, 2 days ago, acked 2m, resolved 1h
//	INC-2 P1 alertmanager/checkout, 3 days ago, acked 6m, resolved 3h (closed)
//	INC-3 P2 declared, 10 days ago, resolved 30m
//	INC-4 P3 cloudwatch/search, 20 days ago, acked 10m, still open
//
// and a drill (INC-5), a private P1 only bob is in (INC-6, resolved in
// 5h), a P2 40 days ago (INC-7), and a db-down drill 5 days ago that
// met its targets to acknowledge (3m of 5m) and to update (10m of 15m)
// but not to resolve (1h of 45m) (INC-8). INC-1 has an overdue follow-up and
// a verified one.
func insightsWorld(t *testing.T) *harness {
	h := newHarness(t)
	h.seed(
		seeded{priority: bot.P1, status: bot.StatusResolved, source: "alertmanager", service: "checkout", ago: 2 * day, acked: 2 * time.Minute, resolved: time.Hour},
		seeded{priority: bot.P1, status: bot.StatusClosed, source: "alertmanager", service: "checkout", ago: 3 * day, acked: 6 * time.Minute, resolved: 3 * time.Hour},
		seeded{priority: bot.P2, status: bot.StatusResolved, ago: 10 * day, resolved: 30 * time.Minute},
		seeded{priority: bot.P3, status: bot.StatusInvestigating, source: "cloudwatch", service: "search", ago: 20 * day, acked: 10 * time.Minute},
		seeded{priority: bot.P1, status: bot.StatusResolved, source: "alertmanager", ago: day, acked: time.Minute, resolved: 5 * time.Minute, drill: true},
		seeded{priority: bot.P1, status: bot.StatusResolved, ago: 2 * day, resolved: 5 * time.Hour, private: true},
		seeded{priority: bot.P2, status: bot.StatusResolved, ago: 40 * day, resolved: time.Hour},
		seeded{priority: bot.P1, status: bot.StatusResolved, source: "drill", ago: 5 * day, acked: 3 * time.Minute, update: 10 * time.Minute,
			resolved: time.Hour, drill: true, scenario: "db-down"},
	)
	h.followUp(1, 2*day, "2026-11-24", 0, 0)
	h.followUp(1, 2*day, "", day, day)
	return h
}

var rowRE = regexp.MustCompile(`<tr><th scope="row">([^<]*)</th>((?:<td>[^<]*</td>)*)</tr>`)
var cellRE = regexp.MustCompile(`<td>([^<]*)</td>`)

// tableRows are the rows of the table captioned caption, each its row
// header then its cells.
func tableRows(t *testing.T, body, caption string) [][]string {
	t.Helper()
	i := strings.Index(body, "<caption>"+caption+"</caption>")
	require.GreaterOrEqual(t, i, 0, "a table %q in\n%s", caption, body)
	tbl := body[i : i+strings.Index(body[i:], "</table>")]
	var out [][]string
	for _, m := range rowRE.FindAllStringSubmatch(tbl, -1) {
		row := []string{m[1]}
		for _, c := range cellRE.FindAllStringSubmatch(m[2], -1) {
			row = append(row, c[1])
		}
		out = append(out, row)
	}
	return out
}

// statsReply is what chat's `stats` answers user, field by field.
func (h *harness) statsReply(user bot.User, arg string) []bot.Field {
	h.t.Helper()
	h.say(user, "CGEN", "stats "+arg)
	c, ok := h.p.Last("Reply")
	require.True(h.t, ok)
	return c.Msg.Fields
}

// requireSameAsStats checks the page's totals table says what chat's
// stats says, row for field.
func requireSameAsStats(t *testing.T, rows [][]string, fields []bot.Field) {
	t.Helper()
	require.Len(t, rows, len(fields), "one row per field of stats")
	for i, f := range fields {
		row := rows[i]
		require.Equal(t, f.Label, row[0])
		if row[1] == "0" {
			require.Equal(t, "no incidents", f.Value, row[0])
			continue
		}
		require.Contains(t, f.Value, fmt.Sprintf("%s declared · %s resolved · %s open", row[1], row[2], row[3]), row[0])
		for j, name := range map[int]string{4: "Acknowledge", 6: "Resolve"} {
			want := name + ": —"
			if row[j] != "—" {
				want = fmt.Sprintf("%s: median %s · p90 %s (", name, row[j], row[j+1])
			}
			require.Contains(t, f.Value, want, row[0])
		}
	}
}

func TestInsightsNumbers(t *testing.T) {
	h := insightsWorld(t)
	b := h.signedIn(carol)
	res := b.get("/insights?weeks=4&lang=en")
	require.Equal(t, http.StatusOK, res.status, res.body)
	body := res.body

	totals := tableRows(t, body, "Response metrics, last 28 days")
	require.Equal(t, []string{"All priorities", "4", "3", "1", "6m", "9m", "1h 00m", "2h 36m"}, totals[0])
	require.Equal(t, []string{"P1 (critical)", "2", "2", "0", "4m", "5m", "2h 00m", "2h 48m"}, totals[1])
	requireSameAsStats(t, totals, h.statsReply(carol, "4w"))

	require.Equal(t, [][]string{
		{"2026-10-28", "0", "0", "0", "0", "0"},
		{"2026-11-04", "0", "0", "1", "0", "1"},
		{"2026-11-11", "0", "1", "0", "0", "1"},
		{"2026-11-18", "2", "0", "0", "0", "2"},
	}, tableRows(t, body, "Incidents per week by priority"), "drills and the private incident left out")
	require.Equal(t, []string{"2026-11-18", "2", "4m", "5m"}, tableRows(t, body, "Time to acknowledge per week")[3])
	require.Equal(t, []string{"2026-11-11", "1", "30m", "30m"}, tableRows(t, body, "Time to resolve per week")[2])
	require.Equal(t, []string{"2026-10-28", "0", "—", "—"}, tableRows(t, body, "Time to resolve per week")[0])
	require.Equal(t, [][]string{{"alertmanager", "2"}, {"Declared by a person", "1"}, {"cloudwatch", "1"}},
		tableRows(t, body, "Incidents by source"))
	require.Equal(t, [][]string{{"checkout", "2"}, {"No service label", "1"}, {"search", "1"}},
		tableRows(t, body, "Incidents by service"))
	require.Equal(t, [][]string{
		{"2026-11-04", "0", "0", "0"}, {"2026-11-11", "0", "0", "0"}, {"2026-11-18", "0", "0", "0"}, {"2026-11-25", "1", "1", "1"},
	}, tableRows(t, body, "Follow-ups over time"))
	require.Equal(t, [][]string{{"INC-8", "2026-11-20", "db-down", "67% of 3 targets"}, {"INC-5", "2026-11-24", "", "—"}},
		tableRows(t, body, "Drill scores"), "the drills, oldest first; one of no known scenario is unscored")

	// Every chart is an SVG beside its table.
	require.Equal(t, 7, strings.Count(body, `<svg viewBox=`), body)
	require.Contains(t, body, `<rect class="p1" `)
	require.Contains(t, body, `<polyline class="s-p90" points="`)
	require.NotContains(t, body, "Payroll", "nothing of the private incident")
	require.NotContains(t, body, "style=", "the CSP allows no inline style")

	// The windows, and a week-count chat's stats also takes.
	for _, weeks := range []string{"12", "52"} {
		res := b.get("/insights?weeks=" + weeks)
		require.Equal(t, http.StatusOK, res.status)
		n := map[string]string{"12": "84", "52": "364"}[weeks]
		rows := tableRows(t, res.body, "Response metrics, last "+n+" days")
		requireSameAsStats(t, rows, h.statsReply(carol, weeks+"w"))
	}
	res = b.get("/insights")
	require.Contains(t, res.body, `href="/insights?weeks=12" aria-current="true"`, "12 weeks unless asked")
	require.Len(t, tableRows(t, res.body, "Incidents per week by priority"), 12)
	require.Equal(t, "5", tableRows(t, res.body, "Response metrics, last 84 days")[0][1], "40 days ago is in 12 weeks")
}

func TestInsightsCountPrivateIncidentsOnlyForTheirAudience(t *testing.T) {
	h := insightsWorld(t)
	outsider := h.signedIn(carol).get("/insights?weeks=4")
	member := h.signedIn(bob)
	res := member.get("/insights?weeks=4")
	require.Equal(t, http.StatusOK, res.status)
	totals := tableRows(t, res.body, "Response metrics, last 28 days")
	require.Equal(t, []string{"All priorities", "5", "4", "1", "6m", "9m", "2h 00m", "4h 24m"}, totals[0], "bob is in INC-6")
	requireSameAsStats(t, totals, h.statsReply(bob, "4w"))
	require.Equal(t, []string{"2026-11-18", "3", "0", "0", "0", "3"}, tableRows(t, res.body, "Incidents per week by priority")[3])
	require.Equal(t, "4", tableRows(t, outsider.body, "Response metrics, last 28 days")[0][1], "carol is not")
	require.Equal(t, []string{"2026-11-18", "2", "0", "0", "0", "2"}, tableRows(t, outsider.body, "Incidents per week by priority")[3])
}

func TestInsightsRefusals(t *testing.T) {
	h := insightsWorld(t)
	// No session, or one that ended: sent to sign in, nothing shown.
	anon := h.browser()
	res := anon.get("/insights?weeks=4")
	require.Equal(t, http.StatusSeeOther, res.status)
	require.Equal(t, "/signin", res.header.Get("Location"))
	require.NotContains(t, res.body, "alertmanager")
	forged := h.browser()
	u, err := url.Parse(h.srv.URL)
	require.NoError(t, err)
	forged.c.Jar.SetCookies(u, []*http.Cookie{{Name: "warroom_session", Value: strings.Repeat("A", 43)}})
	res = forged.get("/insights")
	require.Equal(t, http.StatusSeeOther, res.status)

	// A window the page does not offer: a clear error, in the person's
	// language, and no numbers.
	b := h.signedIn(carol)
	for _, bad := range []string{"5", "0", "-4", "abc", "4w"} {
		res := b.get("/insights?weeks=" + bad + "&lang=en")
		require.Equal(t, http.StatusBadRequest, res.status, bad)
		require.Contains(t, res.body, "The window must be 4, 12 or 52 weeks", bad)
		require.NotContains(t, res.body, "<svg", bad)
	}
	res = b.get("/insights?weeks=%3Cscript%3E&lang=ja")
	require.Equal(t, http.StatusBadRequest, res.status)
	require.Contains(t, res.body, "期間は 4・12・52 週間のいずれかです")
	require.Contains(t, res.body, "&lt;script&gt;")
	require.NotContains(t, res.body, "<script>")
}

func TestInsightsInJapanese(t *testing.T) {
	h := insightsWorld(t)
	res := h.signedIn(carol).get("/insights?weeks=4&lang=ja")
	require.Equal(t, http.StatusOK, res.status)
	totals := tableRows(t, res.body, "対応メトリクス（直近 28 日）")
	require.Equal(t, []string{"全優先度", "4", "3", "1", "6分", "9分", "1時間00分", "2時間36分"}, totals[0])
	require.Contains(t, res.body, "週ごとのインシデント数（優先度別）")
	require.Equal(t, []string{"人が宣言", "1"}, tableRows(t, res.body, "起票元ごとのインシデント数")[1])
	require.Contains(t, res.body, `>5時間<`, "the axis of the time to resolve, in hours")
}

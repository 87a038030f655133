package web

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/warroomhq/warroom/bot"
)

// insightsWeeks are the windows the page offers, in weeks, and the one it
// opens with.
var insightsWeeks = []int{4, 12, 52}

const insightsDefault = 12

type insightsView struct {
	Weeks   int
	Windows []windowLink
	Error   string
	Range   string
	Totals  table
	Charts  []chart
}

type windowLink struct {
	Label, URL string
	Current    bool
}

// insights serves GET /insights?weeks=4|12|52: how the team responds,
// charted, each chart beside the table of its numbers. Its numbers are
// chat's `stats` for the same window, for the same person: a private
// incident outside the viewer's audience is in none of them.
func (s *Server) insights(w http.ResponseWriter, r *http.Request, sess *session) {
	v := s.signedInView(r, sess, "web.insights.title")
	body := &insightsView{Weeks: insightsDefault}
	v.Body = body
	if q := r.URL.Query(); q.Has("weeks") {
		n, err := strconv.Atoi(q.Get("weeks"))
		if err != nil || !slices.Contains(insightsWeeks, n) {
			body.Error = v.L.T("web.insights.bad_weeks", "value", clip(q.Get("weeks"), 20))
			body.Windows = windowLinks(v.L, 0)
			s.render(w, r, http.StatusBadRequest, "insights", v)
			return
		}
		body.Weeks = n
	}
	body.Windows = windowLinks(v.L, body.Weeks)
	in, err := s.opts.Incidents.Insights(r.Context(), sess.Viewer, body.Weeks)
	if err != nil {
		s.fail(w, r, &sess.Viewer, err)
		return
	}
	body.Range = v.L.T("web.insights.range", "from", s.clock(in.From), "to", s.clock(in.To))
	body.Totals = s.totalsTable(v.Lang, in.Stats)
	body.Charts = s.insightCharts(v.Lang, in)
	s.render(w, r, http.StatusOK, "insights", v)
}

func windowLinks(l bot.Translator, current int) []windowLink {
	var out []windowLink
	for _, n := range insightsWeeks {
		out = append(out, windowLink{Label: l.T("web.insights.weeks", "n", strconv.Itoa(n)),
			URL: "/insights?weeks=" + strconv.Itoa(n), Current: n == current})
	}
	return out
}

// totalsTable is the window's stats, the same rows and words as chat's.
func (s *Server) totalsTable(lang bot.Lang, st *bot.Stats) table {
	l := bot.Translator(lang)
	t := table{Caption: l.T("web.insights.totals", "days", strconv.Itoa(st.Days)),
		Head: []string{l.T("web.col.priority"), l.T("web.insights.declared"), l.T("web.insights.resolved"), l.T("web.insights.open"),
			l.T("web.insights.tta_median"), l.T("web.insights.tta_p90"), l.T("web.insights.ttr_median"), l.T("web.insights.ttr_p90")}}
	row := func(name string, g *bot.ResponseStats) {
		t.Rows = append(t.Rows, slices.Concat([]string{name, strconv.Itoa(g.Declared), strconv.Itoa(g.Resolved), strconv.Itoa(g.Open)},
			pctCells(lang, g.TTA), pctCells(lang, g.TTR)))
	}
	row(l.T("stats.overall"), &st.Overall)
	for _, p := range slices.Concat(bot.Priorities, []bot.Priority{0}) {
		if g := st.ByPriority[p]; g != nil {
			row(s.opts.Incidents.PriorityLabel(lang, p), g)
		}
	}
	return t
}

// pctCells are a median's and a p90's cells, "—" without samples.
func pctCells(lang bot.Lang, p bot.Percentiles) []string {
	if p.N == 0 {
		return []string{"—", "—"}
	}
	return []string{bot.Duration(lang, p.Median), bot.Duration(lang, p.P90)}
}

// insightCharts are the page's charts, in reading order.
func (s *Server) insightCharts(lang bot.Lang, in *bot.Insights) []chart {
	l := bot.Translator(lang)
	var days, axis []string
	for _, w := range in.Week {
		days = append(days, w.From.In(s.opts.Location).Format(dateForm))
		axis = append(axis, w.From.In(s.opts.Location).Format("1/2"))
	}
	return []chart{
		s.priorityChart(lang, in, days, axis),
		timeChart(l, "tta", in, days, axis, func(st *bot.Stats) bot.Percentiles { return st.Overall.TTA }),
		timeChart(l, "ttr", in, days, axis, func(st *bot.Stats) bot.Percentiles { return st.Overall.TTR }),
		countChart(l, "sources", in.Sources, l.T("web.insights.by_hand")),
		countChart(l, "services", in.Services, l.T("web.insights.untagged")),
		s.followUpChart(l, in, axis),
		s.drillChart(lang, in),
	}
}

func (s *Server) priorityChart(lang bot.Lang, in *bot.Insights, days, axis []string) chart {
	l := bot.Translator(lang)
	c := chart{ID: "priority", Title: l.T("web.insights.priority.title"), Desc: l.T("web.insights.priority.desc")}
	c.Table = table{Caption: c.Title, Head: []string{l.T("web.insights.week")}}
	var series []stack
	for _, p := range slices.Concat(bot.Priorities, []bot.Priority{0}) {
		st := stack{Class: "p" + strconv.Itoa(int(p)), Label: s.opts.Incidents.PriorityLabel(lang, p)}
		any := false
		for _, w := range in.Week {
			n := 0
			if g := w.Stats.ByPriority[p]; g != nil {
				n = g.Declared
			}
			st.Values = append(st.Values, n)
			any = any || n > 0
		}
		if p.Valid() || any {
			series = append(series, st)
			c.Table.Head = append(c.Table.Head, st.Label)
		}
	}
	c.Table.Head = append(c.Table.Head, l.T("web.insights.total"))
	total := 0
	for i, w := range in.Week {
		row := []string{days[i]}
		for _, st := range series {
			row = append(row, strconv.Itoa(st.Values[i]))
		}
		c.Table.Rows = append(c.Table.Rows, append(row, strconv.Itoa(w.Stats.Overall.Declared)))
		total += w.Stats.Overall.Declared
	}
	if total == 0 {
		c.Empty = l.T("web.insights.empty")
	}
	stackedBars(&c, axis, series)
	return c
}

// timeChart charts the weekly median and p90 of one of the times (tta
// or ttr) that pick reads off a week's stats.
func timeChart(l bot.Translator, key string, in *bot.Insights, days, axis []string, pick func(*bot.Stats) bot.Percentiles) chart {
	c := chart{ID: key, Title: l.T("web.insights." + key + ".title"), Desc: l.T("web.insights." + key + ".desc")}
	c.Table = table{Caption: c.Title, Head: []string{l.T("web.insights.week"), l.T("web.insights.samples"),
		l.T("web.insights.median"), l.T("web.insights.p90")}}
	lang := bot.Lang(l)
	top := 0.0
	for _, w := range in.Week {
		p := pick(w.Stats)
		top = max(top, minutes(p.P90))
	}
	per, ylabel := durationScale(l, top)
	med := line{Class: "s-median", Label: l.T("web.insights.median")}
	p90 := line{Class: "s-p90", Label: l.T("web.insights.p90")}
	n := 0
	for i, w := range in.Week {
		p := pick(w.Stats)
		n += p.N
		med.Values, med.OK = append(med.Values, minutes(p.Median)*per), append(med.OK, p.N > 0)
		p90.Values, p90.OK = append(p90.Values, minutes(p.P90)*per), append(p90.OK, p.N > 0)
		c.Table.Rows = append(c.Table.Rows, slices.Concat([]string{days[i], strconv.Itoa(p.N)}, pctCells(lang, p)))
	}
	if n == 0 {
		c.Empty = l.T("web.insights.empty")
	}
	lines(&c, axis, []line{med, p90}, ylabel, 0)
	return c
}

// countChart charts counts by name, none (the empty name) shown as
// noneName.
func countChart(l bot.Translator, key string, counts []bot.Count, noneName string) chart {
	c := chart{ID: key, Title: l.T("web.insights." + key + ".title"), Desc: l.T("web.insights." + key + ".desc")}
	c.Table = table{Caption: c.Title, Head: []string{l.T("web.insights." + key + ".name"), l.T("web.insights.incidents")}}
	var names []string
	var ns []int
	for _, k := range counts {
		name := bot.Visible(k.Name)
		if k.Name == "" {
			name = noneName
		}
		names, ns = append(names, name), append(ns, k.N)
		c.Table.Rows = append(c.Table.Rows, []string{name, strconv.Itoa(k.N)})
	}
	if len(names) == 0 {
		c.Empty = l.T("web.insights.empty")
	}
	hbars(&c, names, ns, "bar-"+key)
	return c
}

func (s *Server) followUpChart(l bot.Translator, in *bot.Insights, axis []string) chart {
	c := chart{ID: "followups", Title: l.T("web.insights.followups.title"), Desc: l.T("web.insights.followups.desc")}
	c.Table = table{Caption: c.Title, Head: []string{l.T("web.insights.week_end"), l.T("web.insights.fu_open"),
		l.T("web.insights.fu_overdue"), l.T("web.insights.fu_verified")}}
	open := line{Class: "s-open", Label: l.T("web.insights.fu_open")}
	overdue := line{Class: "s-overdue", Label: l.T("web.insights.fu_overdue")}
	verified := line{Class: "s-verified", Label: l.T("web.insights.fu_verified")}
	any := false
	for _, w := range in.Week {
		f := w.FollowUps
		for _, x := range []struct {
			s *line
			n int
		}{{&open, f.Open}, {&overdue, f.Overdue}, {&verified, f.Verified}} {
			x.s.Values, x.s.OK = append(x.s.Values, float64(x.n)), append(x.s.OK, true)
			any = any || x.n > 0
		}
		end := w.From.AddDate(0, 0, 7).Add(-time.Second).In(s.opts.Location)
		c.Table.Rows = append(c.Table.Rows, []string{end.Format(dateForm), strconv.Itoa(f.Open), strconv.Itoa(f.Overdue), strconv.Itoa(f.Verified)})
	}
	if !any {
		c.Empty = l.T("web.insights.empty")
	}
	lines(&c, axis, []line{open, overdue, verified}, countLabel, 0)
	return c
}

func (s *Server) drillChart(lang bot.Lang, in *bot.Insights) chart {
	l := bot.Translator(lang)
	c := chart{ID: "drills", Title: l.T("web.insights.drills.title"), Desc: l.T("web.insights.drills.desc")}
	c.Table = table{Caption: c.Title, Head: []string{l.T("web.col.id"), l.T("web.col.created"), l.T("web.insights.scenario"), l.T("web.insights.score")}}
	sc := line{Class: "s-score", Label: l.T("web.insights.score")}
	var axis []string
	for _, d := range in.Drills {
		at := d.At.In(s.opts.Location)
		axis = append(axis, at.Format("1/2"))
		score := "—"
		if d.Timed > 0 {
			score = l.T("web.insights.score_value", "score", strconv.Itoa(d.Score), "timed", strconv.Itoa(d.Timed))
		}
		sc.Values, sc.OK = append(sc.Values, float64(d.Score)), append(sc.OK, d.Timed > 0)
		c.Table.Rows = append(c.Table.Rows, []string{bot.FormatID(d.ID), at.Format(dateForm), bot.Visible(d.Scenario), score})
	}
	if !slices.Contains(sc.OK, true) {
		c.Empty = l.T("web.insights.drills.none")
		return c
	}
	lines(&c, axis, []line{sc}, func(v float64) string { return countLabel(v) + "%" }, 100)
	return c
}

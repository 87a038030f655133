package handlers

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// Response metrics: "stats [7|30|90|4w|12w|52w]" in chat, GET /api/stats
// and the web insights page.
const (
	// StatsDefaultDays is the window when none is asked for.
	StatsDefaultDays = 30
	// statsMaxDays bounds the window Stats accepts.
	statsMaxDays = 366
	// statsMaxIncidents caps how many incidents one computation reads.
	statsMaxIncidents = 10000
)

// statsWindows are the windows, in days, people may ask for.
var statsWindows = []int{7, 30, 90}

// StatsWindow reports whether days is a window people may ask for: 7, 30
// or 90.
func StatsWindow(days int) bool { return slices.Contains(statsWindows, days) }

// Stats, ResponseStats and Percentiles are bot's (the web pages show
// them too); the names stay here for the handlers' callers.
type (
	Stats         = bot.Stats
	ResponseStats = bot.ResponseStats
	Percentiles   = bot.Percentiles
)

// Stats computes the response metrics of the incidents created in the
// last days days (1 to 366) up to now, as nobody in particular sees them:
// drills and private incidents are left out.
func (s *Service) Stats(ctx context.Context, days int) (*Stats, error) {
	return s.stats(ctx, days, nil)
}

// stats is Stats for req's person: the private incidents in their
// audience count too (a nil req is nobody).
func (s *Service) stats(ctx context.Context, days int, req *bot.Request) (*Stats, error) {
	if days < 1 || days > statsMaxDays {
		return nil, fmt.Errorf("stats: days must be from 1 to %d, not %d", statsMaxDays, days)
	}
	to := s.opts.Now().UTC()
	from := to.Add(-time.Duration(days) * 24 * time.Hour)
	incs, err := s.statsIncidents(ctx, from, req)
	if err != nil {
		return nil, err
	}
	return statsOf(incs, days, from, to), nil
}

// statsIncidents reads the incidents created since from that req's
// person may see (a nil req is nobody), drills included: statsOf leaves
// them out.
func (s *Service) statsIncidents(ctx context.Context, from time.Time, req *bot.Request) ([]*bot.Incident, error) {
	return s.store.List(ctx, store.ListQuery{Since: from, Limit: statsMaxIncidents, Keep: s.seesFunc(ctx, req)})
}

// statsOf computes the metrics of the incidents of incs created at or
// after from, drills left out; from, to and days only label the result. It is the one computation behind chat's stats, the
// API's and the insights page's, so their numbers agree.
func statsOf(incs []*bot.Incident, days int, from, to time.Time) *Stats {
	st := &Stats{Days: days, From: from, To: to, ByPriority: make(map[bot.Priority]*ResponseStats, len(bot.Priorities)+1)}
	for _, p := range bot.Priorities {
		st.ByPriority[p] = &ResponseStats{}
	}
	type samples struct{ tta, ttr []time.Duration }
	all := &samples{}
	by := map[bot.Priority]*samples{}
	for _, inc := range incs {
		if inc.Drill || inc.CreatedAt.Before(from) {
			continue
		}
		p := inc.Priority
		if !p.Valid() {
			p = 0
		}
		group := st.ByPriority[p]
		if group == nil {
			group = &ResponseStats{}
			st.ByPriority[p] = group
		}
		if by[p] == nil {
			by[p] = &samples{}
		}
		for _, g := range []*ResponseStats{&st.Overall, group} {
			g.Declared++
			switch {
			case inc.Status.Open():
				g.Open++
			case inc.Status == bot.StatusResolved || inc.Status == bot.StatusClosed:
				g.Resolved++
			}
		}
		for _, sm := range []*samples{all, by[p]} {
			if strings.HasPrefix(inc.Source, "alert:") && !inc.AckedAt.IsZero() {
				sm.tta = append(sm.tta, max(inc.AckedAt.Sub(inc.CreatedAt), 0))
			}
			if (inc.Status == bot.StatusResolved || inc.Status == bot.StatusClosed) && !inc.ResolvedAt.IsZero() {
				sm.ttr = append(sm.ttr, max(inc.ResolvedAt.Sub(inc.CreatedAt), 0))
			}
		}
	}
	st.Overall.TTA, st.Overall.TTR = percentiles(all.tta), percentiles(all.ttr)
	for p, sm := range by {
		st.ByPriority[p].TTA, st.ByPriority[p].TTR = percentiles(sm.tta), percentiles(sm.ttr)
	}
	return st
}

// percentiles summarises ds (which it sorts).
func percentiles(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	slices.Sort(ds)
	return Percentiles{N: len(ds), Median: quantile(ds, 0.5), P90: quantile(ds, 0.9)}
}

// quantile of sorted ds, interpolating linearly between the closest ranks
// (the "R-7" definition, as spreadsheets' PERCENTILE), to the second.
func quantile(ds []time.Duration, q float64) time.Duration {
	pos := q * float64(len(ds)-1)
	lo := int(math.Floor(pos))
	v := float64(ds[lo])
	if lo+1 < len(ds) {
		v += (pos - float64(lo)) * float64(ds[lo+1]-ds[lo])
	}
	return time.Duration(math.Round(v)).Round(time.Second)
}

// statsCommand handles "stats [7|30|90|4w|12w|52w]": response metrics by priority.
func (s *Service) statsCommand(ctx context.Context, req *bot.Request) error {
	days := StatsDefaultDays
	if a := req.Command.Arg(0); a != "" {
		d, ok := parseStatsDays(a)
		if !ok || len(req.Command.Args) > 1 {
			return req.Usage()
		}
		days = d
	}
	st, err := s.stats(ctx, days, req)
	if err != nil {
		return err
	}
	return req.Reply(ctx, s.statsMessage(req.Lang, s.zone(req), st))
}

// parseStatsDays accepts 7, 30 or 90, also written "30d" or "30日", and
// the insights page's windows of 4, 12 or 52 weeks written "4w" or "4週".
func parseStatsDays(v string) (int, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	for _, unit := range []string{"weeks", "week", "w", "週間", "週"} {
		if w, ok := strings.CutSuffix(v, unit); ok {
			n, err := strconv.Atoi(w)
			if err != nil || !InsightsWindow(n) {
				return 0, false
			}
			return n * 7, true
		}
	}
	for _, unit := range []string{"days", "day", "d", "日間", "日"} {
		if strings.HasSuffix(v, unit) {
			v = strings.TrimSuffix(v, unit)
			break
		}
	}
	d, err := strconv.Atoi(v)
	if err != nil || !StatsWindow(d) {
		return 0, false
	}
	return d, true
}

// statsMessage renders st as a compact table: one field for all
// priorities, then one per priority, each with counts, time to acknowledge
// and time to resolve; the footer says what is measured on what.
func (s *Service) statsMessage(lang bot.Lang, loc *time.Location, st *Stats) bot.Message {
	t := bot.Translator(lang)
	days := strconv.Itoa(st.Days)
	msg := bot.Message{
		Title:   t.T("stats.title", "days", days),
		Context: t.T("stats.footer", "from", clockIn(loc, st.From), "to", clockIn(loc, st.To)),
	}
	if st.Overall.Declared == 0 {
		msg.Text = t.T("stats.none", "days", days)
		return msg
	}
	msg.Fields = append(msg.Fields, bot.Field{Label: t.T("stats.overall"), Value: statsRow(lang, &st.Overall)})
	for _, p := range slices.Concat(bot.Priorities, []bot.Priority{0}) {
		g := st.ByPriority[p]
		if g == nil {
			continue
		}
		msg.Fields = append(msg.Fields, bot.Field{Label: s.priorityLabel(lang, p), Value: statsRow(lang, g)})
	}
	return msg
}

// statsRow is one group's cell: counts, then TTA and TTR, one per line.
func statsRow(lang bot.Lang, g *ResponseStats) string {
	t := bot.Translator(lang)
	if g.Declared == 0 {
		return t.T("stats.empty")
	}
	lines := []string{t.T("stats.counts", "declared", strconv.Itoa(g.Declared),
		"resolved", strconv.Itoa(g.Resolved), "open", strconv.Itoa(g.Open))}
	for _, m := range []struct {
		key string
		p   Percentiles
	}{{"stats.tta", g.TTA}, {"stats.ttr", g.TTR}} {
		if m.p.N == 0 {
			lines = append(lines, t.T(m.key+".none"))
			continue
		}
		lines = append(lines, t.T(m.key, "median", bot.Duration(lang, m.p.Median),
			"p90", bot.Duration(lang, m.p.P90), "n", strconv.Itoa(m.p.N)))
	}
	return strings.Join(lines, "\n")
}

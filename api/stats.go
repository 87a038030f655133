package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/internal/httpx"
)

// getStats serves GET /api/stats?days=7|30|90 (default 30):
//
//	{"days": 30, "from": "...", "to": "...",
//	 "overall": {...}, "by_priority": {"P1": {...}, ..., "P4": {...}}}
//
// each group being {"declared", "resolved", "open", "tta_count",
// "tta_median_seconds", "tta_p90_seconds", "ttr_count",
// "ttr_median_seconds", "ttr_p90_seconds"}, the seconds null when there is
// no sample; by_priority has "none" as well when some incident has no
// priority. See Stats for what is measured.
func (a *server) getStats(w http.ResponseWriter, r *http.Request) {
	days := handlers.StatsDefaultDays
	if q := r.URL.Query(); q.Has("days") {
		d, err := strconv.Atoi(q.Get("days"))
		if err != nil || !handlers.StatsWindow(d) {
			a.writeError(w, r, badRequest("days must be 7, 30 or 90, not %q", clipParam(q.Get("days"))))
			return
		}
		days = d
	}
	st, err := a.svc.Stats(r.Context(), days)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, newStats(st))
}

// newStats renders st as the API's wire type.
func newStats(st *handlers.Stats) stats {
	out := stats{
		Days:       st.Days,
		From:       st.From.UTC().Format(timeFormat),
		To:         st.To.UTC().Format(timeFormat),
		Overall:    newResponseStats(&st.Overall),
		ByPriority: make(map[string]responseStats, len(st.ByPriority)),
	}
	for p, g := range st.ByPriority {
		label := p.String()
		if label == "" {
			label = "none"
		}
		out.ByPriority[label] = newResponseStats(g)
	}
	return out
}

type stats struct {
	Days       int                      `json:"days"`
	From       string                   `json:"from"`
	To         string                   `json:"to"`
	Overall    responseStats            `json:"overall"`
	ByPriority map[string]responseStats `json:"by_priority"`
}

type responseStats struct {
	Declared         int    `json:"declared"`
	Resolved         int    `json:"resolved"`
	Open             int    `json:"open"`
	TTACount         int    `json:"tta_count"`
	TTAMedianSeconds *int64 `json:"tta_median_seconds"`
	TTAP90Seconds    *int64 `json:"tta_p90_seconds"`
	TTRCount         int    `json:"ttr_count"`
	TTRMedianSeconds *int64 `json:"ttr_median_seconds"`
	TTRP90Seconds    *int64 `json:"ttr_p90_seconds"`
}

func newResponseStats(g *handlers.ResponseStats) responseStats {
	out := responseStats{Declared: g.Declared, Resolved: g.Resolved, Open: g.Open,
		TTACount: g.TTA.N, TTRCount: g.TTR.N}
	if g.TTA.N > 0 {
		out.TTAMedianSeconds, out.TTAP90Seconds = wholeSeconds(g.TTA.Median), wholeSeconds(g.TTA.P90)
	}
	if g.TTR.N > 0 {
		out.TTRMedianSeconds, out.TTRP90Seconds = wholeSeconds(g.TTR.Median), wholeSeconds(g.TTR.P90)
	}
	return out
}

// wholeSeconds is d in whole seconds.
func wholeSeconds(d time.Duration) *int64 {
	v := int64(d.Round(time.Second) / time.Second)
	return &v
}

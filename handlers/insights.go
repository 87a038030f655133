package handlers

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/warroomhq/warroom/bot"
)

// The insights page's numbers (adapters/web /insights): the same
// incidents and the same computation as chat's stats (statsOf), for a
// window of whole weeks, split into weeks.

// insightsWindows are the windows, in weeks, the insights page offers.
var insightsWindows = []int{4, 12, 52}

// InsightsDefaultWeeks is the window when none is asked for.
const InsightsDefaultWeeks = 12

// InsightsWindow reports whether weeks is a window the insights page
// offers: 4, 12 or 52. Chat's stats takes the same windows as "4w".
func InsightsWindow(weeks int) bool { return slices.Contains(insightsWindows, weeks) }

// Insights computes the insights of the last weeks weeks (4, 12 or 52)
// up to now, for v.
func (s *Service) Insights(ctx context.Context, v bot.Viewer, weeks int) (*bot.Insights, error) {
	if !InsightsWindow(weeks) {
		return nil, fmt.Errorf("insights: weeks must be 4, 12 or 52, not %d", weeks)
	}
	req := s.viewer(v)
	days := weeks * 7
	to := s.opts.Now().UTC()
	from := to.Add(-time.Duration(days) * 24 * time.Hour)
	incs, err := s.statsIncidents(ctx, from, req)
	if err != nil {
		return nil, err
	}
	in := &bot.Insights{Weeks: weeks, From: from, To: to, Stats: statsOf(incs, days, from, to)}
	byWeek := make([][]*bot.Incident, weeks)
	var real []*bot.Incident
	sources, services := map[string]int{}, map[string]int{}
	for _, inc := range incs {
		if inc.CreatedAt.Before(from) {
			continue
		}
		if inc.Drill {
			if err := s.addDrill(ctx, in, inc); err != nil {
				return nil, err
			}
			continue
		}
		real = append(real, inc)
		w := min(int(inc.CreatedAt.Sub(from)/(7*24*time.Hour)), weeks-1)
		byWeek[w] = append(byWeek[w], inc)
		src, _ := strings.CutPrefix(inc.Source, "alert:")
		if !strings.HasPrefix(inc.Source, "alert:") {
			src = ""
		}
		sources[src]++
		services[inc.Labels["service"]]++
	}
	fus, err := s.windowFollowUps(ctx, real)
	if err != nil {
		return nil, err
	}
	for w := range weeks {
		start := from.Add(time.Duration(w) * 7 * 24 * time.Hour)
		end := start.Add(7 * 24 * time.Hour)
		in.Week = append(in.Week, bot.InsightsWeek{From: start, Stats: statsOf(byWeek[w], 7, start, end),
			FollowUps: s.followUpsAt(fus, end)})
	}
	in.Sources, in.Services = counts(sources), counts(services)
	slices.SortFunc(in.Drills, func(a, b bot.DrillScore) int { return a.At.Compare(b.At) })
	return in, nil
}

// addDrill adds drill inc's score to in.
func (s *Service) addDrill(ctx context.Context, in *bot.Insights, inc *bot.Incident) error {
	m, err := s.drillMeasure(ctx, inc)
	if err != nil {
		return err
	}
	score, timed := m.score(inc.CreatedAt, inc.AckedAt)
	in.Drills = append(in.Drills, bot.DrillScore{ID: inc.ID, Scenario: m.name, At: inc.CreatedAt, Score: score, Timed: timed})
	return nil
}

// windowFollowUps reads the follow-ups of incs.
func (s *Service) windowFollowUps(ctx context.Context, incs []*bot.Incident) ([]bot.FollowUp, error) {
	var out []bot.FollowUp
	for _, inc := range incs {
		fs, err := s.store.FollowUps(ctx, inc.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

// followUpsAt counts fs as they stood at t, as the follow-up board does.
func (s *Service) followUpsAt(fs []bot.FollowUp, t time.Time) bot.FollowUpCounts {
	return countFollowUps(fs, t, s.opts.Location)
}

// counts sorts m most first, then by name.
func counts(m map[string]int) []bot.Count {
	out := make([]bot.Count, 0, len(m))
	for k, n := range m {
		out = append(out, bot.Count{Name: k, N: n})
	}
	slices.SortFunc(out, func(a, b bot.Count) int { return cmp.Or(cmp.Compare(b.N, a.N), strings.Compare(a.Name, b.Name)) })
	return out
}

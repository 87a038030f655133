package web

import (
	"strconv"
	"strings"

	"github.com/warroomhq/warroom/bot"
)

// The chart's drawing area, in SVG user units (it scales to its box).
const (
	boardW, boardH = 600, 200
	boardPad       = 24
)

// boardChart is a small line chart of the board's weekly counts, drawn on
// the server: one polyline per count, its dash pattern and colour set by
// class in app.css, so that no series is told apart by colour alone. The
// table beside it holds the same numbers for screen readers.
type boardChart struct {
	Title, Desc string
	W, H        int
	Max         int
	// Axis is the chart's baseline and its top.
	X0, X1, Y0, Y1 int
	Series         []boardSeries
	Labels         []boardLabel
}

type boardSeries struct {
	Label, Class, Points string
}

type boardLabel struct {
	X    int
	Text string
}

// chart draws weeks' counts (the oldest first).
func (s *Server) drawBoard(l bot.Translator, weeks []bot.FollowUpCounts) boardChart {
	c := boardChart{Title: l.T("web.fu.chart.title"), W: boardW, H: boardH,
		X0: boardPad, X1: boardW - boardPad, Y0: boardH - boardPad, Y1: boardPad}
	for _, w := range weeks {
		c.Max = max(c.Max, w.Open, w.Overdue, w.Done, w.Verified)
	}
	top := max(c.Max, 1)
	x := func(i int) int {
		if len(weeks) < 2 {
			return c.X0
		}
		return c.X0 + i*(c.X1-c.X0)/(len(weeks)-1)
	}
	y := func(v int) int { return c.Y0 - v*(c.Y0-c.Y1)/top }
	series := []struct {
		key, class string
		of         func(bot.FollowUpCounts) int
	}{
		{"web.fu.count.open", "open", func(w bot.FollowUpCounts) int { return w.Open }},
		{"web.fu.count.overdue", "overdue", func(w bot.FollowUpCounts) int { return w.Overdue }},
		{"web.fu.count.done", "done", func(w bot.FollowUpCounts) int { return w.Done }},
		{"web.fu.count.verified", "verified", func(w bot.FollowUpCounts) int { return w.Verified }},
	}
	var desc []string
	for _, sr := range series {
		pts := make([]string, len(weeks))
		for i, w := range weeks {
			pts[i] = strconv.Itoa(x(i)) + "," + strconv.Itoa(y(sr.of(w)))
		}
		c.Series = append(c.Series, boardSeries{Label: l.T(sr.key), Class: "line-" + sr.class, Points: strings.Join(pts, " ")})
		if len(weeks) > 0 {
			desc = append(desc, l.T("web.fu.chart.series", "label", l.T(sr.key),
				"from", strconv.Itoa(sr.of(weeks[0])), "to", strconv.Itoa(sr.of(weeks[len(weeks)-1]))))
		}
	}
	c.Desc = strings.Join(desc, " ")
	if n := len(weeks); n > 0 {
		c.Labels = []boardLabel{{X: x(0), Text: weeks[0].At.In(s.opts.Location).Format("01-02")},
			{X: x(n - 1), Text: weeks[n-1].At.In(s.opts.Location).Format("01-02")}}
	}
	return c
}

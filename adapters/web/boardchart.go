package web

import (
	"strconv"
	"strings"

	"github.com/warroomhq/warroom/bot"
)

// drawBoard draws the board's weekly counts (the oldest week first) as a
// line chart, drawn like the insights' charts: the weeks table under it
// holds the same numbers for screen readers.
func (s *Server) drawBoard(l bot.Translator, weeks []bot.FollowUpCounts) chart {
	c := chart{ID: "fu-weeks"} // its title is the section heading, fu-weeks-title
	series := []struct {
		key, class string
		of         func(bot.FollowUpCounts) int
	}{
		{"web.fu.count.open", "s-open", func(w bot.FollowUpCounts) int { return w.Open }},
		{"web.fu.count.overdue", "s-overdue", func(w bot.FollowUpCounts) int { return w.Overdue }},
		{"web.fu.count.done", "s-done", func(w bot.FollowUpCounts) int { return w.Done }},
		{"web.fu.count.verified", "s-verified", func(w bot.FollowUpCounts) int { return w.Verified }},
	}
	xs := make([]string, len(weeks))
	for i, w := range weeks {
		xs[i] = w.At.In(s.opts.Location).Format("01-02")
	}
	ls := make([]line, len(series))
	var desc []string
	for i, sr := range series {
		ls[i] = line{Class: sr.class, Label: l.T(sr.key)}
		for _, w := range weeks {
			ls[i].Values, ls[i].OK = append(ls[i].Values, float64(sr.of(w))), append(ls[i].OK, true)
		}
		if len(weeks) > 0 {
			desc = append(desc, l.T("web.fu.chart.series", "label", l.T(sr.key),
				"from", strconv.Itoa(sr.of(weeks[0])), "to", strconv.Itoa(sr.of(weeks[len(weeks)-1]))))
		}
	}
	c.Desc = strings.Join(desc, " ")
	lines(&c, xs, ls, countLabel, 0)
	return c
}

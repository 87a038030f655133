package web

import (
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode"

	"github.com/warroomhq/warroom/bot"
)

// Charts are drawn on the server as SVG (no script, nothing to download):
// a fixed 320 × 180 view box scaled to the page's width, so its 11-unit
// text stays readable on a 360 px phone and a desktop shows it larger.
// Colours come from app.css by class (the CSP allows no inline style).
const (
	chartW, chartH = 320, 180
	plotL, plotR   = 50, 8 // room for the y labels, and the right edge
	plotT, plotB   = 10, 24
	// barRow is the height of one row of a horizontal bar chart.
	barRow = 24
)

// chart is one SVG chart: its shapes in view box units, and the table of
// its numbers beside it.
type chart struct {
	ID, Title, Desc string
	W, H            int
	Rects           []shape
	Lines           []polyline
	Dots            []shape
	Grid            []tick
	XLabels         []label
	Texts           []label
	Legend          []legendItem
	Table           table
	// Empty, when set, replaces the drawing: there is nothing to draw.
	Empty string
}

type shape struct {
	X, Y, W, H string
	Class, Tip string
}

type polyline struct{ Points, Class string }

type tick struct {
	Y, Label string
}

type label struct {
	X, Y, Text, Anchor, Class string
}

type legendItem struct{ Class, Label string }

type table struct {
	Caption string
	Head    []string
	Rows    [][]string
}

// num formats a view box coordinate.
func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// niceMax is the smallest 1, 2 or 5 × 10^k at or above v (at least 1).
func niceMax(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// plot maps the n slots of the x axis and 0..top of the y axis onto the
// plot area.
type plot struct {
	n   int
	top float64
}

func (p plot) slotW() float64 { return float64(chartW-plotL-plotR) / float64(p.n) }

// x is the centre of slot i.
func (p plot) x(i int) float64 { return plotL + (float64(i)+0.5)*p.slotW() }

func (p plot) y(v float64) float64 {
	return plotT + float64(chartH-plotT-plotB)*(1-v/p.top)
}

// axes draws the y grid (0, half, top) labelled by ylabel, and up to four
// x labels from xs.
func (p plot) axes(c *chart, ylabel func(float64) string, xs []string) {
	for _, v := range []float64{0, p.top / 2, p.top} {
		c.Grid = append(c.Grid, tick{Y: num(p.y(v)), Label: ylabel(v)})
	}
	step := max(1, int(math.Ceil(float64(len(xs))/4)))
	for i := 0; i < len(xs); i += step {
		c.XLabels = append(c.XLabels, label{X: num(p.x(i)), Y: num(chartH - 8), Text: xs[i], Anchor: "middle"})
	}
}

// stack is one series of a stacked bar chart.
type stack struct {
	Class, Label string
	Values       []int
}

// stackedBars draws series stacked per slot, xs naming the slots.
func stackedBars(c *chart, xs []string, series []stack) {
	c.W, c.H = chartW, chartH
	top := 0
	for i := range xs {
		sum := 0
		for _, s := range series {
			sum += s.Values[i]
		}
		top = max(top, sum)
	}
	p := plot{n: len(xs), top: niceMax(float64(top))}
	p.axes(c, countLabel, xs)
	w := math.Max(p.slotW()*0.7, 1)
	for i := range xs {
		base := 0
		for _, s := range series {
			v := s.Values[i]
			if v == 0 {
				continue
			}
			y0, y1 := p.y(float64(base)), p.y(float64(base+v))
			c.Rects = append(c.Rects, shape{X: num(p.x(i) - w/2), Y: num(y1), W: num(w), H: num(y0 - y1),
				Class: s.Class, Tip: fmt.Sprintf("%s %s: %d", xs[i], s.Label, v)})
			base += v
		}
	}
	for _, s := range series {
		c.Legend = append(c.Legend, legendItem{Class: s.Class, Label: s.Label})
	}
}

// line is one series of a line chart; a missing value (ok false) breaks
// the line.
type line struct {
	Class, Label string
	Values       []float64
	OK           []bool
}

// lines draws series over the slots xs, ylabel naming a y value; the y
// axis ends at top, or above the highest value when top is 0.
func lines(c *chart, xs []string, series []line, ylabel func(float64) string, top float64) {
	c.W, c.H = chartW, chartH
	if top == 0 {
		for _, s := range series {
			for i, v := range s.Values {
				if s.OK[i] {
					top = math.Max(top, v)
				}
			}
		}
		top = niceMax(top)
	}
	p := plot{n: len(xs), top: top}
	p.axes(c, ylabel, xs)
	for _, s := range series {
		pts := ""
		flush := func() {
			if pts != "" {
				c.Lines = append(c.Lines, polyline{Points: pts, Class: s.Class})
			}
			pts = ""
		}
		for i, v := range s.Values {
			if !s.OK[i] {
				flush()
				continue
			}
			x, y := p.x(i), p.y(v)
			if pts != "" {
				pts += " "
			}
			pts += num(x) + "," + num(y)
			c.Dots = append(c.Dots, shape{X: num(x), Y: num(y), Class: s.Class, Tip: xs[i] + " " + s.Label + ": " + ylabel(v)})
		}
		flush()
		c.Legend = append(c.Legend, legendItem{Class: s.Class, Label: s.Label})
	}
}

// hbars draws one horizontal bar per name, its count at its end.
func hbars(c *chart, names []string, ns []int, class string) {
	c.W, c.H = chartW, max(barRow*len(names)+8, 40)
	top := 0
	for _, n := range ns {
		top = max(top, n)
	}
	const left, right = 120, 36
	span := float64(chartW - left - right)
	for i, name := range names {
		y := float64(4 + i*barRow)
		w := math.Max(span*float64(ns[i])/float64(max(top, 1)), 1)
		c.Texts = append(c.Texts, label{X: num(left - 6), Y: num(y + 15), Text: clip(name, 18), Anchor: "end"},
			label{X: num(left + w + 4), Y: num(y + 15), Text: strconv.Itoa(ns[i]), Anchor: "start", Class: "n"})
		c.Rects = append(c.Rects, shape{X: num(left), Y: num(y + 3), W: num(w), H: num(barRow - 8), Class: class,
			Tip: fmt.Sprintf("%s: %d", name, ns[i])})
	}
}

// clip shortens s to about n columns with an ellipsis, a wide (East
// Asian) character taking two.
func clip(s string, n int) string {
	cols := 0
	for i, r := range s {
		w := 1
		if r >= 0x1100 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) || r >= 0xFF00 && r <= 0xFFEF {
			w = 2
		}
		if cols+w > n {
			return s[:i] + "…"
		}
		cols += w
	}
	return s
}

// countLabel names a count on an axis: 2.5 as well as 2.
func countLabel(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// durationScale picks the unit a duration axis is drawn in: minutes up
// to two hours, hours above. It returns the factor from minutes to that
// unit and the axis label of a value in it.
func durationScale(l bot.Translator, maxMinutes float64) (float64, func(float64) string) {
	key, per := "web.insights.axis.minutes", 1.0
	if maxMinutes > 120 {
		key, per = "web.insights.axis.hours", 1.0/60
	}
	return per, func(v float64) string { return l.T(key, "n", strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)) }
}

// minutes is d in minutes, for a chart.
func minutes(d time.Duration) float64 { return d.Minutes() }

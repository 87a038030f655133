package console

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/warroomhq/warroom/bot"
)

// choice is one numbered thing "!N" can click: a button, or one option of
// a select button.
type choice struct {
	label   string
	button  bot.Button
	option  string // the chosen option's value, for selects
	channel string // where the message is, for the click's event
	ref     string // the message's reference ("" for a private reply)
}

// maxHint bounds the option hints (priority criteria) shown beside a
// choice; longer ones would drown the choices.
const maxHint = 120

// indent starts every line of a message after its first.
const indent = "  "

// render lays msg out as plain text under head:
//
//	[M3] Warroom: 🚨 INC-1: Checkout is failing      head, then the title (or the text's first line)
//	  The payment provider returns 502s.             text
//	  Status: investigating                          fields
//	  [1] Acknowledge  [2] Decline                   buttons, numbered from 1
//	  [3] Set priority → P1 (critical) — Critical…   one choice per option of a select
//	  choose with !N
//	  INC-1 · everything said in this channel…       context
//
// It returns the text (without a final newline) and the numbered choices.
// It never colours: the transcript must read the same piped or not.
func render(lang bot.Lang, head string, msg bot.Message) (string, []choice) {
	var lines []string
	body := splitLines(msg.Text)
	first := strings.TrimSpace(msg.Title)
	if first == "" && len(body) > 0 {
		first, body = body[0], body[1:]
	}
	if first != "" {
		lines = append(lines, head+": "+first)
	} else {
		lines = append(lines, head+":")
	}
	for _, l := range body {
		lines = append(lines, indent+l)
	}
	for _, f := range msg.Fields {
		lines = append(lines, indent+f.Label+": "+strings.Join(splitLines(f.Value), " / "))
	}
	buttons, choices := renderButtons(msg.Buttons)
	if len(choices) > 0 {
		lines = append(lines, buttons...)
		lines = append(lines, indent+bot.T(lang, "console.choose", "n", "N"))
	}
	if ctx := strings.TrimSpace(msg.Context); ctx != "" {
		lines = append(lines, indent+strings.Join(splitLines(ctx), " "))
	}
	return strings.Join(lines, "\n"), choices
}

// renderButtons numbers the choices from 1: plain buttons in a row until a
// select, whose options take a line each.
func renderButtons(buttons []bot.Button) ([]string, []choice) {
	var (
		lines   []string
		row     []string
		choices []choice
	)
	flush := func() {
		if len(row) > 0 {
			lines = append(lines, indent+strings.Join(row, "  "))
			row = nil
		}
	}
	var links []string
	for _, b := range buttons {
		if b.URL != "" {
			// A terminal cannot click a link: show it, unnumbered.
			links = append(links, indent+b.Label+": "+b.URL)
			continue
		}
		if len(b.Options) == 0 {
			choices = append(choices, choice{label: b.Label, button: b})
			row = append(row, numbered(len(choices), b.Label))
			continue
		}
		flush()
		for _, o := range b.Options {
			label := b.Label + " → " + o.Label
			choices = append(choices, choice{label: label, button: b, option: o.Value})
			line := indent + numbered(len(choices), label)
			if h := strings.Join(splitLines(o.Hint), " "); h != "" && utf8.RuneCountInString(h) <= maxHint {
				line += " — " + h
			}
			lines = append(lines, line)
		}
	}
	flush()
	return append(lines, links...), choices
}

func numbered(n int, label string) string {
	return "[" + strconv.Itoa(n) + "] " + label
}

// splitLines splits s into its non-blank lines, trimmed on the right.
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimRight(l, " \t\r"); strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

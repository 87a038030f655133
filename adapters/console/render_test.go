package console

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

func TestRender(t *testing.T) {
	long := strings.Repeat("x", maxHint+1)
	tests := []struct {
		name    string
		msg     bot.Message
		want    string
		choices []string // labels, then the command line each click runs
	}{
		{
			name: "empty",
			want: "[M1] Warroom:",
		},
		{
			name: "text only, first line beside the head",
			msg:  bot.Message{Text: "first\n\nsecond  \nthird"},
			want: "[M1] Warroom: first\n  second\n  third",
		},
		{
			name: "title, text, fields, context",
			msg: bot.Message{Title: "INC-1: DB down", Text: "body", Context: "small\nprint",
				Fields: []bot.Field{{Label: "Status", Value: "investigating"}, {Label: "Summary", Value: "a\nb"}}},
			want: "[M1] Warroom: INC-1: DB down\n  body\n  Status: investigating\n  Summary: a / b\n  small print",
		},
		{
			name: "buttons in a row, select options one per line with short hints",
			msg: bot.Message{Title: "Card", Buttons: []bot.Button{
				{Label: "Ack", Command: "ack", Args: "INC-1"},
				{Label: "Set priority", Command: "priority", Args: "INC-1", Options: []bot.Option{
					{Label: "P1 (critical)", Value: "P1", Hint: "All hands."},
					{Label: "P2 (high)", Value: "P2", Hint: long},
				}},
				{Label: "Update", Command: "update", Args: "INC-1"},
				{Label: "Resolve", Command: "resolve", Args: "INC-1"},
			}},
			want: "[M1] Warroom: Card\n" +
				"  [1] Ack\n" +
				"  [2] Set priority → P1 (critical) — All hands.\n" +
				"  [3] Set priority → P2 (high)\n" +
				"  [4] Update  [5] Resolve\n" +
				"  choose with !N",
			choices: []string{
				"Ack", "ack INC-1",
				"Set priority → P1 (critical)", "priority INC-1 P1",
				"Set priority → P2 (high)", "priority INC-1 P2",
				"Update", "update INC-1",
				"Resolve", "resolve INC-1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, choices := render(bot.English, "[M1] Warroom", tt.msg)
			require.Equal(t, tt.want, got)
			var flat []string
			for _, c := range choices {
				flat = append(flat, c.label, c.button.CommandLine(c.option))
			}
			require.Equal(t, tt.choices, flat)
		})
	}
}

func TestSanitizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"inc-20261125-1-checkout", "inc-20261125-1-checkout"},
		{"Hello World!", "hello-world"},
		{"  --a__b--  ", "a__b"},
		{"日本語", "channel"},
		{"", "channel"},
		{"ümlaut ok", "mlaut-ok"},
		{strings.Repeat("ab-", 40), strings.TrimRight(strings.Repeat("ab-", 27), "-")},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := sanitizeName(tt.in)
			require.Equal(t, tt.want, got)
			require.LessOrEqual(t, len(got), maxName)
		})
	}
}

func TestClean(t *testing.T) {
	// Control characters must never reach a terminal; bad UTF-8 never the store.
	require.Equal(t, "a b", clean("a\tb"))
	require.Equal(t, "[31mred", clean("\x1b[31mred"))
	require.Equal(t, "\uFFFDok", clean("\xffok"))
}

func TestRenderLinkButtons(t *testing.T) {
	text, choices := render(bot.English, "Warroom:", bot.Message{Text: "alert", Buttons: []bot.Button{
		{Label: "Acknowledge", Command: "ack", Args: "INC-1"},
		{Label: "Dashboard", URL: "https://grafana.example/d/checkout"},
	}})
	require.Len(t, choices, 1, "a link is not a choice")
	require.Contains(t, text, "[1] Acknowledge")
	require.Contains(t, text, "Dashboard: https://grafana.example/d/checkout")
}

package postmortem

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMdLinePlain: the shortcut for plain text (plainLine) gives what the
// full escaping gives, for text that takes it and text that must not.
func TestMdLinePlain(t *testing.T) {
	for _, text := range []string{
		"", "a", "message 12: checked db-3 replication lag, rolling back deploy 7", "responder12",
		"# heading", "## x", "a #", "a ##", "a#", "1. item", "12) item", "1.5 s", "- item", "-x", "+ x", "= x", "---", "-- -", ":-:",
		": def", ":x", "a  b", " a", "a ", "a\tb", "a\nb", "snake_case", "_x_", "a*b", "<b>", "a&b", "[x](y)", "a|b", "~x~",
		"`x`", `a\b`, "é", "a\u200bb", "x\u2028y", "~", "!", "{}", "100%", "https://example.com/a?b=c#d",
	} {
		want := mdEscape(oneline(text))
		require.Equal(t, want, mdLine(text), "%q", text)
		if plainLine(text) {
			require.Equal(t, text, want, "%q takes the shortcut but the escaping changes it", text)
		}
	}
	require.True(t, plainLine("message 12: checked db-3 replication lag, rolling back deploy 7"))
}

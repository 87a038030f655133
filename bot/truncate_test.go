package bot

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"", 5, ""},
		{"short", 5, "short"},
		{"shorter", 5, "shor…"},
		{"ab cd", 4, "ab…"}, // the space left at the cut goes
		{"ab\tcdef", 4, "ab…"},
		{"日本語のテキスト", 8, "日本語のテキスト"},
		{"日本語のテキスト", 5, "日本語の…"},
		{"障害が発生しました", 3, "障害…"},
		{"日本語", 2, "日…"},
		{"日本語", 1, "…"}, // no room but for the ellipsis
		{"日本語", 0, ""},  // smaller than the ellipsis
		{"日本語", -1, ""},
		{"👩‍💻 team", 2, "👩…"},
	} {
		got := Truncate(tc.s, tc.n)
		require.Equal(t, tc.want, got, "Truncate(%q, %d)", tc.s, tc.n)
		require.True(t, utf8.ValidString(got))
		require.LessOrEqual(t, utf8.RuneCountInString(got), max(tc.n, 0))
	}
}

func TestCutRunes(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"inc-42-checkout", 6, "inc-42"},
		{"inc-42", 6, "inc-42"},
		{"inc-42", 80, "inc-42"},
		{"障害-決済が遅い", 4, "障害-決"},
		{"障害", 1, "障"},
		{"障害", 0, ""},
		{"障害", -3, ""},
		{"", 3, ""},
	} {
		require.Equal(t, tc.want, CutRunes(tc.s, tc.n), "CutRunes(%q, %d)", tc.s, tc.n)
	}
}

func TestCutBytes(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"abcdef", 3, "abc"},
		{"abc", 3, "abc"},
		{"abc", 10, "abc"},
		{"日本語", 9, "日本語"}, // 3 bytes a character
		{"日本語", 8, "日本"},
		{"日本語", 4, "日"},
		{"日本語", 3, "日"},
		{"日本語", 2, ""}, // smaller than one character
		{"日本語", 0, ""},
		{"日本語", -1, ""},
		{"a日", 2, "a"},
	} {
		got := CutBytes(tc.s, tc.n)
		require.Equal(t, tc.want, got, "CutBytes(%q, %d)", tc.s, tc.n)
		require.True(t, utf8.ValidString(got))
	}
	long := strings.Repeat("ア", 100)
	require.Len(t, CutBytes(long, 64), 63)
}

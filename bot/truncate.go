package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ellipsis ends the text Truncate cut.
const Ellipsis = "…"

// Truncate shortens s to at most n characters (runes) for people to read:
// when it cuts, the white space left at the cut is dropped and the text
// ends with Ellipsis, which counts toward n. n < 1 gives "", and n == 1
// only the ellipsis. It never splits a rune.
func Truncate(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	if n < 1 {
		return ""
	}
	return strings.TrimRightFunc(CutRunes(s, n-1), unicode.IsSpace) + Ellipsis
}

// CutRunes returns the first n characters (runes) of s, with no mark of
// the cut: for names a platform limits in characters (a Slack channel name,
// a Teams channel's display name), where an ellipsis would be part of the
// name. n < 1 gives "".
func CutRunes(s string, n int) string {
	if n < 1 {
		return ""
	}
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// CutBytes returns the longest prefix of s of at most n bytes that ends on
// a rune boundary, with no mark of the cut: for limits counted in bytes (a
// search token, a parameter quoted back in an error), never leaving half a
// character. n < 1 gives "".
func CutBytes(s string, n int) string {
	if n >= len(s) {
		return s
	}
	if n < 1 {
		return ""
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

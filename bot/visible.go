package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Visible returns s as it may be shown to people: without the characters
// that are invisible yet change how the text around them reads. Every
// renderer applies it to the text it shows (cards, topics, channel names,
// the console, the postmortem); what is stored, the timeline above all,
// keeps the original bytes.
//
// Dropped:
//   - control characters (C0, DEL, C1), but for line feed and tab;
//     a carriage return too, so "\r\n" becomes "\n" and a terminal never
//     returns to overwrite a line;
//   - format characters (Unicode category Cf): the bidirectional marks,
//     embeddings, overrides and isolates (U+061C, U+200E, U+200F,
//     U+202A–U+202E, U+2066–U+2069), which let text display in another
//     order than it reads ("txt.exe" shown as "exe.txt"), the zero-width
//     space, non-joiner and joiner (U+200B–U+200D), the word joiner and
//     invisible operators (U+2060–U+2064), the byte order mark (U+FEFF),
//     the soft hyphen, the tag characters (U+E0000–U+E007F, which can
//     carry a whole hidden ASCII text) and the rest of Cf.
//
// Kept, because emoji need it: a zero-width joiner between two emoji
// (👩‍💻, ❤️‍🔥, 🏳️‍🌈), recognised by the symbols (category So or Sk, or
// the emoji variation selector) on either side. The few flags of a
// country's part spelt with tag characters (Scotland's, Wales') show as a
// black flag 🏴.
//
// Line and paragraph separators (U+2028, U+2029) become a space: only
// some renderers break the line at them, and a one-line field such as a
// title or a topic must stay one line.
func Visible(s string) string {
	if alreadyVisible(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	var prev rune // the last rune kept
	for i, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case r == '\u2028' || r == '\u2029':
			r = ' '
		case r == '\u200D':
			next, size := utf8.DecodeRuneInString(s[i+len("\u200D"):])
			if size == 0 || !emojiSide(prev) || !emojiSide(next) {
				continue
			}
		case unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r):
			continue
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// alreadyVisible reports whether Visible would return s unchanged; most
// text is, and is then returned without a copy. A joiner sends s to the
// slow path even when it would stay.
func alreadyVisible(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < ' ' && c != '\n' && c != '\t') || c == 0x7f {
				return false
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r == '\u2028' || r == '\u2029' || unicode.In(r, unicode.Cc, unicode.Cf) {
			return false
		}
		i += size - 1
	}
	return true
}

// emojiSide reports whether r can sit on either side of a zero-width
// joiner in an emoji sequence: a symbol (emoji are So, skin tones Sk) or
// the emoji variation selector.
func emojiSide(r rune) bool {
	return r == '\uFE0F' || unicode.In(r, unicode.So, unicode.Sk)
}

package bot

import (
	"fmt"
	"strings"
	"unicode"
)

// DatedName is the name "inc-20261125-42-checkout-is-failing" for
// platforms whose channel names are short and ASCII (Slack, the console):
// the prefix, the day and the number, then as much of an ASCII slug of the
// title (lowercase letters and digits, words joined by "-") as fits in max
// bytes. A title without ASCII letters or digits (日本語) adds nothing:
// "inc-20261125-42". The caller still fits the result to its platform's
// own rules (allowed characters, and a prefix too long for max).
func (s ChannelSpec) DatedName(max int) string {
	name := fmt.Sprintf("%s-%s-%d", s.Prefix, s.Date.Format("20060102"), s.ID)
	if slug := slugify(s.Title, max-len(name)-1); slug != "" {
		name += "-" + slug
	}
	return name
}

// slugify keeps the ASCII letters and digits of s, lowercased, with one
// "-" for each run of anything else between them, at most max bytes.
func slugify(s string, max int) string {
	if max <= 0 {
		return ""
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
		if b.Len() >= max {
			break
		}
	}
	out := b.String()
	if len(out) > max {
		out = out[:max]
	}
	return strings.Trim(out, "-")
}

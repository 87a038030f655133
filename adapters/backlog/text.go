package backlog

import "strings"

// Escape is s as one line of a Backlog description that shows s and
// nothing else, whichever of Backlog's two formatting rules the project
// uses (Markdown or Backlog's own notation; UNCONFIRMED which characters
// the latter treats as markup): the characters that start markup in
// either are preceded by a backslash, and "@" is followed by a zero-width
// space so that no mention notifies anyone. Line breaks become spaces.
func Escape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for _, r := range strings.Join(strings.Fields(s), " ") {
		switch {
		case r == '@':
			b.WriteString("@\u200b")
		case r < 0x80 && strings.ContainsRune("\\`*_{}[]()#+-.!|<>~&'\"%", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Description is the description: one escaped paragraph per
// string (empty ones skipped), then link, Warroom's incident page, alone
// on its last line (both formats link a bare URL).
func Description(paragraphs []string, link string) string {
	parts := make([]string, 0, len(paragraphs)+1)
	for _, p := range paragraphs {
		if e := Escape(p); e != "" {
			parts = append(parts, e)
		}
	}
	if link != "" && !strings.ContainsAny(link, "<> \t\r\n") {
		parts = append(parts, link)
	}
	return strings.Join(parts, "\n\n")
}

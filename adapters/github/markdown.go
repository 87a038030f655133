package github

import (
	"strings"
)

// Escape is s as Markdown text that renders as s and nothing else:
// every ASCII punctuation character that CommonMark lets a backslash
// escape is escaped (so no emphasis, link, heading, list, table, code or
// HTML tag can start), and "@" and "#" are followed by a zero-width space
// as well, because GitHub turns "@name" into a mention that notifies and
// "#12" into a cross-reference outside CommonMark's rules. Line breaks
// become spaces: a paragraph stays one paragraph.
func Escape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for _, r := range strings.Join(strings.Fields(s), " ") {
		switch {
		case r == '@' || r == '#':
			b.WriteRune('\\')
			b.WriteRune(r)
			b.WriteRune('\u200b')
		case r < 0x80 && strings.ContainsRune("\\`*_{}[]()+-.!|<>~&=:\"'$%,;/?^", r):
			b.WriteRune('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Body is the Markdown body: one escaped paragraph per string
// (empty ones skipped), then link, Warroom's own incident page, on a line
// of its own as an autolink.
func Body(paragraphs []string, link string) string {
	var parts []string
	for _, p := range paragraphs {
		if p = Escape(p); p != "" {
			parts = append(parts, p)
		}
	}
	if link != "" && !strings.ContainsAny(link, "<> \t\r\n") {
		parts = append(parts, "<"+link+">")
	}
	return strings.Join(parts, "\n\n")
}

package postmortem

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/warroomhq/warroom/bot"
)

// oneline is text with its line breaks and runs of spaces as one space.
func oneline(text string) string { return strings.Join(strings.Fields(text), " ") }

// mdLine is text on one line (oneline), escaped for Markdown (mdEscape).
func mdLine(text string) string {
	if plainLine(text) {
		return text
	}
	return mdEscape(oneline(text))
}

// plainLine reports whether mdLine would return text as it is: one
// trimmed, single-spaced line of printable ASCII holding nothing Markdown
// could read as structure. Most chat messages and names are, and a long
// draft then writes them without copying each one three times.
func plainLine(text string) bool {
	if text == "" {
		return true
	}
	if text[0] == ' ' || text[len(text)-1] == ' ' || blockMarker(text) >= 0 || closingHashes(text) >= 0 {
		return false
	}
	space := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c < ' ' || c > '~', c == ' ' && space,
			c == '<', c == '>', c == '&', c == '\\', c == '`', c == '*', c == '[', c == ']', c == '|', c == '~', c == '_':
			return false
		}
		space = c == ' '
	}
	return true
}

// mdEscape makes text from chat show in Markdown as the text it is, never
// as structure: the draft is pasted into wikis that render Markdown, and
// many of them render HTML in it too. In every line, invisible characters
// dropped (bot.Visible) and blanks around it trimmed (no indented code,
// no hard line break):
//
//   - <, > and & become &lt;, &gt; and &amp;: no HTML element, no comment,
//     no autolink <…>, no entity, no block quote;
//   - \ ` * [ ] | ~ are escaped with a backslash: no code span or fence,
//     no emphasis, no link or image ("[x](javascript:…)" and
//     "![](http://host/pixel.png)" show as typed, their URL in view), no
//     footnote, no table cell, no strikethrough;
//   - _ likewise, except between two letters or digits, where CommonMark
//     never reads it as emphasis (snake_case stays readable);
//   - at the line's start, the marker that would open a block is escaped
//     (blockMarker): no heading, list item, thematic break or setext
//     underline; and so is a run of # ending the line after a blank, which
//     would close an ATX heading.
//
// A bare http(s) URL stays as it is: GitHub-flavoured Markdown links it,
// and the link then shows its own URL. Line breaks are kept: lines of one
// paragraph stay one paragraph, and a blank line still separates two.
func mdEscape(text string) string {
	lines := strings.Split(bot.Visible(text), "\n")
	for i, l := range lines {
		lines[i] = mdEscapeLine(strings.Trim(l, " \t"))
	}
	return strings.Join(lines, "\n")
}

// mdEscapeLine escapes one trimmed line; see mdEscape.
func mdEscapeLine(l string) string {
	var b strings.Builder
	b.Grow(len(l) + len(l)/8)
	marker, closing := blockMarker(l), closingHashes(l)
	for i, r := range l {
		switch {
		case r == '<':
			b.WriteString("&lt;")
			continue
		case r == '>':
			b.WriteString("&gt;")
			continue
		case r == '&':
			b.WriteString("&amp;")
			continue
		case strings.ContainsRune("\\`*[]|~", r),
			r == '_' && !intraword(l, i),
			i == marker, i == closing:
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// blockMarker is the offset of the character that makes the trimmed line
// l open a block, or -1: the # of "# heading", the - or + of "- item", the
// . or ) of "1. item", the : of ": definition", and the first character
// of a line of only -, = and : (a thematic break, a setext underline or a
// table's delimiter row, blanks between them allowed).
// The other block openers (* _ > ` ~ < and |) are escaped wherever they are.
func blockMarker(l string) int {
	if l == "" {
		return -1
	}
	if strings.Trim(l, "-:= \t") == "" {
		// A thematic break, a setext underline, or a table's delimiter
		// row ("---:", ":-:"), which turns the line above into a table.
		return 0
	}
	blankOrEnd := func(rest string) bool { return rest == "" || rest[0] == ' ' || rest[0] == '\t' }
	switch c := l[0]; {
	case c == '#':
		if blankOrEnd(strings.TrimLeft(l, "#")) {
			return 0
		}
	case c == '-' || c == '+' || c == '=':
		if blankOrEnd(l[1:]) || strings.Trim(l, string(c)+" \t") == "" {
			return 0
		}
	case c == ':': // a definition, where definition lists are read
		if blankOrEnd(l[1:]) {
			return 0
		}
	case c >= '0' && c <= '9':
		rest := strings.TrimLeft(l, "0123456789")
		if rest != "" && (rest[0] == '.' || rest[0] == ')') && blankOrEnd(rest[1:]) {
			return len(l) - len(rest)
		}
	}
	return -1
}

// closingHashes is the offset of the run of # ending l after a space or a
// tab, which closes an ATX heading; -1 when there is none.
func closingHashes(l string) int {
	i := len(strings.TrimRight(l, "#"))
	if i == len(l) || i == 0 || (l[i-1] != ' ' && l[i-1] != '\t') {
		return -1
	}
	return i
}

// intraword reports whether the byte at i sits between two letters or
// digits.
func intraword(l string, i int) bool {
	prev, _ := utf8.DecodeLastRuneInString(l[:i])
	next, size := utf8.DecodeRuneInString(l[i+1:])
	return i > 0 && size > 0 && isAlnum(prev) && isAlnum(next)
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

package bot

import (
	"strings"
	"unicode"
)

// Command is one parsed command line, the same for every platform: the
// text after "/incident" on Slack, after the @Warroom mention on Teams, and
// after "/incident" in the console.
//
//	INC-42 role commander <@U024BE7LH|alice>
//	declare Checkout is failing P1
type Command struct {
	// Name is the command word as typed, lower-cased; the router resolves
	// aliases and typos.
	Name string
	// Incident is the incident named with "INC-n" before the command (or as
	// its first argument); 0 when none was given.
	Incident int64
	// Args are the whitespace-separated words after the name (and after an
	// INC-n argument).
	Args []string
	// Text is everything after the name (and INC-n), verbatim but trimmed:
	// the free text of note, update, resolve and declare.
	Text string
	// Mentions are the users mentioned, in order.
	Mentions []User
}

// Arg returns argument i, or "" when there are fewer.
func (c Command) Arg(i int) string {
	if i < len(c.Args) {
		return c.Args[i]
	}
	return ""
}

// Parse splits a command line. It never fails: an empty line gives an
// empty Name (which the router answers with help).
func Parse(line string) Command {
	var c Command
	rest := strings.TrimSpace(line)
	word, after := cutWord(rest)
	if id, ok := parseIncidentWord(word); ok {
		c.Incident = id
		word, after = cutWord(after)
	}
	c.Name = strings.ToLower(word)
	if c.Incident == 0 {
		if w, a := cutWord(after); w != "" {
			if id, ok := parseIncidentWord(w); ok {
				c.Incident, after = id, a
			}
		}
	}
	c.Text = strings.TrimSpace(after)
	if c.Text != "" {
		c.Args = fields(c.Text)
	}
	for _, a := range c.Args {
		if u, ok := ParseMention(a); ok {
			c.Mentions = append(c.Mentions, u)
		}
	}
	return c
}

// fields splits s at white space, keeping a mention "<@U1|Bob Smith>"
// whole even when the name has spaces.
func fields(s string) []string {
	var out []string
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		if s == "" {
			return out
		}
		if strings.HasPrefix(s, "<@") {
			if end := strings.IndexByte(s, '>'); end > 0 {
				out = append(out, s[:end+1])
				s = s[end+1:]
				continue
			}
		}
		w, rest := cutWord(s)
		out = append(out, w)
		s = rest
	}
}

// parseIncidentWord accepts only the explicit "INC-n" form, so that a bare
// number (as in "timeline 10") is never taken for an incident.
func parseIncidentWord(w string) (int64, bool) {
	if len(w) < 5 || !strings.EqualFold(w[:4], "INC-") {
		return 0, false
	}
	return ParseID(w)
}

func cutWord(s string) (word, rest string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// ParseMention recognizes a user reference in a command: Slack's escaped
// "<@U024BE7LH>" or "<@U024BE7LH|alice>" (adapters rewrite their own
// mention syntax to this form) or a plain "@alice".
func ParseMention(tok string) (User, bool) {
	if strings.HasPrefix(tok, "<@") && strings.HasSuffix(tok, ">") {
		body := tok[2 : len(tok)-1]
		id, name, _ := strings.Cut(body, "|")
		if id == "" {
			return User{}, false
		}
		return User{ID: id, Name: name}, true
	}
	if len(tok) > 1 && tok[0] == '@' {
		name := strings.TrimRight(tok[1:], ".,;:!?")
		if name == "" {
			return User{}, false
		}
		return User{ID: name, Name: name}, true
	}
	return User{}, false
}

// FormatMention renders u in the form ParseMention reads back.
func FormatMention(u User) string {
	if u.Name != "" && u.Name != u.ID {
		return "<@" + u.ID + "|" + u.Name + ">"
	}
	return "<@" + u.ID + ">"
}

// Closest returns the candidate nearest to word by edit distance, when it
// is near enough to be a plausible typo.
func Closest(word string, candidates []string) (string, bool) {
	best, bestD := "", len(word)/2+2
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best, best != ""
}

// editDistance is the Levenshtein distance over runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

package bot

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzGrammarWords fuzzes the parsers of the command grammar's words that
// FuzzParse (command_test.go) does not reach: incident IDs, priorities,
// statuses, roles, mentions and locales. Whatever the word, none panics,
// and what one accepts is well formed and reads back the same once
// formatted. Seeds are under testdata/fuzz/FuzzGrammarWords/.
func FuzzGrammarWords(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		if id, ok := ParseID(s); ok {
			if id <= 0 {
				t.Fatalf("ParseID(%q) = %d", s, id)
			}
			if back, ok := ParseID(FormatID(id)); !ok || back != id {
				t.Fatalf("ParseID(FormatID(%d)) = %d, %v", id, back, ok)
			}
		}
		if p, ok := ParsePriority(s); ok {
			if !p.Valid() {
				t.Fatalf("ParsePriority(%q) = %d, not P1..P4", s, p)
			}
			if back, ok := ParsePriority(p.String()); !ok || back != p {
				t.Fatalf("ParsePriority(%q) = %v, %v", p.String(), back, ok)
			}
		}
		if st, ok := ParseStatus(s); ok {
			if back, ok := ParseStatus(string(st)); !ok || back != st {
				t.Fatalf("ParseStatus(%q) = %v, %v", st, back, ok)
			}
		}
		if r, ok := ParseRole(s, BuiltinRoles); ok && !containsRole(BuiltinRoles, r) {
			t.Fatalf("ParseRole(%q) = %q, not a known role", s, r)
		}
		if l, ok := ParseLang(s); ok && l != English && l != Japanese {
			t.Fatalf("ParseLang(%q) = %q", s, l)
		}
		if u, ok := ParseMention(s); ok {
			if u.ID == "" {
				t.Fatalf("ParseMention(%q) gave no ID", s)
			}
			// A mention from a platform (no space, '|' or '>' in the ID)
			// survives formatting and the command parser.
			if !strings.ContainsAny(u.ID+u.Name, "|>") && strings.IndexFunc(u.ID, unicode.IsSpace) < 0 &&
				u.ID == strings.TrimSpace(u.ID) && !strings.HasPrefix(u.ID, "@") {
				c := Parse("role ic " + FormatMention(u))
				if len(c.Mentions) != 1 || c.Mentions[0].ID != u.ID {
					t.Fatalf("mention %+v of %q does not read back: %+v", u, s, c.Mentions)
				}
			}
		}
		if w, ok := Closest(s, []string{"declare", "resolve", "status", "priority"}); ok && w == "" {
			t.Fatalf("Closest(%q) = empty", s)
		}
	})
}

func containsRole(roles []Role, r Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

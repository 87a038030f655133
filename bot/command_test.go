package bot

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		line string
		want Command
	}{
		{"", Command{}},
		{"declare Checkout is failing P1", Command{Name: "declare", Text: "Checkout is failing P1", Args: []string{"Checkout", "is", "failing", "P1"}}},
		{"  RESOLVE   fixed it ", Command{Name: "resolve", Text: "fixed it", Args: []string{"fixed", "it"}}},
		{"INC-42 role commander <@U024BE7LH|alice>", Command{Name: "role", Incident: 42, Text: "commander <@U024BE7LH|alice>",
			Args: []string{"commander", "<@U024BE7LH|alice>"}, Mentions: []User{{ID: "U024BE7LH", Name: "alice"}}}},
		{"summary inc-7", Command{Name: "summary", Incident: 7}},
		{"timeline 10", Command{Name: "timeline", Text: "10", Args: []string{"10"}}},
		{"role ops @bob", Command{Name: "role", Text: "ops @bob", Args: []string{"ops", "@bob"}, Mentions: []User{{ID: "bob", Name: "bob"}}}},
		{"note 決済APIのタイムアウトが増加", Command{Name: "note", Text: "決済APIのタイムアウトが増加", Args: []string{"決済APIのタイムアウトが増加"}}},
		{"INC-5", Command{Incident: 5}},
		{"role ic <@29:1a|Bob Smith> now", Command{Name: "role", Text: "ic <@29:1a|Bob Smith> now",
			Args: []string{"ic", "<@29:1a|Bob Smith>", "now"}, Mentions: []User{{ID: "29:1a", Name: "Bob Smith"}}}},
	} {
		t.Run(tc.line, func(t *testing.T) {
			require.Equal(t, tc.want, Parse(tc.line))
		})
	}
}

func TestParseMention(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want User
		ok   bool
	}{
		{"<@U1>", User{ID: "U1"}, true},
		{"<@U1|bob>", User{ID: "U1", Name: "bob"}, true},
		{"@carol,", User{ID: "carol", Name: "carol"}, true},
		{"<@>", User{}, false},
		{"@", User{}, false},
		{"bob", User{}, false},
	} {
		got, ok := ParseMention(tc.in)
		require.Equal(t, tc.ok, ok, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
	u := User{ID: "U1", Name: "bob"}
	back, ok := ParseMention(FormatMention(u))
	require.True(t, ok)
	require.Equal(t, u, back)
}

func TestClosest(t *testing.T) {
	cmds := []string{"declare", "resolve", "status", "priority", "timeline", "help"}
	for typo, want := range map[string]string{"resolv": "resolve", "delcare": "declare", "priorty": "priority", "stats": "status"} {
		got, ok := Closest(typo, cmds)
		require.True(t, ok, typo)
		require.Equal(t, want, got, typo)
	}
	_, ok := Closest("xyzzyplugh", cmds)
	require.False(t, ok)
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"declare x P1", "INC-1 role ic <@U1|a>", "<@", "INC-99999999999999999999 x", "\x00 \t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Parse(s)
		if c.Incident < 0 {
			t.Fatalf("negative incident from %q", s)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Parse("INC-42 role commander <@U024BE7LH|alice>")
	}
}

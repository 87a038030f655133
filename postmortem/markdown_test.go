package postmortem

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"

	"github.com/warroomhq/warroom/bot"
)

func TestMDEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Checkout is failing", "Checkout is failing"},
		{"error rate 0.1% since 09:58; see 4f2a", "error rate 0.1% since 09:58; see 4f2a"},
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"[x](javascript:alert(1))", `\[x\](javascript:alert(1))`},
		{"![](http://host/pixel.png)", `!\[\](http://host/pixel.png)`},
		{"<https://evil.example>", "&lt;https://evil.example&gt;"},
		{"R&D &amp; ops", "R&amp;D &amp;amp; ops"},
		{"`code` *bold* _em_ ~~gone~~ a|b \\", "\\`code\\` \\*bold\\* \\_em\\_ \\~\\~gone\\~\\~ a\\|b \\\\"},
		{"db_primary snake_case_name 漢_字", "db_primary snake_case_name 漢_字"},
		{"_lead trail_ a__b", `\_lead trail\_ a\_\_b`},
		{"# heading", `\# heading`},
		{"###### six", `\###### six`},
		{"#1 is not a heading, nor #general", "#1 is not a heading, nor #general"},
		{"title ##", `title \##`},
		{"C#", "C#"},
		{"- item", `\- item`},
		{"+ item", `\+ item`},
		{"-1 is a number", "-1 is a number"},
		{"---", `\---`},
		{"---:", `\---:`},
		{":-:", `\:-:`},
		{"heading\n---:", "heading\n\\---:"},
		{"- - -", `\- - -`},
		{"===", `\===`},
		{"1. first", `1\. first`},
		{"2024) year", `2024\) year`},
		{"1.5 is a number", "1.5 is a number"},
		{": definition", `\: definition`},
		{"> quoted", "&gt; quoted"},
		{"    indented code", "indented code"},
		{"hard break  \nnext", "hard break\nnext"},
		{"one\n\n# two\n- three\n===", "one\n\n\\# two\n\\- three\n\\==="},
		{"pay\u202Egpj.exe\u200B", "paygpj.exe"},
		{"", ""},
	} {
		require.Equal(t, tc.want, mdEscape(tc.in), "in %q", tc.in)
	}
	require.Equal(t, "a - b # c", mdLine("a\n- b\n# c"), "one line, where no block starts")
}

// mdHTML renders Markdown as a wiki would: CommonMark with GitHub's
// tables, strikethrough and task lists, footnotes and definition lists,
// raw HTML let through (so any that survives is seen), and, with linkify,
// GitHub's bare-URL links.
func mdHTML(t testing.TB, md string, linkify bool) string {
	t.Helper()
	exts := []goldmark.Extender{extension.Table, extension.Strikethrough, extension.TaskList, extension.Footnote, extension.DefinitionList}
	if linkify {
		exts = append(exts, extension.Linkify)
	}
	var b bytes.Buffer
	require.NoError(t, goldmark.New(goldmark.WithExtensions(exts...), goldmark.WithRendererOptions(html.WithUnsafe())).Convert([]byte(md), &b))
	return b.String()
}

var (
	htmlTag  = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9-]*)`)
	htmlHref = regexp.MustCompile(`(?i)<a\s+href="([^"]*)"`)
)

// tagCounts counts the opening and closing tags of each element.
func tagCounts(h string) map[string]int {
	out := map[string]int{}
	for _, m := range htmlTag.FindAllStringSubmatch(h, -1) {
		out[m[1]+strings.ToLower(m[2])]++
	}
	return out
}

// requireInertMarkdown fails unless md, rendered, has exactly the elements
// benign (the same draft with every text from chat made plain) has: no
// HTML element, link, image, heading, list, table, code or emphasis came
// from chat. With bare URLs linked as GitHub does, each link is an http(s)
// or mailto URL, which shows as itself.
func requireInertMarkdown(t testing.TB, md, benign string) {
	t.Helper()
	got, want := mdHTML(t, md, false), mdHTML(t, benign, false)
	require.Equal(t, tagCounts(want), tagCounts(got), "the draft's structure changed:\n%s\nrendered:\n%s", md, got)
	require.NotContains(t, got, "<a ")
	require.NotContains(t, got, "<img")
	linked := mdHTML(t, md, true)
	require.NotContains(t, linked, "<img")
	for _, m := range htmlHref.FindAllStringSubmatch(linked, -1) {
		require.Regexp(t, `^(https?://|mailto:)`, m[1], "a link from chat: %s", linked)
	}
}

// benignText is s with each line that shows something replaced by "x":
// text of the same shape (lines, blank lines, emptiness) and no syntax.
func benignText(s string) string {
	if s == "" {
		return ""
	}
	lines := strings.Split(bot.Visible(s), "\n")
	shows := false
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i], shows = "x", true
		} else {
			lines[i] = ""
		}
	}
	if !shows {
		return s // shows nothing either way
	}
	return strings.Join(lines, "\n")
}

// mapText replaces every text of d that came from people or an alert
// with f of it.
func mapText(d *Data, f func(string) string) {
	user := func(u *User) { u.Name = f(u.Name) }
	d.Title, d.Description, d.Summary, d.Channel = f(d.Title), f(d.Description), f(d.Summary), f(d.Channel)
	user(&d.DeclaredBy)
	for i := range d.PriorityHistory {
		user(&d.PriorityHistory[i].By)
	}
	for i := range d.Roles {
		user(&d.Roles[i].User)
		user(&d.Roles[i].By)
	}
	for i := range d.Impact {
		d.Impact[i].Text = f(d.Impact[i].Text)
		user(&d.Impact[i].By)
	}
	for i := range d.KeyEvents {
		k := &d.KeyEvents[i]
		k.Text = f(k.Text)
		user(&k.Author)
		if k.FlaggedBy != nil {
			by := *k.FlaggedBy
			user(&by)
			k.FlaggedBy = &by
		}
	}
	for i := range d.Timeline {
		e := &d.Timeline[i]
		e.Text = f(e.Text)
		user(&e.Author)
		if e.Refers != nil {
			r := *e.Refers
			r.Text = f(r.Text)
			user(&r.Author)
			e.Refers = &r
		}
		data := make(map[string]string, len(e.Data))
		for k, v := range e.Data {
			switch k {
			case "user_name", "previous":
				v = f(v)
			case "status":
				if e.Kind == bot.KindAlert {
					v = f(v)
				}
			}
			data[k] = v
		}
		e.Data = data
	}
	for i := range d.FollowUps {
		d.FollowUps[i].Text = f(d.FollowUps[i].Text)
		user(&d.FollowUps[i].Owner)
		user(&d.FollowUps[i].CreatedBy)
	}
}

// allKinds is a draft with one of every part the templates show, every
// text from chat given by text(i) for its i-th place.
func allKinds(text func(i int) string) *Data {
	n := 0
	next := func() string { n++; return text(n - 1) }
	u := func() User { return User{ID: "U1", Name: next()} }
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	sec := int64(60)
	ref := func() *Ref { return &Ref{At: t0, Author: u(), Text: next()} }
	flaggedBy := u()
	return &Data{
		ID: 1, Key: "INC-1", Title: next(), Description: next(), Status: bot.StatusResolved, Priority: "P1",
		Source: "manual", Channel: next(), DeclaredBy: u(), CreatedAt: t0, AckedAt: t0, ResolvedAt: t0,
		GeneratedAt: t0, DurationSeconds: sec, TimeToAcknowledgeSeconds: &sec, TimeToResolveSeconds: &sec,
		PriorityHistory: []Priority{{At: t0, To: "P2", By: u()}, {At: t0, From: "P2", To: "P1", By: u()}},
		Roles:           []Role{{Role: bot.RoleCommander, User: u(), Since: t0, Until: t0, By: u()}, {Role: bot.RoleScribe, User: u()}},
		Summary:         next(),
		Impact:          []Update{{At: t0, By: u(), Status: bot.StatusIdentified, Text: next()}},
		KeyEvents: []KeyEvent{
			{At: t0, Author: u(), Kind: bot.KindMessage, Text: next(), Edited: true, FlaggedBy: &flaggedBy, Ref: "m1"},
			{At: t0, Author: u(), Kind: bot.KindNote, Text: next()},
			{At: t0, Kind: bot.KindMessage, Missing: true, FlaggedBy: &flaggedBy, Ref: "m9"},
		},
		Timeline: []Entry{
			{ID: "1", At: t0, Kind: bot.KindDeclared, Author: u(), Text: next()},
			{ID: "2", At: t0, Kind: bot.KindMessage, Author: u(), Text: next(), Edited: true},
			{ID: "3", At: t0, Kind: bot.KindNote, Author: u(), Text: next(), Key: true},
			{ID: "4", At: t0, Kind: bot.KindUpdate, Author: u(), Text: next()},
			{ID: "5", At: t0, Kind: bot.KindStatus, Author: u(), Text: next(), Data: map[string]string{"from": "investigating", "to": "identified"}},
			{ID: "6", At: t0, Kind: bot.KindRole, Author: u(), Data: map[string]string{"role": "commander", "user_id": "U2", "user_name": next(), "previous": next()}},
			{ID: "7", At: t0, Kind: bot.KindRole, Author: u(), Data: map[string]string{"role": "scribe", "user_id": "U3", "user_name": next()}},
			{ID: "8", At: t0, Kind: bot.KindAlert, Author: u(), Text: next(), Data: map[string]string{"status": next()}},
			{ID: "9", At: t0, Kind: bot.KindEdit, Author: u(), Text: next(), Refers: ref()},
			{ID: "10", At: t0, Kind: bot.KindFlag, Author: u(), Key: true, Refers: ref(), Data: map[string]string{"flag": "on"}},
			{ID: "11", At: t0, Kind: bot.KindDelete, Author: u(), Refers: ref()},
			{ID: "12", At: t0, Kind: bot.KindPriority, Author: u(), Data: map[string]string{"from": "P2", "to": "P1"}},
		},
		FollowUps: []FollowUp{{N: 1, Text: next(), Owner: u(), Due: "2026-01-09", State: bot.FollowUpOpen, CreatedBy: u(), CreatedAt: t0}},
	}
}

// tokens are pieces of Markdown, HTML and invisible characters that
// change a document's structure or hide what it says.
var tokens = []string{
	"<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<a href=\"javascript:alert(1)\">x</a>", "<!--", "-->",
	"<http://evil.example>", "<mailto:a@evil.example>", "[x](javascript:alert(1))", "![](http://host/pixel.png)",
	"[x]: http://evil.example", "[x]", "[^1]", "[^1]: note", "[ ] ", "[x] ", "# ", "## ", "#", "- ", "+ ", "* ", "1. ", "2) ",
	"---", "---:", ":-:", "***", "___", "===", "> ", ": ", "```", "~~~", "`", "~~", "*", "**", "_", "__", "|", "| --- |", "\\", "&", "&lt;",
	"&#106;avascript:", "javascript:", "data:text/html,<b>x</b>", "www.evil.example", "http://evil.example/a_b_c", "a@b.example",
	"    ", "\t", "  \n", "\n", "\n\n", " ", "a", "b", "x_y", "漢字", "(", ")", "!", "<", ">", "\u202E", "\u200B", "\u2028", "\r\n",
}

// hostileText is a random text of up to a dozen tokens.
func hostileText(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(13) {
		b.WriteString(tokens[r.IntN(len(tokens))])
	}
	return b.String()
}

func newRenderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := New(Config{})
	require.NoError(t, err)
	return r
}

// render is the draft d in lang, as a string.
func render(t testing.TB, r *Renderer, d *Data, lang bot.Lang) string {
	t.Helper()
	var b strings.Builder
	require.NoError(t, r.Execute(&b, d, lang))
	return b.String()
}

// requireInertDraft renders d in lang and checks it against the same draft
// with every text from chat made plain.
func requireInertDraft(t testing.TB, r *Renderer, d *Data, lang bot.Lang) {
	t.Helper()
	md := render(t, r, d, lang)
	plain := *d
	plain.PriorityHistory = append([]Priority(nil), d.PriorityHistory...)
	plain.Roles = append([]Role(nil), d.Roles...)
	plain.Impact = append([]Update(nil), d.Impact...)
	plain.KeyEvents = append([]KeyEvent(nil), d.KeyEvents...)
	plain.Timeline = append([]Entry(nil), d.Timeline...)
	plain.FollowUps = append([]FollowUp(nil), d.FollowUps...)
	mapText(&plain, benignText)
	benign := render(t, r, &plain, lang)
	requireInertMarkdown(t, md, benign)
}

// Property: whatever people write, wherever it lands in the draft, the
// draft rendered as HTML has the elements the template alone makes and
// no link or image from chat, in both languages.
func TestPostmortemMarkdownInert(t *testing.T) {
	s := newRenderer(t)
	r := rand.New(rand.NewPCG(11, uint64(time.Now().UnixNano())))
	for i := range 400 {
		d := allKinds(func(int) string { return hostileText(r) })
		lang := bot.Langs[i%len(bot.Langs)]
		t.Run(fmt.Sprint(i), func(t *testing.T) { requireInertDraft(t, s, d, lang) })
		if t.Failed() {
			return
		}
	}
	// Each token alone in every place.
	for _, tok := range tokens {
		requireInertDraft(t, s, allKinds(func(int) string { return tok }), bot.English)
	}
}

// FuzzPostmortemMarkdown puts the fuzzed text in every place of the draft
// the template shows text from chat, and pieces of it in turn in each.
func FuzzPostmortemMarkdown(f *testing.F) {
	for _, seed := range []string{
		"<script>alert(1)</script> [x](javascript:alert(1)) ![](http://host/pixel.png)",
		"# Postmortem: INC-1 fake\n\n| a | b |\n| --- | --- |\n| c | d |",
		"line\n- item\n1. item\n> quote\n```\ncode\n```\n===\n---",
		"pay\u202Egpj.exe <https://evil.example> [a]: http://x &#106;avascript:",
	} {
		f.Add(seed)
	}
	s := newRenderer(f)
	f.Fuzz(func(t *testing.T, text string) {
		requireInertDraft(t, s, allKinds(func(int) string { return text }), bot.English)
		parts := strings.Fields(text)
		if len(parts) > 1 {
			requireInertDraft(t, s, allKinds(func(i int) string { return strings.Join(parts[i%len(parts):], " ") }), bot.Japanese)
		}
	})
}

package handlers

import (
	"bytes"
	"context"
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
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
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

// A story whose people type Markdown and HTML at every turn: the draft
// shows their text as typed, escaped, while the timeline keeps it as it
// was said.
func TestPostmortemHostileChat(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	mallory := bot.User{ID: "U9", Name: "<img src=x onerror=alert(1)> *mallory*"}
	title := "# Pwned <script>alert(1)</script>"
	inc := e.declare(title + " P2")
	ch := inc.Channel.ID
	require.Equal(t, title, inc.Title, "the record keeps the title as typed")
	hostile := "<script>steal()</script> [x](javascript:alert(1)) ![](http://host/pixel.png) pay\u202Egpj.exe"
	send := func(ev bot.Event) {
		t.Helper()
		ev.Platform, ev.Channel, ev.At = "test", ch, e.now
		require.NoError(t, e.r.Serve(ctx, ev))
	}
	send(bot.Event{Kind: bot.EventMessage, User: mallory, Text: hostile, Ref: "m1"})
	send(bot.Event{Kind: bot.EventMessage, User: e.bob, Text: "# Postmortem: INC-1 fake\n\n| a | b |\n| --- | --- |\n| c | d |", Ref: "m2"})
	send(bot.Event{Kind: bot.EventReaction, User: e.alice, Ref: "m1", Reaction: "pushpin"})
	e.must(e.alice, ch, "note `rm -rf` <b>bold</b>")
	e.must(e.bob, ch, "resolve fixed\n## Injected\n<iframe src=https://evil.example></iframe>")

	md, err := e.svc.Postmortem(ctx, inc.ID, bot.English)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(md, "# Postmortem: INC-1 \\# Pwned &lt;script&gt;alert(1)&lt;/script&gt;\n"), md)
	require.Equal(t, 1, strings.Count(md, "\n# ")+1, "one level-one heading")
	require.Contains(t, md, "| Title | \\# Pwned &lt;script&gt;alert(1)&lt;/script&gt; |")
	escaped := "&lt;script&gt;steal()&lt;/script&gt; \\[x\\](javascript:alert(1)) !\\[\\](http://host/pixel.png) paygpj.exe"
	require.Contains(t, md, "· &lt;img src=x onerror=alert(1)&gt; \\*mallory\\* · message · "+escaped+"\n")
	require.Contains(t, md, "&lt;img src=x onerror=alert(1)&gt; \\*mallory\\* (message, flagged by alice): "+escaped+"\n")
	require.Contains(t, md, "· bob · message · \\# Postmortem: INC-1 fake \\| a \\| b \\| \\| --- \\| --- \\| \\| c \\| d \\|\n")
	require.Contains(t, md, "· alice · note ★ · \\`rm -rf\\` &lt;b&gt;bold&lt;/b&gt;\n")
	require.Contains(t, md, "## Summary\n\nfixed\n\\## Injected\n&lt;iframe src=https://evil.example&gt;&lt;/iframe&gt;\n")
	requireInertMarkdown(t, md, benignMarkdown(t, e))

	tl, err := e.st.Timeline(ctx, inc.ID, store.TimelineQuery{})
	require.NoError(t, err)
	var texts []string
	for _, en := range tl {
		texts = append(texts, en.Text)
	}
	require.Contains(t, texts, hostile, "the timeline keeps the original bytes")
}

// benignMarkdown is the draft of the hostile story's shape told in plain
// words: the structure the template alone makes.
func benignMarkdown(t *testing.T, e *env) string {
	t.Helper()
	d, err := e.svc.PostmortemData(context.Background(), 1)
	require.NoError(t, err)
	mapPMText(d, benignText)
	md, err := e.svc.renderPostmortem(d, bot.English)
	require.NoError(t, err)
	return md
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

// mapPMText replaces every text of d that came from people or an alert
// with f of it.
func mapPMText(d *PostmortemData, f func(string) string) {
	user := func(u *PostmortemUser) { u.Name = f(u.Name) }
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

// pmAllKinds is a draft with one of every part the templates show, every
// text from chat given by text(i) for its i-th place.
func pmAllKinds(text func(i int) string) *PostmortemData {
	n := 0
	next := func() string { n++; return text(n - 1) }
	u := func() PostmortemUser { return PostmortemUser{ID: "U1", Name: next()} }
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	sec := int64(60)
	ref := func() *PostmortemRef { return &PostmortemRef{At: t0, Author: u(), Text: next()} }
	flaggedBy := u()
	return &PostmortemData{
		ID: 1, Key: "INC-1", Title: next(), Description: next(), Status: bot.StatusResolved, Priority: "P1",
		Source: "manual", Channel: next(), DeclaredBy: u(), CreatedAt: t0, AckedAt: t0, ResolvedAt: t0,
		GeneratedAt: t0, DurationSeconds: sec, TimeToAcknowledgeSeconds: &sec, TimeToResolveSeconds: &sec,
		PriorityHistory: []PostmortemPriority{{At: t0, To: "P2", By: u()}, {At: t0, From: "P2", To: "P1", By: u()}},
		Roles:           []PostmortemRole{{Role: bot.RoleCommander, User: u(), Since: t0, Until: t0, By: u()}, {Role: bot.RoleScribe, User: u()}},
		Summary:         next(),
		Impact:          []PostmortemUpdate{{At: t0, By: u(), Status: bot.StatusIdentified, Text: next()}},
		KeyEvents: []PostmortemKeyEvent{
			{At: t0, Author: u(), Kind: bot.KindMessage, Text: next(), Edited: true, FlaggedBy: &flaggedBy, Ref: "m1"},
			{At: t0, Author: u(), Kind: bot.KindNote, Text: next()},
			{At: t0, Kind: bot.KindMessage, Missing: true, FlaggedBy: &flaggedBy, Ref: "m9"},
		},
		Timeline: []PostmortemEntry{
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
		FollowUps: []PostmortemFollowUp{{N: 1, Text: next(), Owner: u(), Due: "2026-01-09", State: bot.FollowUpOpen, CreatedBy: u(), CreatedAt: t0}},
	}
}

// pmTokens are pieces of Markdown, HTML and invisible characters that
// change a document's structure or hide what it says.
var pmTokens = []string{
	"<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<a href=\"javascript:alert(1)\">x</a>", "<!--", "-->",
	"<http://evil.example>", "<mailto:a@evil.example>", "[x](javascript:alert(1))", "![](http://host/pixel.png)",
	"[x]: http://evil.example", "[x]", "[^1]", "[^1]: note", "[ ] ", "[x] ", "# ", "## ", "#", "- ", "+ ", "* ", "1. ", "2) ",
	"---", "---:", ":-:", "***", "___", "===", "> ", ": ", "```", "~~~", "`", "~~", "*", "**", "_", "__", "|", "| --- |", "\\", "&", "&lt;",
	"&#106;avascript:", "javascript:", "data:text/html,<b>x</b>", "www.evil.example", "http://evil.example/a_b_c", "a@b.example",
	"    ", "\t", "  \n", "\n", "\n\n", " ", "a", "b", "x_y", "漢字", "(", ")", "!", "<", ">", "\u202E", "\u200B", "\u2028", "\r\n",
}

// pmHostile is a random text of up to a dozen tokens.
func pmHostile(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(13) {
		b.WriteString(pmTokens[r.IntN(len(pmTokens))])
	}
	return b.String()
}

func newPMService(t testing.TB) *Service {
	t.Helper()
	s, err := New(storetest.New(t), Options{})
	require.NoError(t, err)
	return s
}

// requireInertDraft renders d in lang and checks it against the same draft
// with every text from chat made plain.
func requireInertDraft(t testing.TB, s *Service, d *PostmortemData, lang bot.Lang) {
	t.Helper()
	md, err := s.renderPostmortem(d, lang)
	require.NoError(t, err)
	plain := *d
	plain.PriorityHistory = append([]PostmortemPriority(nil), d.PriorityHistory...)
	plain.Roles = append([]PostmortemRole(nil), d.Roles...)
	plain.Impact = append([]PostmortemUpdate(nil), d.Impact...)
	plain.KeyEvents = append([]PostmortemKeyEvent(nil), d.KeyEvents...)
	plain.Timeline = append([]PostmortemEntry(nil), d.Timeline...)
	plain.FollowUps = append([]PostmortemFollowUp(nil), d.FollowUps...)
	mapPMText(&plain, benignText)
	benign, err := s.renderPostmortem(&plain, lang)
	require.NoError(t, err)
	requireInertMarkdown(t, md, benign)
}

// Property: whatever people write, wherever it lands in the draft, the
// draft rendered as HTML has the elements the template alone makes and
// no link or image from chat, in both languages.
func TestPostmortemMarkdownInert(t *testing.T) {
	s := newPMService(t)
	r := rand.New(rand.NewPCG(11, uint64(time.Now().UnixNano())))
	for i := range 400 {
		d := pmAllKinds(func(int) string { return pmHostile(r) })
		lang := bot.Langs[i%len(bot.Langs)]
		t.Run(fmt.Sprint(i), func(t *testing.T) { requireInertDraft(t, s, d, lang) })
		if t.Failed() {
			return
		}
	}
	// Each token alone in every place.
	for _, tok := range pmTokens {
		requireInertDraft(t, s, pmAllKinds(func(int) string { return tok }), bot.English)
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
	s := newPMService(f)
	f.Fuzz(func(t *testing.T, text string) {
		requireInertDraft(t, s, pmAllKinds(func(int) string { return text }), bot.English)
		parts := strings.Fields(text)
		if len(parts) > 1 {
			requireInertDraft(t, s, pmAllKinds(func(i int) string { return strings.Join(parts[i%len(parts):], " ") }), bot.Japanese)
		}
	})
}

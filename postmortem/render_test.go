package postmortem

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

var (
	t0    = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	alice = bot.User{ID: "U1", Name: "alice"}
	bob   = bot.User{ID: "U2", Name: "bob"}
)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

// story is an incident and its timeline in reading order: declared P2,
// a hand-over, raised to P1, identified, a message pinned then edited,
// a message starred then unstarred, a deleted message, a note, an update,
// and n more messages.
func story(n int) (Header, []bot.TimelineEntry) {
	inc := &bot.Incident{ID: 7, Title: "Checkout is failing", Status: bot.StatusResolved, Priority: bot.P1,
		Channel: bot.Channel{ID: "C7", Name: "inc-7"}, DeclaredBy: alice, CreatedAt: t0, AckedAt: t0, ResolvedAt: at(30),
		Summary: "Rolled back", Roles: map[bot.Role]bot.User{bot.RoleCommander: bob}}
	id := 0
	e := func(min int, kind bot.EntryKind, by bot.User, text string, mod func(*bot.TimelineEntry)) bot.TimelineEntry {
		id++
		en := bot.TimelineEntry{ID: fmt.Sprintf("%d-0", id), At: at(min), Kind: kind, Author: by, Text: text}
		if mod != nil {
			mod(&en)
		}
		return en
	}
	entries := []bot.TimelineEntry{
		e(0, bot.KindDeclared, alice, "Checkout is failing", func(en *bot.TimelineEntry) { en.Data = map[string]string{"priority": "P2"} }),
		e(0, bot.KindRole, alice, "", func(en *bot.TimelineEntry) {
			en.Data = map[string]string{"role": "commander", "user_id": "U1", "user_name": "alice"}
		}),
		e(2, bot.KindRole, alice, "", func(en *bot.TimelineEntry) {
			en.Data = map[string]string{"role": "commander", "user_id": "U2", "user_name": "bob", "previous": "alice"}
		}),
		e(3, bot.KindPriority, bob, "", func(en *bot.TimelineEntry) { en.Data = map[string]string{"from": "P2", "to": "P1"} }),
		e(4, bot.KindUpdate, bob, "looking", nil),
		e(5, bot.KindStatus, bob, "bad deploy", func(en *bot.TimelineEntry) {
			en.Data = map[string]string{"from": "investigating", "to": "identified"}
		}),
		e(6, bot.KindMessage, bob, "error rate 40%", func(en *bot.TimelineEntry) { en.Ref = "m1" }),
		e(7, bot.KindFlag, alice, "", func(en *bot.TimelineEntry) {
			en.RefersTo, en.Key, en.Data = "m1", true, map[string]string{"flag": "on", "by": "pin"}
		}),
		e(8, bot.KindMessage, bob, "rolling back", func(en *bot.TimelineEntry) { en.Ref = "m2" }),
		e(9, bot.KindFlag, alice, "", func(en *bot.TimelineEntry) {
			en.RefersTo, en.Data = "m2", map[string]string{"flag": "on", "by": "reaction", "reaction": "star"}
		}),
		e(10, bot.KindFlag, alice, "", func(en *bot.TimelineEntry) {
			en.RefersTo, en.Data = "m2", map[string]string{"flag": "off", "by": "reaction", "reaction": "star"}
		}),
		e(11, bot.KindMessage, bob, "my token is s3cr3t", func(en *bot.TimelineEntry) { en.Ref = "m3" }),
		e(12, bot.KindDelete, bob, "", func(en *bot.TimelineEntry) { en.RefersTo = "m3" }),
		e(13, bot.KindNote, bob, "rollback started", func(en *bot.TimelineEntry) { en.Ref, en.Key = "n1", true }),
		e(14, bot.KindStatus, bob, "", func(en *bot.TimelineEntry) { en.Data = map[string]string{"from": "identified", "to": "monitoring"} }),
	}
	for i := range n {
		entries = append(entries, e(15, bot.KindMessage, alice, fmt.Sprintf("looking at shard %d of the search cluster", i),
			func(en *bot.TimelineEntry) { en.Ref = fmt.Sprintf("x%d", i) }))
	}
	// The pinned message is edited last: its text is known at the end.
	entries = append(entries, e(29, bot.KindEdit, bob, "error rate 45%", func(en *bot.TimelineEntry) { en.RefersTo = "m1" }))
	return Header{Incident: inc, Now: at(40)}, entries
}

// counted is entries as a Seq that counts its passes and, once pass
// fail starts, fails after failAfter entries.
type counted struct {
	entries   []bot.TimelineEntry
	passes    int
	fail      int
	failAfter int
	onEntry   func(pass, i int)
}

var errRead = errors.New("redis went away")

func (c *counted) seq(yield func(bot.TimelineEntry, error) bool) {
	c.passes++
	for i, e := range c.entries {
		if c.passes == c.fail && i == c.failAfter {
			yield(bot.TimelineEntry{}, errRead)
			return
		}
		if c.onEntry != nil {
			c.onEntry(c.passes, i)
		}
		if !yield(e, nil) {
			return
		}
	}
}

func TestRenderStory(t *testing.T) {
	r := newRenderer(t)
	h, entries := story(0)
	d, err := r.Data(h, Entries(entries))
	require.NoError(t, err)
	require.Len(t, d.Timeline, len(entries))
	require.Equal(t, []Priority{{At: t0, To: "P2", By: User{"U1", "alice"}}, {At: at(3), From: "P2", To: "P1", By: User{"U2", "bob"}}}, d.PriorityHistory)
	require.Equal(t, []Role{
		{Role: bot.RoleCommander, User: User{"U1", "alice"}, Since: t0, Until: at(2), By: User{"U1", "alice"}},
		{Role: bot.RoleCommander, User: User{"U2", "bob"}, Since: at(2), By: User{"U1", "alice"}},
	}, d.Roles)
	require.Equal(t, []Update{
		{At: at(4), By: User{"U2", "bob"}, Status: bot.StatusInvestigating, Text: "looking"},
		{At: at(5), By: User{"U2", "bob"}, Status: bot.StatusIdentified, Text: "bad deploy"},
	}, d.Impact, "an update before the first status change is in the status that change left")
	require.Len(t, d.KeyEvents, 2)
	require.Equal(t, "error rate 45%", d.KeyEvents[0].Text, "a key event shows the message's latest text")
	require.True(t, d.KeyEvents[0].Edited)
	require.Equal(t, "alice", d.KeyEvents[0].FlaggedBy.Name)
	require.Equal(t, "rollback started", d.KeyEvents[1].Text)

	var b strings.Builder
	require.NoError(t, r.Render(&b, h, Entries(entries), bot.English))
	md := b.String()
	require.Equal(t, render(t, r, d, bot.English), md, "streamed and gathered drafts are the same")
	require.NotContains(t, md, "s3cr3t", "a deleted message's text stays out")
	require.Contains(t, md, "- 2026-11-25 10:06:00 UTC · bob · message · error rate 40% (edited)\n")
	require.Contains(t, md, "- 2026-11-25 10:07:00 UTC · alice · key event ★ · message of 10:06:00: “error rate 45%”\n")
	require.Contains(t, md, "- 2026-11-25 10:29:00 UTC · bob · edited · message of 10:06:00 → “error rate 45%”\n")
	keyAt, timelineAt := strings.Index(md, "## Key events"), strings.Index(md, "## Timeline")
	require.Equal(t, 2, strings.Count(md[keyAt:timelineAt], "\n- "))
}

// The timeline section is written while the timeline is read, in two
// passes.
func TestRenderStreams(t *testing.T) {
	r := newRenderer(t)
	h, entries := story(3000)
	c := &counted{entries: entries}
	var b strings.Builder
	var writtenBeforeLast int
	c.onEntry = func(pass, i int) {
		if pass == 2 && i == len(entries)-1 {
			writtenBeforeLast = b.Len()
		}
	}
	require.NoError(t, r.Render(&b, h, c.seq, bot.English))
	require.Equal(t, 2, c.passes)
	require.Greater(t, writtenBeforeLast, 3000*60, "the timeline is written entry by entry, before its last entry is read")
	d, err := r.Data(h, Entries(entries))
	require.NoError(t, err)
	require.Equal(t, render(t, r, d, bot.English), b.String())
}

// RenderFrom makes the same draft from a first pass over the notable
// part of the timeline, reading the timeline itself once.
func TestRenderFromNotable(t *testing.T) {
	r := newRenderer(t)
	h, entries := story(3000)
	referred := map[string]bool{}
	for _, e := range entries {
		if e.RefersBack() {
			referred[e.RefersTo] = true
		}
	}
	var notable []bot.TimelineEntry
	for _, e := range entries {
		if (e.Kind != bot.KindMessage && e.Kind != bot.KindAlert) || e.Key || referred[e.Ref] {
			notable = append(notable, e)
		}
	}
	require.Less(t, len(notable), 20)
	for _, lang := range bot.Langs {
		var whole, once strings.Builder
		require.NoError(t, r.Render(&whole, h, Entries(entries), lang))
		c := &counted{entries: entries}
		require.NoError(t, r.RenderFrom(&once, h, Entries(notable), c.seq, lang))
		require.Equal(t, 1, c.passes, "the timeline is read once")
		require.Equal(t, whole.String(), once.String())
	}
}

func TestRenderErrors(t *testing.T) {
	r := newRenderer(t)
	h, entries := story(200)
	for pass := 1; pass <= 2; pass++ {
		var b strings.Builder
		c := &counted{entries: entries, fail: pass, failAfter: 100}
		err := r.Render(&b, h, c.seq, bot.Japanese)
		require.ErrorIs(t, err, errRead, "pass %d", pass)
		require.Equal(t, pass, c.passes, "no pass after the failing one")
		if pass == 1 {
			require.Empty(t, b.String(), "nothing is written before the timeline is known")
		}
		_, err = r.Data(h, (&counted{entries: entries, fail: pass, failAfter: 100}).seq)
		require.ErrorIs(t, err, errRead)
	}
	err := r.Render(failingWriter{}, h, Entries(entries), bot.English)
	require.ErrorContains(t, err, "postmortem of INC-7: disk full")
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestCustomTemplate(t *testing.T) {
	h, entries := story(2)
	for _, tc := range []struct {
		src, want string
		whole     bool
	}{
		{`{{.Key}} {{range .Timeline}}{{if eq .Kind "note"}}[{{describe .}}]{{end}}{{end}}`, "INC-7 [rollback started]", false},
		{`{{.Key}} {{len .Timeline}} {{(index .Timeline 0).Text}}`, "INC-7 18 Checkout is failing", true},
		// describe takes an entry of the gathered timeline too.
		{`{{len .Timeline}} {{range .Timeline}}{{if eq .Kind "note"}}[{{describe .}}]{{end}}{{end}}`, "18 [rollback started]", true},
	} {
		r, err := New(Config{Template: &Template{Name: "custom.tmpl", Source: []byte(tc.src)}})
		require.NoError(t, err)
		require.Equal(t, tc.whole, r.whole, tc.src)
		var b strings.Builder
		require.NoError(t, r.Render(&b, h, Entries(entries), bot.English))
		require.Equal(t, tc.want, b.String())
	}
	_, err := New(Config{Template: &Template{Name: "bad.tmpl", Source: []byte(`{{range .Timeline}}{{.Body}}{{end}}`)}})
	require.ErrorContains(t, err, "postmortem template bad.tmpl")
}

// The built-in timeline loop is written without text/template (lines.go),
// to the bytes the template writes; so is a custom template's that kept
// it, and one whose loop differs runs as written.
func TestBuiltinTimelineLoop(t *testing.T) {
	h, entries := story(20)
	r := newRenderer(t)
	for _, lang := range bot.Langs {
		require.NotNil(t, r.splits[r.template(lang)], "the built-in %s template is cut around its loop", lang)
	}
	src, err := defaultTemplates.ReadFile("templates/postmortem.en.md.tmpl")
	require.NoError(t, err)
	loop := "{{range .Timeline}}" + builtinEntry + "\n{{- end}}"
	require.Contains(t, string(src), loop)
	for _, tc := range []struct {
		name, src string
		split     bool
	}{
		{"kept", string(src), true},
		{"changed loop", strings.Replace(string(src), loop, "{{range .Timeline}}\n- {{.At | time}} · {{oneline .Author.Name}} · {{kind .Kind}}{{if .Key}} ★{{end}} · {{describe .}}\n{{- end}}", 1), false},
		{"variable first", "{{$k := .Key}}" + string(src) + "{{$k}}", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			custom, err := New(Config{Template: &Template{Name: "custom.tmpl", Source: []byte(tc.src)}})
			require.NoError(t, err)
			require.Equal(t, tc.split, custom.splits[custom.template(bot.English)] != nil)
			d, err := custom.Data(h, Entries(entries))
			require.NoError(t, err)
			var b strings.Builder
			require.NoError(t, custom.Render(&b, h, Entries(entries), bot.English))
			require.Equal(t, render(t, custom, d, bot.English), b.String())
			require.Contains(t, b.String(), "- 2026-11-25 10:06:00 UTC · bob · message · error rate 40% (edited)\n")
		})
	}
}

// A timeline whose people type Markdown and HTML at every turn, rendered
// streamed: the draft has the elements of the same draft told in plain
// words, and no link or image from chat.
func TestRenderHostileTimeline(t *testing.T) {
	r := newRenderer(t)
	h, entries := story(0)
	inc := *h.Incident
	inc.Title, inc.Summary = "# Pwned <script>alert(1)</script>", "fixed\n## Injected\n<iframe src=https://evil.example></iframe>"
	inc.DeclaredBy = bot.User{ID: "U9", Name: "<img src=x onerror=alert(1)> *mallory*"}
	h.Incident = &inc
	hostile := "<script>steal()</script> [x](javascript:alert(1)) ![](http://host/pixel.png) pay\u202Egpj.exe"
	for i := range entries {
		if entries[i].Text != "" {
			entries[i].Text = hostile + "\n# " + entries[i].Text
		}
		entries[i].Author.Name = "*" + entries[i].Author.Name + "* <b>"
	}
	for _, lang := range bot.Langs {
		var b strings.Builder
		require.NoError(t, r.Render(&b, h, Entries(entries), lang))
		md := b.String()
		require.NotContains(t, md, "<script>")
		d, err := r.Data(h, Entries(entries))
		require.NoError(t, err)
		mapText(d, benignText)
		requireInertMarkdown(t, md, render(t, r, d, lang))
	}
}

// Of two flags set on a message at the same time, the first on the
// timeline names who flagged it, every time.
func TestFlaggedBySameTime(t *testing.T) {
	r := newRenderer(t)
	h, _ := story(0)
	entries := []bot.TimelineEntry{
		{ID: "1-0", At: t0, Kind: bot.KindMessage, Author: bob, Text: "db down", Ref: "m1"},
		{ID: "2-0", At: at(1), Kind: bot.KindFlag, Author: alice, RefersTo: "m1", Data: map[string]string{"flag": "on", "by": "pin"}},
		{ID: "3-0", At: at(1), Kind: bot.KindFlag, Author: bob, RefersTo: "m1", Data: map[string]string{"flag": "on", "by": "reaction", "reaction": "star"}},
	}
	for range 50 {
		d, err := r.Data(h, Entries(entries))
		require.NoError(t, err)
		require.Len(t, d.KeyEvents, 1)
		require.Equal(t, "alice", d.KeyEvents[0].FlaggedBy.Name)
	}
}

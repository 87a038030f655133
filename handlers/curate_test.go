package handlers

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// runAs types a command with the person's time zone and language.
func (e *env) runAs(user bot.User, channel, line, tz, locale string) error {
	e.t.Helper()
	return e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: user,
		Channel: channel, Text: line, TZ: tz, Locale: locale})
}

// findEntry is the stored entry of kind whose text is text.
func (e *env) findEntry(id int64, kind bot.EntryKind, text string) bot.TimelineEntry {
	e.t.Helper()
	for _, x := range e.timeline(id) {
		if x.Kind == kind && x.Text == text {
			return x
		}
	}
	e.t.Fatalf("no %s entry %q", kind, text)
	return bot.TimelineEntry{}
}

func TestNoteAt(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("Checkout is failing P2") // at 10:00 UTC
	ch := inc.Channel.ID
	e.now = e.now.Add(20 * time.Minute)

	// 18:45 in Tokyo is 09:45 UTC: before the declaration, which is fine.
	require.NoError(t, e.runAs(e.bob, ch, "note --at 18:45 the deploy started", "Asia/Tokyo", ""))
	note := e.findEntry(inc.ID, bot.KindNote, "the deploy started")
	require.Equal(t, time.Date(2026, 11, 25, 9, 45, 0, 0, time.UTC), note.At)
	require.Equal(t, e.bob, note.Author, "who added it")
	require.Equal(t, "2026-11-25T10:20:00Z", note.Data[bot.DataAddedAt], "and when")
	require.True(t, note.Key)
	post, _ := e.p.Last("Post")
	require.Contains(t, bottestText(post.Msg), "added for 2026-11-25 09:45 UTC (#"+bot.ShortRef(note.ID)+"): the deploy started")

	// A full date and time, in the deployment's zone (UTC) here.
	e.must(e.alice, ch, "note --at 2026-11-25 10:05 rollback decided")
	require.Equal(t, time.Date(2026, 11, 25, 10, 5, 0, 0, time.UTC), e.findEntry(inc.ID, bot.KindNote, "rollback decided").At)

	// HH:MM later than now is its latest past occurrence: yesterday's.
	e.must(e.alice, ch, "note --at 23:50 a batch job ran")
	require.Equal(t, time.Date(2026, 11, 24, 23, 50, 0, 0, time.UTC), e.findEntry(inc.ID, bot.KindNote, "a batch job ran").At)

	// The timeline reads them at their times, marked as added later.
	e.must(e.alice, ch, "timeline")
	out := e.lastReply()
	first := strings.Index(out, "a batch job ran")
	deploy := strings.Index(out, "the deploy started")
	declared := strings.Index(out, "[declared]")
	rollback := strings.Index(out, "rollback decided")
	require.True(t, first >= 0 && first < deploy && deploy < declared && declared < rollback, out)
	require.Contains(t, out, "#"+bot.ShortRef(note.ID)+"  2026-11-25 09:45:00 UTC  ★ bob  [note] the deploy started (added 2026-11-25 10:20 UTC)")

	before := e.timeline(inc.ID)
	for _, tc := range []struct{ line, code, says string }{
		{"note --at 2026-11-25 11:00 not yet", bot.CodeFutureTime, "2026-11-25 11:00 UTC is in the future"},
		{"note --at 25:00 nonsense", bot.CodeBadTime, "`25:00` is not a time"},
		{"note --at yesterday something", bot.CodeBadTime, "`yesterday` is not a time"},
		{"note --at 10:00", bot.CodeUsage, "note --at"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			err := e.run(e.alice, ch, tc.line)
			require.Equal(t, tc.code, bot.CodeOf(err))
			require.Contains(t, e.lastReply(), tc.says)
		})
	}
	require.Equal(t, before, e.timeline(inc.ID), "a refused note changes nothing")
}

func bottestText(m bot.Message) string { return m.Title + "\n" + m.Text }

func TestTimelineEditHideUnhide(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("Checkout is failing P2")
	other := e.declare("Search is slow P3")
	ch := inc.Channel.ID
	send := func(ev bot.Event) {
		t.Helper()
		ev.Platform, ev.Channel, ev.At = "test", ch, e.now
		require.NoError(t, e.r.Serve(context.Background(), ev))
	}
	e.now = e.now.Add(5 * time.Minute)
	send(bot.Event{Kind: bot.EventMessage, User: e.bob, Text: "rolling back 4f2", Ref: "m1"})
	e.now = e.now.Add(time.Minute)
	send(bot.Event{Kind: bot.EventMessage, User: e.bob, Text: "lol", Ref: "m2"})
	e.now = e.now.Add(time.Minute)
	msg := e.findEntry(inc.ID, bot.KindMessage, "rolling back 4f2")
	noise := e.findEntry(inc.ID, bot.KindMessage, "lol")
	ref := bot.ShortRef(msg.ID)

	e.must(e.alice, ch, "timeline edit #"+ref+" rolling back 4f2a")
	post, _ := e.p.Last("Post")
	require.Contains(t, post.Msg.Text, "alice corrected entry #"+ref+" of INC-1: text now “rolling back 4f2a”")
	e.must(e.alice, ch, "timeline edit "+msg.ID+" --at 10:04")
	e.must(e.alice, ch, "timeline hide "+bot.ShortRef(noise.ID))

	// The stream only grew: the originals are as recorded.
	require.Equal(t, "rolling back 4f2", e.findEntry(inc.ID, bot.KindMessage, "rolling back 4f2").Text)
	tl := e.timeline(inc.ID)
	last := tl[len(tl)-3:]
	require.Equal(t, []bot.EntryKind{bot.KindCorrection, bot.KindCorrection, bot.KindHide}, []bot.EntryKind{last[0].Kind, last[1].Kind, last[2].Kind})
	require.Equal(t, msg.ID, last[0].Target)
	require.Equal(t, e.alice, last[0].Author)
	require.Equal(t, "2026-11-25T10:04:00Z", last[1].Data[bot.DataAt])

	// The curated view: corrected, moved to 10:04, the history kept.
	page, err := e.svc.CuratedTimeline(context.Background(), inc.ID, store.TimelineQuery{})
	require.NoError(t, err)
	var got *bot.CuratedEntry
	for i := range page.Entries {
		require.False(t, page.Entries[i].Curates(), "curation entries are the history of their targets, not entries")
		if page.Entries[i].ID == msg.ID {
			got = &page.Entries[i]
		}
	}
	require.NotNil(t, got)
	require.Equal(t, "rolling back 4f2a", got.Text)
	require.Equal(t, time.Date(2026, 11, 25, 10, 4, 0, 0, time.UTC), got.At)
	require.Len(t, got.Versions, 2)
	require.Equal(t, "rolling back 4f2", got.Versions[0].Text)
	require.Equal(t, e.now.Add(-2*time.Minute).UTC(), got.Versions[0].At)
	require.Len(t, got.Changes, 2)
	require.Equal(t, tl[len(tl)-1].ID, page.Next)

	e.must(e.alice, ch, "timeline")
	out := e.lastReply()
	require.Contains(t, out, "#"+ref+"  2026-11-25 10:04:00 UTC  bob  [message] rolling back 4f2a (corrected)\n")
	require.Contains(t, out, "#"+bot.ShortRef(noise.ID)+"  2026-11-25 10:06:00 UTC  bob  [message] lol (hidden)")

	before := e.timeline(inc.ID)
	// An entry of the other incident whose stream ID this one's timeline
	// does not also have (two streams may hold the same ID).
	time.Sleep(2 * time.Millisecond)
	added, err := e.st.Append(context.Background(), other.ID, bot.TimelineEntry{Kind: bot.KindMessage, Text: "elsewhere"})
	require.NoError(t, err)
	otherEntry := added[0]
	for _, x := range before {
		require.NotEqual(t, x.ID, otherEntry.ID)
	}
	for _, tc := range []struct{ line, code, says string }{
		{"timeline hide " + bot.ShortRef(noise.ID), bot.CodeAlreadyHidden, "is already hidden from the postmortem"},
		{"timeline unhide " + ref, bot.CodeNotHidden, "is not hidden"},
		{"timeline hide " + otherEntry.ID, bot.CodeNoEntry, "INC-1 has no timeline entry `" + otherEntry.ID + "`"},
		{"timeline edit zzzzzzzz text", bot.CodeNoEntry, "has no timeline entry `zzzzzzzz`"},
		{"timeline edit !! text", bot.CodeNoEntry, "has no timeline entry `!!`"},
		{"timeline hide " + bot.ShortRef(last[2].ID), bot.CodeCurationEntry, "(#" + bot.ShortRef(noise.ID) + ")"},
		{"timeline edit " + ref, bot.CodeUsage, "timeline edit <#ref>"},
		{"timeline edit " + ref + " --at 2026-11-26 09:00", bot.CodeFutureTime, "is in the future"},
		{"timeline hide", bot.CodeUsage, "timeline hide <#ref>"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			err := e.run(e.alice, ch, tc.line)
			require.Equal(t, tc.code, bot.CodeOf(err))
			require.Contains(t, e.lastReply(), tc.says)
		})
	}
	require.Equal(t, before, e.timeline(inc.ID), "a refused change changes nothing")

	// In Japanese.
	err = e.runAs(e.alice, ch, "timeline hide "+bot.ShortRef(noise.ID), "", "ja")
	require.Equal(t, bot.CodeAlreadyHidden, bot.CodeOf(err))
	require.Contains(t, e.lastReply(), "すでにポストモーテムから外されています")
	requireJapanese(t, "already hidden", e.lastReply())

	e.must(e.alice, ch, "timeline unhide "+bot.ShortRef(noise.ID))
	e.must(e.alice, ch, "timeline")
	require.NotContains(t, e.lastReply(), "(hidden)")
}

func TestTimelineCurationPolicy(t *testing.T) {
	e := newEnv(t, Options{Policy: map[string][]string{"curate": {"commander"}}})
	inc := e.declare("Checkout is failing P2") // alice leads
	entry := e.timeline(inc.ID)[0]
	err := e.run(e.bob, inc.Channel.ID, "timeline hide "+bot.ShortRef(entry.ID))
	require.Equal(t, bot.CodeForbidden, bot.CodeOf(err))
	require.Contains(t, e.lastReply(), "Who may: the commander (alice)")
	e.must(e.alice, inc.Channel.ID, "timeline hide "+bot.ShortRef(entry.ID))
	e.must(e.bob, inc.Channel.ID, "timeline") // reading stays open to the audience
}

func TestCuratedTimelinePages(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("Checkout is failing P2")
	ctx := context.Background()
	for i := range 30 {
		_, err := e.st.Append(ctx, inc.ID, bot.TimelineEntry{At: e.now.Add(time.Duration(i+1) * time.Minute), Kind: bot.KindMessage, Text: "m"})
		require.NoError(t, err)
	}
	e.now = e.now.Add(40 * time.Minute)
	e.must(e.alice, inc.Channel.ID, "note --at 10:15 halfway")
	e.must(e.alice, inc.Channel.ID, "note --at 09:00 long before")
	// Pages of 10 from the start: every entry once, each moved entry on
	// the page whose times hold its time.
	var all []bot.CuratedEntry
	after, pages := "", 0
	for pages < 10 {
		page, err := e.svc.CuratedTimeline(ctx, inc.ID, store.TimelineQuery{After: after, Limit: 10})
		require.NoError(t, err)
		if len(page.Entries) == 0 {
			break
		}
		all = append(all, page.Entries...)
		after, pages = page.Next, pages+1
	}
	var texts []string
	for _, ce := range all {
		texts = append(texts, ce.Text)
	}
	require.Equal(t, "long before", texts[0])
	require.Equal(t, 1, strings.Count(strings.Join(texts, "|"), "halfway"))
	require.Equal(t, 1, strings.Count(strings.Join(texts, "|"), "long before"))
	require.Len(t, all, 1+1+30+2, "declared, the commander, 30 messages, 2 notes")
	for i := 1; i < len(all); i++ {
		require.False(t, all[i].At.Before(all[i-1].At), "in time order: %v", texts)
	}

	// Back from the newest, 10 at a time: the same entries.
	var back []bot.CuratedEntry
	page, err := e.svc.CuratedTimeline(ctx, inc.ID, store.TimelineQuery{Last: 10})
	require.NoError(t, err)
	for pages = 0; len(page.Entries) > 0 && pages < 10; pages++ {
		back = append(append([]bot.CuratedEntry{}, page.Entries...), back...)
		page, err = e.svc.CuratedTimeline(ctx, inc.ID, store.TimelineQuery{Last: 10, Before: page.Prev})
		require.NoError(t, err)
	}
	require.Equal(t, all, back)
}

// TestPostmortemCurated: the postmortem of the scripted story after the
// responders fixed its record reads the curated timeline: a backdated
// note at its time, a corrected message and a note moved to its real
// time, and a hidden message (pinned, so also a key event) left out
// everywhere, its pin and edit with it.
func TestPostmortemCurated(t *testing.T) {
	e := newEnv(t, Options{Location: tokyo(t)})
	inc := pmStory(t, e)
	ch := inc.Channel.ID
	ctx := context.Background()
	m1 := e.findEntry(inc.ID, bot.KindMessage, "error rate 40% on checkout since 09:58")
	m2 := e.findEntry(inc.ID, bot.KindMessage, "rolling back 4f2a")
	note := e.findEntry(inc.ID, bot.KindNote, "rollback started")

	e.must(e.alice, ch, "note --at 18:55 deploy 4f2a went out") // Tokyo: 09:55 UTC, before the declaration
	e.must(e.alice, ch, "timeline edit #"+bot.ShortRef(m2.ID)+" rolling back 4f2a to 3e1b")
	e.must(e.alice, ch, "timeline edit #"+bot.ShortRef(note.ID)+" --at 19:06")
	e.must(e.alice, ch, "timeline hide #"+bot.ShortRef(m1.ID))

	for _, lang := range bot.Langs {
		t.Run(string(lang), func(t *testing.T) {
			md, err := e.svc.Postmortem(ctx, inc.ID, lang)
			require.NoError(t, err)
			golden := filepath.Join("testdata", "postmortem", "curated."+string(lang)+".md")
			if *updateGolden {
				require.NoError(t, os.WriteFile(golden, []byte(md), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.Equal(t, string(want), md)
		})
	}

	md, err := e.svc.Postmortem(ctx, inc.ID, bot.English)
	require.NoError(t, err)
	timeline := md[strings.Index(md, "## Timeline"):]
	require.NotContains(t, md, "error rate 4", "the hidden message, its edit and its pin are left out")
	require.NotContains(t, md, "not on the timeline", "a hidden pinned message is no missing key event")
	lines := strings.Split(timeline, "\n")
	require.Equal(t, "- 2026-11-25 18:55:00 JST · alice · note ★ · deploy 4f2a went out (added 2026-11-25 19:40:00 JST)", lines[2],
		"the backdated note comes first, at its time, saying when it was added")
	require.Contains(t, timeline, "- 2026-11-25 19:07:00 JST · bob · message · rolling back 4f2a to 3e1b (corrected)\n")
	noteAt := strings.Index(timeline, "19:06:00 JST · bob · note ★ · rollback started (corrected)")
	statusAt := strings.Index(timeline, "19:05:00 JST · bob · status")
	require.True(t, statusAt > 0 && noteAt > statusAt && noteAt < strings.Index(timeline, "rolling back 4f2a to 3e1b"), timeline)
	require.NotContains(t, timeline, "correction", "curation entries are not timeline entries of the draft")

	d, err := e.svc.PostmortemData(ctx, inc.ID)
	require.NoError(t, err)
	var keys []string
	for _, k := range d.KeyEvents {
		keys = append(keys, k.At.In(tokyo(t)).Format("15:04")+" "+k.Text)
	}
	require.Equal(t, []string{"18:55 deploy 4f2a went out", "19:06 rollback started"}, keys)
}

package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Tokyo wherever the tests run
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/postmortem"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files")

// pmStory plays a scripted incident through the router with a fixed clock
// and returns it: declared P2, a commander hand-over, raised to P1,
// identified, messages, a note, a message flagged by a pin reaction,
// another flagged and unflagged, an edit of the flagged message, a
// deleted message, an alert, an update and a resolve with a summary.
func pmStory(t *testing.T, e *env) *bot.Incident {
	t.Helper()
	carol := bot.User{ID: "U3", Name: "carol"}
	t0 := e.now
	at := func(min int) { e.now = t0.Add(time.Duration(min) * time.Minute) }
	send := func(ch string, ev bot.Event) {
		t.Helper()
		ev.Platform, ev.Channel, ev.At = "test", ch, e.now
		require.NoError(t, e.r.Serve(context.Background(), ev))
	}

	inc := e.declare("Checkout is failing P2")
	ch := inc.Channel.ID
	at(2)
	e.must(e.alice, ch, "role commander <@U2|bob>")
	at(3)
	e.must(e.bob, ch, "priority P1")
	at(4)
	_, err := e.st.Append(context.Background(), inc.ID, bot.TimelineEntry{At: e.now, Kind: bot.KindAlert,
		Author: alertUser(&bot.Alert{Source: "alertmanager", SourceName: "Alertmanager"}), Text: "HighErrorRate checkout 40%",
		Data: map[string]string{"status": "firing", "fingerprint": "f1", "source": "alertmanager"}})
	require.NoError(t, err)
	at(5)
	e.must(e.bob, ch, "status identified bad deploy 4f2a")
	at(6)
	send(ch, bot.Event{Kind: bot.EventMessage, User: carol, Text: "error rate 40% on checkout since 09:58", Ref: "m1"})
	at(7)
	send(ch, bot.Event{Kind: bot.EventMessage, User: e.bob, Text: "rolling back 4f2a", Ref: "m2"})
	at(8)
	e.must(e.bob, ch, "note rollback started")
	at(9)
	send(ch, bot.Event{Kind: bot.EventReaction, User: e.alice, Ref: "m1", Reaction: "pushpin", Meaning: bot.ReactionKey})
	at(10)
	send(ch, bot.Event{Kind: bot.EventReaction, User: carol, Ref: "m2", Reaction: "star", Meaning: bot.ReactionKey})
	at(11)
	send(ch, bot.Event{Kind: bot.EventUnreact, User: carol, Ref: "m2", Reaction: "star", Meaning: bot.ReactionKey})
	at(12)
	send(ch, bot.Event{Kind: bot.EventMessageEdit, User: carol, Text: "error rate 45% on checkout since 09:58", Ref: "m1"})
	at(13)
	send(ch, bot.Event{Kind: bot.EventMessage, User: carol, Text: "oops, my token is s3cr3t-t0ken", Ref: "m3"})
	at(14)
	send(ch, bot.Event{Kind: bot.EventMessageDelete, User: carol, Ref: "m3"})
	at(15)
	e.must(e.alice, ch, "update Rollback done, error rate back to 0.1%")
	at(30)
	e.must(e.bob, ch, "resolve Rolled back 4f2a; checkout recovered")
	at(40)
	return e.get(inc.ID)
}

func tokyo(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	return loc
}

func TestPostmortemGolden(t *testing.T) {
	e := newEnv(t, Options{Location: tokyo(t)})
	inc := pmStory(t, e)
	ctx := context.Background()

	for _, lang := range bot.Langs {
		t.Run(string(lang), func(t *testing.T) {
			md, err := e.svc.Postmortem(ctx, inc.ID, lang)
			require.NoError(t, err)
			golden := filepath.Join("testdata", "postmortem", string(lang)+".md")
			if *updateGolden {
				require.NoError(t, os.WriteFile(golden, []byte(md), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.Equal(t, string(want), md)
			require.NotContains(t, md, "s3cr3t", "a deleted message's text stays out of the draft")
			require.Contains(t, md, "JST", "times are in the configured zone, with its name")
		})
	}

	d, err := e.svc.PostmortemData(ctx, inc.ID)
	require.NoError(t, err)
	type keyEvent struct{ who, kind, text, flaggedBy string }
	var got []keyEvent
	for _, k := range d.KeyEvents {
		by := ""
		if k.FlaggedBy != nil {
			by = k.FlaggedBy.Name
		}
		got = append(got, keyEvent{k.Author.Name, string(k.Kind), k.Text, by})
	}
	require.Equal(t, []keyEvent{
		{"carol", "message", "error rate 45% on checkout since 09:58", "alice"}, // pinned, shown as edited
		{"bob", "note", "rollback started", ""},
	}, got, "the unflagged and the unflagged-then-deleted messages are not key events")
	require.True(t, d.KeyEvents[0].Edited)

	md, err := e.svc.Postmortem(ctx, inc.ID, bot.English)
	require.NoError(t, err)
	keyAt, timelineAt := strings.Index(md, "## Key events"), strings.Index(md, "## Timeline")
	require.True(t, keyAt > 0 && timelineAt > keyAt, "key events come before the timeline")
	section := md[keyAt:timelineAt]
	require.Contains(t, section, "- 2026-11-25 19:06:00 JST carol (message, flagged by alice): error rate 45% on checkout since 09:58 (edited)")
	require.Contains(t, section, "- 2026-11-25 19:08:00 JST bob (note): rollback started")
	require.NotContains(t, section, "rolling back 4f2a")
	require.Equal(t, 2, strings.Count(section, "\n- "))

	require.Equal(t, "P1", d.Priority)
	require.Equal(t, []postmortem.Priority{
		{At: d.CreatedAt, To: "P2", By: postmortem.User{ID: "U1", Name: "alice"}},
		{At: d.CreatedAt.Add(3 * time.Minute), From: "P2", To: "P1", By: postmortem.User{ID: "U2", Name: "bob"}},
	}, d.PriorityHistory)
	require.Equal(t, []postmortem.Role{
		{Role: bot.RoleCommander, User: postmortem.User{ID: "U1", Name: "alice"}, Since: d.CreatedAt, Until: d.CreatedAt.Add(2 * time.Minute), By: postmortem.User{ID: "U1", Name: "alice"}},
		{Role: bot.RoleCommander, User: postmortem.User{ID: "U2", Name: "bob"}, Since: d.CreatedAt.Add(2 * time.Minute), By: postmortem.User{ID: "U1", Name: "alice"}},
	}, d.Roles)
	require.Equal(t, int64(30*60), d.DurationSeconds)
	require.False(t, d.Ongoing)
	require.Equal(t, int64(0), *d.TimeToAcknowledgeSeconds, "a declared incident is acknowledged at once")
	require.Equal(t, int64(30*60), *d.TimeToResolveSeconds)
	require.Equal(t, "Rolled back 4f2a; checkout recovered", d.Summary)
	require.Equal(t, []postmortem.Update{
		{At: d.CreatedAt.Add(5 * time.Minute), By: postmortem.User{ID: "U2", Name: "bob"}, Status: bot.StatusIdentified, Text: "bad deploy 4f2a"},
		{At: d.CreatedAt.Add(15 * time.Minute), By: postmortem.User{ID: "U1", Name: "alice"}, Status: bot.StatusIdentified, Text: "Rollback done, error rate back to 0.1%"},
	}, d.Impact)

	raw, err := json.Marshal(d)
	require.NoError(t, err)
	require.NotContains(t, string(raw), "s3cr3t")
	for _, k := range []string{`"key_events"`, `"priority_history"`, `"time_to_acknowledge_seconds":0`, `"generated_at"`, `"flagged_by"`, `"assigned_by"`} {
		require.Contains(t, string(raw), k)
	}
}

// TestPostmortemCommand: with a public URL, `postmortem` says in the
// incident channel what the document is (title, state, counts) and links
// it, in the asker's language, rather than pasting the draft; from
// another channel the requester is pointed at the channel and the
// document.
func TestPostmortemCommand(t *testing.T) {
	e := newEnv(t, Options{Location: tokyo(t), PublicURL: "https://warroom.example/"})
	inc := pmStory(t, e)
	before := e.timeline(inc.ID)
	data, err := e.svc.PostmortemData(context.Background(), inc.ID)
	require.NoError(t, err)
	entries, key, fus := len(data.Timeline), len(data.KeyEvents), len(data.FollowUps)
	require.Positive(t, entries)
	require.Positive(t, key)
	counts := func(format string) string {
		return fmt.Sprintf(format, entries, key, fus)
	}
	const doc = "https://warroom.example/incidents/INC-1/postmortem"
	e.p.Reset()

	require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.bob,
		Channel: inc.Channel.ID, Text: "pm", Locale: "ja"}))
	post, ok := e.p.Last("Post")
	require.True(t, ok)
	require.Equal(t, inc.Channel.ID, post.Channel)
	require.Equal(t, "📝 INC-1 のポストモーテム：Checkout is failing（下書き）\n"+
		counts("保存された版：0・タイムライン：%d 件・重要イベント：%d 件・フォローアップ：%d 件")+"\n"+
		"文書として編集・レビュー・公開できます："+doc, post.Msg.Text, "a summary and the link, not the draft")
	require.Equal(t, []bot.Button{{Label: "INC-1 のポストモーテム", URL: doc}}, post.Msg.Buttons)
	require.Contains(t, post.Msg.Context, "https://warroom.example/api/incidents/INC-1/postmortem.md?lang=ja")
	require.Contains(t, post.Msg.Context, "`warroom export INC-1`")
	require.Equal(t, e.now, e.get(inc.ID).PostmortemAt.UTC())
	require.Equal(t, before, e.timeline(inc.ID), "the postmortem writes nothing on the timeline")

	// In English, after a version was saved in the browser and the
	// draft reviewed: the state and the count follow.
	_, err = e.svc.SavePostmortem(context.Background(), bot.Viewer{User: e.alice, Platform: "test"}, inc.ID, 0, "# Postmortem\n\nRolled back.\n", bot.English)
	require.NoError(t, err)
	e.must(e.alice, inc.Channel.ID, "postmortem reviewed")
	entries++ // the review is on the timeline
	e.now = e.now.Add(time.Minute)
	e.must(e.bob, inc.Channel.ID, "postmortem")
	post, _ = e.p.Last("Post")
	require.Equal(t, "📝 Postmortem of INC-1: Checkout is failing (Reviewed)\n"+
		counts("Saved versions: 1 · timeline entries: %d · key events: %d · follow-ups: %d")+"\n"+
		"Edit, review and publish it as a document: "+doc, post.Msg.Text)
	require.NotContains(t, post.Msg.Text, "## ", "no draft pasted")
	require.Equal(t, []bot.Button{{Label: "Postmortem of INC-1", URL: doc}}, post.Msg.Buttons)
	require.Equal(t, e.now, e.get(inc.ID).PostmortemAt.UTC())

	// From another channel the summary is posted once, in the incident
	// channel, and the requester is pointed at it and at the document.
	e.p.Reset()
	require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.bob,
		Channel: "CGEN", Text: "INC-1 postmortem", Locale: "ja"}))
	posts := e.p.Calls("Post")
	require.Len(t, posts, 1)
	require.Equal(t, inc.Channel.ID, posts[0].Channel)
	require.True(t, strings.HasPrefix(posts[0].Msg.Text, "📝 INC-1 のポストモーテム：Checkout is failing（レビュー済み）\n"), posts[0].Msg.Text)
	replies := e.p.Calls("Reply")
	require.Len(t, replies, 1)
	require.Equal(t, "INC-1 のポストモーテムを #"+inc.Channel.Name+" に投稿しました。閲覧と編集はこちら: "+doc, replies[0].Msg.Text)
}

// TestPostmortemCommandWithoutPublicURL: with no public URL there is no
// page to link, so `postmortem` posts the draft itself: whole when it
// fits, else its beginning with where the rest is; from another channel
// once, in the incident channel.
func TestPostmortemCommandWithoutPublicURL(t *testing.T) {
	e := newEnv(t, Options{Location: tokyo(t)})
	inc := pmStory(t, e)
	e.p.Reset()

	require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.bob,
		Channel: inc.Channel.ID, Text: "pm", Locale: "ja"}))
	ja, err := e.svc.Postmortem(context.Background(), inc.ID, bot.Japanese)
	require.NoError(t, err)
	post, ok := e.p.Last("Post")
	require.True(t, ok)
	require.Equal(t, inc.Channel.ID, post.Channel)
	require.Equal(t, ja, post.Msg.Text, "a draft that fits is posted whole")
	require.Empty(t, post.Msg.Buttons)
	require.Contains(t, post.Msg.Context, "/api/incidents/INC-1/postmortem.md?lang=ja")

	// The English draft is longer than chat takes: its beginning is
	// posted, with where the rest is.
	e.must(e.bob, inc.Channel.ID, "postmortem")
	en, err := e.svc.Postmortem(context.Background(), inc.ID, bot.English)
	require.NoError(t, err)
	require.Greater(t, utf8.RuneCountInString(en), postmortemChatMax)
	post, _ = e.p.Last("Post")
	notice := "\n\n… (shortened for chat; the full draft is at /api/incidents/INC-1/postmortem.md?lang=en and from `warroom export INC-1`)"
	body, cut := strings.CutSuffix(post.Msg.Text, notice)
	require.True(t, cut, post.Msg.Text)
	require.LessOrEqual(t, utf8.RuneCountInString(post.Msg.Text), postmortemChatMax)
	require.True(t, strings.HasPrefix(en, body+"\n"), "cut at a line end")
	require.Contains(t, body, "## Key events")

	e.p.Reset()
	require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.bob,
		Channel: "CGEN", Text: "INC-1 postmortem", Locale: "ja"}))
	posts := e.p.Calls("Post")
	require.Len(t, posts, 1)
	require.Equal(t, inc.Channel.ID, posts[0].Channel)
	require.Equal(t, ja, posts[0].Msg.Text)
	replies := e.p.Calls("Reply")
	require.Len(t, replies, 1)
	require.Equal(t, "INC-1 のポストモーテムの下書きを #"+inc.Channel.Name+" に投稿しました。全文: /api/incidents/INC-1/postmortem.md?lang=ja",
		replies[0].Msg.Text)
}

// TestPostmortemFromElsewhereWithoutChannel: an incident whose channel is
// on another platform (or not made yet) answers the requester with the
// draft itself, once.
func TestPostmortemFromElsewhereWithoutChannel(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("Checkout is failing P2")
	e.p.Fail["Post"] = errors.New("channel_not_found")
	e.p.Reset()
	e.must(e.alice, "CGEN", inc.Key()+" postmortem")
	replies := e.p.Calls("Reply")
	require.Len(t, replies, 1)
	require.True(t, strings.HasPrefix(replies[0].Msg.Text, "# Postmortem: INC-1 Checkout is failing"), replies[0].Msg.Text)
}

func TestPostmortemCappedInChat(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("Everything is slow P3")
	for i := range 80 {
		require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventMessage, Platform: "test", User: e.bob,
			Channel: inc.Channel.ID, At: e.now, Text: fmt.Sprintf("looking at shard %d of the search cluster", i), Ref: fmt.Sprintf("m%d", i)}))
	}
	e.must(e.alice, inc.Channel.ID, "postmortem")
	post, _ := e.p.Last("Post")
	require.LessOrEqual(t, utf8.RuneCountInString(post.Msg.Text), postmortemChatMax)
	require.True(t, strings.HasSuffix(post.Msg.Text,
		"… (shortened for chat; the full draft is at /api/incidents/INC-1/postmortem.md?lang=en and from `warroom export INC-1`)"), post.Msg.Text)
	require.True(t, strings.HasPrefix(post.Msg.Text, "# Postmortem: INC-1 Everything is slow"))
}

func TestCapRunes(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"short", "short"},
		{"0123456789", "0123456789"},
		{"line one\nline two is long", "line one…"},
		{"日本語のテキストです。とても長い", "日本語のテキストで…"},
	} {
		got := capRunes(tc.text, "…", 10)
		require.Equal(t, tc.want, got)
		require.LessOrEqual(t, utf8.RuneCountInString(got), 10)
	}
}

func TestCloseNeedsPostmortem(t *testing.T) {
	resolved := func(t *testing.T, e *env, line string) *bot.Incident {
		t.Helper()
		inc := e.declare(line)
		e.must(e.alice, inc.Channel.ID, "resolve fixed")
		return inc
	}
	t.Run("P2 refused", func(t *testing.T) {
		e := newEnv(t, Options{})
		inc := resolved(t, e, "Checkout is failing P2")
		before := e.timeline(inc.ID)
		err := e.run(e.alice, inc.Channel.ID, "close")
		require.Equal(t, bot.CodeNeedsPostmortem, bot.CodeOf(err))
		require.Contains(t, e.lastReply(), "INC-1 is P2 (high), so it needs a reviewed postmortem before it closes. Run `postmortem`")
		require.Contains(t, e.lastReply(), "`close --force`")
		require.Equal(t, bot.StatusResolved, e.get(inc.ID).Status)
		require.Equal(t, before, e.timeline(inc.ID))
	})
	t.Run("P1 forced", func(t *testing.T) {
		e := newEnv(t, Options{})
		inc := resolved(t, e, "Checkout is failing P1")
		e.must(e.alice, inc.Channel.ID, "close --force")
		require.Equal(t, bot.StatusClosed, e.get(inc.ID).Status)
		tl := e.timeline(inc.ID)
		require.Empty(t, tl[len(tl)-1].Text, "the flag is not the closing text")
	})
	t.Run("P3 closes freely", func(t *testing.T) {
		e := newEnv(t, Options{})
		inc := resolved(t, e, "Search is slow P3")
		e.must(e.alice, inc.Channel.ID, "close")
		require.Equal(t, bot.StatusClosed, e.get(inc.ID).Status)
	})
	t.Run("after a reviewed postmortem", func(t *testing.T) {
		e := newEnv(t, Options{})
		inc := resolved(t, e, "Checkout is failing P2")
		err := e.run(e.bob, inc.Channel.ID, "postmortem reviewed")
		require.Equal(t, bot.CodeNoDraft, bot.CodeOf(err), "nothing to review yet")
		require.Contains(t, e.lastReply(), "INC-1 has no postmortem draft to review yet. Run `postmortem` first.")

		e.must(e.alice, inc.Channel.ID, "postmortem")
		before := e.timeline(inc.ID)
		err = e.run(e.alice, inc.Channel.ID, "close")
		require.Equal(t, bot.CodeNeedsReview, bot.CodeOf(err), "a draft nobody read is not enough")
		require.Contains(t, e.lastReply(), "INC-1 is P2 (high), and its postmortem draft has not been reviewed yet.")
		require.Equal(t, bot.StatusResolved, e.get(inc.ID).Status)
		require.Equal(t, before, e.timeline(inc.ID))

		e.now = e.now.Add(time.Hour)
		e.must(e.bob, inc.Channel.ID, "postmortem reviewed")
		got := e.get(inc.ID)
		require.Equal(t, e.now, got.PostmortemReviewedAt.UTC())
		require.Equal(t, e.bob, got.PostmortemReviewedBy)
		tl := e.timeline(inc.ID)
		last := tl[len(tl)-1]
		require.Equal(t, bot.KindPostmortem, last.Kind)
		require.Equal(t, e.bob, last.Author)
		require.Equal(t, e.now, last.At.UTC())
		require.Equal(t, "reviewed", last.Data["action"])
		post, _ := e.p.Last("Post")
		require.Equal(t, "✅ bob marked the postmortem of INC-1 reviewed.", post.Msg.Text)

		err = e.run(e.alice, inc.Channel.ID, "postmortem reviewed")
		require.Equal(t, bot.CodeAlreadyReviewed, bot.CodeOf(err))
		require.Contains(t, e.lastReply(), "already marked reviewed by bob (2026-11-25 11:00 UTC)")
		require.Len(t, e.timeline(inc.ID), len(tl), "said once")

		e.must(e.alice, inc.Channel.ID, "close")
		require.Equal(t, bot.StatusClosed, e.get(inc.ID).Status)
	})
	t.Run("reviewed, in Japanese", func(t *testing.T) {
		e := newEnv(t, Options{Lang: bot.Japanese})
		inc := resolved(t, e, "Checkout is failing P1")
		e.must(e.alice, inc.Channel.ID, "postmortem")
		err := e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.bob,
			Channel: inc.Channel.ID, Text: "close", Locale: "ja"})
		require.Equal(t, bot.CodeNeedsReview, bot.CodeOf(err))
		require.Contains(t, e.lastReply(), "ポストモーテムの下書きがまだレビューされていません")
		tl := e.timeline(inc.ID)
		require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.bob,
			Channel: inc.Channel.ID, Text: "postmortem reviewed", Locale: "ja"}))
		require.Equal(t, "ポストモーテムの下書きをレビュー済みにしました", e.timeline(inc.ID)[len(tl)].Text)
	})
	t.Run("bad word", func(t *testing.T) {
		e := newEnv(t, Options{})
		inc := resolved(t, e, "Checkout is failing P2")
		err := e.run(e.alice, inc.Channel.ID, "postmortem frobnicate")
		require.Equal(t, bot.CodeUsage, bot.CodeOf(err))
		require.True(t, e.get(inc.ID).PostmortemAt.IsZero(), "nothing drafted")
	})
	t.Run("optional", func(t *testing.T) {
		e := newEnv(t, Options{PostmortemOptional: true})
		inc := resolved(t, e, "Checkout is failing P1")
		e.must(e.alice, inc.Channel.ID, "close")
		require.Equal(t, bot.StatusClosed, e.get(inc.ID).Status)
	})
	t.Run("not resolved yet", func(t *testing.T) {
		e := newEnv(t, Options{})
		inc := e.declare("Checkout is failing P1")
		err := e.run(e.alice, inc.Channel.ID, "close")
		require.Equal(t, bot.CodeBadTransition, bot.CodeOf(err), "the lifecycle speaks first")
	})
}

// PublicPostmortem is the postmortem command's draft, in the service's
// language unless asked for another.
func TestPublicPostmortem(t *testing.T) {
	e := newEnv(t, Options{Location: tokyo(t), Lang: bot.Japanese})
	inc := pmStory(t, e)
	ctx := context.Background()
	for _, tc := range []struct {
		ask, want bot.Lang
	}{{"", bot.Japanese}, {bot.English, bot.English}, {bot.Japanese, bot.Japanese}} {
		got, err := e.svc.PublicPostmortem(ctx, inc.ID, tc.ask)
		require.NoError(t, err)
		want, err := e.svc.Postmortem(ctx, inc.ID, tc.want)
		require.NoError(t, err)
		require.Equal(t, want, got, tc.ask)
	}
	_, err := e.svc.PublicPostmortem(ctx, 999, "")
	require.ErrorIs(t, err, bot.ErrNotFound)
}

func TestPostmortemCustomTemplate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "pm.md.tmpl")
	require.NoError(t, os.WriteFile(good, []byte(`{{.Key}} {{priority .Priority}} {{t "kind.note"}} {{len .Timeline}} {{range .Timeline}}[{{describe .}}]{{end}}`), 0o644))
	e := newEnv(t, Options{PostmortemTemplate: good})
	inc := e.declare("DB down P1")
	ctx := context.Background()
	md, err := e.svc.Postmortem(ctx, inc.ID, bot.English)
	require.NoError(t, err)
	require.Equal(t, "INC-1 P1 (critical) note 2 [DB down][Commander: alice]", md)
	md, err = e.svc.Postmortem(ctx, inc.ID, bot.Japanese)
	require.NoError(t, err)
	require.Equal(t, "INC-1 P1（緊急） ノート 2 [DB down][指揮者: alice]", md, "one template, every language")

	e.must(e.alice, inc.Channel.ID, "postmortem")
	post, _ := e.p.Last("Post")
	require.Equal(t, "INC-1 P1 (critical) note 2 [DB down][Commander: alice]", post.Msg.Text)

	for name, src := range map[string]string{
		"unclosed.tmpl":  "{{.Key",
		"nofield.tmpl":   "{{.Key}} {{.Severity}}",
		"nofunc.tmpl":    "{{shout .Key}}",
		"badrange.tmpl":  "{{range .KeyEvents}}{{.Body}}{{end}}",
		"badnested.tmpl": "{{range .Timeline}}{{with .Refers}}{{.Txt}}{{end}}{{end}}",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
			_, err := New(e.st, newRouter(t), Options{PostmortemTemplate: path})
			require.Error(t, err)
			require.Contains(t, err.Error(), "postmortem template "+path)
		})
	}
	_, err = New(e.st, newRouter(t), Options{PostmortemTemplate: filepath.Join(dir, "missing.tmpl")})
	require.ErrorContains(t, err, "missing.tmpl")
}

// TestPostmortemEdgeCases covers an alert-opened incident still open: an
// acknowledged commander with no role entry, a flag on a message that is
// not on the timeline, and a duration that runs to now.
func TestPostmortemEdgeCases(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	id, err := e.st.NextID(ctx)
	require.NoError(t, err)
	inc := &bot.Incident{ID: id, Title: "HighErrorRate", Status: bot.StatusTriage, Priority: bot.P2, Platform: "test",
		Channel: bot.Channel{ID: "C9", Name: "inc-alert"}, DeclaredBy: alertUser(&bot.Alert{Source: "alertmanager", SourceName: "Alertmanager"}), CreatedAt: e.now}
	require.NoError(t, e.st.Create(ctx, inc, bot.TimelineEntry{At: e.now, Kind: bot.KindDeclared, Author: alertUser(&bot.Alert{Source: "alertmanager", SourceName: "Alertmanager"}),
		Text: "HighErrorRate", Data: map[string]string{"priority": "P2"}}))
	e.now = e.now.Add(4 * time.Minute)
	e.must(e.bob, "C9", "ack")
	e.now = e.now.Add(time.Minute)
	require.NoError(t, e.r.Serve(ctx, bot.Event{Kind: bot.EventPin, Platform: "test", User: e.alice, Channel: "C9", At: e.now, Ref: "old"}))
	e.now = e.now.Add(5 * time.Minute)

	d, err := e.svc.PostmortemData(ctx, id)
	require.NoError(t, err)
	require.True(t, d.Ongoing)
	require.Equal(t, int64(10*60), d.DurationSeconds)
	require.Equal(t, int64(4*60), *d.TimeToAcknowledgeSeconds)
	require.Nil(t, d.TimeToResolveSeconds)
	require.Equal(t, []postmortem.Role{{Role: bot.RoleCommander, User: postmortem.User{ID: "U2", Name: "bob"}, Since: d.AckedAt}}, d.Roles)
	require.Len(t, d.KeyEvents, 1)
	require.True(t, d.KeyEvents[0].Missing)
	require.Equal(t, "alice", d.KeyEvents[0].FlaggedBy.Name)

	md, err := e.svc.Postmortem(ctx, id, bot.English)
	require.NoError(t, err)
	require.Contains(t, md, "| Duration | 10m (ongoing) |")
	require.Contains(t, md, "| Time to resolve | — |")
	require.Contains(t, md, "a message that is not on the timeline (flagged by alice): —")
	require.Contains(t, md, "· alice · key event ★ · a message not on the timeline")
	require.Contains(t, md, "_No summary was given")

	_, err = e.svc.Postmortem(ctx, 999, bot.English)
	require.ErrorIs(t, err, bot.ErrNotFound)
	err = e.run(e.alice, "CGEN", "INC-999 postmortem")
	require.Equal(t, bot.CodeNotFound, bot.CodeOf(err))
}

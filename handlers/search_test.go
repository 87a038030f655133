package handlers

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
)

// say posts a message in a channel as user.
func (e *env) say(user bot.User, channel, text, ref string) {
	e.t.Helper()
	require.NoError(e.t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventMessage, Platform: "test",
		User: user, Channel: channel, Text: text, Ref: ref}))
}

// similarPosts are the similar-incidents messages posted in channel.
func (e *env) similarPosts(channel string) []bot.Message {
	e.t.Helper()
	var out []bot.Message
	for _, c := range e.p.Calls("Post") {
		if c.Channel == channel && (c.Msg.Title == bot.T(bot.English, "similar.title") || c.Msg.Title == bot.T(bot.Japanese, "similar.title")) {
			out = append(out, c.Msg)
		}
	}
	return out
}

func TestSearchPastIncidents(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("Checkout latency high P2")
	ch := inc.Channel.ID
	e.say(e.bob, ch, "データベースの接続数が上限に達した", "m1")
	e.must(e.bob, ch, "note connection pool exhausted on db-3")
	e.must(e.alice, ch, "update 決済APIのタイムアウトが続いている")
	e.must(e.alice, ch, "resolve rolled back deploy 4f2a")
	other := e.declare("Login page broken P3")

	for _, q := range []string{"checkout", "接続数", "pool exhausted", "deploy 4f2a", "タイムアウト"} {
		e.must(e.bob, "CGEN", "search "+q)
		reply, _ := e.p.Last("Reply")
		require.Equal(t, e.bob, reply.User)
		out := bottest.Text(reply.Msg)
		require.Contains(t, out, "Past incidents matching “"+q+"”", q)
		require.Contains(t, out, "*INC-1* Checkout latency high — resolved, P2 (high), 2026-11-25 10:00 UTC, #"+inc.Channel.Name, q)
		require.Contains(t, out, "↳ Resolved: rolled back deploy 4f2a", q)
		require.NotContains(t, out, "INC-2", q)
		require.Equal(t, []bot.Button{{Label: "Open INC-1", URL: inc.Channel.URL}}, reply.Msg.Buttons, q)
	}

	e.must(e.bob, other.Channel.ID, "find login")
	out := e.lastReply()
	require.Contains(t, out, "*INC-2* Login page broken — investigating, P3 (medium)", "open incidents are found too")
	require.NotContains(t, out, "↳", "an open incident has no resolution yet")

	e.must(e.bob, "CGEN", "search checkout login")
	require.Contains(t, e.lastReply(), "No incidents match “checkout login”", "every word must match")

	require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.bob,
		Channel: "CGEN", Text: "search 上限", Locale: "ja"}))
	out = e.lastReply()
	require.Contains(t, out, "「上限」に一致する過去のインシデント")
	require.Contains(t, out, "↳ 解決方法: rolled back deploy 4f2a")

	err := e.run(e.bob, "CGEN", "search")
	require.Equal(t, bot.CodeUsage, bot.CodeOf(err))
	require.Contains(t, e.lastReply(), "search <words>")
	err = e.run(e.bob, "CGEN", "search "+strings.Repeat("x", maxQuery+1))
	require.Equal(t, bot.CodeTooLong, bot.CodeOf(err))
}

// TestSearchFindsEditsNotOtherChannels: edits are searchable; what is said
// outside incident channels is not.
func TestSearchFindsEditsNotOtherChannels(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("Search is slow")
	e.say(e.bob, inc.Channel.ID, "ES heap at 95%", "m1")
	require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventMessageEdit, Platform: "test",
		User: e.bob, Channel: inc.Channel.ID, Text: "Elasticsearch heap at 97%", Ref: "m1"}))
	e.say(e.bob, "CGEN", "lunch at the ramen place?", "m2")

	e.must(e.alice, "CGEN", "search elasticsearch heap")
	require.Contains(t, e.lastReply(), "*INC-1* Search is slow")
	e.must(e.alice, "CGEN", "search ramen")
	require.Contains(t, e.lastReply(), "No incidents match")
}

func TestSimilarPastIncidentsPostedOnDeclare(t *testing.T) {
	e := newEnv(t, Options{})
	first := e.declare("Checkout latency high P2")
	e.must(e.alice, first.Channel.ID, "resolve rolled back deploy 4f2a")
	unrelated := e.declare("Login page broken")
	e.must(e.alice, unrelated.Channel.ID, "resolve")
	require.Empty(t, e.similarPosts(first.Channel.ID), "nothing similar before it")
	require.Empty(t, e.similarPosts(unrelated.Channel.ID), "no post when nothing is similar")

	second := e.declare("Checkout latency spike P1")
	posts := e.similarPosts(second.Channel.ID)
	require.Len(t, posts, 1)
	out := bottest.Text(posts[0])
	require.Contains(t, out, "🔁 INC-3 looks like these past incidents")
	require.Contains(t, out, "*INC-1* Checkout latency high — resolved")
	require.Contains(t, out, "↳ Resolved: rolled back deploy 4f2a")
	require.NotContains(t, out, "INC-2")
	require.NotContains(t, out, "*INC-3*", "not itself")
	require.Equal(t, []bot.Button{{Label: "Open INC-1", URL: first.Channel.URL}}, posts[0].Buttons)

	// Open incidents are no lesson yet: only the resolved one is shown.
	third := e.declare("Checkout latency again")
	out = bottest.Text(e.similarPosts(third.Channel.ID)[0])
	require.Contains(t, out, "INC-1")
	require.NotContains(t, out, "INC-3")

	// In Japanese too.
	e.must(e.alice, second.Channel.ID, "resolve キャッシュを再起動した")
	require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.alice,
		Channel: "CGEN", Text: "declare checkout のレイテンシ悪化", Locale: "ja"}))
	fifth := e.get(5)
	out = bottest.Text(e.similarPosts(fifth.Channel.ID)[0])
	require.Contains(t, out, "Similar past incidents", "posted in the channel: the workspace's language, not the declarer's")
	require.Contains(t, out, "↳ Resolved: キャッシュを再起動した")

	// In a Japanese workspace, in Japanese.
	ja := newEnv(t, Options{Lang: bot.Japanese})
	ja.declare("Checkout latency high")
	ja.must(ja.alice, ja.get(1).Channel.ID, "resolve キャッシュを再起動した")
	next := ja.declare("checkout のレイテンシ悪化 latency")
	out = bottest.Text(ja.similarPosts(next.Channel.ID)[0])
	require.Contains(t, out, "似ている過去のインシデント")
	require.Contains(t, out, "↳ 解決方法: キャッシュを再起動した")
}

func TestSimilarPastIncidentsOfTheSameAlertFirst(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test"})
	e.alert(firing("g1", "a"))
	first := e.get(1)
	e.must(e.alice, first.Channel.ID, "ack")
	e.must(e.alice, first.Channel.ID, "resolve scaled the checkout pods to 12")
	text := e.declare("Payments 5xx spike")
	e.must(e.alice, text.Channel.ID, "resolve restarted the payments gateway")

	a := firing("g2", "x")
	a.Title = "Payments 5xx"
	e.alert(a)
	incs := e.incidents()
	third := incs[0]
	require.Equal(t, int64(3), third.ID)
	posts := e.similarPosts(third.Channel.ID)
	require.Len(t, posts, 1)
	out := bottest.Text(posts[0])
	i1, i2 := strings.Index(out, "*INC-1* HighErrorRate [checkout]"), strings.Index(out, "*INC-2* Payments 5xx spike")
	require.True(t, i1 >= 0 && i2 > i1, "the same alert first, then similar text:\n%s", out)
	require.Contains(t, out, "scaled the checkout pods to 12")
	require.Contains(t, out, "restarted the payments gateway")

	sim := e.svc.similar(context.Background(), third, 1)
	require.Len(t, sim, 1)
	require.Equal(t, int64(1), sim[0].ID)
}

package handlers

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

// TestPostmortemPublishFromChat: `postmortem publish` needs a reviewed
// postmortem, saves the generated draft as version 1 when nothing was
// edited, says who published it on the timeline, puts it in the library
// and in search; `postmortem` links the document under the public URL.
func TestPostmortemPublishFromChat(t *testing.T) {
	for _, tc := range []struct {
		lang               bot.Lang
		refused, published string
	}{
		{bot.English, "is not reviewed yet", "📚 bob published the postmortem of INC-1 to the library: https://warroom.example/incidents/INC-1/postmortem"},
		{bot.Japanese, "is not reviewed yet", // the reply is in the asker's language
			"📚 bob さんが INC-1 のポストモーテムをライブラリに公開しました：https://warroom.example/incidents/INC-1/postmortem"},
	} {
		t.Run(string(tc.lang), func(t *testing.T) {
			e := newEnv(t, Options{Lang: tc.lang, PublicURL: "https://warroom.example"})
			inc := e.declare("Checkout is failing P2")
			e.must(e.alice, inc.Channel.ID, "postmortem")
			post, _ := e.p.Last("Post")
			require.Contains(t, post.Msg.Text, "publish it as a document: https://warroom.example/incidents/INC-1/postmortem", "in the asker's language")
			require.Equal(t, "https://warroom.example/incidents/INC-1/postmortem", post.Msg.Buttons[0].URL)

			err := e.run(e.bob, inc.Channel.ID, "postmortem publish")
			require.Equal(t, bot.CodeNotReviewed, bot.CodeOf(err))
			require.Contains(t, e.lastReply(), tc.refused)
			e.must(e.bob, inc.Channel.ID, "postmortem reviewed")
			e.must(e.bob, inc.Channel.ID, "postmortem publish")
			post, _ = e.p.Last("Post")
			require.Equal(t, tc.published, post.Msg.Text)
			got := e.get(inc.ID)
			require.Equal(t, e.bob, got.PostmortemPublishedBy)
			tl := e.timeline(inc.ID)
			last := tl[len(tl)-1]
			require.Equal(t, "published", last.Data["action"])
			require.Equal(t, e.bob, last.Author)
			vs, err := e.st.PostmortemVersions(context.Background(), inc.ID)
			require.NoError(t, err)
			require.Len(t, vs, 1, "the generated draft is what was published")

			err = e.run(e.alice, inc.Channel.ID, "postmortem publish")
			require.Equal(t, bot.CodeAlreadyPublished, bot.CodeOf(err))
			ids, err := e.st.Published(context.Background(), 0)
			require.NoError(t, err)
			require.Equal(t, []int64{inc.ID}, ids)
		})
	}
}

// TestExcerpt: the library's excerpt is the prose people wrote, in plain
// text: no heading, table, rule or list, and not the draft's guidance (a
// whole line in italics) unless there is nothing else; no emphasis marks
// around a whole line.
func TestExcerpt(t *testing.T) {
	for _, tc := range []struct{ md, want string }{
		{"# Postmortem\n\n_Draft made by Warroom._\n\n| a | b |\n| --- | --- |\n\n---\n- 10:00 alice declared it P2\n1. first\nThe cache was stale.\n", "The cache was stale."},
		{"# Postmortem\n\n_Draft made by Warroom._\n\n- 10:00 alice declared it P2\n", "Draft made by Warroom. 10:00 alice declared it P2"},
		{"**原因は証明書の期限切れでした。**\n", "原因は証明書の期限切れでした。"},
		{"snake_case_name stays as it is\n", "snake_case_name stays as it is"},
	} {
		require.Equal(t, tc.want, excerpt(tc.md), tc.md)
	}
}

package handlers

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// A story whose people type Markdown and HTML at every turn: the draft
// shows their text as typed, escaped, while the timeline keeps it as it
// was said. That the escaped draft renders to no structure from chat is
// postmortem's property and fuzz tests (postmortem/markdown_test.go).
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
	send(bot.Event{Kind: bot.EventReaction, User: e.alice, Ref: "m1", Reaction: "pushpin", Meaning: bot.ReactionKey})
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

	tl, err := e.st.Timeline(ctx, inc.ID, store.TimelineQuery{})
	require.NoError(t, err)
	var texts []string
	for _, en := range tl {
		texts = append(texts, en.Text)
	}
	require.Contains(t, texts, hostile, "the timeline keeps the original bytes")
}

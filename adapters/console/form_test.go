package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/console"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/handlers"
)

// TestFormLetsGo: inside a form, /incident leaves it and runs the command,
// /quit quits, a console command is refused without being taken as the
// answer, and nothing is submitted.
func TestFormLetsGo(t *testing.T) {
	h := newHarness(t, handlers.Options{})
	out := h.run(bot.English, "alice",
		"/incident declare",
		"/join #general", // not an answer: asked again
		"/incident help", // leaves the form, runs help
		"/incident declare",
		"/quit",
		"Checkout is failing", // never read: the session ended
	)
	inOrder(t, out,
		"Title (required):",
		"> /join #general\n",
		"Title (required):\n  ! Title: `/join` cannot be used inside a form",
		"> /incident help\n",
		"Form left; nothing was submitted. Running the command instead.",
		"Warroom (only you can see this):", // help's answer
		"> /incident declare\n",
		"Title (required):",
		"> /quit\n",
		"Form abandoned; nothing was submitted.\nBye.\n",
	)
	require.NotContains(t, out, "Checkout is failing")
	require.NotContains(t, out, "Warroom created #", "no incident was declared")
	require.NotContains(t, out, "You are now in #general", "the /join inside the form did not run")
}

// TestFormCancel: /cancel abandons the form and the session goes on.
func TestFormCancel(t *testing.T) {
	h := newHarness(t, handlers.Options{})
	out := h.run(bot.English, "alice", "/incident declare", "/CANCEL", "/channels")
	inOrder(t, out, "> /CANCEL\n", "Form abandoned; nothing was submitted.", "Channels:")
	require.NotContains(t, out, "Warroom created #")
}

// TestFormBlankLines: a blank line in a script keeps an optional field's
// default and says so, and re-asks a required one, so the later answers
// stay on their fields: the channel is private as the script says.
func TestFormBlankLines(t *testing.T) {
	h := newHarness(t, handlers.Options{})
	out := h.run(bot.English, "alice",
		"/incident declare",
		"",                    // title: required, asked again
		"Checkout is failing", // title
		"",                    // priority: required, asked again
		"P2",
		"", // description: optional, left empty
		"", // commander: optional, left empty (the declarer leads)
		"bob",
		"yes", // private
		"/channels",
	)
	inOrder(t, out,
		"Title (required):\n  ! Title: This field is required.",
		"> Checkout is failing\n",
		"Priority (required):\n  ! Priority: This field is required.",
		"> P2\n",
		"Description:\n", ">\n  (empty line: left empty)\n",
		"Commander:\n", ">\n  (empty line: left empty)\n",
		"Responders to invite:\n", "> bob\n", // a bare name of the workspace
		"Private channel:\n", "> yes\n",
		"@bob joined #"+incChannel+".",
	)
	require.Contains(t, out, "→ #"+incChannel+" (you are here) (private)")
	card := block(t, out, "Warroom created", "[M2] Warroom: 🚨 INC-1: Checkout is failing")
	require.Contains(t, card, "\n  Priority: P2 (high)\n")
	require.Contains(t, card, "\n  Commander: alice\n")
}

// TestFormLetsGoJapanese: the same messages in Japanese.
func TestFormLetsGoJapanese(t *testing.T) {
	h := newHarness(t, handlers.Options{Lang: bot.Japanese})
	out := h.run(bot.Japanese, "alice", "/incident declare", "/incident help")
	require.Contains(t, out, "フォームを抜けました。何も送信していません。代わりにコマンドを実行します。")
}

func TestDirectory(t *testing.T) {
	c, err := console.New(console.Options{In: strings.NewReader(""), Out: &strings.Builder{}, User: "alice", People: []string{"Bob", "carol"}})
	require.NoError(t, err)
	ctx := context.Background()
	us, err := c.FindUsers(ctx, "BOB")
	require.NoError(t, err)
	require.Equal(t, []bot.User{{ID: "Bob", Name: "Bob"}}, us)
	us, err = c.FindUsers(ctx, "dave")
	require.NoError(t, err)
	require.Empty(t, us, "dave is not in this workspace")
	u, err := c.LookupUser(ctx, "alice")
	require.NoError(t, err)
	require.Equal(t, "alice", u.ID, "the person at the terminal is someone")
	_, err = c.LookupUser(ctx, "nobody")
	require.ErrorIs(t, err, bot.ErrNotFound)
}

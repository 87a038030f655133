package slack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
	"github.com/warroomhq/warroom/bot"
)

// TestPeopleByNameOnSlack: `role` takes a bare name when one member has it
// as display or real name (users.list, every page), lists the members when
// several do, and refuses a name or an @mention nobody has, changing
// nothing. Deactivated members and bots are nobody.
func TestPeopleByNameOnSlack(t *testing.T) {
	w := newWorld(t, false)
	w.fake.AddUser("U0CAROL1", "carol", "Carol", "ja-JP")
	w.fake.AddUser("U0CAROL2", "ctanaka", "Carol T.", "ja-JP")
	w.fake.SetRealName("U0CAROL2", "Carol")
	w.fake.AddUser("U0DAVE", "dave", "Dave", "en-US")
	w.fake.SetRealName("U0DAVE", "Dave Sato")
	w.fake.AddUser("U0GONE", "erin", "Erin", "en-US")
	w.fake.DeactivateUser("U0GONE")

	w.command(alice, w.general, "declare Search is slow P3")
	inc := w.incident(1)
	ch := inc.Channel.ID
	w.fake.WaitResponses(1, wait)

	w.command(alice, ch, "role ops dave sato")
	require.Eventually(t, func() bool { return w.incident(1).Roles[bot.RoleOperations].ID == "U0DAVE" }, wait, 10*time.Millisecond)
	require.Equal(t, "Dave", w.incident(1).Roles[bot.RoleOperations].Name)
	pages := w.fake.Calls("users.list")
	require.NotEmpty(t, pages)
	require.Equal(t, "200", pages[0].Params["limit"])

	before := w.timeline(inc.ID)
	require.Contains(t, w.answerText(alice, ch, "role scribe carol"), "Several people are called `carol`: Carol (U0CAROL1), Carol T. (U0CAROL2).")
	for _, line := range []string{"role scribe erin", "role scribe @nobody", "role scribe <@U0NOBODY|ghost>"} {
		require.Contains(t, w.answerText(alice, ch, line), "Nobody here is called", line)
	}
	require.Equal(t, before, w.timeline(inc.ID), "refusals change nothing")
	require.Len(t, w.fake.Calls("users.list"), len(pages), "the member list is read once for all those lookups")

	w.command(alice, ch, "role scribe <@U0CAROL2>")
	require.Eventually(t, func() bool { return w.incident(1).Roles[bot.RoleScribe].ID == "U0CAROL2" }, wait, 10*time.Millisecond)
}

// TestDirectoryPagesAndRateLimit: FindUsers reads every page of users.list
// and waits out a 429; LookupUser knows deactivated members as nobody.
func TestDirectoryPagesAndRateLimit(t *testing.T) {
	w := newWorld(t, false)
	for _, id := range []string{"U1", "U2", "U3"} {
		w.fake.AddUser(id, strings.ToLower(id), "x"+id, "en-US")
	}
	w.fake.AddUser("U9", "zed", "Zed", "en-US")
	w.fake.DeactivateUser("U9")
	w.fake.RateLimit("users.list", 1, 1)
	ctx := context.Background()
	got, err := w.a.FindUsers(ctx, "XU3")
	require.NoError(t, err)
	require.Equal(t, []bot.User{{ID: "U3", Name: "xU3"}}, got)
	calls := w.fake.Calls("users.list")
	require.Equal(t, 429, calls[0].Status)
	require.Empty(t, mustFind(t, w, "zed"), "deactivated")
	require.Empty(t, mustFind(t, w, fakeslack.BotName), "the bot is not a person")

	_, err = w.a.LookupUser(ctx, "U9")
	require.ErrorIs(t, err, bot.ErrNotFound)
	_, err = w.a.LookupUser(ctx, "U404")
	require.ErrorIs(t, err, bot.ErrNotFound)
	u, err := w.a.LookupUser(ctx, bob)
	require.NoError(t, err)
	require.Equal(t, "ボブ", u.Name)
}

func mustFind(t *testing.T, w *world, name string) []bot.User {
	t.Helper()
	got, err := w.a.FindUsers(context.Background(), name)
	require.NoError(t, err)
	return got
}

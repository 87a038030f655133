package slack_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
)

// TestPrivateIncidentOnSlack plays carol, who is in #general but not in a
// private incident's channel: naming the incident, listing and searching
// tell her nothing, taking a role pulls nobody into the channel, and she
// gets in only when a member adds her or Slack says she joined.
func TestPrivateIncidentOnSlack(t *testing.T) {
	const carol, dave = "U0CAROL", "U0DAVE"
	w := newWorld(t, false)
	w.fake.AddUser(carol, "carol", "Carol", "en-US")
	w.fake.AddUser(dave, "dave", "Dave", "en-US")
	status, _ := w.command(alice, w.general, "declare Payroll data exposed P1 <@"+bob+"|bob> private")
	require.Equal(t, http.StatusOK, status)
	inc := w.incident(1)
	require.True(t, inc.Private)
	ch, ok := w.fake.Channel(inc.Channel.ID)
	require.True(t, ok)
	require.True(t, ch.IsPrivate, "a private Slack channel")
	w.event(w.fake.NewEventID(), w.fake.MessageEvent(fakeslack.Message{Channel: inc.Channel.ID, User: bob, Text: "the password was hunter2zebra"}))
	require.Eventually(t, func() bool { return len(w.timeline(1)) == 3 }, wait, 10*time.Millisecond)
	ann, _ := w.fake.ChannelByName("incidents")
	require.Empty(t, ann.Messages, "a private incident is not announced")

	w.fake.WaitResponses(1, wait)
	ask := func(user, text string) string {
		t.Helper()
		answer, err := json.Marshal(w.answer(user, w.general, text))
		require.NoError(t, err)
		return string(answer)
	}
	never := ask(carol, "INC-9 timeline")
	require.Contains(t, never, "There is no incident INC-9")
	before := w.fake.Calls("conversations.invite")
	for _, text := range []string{"INC-1 timeline", "INC-1 summary", "INC-1 postmortem", "INC-1 note I was here", "INC-1 role commander me", "INC-1 resolve"} {
		require.Equal(t, strings.ReplaceAll(never, "INC-9", "INC-1"), ask(carol, text), text)
	}
	for _, text := range []string{"list", "list all", "search hunter2zebra", "search payroll"} {
		got := ask(carol, text)
		require.NotContains(t, got, "INC-1", text)
		require.NotContains(t, got, inc.Channel.Name, text)
	}
	require.Len(t, w.fake.Calls("conversations.invite"), len(before), "nobody was pulled into the channel")
	require.Len(t, w.timeline(1), 3, "nothing was written")
	ch, _ = w.fake.Channel(inc.Channel.ID)
	require.NotContains(t, ch.Members, carol)

	// bob, a member, sees it from #general.
	require.Contains(t, ask(bob, "list"), "INC-1")

	// dave joins the channel (a member invited him from Slack itself).
	w.event(w.fake.NewEventID(), w.fake.MemberJoinedEvent(dave, inc.Channel.ID, true, alice))
	require.Eventually(t, func() bool {
		got, err := w.st.Get(t.Context(), 1)
		return err == nil && strings.Contains(strings.Join(got.Members, ","), dave)
	}, wait, 10*time.Millisecond)
	require.Contains(t, ask(dave, "INC-1 summary"), "Payroll data exposed")
	w.event(w.fake.NewEventID(), w.fake.MemberLeftEvent(dave, inc.Channel.ID, true))
	require.Eventually(t, func() bool {
		got, err := w.st.Get(t.Context(), 1)
		return err == nil && !strings.Contains(strings.Join(got.Members, ","), dave)
	}, wait, 10*time.Millisecond)
	require.Contains(t, ask(dave, "INC-1 summary"), "There is no incident INC-1")

	// alice adds carol: Slack invites her, and she sees it.
	ask(alice, "INC-1 add <@"+carol+"|carol>")
	invites := w.fake.WaitCalls("conversations.invite", len(before)+1, wait)
	require.Contains(t, invites[len(invites)-1].Params["users"], carol)
	ch, _ = w.fake.Channel(inc.Channel.ID)
	require.Contains(t, ch.Members, carol)
	require.Contains(t, ask(carol, "INC-1 timeline"), "hunter2zebra")
}

// TestPrivateAnswersInTheUsersTimeZone: what only one person sees shows
// times in their own zone (users.info tz); the card everyone sees stays in
// the deployment's.
func TestPrivateAnswersInTheUsersTimeZone(t *testing.T) {
	w := newWorld(t, false)
	w.fake.SetTimeZone(bob, "Asia/Tokyo", "Japan Standard Time", 9*3600)
	w.command(alice, w.general, "declare Search is slow")
	inc := w.incident(1)
	w.fake.WaitResponses(1, wait)
	answer, err := json.Marshal(w.answer(bob, inc.Channel.ID, "timeline"))
	require.NoError(t, err)
	require.Contains(t, string(answer), " JST ", "bob reads his timeline in Tokyo time")
	ch, _ := w.fake.Channel(inc.Channel.ID)
	card, _ := ch.Message(inc.Card.ID)
	require.NotContains(t, card.Blocks, "JST", "the shared card keeps the deployment's zone")
	require.Contains(t, card.Blocks, "UTC")
}

package handlers

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
)

// through acts as user of the chat platform "test" through the platform
// "web" (a browser signed in as them), as a button would.
func (e *env) through(user bot.User, command, args string) error {
	e.t.Helper()
	return e.r.Serve(context.Background(), bot.Event{Kind: bot.EventAction, Platform: "web", UserPlatform: "test",
		User: user, Action: command, Value: args})
}

// TestActingThroughAnotherPlatform: a change made through another
// platform (the web) lands where the incident lives: its channel is told
// and its card redrawn on its own platform, the announcements channel
// hears of it, the timeline and both messages say where it was done from,
// and only the answer to the person goes back through the platform they
// acted on.
func TestActingThroughAnotherPlatform(t *testing.T) {
	e := newEnv(t, Options{Announce: map[string]string{"test": "CANN"}})
	webp := bottest.New("web")
	e.r.Register(webp)
	inc := e.declare("Checkout is failing P2")
	e.p.Reset()

	require.NoError(t, e.through(e.alice, "resolve", inc.Key()+" rolled back"))

	got := e.get(inc.ID)
	require.Equal(t, bot.StatusResolved, got.Status)
	entries := e.timeline(inc.ID)
	last := entries[len(entries)-1]
	require.Equal(t, bot.KindStatus, last.Kind)
	require.Equal(t, e.alice, last.Author)
	require.Equal(t, "web", last.Data["via"])
	require.Equal(t, "investigating → resolved: rolled back (from the web)", e.svc.Describe(bot.English, last))
	require.Contains(t, e.svc.Describe(bot.Japanese, last), "（Web から）")

	var channel, announced bool
	for _, c := range e.p.Calls("Post") {
		switch c.Channel {
		case inc.Channel.ID:
			channel = true
			require.Contains(t, c.Msg.Text, "(from the web)")
		case "CANN":
			announced = true
			require.Contains(t, c.Msg.Text, "(from the web)")
		}
	}
	require.True(t, channel, "the incident channel is told")
	require.True(t, announced, "the announcements channel is told")
	up, ok := e.p.Last("Update")
	require.True(t, ok, "the card is redrawn on the incident's platform")
	require.Equal(t, inc.Card, up.Ref)
	require.Contains(t, bottest.Text(up.Msg), "resolved")
	require.Empty(t, e.p.Calls("Reply"), "nobody is answered on the chat platform")
	replies := webp.Calls("Reply")
	require.Len(t, replies, 1, "the person is answered where they acted")
	require.Equal(t, e.alice, replies[0].User)
	require.Empty(t, webp.Calls("Post", "Update", "SetTopic", "Invite"), "the web has no channel")
}

// TestAudienceThroughAnotherPlatform: the audience rule judges the person
// by their own platform: an outsider acting through the web does not find
// a private incident, a member does, and someone of another chat
// platform is never in its audience.
func TestAudienceThroughAnotherPlatform(t *testing.T) {
	e := newEnv(t, Options{})
	e.r.Register(bottest.New("web"))
	priv := e.declare("Payroll data exposed P1 <@U2|bob> private")
	require.True(t, priv.Private)
	carol := bot.User{ID: "U3", Name: "carol"}
	before := len(e.timeline(priv.ID))

	err := e.through(carol, "update", priv.Key()+" hello")
	require.Equal(t, bot.CodeNotFound, bot.CodeOf(err))
	err = e.r.Serve(context.Background(), bot.Event{Kind: bot.EventAction, Platform: "web", UserPlatform: "teams",
		User: e.bob, Action: "update", Value: priv.Key() + " hello"})
	require.Equal(t, bot.CodeNotFound, bot.CodeOf(err), "bob of another platform is not bob")
	require.Len(t, e.timeline(priv.ID), before, "nothing written")

	require.NoError(t, e.through(e.bob, "update", priv.Key()+" contained"))
	entries := e.timeline(priv.ID)
	require.Equal(t, bot.KindUpdate, entries[len(entries)-1].Kind)
}

// TestRoleByNameThroughAnotherPlatform: a person named on the web is
// looked up in the directory of the incident's own platform, as in its
// channel, and is invited there.
func TestRoleByNameThroughAnotherPlatform(t *testing.T) {
	e, dp := newDirEnv(t)
	webp := bottest.New("web")
	e.r.Register(webp)
	require.NoError(t, e.runOn("dir", e.alice, "CGEN", "declare Checkout is failing P2"))
	inc := e.get(1)
	dp.Reset()
	through := func(value string) error {
		return e.r.Serve(context.Background(), bot.Event{Kind: bot.EventAction, Platform: "web", UserPlatform: "dir",
			User: e.alice, Action: "role", Value: value})
	}
	require.NoError(t, through(inc.Key()+" scribe Dave Sato"))
	u, ok := e.get(1).Holder(bot.RoleScribe)
	require.True(t, ok)
	require.Equal(t, "U5", u.ID, "found by real name in the incident platform's directory")
	invite, ok := dp.Last("Invite")
	require.True(t, ok, "invited to the incident channel")
	require.Equal(t, []string{"U5"}, invite.Users)

	err := through(inc.Key() + " ops nobody-here")
	require.Equal(t, bot.CodeNoSuchUser, bot.CodeOf(err))
	replies := webp.Calls("Reply")
	require.NotEmpty(t, replies)
	require.Contains(t, bottest.Text(replies[len(replies)-1].Msg), "nobody-here")
}

// rosterPlatform is the recording platform that keeps its conversations'
// rosters itself, as Teams does.
type rosterPlatform struct {
	*bottest.Platform
	in map[string]bool // user IDs that may read every conversation
}

func (p *rosterPlatform) InConversation(_ context.Context, _, userID string) (bool, error) {
	return p.in[userID], nil
}

// TestRosterThroughAnotherPlatform: where the incident's platform keeps
// the roster, it alone says who may see a private incident, also for a
// person acting through the web.
func TestRosterThroughAnotherPlatform(t *testing.T) {
	e := newEnv(t, Options{})
	rp := &rosterPlatform{Platform: bottest.New("roster"), in: map[string]bool{"U1": true}}
	e.r.Register(rp)
	e.r.Register(bottest.New("web"))
	require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "roster", User: e.alice,
		Channel: "CGEN", Text: "declare Payroll data exposed P1 private"}))
	inc := e.get(1)
	require.True(t, inc.Private)
	through := func(u bot.User) error {
		return e.r.Serve(context.Background(), bot.Event{Kind: bot.EventAction, Platform: "web", UserPlatform: "roster",
			User: u, Action: "update", Value: inc.Key() + " contained"})
	}
	bobOnWeb := bot.Viewer{Platform: "roster", User: e.bob}
	page, err := e.svc.Incidents(context.Background(), bobOnWeb, bot.IncidentQuery{})
	require.NoError(t, err)
	require.Empty(t, page.Incidents)
	require.Empty(t, page.Counts, "nor is it on his dashboard")
	require.Equal(t, bot.CodeNotFound, bot.CodeOf(through(e.bob)), "the roster says bob is not in")
	rp.in["U2"] = true
	require.NoError(t, through(e.bob), "now it says he is")
	// On the dashboard too, though no record names him: the roster does.
	page, err = e.svc.Incidents(context.Background(), bobOnWeb, bot.IncidentQuery{})
	require.NoError(t, err)
	require.Len(t, page.Incidents, 1)
	require.Equal(t, inc.ID, page.Incidents[0].ID)
	require.Equal(t, 1, page.Total)
}

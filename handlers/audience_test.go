package handlers

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
	"github.com/warroomhq/warroom/store"
)

// privateEnv is a world with one private incident (INC-1, alice leads,
// bob responds, a password pasted in its channel) and one public one
// (INC-2); carol is in neither.
type privateEnv struct {
	*env
	priv, pub *bot.Incident
	carol     bot.User
}

func newPrivateEnv(t *testing.T, opts Options) *privateEnv {
	t.Helper()
	if opts.Announce == nil {
		opts.Announce = map[string]string{"test": "CANN"}
	}
	e := &privateEnv{env: newEnv(t, opts), carol: bot.User{ID: "U3", Name: "carol"}}
	e.priv = e.declare("Payroll data exposed P1 <@U2|bob> private")
	require.True(t, e.priv.Private)
	require.Equal(t, []string{"U1", "U2"}, e.priv.Members, "the declarer and the responder")
	e.send(e.priv.Channel.ID, bot.Event{Kind: bot.EventMessage, User: e.bob, Text: "the password was hunter2zebra", Ref: "m1"})
	e.pub = e.declare("Search is slow P3")
	require.False(t, e.pub.Private)
	return e
}

func (e *privateEnv) send(channel string, ev bot.Event) {
	e.t.Helper()
	ev.Platform, ev.Channel = "test", channel
	require.NoError(e.t, e.r.Serve(context.Background(), ev))
}

// reply runs line as user in channel and returns what they were told.
func (e *privateEnv) reply(user bot.User, channel, line string) (string, error) {
	e.t.Helper()
	e.p.Reset()
	err := e.run(user, channel, line)
	var out []string
	for _, c := range e.p.Calls("Reply", "Post") {
		out = append(out, bottest.Text(c.Msg))
	}
	return strings.Join(out, "\n"), err
}

func TestPrivateIncidentIsNotFoundByOutsiders(t *testing.T) {
	e := newPrivateEnv(t, Options{})
	before := e.timeline(e.priv.ID)
	never, neverErr := e.reply(e.carol, "CGEN", "INC-99 timeline")
	require.Equal(t, bot.CodeNotFound, bot.CodeOf(neverErr))

	for _, line := range []string{
		"timeline", "summary", "postmortem", "note I was here", "role commander me", "roles",
		"resolve", "close --force", "ack", "status identified", "priority P2", "update all fine",
		"add <@U3|carol>", "followup add rotate keys", "followups", "reopen",
	} {
		t.Run(line, func(t *testing.T) {
			got, err := e.reply(e.carol, "CGEN", "INC-1 "+line)
			require.Equal(t, bot.CodeNotFound, bot.CodeOf(err))
			// Word for word what a number never used gets.
			require.Equal(t, strings.ReplaceAll(never, "INC-99", "INC-1"), got)
			require.Empty(t, e.p.Calls("Invite", "Post", "Update", "SetTopic"), "nothing said or changed anywhere")
		})
	}
	require.Equal(t, before, e.timeline(e.priv.ID), "the timeline is untouched")
	inc := e.get(e.priv.ID)
	require.Equal(t, e.alice, inc.Roles[bot.RoleCommander])
	require.Equal(t, bot.StatusInvestigating, inc.Status)
	require.Equal(t, bot.P1, inc.Priority)
}

func TestPrivateIncidentLeftOutOfListsForOutsiders(t *testing.T) {
	e := newPrivateEnv(t, Options{})
	e.must(e.alice, e.priv.Channel.ID, "followup add rotate the leaked keys")
	e.must(e.alice, e.pub.Channel.ID, "followup add add an index")
	e.must(e.alice, e.priv.Channel.ID, "resolve contained")
	leaks := []string{"INC-1", "Payroll", e.priv.Channel.Name, "hunter2zebra", "rotate the leaked keys"}
	for _, line := range []string{"list", "list all", "search payroll", "search hunter2zebra", "search --drills payroll", "followups open", "stats 30"} {
		t.Run(line, func(t *testing.T) {
			got, _ := e.reply(e.carol, "CGEN", line)
			for _, leak := range leaks {
				if !strings.Contains(line, strings.ToLower(leak)) { // the echoed query is no leak
					require.NotContains(t, got, leak)
				}
			}
			require.NotContains(t, got, "INC-1")
			seen, _ := e.reply(e.bob, "CGEN", line)
			switch line {
			case "list all", "search payroll", "search hunter2zebra":
				require.Contains(t, seen, "INC-1", "a member sees it from anywhere")
			case "followups open":
				require.Contains(t, seen, "rotate the leaked keys")
			}
		})
	}
	list, _ := e.reply(e.carol, "CGEN", "list all")
	require.Contains(t, list, "INC-2", "public incidents stay listed")

	st, err := e.svc.stats(context.Background(), 30, &bot.Request{Event: &bot.Event{Platform: "test", User: e.carol}, Platform: e.p})
	require.NoError(t, err)
	require.Equal(t, 1, st.Overall.Declared, "carol counts only the public incident")
	st, err = e.svc.stats(context.Background(), 30, &bot.Request{Event: &bot.Event{Platform: "test", User: e.bob}, Platform: e.p})
	require.NoError(t, err)
	require.Equal(t, 2, st.Overall.Declared)
	st, err = e.svc.Stats(context.Background(), 30)
	require.NoError(t, err)
	require.Equal(t, 1, st.Overall.Declared, "nobody in particular counts public incidents only")
}

func TestPrivateIncidentNeverAnnouncedNorHinted(t *testing.T) {
	e := newPrivateEnv(t, Options{})
	for _, c := range e.p.Calls("Post") {
		if c.Channel == "CANN" {
			require.NotContains(t, bottest.Text(c.Msg), "Payroll")
		}
	}
	e.must(e.alice, e.priv.Channel.ID, "resolve contained")
	e.p.Reset()
	next := e.declare("Payroll data exposed again")
	for _, c := range e.p.Calls("Post") {
		require.NotContains(t, bottest.Text(c.Msg), "INC-1", "no similar-incident hint names the private one (in %s)", c.Channel)
	}
	require.NotZero(t, next.ID)
}

func TestPrivateIncidentMembers(t *testing.T) {
	e := newPrivateEnv(t, Options{Admins: []string{"UADM"}})
	dave, eve := bot.User{ID: "U4", Name: "dave"}, bot.User{ID: "U5", Name: "eve"}
	ch := e.priv.Channel.ID

	// The declarer, the responder and whoever acts inside the channel see it.
	for _, u := range []bot.User{e.alice, e.bob} {
		_, err := e.reply(u, "CGEN", "INC-1 summary")
		require.NoError(t, err, u.Name)
	}
	_, err := e.reply(e.carol, ch, "summary")
	require.NoError(t, err, "acting inside the channel is being in it")

	// add makes a member and invites them.
	_, err = e.reply(e.bob, "CGEN", "INC-1 add <@U3|carol>")
	require.NoError(t, err)
	inv, ok := e.p.Last("Invite")
	require.True(t, ok)
	require.Equal(t, ch, inv.Channel)
	require.Equal(t, []string{"U3"}, inv.Users)
	require.Contains(t, e.get(e.priv.ID).Members, "U3")
	tl := e.timeline(e.priv.ID)
	require.Equal(t, bot.KindMember, tl[len(tl)-1].Kind)
	require.Equal(t, "U3", tl[len(tl)-1].Data["user_id"])
	_, err = e.reply(e.carol, "CGEN", "INC-1 timeline")
	require.NoError(t, err)
	_, err = e.reply(e.bob, "CGEN", "INC-1 add <@U3|carol>")
	require.Equal(t, bot.CodeAlreadyMembers, bot.CodeOf(err))

	// A role given by a member to an outsider makes them a member, invited.
	_, err = e.reply(e.alice, "CGEN", "INC-1 role scribe <@U4|dave>")
	require.NoError(t, err)
	inv, _ = e.p.Last("Invite")
	require.Equal(t, []string{"U4"}, inv.Users)
	require.Contains(t, e.get(e.priv.ID).Members, "U4")
	_, err = e.reply(dave, "CGEN", "INC-1 summary")
	require.NoError(t, err)

	// Joining and leaving the channel follow the platform's events.
	_, err = e.reply(eve, "CGEN", "INC-1 summary")
	require.Equal(t, bot.CodeNotFound, bot.CodeOf(err))
	e.send(ch, bot.Event{Kind: bot.EventJoin, User: eve})
	_, err = e.reply(eve, "CGEN", "INC-1 summary")
	require.NoError(t, err, "eve joined")
	e.send(ch, bot.Event{Kind: bot.EventLeave, User: eve})
	_, err = e.reply(eve, "CGEN", "INC-1 summary")
	require.Equal(t, bot.CodeNotFound, bot.CodeOf(err), "eve left")
	e.send(ch, bot.Event{Kind: bot.EventLeave, User: e.alice})
	_, err = e.reply(e.alice, "CGEN", "INC-1 summary")
	require.NoError(t, err, "the commander stays in the audience through the role")

	// Speaking says nothing of who is in the channel now: a late delivery
	// of eve's message, or a deletion of it by someone else, lets nobody
	// back in after a leave.
	e.send(ch, bot.Event{Kind: bot.EventMessage, User: eve, Text: "said before I left", Ref: "m8"})
	e.send(ch, bot.Event{Kind: bot.EventMessageDelete, User: eve, Ref: "m8"})
	e.send(ch, bot.Event{Kind: bot.EventMessageEdit, User: eve, Text: "edited", Ref: "m8"})
	_, err = e.reply(eve, "CGEN", "INC-1 summary")
	require.Equal(t, bot.CodeNotFound, bot.CodeOf(err), "eve stays out")
	require.NotContains(t, e.get(e.priv.ID).Members, "U5")
	e.send(ch, bot.Event{Kind: bot.EventJoin, User: eve})
	_, err = e.reply(eve, "CGEN", "INC-1 summary")
	require.NoError(t, err, "only a join lets her back in")

	// Events in a public incident's channel keep no members.
	e.send(e.pub.Channel.ID, bot.Event{Kind: bot.EventJoin, User: eve})
	require.Empty(t, e.get(e.pub.ID).Members)

	// An admin may do anything, and it is written on the timeline.
	admin := bot.User{ID: "UADM", Name: "root"}
	before := len(e.timeline(e.priv.ID))
	_, err = e.reply(admin, "CGEN", "INC-1 timeline")
	require.NoError(t, err)
	tl = e.timeline(e.priv.ID)
	require.Len(t, tl, before+1)
	require.Equal(t, bot.KindAccess, tl[before].Kind)
	require.Equal(t, "timeline", tl[before].Data["command"])
	require.Equal(t, admin, tl[before].Author)
	list, _ := e.reply(admin, "CGEN", "list")
	require.Contains(t, list, "INC-1")
}

func TestPrivateWordInDeclare(t *testing.T) {
	for line, want := range map[string]struct {
		title   string
		private bool
	}{
		"Payroll leak P1 @bob private": {"Payroll leak", true},
		"Payroll leak 非公開":             {"Payroll leak", true},
		"--private Payroll leak":       {"Payroll leak", true},
		"Private key leaked":           {"Private key leaked", false},
		"private":                      {"private", false},
	} {
		d := parseDeclaration(bot.Parse("declare " + line))
		require.Equal(t, want.title, d.Title, line)
		require.Equal(t, want.private, d.Private, line)
	}
}

// The API's queries stand for nobody: a private incident is absent from
// the list and not found, exactly like a number never used, while the
// public one is there (api/ turns not found into the same 404).
func TestPublicQueriesHidePrivateIncidents(t *testing.T) {
	e := newPrivateEnv(t, Options{})
	ctx := context.Background()
	incs, err := e.svc.PublicIncidents(ctx, ListQuery{})
	require.NoError(t, err)
	require.Len(t, incs, 1)
	require.Equal(t, e.pub.ID, incs[0].ID)
	open, err := e.svc.PublicIncidents(ctx, ListQuery{Open: true, Limit: 5})
	require.NoError(t, err)
	require.Len(t, open, 1)
	require.Equal(t, e.pub.ID, open[0].ID)

	_, never := e.svc.PublicIncident(ctx, 99)
	require.ErrorIs(t, never, bot.ErrNotFound)
	_, err = e.svc.PublicIncident(ctx, e.priv.ID)
	require.ErrorIs(t, err, bot.ErrNotFound)
	tl, err := e.svc.PublicTimeline(ctx, e.priv.ID, TimelinePage{Limit: 5})
	require.ErrorIs(t, err, bot.ErrNotFound)
	require.Empty(t, tl)
	md, err := e.svc.PublicPostmortem(ctx, e.priv.ID, "")
	require.ErrorIs(t, err, bot.ErrNotFound)
	require.Empty(t, md)
	st, err := e.svc.Stats(ctx, 30)
	require.NoError(t, err)
	require.Equal(t, 1, st.Overall.Declared, "the private incident is not counted")

	inc, err := e.svc.PublicIncident(ctx, e.pub.ID)
	require.NoError(t, err)
	require.Equal(t, "Search is slow", inc.Title)
	tl, err = e.svc.PublicTimeline(ctx, e.pub.ID, TimelinePage{})
	require.NoError(t, err)
	require.NotEmpty(t, tl)
	for _, en := range tl {
		require.NotContains(t, en.Text, "hunter2zebra")
	}
}

// A follow-up's owner is given work on the incident: in a private one they
// become a member, invited, as with a role; once they leave, reminders
// about it no longer reach them.
func TestPrivateFollowUpOwner(t *testing.T) {
	e := newPrivateEnv(t, Options{})
	ch := e.priv.Channel.ID
	e.must(e.alice, ch, "followup add rotate the leaked keys <@U3|carol> due 2026-11-26")
	require.Contains(t, e.get(e.priv.ID).Members, "U3")
	inv, ok := e.p.Last("Invite")
	require.True(t, ok)
	require.Equal(t, []string{"U3"}, inv.Users)

	remind := func() []bottest.Call {
		t.Helper()
		e.p.Reset()
		require.NoError(t, e.svc.remindFollowUps(context.Background(), e.now))
		var out []bottest.Call
		for _, c := range e.p.Calls("Reply", "Post") {
			if strings.Contains(bottest.Text(c.Msg), "rotate the leaked keys") {
				out = append(out, c)
			}
		}
		return out
	}
	e.now = e.now.Add(48 * time.Hour)
	got := remind()
	require.Len(t, got, 1, "carol, a member, is reminded")
	require.Equal(t, "U3", got[0].User.ID)

	e.send(ch, bot.Event{Kind: bot.EventLeave, User: e.carol})
	e.now = e.now.Add(24 * time.Hour)
	require.Empty(t, remind(), "carol left: the reminder does not follow her out")
}

// A message said in a private incident's channel cannot move into an
// incident more people can see: declaring from it opens the form with
// private ticked, and the incident is private even if it was unticked.
func TestDeclareFromAPrivateIncidentsMessage(t *testing.T) {
	e := newPrivateEnv(t, Options{Announce: map[string]string{"test": "CANN"}})
	origin := bot.Origin{Channel: e.priv.Channel.ID, Ref: "m1", Author: e.bob, Text: "the password was hunter2zebra"}
	require.NoError(t, e.fromMessage(origin))
	call, ok := e.p.Last("OpenForm")
	require.True(t, ok)
	for _, in := range call.Form.Inputs {
		if in.ID == "private" {
			require.Equal(t, "true", in.Value, "private is ticked")
		}
	}
	e.p.Reset()
	sub := bot.Event{Kind: bot.EventForm, Platform: "test", User: e.bob, Channel: e.priv.Channel.ID, Form: &bot.FormSubmission{
		ID: "declare", Values: map[string][]string{"title": {"Follow-on leak"}, "priority": {"P2"}}, Origin: call.Form.Origin}}
	require.NoError(t, e.r.Serve(context.Background(), sub))
	inc := e.get(3)
	require.True(t, inc.Private, "unticked, still private")
	for _, c := range e.p.Calls("Post") {
		require.NotEqual(t, "CANN", c.Channel, "not announced")
	}
	got, _ := e.reply(e.carol, "CGEN", "search hunter2zebra")
	require.NotContains(t, got, "INC-3")
}

// A leave that comes while Redis is down is spooled and applied when Redis
// is back: the person who left does not keep seeing the incident.
func TestPrivateLeaveDuringRedisOutage(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	e := newOutageEnv(t, rdb, filepath.Join(t.TempDir(), "spool.jsonl"), 64<<20)
	ctx := context.Background()
	alice, eve := bot.User{ID: "U1", Name: "alice"}, bot.User{ID: "U5", Name: "eve"}
	require.NoError(t, e.r.Serve(ctx, bot.Event{Kind: bot.EventCommand, Platform: "test", User: alice, Channel: "CGEN", Text: "declare Payroll leak P1 private"}))
	inc, err := e.st.Get(ctx, 1)
	require.NoError(t, err)
	ch := inc.Channel.ID
	require.NoError(t, e.r.Serve(ctx, bot.Event{ID: "j1", Kind: bot.EventJoin, Platform: "test", User: eve, Channel: ch}))
	inc, err = e.st.Get(ctx, 1)
	require.NoError(t, err)
	require.Contains(t, inc.Members, "U5")

	mr.Close()
	_ = e.r.Serve(ctx, bot.Event{ID: "l1", Kind: bot.EventLeave, Platform: "test", User: eve, Channel: ch})
	require.Equal(t, 1, e.sp.Len(), "the leave waits in the spool")
	require.NoError(t, mr.Restart())
	require.Eventually(t, func() bool { return e.sp.Len() == 0 }, 10*time.Second, 20*time.Millisecond, "replayed")
	inc, err = e.st.Get(ctx, 1)
	require.NoError(t, err)
	require.NotContains(t, inc.Members, "U5")
	err = e.r.Serve(ctx, bot.Event{Kind: bot.EventCommand, Platform: "test", User: eve, Channel: "CGEN", Text: "INC-1 timeline"})
	require.Equal(t, bot.CodeNotFound, bot.CodeOf(err))
	tl, err := e.st.Timeline(ctx, 1, store.TimelineQuery{})
	require.NoError(t, err)
	for _, en := range tl {
		require.NotEqual(t, bot.KindMember, en.Kind, "a join or a leave is applied, not written on the timeline")
	}
}

// With private channels on, an alert's declaration that the reconciler
// gives up is not announced: it names a private incident.
func TestReconcilerNeverAnnouncesAPrivateIncident(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test", PrivateChannels: true, Announce: map[string]string{"test": "CANN"}})
	ctx := context.Background()
	a := firing("g1", "a")
	e.crashedAlert(a)
	require.NoError(t, e.st.ReleaseAlert(ctx, a.Source, a.DedupKey))
	e.p.Fail["CreateChannel"] = errors.New("restricted_action")
	e.reconcile()
	for _, c := range e.p.Calls("Post") {
		require.NotEqual(t, "CANN", c.Channel, "posted in the announcements channel: %q", c.Msg.Text)
	}
}

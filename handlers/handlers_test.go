package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
)

// env is one test's world: a real store, real handlers, a router and a
// recording platform.
type env struct {
	t     *testing.T
	st    *store.Store
	svc   *Service
	r     *bot.Router
	p     *bottest.Platform
	now   time.Time
	alice bot.User
	bob   bot.User
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	e := &env{t: t, st: storetest.New(t), p: bottest.New("test"),
		now:   time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
		alice: bot.User{ID: "U1", Name: "alice"}, bob: bot.User{ID: "U2", Name: "bob"}}
	opts.Now = func() time.Time { return e.now }
	e.r = bot.NewRouter(bot.Options{Lang: bot.English})
	svc, err := New(e.st, e.r, opts)
	require.NoError(t, err)
	e.svc = svc
	t.Cleanup(func() { require.NoError(t, svc.Close(context.Background())) }) // after the router's
	t.Cleanup(func() { _ = e.r.Close(context.Background()) })
	e.r.Register(e.p)
	return e
}

// newRouter is a router for a service under test, closed at the test's
// end (before the service, whose Close the caller registers earlier).
func newRouter(tb testing.TB) *bot.Router {
	r := bot.NewRouter(bot.Options{Lang: bot.English})
	tb.Cleanup(func() { _ = r.Close(context.Background()) })
	return r
}

// run types a command as user in channel and returns the router's error.
func (e *env) run(user bot.User, channel, line string) error {
	e.t.Helper()
	return e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: user, Channel: channel, Text: line})
}

func (e *env) must(user bot.User, channel, line string) {
	e.t.Helper()
	require.NoError(e.t, e.run(user, channel, line))
}

func (e *env) get(id int64) *bot.Incident {
	e.t.Helper()
	inc, err := e.st.Get(context.Background(), id)
	require.NoError(e.t, err)
	return inc
}

func (e *env) timeline(id int64) []bot.TimelineEntry {
	e.t.Helper()
	entries, err := e.st.Timeline(context.Background(), id, store.TimelineQuery{})
	require.NoError(e.t, err)
	return entries
}

func (e *env) lastReply() string {
	e.t.Helper()
	c, ok := e.p.Last("Reply")
	require.True(e.t, ok, "no reply")
	return bottest.Text(c.Msg)
}

// declare opens an incident from #general and returns it.
func (e *env) declare(line string) *bot.Incident {
	e.t.Helper()
	e.must(e.alice, "CGEN", "declare "+line)
	incs, err := e.st.List(context.Background(), store.ListQuery{})
	require.NoError(e.t, err)
	require.NotEmpty(e.t, incs)
	return incs[0]
}

func TestDeclare(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("Checkout is failing P1 @bob")

	require.Equal(t, "Checkout is failing", inc.Title)
	require.Equal(t, bot.P1, inc.Priority)
	require.Equal(t, bot.StatusInvestigating, inc.Status)
	require.Equal(t, e.alice, inc.Roles[bot.RoleCommander], "the declarer leads")
	require.Equal(t, "inc-20261125-1-checkout-is-failing", inc.Channel.Name)

	create, _ := e.p.Last("CreateChannel")
	require.Equal(t, inc.Channel.ID, create.Channel)
	// The platform gets the name's parts, not a name made for Slack.
	require.Equal(t, "inc", create.Spec.Prefix)
	require.Equal(t, inc.ID, create.Spec.ID)
	require.Equal(t, "Checkout is failing", create.Spec.Title)
	require.True(t, create.Spec.Date.Equal(inc.CreatedAt))
	require.False(t, create.Spec.Private)
	invite, _ := e.p.Last("Invite")
	require.ElementsMatch(t, []string{"U1", "bob"}, invite.Users)
	pin, ok := e.p.Last("Pin")
	require.True(t, ok, "card pinned")
	require.Equal(t, inc.Card, pin.Ref)
	card := e.p.Calls("Post")[0]
	require.Equal(t, inc.Card, card.Ref)
	require.Contains(t, card.Msg.Title, "INC-1: Checkout is failing")
	labels := []string{}
	for _, b := range card.Msg.Buttons {
		labels = append(labels, b.Label)
	}
	require.Equal(t, []string{"I'll be commander", "Set priority", "Post update", "Resolve"}, labels)
	topic, _ := e.p.Last("SetTopic")
	require.Equal(t, "INC-1 | P1 (critical) | investigating | Commander: alice | Checkout is failing", topic.Topic)
	require.Contains(t, e.lastReply(), "Declared INC-1")

	tl := e.timeline(inc.ID)
	require.Len(t, tl, 2)
	require.Equal(t, bot.KindDeclared, tl[0].Kind)
	require.Equal(t, e.alice, tl[0].Author)
	require.Equal(t, bot.KindRole, tl[1].Kind)
}

func TestDeclareJapaneseTitle(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("決済が失敗している sev2")
	require.Equal(t, "決済が失敗している", inc.Title)
	require.Equal(t, bot.P2, inc.Priority)
	require.Equal(t, "inc-20261125-1", inc.Channel.Name)
}

// The day in a channel's name is the day where Warroom is (Location), and
// the platform is told it there.
func TestDeclareChannelDayInLocation(t *testing.T) {
	e := newEnv(t, Options{Location: tokyo(t)})
	e.now = time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC) // the 26th in Tokyo
	inc := e.declare("決済が失敗している")
	create, _ := e.p.Last("CreateChannel")
	require.Equal(t, "Asia/Tokyo", create.Spec.Date.Location().String())
	require.Equal(t, "inc-20261126-1", inc.Channel.Name)
}

func TestDeclareWithoutTitleOpensForm(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(e.alice, "CGEN", "declare")
	form, ok := e.p.Last("OpenForm")
	require.True(t, ok)
	require.Equal(t, "declare", form.Form.ID)
	require.Empty(t, e.p.Calls("CreateChannel"), "nothing declared yet")

	bad := bot.Event{Kind: bot.EventForm, Platform: "test", User: e.alice, Form: &bot.FormSubmission{ID: "declare",
		Values: map[string][]string{"title": {" "}, "priority": {"P9"}}}}
	errs := e.r.ValidateForm(&bad)
	require.Equal(t, "This field is required.", errs["title"])
	require.Contains(t, errs["priority"], "`P9` is not a priority")

	sub := bot.Event{Kind: bot.EventForm, Platform: "test", User: e.alice, Channel: "CGEN", Form: &bot.FormSubmission{ID: "declare",
		Values: map[string][]string{"title": {"API latency"}, "priority": {"P2"}, "description": {"p99 > 2s"},
			"commander": {"U2"}, "responders": {"U3", "U4"}}}}
	require.NoError(t, e.r.Serve(context.Background(), sub))
	inc := e.get(1)
	require.Equal(t, "API latency", inc.Title)
	require.Equal(t, "p99 > 2s", inc.Description)
	require.Equal(t, "U2", inc.Roles[bot.RoleCommander].ID, "the named commander leads")
	invite, _ := e.p.Last("Invite")
	require.ElementsMatch(t, []string{"U1", "U2", "U3", "U4"}, invite.Users)
}

func TestChannelFailureLeavesNoIncident(t *testing.T) {
	e := newEnv(t, Options{})
	e.p.Fail["CreateChannel"] = errors.New("restricted_action")
	err := e.run(e.alice, "CGEN", "declare DB down")
	require.Equal(t, bot.CodeChannelFailed, bot.CodeOf(err))
	require.Contains(t, e.lastReply(), "could not create the incident channel")
	incs, err := e.st.List(context.Background(), store.ListQuery{})
	require.NoError(t, err)
	require.Empty(t, incs)
}

func TestLifecycleStory(t *testing.T) {
	e := newEnv(t, Options{Policy: map[string][]string{"resolve": {"commander", "admins"}, "close": {"commander", "admins"}}})
	inc := e.declare("Checkout is failing")
	ch := inc.Channel.ID

	e.must(e.alice, ch, "priority sev2")
	e.must(e.alice, ch, "role ops <@U2|bob>")
	e.must(e.alice, ch, "status identified bad deploy 4f2a")
	require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventMessage, Platform: "test", User: e.bob, Channel: ch, Text: "rolling back now", Ref: "m1"}))
	e.must(e.bob, ch, "note rollback started 10:05")
	e.must(e.alice, ch, "update Rollback in progress, errors dropping")

	err := e.run(e.bob, ch, "resolve")
	require.Equal(t, bot.CodeForbidden, bot.CodeOf(err), "only the commander resolves")
	require.Contains(t, e.lastReply(), "the commander (alice)")

	e.must(e.alice, ch, "resolve rolled back 4f2a")
	e.must(e.alice, ch, "postmortem")
	e.must(e.bob, ch, "postmortem reviewed")
	e.must(e.alice, ch, "close")
	err = e.run(e.alice, ch, "status monitoring")
	require.Equal(t, bot.CodeBadTransition, bot.CodeOf(err))
	require.Contains(t, e.lastReply(), "An incident that is closed cannot become monitoring")

	inc = e.get(inc.ID)
	require.Equal(t, bot.StatusClosed, inc.Status)
	require.Equal(t, bot.P2, inc.Priority)
	require.Equal(t, "rolled back 4f2a", inc.Summary)
	require.Equal(t, e.bob.ID, inc.Roles[bot.RoleOperations].ID)

	var kinds []string
	for _, en := range e.timeline(inc.ID) {
		kinds = append(kinds, string(en.Kind)+":"+en.Author.ID)
	}
	require.Equal(t, []string{"declared:U1", "role:U1", "priority:U1", "role:U1", "status:U1", "message:U2", "note:U2",
		"update:U1", "status:U1", "postmortem:U2", "status:U1"}, kinds)

	card, _ := e.p.Last("Update")
	require.Equal(t, inc.Card, card.Ref, "the card is updated in place")
	require.Contains(t, bottest.Text(card.Msg), "closed")
	require.Equal(t, "Reopen", card.Msg.Buttons[0].Label)
}

func TestBadInputChangesNothing(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("Checkout is failing P3")
	ch := inc.Channel.ID
	before := e.timeline(inc.ID)

	for _, tc := range []struct{ line, code, says string }{
		{"priority P9", bot.CodeBadPriority, "`P9` is not a priority"},
		{"frobnicate", bot.CodeNoSuchCommand, "I don't know the command `frobnicate`. Type `help`"},
		{"resolv", bot.CodeUnknownCommand, "Did you mean `resolve`?"},
		{"status resolved", bot.CodeBadStatus, "`investigating`, `identified`, `monitoring`"},
		{"status", bot.CodeUsage, "status investigating|identified|monitoring"},
		{"role chef @bob", bot.CodeBadRole, "`commander`, `communications`, `scribe`, `operations`"},
		{"role commander bob", bot.CodeUnknownUser, "`bob` is not a person"},
		{"INC-999 resolve", bot.CodeNotFound, "There is no incident INC-999"},
		{"decline", bot.CodeBadTransition, "cannot become declined"},
		{"ack", bot.CodeAlreadyAcked, "already acknowledged"},
		{"priority P3", bot.CodeSamePriority, "already P3"},
		{"timeline 0", bot.CodeBadNumber, "not a number from 1 to 200"},
		{"note", bot.CodeUsage, "note <text>"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			err := e.run(e.alice, ch, tc.line)
			require.Equal(t, tc.code, bot.CodeOf(err))
			require.Contains(t, e.lastReply(), tc.says)
		})
	}
	require.Equal(t, before, e.timeline(inc.ID))
	require.Equal(t, bot.P3, e.get(inc.ID).Priority)

	err := e.run(e.alice, "CGEN", "resolve")
	require.Equal(t, bot.CodeNoIncident, bot.CodeOf(err))
}

func TestRecordMessages(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("Search is slow")
	ch := inc.Channel.ID
	send := func(ev bot.Event) {
		ev.Platform, ev.Channel = "test", ch
		require.NoError(t, e.r.Serve(context.Background(), ev))
	}
	send(bot.Event{Kind: bot.EventMessage, User: e.bob, Text: "ES heap at 95%", Ref: "m1"})
	send(bot.Event{Kind: bot.EventMessage, User: e.alice, Text: "restart node 3?", Ref: "m2", Thread: "m1"})
	send(bot.Event{Kind: bot.EventMessageEdit, User: e.bob, Text: "ES heap at 97%", Ref: "m1"})
	send(bot.Event{Kind: bot.EventMessageDelete, User: e.alice, Ref: "m2"})
	send(bot.Event{Kind: bot.EventReaction, User: e.alice, Ref: "m1", Reaction: "pushpin", Meaning: bot.ReactionKey})
	send(bot.Event{Kind: bot.EventReaction, User: e.alice, Ref: "m1", Reaction: "thumbsup"})
	require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventMessage, Platform: "test", User: e.bob, Channel: "CGEN", Text: "lunch?"}))

	tl := e.timeline(inc.ID)[2:]
	require.Len(t, tl, 5)
	require.Equal(t, "ES heap at 95%", tl[0].Text, "the original is never rewritten")
	require.Equal(t, "m1", tl[1].Data["thread"])
	require.Equal(t, bot.KindEdit, tl[2].Kind)
	require.Equal(t, "m1", tl[2].RefersTo)
	require.Equal(t, "ES heap at 97%", tl[2].Text)
	require.Equal(t, bot.KindDelete, tl[3].Kind)
	require.Equal(t, "m2", tl[3].RefersTo)
	require.Equal(t, bot.KindFlag, tl[4].Kind)
	require.True(t, tl[4].Key)
}

// What a reaction means is the adapter's to say (Event.Meaning): handlers
// never read its name, which the timeline keeps as it came.
func TestRecordReactionsByMeaning(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("Search is slow")
	send := func(ev bot.Event) {
		ev.Platform, ev.Channel, ev.User, ev.Ref = "test", inc.Channel.ID, e.alice, "m1"
		require.NoError(t, e.r.Serve(context.Background(), ev))
	}
	send(bot.Event{Kind: bot.EventMessage, Text: "ES heap at 95%"})
	base := len(e.timeline(inc.ID))
	send(bot.Event{Kind: bot.EventReaction, Reaction: "star"}) // a key emoji on Slack, but no meaning given
	require.Len(t, e.timeline(inc.ID), base, "a reaction without a meaning records nothing")

	send(bot.Event{Kind: bot.EventReaction, Reaction: "heart", Meaning: bot.ReactionKey})
	send(bot.Event{Kind: bot.EventUnreact, Reaction: "heart", Meaning: bot.ReactionKey})
	tl := e.timeline(inc.ID)[base:]
	require.Len(t, tl, 2)
	require.Equal(t, bot.KindFlag, tl[0].Kind)
	require.True(t, tl[0].Key)
	require.Equal(t, "m1", tl[0].RefersTo)
	require.Equal(t, map[string]string{"by": "reaction", "reaction": "heart", "flag": "on"}, tl[0].Data)
	require.False(t, tl[1].Key)
	require.Equal(t, map[string]string{"by": "reaction", "reaction": "heart", "flag": "off"}, tl[1].Data)
}

func TestAckFromTriageAndButtons(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	id, err := e.st.NextID(ctx)
	require.NoError(t, err)
	inc := &bot.Incident{ID: id, Title: "HighErrorRate", Status: bot.StatusTriage, Platform: "test",
		Channel: bot.Channel{ID: "C9", Name: "inc-alert"}, Card: bot.MessageRef{ChannelID: "C9", ID: "M9"}, CreatedAt: e.now}
	require.NoError(t, e.st.Create(ctx, inc))
	e.now = e.now.Add(4 * time.Minute)

	card := e.svc.card(context.Background(), inc, bot.English)
	require.Equal(t, "ack", card.Buttons[0].Command)
	// A click runs the same handler as typing.
	require.NoError(t, e.r.Serve(ctx, bot.Event{Kind: bot.EventAction, Platform: "test", User: e.bob, Channel: "C9",
		Action: card.Buttons[0].Command, Value: card.Buttons[0].Args}))
	got := e.get(id)
	require.Equal(t, bot.StatusInvestigating, got.Status)
	require.Equal(t, e.now, got.AckedAt.UTC())
	require.Equal(t, e.bob.ID, got.Roles[bot.RoleCommander].ID, "whoever acknowledges an unled incident leads it")

	e.must(e.bob, "C9", "summary")
	require.Contains(t, e.lastReply(), "Time to acknowledge: 4m")
}

func TestTimelineListHelp(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("Checkout is failing P1")
	ch := inc.Channel.ID
	e.must(e.alice, ch, "note first")
	e.must(e.alice, ch, "timeline")
	out := e.lastReply()
	require.Contains(t, out, "Timeline of INC-1: Checkout is failing")
	require.Contains(t, out, "2026-11-25 10:00:00 UTC  alice  [declared] Checkout is failing")
	require.Contains(t, out, "★ alice  [note] first")
	require.Contains(t, out, "showing 3 of 3 entries")

	e.must(e.alice, ch, "timeline 1")
	require.NotContains(t, e.lastReply(), "[declared]")

	e.must(e.bob, "CGEN", "list")
	require.Contains(t, e.lastReply(), "INC-1 P1 (critical) investigating — Checkout is failing")

	e.must(e.bob, "CGEN", "help")
	require.Contains(t, e.lastReply(), "declare <title> [P1-P4] [@responders]")
	e.must(e.bob, "CGEN", "help resolve")
	require.Contains(t, e.lastReply(), "resolve [summary]")

	e.must(e.bob, "CGEN", "INC-1 resolve fixed")
	require.Equal(t, bot.StatusResolved, e.get(1).Status)
	e.must(e.bob, "CGEN", "list")
	require.Contains(t, e.lastReply(), "No open incidents")
}

func TestRoleHandoverAndAdmins(t *testing.T) {
	e := newEnv(t, Options{Admins: []string{"U9"}, Policy: map[string][]string{"resolve": {"commander", "admins"}}})
	inc := e.declare("Queue backlog")
	ch := inc.Channel.ID
	e.must(e.alice, ch, "role commander <@U2|bob>")
	post, _ := e.p.Last("Post")
	require.Contains(t, post.Msg.Text, "bob takes over as Commander of INC-1 from alice")
	tl := e.timeline(inc.ID)
	last := tl[len(tl)-1]
	require.Equal(t, map[string]string{"role": "commander", "user_id": "U2", "user_name": "bob", "previous": "alice"}, last.Data)

	err := e.run(e.alice, ch, "resolve")
	require.Equal(t, bot.CodeForbidden, bot.CodeOf(err), "alice handed over")
	e.must(bot.User{ID: "U9", Name: "root"}, ch, "resolve by admin")
	require.Equal(t, bot.StatusResolved, e.get(inc.ID).Status)
}

func TestJapanese(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("決済が失敗している P1")
	err := e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.alice,
		Channel: inc.Channel.ID, Text: "priority P9", Locale: "ja"})
	require.Equal(t, bot.CodeBadPriority, bot.CodeOf(err))
	require.True(t, strings.HasPrefix(e.lastReply(), "\n`P9` は優先度ではありません"), e.lastReply())
}

func TestConfiguredPriorityText(t *testing.T) {
	e := newEnv(t, Options{PriorityNames: map[bot.Priority]string{bot.P1: "Sev-A"},
		Criteria: map[bot.Priority]string{bot.P1: "Payments down for everyone."}})
	inc := e.declare("Payments down P1")
	e.must(e.alice, inc.Channel.ID, "priority")
	out := e.lastReply()
	require.Contains(t, out, "P1 (Sev-A): Payments down for everyone.")
	require.Contains(t, out, "P2 (high): High: a major feature is broken")
}

func TestAnnouncements(t *testing.T) {
	e := newEnv(t, Options{Announce: map[string]string{"test": "CANN"}})
	inc := e.declare("Checkout is failing P1")
	e.must(e.alice, inc.Channel.ID, "role ops @bob")
	e.must(e.alice, inc.Channel.ID, "update rolling back")
	e.must(e.alice, inc.Channel.ID, "resolve rolled back")
	var said []string
	for _, c := range e.p.Calls("Post") {
		if c.Channel == "CANN" {
			said = append(said, c.Msg.Text)
			require.Equal(t, "Open #"+inc.Channel.Name, c.Msg.Buttons[0].Label)
			require.Equal(t, inc.Channel.URL, c.Msg.Buttons[0].URL)
		}
	}
	require.Equal(t, []string{
		"🚨 alice declared INC-1: Checkout is failing (P1 (critical)). Commander: alice. Follow it in #" + inc.Channel.Name + ".",
		"📣 Update on INC-1 (investigating, P1 (critical)) from alice: rolling back",
		"alice set INC-1 to *resolved*: rolled back",
	}, said, "declaration, updates and status changes; not role changes")
}

// TestConcurrentResolveClicks sends 50 Resolve clicks at once through the
// router's workers: exactly one resolves, the rest are told it already is.
func TestConcurrentResolveClicks(t *testing.T) {
	e := newEnv(t, Options{})
	inc := e.declare("Checkout is failing P1")
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string]int{}
	for range 50 {
		wg.Add(1)
		ev := bot.Event{Kind: bot.EventAction, Platform: "test", User: e.alice, Channel: inc.Channel.ID,
			Action: "resolve", Value: inc.Key(), Done: func(err error) {
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					codes["ok"]++
				} else {
					codes[bot.CodeOf(err)]++
				}
				wg.Done()
			}}
		require.NoError(t, e.r.Dispatch(ev))
	}
	wg.Wait()
	require.Equal(t, map[string]int{"ok": 1, bot.CodeSameStatus: 49}, codes)
	resolved := 0
	for _, en := range e.timeline(inc.ID) {
		if en.Kind == bot.KindStatus && en.Data["to"] == "resolved" {
			resolved++
		}
	}
	require.Equal(t, 1, resolved)
}

// TestCatalogCoversHandlers fails when a command, entry kind or status has
// no text in the catalog.
func TestCatalogCoversHandlers(t *testing.T) {
	e := newEnv(t, Options{})
	for _, rt := range e.r.Routes() {
		require.True(t, bot.Has("usage."+rt.Name), "usage.%s", rt.Name)
		require.True(t, bot.Has("help."+rt.Name), "help.%s", rt.Name)
	}
	for _, k := range []bot.EntryKind{bot.KindDeclared, bot.KindMessage, bot.KindEdit, bot.KindDelete, bot.KindStatus,
		bot.KindPriority, bot.KindRole, bot.KindNote, bot.KindUpdate, bot.KindAlert, bot.KindChannel, bot.KindFlag,
		bot.KindFollowup, bot.KindPostmortem} {
		require.True(t, bot.Has("kind."+string(k)), "kind.%s", k)
	}
	for _, st := range bot.Statuses {
		require.True(t, bot.Has("status."+string(st)), "status.%s", st)
	}
	for _, r := range bot.BuiltinRoles {
		require.True(t, bot.Has("role."+string(r)), "role.%s", r)
	}
}

// TestMessagesSurviveARedisBlip stops Redis under a channel message and
// brings it back: the message still reaches the timeline.
func TestMessagesSurviveARedisBlip(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	st, err := store.New(rdb, store.Options{})
	require.NoError(t, err)
	r := bot.NewRouter(bot.Options{})
	svc, err := New(st, r, Options{})
	require.NoError(t, err)
	p := bottest.New("test")
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	t.Cleanup(func() { _ = r.Close(context.Background()) })
	r.Register(p)
	ctx := context.Background()
	alice := bot.User{ID: "U1", Name: "alice"}
	require.NoError(t, r.Serve(ctx, bot.Event{Kind: bot.EventCommand, Platform: "test", User: alice, Channel: "CGEN", Text: "declare DB down"}))
	inc, err := st.Get(ctx, 1)
	require.NoError(t, err)

	addr := mr.Addr()
	mr.Close()
	done := make(chan error, 1)
	require.NoError(t, r.Dispatch(bot.Event{Kind: bot.EventMessage, Platform: "test", User: alice, Channel: inc.Channel.ID,
		Text: "said while redis was down", Ref: "m1", Done: func(err error) { done <- err }}))
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, mr.StartAddr(addr))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("message not recorded after redis came back")
	}
	tl, err := st.Timeline(ctx, inc.ID, store.TimelineQuery{})
	require.NoError(t, err)
	require.Equal(t, "said while redis was down", tl[len(tl)-1].Text)
}

// What a worker's queue held in one go is recorded per channel, in order,
// each incident's entries in one append; messages in other channels are
// ignored, a channel that is no incident's falls back to the thread (Teams
// threads), duplicates of one event are the router's business, and the
// search index counts a word once per message that says it.
func TestRecordBatch(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.declare("Checkout is failing")
	b := e.declare("Search is slow")
	ctx := context.Background()
	var reqs []*bot.Request
	add := func(ev bot.Event) {
		ev.Platform = "test"
		reqs = append(reqs, &bot.Request{Event: &ev, Platform: e.p, Lang: bot.English, Log: e.svc.log})
	}
	var wantA, wantB []string
	for i := range 120 {
		switch i % 4 {
		case 0:
			text := fmt.Sprintf("a%d replication lag", i)
			wantA = append(wantA, text)
			add(bot.Event{Kind: bot.EventMessage, User: e.bob, Channel: a.Channel.ID, Text: text, Ref: fmt.Sprint("ma", i)})
		case 1:
			text := fmt.Sprintf("b%d heap", i)
			wantB = append(wantB, text)
			add(bot.Event{Kind: bot.EventMessage, User: e.alice, Channel: b.Channel.ID, Text: text, Ref: fmt.Sprint("mb", i)})
		case 2:
			add(bot.Event{Kind: bot.EventMessage, User: e.alice, Channel: "CGEN", Text: "lunch?", Ref: fmt.Sprint("mg", i)})
		case 3:
			// A reply in a thread of a shared channel whose root is B's.
			text := fmt.Sprintf("b%d thread", i)
			wantB = append(wantB, text)
			add(bot.Event{Kind: bot.EventMessage, User: e.bob, Channel: "CSHARED", Thread: b.Channel.ID, Text: text, Ref: fmt.Sprint("mt", i)})
		}
	}
	add(bot.Event{Kind: bot.EventReaction, User: e.alice, Channel: a.Channel.ID, Ref: "ma0", Reaction: "thumbsup"}) // records nothing
	add(bot.Event{Kind: bot.EventPin, User: e.alice, Channel: a.Channel.ID, Ref: "ma0"})
	require.NoError(t, e.svc.record(ctx, reqs))

	texts := func(inc *bot.Incident) []string {
		var out []string
		for _, en := range e.timeline(inc.ID) {
			if en.Kind == bot.KindMessage {
				out = append(out, en.Text)
			}
		}
		return out
	}
	require.Equal(t, wantA, texts(a))
	require.ElementsMatch(t, wantB, texts(b), "B's own channel and the thread are both B's")
	tl := e.timeline(a.ID)
	last := tl[len(tl)-1]
	require.Equal(t, bot.KindFlag, last.Kind, "the pin comes after the messages, as it arrived")
	require.Equal(t, "ma0", last.RefersTo)

	// The key is "<this test's prefix>search:replication".
	var keys []string
	it := e.st.Client().Scan(ctx, 0, "test:"+t.Name()+":*search:replication", 1000).Iterator()
	for it.Next(ctx) {
		keys = append(keys, it.Val())
	}
	require.NoError(t, it.Err())
	require.Len(t, keys, 1)
	score, err := e.st.Client().ZScore(ctx, keys[0], strconv.FormatInt(a.ID, 10)).Result()
	require.NoError(t, err)
	require.Equal(t, float64(len(wantA)), score, "one point per message that says it")
	hits, err := e.st.Search(ctx, "replication lag", 5)
	require.NoError(t, err)
	require.Equal(t, a.ID, hits[0].ID)
}

// New builds a service only on a router that will serve it: none, or one
// that already serves a service, is refused at once, and the router keeps
// the first service's commands.
func TestNewNeedsARouterOfItsOwn(t *testing.T) {
	st := storetest.New(t)
	_, err := New(st, nil, Options{})
	require.EqualError(t, err, "handlers: nil router")

	e := newEnv(t, Options{})
	_, err = New(st, e.r, Options{})
	require.EqualError(t, err, "handlers: bot: router already has its handlers")
	e.must(e.alice, "CGEN", "help")
	require.Contains(t, e.lastReply(), "declare")
}

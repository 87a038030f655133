package handlers

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
	"github.com/warroomhq/warroom/store"
)

// crashStage is how far a declaration got before its process died.
type crashStage int

const (
	beforeChannel crashStage = iota // the intent is written, nothing else
	afterChannel                    // the channel exists (and the intent knows it)
	afterRecord                     // the incident is recorded, nothing posted
)

// crashed leaves what a process that died while declaring would leave: the
// steps of open up to stage, done by a Service of its own whose heartbeat
// never runs, as a dead replica's would not.
func (e *env) crashed(user bot.User, origin, line string, stage crashStage) int64 {
	e.t.Helper()
	ctx := context.Background()
	dead := e.otherService()
	req := &bot.Request{Event: &bot.Event{Kind: bot.EventCommand, Platform: "test", User: user, Channel: origin},
		Platform: e.p, Lang: bot.English, Log: zap.NewNop()}
	d := parseDeclaration(bot.Parse("declare " + line))
	id, err := e.st.NextID(ctx)
	require.NoError(e.t, err)
	now := e.now
	require.NoError(e.t, dead.beginDeclare(ctx, req, d, id, now))
	if stage == beforeChannel {
		return id
	}
	ch, err := e.p.CreateChannel(ctx, dead.channelSpec(d, id, now))
	require.NoError(e.t, err)
	require.NoError(e.t, e.st.SetPendingChannel(ctx, id, ch))
	if stage == afterChannel {
		return id
	}
	inc, entries := dead.newIncident(req, d, id, ch, now)
	require.NoError(e.t, e.st.Create(ctx, inc, entries...))
	dead.recorded(ctx, req, inc, d)
	return id
}

// pending lists the declarations still pending.
func (e *env) pending() []store.PendingDeclaration {
	e.t.Helper()
	ps, err := e.st.PendingDeclarations(context.Background(), e.now.Add(time.Hour), 100)
	require.NoError(e.t, err)
	return ps
}

// reconcile runs the reconciler once, a minute later.
func (e *env) reconcile() {
	e.t.Helper()
	e.now = e.now.Add(time.Minute)
	require.NoError(e.t, e.svc.reconcile(context.Background(), 10*time.Second))
}

func TestReconcileNothingPending(t *testing.T) {
	e := newEnv(t, Options{})
	e.reconcile()
	require.Empty(t, e.p.Calls())
	require.Empty(t, e.incidents())

	// A declaration that went through ends its intent.
	e.declare("Checkout is failing")
	e.p.Reset()
	require.Empty(t, e.pending())
	e.reconcile()
	require.Empty(t, e.p.Calls(), "nothing to finish")
}

func TestReconcileRecoversDeclarationWithoutRecord(t *testing.T) {
	e := newEnv(t, Options{Announce: map[string]string{"test": "CANN"}})
	id := e.crashed(e.alice, "CGEN", "Checkout is failing P1 @bob", beforeChannel)
	require.Len(t, e.pending(), 1)
	_, err := e.st.Get(context.Background(), id)
	require.ErrorIs(t, err, bot.ErrNotFound)

	e.reconcile()
	inc := e.get(id)
	require.Equal(t, "Checkout is failing", inc.Title)
	require.Equal(t, bot.P1, inc.Priority)
	require.Equal(t, e.alice, inc.DeclaredBy)
	require.Equal(t, e.alice, inc.Roles[bot.RoleCommander])
	require.Equal(t, e.now.Add(-time.Minute), inc.CreatedAt, "declared when it was asked for")
	create, ok := e.p.Last("CreateChannel")
	require.True(t, ok)
	require.Equal(t, inc.Channel.ID, create.Channel)
	require.Equal(t, "inc", create.Spec.Prefix)
	require.Equal(t, id, create.Spec.ID, "the incident's number, not read back from a name")
	require.Equal(t, "Checkout is failing", create.Spec.Title)
	require.Equal(t, "inc-20261125-1-checkout-is-failing", inc.Channel.Name, "named as open names it")
	require.False(t, inc.Card.IsZero(), "card posted")
	pin, ok := e.p.Last("Pin")
	require.True(t, ok)
	require.Equal(t, inc.Card, pin.Ref)
	invite, _ := e.p.Last("Invite")
	require.ElementsMatch(t, []string{"U1", "bob"}, invite.Users)
	topic, _ := e.p.Last("SetTopic")
	require.Contains(t, topic.Topic, "INC-1 | P1")
	reply, ok := e.p.Last("Reply")
	require.True(t, ok, "the declarer is told")
	require.Equal(t, e.alice, reply.User)
	require.Equal(t, "CGEN", reply.Channel, "where they declared")
	require.Contains(t, reply.Msg.Text, "INC-1 “Checkout is failing” was recovered after a restart")
	require.Contains(t, reply.Msg.Text, "#inc-20261125-1-checkout-is-failing")
	tl := e.timeline(id)
	require.Len(t, tl, 2)
	require.Equal(t, bot.KindDeclared, tl[0].Kind)
	require.Empty(t, e.pending())

	e.p.Reset()
	e.reconcile()
	require.Empty(t, e.p.Calls(), "done once")
	require.Len(t, e.incidents(), 1)
}

func TestReconcileUsesTheChannelAlreadyCreated(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.crashed(e.alice, "CGEN", "DB down", afterChannel)
	ch, _ := e.p.Last("CreateChannel")
	e.reconcile()
	require.Len(t, e.p.Calls("CreateChannel"), 1, "no second channel")
	inc := e.get(id)
	require.Equal(t, ch.Channel, inc.Channel.ID)
	require.False(t, inc.Card.IsZero())
	require.Contains(t, e.lastReply(), "was recovered")
}

func TestReconcilePostsMissingCard(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.crashed(e.alice, "CGEN", "API latency P2", afterRecord)
	require.True(t, e.get(id).Card.IsZero())
	e.p.Reset()

	e.reconcile()
	require.Empty(t, e.p.Calls("CreateChannel"))
	inc := e.get(id)
	require.False(t, inc.Card.IsZero(), "card posted and remembered")
	pin, ok := e.p.Last("Pin")
	require.True(t, ok)
	require.Equal(t, inc.Card, pin.Ref)
	require.Contains(t, e.p.Calls("Post")[0].Msg.Title, "INC-1: API latency")
	_, ok = e.p.Last("SetTopic")
	require.True(t, ok)
	require.Contains(t, e.lastReply(), "INC-1 “API latency” was recovered")
	require.Len(t, e.timeline(id), 2, "the record is not written twice")
	require.Empty(t, e.pending())
}

func TestReconcileCardAlreadyPostedOnlyTells(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.crashed(e.alice, "CGEN", "API latency", afterRecord)
	ref, err := e.p.Post(context.Background(), e.get(id).Channel.ID, bot.Message{Title: "card"})
	require.NoError(t, err)
	_, err = e.st.Update(context.Background(), id, func(i *bot.Incident) ([]bot.TimelineEntry, error) {
		i.Card = ref
		return nil, nil
	})
	require.NoError(t, err)
	e.p.Reset()

	e.reconcile()
	require.Empty(t, e.p.Calls("Post"), "no second card")
	require.Equal(t, ref, e.get(id).Card)
	update, ok := e.p.Last("Update")
	require.True(t, ok, "the card is brought up to date")
	require.Equal(t, ref, update.Ref)
	require.Contains(t, e.lastReply(), "was recovered")
	require.Empty(t, e.pending())
}

func TestReconcileChannelRefusedTellsTheDeclarer(t *testing.T) {
	e := newEnv(t, Options{})
	id := e.crashed(e.alice, "CGEN", "Checkout is failing", beforeChannel)
	e.p.Fail["CreateChannel"] = errors.New("restricted_action")

	e.reconcile()
	_, err := e.st.Get(context.Background(), id)
	require.ErrorIs(t, err, bot.ErrNotFound, "no incident")
	require.Empty(t, e.incidents())
	reply, ok := e.p.Last("Reply")
	require.True(t, ok)
	require.Equal(t, e.alice, reply.User)
	require.Equal(t, "CGEN", reply.Channel)
	require.Equal(t, "⚠️ INC-1 “Checkout is failing” could not be declared because Warroom restarted mid-way "+
		"(the channel could not be created: restricted_action). Please declare it again.", reply.Msg.Text)
	require.Empty(t, e.pending(), "given up once")

	e.p.Reset()
	e.reconcile()
	require.Empty(t, e.p.Calls())
}

func TestReconcileGivesUpOldDeclarations(t *testing.T) {
	e := newEnv(t, Options{ReconcileGiveUp: 10 * time.Minute})
	id := e.crashed(e.alice, "CGEN", "Checkout is failing", afterChannel)
	channel := e.p.Calls("CreateChannel")[0].Channel
	e.now = e.now.Add(time.Hour)
	e.reconcile()
	_, err := e.st.Get(context.Background(), id)
	require.ErrorIs(t, err, bot.ErrNotFound)
	require.Contains(t, e.lastReply(), "could not be declared because Warroom restarted mid-way (it was too long ago to finish)")
	told := false
	for _, c := range e.p.Calls("Post") {
		told = told || (c.Channel == channel && strings.Contains(c.Msg.Text, "could not be declared"))
	}
	require.True(t, told, "the orphan channel says it is no incident")
	require.Empty(t, e.pending())
}

func TestReconcileLeavesLiveDeclarationsAlone(t *testing.T) {
	e := newEnv(t, Options{ReconcileAfter: 5 * time.Minute})
	ctx := context.Background()
	id := e.crashed(e.alice, "CGEN", "Checkout is failing", beforeChannel)
	owner := e.pending()[0].Owner
	// Its process is alive (sends heartbeats): the declaration is in
	// progress, until it has taken too long.
	require.NoError(t, e.st.Heartbeat(ctx, owner, time.Hour))
	e.reconcile()
	require.Empty(t, e.p.Calls())
	require.Len(t, e.pending(), 1)

	// A declaration younger than the grace period is not even looked at.
	e.now = e.now.Add(5 * time.Minute)
	require.NoError(t, e.svc.reconcile(ctx, 10*time.Minute))
	require.Empty(t, e.p.Calls())

	e.reconcile() // 7 minutes old: stalled
	require.Equal(t, "Checkout is failing", e.get(id).Title)
	require.Empty(t, e.pending())
}

func TestReconcileOwnDeclarationInProgress(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	req := &bot.Request{Event: &bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.alice, Channel: "CGEN"},
		Platform: e.p, Lang: bot.English, Log: zap.NewNop()}
	require.NoError(t, e.svc.beginDeclare(ctx, req, declaration{Title: "x"}, 1, e.now))
	e.reconcile()
	require.Empty(t, e.p.Calls(), "this process is declaring it")
	require.Len(t, e.pending(), 1)
}

func TestReconcileDrillIsGivenUp(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	dead := e.otherService()
	req := &bot.Request{Event: &bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.alice, Channel: "CGEN"},
		Platform: e.p, Lang: bot.English, Log: zap.NewNop()}
	require.NoError(t, dead.beginDeclare(ctx, req, declaration{Title: "Practice", Drill: "db-failover"}, 1, e.now))
	e.reconcile()
	require.Empty(t, e.incidents())
	require.Contains(t, e.lastReply(), "(a drill cannot resume)")
	require.Empty(t, e.pending())
}

// crashedAlert leaves what a process that died opening an alert's incident
// would: the alert's claim and the intent, nothing else.
func (e *env) crashedAlert(a *bot.Alert) int64 {
	e.t.Helper()
	ctx := context.Background()
	claimed, _, err := e.st.ClaimAlert(ctx, a.Source, a.DedupKey, claimTTL)
	require.NoError(e.t, err)
	require.True(e.t, claimed)
	dead := e.otherService()
	req := &bot.Request{Event: &bot.Event{Kind: bot.EventAlert, Platform: "test", User: alertUser(a), Alert: a},
		Platform: e.p, Lang: bot.English, Log: zap.NewNop()}
	d := dead.alertDeclaration(a, dead.rule(a))
	id, err := e.st.NextID(ctx)
	require.NoError(e.t, err)
	require.NoError(e.t, dead.beginDeclare(ctx, req, d, id, e.now))
	return id
}

func TestReconcileAlertWaitsForItsClaimThenOpensOnce(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test"})
	ctx := context.Background()
	a := firing("g1", "a")
	id := e.crashedAlert(a)
	// A repeat arriving meanwhile waits for the (dead) opener.
	e.alert(firing("g1", "a", "b"))
	require.Empty(t, e.incidents())

	e.reconcile()
	require.Empty(t, e.incidents(), "the dead process's claim still holds")
	require.Len(t, e.pending(), 1)

	// The claim expires (claimTTL); the next tick opens the incident
	// under a claim of its own, binds the key and drains the queue.
	require.NoError(t, e.st.ReleaseAlert(ctx, a.Source, a.DedupKey))
	e.reconcile()
	incs := e.incidents()
	require.Len(t, incs, 1)
	require.Equal(t, id, incs[0].ID)
	require.Equal(t, bot.StatusTriage, incs[0].Status)
	require.False(t, incs[0].Card.IsZero())
	bound, err := e.st.AlertIncident(ctx, a.Source, a.DedupKey)
	require.NoError(t, err)
	require.Equal(t, id, bound)
	require.Equal(t, []string{"a:firing", "b:firing"}, e.alertEntries(id), "the queued repeat is recorded")
	require.Empty(t, e.p.Calls("Reply"), "nobody to answer")
	require.Empty(t, e.pending())

	e.alert(firing("g1", "a", "b"))
	require.Len(t, e.incidents(), 1, "later notifications find it")
}

func TestReconcileAlertOpenedMeanwhileByAnotherDelivery(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test"})
	ctx := context.Background()
	a := firing("g1", "a")
	e.crashedAlert(a)
	require.NoError(t, e.st.ReleaseAlert(ctx, a.Source, a.DedupKey)) // the claim expired
	e.alert(firing("g1", "a"))                                       // a retry opened it
	require.Len(t, e.incidents(), 1)
	e.p.Reset()

	e.reconcile()
	require.Len(t, e.incidents(), 1, "not opened twice")
	require.Empty(t, e.p.Calls())
	require.Empty(t, e.pending())
}

func TestReconcileAlertChannelRefusedIsAnnounced(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test", Announce: map[string]string{"test": "CANN"}})
	ctx := context.Background()
	a := firing("g1", "a")
	e.crashedAlert(a)
	require.NoError(t, e.st.ReleaseAlert(ctx, a.Source, a.DedupKey))
	e.p.Fail["CreateChannel"] = errors.New("restricted_action")
	e.reconcile()
	require.Empty(t, e.incidents())
	post, ok := e.p.Last("Post")
	require.True(t, ok)
	require.Equal(t, "CANN", post.Channel)
	require.Contains(t, bottest.Text(post.Msg), "The Alertmanager alert “HighErrorRate [checkout]” could not open INC-1")
	require.Empty(t, e.pending())
	claimed, _, err := e.st.ClaimAlert(ctx, a.Source, a.DedupKey, claimTTL)
	require.NoError(t, err)
	require.True(t, claimed, "the key is free for the next notification")
}

func TestReconcileAlertRecordedBeforeTheCrashIsBound(t *testing.T) {
	e := newEnv(t, Options{AlertPlatform: "test"})
	ctx := context.Background()
	a := firing("g1", "a")
	id := e.crashedAlert(a)
	// It got as far as the record, then died before binding the key.
	ps := e.pending()
	require.Len(t, ps, 1)
	dead := e.otherService()
	d := dead.alertDeclaration(a, dead.rule(a))
	req := &bot.Request{Event: &bot.Event{Kind: bot.EventAlert, Platform: "test", User: alertUser(a), Alert: a},
		Platform: e.p, Lang: bot.English, Log: zap.NewNop()}
	ch, err := e.p.CreateChannel(ctx, dead.channelSpec(d, ps[0].ID, ps[0].CreatedAt))
	require.NoError(t, err)
	inc, entries := dead.newIncident(req, d, id, ch, e.now)
	require.NoError(t, e.st.Create(ctx, inc, entries...))
	require.NoError(t, e.st.ReleaseAlert(ctx, a.Source, a.DedupKey)) // the claim expired

	e.reconcile()
	bound, err := e.st.AlertIncident(ctx, a.Source, a.DedupKey)
	require.NoError(t, err)
	require.Equal(t, id, bound)
	require.False(t, e.get(id).Card.IsZero())
	require.Equal(t, []string{"a:firing"}, e.alertEntries(id))
	require.Empty(t, e.pending())
}

func TestDeclareEndsItsIntentWhenTheChannelFails(t *testing.T) {
	e := newEnv(t, Options{})
	e.p.Fail["CreateChannel"] = errors.New("restricted_action")
	require.Error(t, e.run(e.alice, "CGEN", "declare DB down"))
	require.Empty(t, e.pending())
}

// otherService is a second Service on e's store with e's options, as
// another replica (here: one that dies) runs it: mounted on a router of
// its own that serves e's platform.
func (e *env) otherService() *Service {
	e.t.Helper()
	r := bot.NewRouter(bot.Options{Lang: bot.English})
	r.Register(e.p)
	svc, err := New(e.st, r, e.svc.opts)
	require.NoError(e.t, err)
	e.t.Cleanup(func() { _ = svc.Close(context.Background()) })
	e.t.Cleanup(func() { _ = r.Close(context.Background()) })
	return svc
}

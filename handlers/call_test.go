package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/zoom"
	"github.com/warroomhq/warroom/adapters/zoom/fakezoom"
	"github.com/warroomhq/warroom/bot"
)

// callEnv is an env whose service starts calls through the real Zoom
// client on a fake Zoom, retrying without waiting.
func callEnv(t *testing.T, secret string, priorities ...bot.Priority) (*env, *fakezoom.Server) {
	t.Helper()
	fake := fakezoom.New(t)
	client, err := zoom.New(zoom.Options{AccountID: fakezoom.AccountID, ClientID: fakezoom.ClientID, ClientSecret: secret,
		APIURL: fake.URL, OAuthURL: fake.URL, Sleep: func(context.Context, time.Duration) error { return nil }})
	require.NoError(t, err)
	return newEnv(t, Options{Calls: Calls{Provider: client, Priorities: priorities}}), fake
}

// callEntries are the incident's call entries as "outcome: text".
func (e *env) callEntries(id int64) []string {
	var out []string
	for _, en := range e.timeline(id) {
		if en.Kind == bot.KindCall {
			out = append(out, en.Data["outcome"]+": "+en.Text)
		}
	}
	return out
}

// waitCall waits until the incident's timeline holds a call entry.
func (e *env) waitCall(id int64) []string {
	e.t.Helper()
	require.Eventually(e.t, func() bool { return len(e.callEntries(id)) > 0 }, 10*time.Second, 5*time.Millisecond)
	return e.callEntries(id)
}

// cardButton is the URL of the last card update's button labelled label.
func (e *env) cardButton(inc *bot.Incident, label string) string {
	var url string
	for _, c := range e.p.Calls("Update") {
		if c.Ref != inc.Card {
			continue
		}
		for _, b := range c.Msg.Buttons {
			if b.Label == label {
				url = b.URL
			}
		}
	}
	return url
}

// TestCallP1Declare: a P1 declaration creates one Zoom meeting named after
// the incident; its link goes on the incident, on the card's "Join the
// call" button and into the channel; the timeline says so without the
// link. "call" shows the same link and creates nothing new; a P3 gets no
// meeting until someone asks with "call"; a P4 raised to P2 gets one, once.
func TestCallP1Declare(t *testing.T) {
	e, fake := callEnv(t, fakezoom.ClientSecret, bot.P1, bot.P2)
	inc := e.declare("Checkout is failing P1")
	require.Equal(t, []string{"started: started a Zoom call"}, e.waitCall(inc.ID))
	m := fake.Meetings()
	require.Len(t, m, 1)
	require.Equal(t, "INC-1: Checkout is failing", m[0].Topic)
	require.True(t, m[0].Settings.JoinBeforeHost)
	link := fakezoom.JoinURL(fake.URL, 85746065433)
	got := e.get(inc.ID)
	require.Equal(t, link, got.CallURL)
	require.Equal(t, "85746065433", got.CallID)
	require.Zero(t, got.CallClaimedAt)
	require.Eventually(t, func() bool { return e.cardButton(inc, "Join the call") == link }, 10*time.Second, 5*time.Millisecond)
	e.waitPosted(inc.Channel.ID, "Zoom call for INC-1: "+link)
	for _, en := range e.timeline(inc.ID) {
		require.NotContains(t, en.Text, "pwd=", "the link stays out of the timeline")
	}

	e.must(e.bob, inc.Channel.ID, "call")
	require.Contains(t, e.lastReply(), link)
	require.Len(t, fake.Meetings(), 1, "call shows the meeting, it makes no other")

	low := e.declare("Slow reports P3")
	require.Empty(t, e.callEntries(low.ID))
	e.must(e.alice, low.Channel.ID, "call")
	require.Contains(t, e.lastReply(), "Starting a Zoom call for INC-2")
	e.must(e.alice, low.Channel.ID, "call")
	e.waitCall(low.ID)

	raised := e.declare("Search is slow P4")
	require.Empty(t, e.callEntries(raised.ID))
	e.must(e.alice, raised.Channel.ID, "priority P2")
	e.waitCall(raised.ID)
	e.must(e.alice, raised.Channel.ID, "priority P1")
	require.NoError(t, e.svc.Close(context.Background()))
	require.Len(t, fake.Meetings(), 3, "two calls typed at once make one meeting; a raise makes one, once")
	require.Equal(t, "INC-3: Search is slow", fake.Meetings()[2].Topic)
	require.Equal(t, 1, fake.Tokens(), "one token for all")
}

// TestCallPrivateAndDrill: a private incident's meeting is named by its key
// only; a drill's meeting is marked as one.
func TestCallPrivateAndDrill(t *testing.T) {
	e, fake := callEnv(t, fakezoom.ClientSecret)
	inc := e.declare("Customer data leaked P1 private")
	require.True(t, inc.Private)
	e.waitCall(inc.ID)
	e.must(e.alice, "CGEN", "drill db-down")
	drill := e.incidents()[0]
	require.True(t, drill.Drill)
	e.waitCall(drill.ID)
	topics := []string{}
	for _, m := range fake.Meetings() {
		topics = append(topics, m.Topic)
		require.NotContains(t, m.Topic, "leaked")
	}
	require.Contains(t, topics, "Private incident INC-1")
	require.Contains(t, topics[1], "[Drill] INC-2: ")
}

// TestCallFailureTellsChannel: bad credentials leave the incident
// declared, without a link; the channel is told plainly, without a
// secret; a 429 then success creates one meeting.
func TestCallFailureTellsChannel(t *testing.T) {
	e, fake := callEnv(t, "wr0ng-s3cret")
	inc := e.declare("Checkout is failing P1")
	require.Equal(t, []string{"failed: could not start a Zoom call"}, e.waitCall(inc.ID))
	said := e.waitPosted(inc.Channel.ID, "Starting a Zoom call for INC-1 failed: Zoom refused it: invalid app credentials (401: Invalid client_id or client_secret)")
	require.NotContains(t, said, "wr0ng-s3cret")
	got := e.get(inc.ID)
	require.Equal(t, bot.StatusInvestigating, got.Status)
	require.Empty(t, got.CallURL)
	require.Zero(t, got.CallClaimedAt, "the claim is released: call may try again")
	require.Empty(t, fake.Meetings())

	e2, fake2 := callEnv(t, fakezoom.ClientSecret)
	fake2.Fail(429)
	inc2 := e2.declare("Checkout is failing P1")
	require.Equal(t, []string{"started: started a Zoom call"}, e2.waitCall(inc2.ID))
	require.Len(t, fake2.Meetings(), 1)
	require.Equal(t, 2, fake2.Attempts())
}

// TestCallJapanese: the channel hears the call in Japanese when the
// workspace speaks it.
func TestCallJapanese(t *testing.T) {
	fake := fakezoom.New(t)
	client, err := zoom.New(zoom.Options{AccountID: fakezoom.AccountID, ClientID: fakezoom.ClientID, ClientSecret: fakezoom.ClientSecret,
		APIURL: fake.URL, OAuthURL: fake.URL})
	require.NoError(t, err)
	e := newEnv(t, Options{Lang: bot.Japanese, Calls: Calls{Provider: client}})
	inc := e.declare("決済が失敗 P1")
	e.waitCall(inc.ID)
	said := e.waitPosted(inc.Channel.ID, "INC-1 の Zoom 通話：")
	require.True(t, strings.Contains(said, "pwd="))
}

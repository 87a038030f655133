package app

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
	"github.com/warroomhq/warroom/adapters/zoom/fakezoom"
)

// serveCalls runs serve with Slack (on a fake) and Zoom (on a fake) with
// the given client secret, and returns its base URL and the fakes.
func serveCalls(t *testing.T, secret string) (string, *fakeslack.Server, *fakezoom.Server) {
	t.Helper()
	sl := fakeslack.New(t)
	zm := fakezoom.New(t)
	env := map[string]string{
		"WARROOM_ADDR": "127.0.0.1:0", "WARROOM_REDIS_EMBEDDED": "true", "WARROOM_API_OPEN": "true",
		"SLACK_BOT_TOKEN": fakeslack.BotToken, "SLACK_SIGNING_SECRET": fakeslack.SigningSecret,
		"SLACK_API_URL": sl.APIURL(), "SLACK_TEAM_ID": fakeslack.TeamID,
		"WARROOM_ZOOM_ACCOUNT_ID": fakezoom.AccountID, "WARROOM_ZOOM_CLIENT_ID": fakezoom.ClientID,
		"WARROOM_ZOOM_CLIENT_SECRET": secret, "WARROOM_ZOOM_PRIORITIES": "P1,P2",
		"WARROOM_ZOOM_API_URL": zm.URL, "WARROOM_ZOOM_OAUTH_URL": zm.URL,
	}
	cfg, err := LoadServeConfig("", func(k string) string { return env[k] })
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	addr, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- Serve(ctx, cfg, zap.NewNop(), Options{OnListen: func(a string) { addr <- a }})
	}()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })
	select {
	case a := <-addr:
		return "http://" + a, sl, zm
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not start")
	}
	return "", nil, nil
}

// slackSlash types "/incident line" as user in channel and returns the
// acknowledgement's body.
func slackSlash(t *testing.T, base string, sl *fakeslack.Server, user, channel, line string) string {
	t.Helper()
	body := []byte(sl.SlashCommandForm(user, channel, line).Encode())
	req, err := http.NewRequest(http.MethodPost, base+"/slack/commands", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	fakeslack.Sign(req, body, fakeslack.SigningSecret, time.Now())
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	require.Equal(t, http.StatusOK, res.StatusCode)
	return string(b)
}

// slackSaid reports whether a call of one of methods in channel (any
// channel when "") carried text in its text or blocks.
func slackSaid(sl *fakeslack.Server, channel, text string, methods ...string) bool {
	for _, c := range sl.Calls(methods...) {
		if (channel == "" || c.Params["channel"] == channel) && strings.Contains(c.Params["text"]+c.Params["blocks"], text) {
			return true
		}
	}
	return false
}

// TestServeSlackDeclareStartsZoomCall: through serve, a P1 declared on
// Slack gets one Zoom meeting named after it; the pinned card gets a
// "Join the call" button with its link and the channel is told; `call`
// answers with the same link and creates nothing new. A private
// incident's meeting does not carry its title; a P3 gets none.
func TestServeSlackDeclareStartsZoomCall(t *testing.T) {
	base, sl, zm := serveCalls(t, fakezoom.ClientSecret)
	sl.AddUser("U0ALICE", "alice", "Alice", "en-US")
	general := sl.AddChannel("general", false, "U0ALICE")

	slackSlash(t, base, sl, "U0ALICE", general, "declare DB is down P1")
	channel := sl.WaitCalls("pins.add", 1, 10*time.Second)[0].Params["channel"]
	require.Eventually(t, func() bool { return len(zm.Meetings()) == 1 }, 15*time.Second, 10*time.Millisecond)
	require.Equal(t, "INC-1: DB is down", zm.Meetings()[0].Topic)
	link := fakezoom.JoinURL(zm.URL, 85746065433)
	require.Eventually(t, func() bool { return slackSaid(sl, channel, "Zoom call for INC-1: "+link, "chat.postMessage") },
		15*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		return slackSaid(sl, channel, `"url":"`+link+`"`, "chat.update") && slackSaid(sl, channel, "Join the call", "chat.update")
	}, 15*time.Second, 10*time.Millisecond, "the card's Join the call button")
	tl := call(t, http.MethodGet, base+"/api/incidents/INC-1/timeline", nil, nil)
	require.Equal(t, http.StatusOK, tl.status, tl.body)
	require.Contains(t, tl.body, "started a Zoom call")

	ack := slackSlash(t, base, sl, "U0ALICE", channel, "call")
	require.Eventually(t, func() bool {
		return strings.Contains(ack, link) || slackSaid(sl, "", link, "chat.postEphemeral", "response_url")
	},
		15*time.Second, 10*time.Millisecond)
	require.Len(t, zm.Meetings(), 1, "call shows the meeting, it makes no other")

	slackSlash(t, base, sl, "U0ALICE", general, "declare Customer data leaked P1 private")
	require.Eventually(t, func() bool { return len(zm.Meetings()) == 2 }, 15*time.Second, 10*time.Millisecond)
	require.Equal(t, "Private incident INC-2", zm.Meetings()[1].Topic)

	slackSlash(t, base, sl, "U0ALICE", general, "declare Slow reports P3")
	sl.WaitCalls("pins.add", 3, 10*time.Second)
	require.Len(t, zm.Meetings(), 2, "a P3 starts no call")
	require.Equal(t, 1, zm.Tokens(), "one token for every meeting")
}

// TestServeZoomBadCredentials: with credentials Zoom refuses, a P1 is
// declared all the same and its channel is told why, without the secret.
func TestServeZoomBadCredentials(t *testing.T) {
	base, sl, zm := serveCalls(t, "wr0ng-s3cret")
	sl.AddUser("U0ALICE", "alice", "Alice", "en-US")
	general := sl.AddChannel("general", false, "U0ALICE")
	slackSlash(t, base, sl, "U0ALICE", general, "declare DB is down P1")
	channel := sl.WaitCalls("pins.add", 1, 10*time.Second)[0].Params["channel"]
	require.Eventually(t, func() bool {
		return slackSaid(sl, channel, "Starting a Zoom call for INC-1 failed", "chat.postMessage")
	},
		15*time.Second, 10*time.Millisecond)
	for _, c := range sl.Calls() {
		for _, v := range c.Params {
			require.NotContains(t, v, "wr0ng-s3cret")
		}
	}
	require.Equal(t, "investigating", incidentStatus(t, base, "INC-1"))
	require.Empty(t, zm.Meetings())
}

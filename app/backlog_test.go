package app

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/backlog/fakebacklog"
)

const (
	backlogKey   = "bl-api-key-0123456789-secret"
	backlogToken = "bl-hook-0123456789abcdef0123456789abcdef"
)

// TestServeBacklogFollowUps: through serve with Slack, a follow-up
// Backlog refuses (400) is told in the channel and filed by `followup
// file`; a second one is filed after a 429, once, with escaped text; a
// delivery without the token or with a wrong one is refused before
// Backlog is asked anything; a forged closing of an issue Backlog says is
// open changes nothing; once the issue is closed in Backlog, the delivery
// marks the follow-up done (the channel is told, `followups` agrees);
// reopened in Backlog, it is reopened.
func TestServeBacklogFollowUps(t *testing.T) {
	bl := fakebacklog.New(t, backlogKey, "OPS")
	base, sl, _ := servePaging(t, map[string]string{
		"WARROOM_BACKLOG_URL": bl.URL, "WARROOM_BACKLOG_API_KEY": backlogKey, "WARROOM_BACKLOG_PROJECT_ID": "92",
		"WARROOM_BACKLOG_ISSUE_TYPE_ID": "7", "WARROOM_BACKLOG_WEBHOOK_TOKEN": backlogToken,
	})
	s := slackStory{t: t, base: base, sl: sl}
	sl.AddUser("U0ALICE", "alice", "Alice", "en-US")
	general := sl.AddChannel("general", false, "U0ALICE")
	s.slash(general, "declare Checkout is **slow** [again](https://evil.example) P3")
	channel := sl.WaitCalls("pins.add", 1, 10*time.Second)[0].Params["channel"]

	bl.Fail(http.StatusBadRequest)
	s.command(channel, "followup add Add a canary stage")
	require.Eventually(t, func() bool { return s.said(channel, "Could not file follow-up #1 of INC-1 in Backlog") },
		15*time.Second, 10*time.Millisecond)
	require.True(t, s.said(channel, "No such issue type"))
	require.Empty(t, bl.Issues())
	require.Contains(t, s.slash(channel, "followup file 1"), "Filing follow-up #1 of INC-1 in Backlog")
	require.Eventually(t, func() bool { return s.said(channel, "Follow-up #1 of INC-1 is filed in Backlog as OPS-12") },
		15*time.Second, 10*time.Millisecond)

	bl.Fail(http.StatusTooManyRequests)
	s.command(channel, "followup add Ask @oncall to check")
	require.Eventually(t, func() bool { return s.said(channel, "as OPS-13") }, 15*time.Second, 10*time.Millisecond)
	is := bl.Issues()
	require.Len(t, is, 2, "the rate-limited one is filed once")
	require.Equal(t, "Add a canary stage", is[0].Form.Get("summary"))
	d := is[0].Form.Get("description")
	require.Contains(t, d, "https://warroom.example.com/incidents/INC-1")
	require.Contains(t, d, `Checkout is \*\*slow\*\* \[again\]\(https://evil\.example\)`)
	require.NotContains(t, d, "](https://evil")
	require.Contains(t, s.slash(channel, "followups"), "Backlog OPS-12")

	hook := func(token string, body []byte) answer {
		target := base + "/integrations/backlog"
		if token != "" {
			target += "?token=" + token
		}
		return call(t, http.MethodPost, target, bytes.NewReader(body), http.Header{"Content-Type": {"application/json"}})
	}
	before := len(bl.Requests())
	closed := fakebacklog.Activity(3153, "OPS", 12, "4")
	for _, tok := range []string{"", "wrong", backlogToken[:32]} {
		a := hook(tok, closed)
		require.Equal(t, http.StatusUnauthorized, a.status, tok)
		require.Equal(t, "application/json; charset=utf-8", a.ctype)
		require.NotContains(t, a.body, backlogToken)
	}
	require.Len(t, bl.Requests(), before, "a refused delivery makes Warroom ask Backlog nothing")

	// Forged: the delivery says closed, Backlog says open.
	a := hook(backlogToken, closed)
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Len(t, bl.Requests(), before+1, "the issue is re-read")
	unknown := fakebacklog.Activity(3154, "OPS", 99, "4")
	bl.SetStatus("OPS-99", fakebacklog.Closed)
	require.Equal(t, http.StatusOK, hook(backlogToken, unknown).status, "an issue Warroom did not file")
	require.Contains(t, s.slash(channel, "followups"), "[open] Add a canary stage")

	bl.SetStatus("OPS-12", fakebacklog.Closed)
	a = hook(backlogToken, fakebacklog.Activity(3155, "OPS", 12, "4"))
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Eventually(t, func() bool { return s.said(channel, "Aiko Tanaka") }, 15*time.Second, 10*time.Millisecond)
	require.Contains(t, s.slash(channel, "followups"), "[done] Add a canary stage")

	bl.SetStatus("OPS-12", fakebacklog.Open)
	require.Equal(t, http.StatusOK, hook(backlogToken, fakebacklog.Activity(3156, "OPS", 12, "1")).status)
	require.Eventually(t, func() bool { return strings.Contains(s.slash(channel, "followups"), "[open] Add a canary stage") },
		15*time.Second, 50*time.Millisecond)

	for _, c := range sl.Calls("chat.postMessage") {
		require.NotContains(t, c.Params["text"]+c.Params["blocks"], backlogKey)
	}
	for _, r := range bl.Requests() {
		require.Equal(t, backlogKey, r.APIKey)
	}
	require.Len(t, bl.Issues(), 2)
}

// TestServeBacklogWebhookNotConfigured: without a webhook token the
// route answers 404 JSON.
func TestServeBacklogWebhookNotConfigured(t *testing.T) {
	bl := fakebacklog.New(t, backlogKey, "OPS")
	base, _, _ := servePaging(t, map[string]string{
		"WARROOM_BACKLOG_URL": bl.URL, "WARROOM_BACKLOG_API_KEY": backlogKey, "WARROOM_BACKLOG_PROJECT_ID": "92",
		"WARROOM_BACKLOG_ISSUE_TYPE_ID": "7",
	})
	a := call(t, http.MethodPost, base+"/integrations/backlog?token="+backlogToken, strings.NewReader("{}"), nil)
	require.Equal(t, http.StatusNotFound, a.status)
	require.Equal(t, "not_found", a.code)
}

package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/jira"
	"github.com/warroomhq/warroom/adapters/jira/fakejira"
	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
)

const (
	jiraToken  = "ATATT3xFfGF0-app-token"
	jiraSecret = "jira-webhook-s3cret"
)

// slackStory drives serve's Slack as alice: slash runs a command and
// returns what Slack would show her of the answer, said reports whether
// the channel was told text.
type slackStory struct {
	t    *testing.T
	base string
	sl   *fakeslack.Server
}

func (s slackStory) slash(channel, line string) string {
	s.t.Helper()
	before := len(s.sl.Responses())
	body := []byte(s.sl.SlashCommandForm("U0ALICE", channel, line).Encode())
	req, err := http.NewRequest(http.MethodPost, s.base+"/slack/commands", bytes.NewReader(body))
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	fakeslack.Sign(req, body, fakeslack.SigningSecret, time.Now())
	res, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	answer, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.Equal(s.t, http.StatusOK, res.StatusCode)
	if len(bytes.TrimSpace(answer)) > 0 {
		return string(answer)
	}
	rs := s.sl.WaitResponses(before+1, 10*time.Second)
	b, _ := json.Marshal(rs[before:])
	return string(b)
}

func (s slackStory) said(channel, text string) bool {
	for _, c := range s.sl.Calls("chat.postMessage") {
		if c.Params["channel"] == channel && strings.Contains(c.Params["text"]+c.Params["blocks"], text) {
			return true
		}
	}
	return false
}

// TestServeJiraFollowUps: through serve with Slack, a follow-up added on
// Slack is filed in Jira (on a fake) and shows its issue in `followups`;
// a forged, unsigned or wrong-secret delivery and one for an issue
// Warroom did not file change nothing; Jira's signed delivery moving the
// issue to Done marks the follow-up done (the channel is told, and
// `followups` agrees); its reopening reopens it.
func TestServeJiraFollowUps(t *testing.T) {
	jf := fakejira.New(t, "bot@acme.example", jiraToken, "OPS")
	base, sl, _ := servePaging(t, map[string]string{
		"WARROOM_JIRA_URL": jf.URL, "WARROOM_JIRA_EMAIL": "bot@acme.example", "WARROOM_JIRA_API_TOKEN": jiraToken,
		"WARROOM_JIRA_PROJECT": "OPS", "WARROOM_JIRA_WEBHOOK_SECRET": jiraSecret,
	})
	s := slackStory{t: t, base: base, sl: sl}
	sl.AddUser("U0ALICE", "alice", "Alice", "en-US")
	general := sl.AddChannel("general", false, "U0ALICE")
	s.slash(general, "declare Checkout is slow P3")
	channel := sl.WaitCalls("pins.add", 1, 10*time.Second)[0].Params["channel"]

	s.slash(channel, "followup add Add a canary stage")
	require.Eventually(t, func() bool { return s.said(channel, "Follow-up #1 of INC-1 is filed in Jira as OPS-1") },
		15*time.Second, 10*time.Millisecond)
	is := jf.Issues()
	require.Len(t, is, 1)
	require.Equal(t, "Add a canary stage", is[0].Fields.Summary)
	require.Equal(t, []string{"warroom", "INC-1"}, is[0].Fields.Labels)
	require.Contains(t, jira.Texts(is[0].Fields.Description), "https://warroom.example.com/incidents/INC-1")
	require.Contains(t, s.slash(channel, "followups"), "Jira OPS-1")

	hook := func(body []byte, sig string) answer {
		h := http.Header{"Content-Type": {"application/json"}}
		if sig != "" {
			h.Set(jira.SignatureHeader, sig)
		}
		return call(t, http.MethodPost, base+"/integrations/jira", bytes.NewReader(body), h)
	}
	done := fakejira.IssueUpdated("OPS-1", "Done", "done", time.Now())
	for name, sig := range map[string]string{
		"unsigned": "", "wrong secret": jira.Sign(done, "not-the-secret"), "forged": jira.Sign([]byte(`{"webhookEvent":"x"}`), jiraSecret),
	} {
		a := hook(done, sig)
		require.Contains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, a.status, name)
		require.Equal(t, "application/json; charset=utf-8", a.ctype, name)
		require.NotContains(t, a.body, jiraSecret)
	}
	unknown := fakejira.IssueUpdated("OPS-99", "Done", "done", time.Now())
	require.Equal(t, http.StatusOK, hook(unknown, jira.Sign(unknown, jiraSecret)).status)
	require.Contains(t, s.slash(channel, "followups"), "[open] Add a canary stage")

	a := hook(done, jira.Sign(done, jiraSecret))
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Eventually(t, func() bool { return s.said(channel, "Aiko Tanaka") }, 15*time.Second, 10*time.Millisecond)
	require.Contains(t, s.slash(channel, "followups"), "[done] Add a canary stage")

	back := fakejira.IssueUpdated("OPS-1", "To Do", "new", time.Now().Add(time.Second))
	require.Equal(t, http.StatusOK, hook(back, jira.Sign(back, jiraSecret)).status)
	require.Eventually(t, func() bool { return strings.Contains(s.slash(channel, "followups"), "[open] Add a canary stage") },
		15*time.Second, 50*time.Millisecond)
	for _, c := range sl.Calls("chat.postMessage") {
		require.NotContains(t, c.Params["text"]+c.Params["blocks"], jiraToken)
	}
	require.Len(t, jf.Issues(), 1)
}

// TestServeJiraWebhookNotConfigured: without a webhook secret the route
// answers 404 JSON, and follow-ups are still filed.
func TestServeJiraWebhookNotConfigured(t *testing.T) {
	jf := fakejira.New(t, "bot@acme.example", jiraToken, "OPS")
	base, _, _ := servePaging(t, map[string]string{
		"WARROOM_JIRA_URL": jf.URL, "WARROOM_JIRA_EMAIL": "bot@acme.example", "WARROOM_JIRA_API_TOKEN": jiraToken,
		"WARROOM_JIRA_PROJECT": "OPS",
	})
	a := call(t, http.MethodPost, base+"/integrations/jira", strings.NewReader("{}"), nil)
	require.Equal(t, http.StatusNotFound, a.status)
	require.Equal(t, "not_found", a.code)
}

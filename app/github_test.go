package app

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/github"
	"github.com/warroomhq/warroom/adapters/github/fakegithub"
	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
)

const (
	githubToken  = "github_pat_11ABCDEFG0-secret"
	githubSecret = "github-webhook-s3cret"
)

// TestServeGitHubFollowUps: through serve with Slack, a follow-up GitHub
// refuses (422) is told in the channel and filed by `followup file`; a
// second one is filed after a secondary rate limit, once, with its
// labels and escaped text; a forged, unsigned or wrong-secret delivery,
// one for an issue Warroom did not file and a closing as not planned
// change nothing; the signed closing marks the follow-up done (the
// channel is told, `followups` agrees); reopening reopens it; a
// redelivery is dropped.
func TestServeGitHubFollowUps(t *testing.T) {
	gh := fakegithub.New(t, githubToken, "acme/ops")
	base, sl, _ := servePaging(t, map[string]string{
		"WARROOM_GITHUB_REPOSITORY": "acme/ops", "WARROOM_GITHUB_TOKEN": githubToken,
		"WARROOM_GITHUB_API_URL": gh.URL, "WARROOM_GITHUB_WEBHOOK_SECRET": githubSecret,
	})
	s := slackStory{t: t, base: base, sl: sl}
	sl.AddUser("U0ALICE", "alice", "Alice", "en-US")
	general := sl.AddChannel("general", false, "U0ALICE")
	s.slash(general, "declare Checkout is **slow** [again](https://evil.example) P3")
	channel := sl.WaitCalls("pins.add", 1, 10*time.Second)[0].Params["channel"]

	gh.Fail(http.StatusUnprocessableEntity)
	s.command(channel, "followup add Add a canary stage")
	require.Eventually(t, func() bool { return s.said(channel, "Could not file follow-up #1 of INC-1 in GitHub") },
		15*time.Second, 10*time.Millisecond)
	require.True(t, s.said(channel, "Validation Failed"))
	require.Empty(t, gh.Issues())
	require.Contains(t, s.slash(channel, "followup file 1"), "Filing follow-up #1 of INC-1 in GitHub")
	require.Eventually(t, func() bool { return s.said(channel, "Follow-up #1 of INC-1 is filed in GitHub as acme/ops#1") },
		15*time.Second, 10*time.Millisecond)

	gh.Fail(fakegithub.SecondaryRateLimit)
	s.command(channel, "followup add Ask @oncall to <b>check</b> *now*")
	require.Eventually(t, func() bool { return s.said(channel, "as acme/ops#2") }, 15*time.Second, 10*time.Millisecond)
	is := gh.Issues()
	require.Len(t, is, 2, "the rate-limited one is filed once")
	require.Equal(t, "Add a canary stage", is[0].Title)
	require.Equal(t, []string{"warroom", "INC-1"}, is[0].Labels)
	require.Contains(t, is[0].Body, "<https://warroom.example.com/incidents/INC-1>")
	// The incident's title is escaped: no bold, no link.
	require.Contains(t, is[0].Body, "Checkout is \\*\\*slow\\*\\* \\[again\\]\\(https\\:\\/\\/evil\\.example\\)")
	require.NotContains(t, is[0].Body, "](https://evil")
	require.Equal(t, "Ask @oncall to <b>check</b> *now*", is[1].Title, "a title is plain text on GitHub")
	require.Contains(t, s.slash(channel, "followups"), "GitHub acme/ops#1")

	hook := func(event, delivery string, body []byte, sig string) answer {
		h := http.Header{"Content-Type": {"application/json"}, github.EventHeader: {event}, github.DeliveryHeader: {delivery}}
		if sig != "" {
			h.Set(github.SignatureHeader, sig)
		}
		return call(t, http.MethodPost, base+"/integrations/github", bytes.NewReader(body), h)
	}
	ping := []byte(`{"zen":"Design for failure.","hook_id":1}`)
	require.Equal(t, http.StatusOK, hook("ping", "p-1", ping, github.Sign(ping, githubSecret)).status)
	closed := fakegithub.IssuesEvent("acme/ops", 1, "closed", "completed")
	for name, sig := range map[string]string{
		"unsigned": "", "wrong secret": github.Sign(closed, "not-the-secret"),
		"forged": github.Sign([]byte(`{"action":"closed"}`), githubSecret), "malformed": "sha256=xyz",
	} {
		a := hook("issues", "f-"+name, closed, sig)
		require.Contains(t, []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden}, a.status, name)
		require.Equal(t, "application/json; charset=utf-8", a.ctype, name)
		require.NotContains(t, a.body, githubSecret)
	}
	unknown := fakegithub.IssuesEvent("acme/ops", 99, "closed", "completed")
	require.Equal(t, http.StatusOK, hook("issues", "u-1", unknown, github.Sign(unknown, githubSecret)).status)
	other := fakegithub.IssuesEvent("acme/web", 1, "closed", "completed")
	require.Equal(t, http.StatusOK, hook("issues", "u-2", other, github.Sign(other, githubSecret)).status)
	notPlanned := fakegithub.IssuesEvent("acme/ops", 1, "closed", "not_planned")
	require.Equal(t, http.StatusOK, hook("issues", "n-1", notPlanned, github.Sign(notPlanned, githubSecret)).status)
	require.Contains(t, s.slash(channel, "followups"), "[open] Add a canary stage")

	a := hook("issues", "c-1", closed, github.Sign(closed, githubSecret))
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Eventually(t, func() bool { return s.said(channel, "aiko-tanaka") }, 15*time.Second, 10*time.Millisecond)
	require.Contains(t, s.slash(channel, "followups"), "[done] Add a canary stage")

	reopened := fakegithub.IssuesEvent("acme/ops", 1, "reopened", "")
	require.Equal(t, http.StatusOK, hook("issues", "r-1", reopened, github.Sign(reopened, githubSecret)).status)
	require.Eventually(t, func() bool { return strings.Contains(s.slash(channel, "followups"), "[open] Add a canary stage") },
		15*time.Second, 50*time.Millisecond)
	// The closing delivered again (same GUID) is dropped: it stays open.
	require.Equal(t, http.StatusOK, hook("issues", "c-1", closed, github.Sign(closed, githubSecret)).status)
	again := fakegithub.IssuesEvent("acme/ops", 2, "closed", "completed")
	require.Equal(t, http.StatusOK, hook("issues", "c-2", again, github.Sign(again, githubSecret)).status)
	require.Eventually(t, func() bool { return strings.Contains(s.slash(channel, "followups"), "[done] Ask") },
		15*time.Second, 50*time.Millisecond)
	require.Contains(t, s.slash(channel, "followups"), "[open] Add a canary stage")

	for _, c := range sl.Calls("chat.postMessage") {
		require.NotContains(t, c.Params["text"]+c.Params["blocks"], githubToken)
	}
	for _, r := range gh.Requests() {
		require.Equal(t, "Bearer "+githubToken, r.Header.Get("Authorization"))
	}
	require.Len(t, gh.Issues(), 2)
}

// command runs a slash command whose answer is posted in the channel,
// not to the response URL (as `followup add`'s is), so nothing is waited
// for.
func (s slackStory) command(channel, line string) {
	s.t.Helper()
	body := []byte(s.sl.SlashCommandForm("U0ALICE", channel, line).Encode())
	req, err := http.NewRequest(http.MethodPost, s.base+"/slack/commands", bytes.NewReader(body))
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	fakeslack.Sign(req, body, fakeslack.SigningSecret, time.Now())
	res, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	_ = res.Body.Close()
	require.Equal(s.t, http.StatusOK, res.StatusCode)
}

// TestServeGitHubWebhookNotConfigured: without a webhook secret the
// route answers 404 JSON.
func TestServeGitHubWebhookNotConfigured(t *testing.T) {
	gh := fakegithub.New(t, githubToken, "acme/ops")
	base, _, _ := servePaging(t, map[string]string{
		"WARROOM_GITHUB_REPOSITORY": "acme/ops", "WARROOM_GITHUB_TOKEN": githubToken, "WARROOM_GITHUB_API_URL": gh.URL,
	})
	a := call(t, http.MethodPost, base+"/integrations/github", strings.NewReader("{}"), nil)
	require.Equal(t, http.StatusNotFound, a.status)
	require.Equal(t, "not_found", a.code)
}

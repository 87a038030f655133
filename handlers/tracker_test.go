package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/jira"
	"github.com/warroomhq/warroom/adapters/jira/fakejira"
	"github.com/warroomhq/warroom/bot"
)

const (
	testJiraEmail = "bot@acme.example"
	testJiraToken = "ATATT3xFfGF0-test-token"
)

// trackingEnv is an env whose service files follow-ups through the real
// Jira client to a fake Jira, retrying without waiting.
func trackingEnv(t *testing.T, opts Options) (*env, *fakejira.Server) {
	t.Helper()
	fake := fakejira.New(t, testJiraEmail, testJiraToken, "OPS")
	client, err := jira.New(jira.Options{BaseURL: fake.URL, Email: testJiraEmail, APIToken: testJiraToken, Project: "OPS",
		Sleep: func(context.Context, time.Duration) error { return nil }})
	require.NoError(t, err)
	opts.Tracking = Tracking{Tracker: client, Platform: jira.Name}
	opts.PublicURL = "https://warroom.example.com"
	e := newEnv(t, opts)
	e.r.Register(jira.Platform{})
	return e, fake
}

// jiraHook delivers the "tracked" command as adapters/jira makes it.
func (e *env) jiraHook(text, eventID string) error {
	return e.r.Serve(context.Background(), bot.Event{ID: eventID, Kind: bot.EventCommand, Platform: jira.Name,
		User: bot.User{ID: "5b10ac8d82e05b22cc7d4ef5", Name: "Aiko Tanaka"}, Text: text})
}

// followupsSaid is what `followups` answers in channel.
func (e *env) followupsSaid(channel string) string {
	e.t.Helper()
	e.must(e.alice, channel, "followups")
	return e.lastReply()
}

// TestFileFollowUpInJira: adding a follow-up files one issue in Jira (the
// project, a one-line summary, labels, an ADF description with the
// incident and its link); the follow-up keeps the key, `followups` shows
// it, and the timeline and channel say who filed it as what.
func TestFileFollowUpInJira(t *testing.T) {
	e, fake := trackingEnv(t, Options{})
	inc := e.declare("Checkout is failing P2")
	ch := inc.Channel.ID
	e.must(e.alice, ch, "followup add Add a canary stage to deploys <@U2|bob> due 2026-12-31")
	e.waitPosted(ch, "Follow-up #1 of INC-1 is filed in Jira as OPS-1: "+fake.URL+"/browse/OPS-1")

	is := fake.Issues()
	require.Len(t, is, 1)
	f := is[0].Fields
	require.Equal(t, "OPS", f.Project.Key)
	require.Equal(t, "Add a canary stage to deploys", f.Summary)
	require.Equal(t, []string{"warroom", "INC-1"}, f.Labels)
	require.Equal(t, []string{"Follow-up #1 of incident INC-1: Checkout is failing", "Owner in Warroom: bob",
		"Due: 2026-12-31", "https://warroom.example.com/incidents/INC-1"}, jira.Texts(f.Description))

	require.Equal(t, bot.IssueRef{Tracker: "Jira", Key: "OPS-1", URL: fake.URL + "/browse/OPS-1"}, e.followUp(inc.ID, 1).Issue)
	require.Contains(t, e.followUpEntries(inc.ID), "filed 1 alice: filed follow-up #1 in Jira as OPS-1")
	require.Contains(t, e.followupsSaid(ch), "#1 [open] Add a canary stage to deploys — bob, due 2026-12-31 · Jira OPS-1")

	// The postmortem's list of follow-ups says where it is tracked.
	md, err := e.svc.Postmortem(context.Background(), inc.ID, bot.English)
	require.NoError(t, err)
	require.Contains(t, md, "Add a canary stage to deploys (Jira OPS-1 "+fake.URL+"/browse/OPS-1)")

	// Asking to file it again names the issue and files nothing.
	e.must(e.alice, ch, "followup file 1")
	require.Contains(t, e.lastReply(), "already filed in Jira as OPS-1")
	require.Len(t, fake.Issues(), 1)
}

// TestFileFollowUpRateLimited: a 429 is retried and the issue filed once.
func TestFileFollowUpRateLimited(t *testing.T) {
	e, fake := trackingEnv(t, Options{})
	fake.Fail(429)
	inc := e.declare("Checkout is failing P2")
	e.must(e.alice, inc.Channel.ID, "followup add Add a canary")
	e.waitPosted(inc.Channel.ID, "filed in Jira as OPS-1")
	require.Len(t, fake.Issues(), 1)
	require.Equal(t, 2, fake.Attempts())
}

// TestFileFollowUpRefused: Jira's 400 leaves the follow-up as it was (not
// filed), tells the channel why and how to try again; trying again files
// it.
func TestFileFollowUpRefused(t *testing.T) {
	e, fake := trackingEnv(t, Options{})
	fake.Fail(400)
	inc := e.declare("Checkout is failing P2")
	ch := inc.Channel.ID
	e.must(e.alice, ch, "followup add Add a canary")
	said := e.waitPosted(ch, "Could not file follow-up #1 of INC-1 in Jira")
	require.Contains(t, said, "Jira refused it (Jira refused the issue (400): summary: Field 'summary' cannot be set")
	require.Contains(t, said, "The follow-up itself is kept; try again with `INC-1 followup file 1`.")
	require.NotContains(t, said, testJiraToken)
	f := e.followUp(inc.ID, 1)
	require.True(t, f.Issue.IsZero())
	require.Equal(t, bot.FollowUpOpen, f.State)
	require.NotContains(t, e.followupsSaid(ch), "Jira")
	for _, en := range e.followUpEntries(inc.ID) {
		require.False(t, strings.HasPrefix(en, "filed"), en)
	}

	e.must(e.alice, ch, "followup file 1")
	e.waitPosted(ch, "filed in Jira as OPS-1")
	require.Equal(t, "OPS-1", e.followUp(inc.ID, 1).Issue.Key)
}

// TestTrackedDoneAndReopen: Jira moving the issue to done marks the
// follow-up done as `followup done` does (timeline, channel, followups),
// by the Jira user; a repeat changes nothing; reopening in Jira reopens
// it. An issue Warroom did not file, or the command typed in chat,
// changes nothing.
func TestTrackedDoneAndReopen(t *testing.T) {
	e, _ := trackingEnv(t, Options{})
	inc := e.declare("Checkout is failing P2")
	ch := inc.Channel.ID
	e.must(e.alice, ch, "followup add Add a canary")
	e.waitPosted(ch, "filed in Jira as OPS-1")

	require.NoError(t, e.jiraHook("tracked OPS-99 done", "d0"))
	require.Error(t, e.run(e.alice, ch, "tracked OPS-1 done"))
	require.Equal(t, bot.FollowUpOpen, e.followUp(inc.ID, 1).State)

	require.NoError(t, e.jiraHook("tracked OPS-1 done", "d1"))
	f := e.followUp(inc.ID, 1)
	require.Equal(t, bot.FollowUpDone, f.State)
	require.Equal(t, "Aiko Tanaka", f.DoneBy.Name)
	require.Contains(t, e.followUpEntries(inc.ID), "done 1 Aiko Tanaka: #1 done: Add a canary")
	e.waitPosted(ch, "Aiko Tanaka")
	require.Contains(t, e.followupsSaid(ch), "#1 [done] Add a canary")

	n := len(e.followUpEntries(inc.ID))
	require.NoError(t, e.jiraHook("tracked OPS-1 done", "d2"))
	require.Len(t, e.followUpEntries(inc.ID), n, "a repeat changes nothing")

	require.NoError(t, e.jiraHook("tracked OPS-1 reopen", "d3"))
	require.Equal(t, bot.FollowUpOpen, e.followUp(inc.ID, 1).State)
	require.Contains(t, e.followupsSaid(ch), "#1 [open] Add a canary")
}

// TestFileFollowUpPrivate: a private incident's issue carries the
// follow-up's text and the incident's key, never its title.
func TestFileFollowUpPrivate(t *testing.T) {
	e, fake := trackingEnv(t, Options{})
	inc := e.declare("Payroll data leaked P2 private")
	require.True(t, e.get(inc.ID).Private)
	e.must(e.alice, inc.Channel.ID, "followup add Rotate the export keys")
	e.waitPosted(inc.Channel.ID, "filed in Jira as OPS-1")
	is := fake.Issues()
	require.Len(t, is, 1)
	require.NotContains(t, string(is[0].Raw), "leaked")
	require.Equal(t, "Rotate the export keys", is[0].Fields.Summary)
	require.Equal(t, "Follow-up #1 of private incident INC-1.", jira.Texts(is[0].Fields.Description)[0])

	// Jira's webhook still moves a private incident's follow-up.
	require.NoError(t, e.jiraHook("tracked OPS-1 done", "p1"))
	require.Equal(t, bot.FollowUpDone, e.followUp(inc.ID, 1).State)
}

// TestFileFollowUpRefusedJapanese: a Japanese workspace is told of the
// failure in Japanese, with how to try again.
func TestFileFollowUpRefusedJapanese(t *testing.T) {
	e, fake := trackingEnv(t, Options{Lang: bot.Japanese})
	fake.Fail(401)
	inc := e.declare("Checkout is failing P2")
	e.must(e.alice, inc.Channel.ID, "followup add Add a canary")
	said := e.waitPosted(inc.Channel.ID, "INC-1 のフォローアップ #1 を Jira に登録できませんでした")
	require.Contains(t, said, "Jira が受け付けませんでした（Jira refused the email and API token (401)）")
	require.Contains(t, said, "`INC-1 followup file 1` で再度お試しください。")
	require.True(t, e.followUp(inc.ID, 1).Issue.IsZero())
}

package jira_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/jira"
	"github.com/warroomhq/warroom/adapters/jira/fakejira"
	"github.com/warroomhq/warroom/bot"
)

const (
	email = "bot@acme.example"
	token = "ATATT3xFfGF0-secret-token-value"
)

func newClient(t *testing.T, fake *fakejira.Server, slept *[]time.Duration, tok string) *jira.Client {
	t.Helper()
	c, err := jira.New(jira.Options{BaseURL: fake.URL + "/", Email: email, APIToken: tok, Project: "OPS",
		Sleep: func(_ context.Context, d time.Duration) error { *slept = append(*slept, d); return nil }})
	require.NoError(t, err)
	return c
}

func followUpIssue(private bool) bot.Issue {
	inc := &bot.Incident{ID: 42, Title: "Checkout is down", Private: private}
	f := &bot.FollowUp{Incident: 42, N: 3, Text: "Add an alert on `queue depth` <script>\n{\"type\":\"mention\"}", Owner: bot.User{ID: "U1", Name: "carol"}}
	return bot.IssueOf(inc, f, "https://warroom.example.com/incidents/INC-42", "2026-12-31")
}

// TestCreateBody: the issue is filed in the project as a Task with the
// follow-up's text as its one-line summary, labels warroom and INC-42,
// and an ADF description whose text nodes hold people's text as it is
// (no node, mark or link can come from it).
func TestCreateBody(t *testing.T) {
	fake := fakejira.New(t, email, token, "OPS")
	var slept []time.Duration
	ref, err := newClient(t, fake, &slept, token).Create(context.Background(), followUpIssue(false))
	require.NoError(t, err)
	require.Equal(t, bot.IssueRef{Tracker: "Jira", Key: "OPS-1", URL: fake.URL + "/browse/OPS-1"}, ref)
	is := fake.Issues()
	require.Len(t, is, 1)
	f := is[0].Fields
	require.Equal(t, "OPS", f.Project.Key)
	require.Equal(t, "Task", f.IssueType.Name)
	require.Equal(t, "Add an alert on `queue depth` <script> {\"type\":\"mention\"}", f.Summary)
	require.Equal(t, []string{"warroom", "INC-42"}, f.Labels)
	require.Equal(t, "doc", f.Description.Type)
	require.Equal(t, 1, f.Description.Version)
	require.Equal(t, []string{"Follow-up #3 of incident INC-42: Checkout is down", "Owner in Warroom: carol",
		"Due: 2026-12-31", "https://warroom.example.com/incidents/INC-42"}, jira.Texts(f.Description))
	for _, p := range f.Description.Content {
		require.Equal(t, "paragraph", p.Type)
		require.Len(t, p.Content, 1)
		require.Equal(t, "text", p.Content[0].Type)
	}
	link := f.Description.Content[3].Content[0].Marks
	require.Equal(t, []jira.Mark{{Type: "link", Attrs: map[string]any{"href": "https://warroom.example.com/incidents/INC-42"}}}, link)
	// The raw body is JSON made by the encoder: the text's quotes are escaped.
	var raw map[string]any
	require.NoError(t, json.Unmarshal(is[0].Raw, &raw))
	require.Empty(t, slept)
}

// TestCreatePrivate: a private incident's issue does not carry its title.
func TestCreatePrivate(t *testing.T) {
	fake := fakejira.New(t, email, token, "OPS")
	var slept []time.Duration
	_, err := newClient(t, fake, &slept, token).Create(context.Background(), followUpIssue(true))
	require.NoError(t, err)
	is := fake.Issues()
	require.Len(t, is, 1)
	require.NotContains(t, string(is[0].Raw), "Checkout is down")
	require.Equal(t, "Follow-up #3 of private incident INC-42.", jira.Texts(is[0].Fields.Description)[0])
}

// TestCreateAnswers: one row per answer Jira gives.
func TestCreateAnswers(t *testing.T) {
	for name, tc := range map[string]struct {
		faults   []int
		tok      string
		issues   int
		attempts int
		slept    []time.Duration
		refused  string // the TrackerError's reason contains it; "" for success or unreachable
		fails    bool
	}{
		"429 then created":       {faults: []int{429}, tok: token, issues: 1, attempts: 2, slept: []time.Duration{time.Second}},
		"503 twice then created": {faults: []int{503, 503}, tok: token, issues: 1, attempts: 3, slept: []time.Duration{5 * time.Second, 5 * time.Second}},
		"400 field error is final": {faults: []int{400}, tok: token, attempts: 1, fails: true,
			refused: "Jira refused the issue (400): summary: Field 'summary' cannot be set"},
		"401 is final": {tok: "wrong-token", attempts: 1, fails: true, refused: "Jira refused the email and API token (401)"},
		"429 for ever gives up": {faults: []int{429, 429, 429, 429}, tok: token, attempts: 4, fails: true,
			slept: []time.Duration{time.Second, time.Second, time.Second}},
	} {
		t.Run(name, func(t *testing.T) {
			fake := fakejira.New(t, email, token, "OPS")
			fake.Fail(tc.faults...)
			var slept []time.Duration
			_, err := newClient(t, fake, &slept, tc.tok).Create(context.Background(), followUpIssue(false))
			require.Len(t, fake.Issues(), tc.issues)
			require.Equal(t, tc.attempts, fake.Attempts())
			require.Equal(t, tc.slept, slept)
			if !tc.fails {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.NotContains(t, err.Error(), token)
			require.NotContains(t, err.Error(), "wrong-token")
			require.NotContains(t, err.Error(), fake.URL)
			var te *bot.TrackerError
			if tc.refused == "" {
				require.False(t, errors.As(err, &te))
				return
			}
			require.True(t, errors.As(err, &te))
			require.Contains(t, te.Reason, tc.refused)
		})
	}
}

// TestCreateUnreachable: a site that does not answer is an error naming
// neither the request URL nor the token.
func TestCreateUnreachable(t *testing.T) {
	var slept []time.Duration
	c, err := jira.New(jira.Options{BaseURL: "http://127.0.0.1:1", Email: email, APIToken: token, Project: "OPS", Retries: -1,
		Sleep:      func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil },
		HTTPClient: &http.Client{Timeout: 2 * time.Second}})
	require.NoError(t, err)
	_, err = c.Create(context.Background(), followUpIssue(false))
	require.Error(t, err)
	require.False(t, strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "/rest/api"), err.Error())
}

func TestNewRefuses(t *testing.T) {
	for name, o := range map[string]jira.Options{
		"no site":      {Email: email, APIToken: token, Project: "OPS"},
		"user in site": {BaseURL: "https://me:pw@acme.atlassian.net", Email: email, APIToken: token, Project: "OPS"},
		"no token":     {BaseURL: "https://acme.atlassian.net", Email: email, Project: "OPS"},
		"no project":   {BaseURL: "https://acme.atlassian.net", Email: email, APIToken: token},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := jira.New(o)
			require.Error(t, err)
			require.NotContains(t, err.Error(), token)
			require.NotContains(t, err.Error(), "pw")
		})
	}
}

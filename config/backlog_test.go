package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var backlogEnv = map[string]string{
	"WARROOM_BACKLOG_URL": "https://acme.backlog.jp", "WARROOM_BACKLOG_API_KEY": "bk-s3cret",
	"WARROOM_BACKLOG_PROJECT_ID": "92", "WARROOM_BACKLOG_ISSUE_TYPE_ID": "7",
	"WARROOM_BACKLOG_WEBHOOK_TOKEN": "s3cret-0123456789abcdef0123456789abcdef",
}

func withBacklog(over ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range append([]map[string]string{backlogEnv}, over...) {
		for k, v := range m {
			out[k] = v
			if v == "" {
				delete(out, k)
			}
		}
	}
	return out
}

// TestBacklog: the variables set the section, the priority is Normal
// unless set, and the secrets never print.
func TestBacklog(t *testing.T) {
	c, err := Load("", env(backlogEnv), known)
	require.NoError(t, err)
	require.True(t, c.Backlog.Enabled())
	require.Equal(t, Backlog{URL: "https://acme.backlog.jp", APIKey: "bk-s3cret", ProjectID: 92, IssueTypeID: 7, PriorityID: 3,
		WebhookToken: "s3cret-0123456789abcdef0123456789abcdef"}, c.Backlog)
	for _, s := range []string{fmt.Sprintf("%+v", c), c.Redacted()} {
		require.NotContains(t, s, "s3cret")
	}
	c, err = Load("", env(withBacklog(map[string]string{"WARROOM_BACKLOG_PRIORITY_ID": "2"})), known)
	require.NoError(t, err)
	require.Equal(t, 2, c.Backlog.PriorityID)
	c, err = Load("", env(nil), known)
	require.NoError(t, err)
	require.False(t, c.Backlog.Enabled())
}

// TestBacklogProblems: each mistake names its field, never a secret; the
// webhook token must be unguessable; Backlog with Jira or GitHub is
// refused, as follow-ups go to one tracker.
func TestBacklogProblems(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"WARROOM_BACKLOG_API_KEY": "bk-s3cret"}, "backlog.url: is required when another backlog setting is set"},
		{withBacklog(map[string]string{"WARROOM_BACKLOG_URL": "acme.backlog.jp"}), "WARROOM_BACKLOG_URL: must be the space's http(s) URL"},
		{withBacklog(map[string]string{"WARROOM_BACKLOG_URL": "https://acme.backlog.jp/?apiKey=s3cret"}), "WARROOM_BACKLOG_URL: must be the space's http(s) URL"},
		{withBacklog(map[string]string{"WARROOM_BACKLOG_API_KEY": ""}), "backlog.api_key: is required when backlog.url is set"},
		{withBacklog(map[string]string{"WARROOM_BACKLOG_API_KEY": "bk s3cret"}), "WARROOM_BACKLOG_API_KEY: must not contain white space (value not shown)"},
		{withBacklog(map[string]string{"WARROOM_BACKLOG_PROJECT_ID": ""}), "backlog.project_id: is required when backlog.url is set"},
		{withBacklog(map[string]string{"WARROOM_BACKLOG_ISSUE_TYPE_ID": ""}), "backlog.issue_type_id: is required when backlog.url is set"},
		{withBacklog(map[string]string{"WARROOM_BACKLOG_WEBHOOK_TOKEN": "s3cret-short"}), "WARROOM_BACKLOG_WEBHOOK_TOKEN: must be at least 32 characters"},
		{withBacklog(map[string]string{"WARROOM_BACKLOG_WEBHOOK_TOKEN": "s3cret/0123456789abcdef0123456789abcdef"}), "WARROOM_BACKLOG_WEBHOOK_TOKEN: must be at least 32 characters"},
		{withBacklog(jiraEnv), "WARROOM_BACKLOG_URL: cannot be set together with jira.url: follow-ups are filed in one tracker, so set up one of Jira, GitHub and Backlog"},
		{withBacklog(githubEnv), "WARROOM_BACKLOG_URL: cannot be set together with github.repository: follow-ups are filed in one tracker"},
	} {
		lines := problems(t, "", tt.env)
		require.Len(t, lines, 1, lines)
		require.True(t, strings.HasPrefix(lines[0], tt.want), lines[0])
		require.NotContains(t, lines[0], "s3cret")
	}
	// All three: GitHub and Backlog each say so.
	lines := problems(t, "", withBacklog(jiraEnv, githubEnv))
	require.Len(t, lines, 2, lines)
	require.Contains(t, lines[1], "cannot be set together with jira.url and github.repository")
}

package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var jiraEnv = map[string]string{
	"WARROOM_JIRA_URL": "https://acme.atlassian.net", "WARROOM_JIRA_EMAIL": "bot@acme.example",
	"WARROOM_JIRA_API_TOKEN": "jt-s3cret", "WARROOM_JIRA_PROJECT": "OPS", "WARROOM_JIRA_WEBHOOK_SECRET": "jw-s3cret",
}

func withJira(over map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range jiraEnv {
		out[k] = v
	}
	for k, v := range over {
		if v == "" {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

// TestJira: the variables set the section, the issue type defaults to
// Task, and the secrets never print.
func TestJira(t *testing.T) {
	c, err := Load("", env(jiraEnv), known)
	require.NoError(t, err)
	require.True(t, c.Jira.Enabled())
	require.Equal(t, "Task", c.Jira.IssueType)
	require.Equal(t, "jt-s3cret", c.Jira.APIToken.Reveal())
	for _, s := range []string{fmt.Sprintf("%+v", c), c.Redacted()} {
		require.NotContains(t, s, "jt-s3cret")
		require.NotContains(t, s, "jw-s3cret")
	}
	c, err = Load("", env(nil), known)
	require.NoError(t, err)
	require.False(t, c.Jira.Enabled())
}

// TestJiraProblems: each mistake names its field, never a secret.
func TestJiraProblems(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"WARROOM_JIRA_API_TOKEN": "jt-s3cret"}, "jira.url: is required when another jira setting is set"},
		{withJira(map[string]string{"WARROOM_JIRA_URL": "acme.atlassian.net"}), "WARROOM_JIRA_URL: must be an http(s) URL"},
		{withJira(map[string]string{"WARROOM_JIRA_URL": "https://bot:jt-s3cret@acme.atlassian.net"}), "WARROOM_JIRA_URL: must be an http(s) URL"},
		{withJira(map[string]string{"WARROOM_JIRA_EMAIL": ""}), "jira.email: is required when jira.url is set"},
		{withJira(map[string]string{"WARROOM_JIRA_API_TOKEN": ""}), "jira.api_token: is required when jira.url is set"},
		{withJira(map[string]string{"WARROOM_JIRA_API_TOKEN": "jt s3cret"}), "WARROOM_JIRA_API_TOKEN: must not contain white space (value not shown)"},
		{withJira(map[string]string{"WARROOM_JIRA_PROJECT": "ops"}), `WARROOM_JIRA_PROJECT: must be a Jira project key such as "OPS"`},
	} {
		lines := problems(t, "", tt.env)
		require.Len(t, lines, 1, lines)
		require.True(t, strings.HasPrefix(lines[0], tt.want), lines[0])
		require.NotContains(t, lines[0], "s3cret")
	}
}

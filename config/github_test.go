package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var githubEnv = map[string]string{
	"WARROOM_GITHUB_REPOSITORY": "acme/ops", "WARROOM_GITHUB_TOKEN": "ghp-s3cret", "WARROOM_GITHUB_WEBHOOK_SECRET": "gw-s3cret",
}

func withGitHub(over map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]string{githubEnv, over} {
		for k, v := range m {
			out[k] = v
			if v == "" {
				delete(out, k)
			}
		}
	}
	return out
}

// TestGitHub: the variables set the section, the API is github.com's
// unless set, and the secrets never print.
func TestGitHub(t *testing.T) {
	c, err := Load("", env(githubEnv), known)
	require.NoError(t, err)
	require.True(t, c.GitHub.Enabled())
	require.Equal(t, "https://api.github.com", c.GitHub.APIURL)
	require.Equal(t, "ghp-s3cret", c.GitHub.Token.Reveal())
	for _, s := range []string{fmt.Sprintf("%+v", c), c.Redacted()} {
		require.NotContains(t, s, "ghp-s3cret")
		require.NotContains(t, s, "gw-s3cret")
	}
	c, err = Load("", env(withGitHub(map[string]string{"WARROOM_GITHUB_API_URL": "https://ghe.example.com/api/v3"})), known)
	require.NoError(t, err)
	require.Equal(t, "https://ghe.example.com/api/v3", c.GitHub.APIURL)
	c, err = Load("", env(nil), known)
	require.NoError(t, err)
	require.False(t, c.GitHub.Enabled())
}

// TestGitHubProblems: each mistake names its field, never a secret; Jira
// and GitHub together are refused, as follow-ups go to one tracker.
func TestGitHubProblems(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"WARROOM_GITHUB_TOKEN": "ghp-s3cret"}, "github.repository: is required when another github setting is set"},
		{withGitHub(map[string]string{"WARROOM_GITHUB_REPOSITORY": "ops"}), `WARROOM_GITHUB_REPOSITORY: must be "owner/repo"`},
		{withGitHub(map[string]string{"WARROOM_GITHUB_TOKEN": ""}), "github.token: is required when github.repository is set"},
		{withGitHub(map[string]string{"WARROOM_GITHUB_TOKEN": "ghp s3cret"}), "WARROOM_GITHUB_TOKEN: must not contain white space (value not shown)"},
		{withGitHub(map[string]string{"WARROOM_GITHUB_API_URL": "https://x:s3cret@ghe.example.com/api/v3"}), "WARROOM_GITHUB_API_URL: must be an http(s) URL"},
		{withGitHub(jiraEnv), "WARROOM_GITHUB_REPOSITORY: cannot be set together with jira.url: follow-ups are filed in one tracker"},
	} {
		lines := problems(t, "", tt.env)
		require.Len(t, lines, 1, lines)
		require.True(t, strings.HasPrefix(lines[0], tt.want), lines[0])
		require.NotContains(t, lines[0], "s3cret")
	}
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
)

// TestConfigCheckAgreesWithServe: for every file of config/testdata and
// for config/example.yml, under environments a deployment might have,
// `warroom config check` passes exactly when `warroom serve` starts.
func TestConfigCheckAgreesWithServe(t *testing.T) {
	files, err := filepath.Glob("config/testdata/*.yml")
	require.NoError(t, err)
	files = append(files, "config/example.yml")
	slack := fakeslack.New(t)
	redisURL := os.Getenv("REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://" + miniredis.RunT(t).Addr()
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	base := map[string]string{
		"REDIS_URL": redisURL, "WARROOM_REDIS_PREFIX": "test:verdict:" + hex.EncodeToString(b) + ":",
		"WARROOM_ADDR": "127.0.0.1:0", "WARROOM_API_TOKEN": "tok-verdict", "WARROOM_LOG_LEVEL": "info",
	}
	withSlack := map[string]string{"SLACK_BOT_TOKEN": fakeslack.BotToken, "SLACK_SIGNING_SECRET": fakeslack.SigningSecret,
		"SLACK_API_URL": slack.APIURL(), "SLACK_TEAM_ID": fakeslack.TeamID}
	envs := map[string]map[string]string{
		"redis and a token":         {},
		"no REDIS_URL":              {"REDIS_URL": ""},
		"no REDIS_URL, embedded ok": {"REDIS_URL": "", "WARROOM_REDIS_EMBEDDED": "true"},
		"no API token":              {"WARROOM_API_TOKEN": ""},
		"no API token, open":        {"WARROOM_API_TOKEN": "", "WARROOM_API_OPEN": "true"},
		"a webhook alone":           {"WARROOM_WEBHOOK_TOKEN": "t0ken"},
		"slack":                     withSlack,
		"slack and a webhook":       merge(withSlack, map[string]string{"WARROOM_WEBHOOK_TOKEN": "t0ken"}),
		"slack and pagerduty": merge(withSlack, map[string]string{"WARROOM_PAGERDUTY_ROUTING_KEY": "rk-verdict",
			"WARROOM_PAGERDUTY_WEBHOOK_SECRET": "wh-verdict", "WARROOM_PAGERDUTY_API_URL": "http://127.0.0.1:1"}),
		"pagerduty webhook alone": {"WARROOM_PAGERDUTY_WEBHOOK_SECRET": "wh-verdict"},
		"slack and zoom": merge(withSlack, map[string]string{"WARROOM_ZOOM_ACCOUNT_ID": "acc-verdict", "WARROOM_ZOOM_CLIENT_ID": "cid-verdict",
			"WARROOM_ZOOM_CLIENT_SECRET": "zs-verdict", "WARROOM_ZOOM_API_URL": "http://127.0.0.1:1", "WARROOM_ZOOM_OAUTH_URL": "http://127.0.0.1:1"}),
		"zoom without its secret": merge(withSlack, map[string]string{"WARROOM_ZOOM_ACCOUNT_ID": "acc-verdict", "WARROOM_ZOOM_CLIENT_ID": "cid-verdict"}),
		"slack and jira": merge(withSlack, map[string]string{"WARROOM_JIRA_URL": "http://127.0.0.1:1", "WARROOM_JIRA_EMAIL": "bot@acme.example",
			"WARROOM_JIRA_API_TOKEN": "jt-verdict", "WARROOM_JIRA_PROJECT": "OPS", "WARROOM_JIRA_WEBHOOK_SECRET": "jw-verdict"}),
		"jira webhook alone": {"WARROOM_JIRA_WEBHOOK_SECRET": "jw-verdict"},
		"slack and github": merge(withSlack, map[string]string{"WARROOM_GITHUB_REPOSITORY": "acme/ops", "WARROOM_GITHUB_TOKEN": "gt-verdict",
			"WARROOM_GITHUB_API_URL": "http://127.0.0.1:1", "WARROOM_GITHUB_WEBHOOK_SECRET": "gw-verdict"}),
		"github and jira": merge(withSlack, map[string]string{"WARROOM_GITHUB_REPOSITORY": "acme/ops", "WARROOM_GITHUB_TOKEN": "gt-verdict",
			"WARROOM_JIRA_URL": "http://127.0.0.1:1", "WARROOM_JIRA_EMAIL": "bot@acme.example", "WARROOM_JIRA_API_TOKEN": "jt-verdict", "WARROOM_JIRA_PROJECT": "OPS"}),
		"github webhook alone": {"WARROOM_GITHUB_WEBHOOK_SECRET": "gw-verdict"},
		"slack and backlog": merge(withSlack, map[string]string{"WARROOM_BACKLOG_URL": "http://127.0.0.1:1", "WARROOM_BACKLOG_API_KEY": "bk-verdict",
			"WARROOM_BACKLOG_PROJECT_ID": "92", "WARROOM_BACKLOG_ISSUE_TYPE_ID": "7", "WARROOM_BACKLOG_WEBHOOK_TOKEN": "0123456789abcdef0123456789abcdef"}),
		"backlog and github": merge(withSlack, map[string]string{"WARROOM_BACKLOG_URL": "http://127.0.0.1:1", "WARROOM_BACKLOG_API_KEY": "bk-verdict",
			"WARROOM_BACKLOG_PROJECT_ID": "92", "WARROOM_BACKLOG_ISSUE_TYPE_ID": "7", "WARROOM_GITHUB_REPOSITORY": "acme/ops", "WARROOM_GITHUB_TOKEN": "gt-verdict"}),
		"a short backlog token": merge(withSlack, map[string]string{"WARROOM_BACKLOG_URL": "http://127.0.0.1:1", "WARROOM_BACKLOG_API_KEY": "bk-verdict",
			"WARROOM_BACKLOG_PROJECT_ID": "92", "WARROOM_BACKLOG_ISSUE_TYPE_ID": "7", "WARROOM_BACKLOG_WEBHOOK_TOKEN": "bw-verdict"}),
		"backlog webhook alone": {"WARROOM_BACKLOG_WEBHOOK_TOKEN": "0123456789abcdef0123456789abcdef"},
		"slack, datadog and mackerel": merge(withSlack, map[string]string{"WARROOM_DATADOG_TOKEN": "dd-verdict",
			"WARROOM_MACKEREL_TOKEN": "0123456789abcdef0123456789abcdef"}),
		"a short mackerel token": merge(withSlack, map[string]string{"WARROOM_MACKEREL_TOKEN": "mk-verdict"}),
		"slack, sentry and azure": merge(withSlack, map[string]string{"WARROOM_SENTRY_CLIENT_SECRET": "sentry-verdict",
			"WARROOM_AZURE_MONITOR_TOKEN": "azure-verdict-token-0123"}),
		"azure token too short": merge(withSlack, map[string]string{"WARROOM_AZURE_MONITOR_TOKEN": "az-verdict"}),
	}
	served := map[string]bool{}
	for name, extra := range envs {
		for _, file := range files {
			t.Run(name+"/"+filepath.Base(file), func(t *testing.T) {
				env := merge(base, extra, map[string]string{"WARROOM_SPOOL_PATH": filepath.Join(t.TempDir(), "spool.jsonl")})
				getenv := func(k string) string { return env[k] }
				var out, errOut strings.Builder
				checked := run(context.Background(), []string{"config", "check", "--config", file}, nil, &out, &errOut, getenv) == 0
				serves, logs := serveStarts(t, file, getenv)
				require.Equal(t, checked, serves, "config check said %q\nserve said %s", errOut.String(), logs)
				served[name+"/"+filepath.Base(file)] = serves
			})
		}
	}
	// Both verdicts occur: the example serves with the environment the
	// README names, and not without Slack (its alerts open incidents there).
	require.True(t, served["slack/example.yml"])
	require.True(t, served["slack and a webhook/example.yml"])
	require.False(t, served["redis and a token/example.yml"])
	require.True(t, served["redis and a token/aliases.yml"])
	require.False(t, served["no REDIS_URL/aliases.yml"])
	require.True(t, served["no REDIS_URL, embedded ok/aliases.yml"])
	require.False(t, served["no API token/aliases.yml"])
	require.True(t, served["no API token, open/aliases.yml"])
	require.False(t, served["a webhook alone/aliases.yml"])
	require.False(t, served["redis and a token/status_page_without_url.yml"], "a status page needs public_url")
	require.True(t, served["slack and pagerduty/example.yml"], "PagerDuty is one more integration")
	require.False(t, served["pagerduty webhook alone/aliases.yml"], "a webhook secret needs the routing key")
	require.True(t, served["slack and zoom/example.yml"], "Zoom is one more integration")
	require.False(t, served["zoom without its secret/example.yml"], "Zoom's credentials go together")
	require.True(t, served["slack and jira/example.yml"], "Jira is one more integration")
	require.False(t, served["jira webhook alone/aliases.yml"], "a webhook secret needs the site")
	require.True(t, served["slack and github/example.yml"], "GitHub is one more integration")
	require.False(t, served["github and jira/example.yml"], "follow-ups go to one tracker")
	require.False(t, served["github webhook alone/aliases.yml"], "a webhook secret needs the repository")
	require.True(t, served["slack and backlog/example.yml"], "Backlog is one more integration")
	require.False(t, served["backlog and github/example.yml"], "follow-ups go to one tracker")
	require.False(t, served["a short backlog token/example.yml"], "the token guarding the Backlog webhook is too short")
	require.False(t, served["backlog webhook alone/aliases.yml"], "a webhook token needs the space")
	require.True(t, served["slack, datadog and mackerel/example.yml"], "Datadog and Mackerel are two more sources")
	require.False(t, served["a short mackerel token/example.yml"], "a URL token must be unguessable")
	require.True(t, served["slack, sentry and azure/example.yml"], "Sentry and Azure Monitor are two more alert sources")
	require.False(t, served["azure token too short/example.yml"], "the token guarding the Azure URL is too short")
}

// serveStarts runs `warroom serve --config file` until it says it is
// serving (then stops it: true) or exits (false), and returns its log.
func serveStarts(t *testing.T, file string, getenv func(string) string) (bool, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--config", file}, nil, io.Discard, logs, getenv) }()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case code := <-done:
			require.Equal(t, 1, code, logs.String())
			return false, logs.String()
		case <-time.After(20 * time.Millisecond):
			if strings.Contains(logs.String(), `"msg":"warroom serving"`) {
				cancel()
				require.Equal(t, 0, <-done, logs.String())
				return true, logs.String()
			}
		case <-deadline:
			t.Fatalf("serve neither started nor stopped: %s", logs.String())
		}
	}
}

// syncBuffer is serve's stderr, written by its logger while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// merge is the union of maps, later ones winning.
func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/warroomhq/warroom/bot"
)

// known are the names of app's tables (app.Known; app's tests check that
// they agree): config's own tests cannot import app.
var known = Known{
	AlertSources: []string{"alertmanager", "cloudwatch", "grafana", "datadog", "mackerel", "webhook"},
	Platforms:    []string{"slack", "teams", "console"},
}

// env returns a getenv over m, so tests never touch the process environment.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// problems loads path under m and returns the problems as "field: message"
// lines, failing the test if Load succeeded.
func problems(t *testing.T, path string, m map[string]string) []string {
	t.Helper()
	c, err := Load(path, env(m), known)
	require.Error(t, err)
	require.Nil(t, c)
	var ps Problems
	require.True(t, errors.As(err, &ps), "error is %T, want Problems", err)
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	require.Equal(t, strings.Join(lines, "\n"), err.Error())
	return lines
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "warroom.yml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func TestDefaults(t *testing.T) {
	c, err := Load("", env(nil), known)
	require.NoError(t, err)
	require.Equal(t, Default(), c)

	require.Equal(t, "en", c.Lang)
	require.Equal(t, ":8080", c.Addr)
	require.Equal(t, "info", c.LogLevel)
	require.Equal(t, 16, c.Workers)
	require.Equal(t, 4096, c.Queue)
	require.Equal(t, Secret(""), c.Redis.URL)
	require.Equal(t, "warroom:", c.Redis.Prefix)
	require.Equal(t, Secret(""), c.API.Token)
	require.Equal(t, Channels{Prefix: "inc"}, c.Channels)
	require.Empty(t, c.Roles)
	require.Empty(t, c.Admins)
	require.Equal(t, Reminders{NoCommanderAfter: Duration(10 * time.Minute), TriageAckAfter: Duration(15 * time.Minute), Every: Duration(30 * time.Second)}, c.Reminders)
	require.Equal(t, map[string]PriorityLevel{
		"P1": {UpdateEvery: Duration(30 * time.Minute)},
		"P2": {UpdateEvery: Duration(time.Hour)},
		"P3": {UpdateEvery: Duration(4 * time.Hour)},
		"P4": {UpdateEvery: Duration(24 * time.Hour)},
	}, c.Priorities)
	require.Len(t, c.Policy, len(Actions))
	require.Equal(t, Spool{MaxBytes: 64 << 20}, c.Spool)
	require.False(t, c.SpoolEnabled(), "no spool for the embedded Redis")

	// A nil getenv and an empty file mean the same as no environment and no file.
	c2, err := Load(writeFile(t, "# nothing yet\n"), nil, known)
	require.NoError(t, err)
	require.Equal(t, c, c2)
}

func TestEnvOverlaysFile(t *testing.T) {
	path := writeFile(t, `
lang: ja
workers: 4
admins: [U1]
redis:
  prefix: "a:"
`)
	c, err := Load(path, env(map[string]string{
		"WARROOM_LANG":      "en",
		"WARROOM_WORKERS":   " 8 ",
		"WARROOM_ADMINS":    "U7, U8,",
		"REDIS_URL":         "redis://:pw@redis:6379/2",
		"WARROOM_API_TOKEN": "tok",
		"WARROOM_QUEUE":     "", // empty is unset: the default stays
	}), known)
	require.NoError(t, err)
	require.Equal(t, "en", c.Lang)
	require.Equal(t, 8, c.Workers)
	require.Equal(t, DefaultQueue, c.Queue)
	require.Equal(t, []string{"U7", "U8"}, c.Admins)
	require.Equal(t, "a:", c.Redis.Prefix, "a file value no variable overrides is kept")
	require.Equal(t, "redis://:pw@redis:6379/2", c.Redis.URL.Reveal())
	require.Equal(t, "tok", c.API.Token.Reveal())
}

func TestConfigPathFromEnv(t *testing.T) {
	path := writeFile(t, "lang: ja\n")
	c, err := Load("", env(map[string]string{"WARROOM_CONFIG": path}), known)
	require.NoError(t, err)
	require.Equal(t, "ja", c.Lang)

	// The --config path wins over WARROOM_CONFIG.
	c, err = Load(writeFile(t, "addr: \":9090\"\n"), env(map[string]string{"WARROOM_CONFIG": path}), known)
	require.NoError(t, err)
	require.Equal(t, "en", c.Lang)
	require.Equal(t, ":9090", c.Addr)
}

func TestFileProblems(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"bad_lang.yml", []string{`lang: must be "ja" or "en", got "fr"`}},
		{"bad_duration.yml", []string{`priorities.P2.update_every: must be a duration such as 90s, 10m, 4h or 14d, got "1 hour" (line 3)`}},
		{"zero_duration.yml", []string{
			`reminders.no_commander_after: must be more than 0s, got 0s`,
			`reminders.triage_ack_after: must be more than 0s, got -5m`,
			`reminders.every: must be more than 0s, got 0s`,
		}},
		{"unknown_field.yml", []string{`redis.passwrod: unknown field (line 4); known fields: url, prefix, embedded`}},
		{"wrong_type.yml", []string{
			`workers: must be an integer, got "many" (line 1)`,
			`channels.private: must be true or false, got "maybe" (line 3)`,
		}},
		{"duplicate_key.yml", []string{`lang: given twice (lines 1 and 2)`}},
		{"unknown_action.yml", []string{`policy.delete: unknown action; want one of declare, ack, status, priority, role, note, update, resolve, close, decline, reopen, postmortem, followup, curate, components, public_update`}},
		{"bad_who.yml", []string{
			`policy.resolve[1]: unknown value "boss"; want anyone, commander, admins, role:<name> or user:<id>`,
			`policy.resolve[2]: unknown role "dba"; roles are commander, communications, scribe, operations`,
			`policy.resolve[3]: must be user:<id> with a user ID without white space, got "user:"`,
		}},
		{"empty_policy.yml", []string{`policy.close: must list at least one who; want anyone, commander, admins, role:<name> or user:<id>`}},
		{"builtin_role.yml", []string{`roles[0].name: "ic" is an alias of the built-in role "commander"`}},
		{"duplicate_role.yml", []string{`roles[2].name: duplicate role "database" (also roles[0])`}},
		{"bad_role_name.yml", []string{`roles[0].name: must be a-z, 0-9 and -, starting with a letter, at most 32 characters, got "Database Team"`}},
		{"bad_priority_key.yml", []string{`priorities.P5: unknown priority; want P1, P2, P3 or P4 (or sev1..sev4, critical, high, medium, low)`}},
		{"duplicate_priority.yml", []string{`priorities.sev1: same priority as "P1"`}},
		{"bad_addr.yml", []string{`addr: must be host:port such as ":8080" or "127.0.0.1:8080", got "8080"`}},
		{"bad_redis_scheme.yml", []string{`redis.url: must start with redis:// or rediss:// (value not shown: it may hold a password)`}},
		{"bad_alert_rules.yml", []string{
			`alerts.platform: must be slack, teams or console, got "pagerduty"`,
			`alerts.flap_window: must be more than 0s, got 0s`,
			`alerts.cloudwatch.topic_arns[0]: must be an SNS topic ARN such as arn:aws:sns:ap-northeast-1:123456789012:alarms, got "alarms"`,
			"alerts.cloudwatch.cert_host: must be a regular expression: error parsing regexp: missing closing ]: `[`",
			`alerts.rules[0].match.source: must be alertmanager, cloudwatch, grafana, datadog, mackerel or webhook, got "nagios"`,
			`alerts.rules[0].priority: must be P1, P2, P3 or P4 (or an alias such as sev1 or critical), got "P7"`,
			`alerts.rules[0].platform: must be slack, teams or console, got "discord"`,
			`alerts.rules[0].responders[0]: must be a user ID without white space, got "U 1"`,
			`alerts.rules[0].runbook: must be an http(s) URL, got "javascript:alert(1)"`,
		}},
		{"bad_sentry_azure.yml", []string{
			`alerts.sentry.client_secret: must not contain white space (value not shown)`,
			`alerts.azure.token: must be at least 16 characters: it is the only secret of a URL anyone may try (value not shown)`,
		}},
		{"syntax.yml", []string{`testdata/syntax.yml: invalid YAML: mapping values are not allowed in this context (line 2)`}},
		{"missing.yml", []string{`testdata/missing.yml: cannot read: no such file or directory`}},
		{"multiple.yml", []string{
			// The decoder's problems come first, in file order...
			`channels.colour: unknown field (line 12); known fields: prefix, private, archive_on_close`,
			`reminders.triage_ack_after: must be a duration such as 90s, 10m, 4h or 14d, got "15" (line 25)`,
			// ...then validation, in field order.
			`lang: must be "ja" or "en", got "fr"`,
			`addr: must be host:port such as ":8080" or "127.0.0.1:8080", got "localhost"`,
			`log_level: must be debug, info, warn or error, got "verbose"`,
			`workers: must be between 1 and 1024, got 0`,
			`queue: must be between 1 and 100000, got 200000`,
			`redis.url: must start with redis:// or rediss:// (value not shown: it may hold a password)`,
			`redis.prefix: must be at most 64 characters without white space, { or }, got "{warroom}:"`,
			`channels.prefix: must be 1-20 characters of a-z, 0-9 and -, got "INC_"`,
			`priorities.sev2.update_every: must be more than 0s, got 0s`,
			`priorities.urgent: unknown priority; want P1, P2, P3 or P4 (or sev1..sev4, critical, high, medium, low)`,
			`roles[0].name: clashes with the built-in role "scribe"`,
			`admins[1]: must be a user ID without white space, got "U 2"`,
			`policy.resolve[0]: unknown role "dba"; roles are commander, communications, scribe, operations`,
			`policy.launch: unknown action; want one of declare, ack, status, priority, role, note, update, resolve, close, decline, reopen, postmortem, followup, curate, components, public_update`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			require.Equal(t, tt.want, problems(t, filepath.Join("testdata", tt.file), nil))
		})
	}
}

func TestEnvProblems(t *testing.T) {
	// One invalid value per variable: each problem must name the variable,
	// not the YAML field it overrides. Every row of Env must be covered.
	bad := map[string]string{
		"WARROOM_LANG":                      "fr",
		"WARROOM_TIMEZONE":                  "Mars/Olympus",
		"SLACK_BOT_TOKEN":                   "xoxp-user-token",
		"SLACK_SIGNING_SECRET":              "has space",
		"SLACK_APP_TOKEN":                   "abc",
		"SLACK_API_URL":                     "ftp://slack",
		"SLACK_TEAM_ID":                     "acme",
		"SLACK_ANNOUNCE_CHANNEL":            "#incidents",
		"MICROSOFT_APP_ID":                  "not-a-guid",
		"MICROSOFT_APP_PASSWORD":            "pw",
		"MICROSOFT_APP_TENANT_ID":           "contoso",
		"MICROSOFT_LOGIN_URL":               "login",
		"MICROSOFT_GRAPH_URL":               "ftp://graph",
		"TEAMS_OPENID_METADATA_URL":         "metadata",
		"TEAMS_SERVICE_URL":                 "smba",
		"TEAMS_TEAM_ID":                     "my team",
		"TEAMS_INCIDENTS_CHANNEL":           "#incidents",
		"TEAMS_ANNOUNCE_CHANNEL":            "general",
		"TEAMS_PRIVATE_CHANNEL":             "19:x@thread.tacv2;messageid=1",
		"WARROOM_ALERT_PLATFORM":            "pagerduty",
		"WARROOM_PUBLIC_URL":                "warroom.example.com",
		"WARROOM_ALERTMANAGER_TOKEN":        "a b",
		"WARROOM_GRAFANA_TOKEN":             "g h",
		"WARROOM_GRAFANA_SECRET":            "s t",
		"WARROOM_WEBHOOK_TOKEN":             "w x",
		"WARROOM_WEBHOOK_SECRET":            "y z",
		"WARROOM_DATADOG_TOKEN":             "d d",
		"WARROOM_MACKEREL_TOKEN":            "m k",
		"WARROOM_SNS_TOPIC_ARNS":            "arn:aws:sns:ap-northeast-1:123456789012:alarms,alarms",
		"WARROOM_SENTRY_CLIENT_SECRET":      "s s",
		"WARROOM_AZURE_MONITOR_TOKEN":       "az&token=shown-nowhere",
		"WARROOM_ADDR":                      "8080",
		"WARROOM_METRICS_ADDR":              "9090",
		"WARROOM_REDIS_EMBEDDED":            "yes please",
		"WARROOM_API_OPEN":                  "wide",
		"WARROOM_LOG_LEVEL":                 "loud",
		"WARROOM_LOG_FORMAT":                "logfmt",
		"WARROOM_WORKERS":                   "abc",
		"WARROOM_QUEUE":                     "0",
		"REDIS_URL":                         "http://:hunter2@redis:6379",
		"WARROOM_REDIS_PREFIX":              "{x}",
		"WARROOM_SPOOL_PATH":                "/var/lib/warroom/",
		"WARROOM_API_TOKEN":                 "tok xyz",
		"WARROOM_ADMINS":                    "U1,U 2",
		"WARROOM_FOLLOWUPS_VERIFY_BY_OTHER": "maybe",
		"WARROOM_FOLLOWUPS_VERIFY_AFTER":    "two weeks",
		"WARROOM_STATUS_PAGE_TITLE":         "two\nlines",
		"WARROOM_STATUS_PAGE_COMPONENTS":    "Check out",
		"WARROOM_STATUS_PAGE_LANGUAGES":     "fr",
		"WARROOM_STATUS_PAGE_SHOW_NUMBERS":  "sometimes",
		"WARROOM_OIDC_ISSUER":               "slack.com",
		"WARROOM_OIDC_CLIENT_ID":            "my client",
		"WARROOM_OIDC_CLIENT_SECRET":        "hunter2 sso",
		"WARROOM_OIDC_CLAIM":                "user id",
		"WARROOM_OIDC_PLATFORM":             "pagerduty",
		"WARROOM_OIDC_NAME":                 strings.Repeat("x", 41),
		"WARROOM_PAGERDUTY_ROUTING_KEY":     "r k",
		"WARROOM_PAGERDUTY_WEBHOOK_SECRET":  "w s",
		"WARROOM_PAGERDUTY_PRIORITIES":      "P9",
		"WARROOM_PAGERDUTY_API_URL":         "events",
		"WARROOM_ZOOM_ACCOUNT_ID":           "a c",
		"WARROOM_ZOOM_CLIENT_ID":            "c d",
		"WARROOM_ZOOM_CLIENT_SECRET":        "z s",
		"WARROOM_ZOOM_PRIORITIES":           "P9",
		"WARROOM_ZOOM_API_URL":              "api",
		"WARROOM_ZOOM_OAUTH_URL":            "oauth",
		"WARROOM_JIRA_URL":                  "acme",
		"WARROOM_JIRA_EMAIL":                "nobody",
		"WARROOM_JIRA_API_TOKEN":            "j t",
		"WARROOM_JIRA_PROJECT":              "ops",
		"WARROOM_JIRA_ISSUE_TYPE":           "Task\nBug",
		"WARROOM_JIRA_WEBHOOK_SECRET":       "j w",
		"WARROOM_GITHUB_REPOSITORY":         "ops",
		"WARROOM_GITHUB_TOKEN":              "g t",
		"WARROOM_GITHUB_API_URL":            "api",
		"WARROOM_GITHUB_WEBHOOK_SECRET":     "g w",
		"WARROOM_BACKLOG_URL":               "acme",
		"WARROOM_BACKLOG_API_KEY":           "b k",
		"WARROOM_BACKLOG_PROJECT_ID":        "ops",
		"WARROOM_BACKLOG_ISSUE_TYPE_ID":     "0",
		"WARROOM_BACKLOG_PRIORITY_ID":       "-1",
		"WARROOM_BACKLOG_WEBHOOK_TOKEN":     "short",
	}
	for _, e := range Env {
		if e.Name != EnvConfig {
			require.Contains(t, bad, e.Name, "add an invalid value for %s", e.Name)
		}
	}
	// The file's values are overridden, so its mistakes in those fields vanish.
	path := writeFile(t, "lang: de\nworkers: 4\n")
	require.Equal(t, []string{
		`WARROOM_WORKERS: must be an integer, got "abc"`,
		`WARROOM_REDIS_EMBEDDED: must be true or false, got "yes please"`,
		`WARROOM_API_OPEN: must be true or false, got "wide"`,
		`WARROOM_FOLLOWUPS_VERIFY_BY_OTHER: must be true or false, got "maybe"`,
		`WARROOM_FOLLOWUPS_VERIFY_AFTER: must be a duration such as 90s, 10m, 4h or 14d, got "two weeks"`,
		`WARROOM_STATUS_PAGE_SHOW_NUMBERS: must be true or false, got "sometimes"`,
		`WARROOM_BACKLOG_PROJECT_ID: must be an integer, got "ops"`,
		`WARROOM_LANG: must be "ja" or "en", got "fr"`,
		`WARROOM_TIMEZONE: must be an IANA time zone such as "Asia/Tokyo" or "UTC", got "Mars/Olympus"`,
		`WARROOM_ADDR: must be host:port such as ":8080" or "127.0.0.1:8080", got "8080"`,
		`WARROOM_METRICS_ADDR: must be host:port such as ":8080" or "127.0.0.1:8080", got "9090"`,
		`WARROOM_LOG_LEVEL: must be debug, info, warn or error, got "loud"`,
		`WARROOM_LOG_FORMAT: must be text or json, got "logfmt"`,
		`WARROOM_QUEUE: must be between 1 and 100000, got 0`,
		`REDIS_URL: must start with redis:// or rediss:// (value not shown: it may hold a password)`,
		`WARROOM_REDIS_PREFIX: must be at most 64 characters without white space, { or }, got "{x}"`,
		`WARROOM_SPOOL_PATH: must be a file path (or "off"), got "/var/lib/warroom/"`,
		`SLACK_BOT_TOKEN: must be a bot token starting with xoxb- (value not shown)`,
		`SLACK_APP_TOKEN: must be an app-level token starting with xapp- (value not shown)`,
		`SLACK_SIGNING_SECRET: must not contain white space (value not shown)`,
		`SLACK_API_URL: must be an http(s) URL such as "https://slack.com/api/", got "ftp://slack"`,
		`SLACK_TEAM_ID: must be a workspace ID such as T0123ABCD, got "acme"`,
		`SLACK_ANNOUNCE_CHANNEL: must be a channel ID such as C0123ABCD (not a #name), got "#incidents"`,
		`MICROSOFT_LOGIN_URL: must be an http(s) URL, got "login"`,
		`MICROSOFT_GRAPH_URL: must be an http(s) URL, got "ftp://graph"`,
		`TEAMS_OPENID_METADATA_URL: must be an http(s) URL, got "metadata"`,
		`TEAMS_SERVICE_URL: must be an http(s) URL, got "smba"`,
		`MICROSOFT_APP_ID: must be the Microsoft App ID, a GUID, got "not-a-guid"`,
		`MICROSOFT_APP_TENANT_ID: must be the tenant ID (a GUID) of the single-tenant app, got "contoso"`,
		`TEAMS_TEAM_ID: must be the team's group ID (a GUID), got "my team"`,
		`TEAMS_INCIDENTS_CHANNEL: must be a channel ID such as 19:abc123@thread.tacv2, got "#incidents"`,
		`TEAMS_ANNOUNCE_CHANNEL: must be a channel ID such as 19:abc123@thread.tacv2, got "general"`,
		`TEAMS_PRIVATE_CHANNEL: must be a channel ID such as 19:abc123@thread.tacv2, got "19:x@thread.tacv2;messageid=1"`,
		`WARROOM_API_TOKEN: must not contain white space`,
		`WARROOM_ADMINS: must be a user ID without white space, got "U 2"`,
		`WARROOM_ALERT_PLATFORM: must be slack, teams or console, got "pagerduty"`,
		`WARROOM_ALERTMANAGER_TOKEN: must not contain white space (value not shown)`,
		`WARROOM_GRAFANA_TOKEN: must not contain white space (value not shown)`,
		`WARROOM_GRAFANA_SECRET: must not contain white space (value not shown)`,
		`WARROOM_WEBHOOK_TOKEN: must not contain white space (value not shown)`,
		`WARROOM_WEBHOOK_SECRET: must not contain white space (value not shown)`,
		`WARROOM_DATADOG_TOKEN: must not contain white space (value not shown)`,
		"WARROOM_MACKEREL_TOKEN: must be at least 32 characters of letters, digits, '-', '_', '.' and '~', such as the output of `openssl rand -hex 24` (value not shown)",
		`WARROOM_SNS_TOPIC_ARNS: must be an SNS topic ARN such as arn:aws:sns:ap-northeast-1:123456789012:alarms, got "alarms"`,
		`WARROOM_SENTRY_CLIENT_SECRET: must not contain white space (value not shown)`,
		`WARROOM_AZURE_MONITOR_TOKEN: must be only letters, digits and -._~, as it is pasted into the webhook URI unencoded (value not shown)`,
		`WARROOM_PUBLIC_URL: must be an http(s) URL such as https://warroom.example.com, got "warroom.example.com"`,
		`WARROOM_OIDC_ISSUER: must be an https URL such as https://slack.com, got "slack.com"`,
		`WARROOM_OIDC_CLIENT_ID: is required with oidc.issuer, without white space, got "my client"`,
		`WARROOM_OIDC_CLIENT_SECRET: is required with oidc.issuer, without white space (value not shown)`,
		`WARROOM_OIDC_CLAIM: must be a claim name without white space, got "user id"`,
		`WARROOM_OIDC_NAME: must be at most 40 characters, got 41`,
		`WARROOM_OIDC_PLATFORM: must be slack, teams or console, got "pagerduty"`,
		`WARROOM_STATUS_PAGE_TITLE: must be one line of at most 80 characters, got "two\nlines"`,
		`WARROOM_STATUS_PAGE_COMPONENTS: must be a name of 1-40 characters without white space, commas or =, got "Check out"`,
		`WARROOM_STATUS_PAGE_LANGUAGES: must be "ja" or "en", got "fr"`,
		`WARROOM_PAGERDUTY_ROUTING_KEY: must not contain white space (value not shown)`,
		`WARROOM_PAGERDUTY_WEBHOOK_SECRET: must not contain white space (value not shown)`,
		`WARROOM_PAGERDUTY_API_URL: must be an http(s) URL such as "https://events.pagerduty.com", got "events"`,
		`WARROOM_PAGERDUTY_PRIORITIES: must be P1, P2, P3 or P4 (or an alias such as sev1 or critical), got "P9"`,
		`WARROOM_ZOOM_ACCOUNT_ID: must not contain white space, got "a c"`,
		`WARROOM_ZOOM_CLIENT_ID: must not contain white space, got "c d"`,
		`WARROOM_ZOOM_CLIENT_SECRET: must not contain white space (value not shown)`,
		`WARROOM_ZOOM_API_URL: must be an http(s) URL such as "https://api.zoom.us", got "api"`,
		`WARROOM_ZOOM_OAUTH_URL: must be an http(s) URL such as "https://zoom.us", got "oauth"`,
		`WARROOM_ZOOM_PRIORITIES: must be P1, P2, P3 or P4 (or an alias such as sev1 or critical), got "P9"`,
		`WARROOM_JIRA_API_TOKEN: must not contain white space (value not shown)`,
		`WARROOM_JIRA_WEBHOOK_SECRET: must not contain white space (value not shown)`,
		`WARROOM_JIRA_URL: must be an http(s) URL such as "https://acme.atlassian.net" (no user or password in it), got "acme"`,
		`WARROOM_JIRA_EMAIL: is required when jira.url is set: the email of the Atlassian account the API token belongs to`,
		`WARROOM_JIRA_PROJECT: must be a Jira project key such as "OPS" (upper-case letters, digits, underscores), got "ops"`,
		`WARROOM_JIRA_ISSUE_TYPE: must be an issue type's name, one line of at most 60 characters (default "Task"), got "Task\nBug"`,
		`WARROOM_GITHUB_TOKEN: must not contain white space (value not shown)`,
		`WARROOM_GITHUB_WEBHOOK_SECRET: must not contain white space (value not shown)`,
		`WARROOM_GITHUB_REPOSITORY: cannot be set together with jira.url: follow-ups are filed in one tracker, so set up one of Jira, GitHub and Backlog`,
		`WARROOM_GITHUB_API_URL: must be an http(s) URL such as "https://api.github.com" or, for GitHub Enterprise Server, "https://ghe.example.com/api/v3" (no user or password in it), got "api"`,
		"WARROOM_BACKLOG_API_KEY: must not contain white space (value not shown)",
		"WARROOM_BACKLOG_WEBHOOK_TOKEN: must be at least 32 characters of letters, digits, '-', '_', '.' and '~', such as the output of `openssl rand -hex 24` (value not shown)",
		`WARROOM_BACKLOG_URL: cannot be set together with jira.url and github.repository: follow-ups are filed in one tracker, so set up one of Jira, GitHub and Backlog`,
		`WARROOM_BACKLOG_ISSUE_TYPE_ID: is required when backlog.url is set: the numeric id of the issue type follow-ups are filed as`,
		`WARROOM_BACKLOG_PRIORITY_ID: must be a positive priority id (Backlog's Normal is 3), got -1`,
	}, problems(t, path, bad))
}

func TestEnvTable(t *testing.T) {
	want := []string{"WARROOM_CONFIG", "WARROOM_LANG", "WARROOM_TIMEZONE", "WARROOM_ADDR", "WARROOM_METRICS_ADDR", "WARROOM_LOG_LEVEL", "WARROOM_LOG_FORMAT",
		"WARROOM_WORKERS", "WARROOM_QUEUE", "REDIS_URL", "WARROOM_REDIS_EMBEDDED", "WARROOM_REDIS_PREFIX", "WARROOM_SPOOL_PATH",
		"WARROOM_API_TOKEN", "WARROOM_API_OPEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL",
		"SLACK_TEAM_ID", "SLACK_ANNOUNCE_CHANNEL", "MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD",
		"MICROSOFT_APP_TENANT_ID", "MICROSOFT_LOGIN_URL", "MICROSOFT_GRAPH_URL", "TEAMS_OPENID_METADATA_URL",
		"TEAMS_SERVICE_URL", "TEAMS_TEAM_ID", "TEAMS_INCIDENTS_CHANNEL", "TEAMS_ANNOUNCE_CHANNEL",
		"TEAMS_PRIVATE_CHANNEL", "WARROOM_ALERT_PLATFORM", "WARROOM_ALERTMANAGER_TOKEN",
		"WARROOM_GRAFANA_TOKEN", "WARROOM_GRAFANA_SECRET", "WARROOM_WEBHOOK_TOKEN", "WARROOM_WEBHOOK_SECRET",
		"WARROOM_DATADOG_TOKEN", "WARROOM_MACKEREL_TOKEN",
		"WARROOM_SNS_TOPIC_ARNS", "WARROOM_SENTRY_CLIENT_SECRET", "WARROOM_AZURE_MONITOR_TOKEN", "WARROOM_PUBLIC_URL", "WARROOM_OIDC_ISSUER", "WARROOM_OIDC_CLIENT_ID",
		"WARROOM_OIDC_CLIENT_SECRET", "WARROOM_OIDC_CLAIM", "WARROOM_OIDC_PLATFORM", "WARROOM_OIDC_NAME", "WARROOM_ADMINS",
		"WARROOM_FOLLOWUPS_VERIFY_BY_OTHER", "WARROOM_FOLLOWUPS_VERIFY_AFTER",
		"WARROOM_STATUS_PAGE_TITLE", "WARROOM_STATUS_PAGE_COMPONENTS", "WARROOM_STATUS_PAGE_LANGUAGES", "WARROOM_STATUS_PAGE_SHOW_NUMBERS",
		"WARROOM_PAGERDUTY_ROUTING_KEY", "WARROOM_PAGERDUTY_WEBHOOK_SECRET", "WARROOM_PAGERDUTY_PRIORITIES", "WARROOM_PAGERDUTY_API_URL",
		"WARROOM_ZOOM_ACCOUNT_ID", "WARROOM_ZOOM_CLIENT_ID", "WARROOM_ZOOM_CLIENT_SECRET", "WARROOM_ZOOM_PRIORITIES", "WARROOM_ZOOM_API_URL", "WARROOM_ZOOM_OAUTH_URL",
		"WARROOM_JIRA_URL", "WARROOM_JIRA_EMAIL", "WARROOM_JIRA_API_TOKEN", "WARROOM_JIRA_PROJECT", "WARROOM_JIRA_ISSUE_TYPE", "WARROOM_JIRA_WEBHOOK_SECRET",
		"WARROOM_GITHUB_REPOSITORY", "WARROOM_GITHUB_TOKEN", "WARROOM_GITHUB_API_URL", "WARROOM_GITHUB_WEBHOOK_SECRET",
		"WARROOM_BACKLOG_URL", "WARROOM_BACKLOG_API_KEY", "WARROOM_BACKLOG_PROJECT_ID", "WARROOM_BACKLOG_ISSUE_TYPE_ID", "WARROOM_BACKLOG_PRIORITY_ID", "WARROOM_BACKLOG_WEBHOOK_TOKEN"}
	var names []string
	fields := map[string]bool{}
	for _, e := range Env {
		names = append(names, e.Name)
		require.NotEmpty(t, e.Help, e.Name)
		// EnvTable's cells hold them verbatim: a | or a line break would
		// break the Markdown table.
		require.NotContains(t, e.Help+e.Default, "|", e.Name)
		require.NotContains(t, e.Help+e.Default, "\n", e.Name)
		if e.Name == EnvConfig {
			continue
		}
		require.NotNil(t, e.set, e.Name)
		require.False(t, fields[e.Field], "two variables set %s", e.Field)
		fields[e.Field] = true
	}
	require.Equal(t, want, names)
}

func TestSpool(t *testing.T) {
	path := writeFile(t, `
spool:
  path: /var/lib/warroom/spool.jsonl
  max_bytes: 1048576
`)
	c, err := Load(path, env(map[string]string{"REDIS_URL": "redis://redis:6379"}), known)
	require.NoError(t, err)
	require.Equal(t, Spool{Path: "/var/lib/warroom/spool.jsonl", MaxBytes: 1 << 20}, c.Spool)
	require.True(t, c.SpoolEnabled())

	c, err = Load(path, env(map[string]string{"REDIS_URL": "redis://redis:6379", "WARROOM_SPOOL_PATH": "off"}), known)
	require.NoError(t, err)
	require.Equal(t, "off", c.Spool.Path)
	require.False(t, c.SpoolEnabled())

	c, err = Load("", env(map[string]string{"REDIS_URL": "redis://redis:6379"}), known)
	require.NoError(t, err)
	require.True(t, c.SpoolEnabled(), "on by default with an external Redis")

	require.Equal(t, []string{
		`spool.max_bytes: must be between 65536 (64 KiB) and 1099511627776 (1 TiB) bytes, got 1000`,
		`spool.path: must be a file path (or "off"), got " spool "`,
	}, problems(t, writeFile(t, "spool:\n  path: \" spool \"\n  max_bytes: 1000\n"), nil))
}

func TestRedisURL(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"redis://localhost:6379", ""},
		{"rediss://user:p%40ss@redis.example.com:6380/3", ""},
		{"localhost:6379", "must start with redis:// or rediss://"},
		{"redis://:pa ss%zz@host", "is not a valid URL; percent-encode special characters in the password"},
		{"redis:///0", "must name a host, as in redis://host:6379/0"},
		{"redis://host:6379/zero", "must end in a database number, as in redis://host:6379/0"},
	} {
		t.Run(tt.url, func(t *testing.T) {
			require.Equal(t, tt.want, redisURLProblem(tt.url))
		})
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	c, err := Load("", env(map[string]string{
		"REDIS_URL":         "redis://:hunter2@host:6379",
		"WARROOM_API_TOKEN": "tok-xyz",
	}), known)
	require.NoError(t, err)
	require.Equal(t, "redis://:hunter2@host:6379", c.Redis.URL.Reveal())
	require.Equal(t, "tok-xyz", c.API.Token.Reveal())

	js, err := json.Marshal(c)
	require.NoError(t, err)
	shown := map[string]string{
		"%q secret": fmt.Sprintf("%q", c.API.Token),
		"%x secret": fmt.Sprintf("%x", c.API.Token),
		"%10s":      fmt.Sprintf("%10s", c.Redis.URL),
		"String":    c.Redis.URL.String() + c.API.Token.GoString(),
		"json":      strings.ReplaceAll(strings.ReplaceAll(string(js), `\u003c`, "<"), `\u003e`, ">"),
		"Redacted":  c.Redacted(),
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		shown[verb] = fmt.Sprintf(verb, c)
		shown[verb+" value"] = fmt.Sprintf(verb, *c)
	}
	for how, s := range shown {
		require.NotContains(t, s, "hunter2", how)
		require.NotContains(t, s, "tok-xyz", how)
		require.Contains(t, s, "<redacted>", how)
	}
	require.Contains(t, c.Redacted(), "url: <redacted>")
	require.Contains(t, string(js), `"URL":"\u003credacted\u003e"`)

	// Nor in problems: from the environment or from a file.
	for _, lines := range [][]string{
		problems(t, "", map[string]string{"REDIS_URL": "http://:hunter2@host:6379"}),
		problems(t, "", map[string]string{"REDIS_URL": "redis://:hunter2%zz@host:6379"}),
		problems(t, "testdata/bad_redis_scheme.yml", nil),
	} {
		require.Len(t, lines, 1)
		require.NotContains(t, lines[0], "hunter2")
	}
}

func TestSecretFormats(t *testing.T) {
	s := Secret("x")
	require.Equal(t, "<redacted>", s.String())
	require.Equal(t, `"<redacted>"`, s.GoString())
	require.Equal(t, `"<redacted>"`, fmt.Sprintf("%q", s))
	require.Equal(t, `"<redacted>"`, fmt.Sprintf("%#v", s))
	text, err := s.MarshalText()
	require.NoError(t, err)
	require.Equal(t, "<redacted>", string(text))
	y, err := s.MarshalYAML()
	require.NoError(t, err)
	require.Equal(t, "<redacted>", y)

	// An empty secret shows as empty, so "not configured" stays visible.
	var empty Secret
	require.Equal(t, "", fmt.Sprintf("%v", empty))
	js, err := json.Marshal(empty)
	require.NoError(t, err)
	require.Equal(t, `""`, string(js))
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		90 * time.Second:                "1m30s",
		10 * time.Minute:                "10m",
		4 * time.Hour:                   "4h",
		90 * time.Minute:                "1h30m",
		time.Hour + 5*time.Second:       "1h0m5s",
		0:                               "0s",
		1500 * time.Millisecond:         "1.5s",
		24*time.Hour + 30*time.Minute:   "24h30m",
		-5 * time.Minute:                "-5m",
		2*time.Hour + 30*time.Second:    "2h0m30s",
		30*time.Minute + 10*time.Second: "30m10s",
	} {
		require.Equal(t, want, Duration(d).String(), d.String())
	}
	var d Duration
	require.NoError(t, d.UnmarshalText([]byte("4h")))
	require.Equal(t, Duration(4*time.Hour), d)
	require.EqualError(t, d.UnmarshalText([]byte("4")), `must be a duration such as 90s, 10m, 4h or 14d, got "4"`)
}

func TestPriorityAliases(t *testing.T) {
	c, err := Load("testdata/aliases.yml", nil, known)
	require.NoError(t, err)
	require.Equal(t, map[string]PriorityLevel{
		"P1": {Criteria: "Everything is down.", UpdateEvery: Duration(30 * time.Minute)},
		"P2": {UpdateEvery: Duration(2 * time.Hour)},
		"P3": {UpdateEvery: Duration(4 * time.Hour)},
		"P4": {Name: "Meh", UpdateEvery: Duration(24 * time.Hour)},
	}, c.Priorities)
	require.Equal(t, "Everything is down.", c.Level(bot.P1).Criteria)
	require.Equal(t, Duration(2*time.Hour), c.Level(bot.P2).UpdateEvery)
	require.Equal(t, PriorityLevel{}, c.Level(0))

	// A hand-built Config still has the default intervals.
	require.Equal(t, Duration(time.Hour), (&Config{}).Level(bot.P2).UpdateEvery)
}

func TestAllRoles(t *testing.T) {
	c, err := Load(writeFile(t, "roles:\n  - name: database\n  - name: customer-support\n"), nil, known)
	require.NoError(t, err)
	require.Equal(t, []bot.Role{"commander", "communications", "scribe", "operations", "database", "customer-support"}, c.AllRoles())
	require.Equal(t, bot.BuiltinRoles, (&Config{}).AllRoles())

	// The result is a copy: changing it changes neither bot nor c.
	roles := c.AllRoles()
	roles[0] = "x"
	require.Equal(t, bot.RoleCommander, c.AllRoles()[0])
	require.Equal(t, bot.RoleCommander, bot.BuiltinRoles[0])
}

func TestAllowed(t *testing.T) {
	def := Default()
	for _, a := range Actions {
		want := []string{"anyone"}
		switch a {
		case "resolve", "close", "decline":
			want = []string{"commander", "admins"}
		case "components", "public_update":
			want = []string{"role:communications", "commander", "admins"}
		}
		require.Equal(t, want, def.Allowed(a), a)
		require.Equal(t, want, (&Config{}).Allowed(a), "zero Config: %s", a)
	}
	unknown := def.Allowed("launch-missiles")
	require.NotNil(t, unknown)
	require.Empty(t, unknown)

	c, err := Load(writeFile(t, `
roles: [{name: database}]
policy:
  close: [role:ic, role:Database, user:U0123]
  declare: [admins]
`), nil, known)
	require.NoError(t, err)
	require.Equal(t, []string{"role:commander", "role:database", "user:U0123"}, c.Allowed("close"))
	require.Equal(t, []string{"admins"}, c.Allowed("declare"))
	require.Equal(t, []string{"commander", "admins"}, c.Allowed("resolve"))

	got := c.Allowed("declare")
	got[0] = "anyone"
	require.Equal(t, []string{"admins"}, c.Allowed("declare"), "Allowed returns a copy")
}

func TestExample(t *testing.T) {
	c, err := Load("example.yml", env(nil), known)
	require.NoError(t, err)
	require.Equal(t, "ja", c.Lang)
	require.Equal(t, "Customer-facing outage or data loss; all hands, status page updated.", c.Level(bot.P1).Criteria)
	require.Len(t, c.AllRoles(), len(bot.BuiltinRoles)+2)

	// The redacted dump of a config without secrets loads back to the same
	// config: it shows everything that is in effect.
	again, err := Load(writeFile(t, c.Redacted()), env(nil), known)
	require.NoError(t, err)
	require.Equal(t, c, again)
}

// TestBotFrameworkNames: the names Bot Framework SDKs read set the Teams
// credentials when Warroom's own are unset, and a problem names the one read.
func TestBotFrameworkNames(t *testing.T) {
	guid := "11111111-2222-3333-4444-555555555555"
	c, err := Load("", env(map[string]string{"MicrosoftAppId": guid, "MicrosoftAppPassword": "pw", "MicrosoftAppTenantId": guid,
		"TEAMS_TEAM_ID": guid}), known)
	require.NoError(t, err)
	require.Equal(t, guid, c.Teams.AppID)
	require.Equal(t, "pw", c.Teams.AppPassword.Reveal())
	require.Equal(t, guid, c.Teams.TenantID)
	c, err = Load("", env(map[string]string{"MICROSOFT_APP_ID": guid, "MicrosoftAppId": "other", "MicrosoftAppPassword": "pw",
		"MicrosoftAppTenantId": guid, "TEAMS_TEAM_ID": guid}), known)
	require.NoError(t, err)
	require.Equal(t, guid, c.Teams.AppID, "Warroom's own name wins")
	_, err = Load("", env(map[string]string{"MicrosoftAppId": "nope", "MicrosoftAppPassword": "pw", "MicrosoftAppTenantId": guid, "TEAMS_TEAM_ID": guid}), known)
	require.EqualError(t, err, `MicrosoftAppId: must be the Microsoft App ID, a GUID, got "nope"`)
}

func TestFollowups(t *testing.T) {
	c, err := Load("", env(nil), known)
	require.NoError(t, err)
	require.True(t, c.Followups.VerifyByOther, "on by default")
	require.Zero(t, c.Followups.VerifyAfter, "never asks by default")

	c, err = Load(writeFile(t, "followups:\n  verify_by_other: false\n  verify_after: 14d\n"), env(nil), known)
	require.NoError(t, err)
	require.False(t, c.Followups.VerifyByOther, "false given explicitly is kept")
	require.Equal(t, Duration(14*24*time.Hour), c.Followups.VerifyAfter)
	require.Contains(t, c.Redacted(), "verify_after: 14d")

	c, err = Load("", env(map[string]string{"WARROOM_FOLLOWUPS_VERIFY_AFTER": "1d12h", "WARROOM_FOLLOWUPS_VERIFY_BY_OTHER": "false"}), known)
	require.NoError(t, err)
	require.Equal(t, Duration(36*time.Hour), c.Followups.VerifyAfter)
	require.False(t, c.Followups.VerifyByOther)

	for _, tc := range []struct{ yml, want string }{
		{"followups:\n  verify_after: -1d\n", "followups.verify_after: must be 0 (never ask) or more, such as 14d, got -24h"},
		{"followups:\n  verify_after: 2dd\n", `followups.verify_after: must be a duration such as 90s, 10m, 4h or 14d, got "2dd" (line 2)`},
		{"followups:\n  verify_after: 1d-2h\n", `followups.verify_after: must be a duration such as 90s, 10m, 4h or 14d, got "1d-2h" (line 2)`},
	} {
		_, err := Load(writeFile(t, tc.yml), env(nil), known)
		require.EqualError(t, err, tc.want)
	}
}

func TestMergeKeysAndAliases(t *testing.T) {
	// Fields reached through an anchor are present, so defaults do not
	// replace them; mistakes in them are still named by field.
	c, err := Load(writeFile(t, `
base: &base
  update_every: 2h
`+"\n"), nil, known)
	require.Nil(t, c)
	require.EqualError(t, err, "base: unknown field (line 2); known fields: lang, timezone, addr, metrics_addr, log_level, log_format, workers, queue, redis, api, slack, teams, channels, priorities, roles, admins, policy, reminders, alerts, public_url, oidc, postmortem, spool, followups, status_page, pagerduty, zoom, jira, github, backlog")

	c, err = Load(writeFile(t, `
priorities:
  P1: &slow
    update_every: 3h
  P2: *slow
  P3:
    <<: *slow
    name: Medium
`), nil, known)
	require.NoError(t, err)
	require.Equal(t, Duration(3*time.Hour), c.Level(bot.P2).UpdateEvery)
	require.Equal(t, PriorityLevel{Name: "Medium", UpdateEvery: Duration(3 * time.Hour)}, c.Level(bot.P3))
}

func TestDocumentShape(t *testing.T) {
	require.Equal(t, []string{"the file must be a mapping (line 1)"}, problems(t, writeFile(t, "- lang: ja\n"), nil))
	path := writeFile(t, "lang: ja\n---\nlang: en\n")
	require.Equal(t, []string{path + ": holds more than one YAML document; put everything in the first"}, problems(t, path, nil))
}

func TestSlackModes(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"off", nil, nil},
		{"http", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "abc"}, nil},
		{"socket", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, nil},
		{"no way in", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"},
			[]string{"slack.signing_secret: is required for Slack over HTTP; or set slack.app_token for Socket Mode"}},
		{"no bot token", map[string]string{"SLACK_APP_TOKEN": "xapp-1"},
			[]string{"slack.bot_token: is required when slack.app_token or slack.signing_secret is set"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load("", env(tc.env), known)
			if tc.want == nil {
				require.NoError(t, err)
				require.Equal(t, tc.env["SLACK_APP_TOKEN"] != "", c.Slack.SocketMode())
				require.Equal(t, "https://slack.com/api/", c.Slack.APIURL)
				return
			}
			require.EqualError(t, err, strings.Join(tc.want, "\n"))
			require.NotContains(t, err.Error(), "xoxb-1")
		})
	}
	c, err := Load("", env(map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "SLACK_API_URL": "http://127.0.0.1:9/api"}), known)
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:9/api/", c.Slack.APIURL, "a trailing slash is added for slack-go")
	require.NotContains(t, c.Redacted(), "xoxb-1")
}

func TestTopicARN(t *testing.T) {
	for arn, want := range map[string]bool{
		"arn:aws:sns:ap-northeast-1:123456789012:alarms":                      true,
		"arn:aws-cn:sns:cn-north-1:123456789012:alarms.fifo":                  true,
		"arn:aws:sns:ap-northeast-1:123456789012:" + strings.Repeat("a", 256): true,
		"arn:aws:sns:ap-northeast-1:123456789012:" + strings.Repeat("a", 257): false,
		"arn:aws:sns:ap-northeast-1:123456789012:":                            false,
		"arn:aws:sqs:ap-northeast-1:123456789012:alarms":                      false,
		"arn:aws:sns:ap-northeast-1:12345678901:alarms":                       false,
		"alarms": false,
	} {
		if got := topicARN(arn); got != want {
			t.Errorf("topicARN(%q) = %v, want %v", arn, got, want)
		}
	}
}

// The length limits of names, checked apart from their patterns.
func TestNameLengths(t *testing.T) {
	load := func(doc string) error {
		_, err := Load(writeFile(t, doc), nil, known)
		return err
	}
	require.NoError(t, load("channels:\n  prefix: "+strings.Repeat("a", 20)+"\n"))
	require.ErrorContains(t, load("channels:\n  prefix: "+strings.Repeat("a", 21)+"\n"), "channels.prefix: must be 1-20 characters")
	require.ErrorContains(t, load("channels:\n  prefix: \"\"\n"), "channels.prefix")
	require.NoError(t, load("roles:\n  - name: "+strings.Repeat("d", 32)+"\n"))
	require.ErrorContains(t, load("roles:\n  - name: "+strings.Repeat("d", 33)+"\n"), "at most 32 characters")
}

// TestJapaneseDefaultsToTokyo: a Japanese deployment that names no time
// zone shows Japan's time; one that names a zone keeps it.
func TestJapaneseDefaultsToTokyo(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
		env  map[string]string
		want string
	}{
		{"ja in the environment", "", map[string]string{"WARROOM_LANG": "ja"}, "Asia/Tokyo"},
		{"ja in the file", "lang: ja\n", nil, "Asia/Tokyo"},
		{"ja with a zone", "lang: ja\ntimezone: UTC\n", nil, "UTC"},
		{"ja with a zone in the environment", "lang: ja\n", map[string]string{"WARROOM_TIMEZONE": "Europe/Paris"}, "Europe/Paris"},
		{"en", "", map[string]string{"WARROOM_LANG": "en"}, "UTC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			if tc.file != "" {
				path = writeFile(t, tc.file)
			}
			c, err := Load(path, env(tc.env), known)
			require.NoError(t, err)
			require.Equal(t, tc.want, c.Timezone)
			require.Equal(t, tc.want, c.Location().String())
		})
	}
}

// TestKnownNames: the names an alert rule may use are the ones Load is
// given (app's tables), and the messages list exactly those.
func TestKnownNames(t *testing.T) {
	path := writeFile(t, "alerts:\n  platform: teams\n  rules:\n    - {match: {source: nagios}, platform: console}\n")
	_, err := Load(path, nil, Known{AlertSources: []string{"nagios", "zabbix"}, Platforms: []string{"slack", "teams", "console"}})
	require.NoError(t, err, "nagios is a source when the table has it")

	_, err = Load(path, nil, Known{AlertSources: []string{"zabbix"}, Platforms: []string{"slack"}})
	require.EqualError(t, err, "alerts.platform: must be slack, got \"teams\"\n"+
		"alerts.rules[0].match.source: must be zabbix, got \"nagios\"\n"+
		"alerts.rules[0].platform: must be slack, got \"console\"")
}

func TestStatusPage(t *testing.T) {
	c, err := Load("", env(nil), known)
	require.NoError(t, err)
	require.False(t, c.StatusPage.Enabled(), "off unless configured")

	c, err = Load(writeFile(t, "public_url: https://w.example.com\nstatus_page:\n  title: Example\n  components: [Checkout, Login]\n  languages: [en]\n"), env(nil), known)
	require.NoError(t, err)
	require.True(t, c.StatusPage.Enabled())
	require.Equal(t, []string{"en"}, c.StatusPage.Languages)

	c, err = Load("", env(map[string]string{"WARROOM_PUBLIC_URL": "https://w.example.com", "WARROOM_STATUS_PAGE_COMPONENTS": "Checkout,API", "WARROOM_STATUS_PAGE_SHOW_NUMBERS": "true"}), known)
	require.NoError(t, err)
	require.Equal(t, []string{"Checkout", "API"}, c.StatusPage.Components)
	require.Equal(t, []string{"ja", "en"}, c.StatusPage.Languages, "both by default")
	require.True(t, c.StatusPage.ShowNumbers)

	_, err = Load(writeFile(t, "status_page:\n  components: [Checkout, checkout, a=b, none]\n  languages: [fr]\n"), env(nil), known)
	require.Error(t, err)
	for _, want := range []string{
		`status_page.components[1]: "checkout" is listed twice`,
		`status_page.components[2]: must be a name of 1-40 characters without white space, commas or =, got "a=b"`,
		`status_page.components[3]: must not be "none"`,
		`status_page.languages[0]: must be "ja" or "en", got "fr"`,
	} {
		require.Contains(t, err.Error(), want)
	}
}

func TestOIDC(t *testing.T) {
	base := map[string]string{"WARROOM_PUBLIC_URL": "https://warroom.example.com", "WARROOM_OIDC_CLIENT_ID": "cid",
		"WARROOM_OIDC_CLIENT_SECRET": "hunter2sso"}
	with := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	const tenant = "4f1c7b2e-9a3d-4e5f-8b6a-1c2d3e4f5a6b"
	for _, tc := range []struct {
		name, issuer                string
		extra                       map[string]string
		claim, platform, buttonName string
	}{
		{"slack", "https://slack.com", map[string]string{"SLACK_TEAM_ID": "T0ACME1"}, SlackUserClaim, "slack", "Slack"},
		{"entra", "https://login.microsoftonline.com/" + tenant + "/v2.0", nil, "oid", "teams", "Microsoft"},
		{"any issuer", "https://sso.example.com/realms/acme", map[string]string{"WARROOM_OIDC_CLAIM": "slack_id", "WARROOM_OIDC_PLATFORM": "slack"},
			"slack_id", "slack", "sso.example.com"},
		{"named", "https://slack.com", map[string]string{"SLACK_TEAM_ID": "T0ACME1", "WARROOM_OIDC_NAME": "Acme Slack"}, SlackUserClaim, "slack", "Acme Slack"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := with(tc.extra)
			m["WARROOM_OIDC_ISSUER"] = tc.issuer
			c, err := Load("", env(m), known)
			require.NoError(t, err)
			require.True(t, c.OIDC.Enabled())
			claim, platform, name := c.OIDC.Mapping()
			require.Equal(t, []string{tc.claim, tc.platform, tc.buttonName}, []string{claim, platform, name})
			require.Equal(t, "hunter2sso", c.OIDC.ClientSecret.Reveal())
			require.NotContains(t, c.Redacted(), "hunter2sso")
			require.NotContains(t, fmt.Sprintf("%+v", c), "hunter2sso")
		})
	}

	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"off without an issuer", map[string]string{"WARROOM_OIDC_CLIENT_ID": "cid"},
			[]string{"oidc.issuer: is required when any other oidc field is set"}},
		{"common is not an issuer", with(map[string]string{"WARROOM_OIDC_ISSUER": "https://login.microsoftonline.com/common/v2.0"}),
			[]string{`WARROOM_OIDC_ISSUER: must name the tenant by its ID, https://login.microsoftonline.com/<tenant GUID>/v2.0 (common and organizations are not issuers), got "https://login.microsoftonline.com/common/v2.0"`}},
		{"slack needs the workspace", with(map[string]string{"WARROOM_OIDC_ISSUER": "https://slack.com"}),
			[]string{"slack.team_id: is required with Sign in with Slack: without it a person of any Slack workspace could sign in"}},
		{"any issuer needs a claim and a platform", with(map[string]string{"WARROOM_OIDC_ISSUER": "https://sso.example.com"}),
			[]string{"oidc.claim: is required for an issuer other than Slack or Entra ID: the ID token claim holding the chat user ID",
				`oidc.platform: must be slack, teams or console, got ""`}},
		{"plain http only on loopback", with(map[string]string{"WARROOM_OIDC_ISSUER": "http://sso.example.com", "WARROOM_OIDC_CLAIM": "sub", "WARROOM_OIDC_PLATFORM": "slack"}),
			[]string{`WARROOM_OIDC_ISSUER: must be an https URL such as https://slack.com, got "http://sso.example.com"`}},
		{"needs the public URL and the client", map[string]string{"WARROOM_OIDC_ISSUER": "https://login.microsoftonline.com/" + tenant + "/v2.0"},
			[]string{"public_url: is required with oidc.issuer: the identity provider sends people back to <public_url>/signin/oidc/callback",
				`oidc.client_id: is required with oidc.issuer, without white space, got ""`,
				"oidc.client_secret: is required with oidc.issuer, without white space (value not shown)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := problems(t, "", tc.env)
			require.Equal(t, tc.want, got)
			for _, line := range got {
				require.NotContains(t, line, "hunter2sso")
			}
		})
	}
	c, err := Load("", env(with(map[string]string{"WARROOM_OIDC_ISSUER": "http://127.0.0.1:5556/dex", "WARROOM_OIDC_CLAIM": "sub", "WARROOM_OIDC_PLATFORM": "console"})), known)
	require.NoError(t, err, "a local issuer may be plain http")
	require.Equal(t, "127.0.0.1:5556", func() string { _, _, n := c.OIDC.Mapping(); return n }())
}

// TestEveryActionIsNamedForPeople: a refusal ("You may not {action} this
// incident") names the action in words, in both languages, so every
// policy action has its phrase in the catalog.
func TestEveryActionIsNamedForPeople(t *testing.T) {
	for _, a := range Actions {
		require.True(t, bot.Has("action."+a), "action.%s is missing from the catalog", a)
		require.NotEqual(t, bot.T(bot.English, "action."+a), bot.T(bot.Japanese, "action."+a), "action.%s needs its Japanese", a)
	}
}

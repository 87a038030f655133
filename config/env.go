package config

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// EnvConfig names the config file when Load is given no path.
const EnvConfig = "WARROOM_CONFIG"

// EnvVar is one environment variable Load reads. EnvTable prints Env as
// the table of `warroom config env`, which the README holds verbatim (a
// test keeps them equal).
type EnvVar struct {
	// Name is the variable, e.g. "WARROOM_LANG".
	Name string
	// Field is the YAML path the variable overrides, e.g. "lang"; "" when it
	// overrides none (WARROOM_CONFIG).
	Field string
	// Help says what the variable does: the table's meaning column, in
	// Markdown, one line.
	Help string
	// Default is the value in effect when neither the variable nor the
	// file sets one, in Markdown; "" when there is none.
	Default string
	// Secret marks a credential: its value is never echoed in a Problem.
	Secret bool
	// Aliases are other names read, in order, when Name is unset: the
	// names another ecosystem's tools already use (Bot Framework SDKs read
	// MicrosoftAppId). A Problem names the variable actually read.
	Aliases []string

	// set stores a non-empty value into the Config; nil for variables Load
	// reads itself. The error's text becomes the Problem's message, so it
	// must not contain the value of a Secret variable.
	set func(c *Config, v string) error
}

// Env lists every environment variable this package reads, in the order
// they are applied. A variable that is unset or empty leaves the file's
// value (or the default) in place; a set one replaces it entirely (for
// lists too). Values are trimmed of surrounding white space.
//
// To add a variable, add a row: the setter helpers below cover strings,
// integers, secrets and comma-separated lists.
var Env = []EnvVar{
	{Name: EnvConfig, Help: "path of the YAML file when `--config` is not given"},
	{Name: "WARROOM_LANG", Field: "lang", Default: "`en`", Help: "language of the bot's messages: `ja` or `en` (a platform's user locale wins when it tells one)",
		set: setString(func(c *Config) *string { return &c.Lang })},
	{Name: "WARROOM_TIMEZONE", Field: "timezone", Default: "`UTC`; `Asia/Tokyo` when the language is `ja`",
		Help: "IANA time zone of times shown to people, e.g. `Asia/Tokyo`: the card, topic and channel posts everyone sees. What only one person sees (`timeline`, `summary`, `search`, `stats`) is in their own language and, on Slack, their own time zone (`users.info` `tz`)",
		set:  setString(func(c *Config) *string { return &c.Timezone })},
	{Name: "WARROOM_ADDR", Field: "addr", Default: "`:8080`", Help: "HTTP listen address (the console, left at the default, takes a free loopback port)",
		set: setString(func(c *Config) *string { return &c.Addr })},
	{Name: "WARROOM_METRICS_ADDR", Field: "metrics_addr", Help: "a second listener, host:port, serving only `/metrics`, `/healthz` and `/readyz`; set, `/metrics` leaves `WARROOM_ADDR`",
		set: setString(func(c *Config) *string { return &c.MetricsAddr })},
	{Name: "WARROOM_LOG_LEVEL", Field: "log_level", Default: "`info`", Help: "`debug`, `info`, `warn`, `error`",
		set: setString(func(c *Config) *string { return &c.LogLevel })},
	{Name: "WARROOM_LOG_FORMAT", Field: "log_format", Default: "`json` for `serve`, `text` for `console` and `export`", Help: "`text` or `json`: log lines as readable text or as JSON (zap), for every subcommand",
		set: setString(func(c *Config) *string { return &c.LogFormat })},
	{Name: "WARROOM_WORKERS", Field: "workers", Default: "`16`", Help: "event handlers running at once (1–1024)",
		set: setInt(func(c *Config) *int { return &c.Workers })},
	{Name: "WARROOM_QUEUE", Field: "queue", Default: "`4096`", Help: "events waiting in memory (1–100000; about 300 bytes each while waiting); beyond it they wait in Redis, and only alerts are refused as busy (see [Redis](#redis))",
		set: setInt(func(c *Config) *int { return &c.Queue })},
	{Name: "REDIS_URL", Field: "redis.url", Secret: true, Default: "embedded",
		Help: "`redis://[user:password@]host:port[/db]`, `rediss://` for TLS; Cluster and Sentinel: see [Redis](#redis); unset, the console runs an in-memory Redis and `serve` refuses to start (unless `WARROOM_REDIS_EMBEDDED=true`)",
		set:  setSecret(func(c *Config) *Secret { return &c.Redis.URL })},
	{Name: "WARROOM_REDIS_EMBEDDED", Field: "redis.embedded", Default: "`false`", Help: "`true` (or `serve --embedded-redis`) lets `serve` run on the in-memory Redis: every incident is lost when it stops",
		set: setBool(func(c *Config) *bool { return &c.Redis.Embedded })},
	{Name: "WARROOM_REDIS_PREFIX", Field: "redis.prefix", Default: "`warroom:`", Help: "prefix of every key, so deployments can share a Redis",
		set: setString(func(c *Config) *string { return &c.Redis.Prefix })},
	{Name: "WARROOM_SPOOL_PATH", Field: "spool.path", Default: "`$TMPDIR/warroom-spool.jsonl`", Help: "file keeping channel messages while Redis is unreachable (see [Redis](#redis)); `off` turns it off; only with `REDIS_URL`",
		set: setString(func(c *Config) *string { return &c.Spool.Path })},
	{Name: "WARROOM_API_TOKEN", Field: "api.token", Secret: true,
		Help: "bearer token of the read-only API; unset, `serve` refuses to start unless `WARROOM_API_OPEN=true`",
		set:  setSecret(func(c *Config) *Secret { return &c.API.Token })},
	{Name: "WARROOM_API_OPEN", Field: "api.open", Default: "`false`", Help: "`true` lets `serve` run the API without a token, answering anyone who reaches it (logged at start)",
		set: setBool(func(c *Config) *bool { return &c.API.Open })},
	{Name: "SLACK_BOT_TOKEN", Field: "slack.bot_token", Secret: true,
		Help: "bot token (`xoxb-…`); set, it enables Slack",
		set:  setSecret(func(c *Config) *Secret { return &c.Slack.BotToken })},
	{Name: "SLACK_SIGNING_SECRET", Field: "slack.signing_secret", Secret: true,
		Help: "verifies HTTP requests from Slack (required unless Socket Mode)",
		set:  setSecret(func(c *Config) *Secret { return &c.Slack.SigningSecret })},
	{Name: "SLACK_APP_TOKEN", Field: "slack.app_token", Secret: true,
		Help: "app-level token (`xapp-…`, `connections:write`); set, Slack is reached over Socket Mode",
		set:  setSecret(func(c *Config) *Secret { return &c.Slack.AppToken })},
	{Name: "SLACK_API_URL", Field: "slack.api_url", Default: "`https://slack.com/api/`", Help: "Web API base, for a test server or a proxy",
		set: setString(func(c *Config) *string { return &c.Slack.APIURL })},
	{Name: "SLACK_TEAM_ID", Field: "slack.team_id", Help: "workspace ID (`T…`); requests from any other workspace are refused (403)",
		set: setString(func(c *Config) *string { return &c.Slack.TeamID })},
	{Name: "SLACK_ANNOUNCE_CHANNEL", Field: "slack.announce_channel", Help: "channel ID that receives declarations, status changes and updates, with a link to the incident channel",
		set: setString(func(c *Config) *string { return &c.Slack.AnnounceChannel })},
	{Name: "MICROSOFT_APP_ID", Field: "teams.app_id", Aliases: []string{"MicrosoftAppId"}, Help: "the Azure Bot's app ID (a GUID); set, it enables Teams",
		set: setString(func(c *Config) *string { return &c.Teams.AppID })},
	{Name: "MICROSOFT_APP_PASSWORD", Field: "teams.app_password", Secret: true, Aliases: []string{"MicrosoftAppPassword"},
		Help: "its client secret",
		set:  setSecret(func(c *Config) *Secret { return &c.Teams.AppPassword })},
	{Name: "MICROSOFT_APP_TENANT_ID", Field: "teams.tenant_id", Aliases: []string{"MicrosoftAppTenantId"}, Help: "its tenant (single-tenant app)",
		set: setString(func(c *Config) *string { return &c.Teams.TenantID })},
	{Name: "MICROSOFT_LOGIN_URL", Field: "teams.login_url", Default: "`https://login.microsoftonline.com`", Help: "token endpoint base (tests, proxies)",
		set: setString(func(c *Config) *string { return &c.Teams.LoginURL })},
	{Name: "MICROSOFT_GRAPH_URL", Field: "teams.graph_url", Default: "`https://graph.microsoft.com`", Help: "Graph base (tests, proxies)",
		set: setString(func(c *Config) *string { return &c.Teams.GraphURL })},
	{Name: "TEAMS_OPENID_METADATA_URL", Field: "teams.openid_metadata_url", Default: "Bot Framework's", Help: "OpenID metadata whose keys verify inbound tokens",
		set: setString(func(c *Config) *string { return &c.Teams.MetadataURL })},
	{Name: "TEAMS_SERVICE_URL", Field: "teams.service_url", Default: "`https://smba.trafficmanager.net/teams/`", Help: "Bot Connector for conversations Warroom starts; replaced by the one inbound activities carry",
		set: setString(func(c *Config) *string { return &c.Teams.ServiceURL })},
	{Name: "TEAMS_TEAM_ID", Field: "teams.team_id", Help: "group ID of the team where incident channels are created",
		set: setString(func(c *Config) *string { return &c.Teams.TeamID })},
	{Name: "TEAMS_INCIDENTS_CHANNEL", Field: "teams.incidents_channel", Help: "channel (`19:…@thread.tacv2`) holding incidents as threads when no channel can be created",
		set: setString(func(c *Config) *string { return &c.Teams.IncidentsChannel })},
	{Name: "TEAMS_ANNOUNCE_CHANNEL", Field: "teams.announce_channel", Help: "channel that receives declarations and status updates",
		set: setString(func(c *Config) *string { return &c.Teams.AnnounceChannel })},
	{Name: "TEAMS_PRIVATE_CHANNEL", Field: "teams.private_channel", Help: "restricted standard channel whose threads hold private incidents",
		set: setString(func(c *Config) *string { return &c.Teams.PrivateChannel })},
	{Name: "WARROOM_ALERT_PLATFORM", Field: "alerts.platform", Default: "first chat platform", Help: "where alerts open incidents: `slack`, `teams`, `console`",
		set: setString(func(c *Config) *string { return &c.Alerts.Platform })},
	{Name: "WARROOM_ALERTMANAGER_TOKEN", Field: "alerts.alertmanager.token", Secret: true,
		Help: "bearer token Alertmanager sends; set, it enables `POST /alerts/alertmanager`",
		set:  setSecret(func(c *Config) *Secret { return &c.Alerts.Alertmanager.Token })},
	{Name: "WARROOM_GRAFANA_TOKEN", Field: "alerts.grafana.token", Secret: true,
		Help: "bearer token Grafana sends; set, it enables `POST /alerts/grafana`",
		set:  setSecret(func(c *Config) *Secret { return &c.Alerts.Grafana.Token })},
	{Name: "WARROOM_GRAFANA_SECRET", Field: "alerts.grafana.secret", Secret: true,
		Help: "HMAC secret of Grafana's `X-Grafana-Alerting-Signature` (instead of the token); set, it enables `POST /alerts/grafana`",
		set:  setSecret(func(c *Config) *Secret { return &c.Alerts.Grafana.Secret })},
	{Name: "WARROOM_WEBHOOK_TOKEN", Field: "alerts.webhook.token", Secret: true,
		Help: "bearer token of the generic webhook; set, it enables `POST /alerts/webhook`",
		set:  setSecret(func(c *Config) *Secret { return &c.Alerts.Webhook.Token })},
	{Name: "WARROOM_WEBHOOK_SECRET", Field: "alerts.webhook.secret", Secret: true,
		Help: "HMAC secret of the webhook's `X-Warroom-Signature: sha256=<hex>` (instead of the token); set, it enables `POST /alerts/webhook`",
		set:  setSecret(func(c *Config) *Secret { return &c.Alerts.Webhook.Secret })},
	{Name: "WARROOM_DATADOG_TOKEN", Field: "alerts.datadog.token", Secret: true,
		Help: "bearer token of the Datadog webhook's Custom Headers; set, it enables `POST /alerts/datadog`",
		set:  setSecret(func(c *Config) *Secret { return &c.Alerts.Datadog.Token })},
	{Name: "WARROOM_MACKEREL_TOKEN", Field: "alerts.mackerel.token", Secret: true,
		Help: "token in the Mackerel webhook channel's URL (`?token=`), at least 32 URL-safe characters; set, it enables `POST /alerts/mackerel`",
		set:  setSecret(func(c *Config) *Secret { return &c.Alerts.Mackerel.Token })},
	{Name: "WARROOM_SNS_TOPIC_ARNS", Field: "alerts.cloudwatch.topic_arns",
		Help: "comma-separated SNS topics accepted; set, it enables `POST /alerts/cloudwatch`",
		set:  setList(func(c *Config) *[]string { return &c.Alerts.CloudWatch.TopicARNs })},
	{Name: "WARROOM_SENTRY_CLIENT_SECRET", Field: "alerts.sentry.client_secret", Secret: true,
		Help: "Client Secret of the Sentry integration, the key of `Sentry-Hook-Signature`; set, it enables `POST /alerts/sentry`",
		set:  setSecret(func(c *Config) *Secret { return &c.Alerts.Sentry.ClientSecret })},
	{Name: "WARROOM_AZURE_MONITOR_TOKEN", Field: "alerts.azure.token", Secret: true,
		Help: "token of the action group's webhook URI (`/alerts/azure?token=…`; letters, digits, `-._~`); set, it enables `POST /alerts/azure`",
		set:  setSecret(func(c *Config) *Secret { return &c.Alerts.Azure.Token })},
	{Name: "WARROOM_PUBLIC_URL", Field: "public_url", Help: "where people reach this Warroom: the base of the web pages' sign-in links (which `serve` serves only when it is set) and of links to postmortem drafts",
		set: setString(func(c *Config) *string { return &c.PublicURL })},
	{Name: "WARROOM_OIDC_ISSUER", Field: "oidc.issuer", Help: "OpenID Connect issuer of the web pages' \"Sign in with …\" button: `https://slack.com`, `https://login.microsoftonline.com/<tenant>/v2.0` or any ([how](#signing-in-with-slack-entra-id-or-another-openid-connect-issuer))",
		set: setString(func(c *Config) *string { return &c.OIDC.Issuer })},
	{Name: "WARROOM_OIDC_CLIENT_ID", Field: "oidc.client_id", Help: "client ID of the app registered with the issuer",
		set: setString(func(c *Config) *string { return &c.OIDC.ClientID })},
	{Name: "WARROOM_OIDC_CLIENT_SECRET", Field: "oidc.client_secret", Secret: true,
		Help: "client secret of that app (never shown)",
		set:  setSecret(func(c *Config) *Secret { return &c.OIDC.ClientSecret })},
	{Name: "WARROOM_OIDC_CLAIM", Field: "oidc.claim", Default: "Slack: `https://slack.com/user_id`; Entra: `oid`", Help: "the ID token claim holding the chat user ID",
		set: setString(func(c *Config) *string { return &c.OIDC.Claim })},
	{Name: "WARROOM_OIDC_PLATFORM", Field: "oidc.platform", Default: "Slack: `slack`; Entra: `teams`", Help: "chat platform of that user ID: `slack`, `teams` or `console`",
		set: setString(func(c *Config) *string { return &c.OIDC.Platform })},
	{Name: "WARROOM_OIDC_NAME", Field: "oidc.name", Default: "`Slack`, `Microsoft`, or the issuer's host", Help: "the button's \"Sign in with <name>\"",
		set: setString(func(c *Config) *string { return &c.OIDC.Name })},
	{Name: "WARROOM_ADMINS", Field: "admins", Help: "comma-separated platform user IDs that may do anything",
		set: setList(func(c *Config) *[]string { return &c.Admins })},
	{Name: "WARROOM_FOLLOWUPS_VERIFY_BY_OTHER", Field: "followups.verify_by_other", Default: "`true`", Help: "verifying a follow-up needs someone other than who marked it done",
		set: setBool(func(c *Config) *bool { return &c.Followups.VerifyByOther })},
	{Name: "WARROOM_FOLLOWUPS_VERIFY_AFTER", Field: "followups.verify_after", Default: "`0` (never)", Help: "this long after a follow-up is done (e.g. `14d`; durations take days), its owner or the commander is asked once whether it worked",
		set: setDuration(func(c *Config) *Duration { return &c.Followups.VerifyAfter })},
	{Name: "WARROOM_STATUS_PAGE_TITLE", Field: "status_page.title", Default: "\"Status\" / 稼働状況", Help: "the public status page's title",
		set: setString(func(c *Config) *string { return &c.StatusPage.Title })},
	{Name: "WARROOM_STATUS_PAGE_COMPONENTS", Field: "status_page.components", Default: "— (off)", Help: "comma-separated components of the public [status page](#status-page) (e.g. `Checkout,Login,API`); set, `/status` is on",
		set: setList(func(c *Config) *[]string { return &c.StatusPage.Components })},
	{Name: "WARROOM_STATUS_PAGE_LANGUAGES", Field: "status_page.languages", Default: "`ja,en`", Help: "comma-separated languages of the status page, `ja` and/or `en`",
		set: setList(func(c *Config) *[]string { return &c.StatusPage.Languages })},
	{Name: "WARROOM_STATUS_PAGE_SHOW_NUMBERS", Field: "status_page.show_numbers", Default: "`false`", Help: "whether the status page shows incident numbers",
		set: setBool(func(c *Config) *bool { return &c.StatusPage.ShowNumbers })},
	{Name: "WARROOM_PAGERDUTY_ROUTING_KEY", Field: "pagerduty.routing_key", Secret: true,
		Help: "Events API v2 integration key of the PagerDuty service to page; set, [PagerDuty paging](#pagerduty) is on",
		set:  setSecret(func(c *Config) *Secret { return &c.PagerDuty.RoutingKey })},
	{Name: "WARROOM_PAGERDUTY_WEBHOOK_SECRET", Field: "pagerduty.webhook_secret", Secret: true,
		Help: "signing secret of the Webhooks v3 subscription; set, `POST /integrations/pagerduty` takes PagerDuty's acknowledgements",
		set:  setSecret(func(c *Config) *Secret { return &c.PagerDuty.WebhookSecret })},
	{Name: "WARROOM_PAGERDUTY_PRIORITIES", Field: "pagerduty.priorities", Default: "`P1`", Help: "comma-separated priorities that page on-call, e.g. `P1,P2`",
		set: setList(func(c *Config) *[]string { return &c.PagerDuty.Priorities })},
	{Name: "WARROOM_PAGERDUTY_API_URL", Field: "pagerduty.api_url", Default: "`https://events.pagerduty.com`", Help: "base URL of PagerDuty's Events API",
		set: setString(func(c *Config) *string { return &c.PagerDuty.APIURL })},
	{Name: "WARROOM_ZOOM_ACCOUNT_ID", Field: "zoom.account_id", Help: "account ID of the Zoom Server-to-Server OAuth app; with the client ID and secret, [Zoom calls](#zoom) are on",
		set: setString(func(c *Config) *string { return &c.Zoom.AccountID })},
	{Name: "WARROOM_ZOOM_CLIENT_ID", Field: "zoom.client_id", Help: "client ID of the Zoom Server-to-Server OAuth app",
		set: setString(func(c *Config) *string { return &c.Zoom.ClientID })},
	{Name: "WARROOM_ZOOM_CLIENT_SECRET", Field: "zoom.client_secret", Secret: true, Help: "client secret of the Zoom Server-to-Server OAuth app",
		set: setSecret(func(c *Config) *Secret { return &c.Zoom.ClientSecret })},
	{Name: "WARROOM_ZOOM_PRIORITIES", Field: "zoom.priorities", Default: "all", Help: "comma-separated priorities whose declaration starts a Zoom call, e.g. `P1,P2` (`call` starts one at any priority)",
		set: setList(func(c *Config) *[]string { return &c.Zoom.Priorities })},
	{Name: "WARROOM_ZOOM_API_URL", Field: "zoom.api_url", Default: "`https://api.zoom.us`", Help: "base URL of Zoom's REST API",
		set: setString(func(c *Config) *string { return &c.Zoom.APIURL })},
	{Name: "WARROOM_ZOOM_OAUTH_URL", Field: "zoom.oauth_url", Default: "`https://zoom.us`", Help: "base URL of Zoom's OAuth server (tokens)",
		set: setString(func(c *Config) *string { return &c.Zoom.OAuthURL })},
	{Name: "WARROOM_JIRA_URL", Field: "jira.url", Default: "— (off)", Help: "Jira Cloud site, e.g. `https://acme.atlassian.net`; set, [follow-ups are filed in Jira](#jira)",
		set: setString(func(c *Config) *string { return &c.Jira.URL })},
	{Name: "WARROOM_JIRA_EMAIL", Field: "jira.email", Help: "email of the Atlassian account the API token belongs to",
		set: setString(func(c *Config) *string { return &c.Jira.Email })},
	{Name: "WARROOM_JIRA_API_TOKEN", Field: "jira.api_token", Secret: true, Help: "API token of that Atlassian account",
		set: setSecret(func(c *Config) *Secret { return &c.Jira.APIToken })},
	{Name: "WARROOM_JIRA_PROJECT", Field: "jira.project", Help: "key of the Jira project follow-ups are filed in, e.g. `OPS`",
		set: setString(func(c *Config) *string { return &c.Jira.Project })},
	{Name: "WARROOM_JIRA_ISSUE_TYPE", Field: "jira.issue_type", Default: "`Task`", Help: "issue type follow-ups are filed as",
		set: setString(func(c *Config) *string { return &c.Jira.IssueType })},
	{Name: "WARROOM_JIRA_WEBHOOK_SECRET", Field: "jira.webhook_secret", Secret: true,
		Help: "secret of the Jira admin webhook; set, `POST /integrations/jira` follows the issues' status back",
		set:  setSecret(func(c *Config) *Secret { return &c.Jira.WebhookSecret })},
	{Name: "WARROOM_GITHUB_REPOSITORY", Field: "github.repository", Default: "— (off)", Help: "`owner/repo`; set, [follow-ups are filed as GitHub issues](#github-issues) (not together with Jira or Backlog)",
		set: setString(func(c *Config) *string { return &c.GitHub.Repository })},
	{Name: "WARROOM_GITHUB_TOKEN", Field: "github.token", Secret: true, Help: "fine-grained token (Issues: read and write) or classic PAT (`repo`)",
		set: setSecret(func(c *Config) *Secret { return &c.GitHub.Token })},
	{Name: "WARROOM_GITHUB_API_URL", Field: "github.api_url", Default: "`https://api.github.com`", Help: "REST API base; GitHub Enterprise Server: `https://ghe.example.com/api/v3`",
		set: setString(func(c *Config) *string { return &c.GitHub.APIURL })},
	{Name: "WARROOM_GITHUB_WEBHOOK_SECRET", Field: "github.webhook_secret", Secret: true,
		Help: "secret of the repository webhook; set, `POST /integrations/github` follows the issues' closing and reopening back",
		set:  setSecret(func(c *Config) *Secret { return &c.GitHub.WebhookSecret })},
	{Name: "WARROOM_BACKLOG_URL", Field: "backlog.url", Default: "— (off)", Help: "Backlog space, e.g. `https://acme.backlog.jp`; set, [follow-ups are filed as Backlog issues](#backlog) (not together with Jira or GitHub)",
		set: setString(func(c *Config) *string { return &c.Backlog.URL })},
	{Name: "WARROOM_BACKLOG_API_KEY", Field: "backlog.api_key", Secret: true, Help: "API key of the Backlog user issues are filed as",
		set: setSecret(func(c *Config) *Secret { return &c.Backlog.APIKey })},
	{Name: "WARROOM_BACKLOG_PROJECT_ID", Field: "backlog.project_id", Help: "numeric id of the project follow-ups are filed in",
		set: setInt(func(c *Config) *int { return &c.Backlog.ProjectID })},
	{Name: "WARROOM_BACKLOG_ISSUE_TYPE_ID", Field: "backlog.issue_type_id", Help: "numeric id of the issue type follow-ups are filed as",
		set: setInt(func(c *Config) *int { return &c.Backlog.IssueTypeID })},
	{Name: "WARROOM_BACKLOG_PRIORITY_ID", Field: "backlog.priority_id", Default: "`3` (Normal)", Help: "priority id follow-ups are filed with",
		set: setInt(func(c *Config) *int { return &c.Backlog.PriorityID })},
	{Name: "WARROOM_BACKLOG_WEBHOOK_TOKEN", Field: "backlog.webhook_token", Secret: true,
		Help: "token in the project webhook's URL (`?token=`), at least 32 URL-safe characters; set, `POST /integrations/backlog` follows the issues' status back",
		set:  setSecret(func(c *Config) *Secret { return &c.Backlog.WebhookToken })},
}

// EnvTable writes Env as a Markdown table, one row per variable in the
// order they are applied: the variable and the other names read when it
// is unset, the YAML field it overrides, its default and its meaning.
func EnvTable(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| environment | YAML | default | meaning |\n| --- | --- | --- | --- |\n")
	for _, e := range Env {
		name := "`" + e.Name + "`"
		if len(e.Aliases) > 0 {
			name += " (or `" + strings.Join(e.Aliases, "`, `") + "`)"
		}
		field := "—"
		if e.Field != "" {
			field = "`" + e.Field + "`"
		}
		def := e.Default
		if def == "" {
			def = "—"
		}
		b.WriteString("| " + strings.Join([]string{name, field, def, e.Help}, " | ") + " |\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// overlayEnv applies every set variable in Env to c, recording which YAML
// paths now come from the environment so validation names the variable.
func (l *loader) overlayEnv(c *Config, getenv func(string) string) {
	for _, e := range Env {
		if e.set == nil {
			continue
		}
		name, v := e.lookup(getenv)
		if v == "" {
			continue
		}
		l.fromEnv[e.Field] = name
		if err := e.set(c, v); err != nil {
			l.add(e.Field, err.Error())
		}
	}
}

// lookup returns the variable's trimmed value and the name it was read
// under: Name, else the first alias set.
func (e EnvVar) lookup(getenv func(string) string) (string, string) {
	for _, name := range append([]string{e.Name}, e.Aliases...) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return name, v
		}
	}
	return e.Name, ""
}

func setString(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		*field(c) = v
		return nil
	}
}

func setSecret(field func(*Config) *Secret) func(*Config, string) error {
	return func(c *Config, v string) error {
		*field(c) = Secret(v)
		return nil
	}
}

func setInt(field func(*Config) *int) func(*Config, string) error {
	return setParsed(field, strconv.Atoi, "an integer")
}

func setBool(field func(*Config) *bool) func(*Config, string) error {
	return setParsed(field, strconv.ParseBool, "true or false")
}

// setParsed stores parse's value, or says what the value must be (want)
// without parse's own wording.
func setParsed[T any](field func(*Config) *T, parse func(string) (T, error), want string) func(*Config, string) error {
	return func(c *Config, v string) error {
		x, err := parse(v)
		if err != nil {
			return fmt.Errorf("must be %s, got %q", want, v)
		}
		*field(c) = x
		return nil
	}
}

func setDuration(field func(*Config) *Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		return field(c).UnmarshalText([]byte(v))
	}
}

// setList splits a comma-separated value, dropping empty items so that
// "U1, U2," means [U1 U2].
func setList(field func(*Config) *[]string) func(*Config, string) error {
	return func(c *Config, v string) error {
		var items []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		*field(c) = items
		return nil
	}
}

package config

import (
	"fmt"
	"strconv"
	"strings"
)

// EnvConfig names the config file when Load is given no path.
const EnvConfig = "WARROOM_CONFIG"

// EnvVar is one environment variable Load reads. The README's table mirrors
// Env.
type EnvVar struct {
	// Name is the variable, e.g. "WARROOM_LANG".
	Name string
	// Field is the YAML path the variable overrides, e.g. "lang"; "" when it
	// overrides none (WARROOM_CONFIG).
	Field string
	// Help is one line for documentation.
	Help string
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
	{Name: EnvConfig, Help: "Path of the YAML config file, used when --config is not given."},
	{Name: "WARROOM_LANG", Field: "lang", Help: `Language of the bot's messages: "ja" or "en" (default "en").`,
		set: setString(func(c *Config) *string { return &c.Lang })},
	{Name: "WARROOM_TIMEZONE", Field: "timezone", Help: `IANA time zone for times shown to people, e.g. "Asia/Tokyo" (default "UTC", or "Asia/Tokyo" when the language is "ja").`,
		set: setString(func(c *Config) *string { return &c.Timezone })},
	{Name: "WARROOM_ADDR", Field: "addr", Help: `HTTP listen address, host:port (default ":8080").`,
		set: setString(func(c *Config) *string { return &c.Addr })},
	{Name: "WARROOM_METRICS_ADDR", Field: "metrics_addr", Help: `A second listen address, host:port, serving only /metrics, /healthz and /readyz; set, /metrics leaves the public listener (default: none).`,
		set: setString(func(c *Config) *string { return &c.MetricsAddr })},
	{Name: "WARROOM_LOG_LEVEL", Field: "log_level", Help: "debug, info, warn or error (default info).",
		set: setString(func(c *Config) *string { return &c.LogLevel })},
	{Name: "WARROOM_LOG_FORMAT", Field: "log_format", Help: "text or json (default json for serve, text for console and export).",
		set: setString(func(c *Config) *string { return &c.LogFormat })},
	{Name: "WARROOM_WORKERS", Field: "workers", Help: "Router worker pool size, 1-1024 (default 16).",
		set: setInt(func(c *Config) *int { return &c.Workers })},
	{Name: "WARROOM_QUEUE", Field: "queue", Help: "Router queue length, 1-100000 (default 4096).",
		set: setInt(func(c *Config) *int { return &c.Queue })},
	{Name: "REDIS_URL", Field: "redis.url", Secret: true,
		Help: "redis://[user:password@]host:port[/db] or rediss://...; unset, the console runs an embedded in-memory Redis and serve refuses to start unless WARROOM_REDIS_EMBEDDED=true.",
		set:  setSecret(func(c *Config) *Secret { return &c.Redis.URL })},
	{Name: "WARROOM_REDIS_EMBEDDED", Field: "redis.embedded", Help: "true lets serve run on an embedded in-memory Redis when REDIS_URL is unset: every incident is lost when it stops (default false; the flag --embedded-redis does the same).",
		set: setBool(func(c *Config) *bool { return &c.Redis.Embedded })},
	{Name: "WARROOM_REDIS_PREFIX", Field: "redis.prefix", Help: `Prefix of every Redis key (default "warroom:").`,
		set: setString(func(c *Config) *string { return &c.Redis.Prefix })},
	{Name: "WARROOM_SPOOL_PATH", Field: "spool.path", Help: `File keeping channel messages while Redis is unreachable (default: warroom-spool.jsonl in the temporary directory; "off" turns it off).`,
		set: setString(func(c *Config) *string { return &c.Spool.Path })},
	{Name: "WARROOM_API_TOKEN", Field: "api.token", Secret: true,
		Help: "Bearer token for the read-only HTTP API; serve refuses to start without it unless WARROOM_API_OPEN=true.",
		set:  setSecret(func(c *Config) *Secret { return &c.API.Token })},
	{Name: "WARROOM_API_OPEN", Field: "api.open", Help: "true lets serve run the read-only API without a token, answering anyone who reaches it (default false).",
		set: setBool(func(c *Config) *bool { return &c.API.Open })},
	{Name: "SLACK_BOT_TOKEN", Field: "slack.bot_token", Secret: true,
		Help: "Slack bot token (xoxb-...); set, it enables Slack.",
		set:  setSecret(func(c *Config) *Secret { return &c.Slack.BotToken })},
	{Name: "SLACK_SIGNING_SECRET", Field: "slack.signing_secret", Secret: true,
		Help: "Slack signing secret, verifying HTTP requests (needed unless Socket Mode is used).",
		set:  setSecret(func(c *Config) *Secret { return &c.Slack.SigningSecret })},
	{Name: "SLACK_APP_TOKEN", Field: "slack.app_token", Secret: true,
		Help: "Slack app-level token (xapp-..., scope connections:write); set, it turns on Socket Mode.",
		set:  setSecret(func(c *Config) *Secret { return &c.Slack.AppToken })},
	{Name: "SLACK_API_URL", Field: "slack.api_url", Help: `Slack Web API base URL (default "https://slack.com/api/"); for a test server or proxy.`,
		set: setString(func(c *Config) *string { return &c.Slack.APIURL })},
	{Name: "SLACK_TEAM_ID", Field: "slack.team_id", Help: "Slack workspace ID (T...); requests from other workspaces are refused.",
		set: setString(func(c *Config) *string { return &c.Slack.TeamID })},
	{Name: "SLACK_ANNOUNCE_CHANNEL", Field: "slack.announce_channel", Help: "Slack channel ID (C...) that receives declarations and status updates.",
		set: setString(func(c *Config) *string { return &c.Slack.AnnounceChannel })},
	{Name: "MICROSOFT_APP_ID", Field: "teams.app_id", Aliases: []string{"MicrosoftAppId"}, Help: "Azure Bot's Microsoft App ID; set, it enables Teams (MicrosoftAppId, the Bot Framework name, is read when it is unset).",
		set: setString(func(c *Config) *string { return &c.Teams.AppID })},
	{Name: "MICROSOFT_APP_PASSWORD", Field: "teams.app_password", Secret: true, Aliases: []string{"MicrosoftAppPassword"},
		Help: "The app's client secret (or MicrosoftAppPassword).",
		set:  setSecret(func(c *Config) *Secret { return &c.Teams.AppPassword })},
	{Name: "MICROSOFT_APP_TENANT_ID", Field: "teams.tenant_id", Aliases: []string{"MicrosoftAppTenantId"}, Help: "Tenant of the single-tenant app (or MicrosoftAppTenantId).",
		set: setString(func(c *Config) *string { return &c.Teams.TenantID })},
	{Name: "MICROSOFT_LOGIN_URL", Field: "teams.login_url", Help: "Microsoft identity platform base (default https://login.microsoftonline.com).",
		set: setString(func(c *Config) *string { return &c.Teams.LoginURL })},
	{Name: "MICROSOFT_GRAPH_URL", Field: "teams.graph_url", Help: "Microsoft Graph base (default https://graph.microsoft.com).",
		set: setString(func(c *Config) *string { return &c.Teams.GraphURL })},
	{Name: "TEAMS_OPENID_METADATA_URL", Field: "teams.openid_metadata_url", Help: "Bot Framework OpenID metadata used to verify inbound tokens.",
		set: setString(func(c *Config) *string { return &c.Teams.MetadataURL })},
	{Name: "TEAMS_SERVICE_URL", Field: "teams.service_url", Help: "Bot Connector base for messages Warroom starts (refreshed from inbound activities).",
		set: setString(func(c *Config) *string { return &c.Teams.ServiceURL })},
	{Name: "TEAMS_TEAM_ID", Field: "teams.team_id", Help: "Group ID (GUID) of the team where incident channels are created.",
		set: setString(func(c *Config) *string { return &c.Teams.TeamID })},
	{Name: "TEAMS_INCIDENTS_CHANNEL", Field: "teams.incidents_channel", Help: "Channel ID (19:...) holding incidents as threads when a channel cannot be created.",
		set: setString(func(c *Config) *string { return &c.Teams.IncidentsChannel })},
	{Name: "TEAMS_ANNOUNCE_CHANNEL", Field: "teams.announce_channel", Help: "Channel ID (19:...) that receives declarations and status updates.",
		set: setString(func(c *Config) *string { return &c.Teams.AnnounceChannel })},
	{Name: "TEAMS_PRIVATE_CHANNEL", Field: "teams.private_channel", Help: "Restricted channel ID (19:...) whose threads hold private incidents.",
		set: setString(func(c *Config) *string { return &c.Teams.PrivateChannel })},
	{Name: "WARROOM_ALERT_PLATFORM", Field: "alerts.platform", Help: "Where alerts open incidents: slack, teams or console (default: the first chat platform configured).",
		set: setString(func(c *Config) *string { return &c.Alerts.Platform })},
	{Name: "WARROOM_ALERTMANAGER_TOKEN", Field: "alerts.alertmanager.token", Secret: true,
		Help: "Bearer token Alertmanager sends; set, it enables POST /alerts/alertmanager.",
		set:  setSecret(func(c *Config) *Secret { return &c.Alerts.Alertmanager.Token })},
	{Name: "WARROOM_GRAFANA_TOKEN", Field: "alerts.grafana.token", Secret: true,
		Help: "Bearer token Grafana sends; set, it enables POST /alerts/grafana.",
		set:  setSecret(func(c *Config) *Secret { return &c.Alerts.Grafana.Token })},
	{Name: "WARROOM_GRAFANA_SECRET", Field: "alerts.grafana.secret", Secret: true,
		Help: "HMAC secret of Grafana's X-Grafana-Alerting-Signature (alternative to the token).",
		set:  setSecret(func(c *Config) *Secret { return &c.Alerts.Grafana.Secret })},
	{Name: "WARROOM_WEBHOOK_TOKEN", Field: "alerts.webhook.token", Secret: true,
		Help: "Bearer token for POST /alerts/webhook; set, it enables the generic webhook.",
		set:  setSecret(func(c *Config) *Secret { return &c.Alerts.Webhook.Token })},
	{Name: "WARROOM_WEBHOOK_SECRET", Field: "alerts.webhook.secret", Secret: true,
		Help: "HMAC secret of the webhook's X-Warroom-Signature: sha256=<hex> (alternative to the token).",
		set:  setSecret(func(c *Config) *Secret { return &c.Alerts.Webhook.Secret })},
	{Name: "WARROOM_SNS_TOPIC_ARNS", Field: "alerts.cloudwatch.topic_arns",
		Help: "Comma-separated SNS topic ARNs accepted; set, it enables POST /alerts/cloudwatch.",
		set:  setList(func(c *Config) *[]string { return &c.Alerts.CloudWatch.TopicARNs })},
	{Name: "WARROOM_PUBLIC_URL", Field: "public_url", Help: "Where people reach this Warroom, for links to postmortem drafts (e.g. https://warroom.example.com).",
		set: setString(func(c *Config) *string { return &c.PublicURL })},
	{Name: "WARROOM_OIDC_ISSUER", Field: "oidc.issuer", Help: "OpenID Connect issuer for signing in to the web pages: https://slack.com, https://login.microsoftonline.com/<tenant>/v2.0 or any; set, it enables the sign-in button.",
		set: setString(func(c *Config) *string { return &c.OIDC.Issuer })},
	{Name: "WARROOM_OIDC_CLIENT_ID", Field: "oidc.client_id", Help: "The OpenID Connect app's client ID.",
		set: setString(func(c *Config) *string { return &c.OIDC.ClientID })},
	{Name: "WARROOM_OIDC_CLIENT_SECRET", Field: "oidc.client_secret", Secret: true,
		Help: "The OpenID Connect app's client secret.",
		set:  setSecret(func(c *Config) *Secret { return &c.OIDC.ClientSecret })},
	{Name: "WARROOM_OIDC_CLAIM", Field: "oidc.claim", Help: "ID token claim holding the chat user ID (default https://slack.com/user_id for Slack, oid for Entra).",
		set: setString(func(c *Config) *string { return &c.OIDC.Claim })},
	{Name: "WARROOM_OIDC_PLATFORM", Field: "oidc.platform", Help: "Chat platform of that user ID: slack, teams or console (default slack for Slack, teams for Entra).",
		set: setString(func(c *Config) *string { return &c.OIDC.Platform })},
	{Name: "WARROOM_OIDC_NAME", Field: "oidc.name", Help: `Provider name on the sign-in button, "Sign in with <name>" (default Slack, Microsoft or the issuer's host).`,
		set: setString(func(c *Config) *string { return &c.OIDC.Name })},
	{Name: "WARROOM_ADMINS", Field: "admins", Help: "Comma-separated platform user IDs that may do anything.",
		set: setList(func(c *Config) *[]string { return &c.Admins })},
	{Name: "WARROOM_FOLLOWUPS_VERIFY_BY_OTHER", Field: "followups.verify_by_other", Help: "true or false: verifying a follow-up needs someone other than who marked it done (default true).",
		set: setBool(func(c *Config) *bool { return &c.Followups.VerifyByOther })},
	{Name: "WARROOM_FOLLOWUPS_VERIFY_AFTER", Field: "followups.verify_after", Help: "How long after a follow-up is done its owner is asked whether the fix worked, e.g. 14d (default 0: never).",
		set: setDuration(func(c *Config) *Duration { return &c.Followups.VerifyAfter })},
	{Name: "WARROOM_STATUS_PAGE_TITLE", Field: "status_page.title", Help: "The public status page's title (default Status).",
		set: setString(func(c *Config) *string { return &c.StatusPage.Title })},
	{Name: "WARROOM_STATUS_PAGE_COMPONENTS", Field: "status_page.components", Help: "Comma-separated components of the public status page (e.g. Checkout,Login,API); set, it turns /status on.",
		set: setList(func(c *Config) *[]string { return &c.StatusPage.Components })},
	{Name: "WARROOM_STATUS_PAGE_LANGUAGES", Field: "status_page.languages", Help: "Comma-separated languages of the status page, ja and/or en (default ja,en).",
		set: setList(func(c *Config) *[]string { return &c.StatusPage.Languages })},
	{Name: "WARROOM_STATUS_PAGE_SHOW_NUMBERS", Field: "status_page.show_numbers", Help: "true or false: the status page shows incident numbers (default false).",
		set: setBool(func(c *Config) *bool { return &c.StatusPage.ShowNumbers })},
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

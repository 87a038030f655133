package config

import (
	"bytes"
	"net/url"
	"strings"
	"time"

	"github.com/warroomhq/warroom/bot"
	"go.yaml.in/yaml/v3"
)

// Defaults for fields left unset by both the file and the environment.
const (
	DefaultLang             = "en"
	DefaultTimezone         = "UTC"
	DefaultAddr             = ":8080"
	DefaultLogLevel         = "info"
	DefaultWorkers          = 16
	DefaultQueue            = 4096
	DefaultRedisPrefix      = "warroom:"
	DefaultChannelPrefix    = "inc"
	DefaultNoCommanderAfter = 10 * time.Minute
	DefaultTriageAckAfter   = 15 * time.Minute
	DefaultRemindersEvery   = 30 * time.Second
	DefaultSlackAPIURL      = "https://slack.com/api/"
	DefaultFlapWindow       = 30 * time.Minute
	DefaultMicrosoftLogin   = "https://login.microsoftonline.com"
	DefaultMicrosoftGraph   = "https://graph.microsoft.com"
	DefaultTeamsMetadata    = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	DefaultTeamsServiceURL  = "https://smba.trafficmanager.net/teams/"
	// DefaultSpoolMaxBytes bounds the timeline spool: 64 MiB, some 200,000
	// chat messages.
	DefaultSpoolMaxBytes int64 = 64 << 20
	// SpoolOff as spool.path turns the timeline spool off.
	SpoolOff = "off"
)

// defaultUpdateEvery is how often each priority's channel is reminded to
// post a status update unless configured otherwise.
var defaultUpdateEvery = map[bot.Priority]time.Duration{
	bot.P1: 30 * time.Minute,
	bot.P2: time.Hour,
	bot.P3: 4 * time.Hour,
	bot.P4: 24 * time.Hour,
}

// Config is Warroom's whole configuration. A Config returned by Load is
// complete and valid: defaults are filled in, Priorities holds exactly the
// keys "P1".."P4", and Policy holds every action in Actions with its who
// values normalized. The accessors (AllRoles, Level, Allowed) also work on a
// hand-built or zero Config, falling back to the defaults.
type Config struct {
	// Lang is the language of the bot's messages: "ja" or "en".
	Lang string `yaml:"lang"`
	// Timezone is the IANA time zone times are shown in, e.g. "Asia/Tokyo".
	Timezone string `yaml:"timezone"`
	// Addr is the HTTP listen address, host:port.
	Addr string `yaml:"addr"`
	// MetricsAddr, when set, is a second listen address serving only
	// /metrics, /healthz and /readyz; /metrics then leaves Addr, which
	// faces Slack, Teams and the alert sources.
	MetricsAddr string `yaml:"metrics_addr"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// LogFormat is text or json; empty leaves each subcommand its own
	// (json for serve, text for the console and export).
	LogFormat string `yaml:"log_format"`
	// Workers is the size of the router's worker pool, 1..1024.
	Workers int `yaml:"workers"`
	// Queue is how many events the router buffers before refusing, 1..100000.
	Queue int `yaml:"queue"`

	Redis    Redis    `yaml:"redis"`
	API      API      `yaml:"api"`
	Slack    Slack    `yaml:"slack"`
	Teams    Teams    `yaml:"teams"`
	Channels Channels `yaml:"channels"`

	// Priorities describes each priority, keyed "P1".."P4". In the file any
	// alias bot.ParsePriority accepts ("sev1", "p2", "critical") may be used.
	Priorities map[string]PriorityLevel `yaml:"priorities"`
	// Roles are extra incident roles beyond bot.BuiltinRoles.
	Roles []RoleDef `yaml:"roles"`
	// Admins are platform user IDs that may do anything.
	Admins []string `yaml:"admins"`
	// Policy maps an action (see Actions) to who may perform it (see
	// WhoAnyone and friends).
	Policy map[string][]string `yaml:"policy"`

	Reminders Reminders `yaml:"reminders"`
	Alerts    Alerts    `yaml:"alerts"`
	// PublicURL is where people reach this Warroom (links to postmortem
	// drafts), e.g. https://warroom.example.com.
	PublicURL string `yaml:"public_url"`
	// OIDC adds an OpenID Connect sign-in to the web pages under
	// PublicURL.
	OIDC       OIDC       `yaml:"oidc"`
	Postmortem Postmortem `yaml:"postmortem"`
	Spool      Spool      `yaml:"spool"`
	Followups  Followups  `yaml:"followups"`
	StatusPage StatusPage `yaml:"status_page"`
	PagerDuty  PagerDuty  `yaml:"pagerduty"`
	Zoom       Zoom       `yaml:"zoom"`
	Jira       Jira       `yaml:"jira"`
	GitHub     GitHub     `yaml:"github"`
	Backlog    Backlog    `yaml:"backlog"`
}

// DefaultPagerDutyURL is the base of PagerDuty's Events API.
const DefaultPagerDutyURL = "https://events.pagerduty.com"

// PagerDuty pages the people on call through PagerDuty's Events API v2
// for incidents of the listed priorities, and follows their
// acknowledgements back through a Webhooks v3 subscription. It is on when
// RoutingKey is set.
type PagerDuty struct {
	// RoutingKey is the Events API v2 integration key of the PagerDuty
	// service to page.
	RoutingKey Secret `yaml:"routing_key"`
	// WebhookSecret is the Webhooks v3 subscription's signing secret; set,
	// POST /integrations/pagerduty takes PagerDuty's acknowledgements.
	WebhookSecret Secret `yaml:"webhook_secret"`
	// Priorities are the priorities that page, P1..P4 or aliases (default
	// [P1]); Load normalizes them to "P1".."P4".
	Priorities []string `yaml:"priorities,omitempty"`
	// APIURL is the Events API's base (DefaultPagerDutyURL).
	APIURL string `yaml:"api_url"`
}

// Enabled reports whether PagerDuty paging is configured.
func (p PagerDuty) Enabled() bool { return p.RoutingKey != "" }

// Pages lists the priorities that page, [P1] when none are configured.
func (p PagerDuty) Pages() []bot.Priority {
	var out []bot.Priority
	for _, s := range p.Priorities {
		if pr, ok := bot.ParsePriority(s); ok {
			out = append(out, pr)
		}
	}
	if len(out) == 0 {
		return []bot.Priority{bot.P1}
	}
	return out
}

// StatusPage configures the public status page (/status, its Atom feed
// and its JSON summary). It is off unless components are listed; it is
// served with the web pages (by serve with public_url, by the console always).
type StatusPage struct {
	// Title heads the page (default "Status").
	Title string `yaml:"title"`
	// Components are what customers see the state of, e.g. [Checkout,
	// Login, API]; `components <name>...` marks an incident with them.
	Components []string `yaml:"components,omitempty"`
	// Languages the page offers, of ja and en (default both).
	Languages []string `yaml:"languages"`
	// ShowNumbers shows incident numbers (INC-42) on the page; off by
	// default, as a number says how many incidents there have been.
	ShowNumbers bool `yaml:"show_numbers"`
}

// Enabled reports whether the status page is on.
func (p StatusPage) Enabled() bool { return len(p.Components) > 0 }

// Issuers and claims of the identity providers OIDC knows.
const (
	// SlackIssuer is Sign in with Slack's; its ID token names the Slack
	// user in SlackUserClaim and the workspace in SlackTeamClaim.
	SlackIssuer    = "https://slack.com"
	SlackUserClaim = "https://slack.com/user_id"
	SlackTeamClaim = "https://slack.com/team_id"
	// EntraUserClaim is the Entra ID token's object ID of the user, the
	// aadObjectId of their Teams activities.
	EntraUserClaim = "oid"
)

// OIDC is the optional OpenID Connect sign-in of the web pages. It is
// enabled by Issuer; its redirect URL is PublicURL + /signin/oidc/callback,
// which the identity provider must list.
type OIDC struct {
	// Issuer is SlackIssuer, an Entra tenant's
	// https://login.microsoftonline.com/<tenant>/v2.0, or any issuer.
	Issuer       string `yaml:"issuer"`
	ClientID     string `yaml:"client_id"`
	ClientSecret Secret `yaml:"client_secret"`
	// Claim is the ID token's claim holding the chat user ID and Platform
	// the chat platform of that ID. For Slack and Entra they default to
	// SlackUserClaim on slack and EntraUserClaim on teams.
	Claim    string `yaml:"claim"`
	Platform string `yaml:"platform"`
	// Name is the provider as the sign-in button names it (default
	// Slack, Microsoft, or the issuer's host).
	Name string `yaml:"name"`
}

// Enabled reports whether the OpenID Connect sign-in is configured.
func (o OIDC) Enabled() bool { return o.Issuer != "" }

// Entra reports whether Issuer is Microsoft Entra ID's.
func (o OIDC) Entra() bool {
	return strings.HasPrefix(o.Issuer, "https://login.microsoftonline.com/")
}

// Mapping is the claim, platform and button name in effect: as
// configured, else the Slack or Entra ones.
func (o OIDC) Mapping() (claim, platform, name string) {
	claim, platform, name = o.Claim, o.Platform, o.Name
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	switch {
	case strings.TrimRight(o.Issuer, "/") == SlackIssuer:
		def(&claim, SlackUserClaim)
		def(&platform, "slack")
		def(&name, "Slack")
	case o.Entra():
		def(&claim, EntraUserClaim)
		def(&platform, "teams")
		def(&name, "Microsoft")
	}
	if u, err := url.Parse(o.Issuer); err == nil {
		def(&name, u.Host)
	}
	return claim, platform, name
}

// Followups configures how follow-up actions are checked.
type Followups struct {
	// VerifyByOther makes verifying a follow-up as effective need a
	// different person from the one who marked it done (default true).
	VerifyByOther bool `yaml:"verify_by_other"`
	// VerifyAfter, when set (e.g. 14d), is how long after a follow-up was
	// marked done its owner, or the incident's commander, is asked once
	// whether the fix worked. 0 (the default) never asks.
	VerifyAfter Duration `yaml:"verify_after"`
}

// Spool is the file that keeps channel messages (timeline entries) while
// Redis is unreachable, until they are replayed onto their timelines. It
// is used only with REDIS_URL (an embedded Redis cannot be unreachable).
type Spool struct {
	// Path is the spool file (its offset goes in Path+".offset"). Empty
	// means warroom-spool.jsonl in the system's temporary directory, or
	// warroom-spool-2.jsonl ... when another process on the host holds that
	// one; "off" turns the spool off (entries Redis cannot take are then
	// retried until the router's timeout, then logged as lost). Give each
	// replica a path of its own on persistent storage.
	Path string `yaml:"path"`
	// MaxBytes bounds the file; an entry that does not fit is logged at
	// error level and lost.
	MaxBytes int64 `yaml:"max_bytes"`
}

// SpoolEnabled reports whether the timeline spool is on: Redis is external
// and Path is not "off".
func (c *Config) SpoolEnabled() bool {
	return c.Redis.URL.Reveal() != "" && c.Spool.Path != SpoolOff
}

// Postmortem configures postmortem drafts.
type Postmortem struct {
	// Template is a Go text/template file that replaces the built-in
	// Japanese and English drafts.
	Template string `yaml:"template"`
	// Optional lets P1 and P2 incidents close without a postmortem.
	Optional bool `yaml:"optional"`
}

// Alerts configures the monitoring sources that open incidents and the
// rules that route them. A source is enabled by its credential.
type Alerts struct {
	// Platform is where the default rule opens incidents: slack, teams or
	// console. Empty means the first chat platform configured.
	Platform string `yaml:"platform"`
	// AutoResolve resolves an incident when all its alerts recover;
	// otherwise Warroom only offers a Resolve button.
	AutoResolve bool `yaml:"auto_resolve"`
	// FlapWindow: a problem that fires again this soon after its incident
	// was resolved reopens it instead of opening a new one.
	FlapWindow   Duration     `yaml:"flap_window"`
	Alertmanager Alertmanager `yaml:"alertmanager"`
	Grafana      SignedSource `yaml:"grafana"`
	Webhook      SignedSource `yaml:"webhook"`
	CloudWatch   CloudWatch   `yaml:"cloudwatch"`
	Datadog      TokenSource  `yaml:"datadog"`
	Mackerel     TokenSource  `yaml:"mackerel"`
	Sentry       Sentry       `yaml:"sentry"`
	Azure        AzureMonitor `yaml:"azure"`
	// Rules route alerts, first match wins; an alert no rule matches opens
	// an incident on Platform with the alert's own priority (P3 if none).
	Rules []AlertRule `yaml:"rules,omitempty"`
}

// Alertmanager enables POST /alerts/alertmanager.
type Alertmanager struct {
	// Token is the bearer token Alertmanager sends (http_config.authorization).
	Token Secret `yaml:"token"`
	// PerAlert opens one incident per alert instead of per alert group.
	PerAlert bool `yaml:"per_alert"`
}

// SignedSource enables a source that sends a bearer token or an HMAC
// signature (Grafana, the generic webhook); either credential enables it.
type SignedSource struct {
	Token  Secret `yaml:"token"`
	Secret Secret `yaml:"secret"`
}

// Enabled reports whether the source has a credential.
func (s SignedSource) Enabled() bool { return s.Token != "" || s.Secret != "" }

// TokenSource enables a source that presents one token: Datadog as a
// bearer header of the webhook's Custom Headers, Mackerel in the channel
// URL's query (?token=), which config requires to be unguessable.
type TokenSource struct {
	Token Secret `yaml:"token"`
}

// Enabled reports whether the source has its token.
func (s TokenSource) Enabled() bool { return s.Token != "" }

// CloudWatch enables POST /alerts/cloudwatch for SNS subscriptions.
type CloudWatch struct {
	// TopicARNs are the SNS topics accepted; messages from others are refused.
	TopicARNs []string `yaml:"topic_arns,omitempty"`
	// CertHost is a regular expression the host of SigningCertURL and
	// SubscribeURL must match; empty means AWS's SNS hosts.
	CertHost string `yaml:"cert_host"`
}

// AlertRule routes the alerts it matches.
type AlertRule struct {
	Name  string `yaml:"name"`
	Match struct {
		// Source is an alert source's name, such as alertmanager or mackerel ("" any).
		Source string `yaml:"source"`
		// Labels must all be equal (CloudWatch: alarm_name, namespace,
		// metric_name, region, region_code, account, dimension_<name>).
		Labels map[string]string `yaml:"labels"`
	} `yaml:"match"`
	// Priority overrides the alert's own: P1..P4 or an alias.
	Priority string `yaml:"priority,omitempty"`
	// Platform opens the incident there: slack, teams or console.
	Platform string `yaml:"platform,omitempty"`
	// AnnounceChannel overrides the platform's announcements channel.
	AnnounceChannel string `yaml:"announce_channel,omitempty"`
	// Responders are platform user IDs invited to the incident channel.
	Responders []string `yaml:"responders,omitempty"`
	// Runbook is linked from the incident card.
	Runbook string `yaml:"runbook,omitempty"`
	// Incident false records matching alerts only on an open incident of
	// the same problem, never opening one. Default true.
	Incident *bool `yaml:"incident,omitempty"`
}

// Opens reports whether the rule opens incidents.
func (r AlertRule) Opens() bool { return r.Incident == nil || *r.Incident }

// Redis says where incidents are stored.
type Redis struct {
	// URL is redis://[user:password@]host:port[/db] or rediss:// for TLS.
	// Empty means an embedded in-memory Redis: fine for a trial, lost on
	// restart.
	URL Secret `yaml:"url"`
	// Prefix starts every key, so several deployments can share one Redis.
	Prefix string `yaml:"prefix"`
	// Embedded lets serve run on the embedded Redis when URL is empty;
	// without it serve refuses (the console always may).
	Embedded bool `yaml:"embedded"`
}

// Slack connects Warroom to one Slack workspace. It is enabled when
// BotToken is set; Socket Mode is used when AppToken is set, the HTTP
// endpoints (which need SigningSecret) otherwise.
type Slack struct {
	// BotToken is the bot's xoxb- token, for the Web API.
	BotToken Secret `yaml:"bot_token"`
	// SigningSecret verifies HTTP requests from Slack.
	SigningSecret Secret `yaml:"signing_secret"`
	// AppToken is an app-level xapp- token with connections:write; set, it
	// turns on Socket Mode (no public URL needed).
	AppToken Secret `yaml:"app_token"`
	// APIURL is the Web API base, ending in "/"; change it only for a test
	// server or a proxy.
	APIURL string `yaml:"api_url"`
	// TeamID, when set, refuses requests from any other workspace.
	TeamID string `yaml:"team_id"`
	// AnnounceChannel is a channel ID that receives declarations and status
	// updates, with a link to the incident channel.
	AnnounceChannel string `yaml:"announce_channel"`
}

// Enabled reports whether Slack is configured.
func (s Slack) Enabled() bool { return s.BotToken != "" }

// SocketMode reports whether Slack is reached over Socket Mode.
func (s Slack) SocketMode() bool { return s.AppToken != "" }

// Teams connects Warroom to Microsoft Teams through a single-tenant Azure
// Bot. It is enabled when AppID is set.
type Teams struct {
	AppID       string `yaml:"app_id"`
	AppPassword Secret `yaml:"app_password"`
	TenantID    string `yaml:"tenant_id"`
	// LoginURL, GraphURL, MetadataURL and ServiceURL are Microsoft's own by
	// default; change them only for tests or a proxy.
	LoginURL    string `yaml:"login_url"`
	GraphURL    string `yaml:"graph_url"`
	MetadataURL string `yaml:"openid_metadata_url"`
	ServiceURL  string `yaml:"service_url"`
	// TeamID is the group ID (GUID) of the team incident channels are made in.
	TeamID string `yaml:"team_id"`
	// IncidentsChannel (19:...@thread.tacv2) holds incidents as threads
	// when a channel cannot be created.
	IncidentsChannel string `yaml:"incidents_channel"`
	// AnnounceChannel receives declarations and status updates.
	AnnounceChannel string `yaml:"announce_channel"`
	// PrivateChannel is a restricted standard channel whose threads hold
	// private incidents (Teams bots cannot post in private channels).
	PrivateChannel string `yaml:"private_channel"`
}

// Enabled reports whether Teams is configured.
func (t Teams) Enabled() bool { return t.AppID != "" }

// API configures the read-only HTTP API.
type API struct {
	// Token is the bearer token the API requires. Empty disables auth,
	// which serve accepts only with Open.
	Token Secret `yaml:"token"`
	// Open lets serve run the API without a token.
	Open bool `yaml:"open"`
}

// Channels says how incident channels are made.
type Channels struct {
	// Prefix starts every incident channel's name: 1-20 of a-z, 0-9 and -.
	Prefix string `yaml:"prefix"`
	// Private makes incident channels private where the platform allows.
	Private bool `yaml:"private"`
	// ArchiveOnClose archives the channel when its incident is closed.
	ArchiveOnClose bool `yaml:"archive_on_close"`
}

// PriorityLevel describes one priority.
type PriorityLevel struct {
	// Name replaces the catalog's name for the level ("" keeps it).
	Name string `yaml:"name"`
	// Criteria is shown where people pick a priority, so "how bad is P2?"
	// has one answer. "" means the built-in catalog text in the user's
	// language.
	Criteria string `yaml:"criteria"`
	// UpdateEvery is how often an open incident at this level is reminded to
	// post a status update.
	UpdateEvery Duration `yaml:"update_every"`
}

// RoleDef defines an extra incident role.
type RoleDef struct {
	// Name is [a-z][a-z0-9-]{0,31}, not a built-in role or its alias, unique.
	Name string `yaml:"name"`
	// Description says what the role does, shown in role pickers.
	Description string `yaml:"description"`
}

// Reminders sets when the bot nudges an incident channel.
type Reminders struct {
	// NoCommanderAfter is how long an incident may go without a commander
	// before the bot asks for one.
	NoCommanderAfter Duration `yaml:"no_commander_after"`
	// TriageAckAfter is how long an alert may sit in triage unacknowledged
	// before the bot asks again.
	TriageAckAfter Duration `yaml:"triage_ack_after"`
	// Every is how often the replica holding the reminders lease looks at
	// open incidents (default 30s); the lease lasts three times as long.
	// Each reminder is still posted at most once per its own interval
	// across replicas. Shorter than the default only for tests and demos.
	Every Duration `yaml:"every"`
}

// Default returns the configuration Load gives with no file and an empty
// environment.
func Default() *Config {
	c := &Config{}
	for _, d := range defaults {
		d.apply(c)
	}
	c.Priorities = map[string]PriorityLevel{}
	for _, p := range bot.Priorities {
		c.Priorities[p.String()] = PriorityLevel{UpdateEvery: Duration(defaultUpdateEvery[p])}
	}
	c.Policy = map[string][]string{}
	for _, a := range Actions {
		c.Policy[a] = defaultPolicy(a)
	}
	return c
}

// defaults fills scalar fields left unset. Each row names the YAML path it
// fills, so a value given explicitly (even an invalid zero) is left for
// validation to judge rather than silently replaced.
var defaults = []struct {
	path  string
	apply func(*Config)
}{
	{"lang", func(c *Config) { c.Lang = DefaultLang }},
	{"timezone", func(c *Config) { c.Timezone = defaultTimezone(c.Lang) }}, // after lang
	{"addr", func(c *Config) { c.Addr = DefaultAddr }},
	{"log_level", func(c *Config) { c.LogLevel = DefaultLogLevel }},
	{"workers", func(c *Config) { c.Workers = DefaultWorkers }},
	{"queue", func(c *Config) { c.Queue = DefaultQueue }},
	{"redis.prefix", func(c *Config) { c.Redis.Prefix = DefaultRedisPrefix }},
	{"slack.api_url", func(c *Config) { c.Slack.APIURL = DefaultSlackAPIURL }},
	{"alerts.flap_window", func(c *Config) { c.Alerts.FlapWindow = Duration(DefaultFlapWindow) }},
	{"teams.login_url", func(c *Config) { c.Teams.LoginURL = DefaultMicrosoftLogin }},
	{"teams.graph_url", func(c *Config) { c.Teams.GraphURL = DefaultMicrosoftGraph }},
	{"teams.openid_metadata_url", func(c *Config) { c.Teams.MetadataURL = DefaultTeamsMetadata }},
	{"teams.service_url", func(c *Config) { c.Teams.ServiceURL = DefaultTeamsServiceURL }},
	{"channels.prefix", func(c *Config) { c.Channels.Prefix = DefaultChannelPrefix }},
	{"reminders.no_commander_after", func(c *Config) { c.Reminders.NoCommanderAfter = Duration(DefaultNoCommanderAfter) }},
	{"reminders.triage_ack_after", func(c *Config) { c.Reminders.TriageAckAfter = Duration(DefaultTriageAckAfter) }},
	{"reminders.every", func(c *Config) { c.Reminders.Every = Duration(DefaultRemindersEvery) }},
	{"spool.max_bytes", func(c *Config) { c.Spool.MaxBytes = DefaultSpoolMaxBytes }},
	{"followups.verify_by_other", func(c *Config) { c.Followups.VerifyByOther = true }},
	{"status_page.languages", func(c *Config) { c.StatusPage.Languages = []string{"ja", "en"} }},
	{"pagerduty.api_url", func(c *Config) { c.PagerDuty.APIURL = DefaultPagerDutyURL }},
	{"zoom.api_url", func(c *Config) { c.Zoom.APIURL = DefaultZoomAPIURL }},
	{"zoom.oauth_url", func(c *Config) { c.Zoom.OAuthURL = DefaultZoomOAuthURL }},
	{"jira.issue_type", func(c *Config) { c.Jira.IssueType = DefaultJiraIssueType }},
	{"github.api_url", func(c *Config) { c.GitHub.APIURL = DefaultGitHubAPIURL }},
	{"backlog.priority_id", func(c *Config) { c.Backlog.PriorityID = DefaultBacklogPriorityID }},
}

// JapanTimezone is the time zone of a Japanese deployment that sets none.
const JapanTimezone = "Asia/Tokyo"

// defaultTimezone is the time zone for a deployment speaking lang that
// sets none: Japan's for Japanese, else DefaultTimezone.
func defaultTimezone(lang string) string {
	if l, ok := bot.ParseLang(lang); ok && l == bot.Japanese {
		return JapanTimezone
	}
	return DefaultTimezone
}

// AllRoles returns the built-in roles followed by the configured ones, as a
// new slice.
func (c *Config) AllRoles() []bot.Role {
	roles := append([]bot.Role(nil), bot.BuiltinRoles...)
	for _, r := range c.Roles {
		roles = append(roles, bot.Role(r.Name))
	}
	return roles
}

// Level returns how priority p is configured. Criteria and Name are "" when
// the catalog's text applies; UpdateEvery is always set for a valid p. An
// invalid p gives the zero PriorityLevel.
func (c *Config) Level(p bot.Priority) PriorityLevel {
	if !p.Valid() {
		return PriorityLevel{}
	}
	l := c.Priorities[p.String()]
	if l.UpdateEvery <= 0 {
		l.UpdateEvery = Duration(defaultUpdateEvery[p])
	}
	return l
}

// Allowed returns who may perform action: the configured list, else the
// default. The result is a new slice, never nil; an action not in Actions
// is allowed to nobody (an empty slice), so a typo fails closed.
func (c *Config) Allowed(action string) []string {
	if who, ok := c.Policy[action]; ok && len(who) > 0 {
		return append([]string{}, who...)
	}
	return defaultPolicy(action)
}

// Redacted returns the configuration as YAML with every secret replaced by
// "<redacted>" (an unset secret shows as ""), for `warroom config check`.
func (c *Config) Redacted() string {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		// Config holds only plain values; this cannot fail in practice.
		return "# cannot render configuration: " + err.Error() + "\n"
	}
	_ = enc.Close()
	return b.String()
}

// Location returns the time zone of Timezone; UTC when it cannot be loaded
// (Load has already reported that).
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

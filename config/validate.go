package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/warroomhq/warroom/bot"
)

// Limits on free text, so a value fits wherever the platforms show it.
const (
	maxLevelName   = 40
	maxCriteria    = 1000
	maxDescription = 200
	maxRedisPrefix = 64
)

var (
	// Lengths are checked apart (channelPrefix, roleName): counted
	// repetitions compile to one copy per count.
	reChannelPrefix = regexp.MustCompile(`^[a-z0-9-]+$`)
	reRoleName      = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
)

// validate checks every field of c in field order, normalizing Priorities
// and Policy on the way.
func (l *loader) validate(c *Config) {
	if c.Lang != "ja" && c.Lang != "en" {
		l.addf("lang", `must be "ja" or "en", got %q`, c.Lang)
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" {
		l.addf("timezone", `must be an IANA time zone such as "Asia/Tokyo" or "UTC", got %q`, c.Timezone)
	}
	l.checkAddr("addr", c.Addr)
	if c.MetricsAddr != "" {
		l.checkAddr("metrics_addr", c.MetricsAddr)
		if c.MetricsAddr == c.Addr && !strings.HasSuffix(c.Addr, ":0") { // port 0: each its own free port
			l.add("metrics_addr", "must differ from addr: it is a second listener")
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		l.addf("log_level", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	if c.LogFormat != "" && c.LogFormat != "text" && c.LogFormat != "json" {
		l.addf("log_format", "must be text or json, got %q", c.LogFormat)
	}
	l.checkRange("workers", c.Workers, 1, 1024)
	l.checkRange("queue", c.Queue, 1, 100000)
	l.checkRedis(c.Redis)
	l.checkSpool(c.Spool)
	l.checkSlack(&c.Slack)
	l.checkTeams(&c.Teams)
	if hasSpace(c.API.Token.Reveal()) {
		l.add("api.token", "must not contain white space")
	}
	if !(len(c.Channels.Prefix) <= 20 && reChannelPrefix.MatchString(c.Channels.Prefix)) {
		l.addf("channels.prefix", "must be 1-20 characters of a-z, 0-9 and -, got %q", c.Channels.Prefix)
	}
	c.Priorities = l.checkPriorities(c.Priorities)
	roles := l.checkRoles(c.Roles)
	for i, id := range c.Admins {
		if id == "" || hasSpace(id) {
			l.addf(fmt.Sprintf("admins[%d]", i), "must be a user ID without white space, got %q", id)
		}
	}
	c.Policy = l.checkPolicy(c.Policy, roles)
	l.checkAlerts(&c.Alerts)
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			l.addf("public_url", "must be an http(s) URL such as https://warroom.example.com, got %q", c.PublicURL)
		}
	}
	l.checkOIDC(c)
	if c.Postmortem.Template != "" {
		if _, err := os.Stat(c.Postmortem.Template); err != nil {
			l.addf("postmortem.template", "cannot read %q", c.Postmortem.Template)
		}
	}
	l.checkPositive("reminders.no_commander_after", c.Reminders.NoCommanderAfter)
	l.checkPositive("reminders.triage_ack_after", c.Reminders.TriageAckAfter)
	l.checkPositive("reminders.every", c.Reminders.Every)
	l.checkStatusPage(c)
	l.checkPagerDuty(&c.PagerDuty)
	l.checkZoom(&c.Zoom)
	l.checkJira(&c.Jira)
	l.checkGitHub(c)
	l.checkBacklog(c)
	if c.Followups.VerifyAfter < 0 {
		l.addf("followups.verify_after", "must be 0 (never ask) or more, such as 14d, got %s", c.Followups.VerifyAfter)
	}
}

func (l *loader) checkAddr(path, addr string) {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		if n, perr := strconv.Atoi(port); perr != nil || n < 0 || n > 65535 {
			err = fmt.Errorf("bad port")
		}
	}
	if err != nil {
		l.addf(path, `must be host:port such as ":8080" or "127.0.0.1:8080", got %q`, addr)
	}
}

func (l *loader) checkRange(path string, v, lo, hi int) {
	if v < lo || v > hi {
		l.addf(path, "must be between %d and %d, got %d", lo, hi, v)
	}
}

func (l *loader) checkPositive(path string, d Duration) {
	if d <= 0 {
		l.addf(path, "must be more than 0s, got %s", d)
	}
}

// Bounds of spool.max_bytes.
const (
	minSpoolBytes = 64 << 10
	maxSpoolBytes = 1 << 40
)

func (l *loader) checkSpool(s Spool) {
	if s.MaxBytes < minSpoolBytes || s.MaxBytes > maxSpoolBytes {
		l.addf("spool.max_bytes", "must be between %d (64 KiB) and %d (1 TiB) bytes, got %d", minSpoolBytes, int64(maxSpoolBytes), s.MaxBytes)
	}
	if p := s.Path; p != "" && p != SpoolOff && (strings.TrimSpace(p) != p || strings.HasSuffix(p, "/")) {
		l.addf("spool.path", `must be a file path (or "off"), got %q`, p)
	}
}

// checkRedis never puts the URL in a message: it may hold a password.
func (l *loader) checkRedis(r Redis) {
	if u := r.URL.Reveal(); u != "" {
		if msg := redisURLProblem(u); msg != "" {
			l.add("redis.url", msg+" (value not shown: it may hold a password)")
		}
	}
	switch p := r.Prefix; {
	case p == "":
		l.add("redis.prefix", "must not be empty: other data in the same Redis could collide with Warroom's keys")
	case len(p) > maxRedisPrefix || hasSpace(p) || strings.ContainsAny(p, "{}"):
		l.addf("redis.prefix", "must be at most %d characters without white space, { or }, got %q", maxRedisPrefix, p)
	}
}

func redisURLProblem(s string) string {
	if !strings.HasPrefix(s, "redis://") && !strings.HasPrefix(s, "rediss://") {
		return "must start with redis:// or rediss://"
	}
	u, err := url.Parse(s)
	if err != nil { // err's text quotes the URL: never use it
		return "is not a valid URL; percent-encode special characters in the password"
	}
	if u.Hostname() == "" {
		return "must name a host, as in redis://host:6379/0"
	}
	if db := strings.TrimPrefix(u.Path, "/"); db != "" {
		if n, err := strconv.Atoi(db); err != nil || n < 0 {
			return "must end in a database number, as in redis://host:6379/0"
		}
	}
	return ""
}

// checkPriorities validates each level under the key as written and returns
// the levels keyed "P1".."P4", with defaults for anything unset.
func (l *loader) checkPriorities(in map[string]PriorityLevel) map[string]PriorityLevel {
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := map[string]PriorityLevel{}
	seen := map[bot.Priority]string{}
	for _, k := range keys {
		path := "priorities." + k
		p, ok := bot.ParsePriority(k)
		if !ok {
			l.add(path, "unknown priority; want P1, P2, P3 or P4 (or sev1..sev4, critical, high, medium, low)")
			continue
		}
		if first, dup := seen[p]; dup {
			l.addf(path, "same priority as %q", first)
			continue
		}
		seen[p] = k
		lvl := in[k]
		if !l.present[path+".update_every"] {
			lvl.UpdateEvery = Duration(defaultUpdateEvery[p])
		}
		l.checkLevel(path, lvl)
		out[p.String()] = lvl
	}
	for _, p := range bot.Priorities {
		if _, ok := out[p.String()]; !ok {
			out[p.String()] = PriorityLevel{UpdateEvery: Duration(defaultUpdateEvery[p])}
		}
	}
	return out
}

func (l *loader) checkLevel(path string, lvl PriorityLevel) {
	if n := utf8.RuneCountInString(lvl.Name); n > maxLevelName || strings.ContainsAny(lvl.Name, "\r\n") {
		l.addf(path+".name", "must be one line of at most %d characters", maxLevelName)
	}
	if utf8.RuneCountInString(lvl.Criteria) > maxCriteria {
		l.addf(path+".criteria", "must be at most %d characters", maxCriteria)
	}
	l.checkPositive(path+".update_every", lvl.UpdateEvery)
}

// checkRoles returns the built-in roles and the valid configured ones, for
// checking role:<name> in the policy.
func (l *loader) checkRoles(roles []RoleDef) []bot.Role {
	known := append([]bot.Role(nil), bot.BuiltinRoles...)
	first := map[string]int{}
	for i, r := range roles {
		path := fmt.Sprintf("roles[%d]", i)
		switch b, builtin := bot.ParseRole(r.Name, bot.BuiltinRoles); {
		case len(r.Name) > 32 || !reRoleName.MatchString(r.Name):
			l.addf(path+".name", "must be a-z, 0-9 and -, starting with a letter, at most 32 characters, got %q", r.Name)
		case builtin && string(b) == r.Name:
			l.addf(path+".name", "clashes with the built-in role %q", b)
		case builtin:
			l.addf(path+".name", "%q is an alias of the built-in role %q", r.Name, b)
		default:
			if j, dup := first[r.Name]; dup {
				l.addf(path+".name", "duplicate role %q (also roles[%d])", r.Name, j)
				break
			}
			first[r.Name] = i
			known = append(known, bot.Role(r.Name))
		}
		if utf8.RuneCountInString(r.Description) > maxDescription {
			l.addf(path+".description", "must be at most %d characters", maxDescription)
		}
	}
	return known
}

// checkPolicy validates the configured actions and returns the complete
// policy: every action, with who values normalized.
func (l *loader) checkPolicy(in map[string][]string, roles []bot.Role) map[string][]string {
	out := map[string][]string{}
	for _, a := range Actions {
		who, ok := in[a]
		if !ok {
			out[a] = defaultPolicy(a)
			continue
		}
		path := "policy." + a
		if len(who) == 0 {
			l.add(path, "must list at least one who; "+whoWant)
			continue
		}
		norm := make([]string, 0, len(who))
		for i, w := range who {
			n, msg := normalizeWho(w, roles)
			if msg != "" {
				l.add(fmt.Sprintf("%s[%d]", path, i), msg)
			}
			norm = append(norm, n)
		}
		out[a] = norm
	}
	var unknown []string
	for a := range in {
		if len(defaultPolicy(a)) == 0 {
			unknown = append(unknown, a)
		}
	}
	sort.Strings(unknown)
	for _, a := range unknown {
		l.add("policy."+a, "unknown action; want one of "+strings.Join(Actions, ", "))
	}
	return out
}

// normalizeWho returns w in canonical form, or a message saying what is
// wrong with it.
func normalizeWho(w string, roles []bot.Role) (string, string) {
	switch {
	case w == WhoAnyone, w == WhoCommander, w == WhoAdmins:
		return w, ""
	case strings.HasPrefix(w, WhoRolePrefix):
		name := strings.TrimPrefix(w, WhoRolePrefix)
		r, ok := bot.ParseRole(name, roles)
		if !ok {
			names := make([]string, len(roles))
			for i, r := range roles {
				names[i] = string(r)
			}
			return w, fmt.Sprintf("unknown role %q; roles are %s", name, strings.Join(names, ", "))
		}
		return WhoRolePrefix + string(r), ""
	case strings.HasPrefix(w, WhoUserPrefix):
		if id := strings.TrimPrefix(w, WhoUserPrefix); id == "" || hasSpace(id) {
			return w, fmt.Sprintf("must be user:<id> with a user ID without white space, got %q", w)
		}
		return w, ""
	}
	return w, fmt.Sprintf("unknown value %q; %s", w, whoWant)
}

func hasSpace(s string) bool { return strings.IndexFunc(s, unicode.IsSpace) >= 0 }

var (
	reSlackTeam    = regexp.MustCompile(`^[TE][A-Z0-9]{2,}$`)
	reSlackChannel = regexp.MustCompile(`^[CG][A-Z0-9]{2,}$`)
)

// checkSlack never quotes a token: messages say what shape was expected.
func (l *loader) checkSlack(s *Slack) {
	bot, app, secret := s.BotToken.Reveal(), s.AppToken.Reveal(), s.SigningSecret.Reveal()
	if bot != "" && !strings.HasPrefix(bot, "xoxb-") {
		l.add("slack.bot_token", "must be a bot token starting with xoxb- (value not shown)")
	}
	if app != "" && !strings.HasPrefix(app, "xapp-") {
		l.add("slack.app_token", "must be an app-level token starting with xapp- (value not shown)")
	}
	for _, f := range []struct{ path, v string }{{"slack.bot_token", bot}, {"slack.app_token", app}, {"slack.signing_secret", secret}} {
		if hasSpace(f.v) {
			l.add(f.path, "must not contain white space (value not shown)")
		}
	}
	if bot == "" && (app != "" || secret != "") {
		l.add("slack.bot_token", "is required when slack.app_token or slack.signing_secret is set")
	}
	if bot != "" && app == "" && secret == "" {
		l.add("slack.signing_secret", "is required for Slack over HTTP; or set slack.app_token for Socket Mode")
	}
	if u, err := url.Parse(s.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		l.addf("slack.api_url", "must be an http(s) URL such as %q, got %q", DefaultSlackAPIURL, s.APIURL)
	} else if !strings.HasSuffix(s.APIURL, "/") {
		s.APIURL += "/"
	}
	if s.TeamID != "" && !reSlackTeam.MatchString(s.TeamID) {
		l.addf("slack.team_id", "must be a workspace ID such as T0123ABCD, got %q", s.TeamID)
	}
	if s.AnnounceChannel != "" && !reSlackChannel.MatchString(s.AnnounceChannel) {
		l.addf("slack.announce_channel", "must be a channel ID such as C0123ABCD (not a #name), got %q", s.AnnounceChannel)
	}
}

// oneOf lists names for a message: "a, b or c".
func oneOf(names []string) string {
	switch len(names) {
	case 0:
		return "(none are known)"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

var (
	// The topic name's limit (256) is checked apart: a counted repetition
	// that large compiles to a program of thousands of instructions.
	reTopicARN = regexp.MustCompile(`^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:([A-Za-z0-9_.-]+)$`)
)

// topicARN reports whether arn is an SNS topic ARN.
func topicARN(arn string) bool {
	m := reTopicARN.FindStringSubmatch(arn)
	return m != nil && len(m[2]) <= 256
}

func (l *loader) checkAlerts(a *Alerts) {
	if a.Platform != "" && !slices.Contains(l.known.Platforms, a.Platform) {
		l.addf("alerts.platform", "must be %s, got %q", oneOf(l.known.Platforms), a.Platform)
	}
	l.checkPositive("alerts.flap_window", a.FlapWindow)
	for _, f := range []struct {
		path string
		v    Secret
	}{
		{"alerts.alertmanager.token", a.Alertmanager.Token}, {"alerts.grafana.token", a.Grafana.Token},
		{"alerts.grafana.secret", a.Grafana.Secret}, {"alerts.webhook.token", a.Webhook.Token},
		{"alerts.webhook.secret", a.Webhook.Secret},
		{"alerts.datadog.token", a.Datadog.Token},
	} {
		if hasSpace(f.v.Reveal()) {
			l.add(f.path, "must not contain white space (value not shown)")
		}
	}
	l.checkURLToken("alerts.mackerel.token", a.Mackerel.Token)
	for i, arn := range a.CloudWatch.TopicARNs {
		if !topicARN(arn) {
			l.addf(fmt.Sprintf("alerts.cloudwatch.topic_arns[%d]", i), "must be an SNS topic ARN such as arn:aws:sns:ap-northeast-1:123456789012:alarms, got %q", arn)
		}
	}
	if a.CloudWatch.CertHost != "" {
		if _, err := regexp.Compile(a.CloudWatch.CertHost); err != nil {
			l.addf("alerts.cloudwatch.cert_host", "must be a regular expression: %v", err)
		}
	}
	l.checkSentryAzure(a)
	for i := range a.Rules {
		l.checkRule(fmt.Sprintf("alerts.rules[%d]", i), &a.Rules[i])
	}
}

// minURLToken is how long a token in a URL must be: it is the only
// credential of a sender that cannot sign (Mackerel), and `openssl rand
// -hex 24` gives more.
const minURLToken = 32

// checkURLToken requires a token that goes in a URL's query to be long
// and URL-safe, so that it is unguessable and is sent as written.
func (l *loader) checkURLToken(path string, s Secret) {
	v := s.Reveal()
	if v == "" {
		return
	}
	if len(v) < minURLToken || strings.IndexFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '~')
	}) >= 0 {
		l.addf(path, "must be at least %d characters of letters, digits, '-', '_', '.' and '~', such as the output of `openssl rand -hex 24` (value not shown)", minURLToken)
	}
}

func (l *loader) checkRule(path string, r *AlertRule) {
	if src := r.Match.Source; src != "" && !slices.Contains(l.known.AlertSources, src) {
		l.addf(path+".match.source", "must be %s, got %q", oneOf(l.known.AlertSources), src)
	}
	if r.Priority != "" {
		p, ok := bot.ParsePriority(r.Priority)
		if !ok {
			l.addf(path+".priority", "must be P1, P2, P3 or P4 (or an alias such as sev1 or critical), got %q", r.Priority)
		} else {
			r.Priority = p.String()
		}
	}
	if r.Platform != "" && !slices.Contains(l.known.Platforms, r.Platform) {
		l.addf(path+".platform", "must be %s, got %q", oneOf(l.known.Platforms), r.Platform)
	}
	if r.AnnounceChannel != "" && hasSpace(r.AnnounceChannel) {
		l.addf(path+".announce_channel", "must be a channel ID, got %q", r.AnnounceChannel)
	}
	for j, id := range r.Responders {
		if id == "" || hasSpace(id) {
			l.addf(fmt.Sprintf("%s.responders[%d]", path, j), "must be a user ID without white space, got %q", id)
		}
	}
	if r.Runbook != "" {
		if u, err := url.Parse(r.Runbook); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			l.addf(path+".runbook", "must be an http(s) URL, got %q", r.Runbook)
		}
	}
}

var (
	reGUID         = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	reTeamsChannel = regexp.MustCompile(`^19:[^\s;]+@thread\.(tacv2|skype)$`)
)

func (l *loader) checkTeams(t *Teams) {
	for _, f := range []struct{ path, v string }{
		{"teams.login_url", t.LoginURL}, {"teams.graph_url", t.GraphURL},
		{"teams.openid_metadata_url", t.MetadataURL}, {"teams.service_url", t.ServiceURL},
	} {
		if u, err := url.Parse(f.v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			l.addf(f.path, "must be an http(s) URL, got %q", f.v)
		}
	}
	if !t.Enabled() {
		return
	}
	if !reGUID.MatchString(t.AppID) {
		l.addf("teams.app_id", "must be the Microsoft App ID, a GUID, got %q", t.AppID)
	}
	if t.AppPassword == "" {
		l.add("teams.app_password", "is required when teams.app_id is set")
	}
	if !reGUID.MatchString(t.TenantID) {
		l.addf("teams.tenant_id", "must be the tenant ID (a GUID) of the single-tenant app, got %q", t.TenantID)
	}
	if t.TeamID != "" && !reGUID.MatchString(t.TeamID) {
		l.addf("teams.team_id", "must be the team's group ID (a GUID), got %q", t.TeamID)
	}
	if t.TeamID == "" && t.IncidentsChannel == "" {
		l.add("teams.team_id", "set teams.team_id (channels per incident) or teams.incidents_channel (threads), or both")
	}
	for _, f := range []struct{ path, v string }{
		{"teams.incidents_channel", t.IncidentsChannel}, {"teams.announce_channel", t.AnnounceChannel},
		{"teams.private_channel", t.PrivateChannel},
	} {
		if f.v != "" && !reTeamsChannel.MatchString(f.v) {
			l.addf(f.path, "must be a channel ID such as 19:abc123@thread.tacv2, got %q", f.v)
		}
	}
}

// checkStatusPage checks the status page's components (distinct names
// without commas or "=", which the components command reads) and
// languages. (The page is served with the web pages: by serve with
// public_url, by the console always.)
func (l *loader) checkStatusPage(c *Config) {
	p := &c.StatusPage
	if utf8.RuneCountInString(p.Title) > 80 || strings.ContainsAny(p.Title, "\r\n") {
		l.addf("status_page.title", "must be one line of at most 80 characters, got %q", bot.Truncate(p.Title, 90))
	}
	seen := map[string]bool{}
	for i, name := range p.Components {
		key := strings.ToLower(strings.TrimSpace(name))
		switch {
		case key == "" || strings.ContainsAny(name, ",=") || hasSpace(name) || utf8.RuneCountInString(name) > 40:
			l.addf(fmt.Sprintf("status_page.components[%d]", i), "must be a name of 1-40 characters without white space, commas or =, got %q", name)
		case key == "none":
			l.addf(fmt.Sprintf("status_page.components[%d]", i), "must not be %q (`components none` clears an incident's components)", name)
		case seen[key]:
			l.addf(fmt.Sprintf("status_page.components[%d]", i), "%q is listed twice", name)
		}
		seen[key] = true
	}
	if len(p.Languages) == 0 {
		l.add("status_page.languages", `must list "ja", "en" or both`)
	}
	for i, lang := range p.Languages {
		if lang != "ja" && lang != "en" {
			l.addf(fmt.Sprintf("status_page.languages[%d]", i), `must be "ja" or "en", got %q`, lang)
		}
	}
}

// checkOIDC never shows the client secret.
func (l *loader) checkOIDC(c *Config) {
	o := c.OIDC
	if !o.Enabled() {
		if o.ClientID != "" || o.ClientSecret != "" || o.Claim != "" || o.Platform != "" {
			l.add("oidc.issuer", "is required when any other oidc field is set")
		}
		return
	}
	u, err := url.Parse(o.Issuer)
	if err != nil || u.Host == "" || !(u.Scheme == "https" || (u.Scheme == "http" && loopback(u.Hostname()))) {
		l.addf("oidc.issuer", "must be an https URL such as https://slack.com, got %q", o.Issuer)
	}
	if o.Entra() && err == nil {
		if tenant, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/"); !reGUID.MatchString(tenant) {
			l.addf("oidc.issuer", "must name the tenant by its ID, https://login.microsoftonline.com/<tenant GUID>/v2.0 (common and organizations are not issuers), got %q", o.Issuer)
		}
	}
	if c.PublicURL == "" {
		l.add("public_url", "is required with oidc.issuer: the identity provider sends people back to <public_url>/signin/oidc/callback")
	}
	if o.ClientID == "" || hasSpace(o.ClientID) {
		l.addf("oidc.client_id", "is required with oidc.issuer, without white space, got %q", o.ClientID)
	}
	if o.ClientSecret == "" || hasSpace(o.ClientSecret.Reveal()) {
		l.add("oidc.client_secret", "is required with oidc.issuer, without white space (value not shown)")
	}
	claim, platform, name := o.Mapping()
	switch {
	case claim == "":
		l.add("oidc.claim", "is required for an issuer other than Slack or Entra ID: the ID token claim holding the chat user ID")
	case hasSpace(claim):
		l.addf("oidc.claim", "must be a claim name without white space, got %q", claim)
	}
	if utf8.RuneCountInString(name) > maxLevelName {
		l.addf("oidc.name", "must be at most %d characters, got %d", maxLevelName, utf8.RuneCountInString(name))
	}
	if !slices.Contains(l.known.Platforms, platform) {
		l.addf("oidc.platform", "must be %s, got %q", oneOf(l.known.Platforms), platform)
	}
	if strings.TrimRight(o.Issuer, "/") == SlackIssuer && c.Slack.TeamID == "" {
		l.add("slack.team_id", "is required with Sign in with Slack: without it a person of any Slack workspace could sign in")
	}
}

// loopback reports whether host is this machine (an issuer there may be
// plain http: a test or a local proxy).
func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// checkPagerDuty checks the PagerDuty integration, never showing its
// routing key or webhook secret, and normalizes its priorities.
func (l *loader) checkPagerDuty(p *PagerDuty) {
	for _, f := range []struct {
		path string
		v    Secret
	}{{"pagerduty.routing_key", p.RoutingKey}, {"pagerduty.webhook_secret", p.WebhookSecret}} {
		if hasSpace(f.v.Reveal()) {
			l.add(f.path, "must not contain white space (value not shown)")
		}
	}
	if !p.Enabled() && (p.WebhookSecret != "" || len(p.Priorities) > 0) {
		l.add("pagerduty.routing_key", "is required when pagerduty.webhook_secret or pagerduty.priorities is set: it is the Events API v2 integration key of the service to page")
	}
	if u, err := url.Parse(p.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		l.addf("pagerduty.api_url", "must be an http(s) URL such as %q, got %q", DefaultPagerDutyURL, p.APIURL)
	}
	l.checkPriorityList("pagerduty.priorities", p.Priorities)
}

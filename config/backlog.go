package config

import (
	"net/url"
	"strings"
)

// Backlog files each follow-up as an issue in one Backlog (Nulab)
// project (API v2, a user's API key in the query) and follows the issues'
// status back through a project webhook whose URL carries WebhookToken:
// Backlog signs nothing, so the token is the webhook's only credential,
// and every delivery is checked against the API before anything moves.
// It is on when URL is set.
type Backlog struct {
	// URL is the space, "https://acme.backlog.jp" or
	// "https://acme.backlog.com".
	URL string `yaml:"url"`
	// APIKey is the API key of the Backlog user issues are filed as.
	APIKey Secret `yaml:"api_key"`
	// ProjectID is the numeric id of the project issues are filed in.
	ProjectID int `yaml:"project_id"`
	// IssueTypeID is the numeric id of the issue type they are filed as.
	IssueTypeID int `yaml:"issue_type_id"`
	// PriorityID is their priority (DefaultBacklogPriorityID, Normal).
	PriorityID int `yaml:"priority_id"`
	// WebhookToken is the token in the webhook's URL
	// (/integrations/backlog?token=…); set, the route follows the issues'
	// closing and reopening back.
	WebhookToken Secret `yaml:"webhook_token"`
}

// DefaultBacklogPriorityID is Backlog's default Normal (中) priority.
const DefaultBacklogPriorityID = 3

// Enabled reports whether follow-ups are filed in Backlog.
func (b Backlog) Enabled() bool { return b.URL != "" }

// checkBacklog checks the Backlog integration, never showing its API key
// or webhook token. Follow-ups go to one tracker (handlers.Tracking holds
// one), so Backlog with Jira or GitHub is refused.
func (l *loader) checkBacklog(c *Config) {
	b := &c.Backlog
	if hasSpace(b.APIKey.Reveal()) {
		l.add("backlog.api_key", "must not contain white space (value not shown)")
	}
	l.checkURLToken("backlog.webhook_token", b.WebhookToken)
	if !b.Enabled() {
		if b.APIKey != "" || b.WebhookToken != "" || b.ProjectID != 0 || b.IssueTypeID != 0 {
			l.add("backlog.url", "is required when another backlog setting is set: the space, such as \"https://acme.backlog.jp\"")
		}
		return
	}
	var others []string
	if c.Jira.Enabled() {
		others = append(others, "jira.url")
	}
	if c.GitHub.Enabled() {
		others = append(others, "github.repository")
	}
	if len(others) > 0 {
		l.addf("backlog.url", "cannot be set together with %s: follow-ups are filed in one tracker, so set up one of Jira, GitHub and Backlog",
			strings.Join(others, " and "))
	}
	if u, err := url.Parse(b.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" {
		l.addf("backlog.url", "must be the space's http(s) URL, such as %q or %q (no user, password or query in it), got %q",
			"https://acme.backlog.jp", "https://acme.backlog.com", redactURL(noQuery(b.URL)))
	}
	if b.APIKey == "" {
		l.add("backlog.api_key", "is required when backlog.url is set: the API key of the Backlog user issues are filed as (Personal settings > API)")
	}
	if b.ProjectID <= 0 {
		l.add("backlog.project_id", "is required when backlog.url is set: the numeric id of the project issues are filed in")
	}
	if b.IssueTypeID <= 0 {
		l.add("backlog.issue_type_id", "is required when backlog.url is set: the numeric id of the issue type follow-ups are filed as")
	}
	if b.PriorityID <= 0 {
		l.addf("backlog.priority_id", "must be a positive priority id (Backlog's Normal is %d), got %d", DefaultBacklogPriorityID, b.PriorityID)
	}
}

// noQuery is raw without its query, which may carry an API key.
func noQuery(raw string) string {
	if before, _, ok := strings.Cut(raw, "?"); ok {
		return before + "?…"
	}
	return raw
}

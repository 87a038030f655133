package config

import (
	"net/url"
	"regexp"
	"strings"
)

// DefaultJiraIssueType is the issue type follow-ups are filed as.
const DefaultJiraIssueType = "Task"

// Jira files each follow-up as an issue in a Jira Cloud project (REST v3,
// basic auth with an Atlassian account's email and API token) and follows
// the issues' status back through an admin webhook signed with
// WebhookSecret. It is on when URL is set.
type Jira struct {
	// URL is the Jira Cloud site, "https://acme.atlassian.net".
	URL string `yaml:"url"`
	// Email is the Atlassian account the API token belongs to.
	Email string `yaml:"email"`
	// APIToken is that account's API token.
	APIToken Secret `yaml:"api_token"`
	// Project is the key of the project issues are filed in ("OPS").
	Project string `yaml:"project"`
	// IssueType is the issue type's name (DefaultJiraIssueType).
	IssueType string `yaml:"issue_type"`
	// WebhookSecret is the admin webhook's secret; set, POST
	// /integrations/jira takes the issues' status changes.
	WebhookSecret Secret `yaml:"webhook_secret"`
}

// Enabled reports whether follow-ups are filed in Jira.
func (j Jira) Enabled() bool { return j.URL != "" }

// jiraProject is what a Jira project key looks like: an upper-case letter,
// then upper-case letters, digits or underscores.
var jiraProject = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,254}$`)

// checkJira checks the Jira integration, never showing its API token or
// webhook secret.
func (l *loader) checkJira(j *Jira) {
	for _, f := range []struct {
		path string
		v    Secret
	}{{"jira.api_token", j.APIToken}, {"jira.webhook_secret", j.WebhookSecret}} {
		if hasSpace(f.v.Reveal()) {
			l.add(f.path, "must not contain white space (value not shown)")
		}
	}
	if !j.Enabled() {
		if j.APIToken != "" || j.WebhookSecret != "" || j.Email != "" || j.Project != "" {
			l.add("jira.url", "is required when another jira setting is set: it is the Jira Cloud site, such as \"https://acme.atlassian.net\"")
		}
		return
	}
	if u, err := url.Parse(j.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		l.addf("jira.url", "must be an http(s) URL such as %q (no user or password in it), got %q", "https://acme.atlassian.net", redactURL(j.URL))
	}
	if !strings.Contains(j.Email, "@") {
		l.add("jira.email", "is required when jira.url is set: the email of the Atlassian account the API token belongs to")
	}
	if j.APIToken == "" {
		l.add("jira.api_token", "is required when jira.url is set: an API token of that Atlassian account (id.atlassian.com → Security → API tokens)")
	}
	if !jiraProject.MatchString(j.Project) {
		l.addf("jira.project", "must be a Jira project key such as \"OPS\" (upper-case letters, digits, underscores), got %q", j.Project)
	}
	if t := strings.TrimSpace(j.IssueType); t == "" || strings.ContainsAny(t, "\r\n") || len(t) > 60 {
		l.addf("jira.issue_type", "must be an issue type's name, one line of at most 60 characters (default \"Task\"), got %q", j.IssueType)
	}
}

// redactURL is raw without any user information it holds, which could
// be a password.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if err != nil && strings.Contains(raw, "@") {
			return "(not shown)"
		}
		return raw
	}
	u.User = nil
	return u.String()
}

package config

import (
	"net/url"
	"regexp"
)

// DefaultGitHubAPIURL is github.com's REST API.
const DefaultGitHubAPIURL = "https://api.github.com"

// GitHub files each follow-up as an issue in one repository (REST API,
// a fine-grained token or a classic PAT as a bearer token) and follows
// the issues' closing and reopening back through a repository webhook
// signed with WebhookSecret. It is on when Repository is set.
type GitHub struct {
	// APIURL is the REST API's base (DefaultGitHubAPIURL); GitHub
	// Enterprise Server's is "https://ghe.example.com/api/v3".
	APIURL string `yaml:"api_url"`
	// Token is a fine-grained token with Issues read and write on the
	// repository, or a classic PAT with the repo scope.
	Token Secret `yaml:"token"`
	// Repository is "owner/repo", where issues are filed.
	Repository string `yaml:"repository"`
	// WebhookSecret is the repository webhook's secret; set, POST
	// /integrations/github takes the issues' closing and reopening.
	WebhookSecret Secret `yaml:"webhook_secret"`
}

// Enabled reports whether follow-ups are filed in GitHub.
func (g GitHub) Enabled() bool { return g.Repository != "" }

// githubRepository is what "owner/repo" looks like.
var githubRepository = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$`)

// checkGitHub checks the GitHub integration, never showing its token or
// webhook secret. Follow-ups go to one tracker (handlers.Tracking holds
// one), so GitHub and Jira together are refused.
func (l *loader) checkGitHub(c *Config) {
	g := &c.GitHub
	if hasSpace(g.Token.Reveal()) {
		l.add("github.token", "must not contain white space (value not shown)")
	}
	if hasSpace(g.WebhookSecret.Reveal()) {
		l.add("github.webhook_secret", "must not contain white space (value not shown)")
	}
	if !g.Enabled() {
		if g.Token != "" || g.WebhookSecret != "" {
			l.add("github.repository", "is required when another github setting is set: the repository issues are filed in, such as \"acme/ops\"")
		}
		return
	}
	if c.Jira.Enabled() {
		l.add("github.repository", "cannot be set together with jira.url: follow-ups are filed in one tracker, so set up one of Jira, GitHub and Backlog")
	}
	if !githubRepository.MatchString(g.Repository) {
		l.addf("github.repository", "must be \"owner/repo\", such as \"acme/ops\", got %q", g.Repository)
	}
	if u, err := url.Parse(g.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		l.addf("github.api_url", "must be an http(s) URL such as %q or, for GitHub Enterprise Server, %q (no user or password in it), got %q",
			DefaultGitHubAPIURL, "https://ghe.example.com/api/v3", redactURL(g.APIURL))
	}
	if g.Token == "" {
		l.add("github.token", "is required when github.repository is set: a fine-grained token with Issues read and write on the repository, or a classic PAT with the repo scope")
	}
}

package config

import (
	"fmt"
	"net/url"

	"github.com/warroomhq/warroom/bot"
)

// Default bases of Zoom's REST API and of its OAuth server.
const (
	DefaultZoomAPIURL   = "https://api.zoom.us"
	DefaultZoomOAuthURL = "https://zoom.us"
)

// Zoom starts a video meeting for incidents through a Zoom
// Server-to-Server OAuth app. It is on when all three credentials are
// set.
type Zoom struct {
	// AccountID, ClientID and ClientSecret are the app's credentials (its
	// App Credentials page).
	AccountID    string `yaml:"account_id"`
	ClientID     string `yaml:"client_id"`
	ClientSecret Secret `yaml:"client_secret"`
	// Priorities are the priorities whose declaration starts a call, P1..P4
	// or aliases (default: all); Load normalizes them to "P1".."P4". The
	// call command starts one at any priority.
	Priorities []string `yaml:"priorities,omitempty"`
	// APIURL and OAuthURL are the bases of Zoom's REST API and OAuth server
	// (DefaultZoomAPIURL, DefaultZoomOAuthURL).
	APIURL   string `yaml:"api_url"`
	OAuthURL string `yaml:"oauth_url"`
}

// Enabled reports whether Zoom calls are configured.
func (z Zoom) Enabled() bool { return z.AccountID != "" && z.ClientID != "" && z.ClientSecret != "" }

// Calls lists the priorities whose declaration starts a call; none means
// every priority.
func (z Zoom) Calls() []bot.Priority { return parsedPriorities(z.Priorities) }

// parsedPriorities are the valid priorities of list.
func parsedPriorities(list []string) []bot.Priority {
	var out []bot.Priority
	for _, s := range list {
		if pr, ok := bot.ParsePriority(s); ok {
			out = append(out, pr)
		}
	}
	return out
}

// checkZoom checks the Zoom integration, never showing its client
// secret, and normalizes its priorities.
func (l *loader) checkZoom(z *Zoom) {
	for _, f := range []struct{ path, v string }{{"zoom.account_id", z.AccountID}, {"zoom.client_id", z.ClientID}} {
		if hasSpace(f.v) {
			l.addf(f.path, "must not contain white space, got %q", f.v)
		}
	}
	if hasSpace(z.ClientSecret.Reveal()) {
		l.add("zoom.client_secret", "must not contain white space (value not shown)")
	}
	set := map[string]bool{"zoom.account_id": z.AccountID != "", "zoom.client_id": z.ClientID != "", "zoom.client_secret": z.ClientSecret != ""}
	any := len(z.Priorities) > 0
	for _, on := range set {
		any = any || on
	}
	if any && !z.Enabled() {
		for _, f := range []string{"zoom.account_id", "zoom.client_id", "zoom.client_secret"} {
			if !set[f] {
				l.add(f, "is required when any of zoom.account_id, zoom.client_id, zoom.client_secret or zoom.priorities is set: the Server-to-Server OAuth app's credentials go together")
			}
		}
	}
	for _, f := range []struct{ path, v, def string }{
		{"zoom.api_url", z.APIURL, DefaultZoomAPIURL}, {"zoom.oauth_url", z.OAuthURL, DefaultZoomOAuthURL},
	} {
		if u, err := url.Parse(f.v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			l.addf(f.path, "must be an http(s) URL such as %q, got %q", f.def, f.v)
		}
	}
	l.checkPriorityList("zoom.priorities", z.Priorities)
}

// checkPriorityList checks a list of priorities at path (P1..P4 or
// aliases, each once) and normalizes them to "P1".."P4".
func (l *loader) checkPriorityList(path string, list []string) {
	seen := map[bot.Priority]bool{}
	for i, v := range list {
		pr, ok := bot.ParsePriority(v)
		switch {
		case !ok:
			l.addf(fmt.Sprintf("%s[%d]", path, i), "must be P1, P2, P3 or P4 (or an alias such as sev1 or critical), got %q", v)
			continue
		case seen[pr]:
			l.addf(fmt.Sprintf("%s[%d]", path, i), "%s is listed twice", pr)
		}
		seen[pr] = true
		list[i] = pr.String()
	}
}

package bot

import (
	"slices"
	"strings"
	"time"
)

// Viewer is a person looking at Warroom from outside a conversation: a
// browser signed in as their chat user. The audience rule sees them as
// that user on that platform, acting from no channel.
type Viewer struct {
	// Platform is the chat platform's name ("slack", "teams", "console").
	Platform string `json:"platform"`
	// User is the person's platform user ID and display name.
	User User `json:"user"`
	// Lang is the language they speak in chat.
	Lang Lang `json:"lang,omitempty"`
}

// SignIn is what a single-use sign-in link stands for: the person the
// browser will be signed in as, and where it goes next.
type SignIn struct {
	Viewer
	// Incident is the incident to open after signing in, 0 for the
	// dashboard.
	Incident int64 `json:"incident,omitempty"`
}

// OIDCLogin is an OpenID Connect sign-in under way, kept from the
// redirect to the identity provider until its callback: the nonce the ID
// token must carry, the PKCE verifier the code is exchanged with, and the
// language of the page that started it.
type OIDCLogin struct {
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Lang     Lang   `json:"lang,omitempty"`
}

// Session is a signed-in browser.
type Session struct {
	Viewer
	// CSRF is the session's secret, which every state-changing request
	// carries back.
	CSRF      string    `json:"csrf"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// IncidentQuery selects incidents for a list a person browses (the web
// dashboard). Zero fields select everything.
type IncidentQuery struct {
	// Statuses keeps the incidents in any of them.
	Statuses []Status
	// Priorities keeps the incidents of any of them.
	Priorities []Priority
	// Source keeps the incidents of one origin: "manual" (declared by a
	// person), "drill", "alert" (opened by any alert source) or
	// "alert:<source>" ("alert:alertmanager").
	Source string
	// Since and Until keep the incidents created at or after Since and
	// before Until.
	Since, Until time.Time
	// Text, when set, is a search (the same as chat's search): results
	// come best match first instead of newest first.
	Text string
	// Page is the 1-based page and PerPage its size.
	Page, PerPage int
}

// Matches reports whether inc passes every filter of q but the statuses
// and the text (which the store's indexes answer).
func (q IncidentQuery) Matches(inc *Incident) bool {
	if len(q.Priorities) > 0 && !slices.Contains(q.Priorities, inc.Priority) {
		return false
	}
	if !q.Since.IsZero() && inc.CreatedAt.Before(q.Since) {
		return false
	}
	if !q.Until.IsZero() && !inc.CreatedAt.Before(q.Until) {
		return false
	}
	switch q.Source {
	case "":
		return true
	case "alert":
		return strings.HasPrefix(inc.Source, "alert:")
	}
	return inc.Source == q.Source
}

// HasStatus reports whether inc passes q's status filter.
func (q IncidentQuery) HasStatus(inc *Incident) bool {
	return len(q.Statuses) == 0 || slices.Contains(q.Statuses, inc.Status)
}

// IncidentPage is one page of the incidents an IncidentQuery selects.
type IncidentPage struct {
	Incidents []*Incident
	// Total is how many incidents match, on every page.
	Total int
	// Counts is how many match each status, under the query's other
	// filters (so a page filtered to one status still counts the others).
	Counts map[Status]int
	// Page is the page shown (1-based) and Pages how many there are.
	Page, Pages int
	// Truncated says the scan stopped at its bound: older incidents exist
	// that this list does not reach.
	Truncated bool
}

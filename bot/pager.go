package bot

import (
	"context"
	"strings"
)

// Pager pages the people on call for an incident through an outside
// paging service (PagerDuty), and keeps that page in step with the
// incident: Trigger when the incident starts to need a human, Acknowledge
// when someone has it, Resolve when it ends. Every call names the page by
// its dedup key (PageKey), so a retried call, or two replicas making the
// same one, change the one page the service already has instead of paging
// twice.
//
// A call returns nil once the service accepted the event; an error that
// is a *PageError says why it was refused in words a person can read
// (never a secret). Implementations retry what the service asks them to
// (rate limits, its own outages) within the caller's context.
type Pager interface {
	// Name is the paging service as people read it ("PagerDuty").
	Name() string
	Trigger(ctx context.Context, p Page) error
	Acknowledge(ctx context.Context, p Page) error
	Resolve(ctx context.Context, p Page) error
}

// Page is what a page says about its incident.
type Page struct {
	// Key is the dedup key (PageKey of the incident).
	Key string
	// Incident is the incident's key, "INC-42".
	Incident string
	// Summary is the page's one line. For a private incident it names the
	// incident only (PrivateSummary): its title stays inside Warroom.
	Summary  string
	Priority Priority
	// Title is the incident's title; empty for a private incident.
	Title string
	// URL is the incident's web page, when Warroom has a public URL.
	URL string
}

// PageError is a page the paging service refused for good (an invalid
// event, a revoked key): retrying it would be refused again. Reason is
// safe to show people.
type PageError struct {
	Reason string
}

func (e *PageError) Error() string { return "page refused: " + e.Reason }

// pageKeyPrefix starts every dedup key Warroom makes.
const pageKeyPrefix = "warroom-"

// PageKey is the dedup key of inc's page: the same for every call about
// the incident, from any replica, and short (PagerDuty allows 255).
func PageKey(inc *Incident) string { return pageKeyPrefix + inc.Key() }

// ParsePageKey returns the incident ID a dedup key made by PageKey names;
// false for a key Warroom did not make.
func ParsePageKey(key string) (int64, bool) {
	rest, ok := strings.CutPrefix(key, pageKeyPrefix)
	if !ok || !strings.HasPrefix(rest, "INC-") {
		return 0, false
	}
	return ParseID(rest)
}

// PrivateSummary is the summary of a private incident's page: its key
// and priority, never its title.
func PrivateSummary(inc *Incident) string {
	return "Private incident " + inc.Key() + " (" + inc.Priority.String() + ")"
}

// PageOf is inc's page as Warroom sends it; url is the incident's web page
// ("" when there is no public URL).
func PageOf(inc *Incident, url string) Page {
	p := Page{Key: PageKey(inc), Incident: inc.Key(), Priority: inc.Priority, URL: url}
	if inc.Private {
		p.Summary = PrivateSummary(inc)
		return p
	}
	p.Title = inc.Title
	p.Summary = inc.Key() + " " + inc.Priority.String() + ": " + inc.Title
	return p
}

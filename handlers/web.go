package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// The web interface's use cases: the sign-in link `web` sends, and the
// queries of the pages a signed-in browser reads (package adapters/web).
// A browser is signed in as one chat person (bot.Viewer), and the
// audience rule sees it as that person acting from no channel: a private
// incident exists for it only if that person is in its audience.

const (
	// SignInTTL is how long a sign-in link works.
	SignInTTL = 10 * time.Minute
	// dashboardScan bounds how many incidents one dashboard query reads
	// (past it, IncidentPage.Truncated says so).
	dashboardScan = 10000
	// dashboardPerPage is a page's default size, and maxPerPage its bound.
	dashboardPerPage = 25
	maxPerPage       = 100
)

// web handles "web [INC-n]": a single-use sign-in link for the person
// asking, under the public URL, shown only to them. It opens the incident
// named (or the one whose channel this is), or else the dashboard. A
// private incident the person may not see was refused by the resolver
// exactly as a number never used.
func (s *Service) web(ctx context.Context, req *bot.Request) error {
	base := strings.TrimRight(s.opts.PublicURL, "/")
	if base == "" {
		return req.Reply(ctx, bot.Message{Text: req.T("web.no_public_url")})
	}
	in := bot.SignIn{Viewer: bot.Viewer{Platform: req.Event.Home(), User: req.Event.User, Lang: req.Lang}}
	if req.Incident != nil {
		in.Incident = req.Incident.ID
	}
	token, err := s.store.CreateSignIn(ctx, in, SignInTTL)
	if err != nil {
		return err
	}
	link := base + "/signin/" + token
	text := req.T("web.link", "user", req.Event.User.Display(), "url", link, "minutes", "10")
	if req.Incident != nil {
		text = req.T("web.link.incident", "user", req.Event.User.Display(), "url", link, "minutes", "10", "id", req.Incident.Key())
	}
	return req.Reply(ctx, bot.Message{
		Title:    req.T("web.title"),
		Text:     text,
		Buttons:  []bot.Button{{Label: req.T("web.open"), URL: link}},
		NoUnfurl: true,
		Secret:   true,
	})
}

// viewer is the request the audience rule judges v by: v's person on v's
// platform, in no channel.
func (s *Service) viewer(v bot.Viewer) *bot.Request {
	req := &bot.Request{Event: &bot.Event{Platform: v.Platform, User: v.User}, Lang: v.Lang}
	req.Platform, _ = s.platforms.Platform(v.Platform)
	return req
}

// Incidents is the dashboard's query: the incidents v may see that q
// selects, newest first (best match first with q.Text, through the same
// search as chat's), one page of them, with counts by status. A private
// incident outside v's audience is in no list and no count.
//
// Without text it reads the store's facet indexes (store.Browse): counts
// and the page's order come from them, and only the page's records and
// the private incidents (judged one by one) are read.
func (s *Service) Incidents(ctx context.Context, v bot.Viewer, q bot.IncidentQuery) (bot.IncidentPage, error) {
	sees := s.seesFunc(ctx, s.viewer(v))
	keep := func(inc *bot.Incident) bool { return q.Matches(inc) && sees(inc) }
	per := q.PerPage
	if per <= 0 {
		per = dashboardPerPage
	}
	per = min(per, maxPerPage)
	if strings.TrimSpace(q.Text) == "" {
		return s.browse(ctx, v, q, keep, per)
	}
	hits, err := s.store.Search(ctx, strings.TrimSpace(q.Text), dashboardScan)
	if err != nil {
		return bot.IncidentPage{}, err
	}
	all, err := s.incidents(ctx, hits, dashboardScan, keep)
	if err != nil {
		return bot.IncidentPage{}, err
	}
	page := bot.IncidentPage{Counts: map[bot.Status]int{}, Truncated: len(all) == dashboardScan}
	var shown []*bot.Incident
	for _, inc := range all {
		page.Counts[inc.Status]++
		if q.HasStatus(inc) {
			shown = append(shown, inc)
		}
	}
	page.Total = len(shown)
	page.Pages = max(1, (len(shown)+per-1)/per)
	page.Page = min(max(1, q.Page), page.Pages)
	from := (page.Page - 1) * per
	page.Incidents = shown[from:min(from+per, len(shown))]
	return page, nil
}

// browse is Incidents without text, from the store's facet indexes. A
// page past the last is the last, as with text.
func (s *Service) browse(ctx context.Context, v bot.Viewer, q bot.IncidentQuery, keep func(*bot.Incident) bool, per int) (bot.IncidentPage, error) {
	// The facet filter is q's own Matches on what a facet knows (the time
	// range is the index's score).
	probe := q
	probe.Since, probe.Until = time.Time{}, time.Time{}
	bq := store.BrowseQuery{
		Facets: func(f store.Facet) bool {
			return probe.Matches(&bot.Incident{Priority: f.Priority, Source: f.Source})
		},
		Statuses: q.Statuses,
		Since:    q.Since,
		Until:    q.Until,
		Admit:    keep,
		Limit:    per,
	}
	// Which private incidents to judge (see sees): an admin sees them
	// all; where Warroom keeps the audience itself, someone outside the
	// incident's conversation is in it only as a role holder or member,
	// which the store indexes; where the platform keeps the roster, it
	// must be asked about each.
	if s.isAdmin(v.User.ID) {
		bq.AllPrivate = true
	} else if _, roster := s.viewer(v).Platform.(bot.Roster); !roster {
		bq.Named = &store.Person{Platform: v.Platform, ID: v.User.ID}
	}
	want := max(1, q.Page)
	for {
		bq.Offset = (want - 1) * per
		res, err := s.store.Browse(ctx, bq)
		if err != nil {
			return bot.IncidentPage{}, err
		}
		pages := max(1, (res.Total+per-1)/per)
		if want > pages {
			want = pages
			continue
		}
		return bot.IncidentPage{Incidents: res.Incidents, Total: res.Total, Counts: res.Counts, Page: want, Pages: pages}, nil
	}
}

// Incident reads incident id for v: a private incident outside v's
// audience is an error wrapping bot.ErrNotFound, exactly as a number never
// used. An admin outside the audience sees it, and the look is written on
// its timeline (KindAccess, command "web").
func (s *Service) Incident(ctx context.Context, v bot.Viewer, id int64) (*bot.Incident, error) {
	inc, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	req := s.viewer(v)
	req.Route = &bot.Route{Name: "web"}
	if err := s.admit(ctx, req, inc); err != nil {
		return nil, err
	}
	return inc, nil
}

// IncidentTimeline reads incident id for v, as Incident does (and with
// the same one look written for an admin), with the last n entries of its
// timeline in reading order and how many it holds.
func (s *Service) IncidentTimeline(ctx context.Context, v bot.Viewer, id int64, n int) (*bot.Incident, []bot.TimelineEntry, int64, error) {
	if n <= 0 || n > maxTimeline {
		return nil, nil, 0, bot.Errorf(bot.CodeBadNumber, "value", strconv.Itoa(n), "max", strconv.Itoa(maxTimeline))
	}
	inc, err := s.Incident(ctx, v, id)
	if err != nil {
		return nil, nil, 0, err
	}
	entries, err := s.store.Timeline(ctx, id, store.TimelineQuery{Last: n, InOrder: true})
	if err != nil {
		return nil, nil, 0, err
	}
	total, err := s.store.TimelineLen(ctx, id)
	if err != nil {
		return nil, nil, 0, err
	}
	return inc, entries, total, nil
}

// PriorityLabel is how priority p reads in lang ("P2 (high)", or the
// configured name).
func (s *Service) PriorityLabel(lang bot.Lang, p bot.Priority) string {
	return s.priorityLabel(lang, p)
}

// Criteria is what priority p means, in lang (configured, or the
// catalog's).
func (s *Service) Criteria(lang bot.Lang, p bot.Priority) string { return s.criteria(lang, p) }

// Describe says in words, in lang, what timeline entry e records (as the
// chat timeline shows it, without the time and author).
func (s *Service) Describe(lang bot.Lang, e bot.TimelineEntry) string { return s.describe(lang, e) }

// Roles are the roles people can hold, the built-in ones first.
func (s *Service) Roles() []bot.Role { return append([]bot.Role(nil), s.opts.Roles...) }

// SignInViewer is the chat person a browser signs in as when an identity
// provider vouches for platform user ID id (OpenID Connect): on a
// platform that can look people up, the person it finds (a Teams user
// looked up by Entra object ID is their Bot Framework ID, the one their
// messages and roles carry), with its display name; on one that cannot
// (bot.ErrUnsupported), id itself with the name the provider gave. An
// unknown platform, or a person the platform does not know, is an error
// wrapping bot.ErrNotFound: no session is made for them.
func (s *Service) SignInViewer(ctx context.Context, platform, id, name string, lang bot.Lang) (bot.Viewer, error) {
	var p bot.Platform
	ok := false
	if s.platforms != nil {
		p, ok = s.platforms.Platform(platform)
	}
	if !ok || id == "" {
		return bot.Viewer{}, fmt.Errorf("sign in as %s user %q: %w", platform, id, bot.ErrNotFound)
	}
	v := bot.Viewer{Platform: platform, User: bot.User{ID: id, Name: name}, Lang: lang}
	dir, ok := p.(bot.Directory)
	if !ok {
		return v, nil
	}
	u, err := dir.LookupUser(ctx, id)
	switch {
	case errors.Is(err, bot.ErrUnsupported):
		return v, nil
	case err != nil:
		return bot.Viewer{}, fmt.Errorf("sign in as %s user %q: %w", platform, id, err)
	}
	if u.Name == "" {
		u.Name = name
	}
	v.User = u
	return v, nil
}

package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/warroomhq/warroom/bot"
)

const (
	// maxSearch bounds the dashboard's search text, as chat's search.
	maxSearch = 200
	// timelinePage is how many entries the incident page shows.
	timelinePage = 50
	dateForm     = "2006-01-02"
	clockForm    = "2006-01-02 15:04 MST"
)

// howToView is the sign-in page's: OIDC is the OpenID Connect sign-in's
// path, "" when it is not configured.
type howToView struct {
	SignedOut      bool
	OIDC, Provider string
}

type signInView struct{ Action, Nonce, User, Platform string }

// option is one choice of a select.
type option struct {
	Value, Label       string
	Selected, Disabled bool
}

// filters are the dashboard's query parameters as given, to fill the form
// again.
type filters struct {
	Status, Priority, Source, Since, Until, Text string
}

type dashboardView struct {
	Filters    filters
	Statuses   []option
	Priorities []option
	Sources    []option
	Errors     []string
	Counts     []countView
	Rows       []rowView
	Total      string
	PageText   string
	PrevURL    string
	NextURL    string
	Truncated  string
}

type countView struct {
	Label, URL string
	N          int
	Current    bool
}

type rowView struct {
	Key, URL, Title, Status, StatusClass, Priority, Commander, Created string
	Private, Drill                                                     bool
}

// dashboard serves GET /: the incidents the viewer may see, filtered.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, sess *session) {
	v := s.signedInView(r, sess, "web.dashboard.title")
	q, f, problems := s.parseQuery(v.L, r.URL.Query())
	body := dashboardView{Filters: f, Errors: problems}
	body.Statuses, body.Priorities, body.Sources = s.choices(v.L, f)
	v.Body = &body
	if len(problems) > 0 {
		s.render(w, r, http.StatusBadRequest, "dashboard", v)
		return
	}
	page, err := s.opts.Incidents.Incidents(r.Context(), sess.Viewer, q)
	if err != nil {
		s.fail(w, r, &sess.Viewer, err)
		return
	}
	for _, st := range bot.Statuses {
		if n := page.Counts[st]; n > 0 {
			body.Counts = append(body.Counts, countView{Label: st.Label(v.Lang), N: n, Current: f.Status == string(st),
				URL: pageURL(r.URL.Query(), map[string]string{"status": string(st), "page": ""})})
		}
	}
	for _, inc := range page.Incidents {
		body.Rows = append(body.Rows, s.row(v.Lang, inc))
	}
	body.Total = v.L.T("web.total", "total", strconv.Itoa(page.Total))
	body.PageText = v.L.T("web.page", "page", strconv.Itoa(page.Page), "pages", strconv.Itoa(page.Pages))
	if page.Page > 1 {
		body.PrevURL = pageURL(r.URL.Query(), map[string]string{"page": strconv.Itoa(page.Page - 1)})
	}
	if page.Page < page.Pages {
		body.NextURL = pageURL(r.URL.Query(), map[string]string{"page": strconv.Itoa(page.Page + 1)})
	}
	if page.Truncated {
		scanned := 0
		for _, n := range page.Counts {
			scanned += n
		}
		body.Truncated = v.L.T("web.truncated", "n", strconv.Itoa(scanned))
	}
	s.render(w, r, http.StatusOK, "dashboard", v)
}

// parseQuery reads the dashboard's filters; problems are the messages of
// the ones that are wrong, in the viewer's language.
func (s *Server) parseQuery(l bot.Translator, vals url.Values) (bot.IncidentQuery, filters, []string) {
	f := filters{Status: vals.Get("status"), Priority: vals.Get("priority"), Source: vals.Get("source"),
		Since: strings.TrimSpace(vals.Get("since")), Until: strings.TrimSpace(vals.Get("until")), Text: strings.TrimSpace(vals.Get("q"))}
	var q bot.IncidentQuery
	var problems []string
	bad := func(key, field, value string, args ...string) {
		problems = append(problems, l.T(key, append([]string{"field", l.T(field), "value", value}, args...)...))
	}
	switch st := bot.Status(f.Status); {
	case f.Status == "":
	case f.Status == "open":
		for _, x := range bot.Statuses {
			if x.Open() {
				q.Statuses = append(q.Statuses, x)
			}
		}
	case st.Valid():
		q.Statuses = []bot.Status{st}
	default:
		bad("web.bad.choice", "web.filter.status", f.Status)
	}
	if f.Priority != "" {
		p, ok := bot.ParsePriority(f.Priority)
		if ok && f.Priority == p.String() {
			q.Priorities = []bot.Priority{p}
		} else {
			bad("web.bad.choice", "web.filter.priority", f.Priority)
		}
	}
	switch f.Source {
	case "", "manual", "alert", "drill":
		q.Source = f.Source
	default:
		bad("web.bad.choice", "web.filter.source", f.Source)
	}
	if f.Since != "" {
		t, err := time.ParseInLocation(dateForm, f.Since, s.opts.Location)
		if err != nil {
			bad("web.bad.date", "web.filter.since", f.Since)
		}
		q.Since = t
	}
	if f.Until != "" {
		t, err := time.ParseInLocation(dateForm, f.Until, s.opts.Location)
		if err != nil {
			bad("web.bad.date", "web.filter.until", f.Until)
		}
		q.Until = t.AddDate(0, 0, 1) // the whole day named
	}
	if utf8.RuneCountInString(f.Text) > maxSearch {
		bad("web.bad.text", "web.filter.text", "", "max", strconv.Itoa(maxSearch))
	}
	q.Text = f.Text
	if p := vals.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			bad("web.bad.page", "web.filter.page", p)
		}
		q.Page = n
	}
	return q, f, problems
}

// choices are the options of the dashboard's selects, f's selected.
func (s *Server) choices(l bot.Translator, f filters) (statuses, priorities, sources []option) {
	lang := bot.Lang(l)
	statuses = []option{{Value: "", Label: l.T("web.filter.any")}, {Value: "open", Label: l.T("web.filter.open")}}
	for _, st := range bot.Statuses {
		statuses = append(statuses, option{Value: string(st), Label: st.Label(lang)})
	}
	priorities = []option{{Value: "", Label: l.T("web.filter.any")}}
	for _, p := range bot.Priorities {
		priorities = append(priorities, option{Value: p.String(), Label: s.opts.Incidents.PriorityLabel(lang, p)})
	}
	sources = []option{{Value: "", Label: l.T("web.filter.any")}, {Value: "manual", Label: l.T("web.source.manual")},
		{Value: "alert", Label: l.T("web.source.alert")}, {Value: "drill", Label: l.T("web.source.drill")}}
	mark := func(opts []option, v string) {
		for i := range opts {
			opts[i].Selected = opts[i].Value == v
		}
	}
	mark(statuses, f.Status)
	mark(priorities, f.Priority)
	mark(sources, f.Source)
	return statuses, priorities, sources
}

// row is one incident of the dashboard.
func (s *Server) row(lang bot.Lang, inc *bot.Incident) rowView {
	commander := bot.T(lang, "role.vacant")
	if u, ok := inc.Holder(bot.RoleCommander); ok {
		commander = u.Display()
	}
	return rowView{Key: inc.Key(), URL: "/incidents/" + inc.Key(), Title: bot.Visible(inc.Title),
		Status: inc.Status.Label(lang), StatusClass: "status-" + string(inc.Status),
		Priority: s.opts.Incidents.PriorityLabel(lang, inc.Priority), Commander: bot.Visible(commander),
		Created: s.clock(inc.CreatedAt), Private: inc.Private, Drill: inc.Drill}
}

func (s *Server) clock(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(s.opts.Location).Format(clockForm)
}

// pageURL is "/?" with vals, changed by set (an empty value removes the
// parameter).
func pageURL(vals url.Values, set map[string]string) string { return pathURL("/", vals, set) }

// pathURL is path with the query vals (less the language choice),
// changed by set (an empty value removes the parameter).
func pathURL(path string, vals url.Values, set map[string]string) string {
	q := url.Values{}
	for k, v := range vals {
		if k != "lang" {
			q[k] = v
		}
	}
	for k, v := range set {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

type incidentView struct {
	Key, Title, Description, Status, StatusClass, Priority, Criteria, Summary string
	Private, Drill                                                            bool
	Roles                                                                     []fieldView
	Times                                                                     []fieldView
	ChannelURL, ChannelName                                                   string
	Source                                                                    string
	Labels                                                                    []fieldView
	Links                                                                     []bot.Link
	// CallURL is the join link of an open incident's video meeting, shown
	// only on its page (which admits only its audience).
	CallURL  string
	Timeline *timelineView
	// Flash is the answer to the person's last action, once; Actions the
	// forms that act on the incident (nil: read-only).
	Flash   *flash
	Actions *actionsView
	// PostmortemURL is the incident's postmortem document ("" without
	// Options.Postmortems).
	PostmortemURL string
}

type fieldView struct{ Label, Value string }

// incident serves GET /incidents/{id}: the incident, read-only. One the
// viewer may not see is answered exactly as a number never used.
func (s *Server) incident(w http.ResponseWriter, r *http.Request, sess *session) {
	raw := r.PathValue("id")
	id, ok := bot.ParseID(raw)
	if !ok || strings.HasPrefix(raw, "#") {
		s.notFound(w, r, sess)
		return
	}
	v := s.signedInView(r, sess, "web.notfound.title")
	tq := timelineQuery(r.URL.Query())
	inc, page, err := s.opts.Incidents.TimelinePage(r.Context(), sess.Viewer, id, tq)
	if errors.Is(err, bot.ErrNotFound) {
		s.message(w, r, &sess.Session, http.StatusNotFound, "web.notfound.title", "web.notfound.incident", "id", bot.FormatID(id))
		return
	}
	if err != nil {
		s.fail(w, r, &sess.Viewer, err)
		return
	}
	v.Title = inc.Key() + ": " + bot.Visible(inc.Title)
	body := s.incidentBody(v.Lang, inc)
	if f, ok := s.takeFlash(w, r, sess, "/incidents/"); ok {
		body.Flash = &f
	}
	body.Actions = s.actions(v.Lang, inc)
	if s.opts.Postmortems != nil {
		body.PostmortemURL = "/incidents/" + inc.Key() + "/postmortem"
	}
	body.Timeline = s.timelineView(v.Lang, sess, inc, tq, page)
	if body.Timeline.Live {
		v.Scripts = append(v.Scripts, "/static/live.js")
	}
	v.Body = body
	s.render(w, r, http.StatusOK, "incident", v)
}

func (s *Server) incidentBody(lang bot.Lang, inc *bot.Incident) *incidentView {
	l := bot.Translator(lang)
	b := &incidentView{Key: inc.Key(), Title: bot.Visible(inc.Title), Description: bot.Visible(inc.Description),
		Status: inc.Status.Label(lang), StatusClass: "status-" + string(inc.Status),
		Priority: s.opts.Incidents.PriorityLabel(lang, inc.Priority), Summary: bot.Visible(inc.Summary),
		Private: inc.Private, Drill: inc.Drill, ChannelURL: safeURL(inc.Channel.URL), ChannelName: bot.Visible(inc.Channel.Name)}
	if inc.Priority.Valid() {
		b.Criteria = s.opts.Incidents.Criteria(lang, inc.Priority)
	}
	for _, role := range s.opts.Incidents.Roles() {
		who := l.T("role.vacant")
		if u, ok := inc.Holder(role); ok {
			who = bot.Visible(u.Display())
		}
		b.Roles = append(b.Roles, fieldView{Label: role.Label(lang), Value: who})
	}
	b.Times = append(b.Times, fieldView{l.T("web.incident.opened"), s.clock(inc.CreatedAt)})
	if !inc.AckedAt.IsZero() {
		b.Times = append(b.Times, fieldView{l.T("web.incident.acked"), s.clock(inc.AckedAt)},
			fieldView{l.T("web.incident.tta"), bot.Duration(lang, inc.AckedAt.Sub(inc.CreatedAt))})
	}
	if !inc.ResolvedAt.IsZero() {
		b.Times = append(b.Times, fieldView{l.T("web.incident.resolved"), s.clock(inc.ResolvedAt)},
			fieldView{l.T("web.incident.ttr"), bot.Duration(lang, inc.ResolvedAt.Sub(inc.CreatedAt))})
	}
	if src, ok := strings.CutPrefix(inc.Source, "alert:"); ok {
		b.Source = src
		for k, val := range inc.Labels {
			b.Labels = append(b.Labels, fieldView{bot.Visible(k), bot.Visible(val)})
		}
		slices.SortFunc(b.Labels, func(a, c fieldView) int { return strings.Compare(a.Label, c.Label) })
	}
	for _, ln := range inc.Links {
		if u := safeURL(ln.URL); u != "" {
			b.Links = append(b.Links, bot.Link{Title: bot.Visible(ln.Title), URL: u})
		}
	}
	if inc.Status.Open() {
		b.CallURL = safeURL(inc.CallURL)
	}
	return b
}

// safeURL keeps only http(s) URLs, so an alert cannot put a javascript:
// link on the page (html/template would neutralise it too, showing
// "#ZgotmplZ").
func safeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

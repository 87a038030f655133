package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// The public status page: GET /status, /status/feed.atom and
// /status/summary.json, for anyone, without a session. What they show
// comes from StatusSource alone (handlers.StatusPage), which holds no name
// and no internal word. The page is computed at most once per
// statusFresh and each rendering kept with its ETag, so a burst of
// visitors costs one read of the store per statusFresh, and browsers and
// caches revalidate with If-None-Match.

// StatusSource is what the status page shows; *handlers.Service
// implements it.
type StatusSource interface {
	StatusPage(ctx context.Context) (bot.StatusPage, error)
}

// StatusOptions configures the public status page; a nil *StatusOptions
// in Options leaves it off (404, as any unknown path).
type StatusOptions struct {
	Source StatusSource
	// Title heads the page (default the catalog's "Status").
	Title string
	// Langs are the languages offered, the first the default for a
	// visitor who asks for none of them (default English and Japanese).
	Langs []bot.Lang
	// Components are the configured components, offered on the incident
	// page's components form.
	Components []string
}

const (
	// statusFresh is how long a computed status page is served before it
	// is computed again: well within the second in which a change must
	// show.
	statusFresh = 500 * time.Millisecond
	// statusMaxAge is what browsers and caches may keep a rendering for,
	// in seconds, before revalidating it.
	statusMaxAge = 5
)

// statusCache keeps the last computed page and its renderings.
type statusCache struct {
	mu      sync.Mutex
	at      time.Time
	page    bot.StatusPage
	renders map[string]rendered
}

// rendered is one rendering of the page with its ETag.
type rendered struct {
	body        []byte
	etag, ctype string
}

// statusRoutes mounts the status page.
func (s *Server) statusRoutes() {
	s.mux.HandleFunc("GET /status", s.serveStatus("html"))
	s.mux.HandleFunc("GET /status/feed.atom", s.serveStatus("atom"))
	s.mux.HandleFunc("GET /status/summary.json", s.serveStatus("json"))
}

// serveStatus answers one format of the status page: 304 when the
// browser's If-None-Match names the current rendering, else the
// rendering, cacheable for statusMaxAge seconds.
func (s *Server) serveStatus(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := s.statusLang(w, r)
		out, err := s.statusRendering(r.Context(), format, lang)
		if err != nil {
			s.fail(w, r, nil, err)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "public, max-age="+strconv.Itoa(statusMaxAge))
		h.Set("Vary", "Accept-Language, Cookie")
		h.Set("ETag", out.etag)
		h.Set("Content-Language", string(lang))
		if etagMatch(r.Header.Get("If-None-Match"), out.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Type", out.ctype)
		_, _ = w.Write(out.body)
	}
}

// etagMatch reports whether an If-None-Match header names etag (or is
// "*").
func etagMatch(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == etag || v == "*" {
			return true
		}
	}
	return false
}

// statusLang is the visitor's language among the page's languages.
func (s *Server) statusLang(w http.ResponseWriter, r *http.Request) bot.Lang {
	langs := s.opts.Status.Langs
	l := s.lang(nil, r, nil)
	if r.URL.Query().Has("lang") && slices.Contains(langs, l) {
		s.lang(w, r, nil) // remember the choice
	}
	if slices.Contains(langs, l) {
		return l
	}
	return langs[0]
}

// statusRendering is format in lang of the current page, from the cache
// while it is fresh.
func (s *Server) statusRendering(ctx context.Context, format string, lang bot.Lang) (rendered, error) {
	c := &s.status
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.renders == nil || now.Sub(c.at) >= statusFresh {
		page, err := s.opts.Status.Source.StatusPage(ctx)
		if err != nil {
			return rendered{}, err
		}
		c.page, c.at, c.renders = page, now, map[string]rendered{}
	}
	key := format + "/" + string(lang)
	if out, ok := c.renders[key]; ok {
		return out, nil
	}
	out, err := s.renderStatus(format, lang, c.page)
	if err != nil {
		return rendered{}, err
	}
	sum := sha256.Sum256(out.body)
	out.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
	c.renders[key] = out
	return out, nil
}

func (s *Server) renderStatus(format string, lang bot.Lang, page bot.StatusPage) (rendered, error) {
	v := s.statusView(lang, page)
	var buf bytes.Buffer
	switch format {
	case "atom":
		buf.WriteString(xml.Header)
		enc := xml.NewEncoder(&buf)
		enc.Indent("", "  ")
		if err := enc.Encode(s.atomFeed(v, page)); err != nil {
			return rendered{}, err
		}
		return rendered{body: buf.Bytes(), ctype: "application/atom+xml; charset=utf-8"}, nil
	case "json":
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(summaryOf(v, page)); err != nil {
			return rendered{}, err
		}
		return rendered{body: buf.Bytes(), ctype: "application/json; charset=utf-8"}, nil
	}
	if err := s.statusPage.Execute(&buf, v); err != nil {
		s.log.Error("render", zap.String("page", "status"), zap.Error(err))
		return rendered{}, err
	}
	return rendered{body: buf.Bytes(), ctype: "text/html; charset=utf-8"}, nil
}

// statusView is the page in one language, every word ready.
type statusView struct {
	Lang            bot.Lang
	L               bot.Translator
	Title, Headline string
	AllOK           bool
	Updated         string
	Langs           []langLink
	Components      []componentView
	Ongoing, Past   []publicView
	HistoryTitle    string
	Days            int
}

type componentView struct {
	Name, State, Label string
	Days               []dayView
}

type dayView struct{ State, Label string }

type publicView struct {
	Ref, Heading, State, StateLabel, Started, Resolved string
	Updates                                            []updateView
	// comps names its components; at is when it started, resolvedAt when
	// it ended.
	comps          string
	at, resolvedAt time.Time
}

type updateView struct {
	At, Text string
	at       time.Time
	// Texts are the update's text in each language it was written in.
	Texts bot.PublicText
}

func (s *Server) statusView(lang bot.Lang, page bot.StatusPage) *statusView {
	l := bot.Translator(lang)
	title := s.opts.Status.Title
	if title == "" {
		title = l.T("status_page.title")
	}
	v := &statusView{Lang: lang, L: l, Title: title, AllOK: true, Days: bot.HistoryDays,
		HistoryTitle: l.T("status_page.history", "days", strconv.Itoa(bot.HistoryDays))}
	for _, code := range s.opts.Status.Langs {
		v.Langs = append(v.Langs, langLink{Code: string(code), Label: bot.T(code, "web.lang."+string(code)),
			URL: "/status?lang=" + string(code), Current: code == lang})
	}
	if !page.UpdatedAt.IsZero() {
		v.Updated = l.T("status_page.updated", "time", s.when(page.UpdatedAt))
	}
	for i, c := range page.Components {
		cv := componentView{Name: c.Name, State: c.State.String(), Label: c.State.Label(lang)}
		for _, d := range page.Days {
			st := d.States[i]
			cv.Days = append(cv.Days, dayView{State: st.String(),
				Label: l.T("status_page.day", "date", d.Date.Format("2006-01-02"), "state", st.Label(lang))})
		}
		v.Components = append(v.Components, cv)
		if c.State != bot.Operational {
			v.AllOK = false
		}
	}
	v.Headline = l.T("status_page.all_ok")
	if !v.AllOK {
		v.Headline = l.T("status_page.some_down")
	}
	for _, inc := range page.Ongoing {
		v.Ongoing = append(v.Ongoing, s.publicIncidentView(l, lang, inc))
	}
	for _, inc := range page.History {
		v.Past = append(v.Past, s.publicIncidentView(l, lang, inc))
	}
	return v
}

func (s *Server) publicIncidentView(l bot.Translator, lang bot.Lang, inc bot.PublicIncident) publicView {
	comps := strings.Join(inc.Components, ", ")
	iv := publicView{Ref: "i" + inc.Ref, State: inc.State.String(), StateLabel: inc.State.Label(lang),
		Heading: l.T("status_page.incident", "components", comps),
		Started: l.T("status_page.started", "time", s.when(inc.StartedAt)), comps: comps, at: inc.StartedAt, resolvedAt: inc.ResolvedAt}
	if inc.Number != 0 {
		iv.Heading = l.T("status_page.incident_numbered", "id", bot.FormatID(inc.Number), "components", comps)
	}
	if !inc.ResolvedAt.IsZero() {
		iv.Resolved = l.T("status_page.resolved_at", "time", s.when(inc.ResolvedAt))
		iv.StateLabel = bot.Operational.Label(lang)
	}
	for _, u := range inc.Updates {
		iv.Updates = append(iv.Updates, updateView{At: s.when(u.At), Text: u.Text.In(lang), at: u.At, Texts: u.Text})
	}
	return iv
}

// when is t as the page shows it, in the deployment's time zone.
func (s *Server) when(t time.Time) string {
	return t.In(s.opts.Location).Format("2006-01-02 15:04 MST")
}

// The Atom feed (RFC 4287): one entry per public update and one per
// resolution, newest first.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Content atomText `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

func (s *Server) atomFeed(v *statusView, page bot.StatusPage) atomFeed {
	base := strings.TrimRight(s.opts.PublicURL, "/") + "/status"
	updated := page.UpdatedAt
	if updated.IsZero() {
		updated = time.Unix(0, 0)
	}
	f := atomFeed{Lang: string(v.Lang), Title: v.Title, ID: base, Updated: updated.UTC().Format(time.RFC3339),
		Links:  []atomLink{{Rel: "self", Href: base + "/feed.atom", Type: "application/atom+xml"}, {Rel: "alternate", Href: base, Type: "text/html"}},
		Author: atomAuthor{Name: v.Title}}
	entry := func(inc publicView, id string, at time.Time, text string) atomEntry {
		return atomEntry{Title: inc.Heading + " · " + inc.StateLabel, ID: base + "#" + inc.Ref + "-" + id,
			Updated: at.UTC().Format(time.RFC3339), Link: atomLink{Href: base + "#" + inc.Ref}, Content: atomText{Type: "text", Body: text}}
	}
	var entries []atomEntry
	for _, inc := range append(slices.Clone(v.Ongoing), v.Past...) {
		if !inc.resolvedAt.IsZero() {
			text := v.L.T("status_page.resolved_entry", "components", inc.comps)
			entries = append(entries, entry(inc, "resolved", inc.resolvedAt, text))
		}
		for _, u := range inc.Updates {
			e := entry(inc, strconv.FormatInt(u.at.UnixMilli(), 36), u.at, u.Text)
			e.Title = inc.Heading + " · " + stateAt(inc, u.at, v.Lang)
			entries = append(entries, e)
		}
	}
	slices.SortStableFunc(entries, func(a, b atomEntry) int { return strings.Compare(b.Updated, a.Updated) })
	f.Entries = entries
	return f
}

// stateAt is the state an update of inc was posted under: the incident's
// state while it was open.
func stateAt(inc publicView, at time.Time, lang bot.Lang) string {
	if st, ok := bot.ParseComponentState(inc.State); ok && (inc.resolvedAt.IsZero() || at.Before(inc.resolvedAt)) {
		return st.Label(lang)
	}
	return inc.StateLabel
}

// summary is /status/summary.json.
type summary struct {
	Title      string             `json:"title"`
	Lang       string             `json:"lang"`
	UpdatedAt  *time.Time         `json:"updated_at,omitempty"`
	Components []summaryComponent `json:"components"`
	Ongoing    []summaryIncident  `json:"ongoing"`
	History    []summaryIncident  `json:"history"`
	Days       []summaryDay       `json:"days"`
}

type summaryComponent struct {
	Name  string `json:"name"`
	State string `json:"state"`
	Label string `json:"label"`
}

type summaryIncident struct {
	Ref        string          `json:"ref"`
	Number     int64           `json:"number,omitempty"`
	Components []string        `json:"components"`
	State      string          `json:"state"`
	StartedAt  time.Time       `json:"started_at"`
	ResolvedAt *time.Time      `json:"resolved_at,omitempty"`
	Updates    []summaryUpdate `json:"updates"`
}

type summaryUpdate struct {
	At   time.Time `json:"at"`
	Text string    `json:"text"`
	// Texts holds each language's text when the update was written in
	// more than one.
	Texts map[string]string `json:"texts,omitempty"`
}

type summaryDay struct {
	Date   string            `json:"date"`
	States map[string]string `json:"states"`
}

func summaryOf(v *statusView, page bot.StatusPage) summary {
	out := summary{Title: v.Title, Lang: string(v.Lang), Components: []summaryComponent{}, Ongoing: []summaryIncident{},
		History: []summaryIncident{}, Days: []summaryDay{}}
	if !page.UpdatedAt.IsZero() {
		t := page.UpdatedAt.UTC()
		out.UpdatedAt = &t
	}
	for i, c := range page.Components {
		out.Components = append(out.Components, summaryComponent{Name: c.Name, State: c.State.String(), Label: v.Components[i].Label})
	}
	incident := func(inc bot.PublicIncident) summaryIncident {
		si := summaryIncident{Ref: inc.Ref, Number: inc.Number, Components: inc.Components, State: inc.State.String(),
			StartedAt: inc.StartedAt.UTC(), Updates: []summaryUpdate{}}
		if !inc.ResolvedAt.IsZero() {
			t := inc.ResolvedAt.UTC()
			si.ResolvedAt, si.State = &t, bot.Operational.String()
		}
		for _, u := range inc.Updates {
			su := summaryUpdate{At: u.At.UTC(), Text: u.Text.In(v.Lang)}
			if _, plain := u.Text[""]; !plain {
				su.Texts = map[string]string{}
				for l, t := range u.Text {
					su.Texts[string(l)] = t
				}
			}
			si.Updates = append(si.Updates, su)
		}
		return si
	}
	for _, inc := range page.Ongoing {
		out.Ongoing = append(out.Ongoing, incident(inc))
	}
	for _, inc := range page.History {
		out.History = append(out.History, incident(inc))
	}
	for _, d := range page.Days {
		sd := summaryDay{Date: d.Date.Format("2006-01-02"), States: map[string]string{}}
		for i, c := range page.Components {
			sd.States[c.Name] = d.States[i].String()
		}
		out.Days = append(out.Days, sd)
	}
	return out
}

// parseStatusPage parses the status page's template, which has no layout:
// a visitor has no session, no header and no script.
func parseStatusPage() (*template.Template, error) {
	return template.New("status.html").ParseFS(templateFS, "templates/status.html")
}

// componentChoice is one component on the incident page's components
// form.
type componentChoice struct {
	Name    string
	Checked bool
	States  []option
}

// componentChoices are the components form of inc: nil without a status
// page, and for a private incident, which never shows on it.
func (s *Server) componentChoices(lang bot.Lang, inc *bot.Incident) []componentChoice {
	if s.opts.Status == nil || inc.Private {
		return nil
	}
	out := make([]componentChoice, 0, len(s.opts.Status.Components))
	for _, c := range s.opts.Status.Components {
		chosen := inc.ComponentStates[c]
		ch := componentChoice{Name: c, Checked: slices.Contains(inc.Components, c),
			States: []option{{Value: "", Label: bot.T(lang, "web.action.state_auto"), Selected: chosen == ""}}}
		for _, st := range []bot.ComponentState{bot.Degraded, bot.PartialOutage, bot.MajorOutage} {
			ch.States = append(ch.States, option{Value: st.String(), Label: st.Label(lang), Selected: chosen == st.String()})
		}
		out = append(out, ch)
	}
	return out
}

// componentsCommand is the components form as the chat command: the
// ticked components, each with its chosen state, or "none"; problem says
// what is wrong instead.
func (s *Server) componentsCommand(l bot.Translator, r *http.Request) (args, problem string) {
	if s.opts.Status == nil {
		return "", l.T("web.action.unknown")
	}
	var parts []string
	for _, c := range r.PostForm["component"] {
		if !slices.Contains(s.opts.Status.Components, c) {
			return "", l.T("web.bad.choice", "field", l.T("web.action.components"), "value", c)
		}
		part := c
		if st := r.PostFormValue("state-" + c); st != "" {
			if _, ok := bot.ParseComponentState(st); !ok {
				return "", l.T("web.bad.choice", "field", l.T("web.action.component_state", "component", c), "value", st)
			}
			part += "=" + st
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return "none", ""
	}
	return strings.Join(parts, " "), ""
}

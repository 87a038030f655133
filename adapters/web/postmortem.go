package web

import (
	"archive/zip"
	"context"
	"errors"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// Postmortems is the postmortem as a document and its library, under the
// audience rule: an incident the viewer may not see is an error wrapping
// bot.ErrNotFound, and is in no library. *handlers.Service implements it.
type Postmortems interface {
	// PostmortemDoc reads the document: the latest version (or the draft
	// generated in lang, version 0), the history, the tags.
	PostmortemDoc(ctx context.Context, v bot.Viewer, id int64, lang bot.Lang) (bot.PostmortemDoc, error)
	// WritePostmortemDoc writes the document PostmortemDoc reads to w,
	// the generated draft streamed as it is rendered; an error before
	// w's first byte is as PostmortemDoc's.
	WritePostmortemDoc(ctx context.Context, v bot.Viewer, id int64, lang bot.Lang, w io.Writer) error
	// SavePostmortem saves text as the next version, based on version
	// base; a stale base is a *bot.PostmortemConflict and writes nothing.
	SavePostmortem(ctx context.Context, v bot.Viewer, id int64, base int, text string, lang bot.Lang) (bot.PostmortemVersion, error)
	// SetPostmortemTags replaces the document's tags.
	SetPostmortemTags(ctx context.Context, v bot.Viewer, id int64, tags bot.PostmortemTags) error
	// RenderPostmortem renders Markdown as sanitised HTML.
	RenderPostmortem(md string) (string, error)
	// Library is the published postmortems v may see that q selects.
	Library(ctx context.Context, v bot.Viewer, q bot.LibraryQuery) ([]bot.LibraryItem, error)
}

// maxDocForm bounds a posted postmortem (handlers bound its text to 100,000
// characters, which form encoding may make nine times as many bytes).
const maxDocForm = 1 << 20

// isDocPost reports whether r posts a postmortem's text.
func isDocPost(r *http.Request) bool {
	p := r.URL.Path
	return strings.HasPrefix(p, "/incidents/") && (strings.HasSuffix(p, "/postmortem") || strings.HasSuffix(p, "/postmortem/preview"))
}

// mountPostmortems adds the document's and the library's routes.
func (s *Server) mountPostmortems() {
	if s.opts.Postmortems == nil {
		return
	}
	s.mux.HandleFunc("GET /incidents/{id}/postmortem", s.signedIn(s.docPage))
	s.mux.HandleFunc("POST /incidents/{id}/postmortem", s.signedIn(s.docSave))
	s.mux.HandleFunc("POST /incidents/{id}/postmortem/preview", s.signedIn(s.docPreview))
	s.mux.HandleFunc("POST /incidents/{id}/postmortem/tags", s.signedIn(s.docTags))
	s.mux.HandleFunc("GET /incidents/{id}/postmortem.md", s.signedIn(s.docMarkdown))
	s.mux.HandleFunc("GET /postmortems", s.signedIn(s.library))
	s.mux.HandleFunc("GET /postmortems.zip", s.signedIn(s.libraryZip))
}

type docView struct {
	Key, Title, URL, IncidentURL, MarkdownURL string
	State, StateClass                         string
	Steps                                     []fieldView
	Text                                      string
	Base                                      int
	BaseLabel                                 string
	Preview                                   template.HTML
	Flash                                     *flash
	Errors                                    []string
	Conflict                                  *conflictView
	Versions                                  []pmVersionView
	Tags                                      bot.PostmortemTags
	FreeTags                                  string
	// ReviewURL and PublishURL are the state buttons' forms, when the
	// state allows them and a router runs the commands.
	ReviewURL, PublishURL string
}

type conflictView struct{ Text, Diff string }

type pmVersionView struct{ Label, Diff string }

// docID reads the incident of a document's path; false: answered 404.
func (s *Server) docID(w http.ResponseWriter, r *http.Request, sess *session) (int64, bool) {
	raw := r.PathValue("id")
	id, ok := bot.ParseID(raw)
	if !ok || strings.HasPrefix(raw, "#") {
		s.notFound(w, r, sess)
		return 0, false
	}
	return id, true
}

// docRead reads the document of r's incident for sess; false: answered
// (404 for one the viewer may not see, as for a number never used).
func (s *Server) docRead(w http.ResponseWriter, r *http.Request, sess *session) (bot.PostmortemDoc, bool) {
	id, ok := s.docID(w, r, sess)
	if !ok {
		return bot.PostmortemDoc{}, false
	}
	doc, err := s.opts.Postmortems.PostmortemDoc(r.Context(), sess.Viewer, id, s.lang(nil, r, &sess.Viewer))
	switch {
	case errors.Is(err, bot.ErrNotFound):
		s.notFoundIncident(w, r, sess, id)
		return bot.PostmortemDoc{}, false
	case err != nil:
		s.fail(w, r, &sess.Viewer, err)
		return bot.PostmortemDoc{}, false
	}
	return doc, true
}

// docPage serves GET /incidents/{id}/postmortem: the document, its
// editor with a live preview, its state and history.
func (s *Server) docPage(w http.ResponseWriter, r *http.Request, sess *session) {
	doc, ok := s.docRead(w, r, sess)
	if !ok {
		return
	}
	v, body := s.docView(w, r, sess, doc)
	if f, ok := s.takeFlash(w, r, sess, "/incidents/"); ok {
		body.Flash = &f
	}
	s.render(w, r, http.StatusOK, "postmortem", v)
}

// docView is the document page's view of doc, with its text in the
// editor and its preview.
func (s *Server) docView(w http.ResponseWriter, r *http.Request, sess *session, doc bot.PostmortemDoc) (*view, *docView) {
	v := s.signedInView(r, sess, "pmdoc.title")
	inc, l := doc.Incident, v.L
	v.Title = l.T("pmdoc.heading", "id", inc.Key())
	state := bot.PostmortemStateOf(inc)
	base := "/incidents/" + inc.Key()
	body := &docView{Key: inc.Key(), Title: bot.Visible(inc.Title), URL: base + "/postmortem", IncidentURL: base,
		MarkdownURL: base + "/postmortem.md", State: state.Label(v.Lang), StateClass: "pm-" + string(state),
		Text: doc.Current.Text, Base: doc.Current.N, Tags: doc.Tags, FreeTags: strings.Join(doc.Tags.Free, ", ")}
	body.BaseLabel = l.T("pmdoc.base.draft")
	if doc.Current.N > 0 {
		body.BaseLabel = l.T("pmdoc.base.version", "version", strconv.Itoa(doc.Current.N),
			"user", bot.Visible(doc.Current.By.Display()), "time", s.clock(doc.Current.At))
	}
	step := func(key string, at time.Time, by bot.User) {
		if !at.IsZero() {
			body.Steps = append(body.Steps, fieldView{l.T(key), l.T("pmdoc.step", "user", bot.Visible(by.Display()), "time", s.clock(at))})
		}
	}
	if len(doc.Versions) > 0 {
		first := doc.Versions[len(doc.Versions)-1]
		step("pmdoc.state.draft", first.At, first.By)
	}
	step("pmdoc.state.reviewed", inc.PostmortemReviewedAt, inc.PostmortemReviewedBy)
	step("pmdoc.state.published", inc.PostmortemPublishedAt, inc.PostmortemPublishedBy)
	if s.opts.Router != nil {
		switch state {
		case bot.PostmortemDraft:
			body.ReviewURL = base + "/actions/postmortem-reviewed"
		case bot.PostmortemReviewed:
			body.PublishURL = base + "/actions/postmortem-publish"
		}
	}
	for _, ver := range doc.Versions {
		body.Versions = append(body.Versions, pmVersionView{Diff: ver.Diff, Label: l.T("pmdoc.version",
			"version", strconv.Itoa(ver.N), "user", bot.Visible(ver.By.Display()), "time", s.clock(ver.At))})
	}
	body.Preview = s.preview(r, doc.Current.Text)
	v.Scripts = append(v.Scripts, "/static/postmortem.js")
	v.Body = body
	return v, body
}

// preview is md as sanitised HTML (empty when it cannot be rendered: the
// editor still shows the text).
func (s *Server) preview(r *http.Request, md string) template.HTML {
	out, err := s.opts.Postmortems.RenderPostmortem(md)
	if err != nil {
		s.log.Warn("render postmortem preview", zap.String("path", r.URL.Path), zap.Error(err))
		return ""
	}
	return template.HTML(out) //nolint:gosec // goldmark's safe mode: no raw HTML, no dangerous URL (postmortem.HTML)
}

// docSave serves POST /incidents/{id}/postmortem: the editor's text as a
// new version, based on the version the editor was loaded with. A save
// based on an older version is refused (409) with the diff from that
// version to the latest, the person's text kept in the editor; nothing is
// overwritten.
func (s *Server) docSave(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.checkCSRF(w, r, sess) {
		return
	}
	id, ok := s.docID(w, r, sess)
	if !ok {
		return
	}
	lang := s.lang(nil, r, &sess.Viewer)
	text := r.PostFormValue("text")
	base, err := strconv.Atoi(r.PostFormValue("base"))
	if err != nil {
		base = -1 // refused by the handlers as a bad number
	}
	saved, err := s.opts.Postmortems.SavePostmortem(r.Context(), sess.Viewer, id, base, text, lang)
	s.log.Info("save postmortem", zap.Int64("incident", id), zap.String("platform", sess.Platform),
		zap.String("user_id", sess.User.ID), zap.Bool("refused", err != nil))
	var conflict *bot.PostmortemConflict
	var coded *bot.Error
	switch {
	case err == nil:
		s.setFlash(w, sess, "/incidents/", flash{Text: bot.T(lang, "pmdoc.saved", "version", strconv.Itoa(saved.N))})
		http.Redirect(w, r, "/incidents/"+bot.FormatID(id)+"/postmortem", http.StatusSeeOther)
		return
	case errors.Is(err, bot.ErrNotFound):
		s.notFoundIncident(w, r, sess, id)
		return
	case errors.As(err, &conflict), errors.As(err, &coded):
	default:
		s.fail(w, r, &sess.Viewer, err)
		return
	}
	doc, ok := s.docRead(w, r, sess)
	if !ok {
		return
	}
	v, body := s.docView(w, r, sess, doc)
	body.Text, body.Preview = text, s.preview(r, text)
	status := http.StatusBadRequest
	if conflict != nil {
		status = http.StatusConflict
		body.Conflict = &conflictView{Diff: conflict.Diff, Text: v.L.T("pmdoc.conflict", "base", strconv.Itoa(conflict.Base),
			"version", strconv.Itoa(conflict.Current), "user", bot.Visible(conflict.By.Display()), "time", s.clock(conflict.At))}
	} else {
		body.Errors = []string{coded.Text(v.Lang)}
		body.Base = base
		if coded.Code == bot.CodeForbidden {
			status = http.StatusForbidden
		}
	}
	s.render(w, r, status, "postmortem", v)
}

// docPreview serves POST /incidents/{id}/postmortem/preview: the posted
// Markdown as sanitised HTML, for the editor's live preview.
func (s *Server) docPreview(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.checkCSRF(w, r, sess) {
		return
	}
	id, ok := s.docID(w, r, sess)
	if !ok || !s.stillSees(w, r, sess, id) {
		return
	}
	out, err := s.opts.Postmortems.RenderPostmortem(r.PostFormValue("text"))
	var coded *bot.Error
	if errors.As(err, &coded) {
		http.Error(w, coded.Text(s.lang(nil, r, &sess.Viewer)), http.StatusBadRequest)
		return
	}
	if err != nil {
		s.fail(w, r, &sess.Viewer, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(out))
}

// docTags serves POST /incidents/{id}/postmortem/tags.
func (s *Server) docTags(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.checkCSRF(w, r, sess) {
		return
	}
	id, ok := s.docID(w, r, sess)
	if !ok {
		return
	}
	lang := s.lang(nil, r, &sess.Viewer)
	tags := bot.PostmortemTags{Service: r.PostFormValue("service"), Cause: r.PostFormValue("cause"),
		Free: strings.FieldsFunc(r.PostFormValue("tags"), func(c rune) bool { return c == ',' || c == '、' || c == '，' })}
	err := s.opts.Postmortems.SetPostmortemTags(r.Context(), sess.Viewer, id, tags)
	var coded *bot.Error
	switch {
	case errors.Is(err, bot.ErrNotFound):
		s.notFoundIncident(w, r, sess, id)
		return
	case errors.As(err, &coded):
		s.setFlash(w, sess, "/incidents/", flash{Text: coded.Text(lang) + " " + bot.T(lang, "web.action.refused"), Error: true})
	case err != nil:
		s.fail(w, r, &sess.Viewer, err)
		return
	default:
		s.setFlash(w, sess, "/incidents/", flash{Text: bot.T(lang, "pmdoc.tagged")})
	}
	http.Redirect(w, r, "/incidents/"+bot.FormatID(id)+"/postmortem", http.StatusSeeOther)
}

// docMarkdown serves GET /incidents/{id}/postmortem.md: the document's
// latest version (or the generated draft, streamed as it is rendered) as
// a Markdown download.
func (s *Server) docMarkdown(w http.ResponseWriter, r *http.Request, sess *session) {
	id, ok := s.docID(w, r, sess)
	if !ok {
		return
	}
	out := &httpx.StreamWriter{W: w, Header: func(h http.Header) {
		h.Set("Content-Type", "text/markdown; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+bot.FormatID(id)+`-postmortem.md"`)
		h.Set("Cache-Control", "no-store")
	}}
	err := s.opts.Postmortems.WritePostmortemDoc(r.Context(), sess.Viewer, id, s.lang(nil, r, &sess.Viewer), out)
	switch {
	case errors.Is(err, bot.ErrNotFound) && !out.Started():
		s.notFoundIncident(w, r, sess, id)
	case err != nil && !out.Started():
		s.fail(w, r, &sess.Viewer, err)
	case err != nil:
		// The 200 is sent: cut the download rather than end it, so that
		// the browser reports it failed instead of saving half a draft.
		s.log.Warn("postmortem download cut half-way", zap.String("incident", bot.FormatID(id)),
			zap.Int64("bytes_sent", out.Written()), zap.Error(err))
		panic(http.ErrAbortHandler)
	default:
		out.Start()
	}
}

type libraryView struct {
	Filters    libraryFilters
	Priorities []option
	Errors     []string
	Items      []libraryItemView
	Total      string
	ZipURL     string
}

type libraryFilters struct{ Text, Priority, Since, Until, Service, Cause, Tag string }

type libraryItemView struct {
	Key, URL, Title, Priority, Published, Excerpt string
	Tags                                          []string
	Private, Drill                                bool
}

// libraryQuery reads the library's filters; problems say, in the
// viewer's language, which are wrong.
func (s *Server) libraryQuery(l bot.Translator, r *http.Request) (bot.LibraryQuery, libraryFilters, []string) {
	vals := r.URL.Query()
	f := libraryFilters{Text: strings.TrimSpace(vals.Get("q")), Priority: vals.Get("priority"), Since: strings.TrimSpace(vals.Get("since")),
		Until: strings.TrimSpace(vals.Get("until")), Service: strings.TrimSpace(vals.Get("service")),
		Cause: strings.TrimSpace(vals.Get("cause")), Tag: strings.TrimSpace(vals.Get("tag"))}
	// The dashboard's reading of priority, dates and text, the same rules.
	dq, _, problems := s.parseQuery(l, map[string][]string{"priority": {f.Priority}, "since": {f.Since}, "until": {f.Until}, "q": {f.Text}})
	q := bot.LibraryQuery{Text: f.Text, Since: dq.Since, Until: dq.Until, Service: f.Service, Cause: f.Cause, Tag: f.Tag}
	if len(dq.Priorities) == 1 {
		q.Priority = dq.Priorities[0]
	}
	return q, f, problems
}

// library serves GET /postmortems: every published postmortem the viewer
// may see, searched with ?q= and filtered by priority, publication date
// and tags.
func (s *Server) library(w http.ResponseWriter, r *http.Request, sess *session) {
	v := s.signedInView(r, sess, "pmdoc.library.title")
	q, f, problems := s.libraryQuery(v.L, r)
	body := &libraryView{Filters: f, Errors: problems, ZipURL: "/postmortems.zip"}
	if raw := r.URL.RawQuery; raw != "" {
		body.ZipURL += "?" + raw
	}
	body.Priorities, _, _ = s.choices(v.L, filters{Priority: f.Priority})
	v.Body = body
	if len(problems) > 0 {
		s.render(w, r, http.StatusBadRequest, "postmortems", v)
		return
	}
	items, err := s.opts.Postmortems.Library(r.Context(), sess.Viewer, q)
	var coded *bot.Error
	if errors.As(err, &coded) {
		body.Errors = []string{coded.Text(v.Lang)}
		s.render(w, r, http.StatusBadRequest, "postmortems", v)
		return
	}
	if err != nil {
		s.fail(w, r, &sess.Viewer, err)
		return
	}
	for _, it := range items {
		inc := it.Incident
		iv := libraryItemView{Key: inc.Key(), URL: "/incidents/" + inc.Key() + "/postmortem", Title: bot.Visible(inc.Title),
			Priority: s.opts.Incidents.PriorityLabel(v.Lang, inc.Priority), Published: s.clock(inc.PostmortemPublishedAt),
			Excerpt: it.Excerpt, Private: inc.Private, Drill: inc.Drill}
		for _, t := range append([]string{it.Tags.Service, it.Tags.Cause}, it.Tags.Free...) {
			if t != "" {
				iv.Tags = append(iv.Tags, t)
			}
		}
		body.Items = append(body.Items, iv)
	}
	body.Total = v.L.T("pmdoc.library.total", "total", strconv.Itoa(len(items)))
	s.render(w, r, http.StatusOK, "postmortems", v)
}

// libraryZip serves GET /postmortems.zip: the library (as filtered) as a
// zip of Markdown files, one per postmortem, for a team's wiki.
func (s *Server) libraryZip(w http.ResponseWriter, r *http.Request, sess *session) {
	l := bot.Translator(s.lang(nil, r, &sess.Viewer))
	q, _, problems := s.libraryQuery(l, r)
	if len(problems) > 0 {
		http.Error(w, strings.Join(problems, "\n"), http.StatusBadRequest)
		return
	}
	items, err := s.opts.Postmortems.Library(r.Context(), sess.Viewer, q)
	if err != nil {
		s.fail(w, r, &sess.Viewer, err)
		return
	}
	// Read every document before writing, so a failure is a clean error.
	files := make([]bot.PostmortemDoc, 0, len(items))
	for _, it := range items {
		doc, err := s.opts.Postmortems.PostmortemDoc(r.Context(), sess.Viewer, it.Incident.ID, bot.Lang(l))
		if errors.Is(err, bot.ErrNotFound) {
			continue
		}
		if err != nil {
			s.fail(w, r, &sess.Viewer, err)
			return
		}
		files = append(files, doc)
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", `attachment; filename="postmortems.zip"`)
	h.Set("Cache-Control", "no-store")
	zw := zip.NewWriter(w)
	for _, doc := range files {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: doc.Incident.Key() + ".md", Method: zip.Deflate,
			Modified: doc.Current.At})
		if err == nil {
			_, err = f.Write([]byte(doc.Current.Text))
		}
		if err != nil {
			s.log.Warn("write postmortems zip", zap.Error(err))
			return
		}
	}
	if err := zw.Close(); err != nil {
		s.log.Warn("write postmortems zip", zap.Error(err))
	}
}

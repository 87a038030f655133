package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// pageNames are the templates under templates/, each rendered inside
// layout.html.
var pageNames = []string{"howto", "signin", "gone", "message", "dashboard", "incident", "insights", "postmortem", "postmortems", "followups", "oidcfail"}

// parsePages parses every page with the layout, once, at New.
func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		files := []string{"templates/layout.html", "templates/" + name + ".html"}
		switch name {
		case "incident":
			files = append(files, "templates/timeline.html") // the timeline and its entries, shared with the live stream
		case "insights", "followups":
			files = append(files, "templates/chart.html")
		}
		t, err := template.New("layout.html").ParseFS(templateFS, files...)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// view is what the layout needs, with the page's own data in Body.
type view struct {
	Lang  bot.Lang
	L     bot.Translator
	Title string
	// Viewer is the signed-in person, nil on the sign-in pages.
	Viewer  *bot.Viewer
	CSRF    string
	Langs   []langLink
	Scripts []string
	Body    any
}

// view starts the view of a page for r, in the language of r (and of v,
// the person a sign-in link or session is for, when known).
func (s *Server) view(r *http.Request, v *bot.Viewer, title string) *view {
	l := s.lang(nil, r, v)
	return &view{Lang: l, L: bot.Translator(l), Title: bot.T(l, title), Langs: langLinks(r, l)}
}

// signedInView is view for a signed-in browser: the header shows who it
// is and the sign-out form.
func (s *Server) signedInView(r *http.Request, sess *session, title string) *view {
	v := s.view(r, &sess.Viewer, title)
	v.Viewer, v.CSRF = &sess.Viewer, sess.CSRF
	return v
}

// render writes page name with status; the page is rendered in full
// before anything is written, so a template failure is a clean 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	if r.URL.Query().Has("lang") {
		s.lang(w, r, v.Viewer) // remember the choice in its cookie
	}
	var buf bytes.Buffer
	if err := s.pages[name].Execute(&buf, v); err != nil {
		s.log.Error("render", zap.String("page", name), zap.Error(err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", string(v.Lang))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// messageView is the body of a page that only says something.
type messageView struct{ Text string }

// message answers with a page holding one title and one text.
func (s *Server) message(w http.ResponseWriter, r *http.Request, sess *bot.Session, status int, title, text string, args ...string) {
	var v *view
	if sess != nil {
		v = s.signedInView(r, &session{Session: *sess}, title)
	} else {
		v = s.view(r, nil, title)
	}
	v.Body = messageView{Text: v.L.T(text, args...)}
	s.render(w, r, status, "message", v)
}

// notFound is the page of a path that does not exist.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, sess *session) {
	s.message(w, r, &sess.Session, http.StatusNotFound, "web.notfound.title", "web.notfound.text")
}

// fail answers an error that is not the person's: 503 with Retry-After
// when the store is unavailable, 500 otherwise; the detail goes to the
// log only.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, v *bot.Viewer, err error) {
	status := http.StatusInternalServerError
	if errors.Is(err, bot.ErrUnavailable) {
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "5")
		s.log.Warn("store unavailable", zap.String("path", r.URL.Path), zap.Error(err))
	} else {
		s.log.Error("request failed", zap.String("path", r.URL.Path), zap.Error(err))
	}
	vw := s.view(r, v, "web.error.title")
	vw.Body = messageView{Text: vw.L.T("web.error.text")}
	s.render(w, r, status, "message", vw)
}

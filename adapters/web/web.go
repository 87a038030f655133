package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// Name is the platform name of the web interface.
const Name = "web"

const (
	// DefaultSessionTTL is how long a browser stays signed in.
	DefaultSessionTTL = 12 * time.Hour
	// requestTimeout bounds one request's work.
	requestTimeout = 10 * time.Second
	// maxForm bounds a posted form.
	maxForm = 64 << 10
)

// Sessions keeps the sign-in links and the sessions; *store.Store
// implements it. Every method's "not found" (unknown, used up, expired,
// ended) is an error wrapping bot.ErrNotFound.
type Sessions interface {
	// PeekSignIn reads a sign-in link without using it up.
	PeekSignIn(ctx context.Context, token string) (bot.SignIn, error)
	// ConsumeSignIn uses a sign-in link up, atomically: once.
	ConsumeSignIn(ctx context.Context, token string) (bot.SignIn, error)
	// CreateSession starts a session for sess's person, valid for ttl,
	// with a fresh CSRF secret; it returns the session's token and the
	// session as stored.
	CreateSession(ctx context.Context, sess bot.Session, ttl time.Duration) (string, bot.Session, error)
	// Session reads the session of token.
	Session(ctx context.Context, token string) (bot.Session, error)
	// DeleteSession ends the session of token.
	DeleteSession(ctx context.Context, token string) error
}

// Incidents answers what the pages show, under the audience rule: a
// private incident outside the viewer's audience is in no list, and
// reading it is an error wrapping bot.ErrNotFound exactly as for a number
// never used. *handlers.Service implements it.
type Incidents interface {
	// Incidents is one page of the incidents q selects that v may see.
	Incidents(ctx context.Context, v bot.Viewer, q bot.IncidentQuery) (bot.IncidentPage, error)
	// Incident reads incident id for v.
	Incident(ctx context.Context, v bot.Viewer, id int64) (*bot.Incident, error)
	// IncidentTimeline reads incident id for v with the last n entries of
	// its timeline in reading order, and how many it holds.
	IncidentTimeline(ctx context.Context, v bot.Viewer, id int64, n int) (*bot.Incident, []bot.TimelineEntry, int64, error)
	// PriorityLabel and Criteria say what a priority is called and means.
	PriorityLabel(lang bot.Lang, p bot.Priority) string
	Criteria(lang bot.Lang, p bot.Priority) string
	// Describe says what a timeline entry records, in words.
	Describe(lang bot.Lang, e bot.TimelineEntry) string
	// Roles are the roles people can hold, in display order.
	Roles() []bot.Role

	// TimelinePage reads incident id for v with one page of its curated
	// timeline.
	TimelinePage(ctx context.Context, v bot.Viewer, id int64, q bot.TimelinePageQuery) (*bot.Incident, bot.TimelinePage, error)
	// Sees reports whether v may see incident id, writing nothing.
	Sees(ctx context.Context, v bot.Viewer, id int64) (bool, error)
	// CuratedEntry is one entry of incident id as curated now.
	CuratedEntry(ctx context.Context, id int64, entryID string) (bot.CuratedEntry, error)

	// Insights are the response metrics of the last weeks weeks (4, 12 or
	// 52) as v may see them, week by week.
	Insights(ctx context.Context, v bot.Viewer, weeks int) (*bot.Insights, error)
}

// Options configures the web interface.
type Options struct {
	// PublicURL is where people reach Warroom ("https://warroom.example.com");
	// with https the session cookie is Secure. Required.
	PublicURL string
	Sessions  Sessions
	Incidents Incidents
	// Postmortems, when set, serves the postmortem documents
	// (/incidents/{id}/postmortem, .md) and their library (/postmortems,
	// /postmortems.zip); *handlers.Service implements it.
	Postmortems Postmortems
	// Router runs the incident page's actions and the timeline's curation
	// forms as commands (*bot.Router, with this Server registered on it as
	// the "web" platform); without one the incident page is read-only.
	Router Router
	// FollowUps, when set, serves the follow-up board at /followups (its
	// buttons act through Router).
	FollowUps FollowUps
	// Lang is the language of a browser that asks for neither English nor
	// Japanese (default English).
	Lang bot.Lang
	// Location is the time zone times are shown in (default UTC).
	Location *time.Location
	// SessionTTL is how long a sign-in lasts (default DefaultSessionTTL).
	SessionTTL time.Duration
	// Tail, when set, makes the incident page's timeline live: it reads
	// the incident's stream (*store.Store implements it).
	Tail Tail
	// Heartbeat and Recheck are how often a live stream sends a comment
	// and checks its session and audience again (defaults
	// DefaultHeartbeat, DefaultRecheck).
	Heartbeat, Recheck time.Duration
	// Status, when set, serves the public status page (status.go).
	Status *StatusOptions
	// OIDC, when set, adds the OpenID Connect sign-in (GET /signin/oidc)
	// beside the chat link, and its button on the sign-in page.
	OIDC *OIDC
	// Now is the clock (default time.Now).
	Now func() time.Time
	Log *zap.Logger
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Server serves the web interface; it is an http.Handler.
type Server struct {
	opts   Options
	log    *zap.Logger
	secure bool
	// origin is the public URL's scheme and host: what a browser's Origin
	// header says on a form posted from Warroom's own pages.
	origin string
	pages  map[string]*template.Template
	static http.Handler
	mux    *pageMux
	// fragments render one timeline entry, for the live stream; live is
	// nil without Options.Tail.
	fragments *template.Template
	live      *live
	// statusPage and status are the public status page's template and
	// cache, unused without Options.Status.
	statusPage *template.Template
	status     statusCache
	// oidc is the OpenID Connect sign-in, nil without Options.OIDC.
	oidc *oidcFlow
}

// New checks opts and returns the web interface's handler.
func New(opts Options) (*Server, error) {
	if opts.Sessions == nil || opts.Incidents == nil {
		return nil, errors.New("web: Sessions and Incidents are required")
	}
	u, err := url.Parse(opts.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("web: public URL %q is not an http(s) URL", opts.PublicURL)
	}
	if _, ok := bot.ParseLang(string(opts.Lang)); !ok {
		opts.Lang = bot.English
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = DefaultSessionTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = DefaultHeartbeat
	}
	if opts.Recheck <= 0 {
		opts.Recheck = DefaultRecheck
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Log.Named("web"), secure: u.Scheme == "https", origin: originOf(u), pages: pages,
		static: http.StripPrefix("/static/", http.FileServerFS(sub)), mux: newPageMux()}
	if s.fragments, err = parseFragments(); err != nil {
		return nil, err
	}
	if opts.Tail != nil {
		s.live = newLive(opts.Tail, s.log)
	}
	if opts.Status != nil {
		if opts.Status.Source == nil {
			return nil, errors.New("web: the status page needs a Source")
		}
		if len(opts.Status.Langs) == 0 {
			opts.Status.Langs = []bot.Lang{bot.English, bot.Japanese}
		}
		if s.statusPage, err = parseStatusPage(); err != nil {
			return nil, err
		}
		s.opts.Status = opts.Status
		s.statusRoutes()
	}
	if opts.OIDC != nil {
		if s.oidc, err = newOIDCFlow(*opts.OIDC, opts.PublicURL, opts.Now); err != nil {
			return nil, err
		}
		s.mux.HandleFunc("GET "+oidcStart, s.oidcStartPage)
		s.mux.HandleFunc("GET "+oidcCallback, s.oidcCallbackPage)
	}
	s.mux.HandleFunc("GET /incidents/{id}/events", s.signedIn(s.events))
	s.mux.HandleFunc("POST /incidents/{id}/timeline", s.signedIn(s.curate))
	s.mux.HandleFunc("GET /static/{file}", s.serveStatic)
	s.mux.HandleFunc("GET /signin", s.howTo)
	s.mux.HandleFunc("GET /signin/{token}", s.signInPage)
	s.mux.HandleFunc("POST /signin/{token}", s.signIn)
	s.mux.HandleFunc("POST /signout", s.signedIn(s.signOut))
	s.mux.HandleFunc("GET /{$}", s.signedIn(s.dashboard))
	s.mux.HandleFunc("GET /incidents/{id}", s.signedIn(s.incident))
	s.mux.HandleFunc("GET /insights", s.signedIn(s.insights))
	if opts.Router != nil {
		s.mux.HandleFunc("POST /incidents/{id}/actions/{action}", s.signedIn(s.act))
	}
	s.mountPostmortems()
	if opts.FollowUps != nil {
		s.mux.HandleFunc("GET "+boardPath, s.signedIn(s.board))
		if opts.Router != nil {
			s.mux.HandleFunc("POST "+boardPath+"/{id}/{n}/{action}", s.signedIn(s.boardAct))
		}
	}
	s.mux.HandleFunc("/", s.signedIn(s.notFound))
	return s, nil
}

// ServeHTTP sets the security headers of every response, bounds the
// request, and routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	defer s.recoverPanic(w, r)
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	if isLive(r) {
		ctx = r.Context() // a live stream lasts as long as its browser
	}
	if r.Method == http.MethodPost {
		limit := int64(maxForm)
		if isDocPost(r) {
			limit = maxDocForm
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		// Beside the CSRF token: a browser says where a form was posted
		// from, and one posted from another site changes nothing.
		if s.crossSite(r) {
			s.log.Info("cross-origin post refused", zap.String("path", r.URL.Path))
			s.message(w, r, nil, http.StatusForbidden, "web.csrf.title", "web.csrf.text")
			return
		}
	}
	s.mux.ServeHTTP(w, r.WithContext(ctx))
}

// recoverPanic turns a handler's panic into a logged 500 page, except
// http.ErrAbortHandler, which net/http expects to see.
func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	s.fail(w, r, nil, fmt.Errorf("panic: %v", v))
}

func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	s.static.ServeHTTP(w, r)
}

// originOf is u's origin as a browser's Origin header spells it: scheme
// and host, without the scheme's default port.
func originOf(u *url.URL) string {
	host := strings.ToLower(u.Host)
	if p := u.Port(); (u.Scheme == "https" && p == "443") || (u.Scheme == "http" && p == "80") {
		host = strings.ToLower(u.Hostname())
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
	}
	return u.Scheme + "://" + host
}

// crossSite reports whether the browser says r was sent from a page of
// another site: Sec-Fetch-Site, or else an Origin other than Warroom's.
// Under Referrer-Policy no-referrer browsers send "Origin: null" even for
// a form of Warroom's own page, so null proves nothing either way (the
// CSRF token still decides).
func (s *Server) crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	case "same-origin":
		return false
	}
	o := r.Header.Get("Origin")
	return o != "" && o != "null" && !strings.EqualFold(o, s.origin)
}

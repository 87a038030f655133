// Package api is Warroom's read-only JSON API over the handlers' queries.
// It parses and checks requests and renders the wire types; which
// incidents exist for it (public ones: the token stands for nobody) is the
// handlers' audience rule.
package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/internal/httpx"
	"github.com/warroomhq/warroom/postmortem"
)

// Limits of the JSON API's query parameters.
const (
	listDefault    = 100
	listMax        = 500
	timelineMax    = 10000
	requestTimeout = 10 * time.Second
)

// timeFormat is RFC 3339 in UTC with milliseconds, fixed width, so that
// clients may compare times as strings.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// New returns the read-only JSON API over svc, logging to log (nil: none). When token is non-empty every request
// needs "Authorization: Bearer <token>" (compared in constant time); when
// it is empty the API is open (app logs a warning). app mounts the
// handler under "/api/":
//
//	GET /api/incidents                   {"incidents": [...]} newest first;
//	                                     ?status=open|all (default all),
//	                                     ?limit=1..500 (default 100)
//	GET /api/incidents/{id}              the incident; id is INC-42, inc-42 or 42
//	GET /api/incidents/{id}/timeline     {"incident": "INC-42", "entries": [...]}
//	                                     oldest first, in reading order (an edit,
//	                                     deletion or flag that arrived before its
//	                                     message comes right after it, see
//	                                     bot.InOrder); ?after=<entry id> starts
//	                                     after that entry in that order;
//	                                     ?limit=1..10000 keeps the newest N
//	                                     entries, or with after the first N after
//	                                     it (so a client paging forward with the
//	                                     last id it got never skips or repeats
//	                                     one); default all
//	GET /api/incidents/{id}/postmortem.md  the postmortem draft as Markdown
//	                                     (text/markdown); ?lang=en|ja, default
//	                                     the service's language
//
// Every response has Cache-Control: no-store and is JSON, but for the
// postmortem's Markdown. Every error, including an unknown path (404) and
// a method other than GET or HEAD (405), is {"error": {"code": "...", "message": "..."}}; the codes are
// bad_request, unauthorized, not_found, method_not_allowed, unavailable
// (503 with Retry-After, when Redis is down) and internal.
func New(svc *handlers.Service, token string, log *zap.Logger) http.Handler {
	if log == nil {
		log = zap.NewNop()
	}
	a := &server{svc: svc, log: log.Named("api"), mux: http.NewServeMux()}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		a.tokenSum = &sum
	}
	a.mux.HandleFunc("GET /api/incidents", a.listIncidents)
	a.mux.HandleFunc("GET /api/incidents/{id}", a.getIncident)
	a.mux.HandleFunc("GET /api/incidents/{id}/timeline", a.getTimeline)
	a.mux.HandleFunc("GET /api/incidents/{id}/postmortem.md", a.getPostmortem)
	a.mux.HandleFunc("GET /api/stats", a.getStats)
	return a
}

// server serves the JSON API on its own mux.
type server struct {
	svc *handlers.Service
	log *zap.Logger
	// tokenSum is the SHA-256 of the bearer token, nil when the API is open.
	// Comparing digests keeps the comparison constant-time whatever the
	// length of the token presented.
	tokenSum *[sha256.Size]byte
	mux      *http.ServeMux
}

func (a *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	defer a.recoverPanic(w, r)
	if !a.authorized(r) {
		a.writeError(w, r, errUnauthorized)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	a.mux.ServeHTTP(&muxErrorWriter{ResponseWriter: w, srv: a, r: r}, r.WithContext(ctx))
}

// authorized reports whether r carries the bearer token, or the API is open.
// The scheme name is case-insensitive (RFC 6750, RFC 9110).
func (a *server) authorized(r *http.Request) bool {
	if a.tokenSum == nil {
		return true
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(sum[:], a.tokenSum[:]) == 1
}

// recoverPanic turns a handler's panic into a logged 500, except
// http.ErrAbortHandler, which net/http expects to see.
func (a *server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	a.writeError(w, r, fmt.Errorf("panic: %v", v))
}

// listIncidents serves GET /api/incidents.
func (a *server) listIncidents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var open bool
	switch st := q.Get("status"); st {
	case "", "all":
	case "open":
		open = true
	default:
		a.writeError(w, r, badRequest("status must be open or all, not %q", clipParam(st)))
		return
	}
	limit, err := parseLimit(q.Get("limit"), q.Has("limit"), listDefault, listMax)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	incs, err := a.svc.PublicIncidents(r.Context(), handlers.ListQuery{Open: open, Limit: limit})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := incidentList{Incidents: make([]incident, 0, len(incs))}
	for _, inc := range incs {
		out.Incidents = append(out.Incidents, newIncident(inc))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// getIncident serves GET /api/incidents/{id}.
func (a *server) getIncident(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	inc, err := a.svc.PublicIncident(r.Context(), id)
	if err != nil {
		a.writeError(w, r, incidentError(id, err))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, newIncident(inc))
}

// getTimeline serves GET /api/incidents/{id}/timeline.
func (a *server) getTimeline(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	after := q.Get("after")
	if q.Has("after") && !validEntryID(after) {
		a.writeError(w, r, badRequest("after must be a timeline entry id such as 1714557600000-0, not %q", clipParam(after)))
		return
	}
	limit, err := parseLimit(q.Get("limit"), q.Has("limit"), 0, timelineMax)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	entries, err := a.svc.PublicTimeline(r.Context(), id, handlers.TimelinePage{After: after, Limit: limit})
	if err != nil {
		a.writeError(w, r, incidentError(id, err))
		return
	}
	out := timeline{Incident: bot.FormatID(id), Entries: make([]entry, 0, len(entries))}
	for _, e := range entries {
		out.Entries = append(out.Entries, newEntry(e))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// getPostmortem serves GET /api/incidents/{id}/postmortem.md: the same
// draft as the postmortem command, whole, streamed as it is rendered so
// that a long timeline is never held in memory as one document. An error
// before the draft's first byte (an unknown incident, Redis down) is an
// error response. One after it, when Redis fails or the client goes away
// half-way, cuts the response: the connection is closed before the end of
// the chunked body, so no client can take the draft's beginning, under a
// 200 already sent, for the whole of it.
func (a *server) getPostmortem(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	var lang bot.Lang // the service's
	if v := r.URL.Query().Get("lang"); v != "" {
		l, ok := bot.ParseLang(v)
		if !ok {
			a.writeError(w, r, badRequest("lang must be en or ja, not %q", clipParam(v)))
			return
		}
		lang = l
	}
	out := &httpx.StreamWriter{W: w, Header: func(h http.Header) { h.Set("Content-Type", "text/markdown; charset=utf-8") }}
	err = a.svc.WritePublicPostmortem(r.Context(), out, id, lang)
	switch {
	case err != nil && !out.Started():
		a.writeError(w, r, incidentError(id, err))
	case err != nil:
		a.log.Warn("postmortem cut half-way", zap.String("incident", bot.FormatID(id)),
			zap.Int64("bytes_sent", out.Written()), zap.Error(err))
		panic(http.ErrAbortHandler)
	default:
		out.Start() // an empty draft, which only a custom template makes
	}
}

// incidentID parses the {id} path value.
func incidentID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	id, ok := bot.ParseID(v)
	if !ok {
		return 0, badRequest("%q is not an incident id; use INC-42 or 42", clipParam(v))
	}
	return id, nil
}

// parseLimit parses a limit parameter: def when absent, else 1..max.
func parseLimit(v string, present bool, def, max int) (int, error) {
	if !present {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, badRequest("limit must be a whole number from 1 to %d, not %q", max, clipParam(v))
	}
	return n, nil
}

// validEntryID accepts a stream ID as the store gives them, "<ms>-<seq>",
// or "<ms>", the way the store does; checked here so that a bad one is the
// client's 400, not the store's 500.
func validEntryID(id string) bool {
	ms, seq, hasSeq := strings.Cut(id, "-")
	if !digits(ms) {
		return false
	}
	return !hasSeq || digits(seq)
}

func digits(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// incidentError names the incident in a not-found error.
func incidentError(id int64, err error) error {
	if errors.Is(err, bot.ErrNotFound) {
		return &clientError{status: http.StatusNotFound, code: "not_found",
			message: "incident " + bot.FormatID(id) + " not found", err: err}
	}
	return err
}

// clientError is an error whose status, code and message the client may see.
type clientError struct {
	status  int
	code    string
	message string
	err     error // the cause, if any; never shown
}

func (e *clientError) Error() string { return e.code + ": " + e.message }
func (e *clientError) Unwrap() error { return e.err }

var (
	errUnauthorized = &clientError{status: http.StatusUnauthorized, code: "unauthorized",
		message: "a valid Authorization: Bearer token is required"}
	errNotFound = &clientError{status: http.StatusNotFound, code: "not_found",
		message: "no such API resource"}
	errMethodNotAllowed = &clientError{status: http.StatusMethodNotAllowed, code: "method_not_allowed",
		message: "the API is read-only: use GET"}
	errUnavailable = &clientError{status: http.StatusServiceUnavailable, code: "unavailable",
		message: "storage is unavailable; try again shortly"}
	errInternal = &clientError{status: http.StatusInternalServerError, code: "internal",
		message: "internal error"}
)

// clipParam shortens a parameter quoted back in an error to 64 bytes, so
// that a huge one is not sent back whole.
func clipParam(v string) string {
	if cut := bot.CutBytes(v, 64); cut != v {
		return cut + bot.Ellipsis
	}
	return v
}

func badRequest(format string, args ...any) *clientError {
	return &clientError{status: http.StatusBadRequest, code: "bad_request", message: fmt.Sprintf(format, args...)}
}

// writeError is the one place an API error is answered: an *clientError as it
// says, bot.ErrNotFound as 404, bot.ErrUnavailable (or a deadline) as 503
// with Retry-After, anything else as a logged 500 whose message says
// nothing of the cause.
func (a *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *clientError
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, bot.ErrNotFound):
		ae = errNotFound
	case errors.Is(err, bot.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		ae = errUnavailable
		a.log.Warn("api: storage unavailable", zap.String("method", r.Method),
			zap.String("path", r.URL.Path), zap.Error(err))
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		ae = errUnavailable // the client has gone; nobody reads this
	default:
		ae = errInternal
		a.log.Error("api: internal error", zap.String("method", r.Method),
			zap.String("path", r.URL.Path), zap.Error(err))
	}
	httpx.WriteError(w, ae.status, ae.code, ae.message)
}

// muxErrorWriter turns the ServeMux's own plain-text answers, 404 for an
// unknown path and 405 (with Allow) for a method no pattern accepts, into
// JSON errors. The API's handlers always answer JSON and pass through.
type muxErrorWriter struct {
	http.ResponseWriter
	srv      *server
	r        *http.Request
	replaced bool
}

func (w *muxErrorWriter) WriteHeader(status int) {
	isJSON := strings.HasPrefix(w.Header().Get("Content-Type"), "application/json")
	if isJSON || (status != http.StatusNotFound && status != http.StatusMethodNotAllowed) {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.replaced = true
	w.Header().Del("Content-Length")
	if status == http.StatusNotFound {
		w.srv.writeError(w.ResponseWriter, w.r, errNotFound)
	} else {
		w.srv.writeError(w.ResponseWriter, w.r, errMethodNotAllowed)
	}
}

func (w *muxErrorWriter) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil // the mux's text; the JSON is already written
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *muxErrorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// The API's wire types: snake_case, times RFC 3339 UTC with milliseconds,
// null for what is unset. They are the API's contract, apart from
// bot.Incident, so that the stored record may change without breaking
// clients.

type incidentList struct {
	Incidents []incident `json:"incidents"`
}

type incident struct {
	ID          int64             `json:"id"`
	Key         string            `json:"key"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Status      string            `json:"status"`
	Priority    *string           `json:"priority"`
	Summary     string            `json:"summary"`
	Platform    string            `json:"platform"`
	Channel     *channel          `json:"channel"`
	Roles       map[string]user   `json:"roles"`
	DeclaredBy  *user             `json:"declared_by"`
	Source      string            `json:"source"`
	Labels      map[string]string `json:"labels"`
	CreatedAt   *string           `json:"created_at"`
	AckedAt     *string           `json:"acked_at"`
	ResolvedAt  *string           `json:"resolved_at"`
	ClosedAt    *string           `json:"closed_at"`
	UpdatedAt   *string           `json:"updated_at"`
	LastUpdate  *string           `json:"last_update_at"`
	// DurationSeconds runs from creation to resolution; null until resolved.
	DurationSeconds *int64 `json:"duration_seconds"`
	// TimeToAcknowledgeSeconds runs from creation to acknowledgement; null
	// until acknowledged.
	TimeToAcknowledgeSeconds *int64 `json:"time_to_acknowledge_seconds"`
}

type channel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// user is a person; Name is the display name (the ID when the platform
// gave none).
type user struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type timeline struct {
	Incident string  `json:"incident"`
	Entries  []entry `json:"entries"`
}

type entry struct {
	ID       string            `json:"id"`
	At       string            `json:"at"`
	Kind     string            `json:"kind"`
	Author   string            `json:"author"`
	AuthorID string            `json:"author_id"`
	Text     string            `json:"text"`
	Ref      string            `json:"ref"`
	RefersTo string            `json:"refers_to"`
	Key      bool              `json:"key"`
	Data     map[string]string `json:"data,omitempty"`
}

func newIncident(inc *bot.Incident) incident {
	out := incident{
		ID:          inc.ID,
		Key:         inc.Key(),
		Title:       inc.Title,
		Description: inc.Description,
		Status:      string(inc.Status),
		Summary:     inc.Summary,
		Platform:    inc.Platform,
		Roles:       make(map[string]user, len(inc.Roles)),
		Source:      inc.Source,
		Labels:      make(map[string]string, len(inc.Labels)),
		CreatedAt:   wireTime(inc.CreatedAt),
		AckedAt:     wireTime(inc.AckedAt),
		ResolvedAt:  wireTime(inc.ResolvedAt),
		ClosedAt:    wireTime(inc.ClosedAt),
		UpdatedAt:   wireTime(inc.UpdatedAt),
		LastUpdate:  wireTime(inc.LastUpdate),

		DurationSeconds:          postmortem.ElapsedSeconds(inc.CreatedAt, inc.ResolvedAt),
		TimeToAcknowledgeSeconds: postmortem.ElapsedSeconds(inc.CreatedAt, inc.AckedAt),
	}
	if inc.Priority.Valid() {
		p := inc.Priority.String()
		out.Priority = &p
	}
	if c := inc.Channel; c.ID != "" {
		out.Channel = &channel{ID: c.ID, Name: c.Name, URL: c.URL}
	}
	for r, u := range inc.Roles {
		if !u.IsZero() {
			out.Roles[string(r)] = user{ID: u.ID, Name: u.Display()}
		}
	}
	if u := inc.DeclaredBy; !u.IsZero() {
		out.DeclaredBy = &user{ID: u.ID, Name: u.Display()}
	}
	for k, v := range inc.Labels {
		out.Labels[k] = v
	}
	return out
}

func newEntry(e bot.TimelineEntry) entry {
	out := entry{
		ID:       e.ID,
		At:       e.At.UTC().Format(timeFormat),
		Kind:     string(e.Kind),
		Author:   e.Author.Display(),
		AuthorID: e.Author.ID,
		Text:     e.Text,
		Ref:      e.Ref,
		RefersTo: e.RefersTo,
		Key:      e.Key,
	}
	if len(e.Data) > 0 {
		out.Data = e.Data
	}
	return out
}

// wireTime renders t, or nil (null) when it is zero.
func wireTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	v := t.UTC().Format(timeFormat)
	return &v
}

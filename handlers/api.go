package handlers

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// Limits of the JSON API's query parameters.
const (
	apiListDefault    = 100
	apiListMax        = 500
	apiTimelineMax    = 10000
	apiRequestTimeout = 10 * time.Second
	apiRetryAfter     = "5" // seconds, sent with 503
)

// apiTimeFormat is RFC 3339 in UTC with milliseconds, fixed width, so that
// clients may compare times as strings.
const apiTimeFormat = "2006-01-02T15:04:05.000Z07:00"

// API returns the read-only JSON API. When token is non-empty every request
// needs "Authorization: Bearer <token>" (compared in constant time); when
// it is empty the API is open (main logs a warning). main mounts the
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
func (s *Service) API(token string) http.Handler {
	a := &apiHandler{store: s.store, log: s.log.Named("api"), mux: http.NewServeMux()}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		a.tokenSum = &sum
	}
	a.mux.HandleFunc("GET /api/incidents", a.listIncidents)
	a.mux.HandleFunc("GET /api/incidents/{id}", a.getIncident)
	a.mux.HandleFunc("GET /api/incidents/{id}/timeline", a.getTimeline)
	a.mux.HandleFunc("GET /api/incidents/{id}/postmortem.md", a.getPostmortem(s))
	a.mux.HandleFunc("GET /api/stats", a.getStats(s))
	return a
}

// apiHandler serves the JSON API on its own mux.
type apiHandler struct {
	store *store.Store
	log   *zap.Logger
	// tokenSum is the SHA-256 of the bearer token, nil when the API is open.
	// Comparing digests keeps the comparison constant-time whatever the
	// length of the token presented.
	tokenSum *[sha256.Size]byte
	mux      *http.ServeMux
}

func (a *apiHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	defer a.recoverPanic(w, r)
	if !a.authorized(r) {
		a.writeError(w, r, errUnauthorized)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), apiRequestTimeout)
	defer cancel()
	a.mux.ServeHTTP(&muxErrorWriter{ResponseWriter: w, api: a, r: r}, r.WithContext(ctx))
}

// authorized reports whether r carries the bearer token, or the API is open.
// The scheme name is case-insensitive (RFC 6750, RFC 9110).
func (a *apiHandler) authorized(r *http.Request) bool {
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
func (a *apiHandler) recoverPanic(w http.ResponseWriter, r *http.Request) {
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
func (a *apiHandler) listIncidents(w http.ResponseWriter, r *http.Request) {
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
	limit, err := apiLimit(q.Get("limit"), q.Has("limit"), apiListDefault, apiListMax)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	incs, err := a.store.List(r.Context(), store.ListQuery{Open: open, Limit: limit, Keep: public})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := apiIncidentList{Incidents: make([]apiIncident, 0, len(incs))}
	for _, inc := range incs {
		out.Incidents = append(out.Incidents, newAPIIncident(inc))
	}
	WriteJSON(w, http.StatusOK, out)
}

// getIncident serves GET /api/incidents/{id}.
func (a *apiHandler) getIncident(w http.ResponseWriter, r *http.Request) {
	id, err := apiIncidentID(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	inc, err := a.incident(r.Context(), id)
	if err != nil {
		a.writeError(w, r, incidentError(id, err))
		return
	}
	WriteJSON(w, http.StatusOK, newAPIIncident(inc))
}

// incident reads incident id for the API. The API's token stands for no
// person, so a private incident is not found (the audience rule, as for
// anyone outside its audience).
func (a *apiHandler) incident(ctx context.Context, id int64) (*bot.Incident, error) {
	inc, err := a.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !public(inc) {
		return nil, fmt.Errorf("incident %d is private: %w", id, bot.ErrNotFound)
	}
	return inc, nil
}

// public keeps the incidents nobody in particular may see.
func public(inc *bot.Incident) bool { return !inc.Private }

// getTimeline serves GET /api/incidents/{id}/timeline.
func (a *apiHandler) getTimeline(w http.ResponseWriter, r *http.Request) {
	id, err := apiIncidentID(r)
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
	limit, err := apiLimit(q.Get("limit"), q.Has("limit"), 0, apiTimelineMax)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	tq := store.TimelineQuery{After: after, Last: limit, InOrder: true}
	if after != "" {
		tq = store.TimelineQuery{After: after, Limit: limit, InOrder: true}
	}
	if _, err := a.incident(r.Context(), id); err != nil {
		a.writeError(w, r, incidentError(id, err))
		return
	}
	entries, err := a.store.Timeline(r.Context(), id, tq)
	if err != nil {
		a.writeError(w, r, incidentError(id, err))
		return
	}
	out := apiTimeline{Incident: bot.FormatID(id), Entries: make([]apiEntry, 0, len(entries))}
	for _, e := range entries {
		out.Entries = append(out.Entries, newAPIEntry(e))
	}
	WriteJSON(w, http.StatusOK, out)
}

// getPostmortem serves GET /api/incidents/{id}/postmortem.md: the same
// draft as the postmortem command, whole.
func (a *apiHandler) getPostmortem(s *Service) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := apiIncidentID(r)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		lang := s.lang()
		if v := r.URL.Query().Get("lang"); v != "" {
			l, ok := bot.ParseLang(v)
			if !ok {
				a.writeError(w, r, badRequest("lang must be en or ja, not %q", clipParam(v)))
				return
			}
			lang = l
		}
		if _, err := a.incident(r.Context(), id); err != nil {
			a.writeError(w, r, incidentError(id, err))
			return
		}
		md, err := s.Postmortem(r.Context(), id, lang)
		if err != nil {
			a.writeError(w, r, incidentError(id, err))
			return
		}
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, md)
	}
}

// apiIncidentID parses the {id} path value.
func apiIncidentID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	id, ok := bot.ParseID(v)
	if !ok {
		return 0, badRequest("%q is not an incident id; use INC-42 or 42", clipParam(v))
	}
	return id, nil
}

// apiLimit parses a limit parameter: def when absent, else 1..max.
func apiLimit(v string, present bool, def, max int) (int, error) {
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
	if !apiDigits(ms) {
		return false
	}
	return !hasSeq || apiDigits(seq)
}

func apiDigits(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// incidentError names the incident in a not-found error.
func incidentError(id int64, err error) error {
	if errors.Is(err, bot.ErrNotFound) {
		return &apiError{status: http.StatusNotFound, code: "not_found",
			message: "incident " + bot.FormatID(id) + " not found", err: err}
	}
	return err
}

// apiError is an error whose status, code and message the client may see.
type apiError struct {
	status  int
	code    string
	message string
	err     error // the cause, if any; never shown
}

func (e *apiError) Error() string { return e.code + ": " + e.message }
func (e *apiError) Unwrap() error { return e.err }

var (
	errUnauthorized = &apiError{status: http.StatusUnauthorized, code: "unauthorized",
		message: "a valid Authorization: Bearer token is required"}
	errNotFound = &apiError{status: http.StatusNotFound, code: "not_found",
		message: "no such API resource"}
	errMethodNotAllowed = &apiError{status: http.StatusMethodNotAllowed, code: "method_not_allowed",
		message: "the API is read-only: use GET"}
	errUnavailable = &apiError{status: http.StatusServiceUnavailable, code: "unavailable",
		message: "storage is unavailable; try again shortly"}
	errInternal = &apiError{status: http.StatusInternalServerError, code: "internal",
		message: "internal error"}
)

// clipParam shortens a parameter quoted back in an error to 64 bytes, so
// that a huge one is not sent back whole.
func clipParam(v string) string {
	if len(v) <= 64 {
		return v
	}
	cut := 64
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut] + "…"
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "bad_request", message: fmt.Sprintf(format, args...)}
}

// writeError is the one place an API error is answered: an *apiError as it
// says, bot.ErrNotFound as 404, bot.ErrUnavailable (or a deadline) as 503
// with Retry-After, anything else as a logged 500 whose message says
// nothing of the cause.
func (a *apiHandler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
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
	WriteError(w, ae.status, ae.code, ae.message)
}

// WriteError answers every HTTP error of Warroom the same way:
// {"error": {"code": "...", "message": "..."}} with the status, plus
// WWW-Authenticate on 401 and Retry-After on 503. message is shown to
// clients and must hold no internal detail or secret.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", "Bearer")
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", apiRetryAfter)
	}
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	WriteJSON(w, status, struct {
		Error body `json:"error"`
	}{body{Code: code, Message: message}})
}

// WriteJSON encodes v before writing anything, so an encoding failure can
// still become a clean 500. (net/http drops the body of a HEAD response.)
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// muxErrorWriter turns the ServeMux's own plain-text answers, 404 for an
// unknown path and 405 (with Allow) for a method no pattern accepts, into
// JSON errors. The API's handlers always answer JSON and pass through.
type muxErrorWriter struct {
	http.ResponseWriter
	api      *apiHandler
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
		w.api.writeError(w.ResponseWriter, w.r, errNotFound)
	} else {
		w.api.writeError(w.ResponseWriter, w.r, errMethodNotAllowed)
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

type apiIncidentList struct {
	Incidents []apiIncident `json:"incidents"`
}

type apiIncident struct {
	ID          int64              `json:"id"`
	Key         string             `json:"key"`
	Title       string             `json:"title"`
	Description string             `json:"description"`
	Status      string             `json:"status"`
	Priority    *string            `json:"priority"`
	Summary     string             `json:"summary"`
	Platform    string             `json:"platform"`
	Channel     *apiChannel        `json:"channel"`
	Roles       map[string]apiUser `json:"roles"`
	DeclaredBy  *apiUser           `json:"declared_by"`
	Source      string             `json:"source"`
	Labels      map[string]string  `json:"labels"`
	CreatedAt   *string            `json:"created_at"`
	AckedAt     *string            `json:"acked_at"`
	ResolvedAt  *string            `json:"resolved_at"`
	ClosedAt    *string            `json:"closed_at"`
	UpdatedAt   *string            `json:"updated_at"`
	LastUpdate  *string            `json:"last_update_at"`
	// DurationSeconds runs from creation to resolution; null until resolved.
	DurationSeconds *int64 `json:"duration_seconds"`
	// TimeToAcknowledgeSeconds runs from creation to acknowledgement; null
	// until acknowledged.
	TimeToAcknowledgeSeconds *int64 `json:"time_to_acknowledge_seconds"`
}

type apiChannel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// apiUser is a person; Name is the display name (the ID when the platform
// gave none).
type apiUser struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type apiTimeline struct {
	Incident string     `json:"incident"`
	Entries  []apiEntry `json:"entries"`
}

type apiEntry struct {
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

func newAPIIncident(inc *bot.Incident) apiIncident {
	out := apiIncident{
		ID:          inc.ID,
		Key:         inc.Key(),
		Title:       inc.Title,
		Description: inc.Description,
		Status:      string(inc.Status),
		Summary:     inc.Summary,
		Platform:    inc.Platform,
		Roles:       make(map[string]apiUser, len(inc.Roles)),
		Source:      inc.Source,
		Labels:      make(map[string]string, len(inc.Labels)),
		CreatedAt:   apiTime(inc.CreatedAt),
		AckedAt:     apiTime(inc.AckedAt),
		ResolvedAt:  apiTime(inc.ResolvedAt),
		ClosedAt:    apiTime(inc.ClosedAt),
		UpdatedAt:   apiTime(inc.UpdatedAt),
		LastUpdate:  apiTime(inc.LastUpdate),

		DurationSeconds:          apiSeconds(inc.CreatedAt, inc.ResolvedAt),
		TimeToAcknowledgeSeconds: apiSeconds(inc.CreatedAt, inc.AckedAt),
	}
	if inc.Priority.Valid() {
		p := inc.Priority.String()
		out.Priority = &p
	}
	if c := inc.Channel; c.ID != "" {
		out.Channel = &apiChannel{ID: c.ID, Name: c.Name, URL: c.URL}
	}
	for r, u := range inc.Roles {
		if !u.IsZero() {
			out.Roles[string(r)] = apiUser{ID: u.ID, Name: u.Display()}
		}
	}
	if u := inc.DeclaredBy; !u.IsZero() {
		out.DeclaredBy = &apiUser{ID: u.ID, Name: u.Display()}
	}
	for k, v := range inc.Labels {
		out.Labels[k] = v
	}
	return out
}

func newAPIEntry(e bot.TimelineEntry) apiEntry {
	out := apiEntry{
		ID:       e.ID,
		At:       e.At.UTC().Format(apiTimeFormat),
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

// apiTime renders t, or nil (null) when it is zero.
func apiTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	v := t.UTC().Format(apiTimeFormat)
	return &v
}

// apiSeconds is whole seconds from start to end, nil (null) when either is
// unset; never negative, though replicas' clocks may disagree.
func apiSeconds(start, end time.Time) *int64 {
	if start.IsZero() || end.IsZero() {
		return nil
	}
	v := int64(max(end.Sub(start), 0).Round(time.Second) / time.Second)
	return &v
}

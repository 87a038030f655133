// Package fakebacklog is Backlog's issue API (POST /api/v2/issues, GET
// /api/v2/issues/{key}) on an httptest server, answering as the real one
// does as far as PROTOCOLS-2 §7 says: 201 with the issue ({"id",
// "issueKey": "OPS-12", "status": {"id","name"}}) for one it takes, 400
// {"errors":[{"message","code","moreInfo"}]} for a missing summary, 401
// for the wrong apiKey, 404 for an unknown issue, and, when told to, 429
// with Retry-After or any other status. It records every request (the
// apiKey taken out of the recorded query), so a test asserts what Backlog
// was sent, and lets a test close or reopen an issue.
package fakebacklog

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/warroomhq/warroom/adapters/backlog"
)

// Server is a fake Backlog space holding one project.
type Server struct {
	*httptest.Server
	apiKey, project string
	mu              sync.Mutex
	issues          []Issue
	status          map[string]backlog.Status
	requests        []Request
	faults          []int
	next            int
}

// Issue is one issue the fake created: its key and the form it was sent.
type Issue struct {
	Key  string
	Form url.Values
}

// Request is one request that reached the fake.
type Request struct {
	Method, Path string
	// APIKey is the apiKey query parameter it carried.
	APIKey string
	Header http.Header
	Body   []byte
}

// Statuses a test sets issues to.
var (
	Open   = backlog.Status{ID: 1, Name: "未対応"}
	Closed = backlog.Status{ID: 4, Name: "完了"}
)

// New starts a fake Backlog whose API key is apiKey and whose project key
// is project ("OPS"); issues are numbered from 12. It stops at the
// test's end.
func New(t interface{ Cleanup(func()) }, apiKey, project string) *Server {
	s := &Server{apiKey: apiKey, project: project, next: 12, status: map[string]backlog.Status{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Fail makes the next requests answer status (429, 500, 400, ...), one
// per status given.
func (s *Server) Fail(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, statuses...)
}

// SetStatus sets issue key's status, as a person in Backlog would.
func (s *Server) SetStatus(key string, st backlog.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[key] = st
}

// Issues are the issues created (201), in order.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.issues)
}

// Requests are every request received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, APIKey: r.URL.Query().Get("apiKey"), Header: r.Header.Clone(), Body: raw})
	var fault int
	if len(s.faults) > 0 {
		fault, s.faults = s.faults[0], s.faults[1:]
	}
	s.mu.Unlock()
	switch fault {
	case 0:
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "1")
		apiError(w, fault, "Too many requests.", 14)
		return
	case http.StatusBadRequest:
		apiError(w, fault, "No such issue type. (key:issueTypeId, value:999)", 7)
		return
	default:
		apiError(w, fault, http.StatusText(fault), 1)
		return
	}
	if r.URL.Query().Get("apiKey") != s.apiKey {
		apiError(w, http.StatusUnauthorized, "Authentication failure.", 11)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v2/issues":
		s.create(w, raw)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v2/issues/"):
		key := strings.TrimPrefix(r.URL.Path, "/api/v2/issues/")
		s.mu.Lock()
		st, ok := s.status[key]
		s.mu.Unlock()
		if !ok {
			apiError(w, http.StatusNotFound, "No issue.", 6)
			return
		}
		write(w, http.StatusOK, issueJSON(key, st))
	default:
		apiError(w, http.StatusNotFound, "Not Found.", 6)
	}
}

func (s *Server) create(w http.ResponseWriter, raw []byte) {
	form, err := url.ParseQuery(string(raw))
	if err != nil || strings.TrimSpace(form.Get("summary")) == "" {
		apiError(w, http.StatusBadRequest, "Please enter a summary. (key:summary)", 7)
		return
	}
	s.mu.Lock()
	key := s.project + "-" + strconv.Itoa(s.next)
	s.next++
	s.issues = append(s.issues, Issue{Key: key, Form: form})
	s.status[key] = Open
	s.mu.Unlock()
	write(w, http.StatusCreated, issueJSON(key, Open))
}

func issueJSON(key string, st backlog.Status) map[string]any {
	n, _ := strconv.Atoi(key[strings.LastIndexByte(key, '-')+1:])
	return map[string]any{"id": 1000 + n, "issueKey": key, "keyId": n, "summary": "…",
		"priority": map[string]any{"id": 3, "name": "中"}, "status": map[string]any{"id": st.ID, "name": st.Name}}
}

func apiError(w http.ResponseWriter, status int, msg string, code int) {
	write(w, status, map[string]any{"errors": []map[string]any{{"message": msg, "code": code, "moreInfo": ""}}})
}

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Activity is the body of an "issue updated" delivery (type 2) for
// project's issue n whose status the delivery claims moved to newStatus
// ("4" closed), with activity id, by Aiko Tanaka.
func Activity(id int64, project string, n int, newStatus string) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": id, "type": 2, "created": "2026-12-04T10:00:00Z",
		"project": map[string]any{"id": 92, "projectKey": project, "name": "Ops"},
		"content": map[string]any{"id": 4800 + n, "key_id": n, "summary": "Add an alert",
			"changes": []map[string]any{{"field": "status", "new_value": newStatus, "old_value": "1", "type": "standard"}}},
		"notifications": []any{},
		"createdUser":   map[string]any{"id": 5, "userId": "aiko", "name": "Aiko Tanaka"},
	})
	return b
}

// Package fakegithub is GitHub's create-issue endpoint (POST
// /repos/{owner}/{repo}/issues) on an httptest server, answering as the
// real one does: 201 {"number","html_url",...} for an issue it takes, 422
// {"message":"Validation Failed","errors":[...]} for a missing title, 401
// {"message":"Bad credentials"} for the wrong token, 404 for another
// repository, and, when told to, 429 or a 403 secondary rate limit with
// Retry-After, or a 403 primary one with x-ratelimit-remaining 0. It
// records every request, so a test asserts what GitHub was sent.
package fakegithub

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/warroomhq/warroom/adapters/github"
)

// Server is a fake GitHub API holding one repository.
type Server struct {
	*httptest.Server
	token, repo string
	mu          sync.Mutex
	issues      []Issue
	requests    []Request
	faults      []int
	next        int
}

// Issue is one issue the fake created.
type Issue struct {
	Number int
	github.CreateRequest
}

// Request is one request that reached the fake.
type Request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// Fault statuses Fail takes besides plain ones: a 403 that is a secondary
// rate limit (Retry-After) and one that is the primary limit
// (x-ratelimit-remaining: 0).
const (
	SecondaryRateLimit = 4031
	PrimaryRateLimit   = 4032
)

// New starts a fake GitHub whose token is token and whose one repository
// is repo ("owner/name"); it stops at the test's end.
func New(t interface{ Cleanup(func()) }, token, repo string) *Server {
	s := &Server{token: token, repo: repo, next: 1}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Fail makes the next requests answer status (429, 500, 422, 401,
// SecondaryRateLimit...), one per status given.
func (s *Server) Fail(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, statuses...)
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
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: raw})
	var fault int
	if len(s.faults) > 0 {
		fault, s.faults = s.faults[0], s.faults[1:]
	}
	s.mu.Unlock()
	switch fault {
	case 0:
	case SecondaryRateLimit:
		w.Header().Set("Retry-After", "1")
		message(w, http.StatusForbidden, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
		return
	case PrimaryRateLimit:
		w.Header().Set("X-Ratelimit-Remaining", "0")
		w.Header().Set("X-Ratelimit-Reset", strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10))
		message(w, http.StatusForbidden, "API rate limit exceeded for user ID 1.")
		return
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "1")
		message(w, fault, "API rate limit exceeded")
		return
	case http.StatusUnprocessableEntity:
		invalid(w, "labels", "invalid")
		return
	default:
		message(w, fault, http.StatusText(fault))
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		message(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	if r.Method != http.MethodPost || !strings.EqualFold(r.URL.Path, "/repos/"+s.repo+"/issues") {
		message(w, http.StatusNotFound, "Not Found")
		return
	}
	var req github.CreateRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		message(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	if strings.TrimSpace(req.Title) == "" {
		invalid(w, "title", "missing_field")
		return
	}
	s.mu.Lock()
	n := s.next
	s.next++
	s.issues = append(s.issues, Issue{Number: n, CreateRequest: req})
	s.mu.Unlock()
	write(w, http.StatusCreated, map[string]any{"id": 1000 + n, "number": n, "state": "open", "title": req.Title,
		"html_url": "https://github.com/" + s.repo + "/issues/" + strconv.Itoa(n),
		"url":      s.URL + "/repos/" + s.repo + "/issues/" + strconv.Itoa(n)})
}

func message(w http.ResponseWriter, status int, msg string) {
	write(w, status, map[string]string{"message": msg, "documentation_url": "https://docs.github.com/rest"})
}

func invalid(w http.ResponseWriter, field, code string) {
	write(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed",
		"errors": []map[string]string{{"resource": "Issue", "field": field, "code": code}}, "documentation_url": "https://docs.github.com/rest"})
}

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// IssuesEvent is the body of an "issues" delivery: action ("closed",
// "reopened") on issue number of repo, with state_reason (for closed:
// "completed", "not_planned"), by aiko-tanaka.
func IssuesEvent(repo string, number int, action, stateReason string) []byte {
	state := "open"
	if action == "closed" {
		state = "closed"
	}
	var reason any
	if stateReason != "" {
		reason = stateReason
	}
	b, _ := json.Marshal(map[string]any{
		"action": action,
		"issue": map[string]any{"number": number, "state": state, "state_reason": reason, "title": "Add an alert",
			"html_url": "https://github.com/" + repo + "/issues/" + strconv.Itoa(number)},
		"repository": map[string]any{"full_name": repo, "name": repo[strings.IndexByte(repo, '/')+1:]},
		"sender":     map[string]any{"login": "aiko-tanaka", "id": 583231, "type": "User"},
	})
	return b
}

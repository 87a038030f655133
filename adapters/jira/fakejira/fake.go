// Package fakejira is Jira Cloud's create-issue endpoint (POST
// /rest/api/3/issue) on an httptest server, answering as the real one
// does: 201 {"id","key","self"} for an issue it takes, 400
// {"errorMessages":[],"errors":{"summary":"..."}} for field errors (no
// summary, a summary over 255 characters or with a line break, an unknown
// project, a description that is not an ADF document), 401 for the wrong
// email or token, and 429 with Retry-After when told to. It records every
// issue it created, so a test asserts what Jira was sent.
package fakejira

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
	"unicode/utf8"

	"github.com/warroomhq/warroom/adapters/jira"
)

// Server is a fake Jira Cloud site.
type Server struct {
	*httptest.Server
	email, token, project string
	mu                    sync.Mutex
	issues                []Issue
	attempts              int
	faults                []int
	next                  int
}

// Issue is one issue the fake created.
type Issue struct {
	Key    string
	Fields jira.Fields
	// Raw is the request body as sent.
	Raw []byte
}

// New starts a fake site whose account is email with token and whose one
// project is project; it stops at the test's end.
func New(t interface{ Cleanup(func()) }, email, token, project string) *Server {
	s := &Server{email: email, token: token, project: project, next: 1}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Fail makes the next requests answer status (429, 500, 400, 401...), one
// per status given, before anything else is checked.
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

// Attempts is how many requests reached the create endpoint.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/rest/api/3/issue" {
		write(w, http.StatusNotFound, jira.ErrorCollection{ErrorMessages: []string{"Not Found"}, Errors: map[string]string{}})
		return
	}
	s.mu.Lock()
	s.attempts++
	var fault int
	if len(s.faults) > 0 {
		fault, s.faults = s.faults[0], s.faults[1:]
	}
	s.mu.Unlock()
	if fault == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
		write(w, fault, jira.ErrorCollection{ErrorMessages: []string{"Rate limit exceeded."}, Errors: map[string]string{}})
		return
	}
	if email, token, ok := r.BasicAuth(); fault == http.StatusUnauthorized || !ok || email != s.email || token != s.token {
		// Jira's 401 is a plain page, not JSON.
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, "Client must be authenticated to access this resource.")
		return
	}
	if fault == http.StatusBadRequest {
		invalid(w, map[string]string{"summary": "Field 'summary' cannot be set. It is not on the appropriate screen, or unknown."})
		return
	}
	if fault != 0 {
		write(w, fault, jira.ErrorCollection{ErrorMessages: []string{http.StatusText(fault)}, Errors: map[string]string{}})
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var req jira.CreateRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		write(w, http.StatusBadRequest, jira.ErrorCollection{ErrorMessages: []string{"Unexpected character in the JSON body."}, Errors: map[string]string{}})
		return
	}
	if errs := s.problems(req.Fields); len(errs) > 0 {
		invalid(w, errs)
		return
	}
	s.mu.Lock()
	n := s.next
	s.next++
	key := s.project + "-" + strconv.Itoa(n)
	s.issues = append(s.issues, Issue{Key: key, Fields: req.Fields, Raw: raw})
	s.mu.Unlock()
	id := strconv.Itoa(10000 + n)
	write(w, http.StatusCreated, jira.Created{ID: id, Key: key, Self: s.URL + "/rest/api/3/issue/" + id})
}

// problems are the field errors the real API gives.
func (s *Server) problems(f jira.Fields) map[string]string {
	errs := map[string]string{}
	if f.Project.Key != s.project {
		errs["project"] = "valid project is required"
	}
	if f.IssueType.Name == "" {
		errs["issuetype"] = "valid issue type is required"
	}
	switch {
	case strings.TrimSpace(f.Summary) == "":
		errs["summary"] = "You must specify a summary of the issue."
	case utf8.RuneCountInString(f.Summary) > 255:
		errs["summary"] = "Summary must be less than 255 characters."
	case strings.ContainsAny(f.Summary, "\r\n"):
		errs["summary"] = "The summary is invalid because it contains newline characters."
	}
	if d := f.Description; d.Type != "doc" || d.Version != 1 {
		errs["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
	}
	for _, l := range f.Labels {
		if strings.ContainsAny(l, " \t\n") {
			errs["labels"] = "The label '" + l + "' contains spaces which is invalid."
		}
	}
	return errs
}

func invalid(w http.ResponseWriter, errs map[string]string) {
	write(w, http.StatusBadRequest, jira.ErrorCollection{ErrorMessages: []string{}, Errors: errs})
}

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// IssueUpdated is the body of a jira:issue_updated delivery moving issue
// key to status (in category "new", "indeterminate" or "done"), by Aiko
// Tanaka, at at.
func IssueUpdated(key, status, category string, at time.Time) []byte {
	b, _ := json.Marshal(map[string]any{
		"timestamp": at.UnixMilli(), "webhookEvent": "jira:issue_updated", "issue_event_type_name": "issue_generic",
		"user": map[string]any{"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Aiko Tanaka"},
		"issue": map[string]any{"id": "10042", "key": key, "self": "https://acme.atlassian.net/rest/api/3/issue/10042",
			"fields": map[string]any{"summary": "Add an alert", "status": map[string]any{"name": status,
				"statusCategory": map[string]any{"key": category}}}},
		"changelog": map[string]any{"id": strconv.FormatInt(at.UnixNano()%1e9, 10), "items": []map[string]any{
			{"field": "status", "fieldtype": "jira", "fromString": "In Progress", "toString": status}}},
	})
	return b
}

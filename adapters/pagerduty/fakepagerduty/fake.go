// Package fakepagerduty is PagerDuty's Events API v2 on an httptest
// server, answering as the real one does: 202
// {"status":"success","message":"Event processed","dedup_key":...} for a
// valid event, 400 {"status":"invalid event","message":"Event object is
// invalid","errors":[...]} for an invalid one (no routing key, no
// summary or source, an unknown severity or action, a dedup key over 255
// characters), and 429 when told to. It records the events it accepted,
// so a test asserts what PagerDuty was sent.
package fakepagerduty

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"

	"github.com/warroomhq/warroom/adapters/pagerduty"
)

// Server is a fake Events API.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	events   []pagerduty.Event
	attempts int
	faults   []int // statuses to answer the next requests with, in order
}

// New starts a fake; it stops at the test's end.
func New(t interface{ Cleanup(func()) }) *Server {
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Fail makes the next requests answer status (429, 500, 400...), one per
// status given, before anything else is checked.
func (s *Server) Fail(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, statuses...)
}

// Events are the events accepted (202), in order.
func (s *Server) Events() []pagerduty.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// Attempts is how many requests reached /v2/enqueue, answered or refused.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

var (
	actions    = []string{"trigger", "acknowledge", "resolve"}
	severities = []string{"critical", "error", "warning", "info"}
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v2/enqueue" {
		write(w, http.StatusNotFound, map[string]any{"status": "not found", "message": "Not Found"})
		return
	}
	s.mu.Lock()
	s.attempts++
	var fault int
	if len(s.faults) > 0 {
		fault, s.faults = s.faults[0], s.faults[1:]
	}
	s.mu.Unlock()
	switch {
	case fault == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "1")
		write(w, fault, map[string]any{"status": "throttle event", "message": "Request Limit Exceeded"})
		return
	case fault != 0:
		write(w, fault, map[string]any{"status": "error", "message": http.StatusText(fault)})
		return
	}
	body, _ := io.ReadAll(r.Body)
	var ev pagerduty.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		invalid(w, "Could not parse the JSON body")
		return
	}
	if errs := problems(ev); len(errs) > 0 {
		invalid(w, errs...)
		return
	}
	s.mu.Lock()
	s.events = append(s.events, ev)
	s.mu.Unlock()
	write(w, http.StatusAccepted, map[string]any{"status": "success", "message": "Event processed", "dedup_key": ev.DedupKey})
}

// problems are what the real API says of an invalid event.
func problems(ev pagerduty.Event) []string {
	var errs []string
	if ev.RoutingKey == "" {
		errs = append(errs, "'routing_key' is missing or blank")
	}
	if !slices.Contains(actions, ev.EventAction) {
		errs = append(errs, "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')")
	}
	if len(ev.DedupKey) > pagerduty.MaxDedupKey {
		errs = append(errs, "'dedup_key' is too long (maximum is 255 characters)")
	}
	if ev.EventAction != "trigger" {
		if ev.DedupKey == "" {
			errs = append(errs, "'dedup_key' is missing or blank")
		}
		return errs
	}
	p := ev.Payload
	if p == nil {
		return append(errs, "'payload' is missing")
	}
	if p.Summary == "" {
		errs = append(errs, "'payload.summary' is missing or blank")
	}
	if p.Source == "" {
		errs = append(errs, "'payload.source' is missing or blank")
	}
	if !slices.Contains(severities, p.Severity) {
		errs = append(errs, "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')")
	}
	return errs
}

func invalid(w http.ResponseWriter, errs ...string) {
	write(w, http.StatusBadRequest, map[string]any{"status": "invalid event", "message": "Event object is invalid", "errors": errs})
}

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Package fakezoom is Zoom's OAuth server and meetings API on one httptest
// server, answering as the real ones do (PROTOCOLS-2 section 9):
//
//   - POST /oauth/token?grant_type=account_credentials&account_id=… with
//     Basic client_id:client_secret: 200
//     {"access_token","token_type":"bearer","expires_in":3600,"scope"};
//     400 {"reason":"unsupported grant type","error":"unsupported_grant_type"}
//     for another grant, 400 {"reason":"Invalid request : Invalid account_id","error":"invalid_request"}
//     for a wrong account and 401 {"reason":"Invalid client_id or client_secret","error":"invalid_client"}
//     for wrong client credentials;
//   - POST /v2/users/me/meetings with a bearer token: 201 with id,
//     join_url (with a pwd= password), start_url and password; 401
//     {"code":124,"message":"Invalid access token."} for an unknown or
//     expired token; 300/400 {"code","message"} for a body it refuses; 429
//     with Retry-After when told to.
//
// It records the meetings it created and counts the tokens it issued, so
// a test asserts what Zoom was asked.
package fakezoom

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"

	"github.com/warroomhq/warroom/adapters/zoom"
)

// The credentials the fake accepts.
const (
	AccountID    = "acc0unt-1D"
	ClientID     = "cl1ent-1D"
	ClientSecret = "cl1ent-s3cret"
)

// Server is a fake Zoom.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	meetings []zoom.MeetingRequest
	tokens   []string
	valid    map[string]bool
	attempts int
	faults   []int // statuses the next meeting requests answer, in order
	nextID   int64
}

// New starts a fake; it stops at the test's end.
func New(t interface{ Cleanup(func()) }) *Server {
	s := &Server{valid: map[string]bool{}, nextID: 85746065432}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Fail makes the next meeting requests answer status (429, 500, 400...),
// one per status given, after the token is checked.
func (s *Server) Fail(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, statuses...)
}

// Expire makes every token issued so far invalid, as an app deactivated
// and reactivated, or a token past its hour.
func (s *Server) Expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.valid)
}

// Meetings are the meetings created (201), in order.
func (s *Server) Meetings() []zoom.MeetingRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.meetings)
}

// Tokens is how many access tokens were issued.
func (s *Server) Tokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tokens)
}

// Attempts is how many requests reached the meetings endpoint.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// JoinURL is the join link of the meeting with id, as the fake makes it.
func JoinURL(base string, id int64) string {
	return fmt.Sprintf("%s/j/%d?pwd=%s", base, id, password(id))
}

func password(id int64) string { return fmt.Sprintf("Pw%dX", id%100000) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/oauth/token":
		s.token(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/v2/users/me/meetings":
		s.meeting(w, r)
	default:
		write(w, http.StatusNotFound, map[string]any{"code": 404, "message": "Not Found"})
	}
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("grant_type") != "account_credentials" {
		write(w, http.StatusBadRequest, map[string]any{"reason": "unsupported grant type", "error": "unsupported_grant_type"})
		return
	}
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(r.Header.Get("Authorization"), "Basic "))
	if string(raw) != ClientID+":"+ClientSecret {
		write(w, http.StatusUnauthorized, map[string]any{"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
		return
	}
	if q.Get("account_id") != AccountID {
		write(w, http.StatusBadRequest, map[string]any{"reason": "Invalid request : Invalid account_id", "error": "invalid_request"})
		return
	}
	s.mu.Lock()
	tok := fmt.Sprintf("eyJ.fake-token-%d", len(s.tokens)+1)
	s.tokens = append(s.tokens, tok)
	s.valid[tok] = true
	s.mu.Unlock()
	write(w, http.StatusOK, zoom.Token{AccessToken: tok, TokenType: "bearer", ExpiresIn: 3600, Scope: "meeting:write:admin"})
}

func (s *Server) meeting(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.attempts++
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	ok := s.valid[tok]
	var fault int
	if ok && len(s.faults) > 0 {
		fault, s.faults = s.faults[0], s.faults[1:]
	}
	s.mu.Unlock()
	switch {
	case !ok:
		write(w, http.StatusUnauthorized, map[string]any{"code": 124, "message": "Invalid access token."})
		return
	case fault == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "1")
		write(w, fault, map[string]any{"code": 429, "message": "You have exceeded the daily rate limit of (100) for Create a meeting API requests permitted for this particular user."})
		return
	case fault != 0:
		write(w, fault, map[string]any{"code": fault, "message": http.StatusText(fault)})
		return
	}
	var m zoom.MeetingRequest
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		write(w, http.StatusBadRequest, map[string]any{"code": 300, "message": "Request Body should be a valid JSON object."})
		return
	}
	if m.Topic == "" || len([]rune(m.Topic)) > 200 {
		write(w, http.StatusBadRequest, map[string]any{"code": 300, "message": "Validation Failed.", "errors": []map[string]string{{"field": "topic", "message": "Invalid field."}}})
		return
	}
	if m.Type != 1 && m.Type != 2 && m.Type != 3 && m.Type != 8 {
		write(w, http.StatusBadRequest, map[string]any{"code": 300, "message": "Invalid meeting type."})
		return
	}
	s.mu.Lock()
	s.nextID++
	id := s.nextID
	s.meetings = append(s.meetings, m)
	s.mu.Unlock()
	write(w, http.StatusCreated, zoom.Meeting{ID: id, Topic: m.Topic, JoinURL: JoinURL(s.URL, id),
		StartURL: fmt.Sprintf("%s/s/%d?zak=eyJ.host-key", s.URL, id), Password: password(id)})
}

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

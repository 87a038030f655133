package faketeams

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Call is one request the fake answered, outbound from the bot's point of
// view.
type Call struct {
	// Route names the endpoint: "login", "openid.metadata", "openid.keys",
	// "connector.createConversation", "connector.send", "connector.reply",
	// "connector.update", "connector.delete", "connector.team",
	// "connector.teamChannels", "connector.member", "graph.channels" or
	// "graph.channelMembers".
	Route string
	// Method is the HTTP method.
	Method string
	// Path is the unescaped URL path, e.g.
	// "/connector/v3/conversations/19:x@thread.tacv2;messageid=1/activities".
	Path string
	// Body is the decoded JSON body, or for the token endpoint the form fields
	// (client_secret included); nil when there was none.
	Body map[string]any
	// Status is the HTTP status answered.
	Status int
	// Error is the error code answered ("ConversationNotFound",
	// "invalid_client", ...), "" on success.
	Error string
	// Resource is what the presented access token is good for: "connector",
	// "graph", or "" when none or an unknown one was sent.
	Resource string
}

// fault is an injected answer for future calls of a route.
type fault struct {
	route      string
	status     int
	retryAfter time.Duration
	left       int
}

// FaultOption changes an injected fault.
type FaultOption func(*fault)

// RetryAfter makes the injected answer carry "Retry-After: <seconds>",
// rounded up to whole seconds as Microsoft sends it.
func RetryAfter(d time.Duration) FaultOption { return func(f *fault) { f.retryAfter = d } }

// FailNext makes the next times calls whose route starts with route ("graph",
// "connector", "connector.send", "login", ...) answer status with the error
// body Microsoft uses for it: 412 PreconditionFailed, 429 Throttled (connector)
// or TooManyRequests (Graph), 502 ServiceError, 503 and 504 without a code.
// Faults apply after the caller authenticated, in the order injected, and do
// not change state.
func (s *Server) FailNext(route string, status, times int, opts ...FaultOption) {
	f := &fault{route: route, status: status, left: times}
	for _, o := range opts {
		o(f)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// takeFaultLocked returns and uses up the first fault matching route.
func (s *Server) takeFaultLocked(route string) *fault {
	for i, f := range s.faults {
		if f.route != "" && f.route != route && !strings.HasPrefix(route, f.route+".") {
			continue
		}
		f.left--
		if f.left <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return f
	}
	return nil
}

// Calls returns the calls answered so far whose route starts with prefix
// ("" for all), in order.
func (s *Server) Calls(prefix string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsLocked(prefix)
}

func (s *Server) callsLocked(prefix string) []Call {
	var out []Call
	for _, c := range s.calls {
		if strings.HasPrefix(c.Route, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// WaitCalls waits until at least n calls whose route starts with prefix were
// answered and returns them all; it fails the test if that takes longer than
// timeout. Use it for work an adapter does after it answered Teams.
func (s *Server) WaitCalls(prefix string, n int, timeout time.Duration) []Call {
	s.t.Helper()
	var got []Call
	if !s.changes.WaitFor(timeout, func() bool { got = s.callsLocked(prefix); return len(got) >= n }) {
		s.t.Fatalf("faketeams: waited %s for %d %q call(s), got %d; all calls: %s", timeout, n, prefix, len(got), s.callSummary())
	}
	return got
}

func (s *Server) callSummary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var parts []string
	for _, c := range s.calls {
		p := c.Route + " " + strconv.Itoa(c.Status)
		if c.Error != "" {
			p += " " + c.Error
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// answer is what a handler decided: status, headers and JSON body (nil for
// none), plus the error code to record.
type answer struct {
	status     int
	body       any
	code       string
	retryAfter time.Duration
}

func ok(status int, body any) answer { return answer{status: status, body: body} }

// record stores the call and writes the answer.
func (s *Server) record(w http.ResponseWriter, r *http.Request, route string, body map[string]any, resource string, a answer) {
	s.mu.Lock()
	s.calls = append(s.calls, Call{Route: route, Method: r.Method, Path: r.URL.Path, Body: body,
		Status: a.status, Error: a.code, Resource: resource})
	s.changes.NotifyLocked()
	s.mu.Unlock()

	if a.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(a.retryAfter.Seconds()))))
	}
	if a.body == nil {
		w.WriteHeader(a.status)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(a.status)
	_ = json.NewEncoder(w).Encode(a.body)
}

// readBody reads at most 4 MiB of r's body and decodes it as a JSON object;
// ok is false when it is not one.
func readBody(r *http.Request) (raw []byte, m map[string]any, ok bool) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return raw, nil, false
	}
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return raw, nil, false
	}
	return raw, m, true
}

package fakeslack

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Call is one Web API request the fake answered.
type Call struct {
	// Method is the Web API method, e.g. "chat.postMessage".
	Method string
	// Params holds the form fields (less "token") or, for a JSON body, its
	// top-level fields: strings as they are, other values re-encoded as JSON
	// (so "view" and "blocks" keep their raw JSON text).
	Params map[string]string
	// Token is the token the call authenticated with, from the Authorization
	// header or the "token" form field; "" when none was sent.
	Token string
	// Status is the HTTP status answered: 200, or 429 for a rate limit.
	Status int
	// Error is the Slack error code answered, "" when ok.
	Error string
}

// fault is an injected answer for one future call of a method.
type fault struct {
	slackError string
	retryAfter int // seconds; > 0 means HTTP 429
}

// Fail makes the next times calls of method answer
// {"ok":false,"error":slackError} (HTTP 200), whatever their arguments.
// Injected faults apply after authentication and in the order injected.
func (s *Server) Fail(method, slackError string, times int) {
	s.inject(method, fault{slackError: slackError}, times)
}

// RateLimit makes the next times calls of method answer HTTP 429 with
// "Retry-After: retryAfterSeconds" and {"ok":false,"error":"ratelimited"}.
// slack-go reports this as *slack.RateLimitedError.
func (s *Server) RateLimit(method string, retryAfterSeconds, times int) {
	s.inject(method, fault{slackError: "ratelimited", retryAfter: retryAfterSeconds}, times)
}

func (s *Server) inject(method string, f fault, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range times {
		s.faults[method] = append(s.faults[method], f)
	}
}

// Calls returns the Web API calls answered so far, in order: all of them, or
// only those of the given methods.
func (s *Server) Calls(methods ...string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsLocked(methods...)
}

func (s *Server) callsLocked(methods ...string) []Call {
	var out []Call
	for _, c := range s.calls {
		if len(methods) == 0 || slices.Contains(methods, c.Method) {
			c.Params = cloneMap(c.Params)
			out = append(out, c)
		}
	}
	return out
}

// WaitCalls waits until at least n calls of method were answered and returns
// all calls of method; it fails the test if that takes longer than timeout.
// Use it for work an adapter does after it has acked a request.
func (s *Server) WaitCalls(method string, n int, timeout time.Duration) []Call {
	s.t.Helper()
	var got []Call
	ok := s.changes.WaitFor(timeout, func() bool {
		got = s.callsLocked(method)
		return len(got) >= n
	})
	if !ok {
		s.t.Fatalf("fakeslack: waited %s for %d %s call(s), got %d; all calls: %s", timeout, n, method, len(got), s.callSummary())
	}
	return got
}

func (s *Server) callSummary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for i, c := range s.calls {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.Method)
		if c.Error != "" {
			b.WriteString("(" + c.Error + ")")
		}
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// apiRequest is a parsed Web API request.
type apiRequest struct {
	method string
	params map[string]string
	token  string
}

// result is a method's answer: fields merged into {"ok":true,...}, or, when
// err is set, into {"ok":false,"error":err,...}.
type result struct {
	err        string
	fields     map[string]any
	retryAfter int // seconds; > 0 answers HTTP 429
}

func success(fields map[string]any) result          { return result{fields: fields} }
func fail(code string) result                       { return result{err: code} }
func failWith(code string, f map[string]any) result { return result{err: code, fields: f} }

type tokenKind int

const (
	botTokenKind tokenKind = iota
	appTokenKind
)

type method struct {
	token tokenKind
	serve func(s *Server, r *apiRequest) result
}

var methods = map[string]method{
	"auth.test":              {botTokenKind, (*Server).authTest},
	"apps.connections.open":  {appTokenKind, (*Server).appsConnectionsOpen},
	"conversations.create":   {botTokenKind, (*Server).conversationsCreate},
	"conversations.invite":   {botTokenKind, (*Server).conversationsInvite},
	"conversations.setTopic": {botTokenKind, (*Server).conversationsSetTopic},
	"conversations.archive":  {botTokenKind, (*Server).conversationsArchive},
	"conversations.join":     {botTokenKind, (*Server).conversationsJoin},
	"conversations.info":     {botTokenKind, (*Server).conversationsInfo},
	"chat.postMessage":       {botTokenKind, (*Server).chatPostMessage},
	"chat.update":            {botTokenKind, (*Server).chatUpdate},
	"chat.postEphemeral":     {botTokenKind, (*Server).chatPostEphemeral},
	"chat.getPermalink":      {botTokenKind, (*Server).chatGetPermalink},
	"pins.add":               {botTokenKind, (*Server).pinsAdd},
	"views.open":             {botTokenKind, (*Server).viewsOpen},
	"users.info":             {botTokenKind, (*Server).usersInfo},
	"users.list":             {botTokenKind, (*Server).usersList},
}

// serveAPI answers POST (or GET) /api/<method>.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("method")
	req, fromHeader, perr := parseAPIRequest(r)
	req.method = name

	status, res := http.StatusOK, s.answer(req, fromHeader, perr)
	s.mu.Lock()
	if res.retryAfter > 0 {
		status = http.StatusTooManyRequests
	}
	s.calls = append(s.calls, Call{Method: name, Params: req.params, Token: req.token, Status: status, Error: res.err})
	s.changes.NotifyLocked()
	s.mu.Unlock()

	body := map[string]any{"ok": res.err == ""}
	for k, v := range res.fields {
		body[k] = v
	}
	if res.err != "" {
		body["error"] = res.err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(res.retryAfter))
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// answer authenticates req, applies injected faults and runs the method.
func (s *Server) answer(req *apiRequest, tokenFromHeader bool, parseErr string) result {
	m, known := methods[req.method]
	if !known {
		return failWith("unknown_method", map[string]any{"req_method": req.method})
	}
	if parseErr != "" {
		return fail(parseErr)
	}
	switch {
	case req.token == "":
		return fail("not_authed")
	case req.token != BotToken && req.token != AppToken:
		return fail("invalid_auth")
	case m.token == appTokenKind && (req.token != AppToken || !tokenFromHeader):
		// apps.connections.open takes the app-level token, in the header only.
		if req.token == AppToken {
			return fail("not_authed")
		}
		return fail("not_allowed_token_type")
	case m.token == botTokenKind && req.token != BotToken:
		return fail("not_allowed_token_type")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if fs := s.faults[req.method]; len(fs) > 0 {
		f := fs[0]
		s.faults[req.method] = fs[1:]
		if f.retryAfter > 0 {
			return result{err: "ratelimited", retryAfter: f.retryAfter}
		}
		return fail(f.slackError)
	}
	return m.serve(s, req)
}

// parseAPIRequest reads the token and the arguments the way Slack does: form
// fields (body or query), or a JSON object body, which must carry its token in
// the Authorization header. It reports whether the token came from the header
// and, for an unreadable body, the error code Slack would answer.
func parseAPIRequest(r *http.Request) (req *apiRequest, tokenFromHeader bool, errCode string) {
	req = &apiRequest{params: map[string]string{}}
	if auth := r.Header.Get("Authorization"); auth != "" {
		if tok, found := strings.CutPrefix(auth, "Bearer "); found {
			req.token, tokenFromHeader = strings.TrimSpace(tok), true
		}
	}

	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ctype == "application/json" {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return req, tokenFromHeader, "invalid_json"
		}
		if len(strings.TrimSpace(string(body))) == 0 || string(body) == "null" {
			return req, tokenFromHeader, ""
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(body, &top); err != nil {
			return req, tokenFromHeader, "invalid_json"
		}
		for k, raw := range top {
			var str string
			if json.Unmarshal(raw, &str) == nil {
				req.params[k] = str
			} else {
				req.params[k] = string(raw)
			}
		}
		return req, tokenFromHeader, ""
	}

	if err := r.ParseForm(); err != nil {
		return req, tokenFromHeader, "invalid_form_data"
	}
	form := url.Values{}
	for k, v := range r.Form {
		form[k] = v
	}
	if tok := form.Get("token"); tok != "" && req.token == "" {
		req.token = tok
	}
	form.Del("token")
	for k := range form {
		req.params[k] = form.Get(k)
	}
	return req, tokenFromHeader, ""
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

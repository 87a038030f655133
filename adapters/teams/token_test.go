package teams

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	tokAppID  = "0d7a8c1e-1111-4111-8111-00000000b07a"
	tokSecret = "s3cr3t~Zx9.value"
	tokTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
)

// tokenServer is a fake Microsoft identity platform token endpoint.
type tokenServer struct {
	*httptest.Server
	fetches sync.Map // scope → *atomic.Int32
	reply   func(w http.ResponseWriter, scope string, n int32)
	delay   time.Duration
	bad     atomic.Value // string: the first request problem seen
}

func newTokenServer(t *testing.T) *tokenServer {
	t.Helper()
	ts := &tokenServer{}
	ts.reply = func(w http.ResponseWriter, scope string, n int32) {
		writeJSON(w, map[string]any{
			"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
			"access_token": fmt.Sprintf("tok-%s-%d", strings.TrimSuffix(strings.TrimPrefix(scope, "https://"), "/.default"), n),
		})
	}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		problem := func(s string) {
			ts.bad.CompareAndSwap(nil, s)
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		}
		if r.Method != http.MethodPost || r.URL.Path != "/"+tokTenant+"/oauth2/v2.0/token" {
			problem(r.Method + " " + r.URL.Path)
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			problem("content type " + ct)
			return
		}
		if err := r.ParseForm(); err != nil {
			problem(err.Error())
			return
		}
		f := r.PostForm
		if f.Get("grant_type") != "client_credentials" || f.Get("client_id") != tokAppID || f.Get("client_secret") != tokSecret || len(r.URL.RawQuery) != 0 {
			problem("form " + f.Encode())
			return
		}
		scope := f.Get("scope")
		c, _ := ts.fetches.LoadOrStore(scope, new(atomic.Int32))
		n := c.(*atomic.Int32).Add(1)
		time.Sleep(ts.delay)
		ts.reply(w, scope, n)
	}))
	t.Cleanup(func() {
		ts.Close()
		if bad := ts.bad.Load(); bad != nil {
			t.Errorf("token endpoint got a bad request: %s", bad)
		}
	})
	return ts
}

func (ts *tokenServer) count(scope string) int32 {
	c, ok := ts.fetches.Load(scope)
	if !ok {
		return 0
	}
	return c.(*atomic.Int32).Load()
}

func newTestTokens(t *testing.T, ts *tokenServer, clock *authClock) *Tokens {
	t.Helper()
	tok, err := NewTokens(TokenOptions{
		AppID: tokAppID, AppPassword: tokSecret, TenantID: tokTenant,
		LoginURL: ts.URL + "/", HTTPClient: ts.Client(), Now: clock.Now,
	})
	require.NoError(t, err)
	return tok
}

func TestTokenCachedPerScopeUntilNearExpiry(t *testing.T) {
	ts := newTokenServer(t)
	clock := newAuthClock()
	tokens := newTestTokens(t, ts, clock)
	ctx := context.Background()

	get := func(scope string) string {
		t.Helper()
		s, err := tokens.Token(ctx, scope)
		require.NoError(t, err)
		return s
	}
	require.Equal(t, "tok-api.botframework.com-1", get(ScopeConnector))
	require.Equal(t, "tok-api.botframework.com-1", get(ScopeConnector))
	require.Equal(t, "tok-graph.microsoft.com-1", get(ScopeGraph), "each scope has its own token")
	require.EqualValues(t, 1, ts.count(ScopeConnector))
	require.EqualValues(t, 1, ts.count(ScopeGraph))

	// 3599s lifetime, renewed 2 minutes early: still cached at 57 minutes.
	clock.Advance(57 * time.Minute)
	require.Equal(t, "tok-api.botframework.com-1", get(ScopeConnector))
	require.EqualValues(t, 1, ts.count(ScopeConnector))

	clock.Advance(time.Minute)
	require.Equal(t, "tok-api.botframework.com-2", get(ScopeConnector))
	require.Equal(t, "tok-graph.microsoft.com-2", get(ScopeGraph))
	require.Equal(t, "tok-api.botframework.com-2", get(ScopeConnector))
	require.EqualValues(t, 2, ts.count(ScopeConnector))
}

func TestTokenShortLifetime(t *testing.T) {
	ts := newTokenServer(t)
	ts.reply = func(w http.ResponseWriter, scope string, n int32) {
		// Lifetime as a string, as the v1.0 endpoint sends it.
		writeJSON(w, map[string]any{"token_type": "Bearer", "expires_in": "60", "access_token": fmt.Sprint("short-", n)})
	}
	clock := newAuthClock()
	tokens := newTestTokens(t, ts, clock)
	for i, want := range []string{"short-1", "short-1", "short-2"} {
		got, err := tokens.Token(context.Background(), ScopeGraph)
		require.NoError(t, err)
		require.Equal(t, want, got, "call %d", i)
		clock.Advance(20 * time.Second) // renewed after half of 60s
	}
}

func TestTokenErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   []string // substrings of the error
	}{
		{name: "invalid client", status: 401,
			body: `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided: ` + tokSecret + `. Trace ID: 1","error_codes":[7000215]}`,
			want: []string{"HTTP 401", "invalid_client", "AADSTS7000215", "/" + tokTenant + "/oauth2/v2.0/token"}},
		{name: "400 invalid_client", status: 400, body: `{"error":"invalid_client"}`, want: []string{"HTTP 400", "invalid_client"}},
		{name: "error code echoing the secret", status: 400, body: `{"error":"bad ` + tokSecret + `"}`, want: []string{"[redacted]"}},
		{name: "unauthorized client", status: 400, body: `{"error":"unauthorized_client","error_description":"AADSTS700016: Application not found"}`, want: []string{"unauthorized_client", "AADSTS700016"}},
		{name: "HTML 503", status: 503, body: "<html>busy</html>", want: []string{"HTTP 503"}},
		{name: "200 with error", status: 200, body: `{"error":"temporarily_unavailable"}`, want: []string{"temporarily_unavailable"}},
		{name: "200 not JSON", status: 200, body: "ok", want: []string{"undecodable"}},
		{name: "200 without token", status: 200, body: `{"token_type":"Bearer","expires_in":3599}`, want: []string{"no access_token"}},
		{name: "200 without expiry", status: 200, body: `{"token_type":"Bearer","access_token":"abc.def"}`, want: []string{"expires_in"}},
		{name: "200 other token type", status: 200, body: `{"token_type":"pop","expires_in":3599,"access_token":"abc.def"}`, want: []string{"not Bearer"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTokenServer(t)
			ts.reply = func(w http.ResponseWriter, _ string, _ int32) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}
			tokens := newTestTokens(t, ts, newAuthClock())
			for range 2 { // a failure is not cached
				tok, err := tokens.Token(context.Background(), ScopeConnector)
				require.Error(t, err)
				require.Empty(t, tok)
				for _, w := range tc.want {
					require.Contains(t, err.Error(), w)
				}
				require.NotContains(t, err.Error(), tokSecret)
				require.NotContains(t, err.Error(), "abc.def")
			}
			require.EqualValues(t, 2, ts.count(ScopeConnector))
		})
	}
}

func TestTokenErrorIsTyped(t *testing.T) {
	ts := newTokenServer(t)
	ts.reply = func(w http.ResponseWriter, _ string, _ int32) {
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"AADSTS7000215: x"}`))
	}
	_, err := newTestTokens(t, ts, newAuthClock()).Token(context.Background(), ScopeGraph)
	var te *TokenError
	require.ErrorAs(t, err, &te)
	require.Equal(t, 400, te.Status)
	require.Equal(t, "invalid_client", te.Code)
	require.Equal(t, "AADSTS7000215", te.AADSTS)
}

func TestTokenTransportError(t *testing.T) {
	ts := newTokenServer(t)
	tokens := newTestTokens(t, ts, newAuthClock())
	ts.Close()
	_, err := tokens.Token(context.Background(), ScopeConnector)
	require.Error(t, err)
	require.NotContains(t, err.Error(), tokSecret)
}

func TestTokenConcurrentCallersShareOneFetch(t *testing.T) {
	ts := newTokenServer(t)
	ts.delay = 50 * time.Millisecond
	tokens := newTestTokens(t, ts, newAuthClock())

	var wg sync.WaitGroup
	got := make(chan string, 100)
	for i := range 100 {
		scope := ScopeConnector
		if i%2 == 1 {
			scope = ScopeGraph
		}
		wg.Go(func() {
			tok, err := tokens.Token(context.Background(), scope)
			if err != nil {
				got <- "error: " + err.Error()
				return
			}
			got <- tok
		})
	}
	wg.Wait()
	close(got)
	seen := map[string]int{}
	for tok := range got {
		seen[tok]++
	}
	require.Equal(t, map[string]int{"tok-api.botframework.com-1": 50, "tok-graph.microsoft.com-1": 50}, seen)
	require.EqualValues(t, 1, ts.count(ScopeConnector))
	require.EqualValues(t, 1, ts.count(ScopeGraph))
}

func TestTokenWaitHonoursContext(t *testing.T) {
	ts := newTokenServer(t)
	release := make(chan struct{})
	ts.reply = func(w http.ResponseWriter, scope string, n int32) {
		<-release
		writeJSON(w, map[string]any{"token_type": "Bearer", "expires_in": 3599, "access_token": "late"})
	}
	tokens := newTestTokens(t, ts, newAuthClock())
	first := make(chan error, 1)
	go func() {
		_, err := tokens.Token(context.Background(), ScopeGraph)
		first <- err
	}()
	require.Eventually(t, func() bool { return ts.count(ScopeGraph) == 1 }, 5*time.Second, time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := tokens.Token(ctx, ScopeGraph)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	close(release)
	require.NoError(t, <-first)
	tok, err := tokens.Token(context.Background(), ScopeGraph)
	require.NoError(t, err)
	require.Equal(t, "late", tok)
	require.EqualValues(t, 1, ts.count(ScopeGraph))
}

func TestNewTokensOptions(t *testing.T) {
	ok := TokenOptions{AppID: tokAppID, AppPassword: tokSecret, TenantID: tokTenant}
	tests := []struct {
		name   string
		mutate func(*TokenOptions)
		url    string // the token URL when valid
	}{
		{name: "defaults", mutate: func(*TokenOptions) {}, url: "https://login.microsoftonline.com/" + tokTenant + "/oauth2/v2.0/token"},
		{name: "domain tenant", mutate: func(o *TokenOptions) { o.TenantID = "contoso.onmicrosoft.com" }, url: "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"},
		{name: "login URL with slash", mutate: func(o *TokenOptions) { o.LoginURL = "http://127.0.0.1:9/login/" }, url: "http://127.0.0.1:9/login/" + tokTenant + "/oauth2/v2.0/token"},
		{name: "no app ID", mutate: func(o *TokenOptions) { o.AppID = "" }},
		{name: "no password", mutate: func(o *TokenOptions) { o.AppPassword = "" }},
		{name: "no tenant", mutate: func(o *TokenOptions) { o.TenantID = "" }},
		{name: "tenant with a path", mutate: func(o *TokenOptions) { o.TenantID = "../common" }},
		{name: "tenant with a query", mutate: func(o *TokenOptions) { o.TenantID = "t?x=1" }},
		{name: "relative login URL", mutate: func(o *TokenOptions) { o.LoginURL = "login" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := ok
			tc.mutate(&opts)
			tokens, err := NewTokens(opts)
			if tc.url == "" {
				require.Error(t, err)
				require.NotContains(t, err.Error(), tokSecret)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.url, tokens.tokenURL)
		})
	}
	_, err := (&Tokens{}).Token(context.Background(), "")
	require.Error(t, err)
}

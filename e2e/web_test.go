package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
	"github.com/warroomhq/warroom/app"
)

var (
	signInRE = regexp.MustCompile(`http://127\.0\.0\.1:\d+/signin/[A-Za-z0-9_-]{43}`)
	nonceRE  = regexp.MustCompile(`name="nonce" value="([^"]+)"`)
	csrfRE   = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
)

// webBrowser is a browser for the web pages: it keeps cookies and shows
// the test each redirect instead of following it.
type webBrowser struct {
	t *testing.T
	c *http.Client
}

func newWebBrowser(t *testing.T) *webBrowser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &webBrowser{t: t, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *webBrowser) do(method, target string, form url.Values) (int, http.Header, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// What a browser says of a form posted from Warroom's own page.
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	res, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	return res.StatusCode, res.Header, string(raw)
}

// signIn opens a sign-in link as a browser does: the page, then the form
// its script posts, with the page's nonce (its cookie rides along). It
// returns where the browser is sent.
func (b *webBrowser) signIn(link string) string {
	b.t.Helper()
	status, _, page := b.do(http.MethodGet, link, nil)
	require.Equal(b.t, http.StatusOK, status, page)
	m := nonceRE.FindStringSubmatch(page)
	require.NotNil(b.t, m, page)
	status, h, body := b.do(http.MethodPost, link, url.Values{"nonce": {m[1]}})
	require.Equal(b.t, http.StatusSeeOther, status, body)
	return h.Get("Location")
}

// act posts an action of the incident page at pageURL with the page's
// CSRF token and returns the page it is sent back to.
func (b *webBrowser) act(pageURL, action string, form url.Values) string {
	b.t.Helper()
	status, _, page := b.do(http.MethodGet, pageURL, nil)
	require.Equal(b.t, http.StatusOK, status, page)
	m := csrfRE.FindStringSubmatch(page)
	require.NotNil(b.t, m, page)
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", m[1])
	status, h, body := b.do(http.MethodPost, pageURL+"/actions/"+action, form)
	require.Equal(b.t, http.StatusSeeOther, status, body)
	require.True(b.t, strings.HasSuffix(pageURL, h.Get("Location")), h.Get("Location"))
	status, _, page = b.do(http.MethodGet, pageURL, nil)
	require.Equal(b.t, http.StatusOK, status, page)
	return page
}

// lockedBuffer is the console's transcript, written by the console and
// read by the test while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestConsoleWebPages: on a fresh setup (no WARROOM_ADDR, no
// WARROOM_PUBLIC_URL) `warroom console` serves the web pages on a free
// loopback port it prints; `/incident web INC-1` gives a link that signs a
// browser in and opens INC-1, and resolving it in the browser resolves it
// in the console.
func TestConsoleWebPages(t *testing.T) {
	cfg := loadConfig(t, "", testEnv(t, nil))
	stdin, typed := io.Pipe()
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		term := app.Terminal{In: stdin, Out: out, User: "alice", Speed: 1}
		done <- app.Console(context.Background(), cfg, app.NewLogger(io.Discard, "warn", "", false), term, app.Options{})
	}()
	defer func() {
		_ = typed.Close()
		select {
		case err := <-done:
			require.True(t, stopped(err), "console stops cleanly: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatal("console did not stop")
		}
	}()
	waitFor := func(what *regexp.Regexp) string {
		t.Helper()
		var got string
		require.Eventually(t, func() bool {
			got = what.FindString(out.String())
			return got != ""
		}, 10*time.Second, 10*time.Millisecond, "%s in:\n%s", what, out)
		return got
	}
	pages := waitFor(regexp.MustCompile(`Web pages: http://127\.0\.0\.1:\d+/`))
	base := strings.TrimSuffix(strings.TrimPrefix(pages, "Web pages: "), "/")

	_, err := io.WriteString(typed, "/incident declare DB down\n/incident web INC-1\n")
	require.NoError(t, err)
	link := waitFor(signInRE)
	require.True(t, strings.HasPrefix(link, base+"/signin/"), "%s is under %s", link, base)

	b := newWebBrowser(t)
	next := b.signIn(link)
	require.Equal(t, "/incidents/INC-1", next)
	status, _, page := b.do(http.MethodGet, base+next, nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, page, "<h1>INC-1: DB down</h1>")
	require.Contains(t, page, "Signed in as alice (console)")

	page = b.act(base+next, "resolve", url.Values{"text": {"restarted the primary"}})
	require.Contains(t, page, "resolved")
	require.Contains(t, page, "(from the web)")
	// The console's incident channel heard of it.
	require.Eventually(t, func() bool {
		s := out.String()
		return strings.Contains(s, "resolved") && strings.Contains(s, "(from the web)")
	}, 10*time.Second, 10*time.Millisecond, out.String())
}

// TestServeWebWithSlack: with a public URL, `warroom serve` serves the
// web pages at "/" behind its other routes. `/incident web` in Slack
// answers privately with a sign-in link, unfurling off; the browser signs
// in, resolves the incident on its page, and Slack's card is updated in
// place.
func TestServeWebWithSlack(t *testing.T) {
	fake := fakeslack.New(t)
	fake.AddUser("U0ALICE", "alice", "Alice", "en-US")
	general := fake.AddChannel("general", false, "U0ALICE")
	addr := freePort(t)
	getenv := testEnv(t, map[string]string{
		"SLACK_BOT_TOKEN": fakeslack.BotToken, "SLACK_SIGNING_SECRET": fakeslack.SigningSecret,
		"SLACK_API_URL": fake.APIURL(), "SLACK_TEAM_ID": fakeslack.TeamID,
		"WARROOM_ADDR": addr, "WARROOM_PUBLIC_URL": "http://" + addr,
	})
	base, stop := startServe(t, getenv)
	defer stop()
	answers := &slackAnswers{sl: fake, base: base, user: "U0ALICE", channel: general}
	command := func(text string) {
		t.Helper()
		answers.command(t, text)
	}
	command("declare DB is down P1")
	fake.WaitCalls("pins.add", 1, 10*time.Second)
	cards := fake.Calls("chat.postMessage")
	require.NotEmpty(t, cards)
	cardTS := ""
	for _, c := range fake.Calls("pins.add") {
		cardTS = c.Params["timestamp"]
	}
	require.NotEmpty(t, cardTS)

	command("web INC-1")
	answer := answers.wait(t, "the sign-in link", func(raw string) bool { return strings.Contains(raw, "/signin/") })
	require.Equal(t, "ephemeral", answer["response_type"], "only alice sees it: %v", answer)
	require.Equal(t, false, answer["unfurl_links"], "no link preview uses the link up")
	require.Equal(t, false, answer["unfurl_media"])
	raw, _ := json.Marshal(answer)
	link := signInRE.FindString(string(raw))
	require.NotEmpty(t, link, string(raw))
	require.True(t, strings.HasPrefix(link, base+"/signin/"))

	b := newWebBrowser(t)
	next := b.signIn(link)
	require.Equal(t, "/incidents/INC-1", next)
	updatesBefore := len(fake.Calls("chat.update"))
	page := b.act(base+next, "resolve", url.Values{"text": {"failed over"}})
	require.Contains(t, page, "(from the web)")

	updates := fake.WaitCalls("chat.update", updatesBefore+1, 10*time.Second)
	last := updates[len(updates)-1]
	require.Equal(t, cardTS, last.Params["ts"], "the pinned card is updated in place")
	require.Contains(t, strings.ToLower(last.Params["blocks"]+last.Params["text"]), "resolved")

	var tl struct {
		Entries []struct{ Kind, Author, Text string } `json:"entries"`
	}
	require.Equal(t, http.StatusOK, getJSON(t, base+"/api/incidents/1/timeline", "", &tl))
	lastEntry := tl.Entries[len(tl.Entries)-1]
	require.Equal(t, "status", lastEntry.Kind)
	require.Equal(t, "Alice", lastEntry.Author)

	// The other routes keep theirs, and the web's paths are the web's.
	var health map[string]string
	require.Equal(t, http.StatusOK, getJSON(t, base+"/healthz", "", &health))
	status, h, _ := newWebBrowser(t).do(http.MethodGet, base+"/", nil)
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/signin", h.Get("Location"))
}

// TestServeWithoutPublicURL: without WARROOM_PUBLIC_URL there are no web
// pages: "/" is not found, a JSON error like every other of the route
// table, and a path that takes another method says which.
func TestServeWithoutPublicURL(t *testing.T) {
	base, stop := startServe(t, testEnv(t, nil))
	defer stop()
	for _, path := range []string{"/", "/signin", "/incidents/INC-1"} {
		var e map[string]map[string]string
		require.Equal(t, http.StatusNotFound, getJSON(t, base+path, "", &e), path)
		require.Equal(t, "not_found", e["error"]["code"], path)
	}
	res, err := http.Get(base + "/alerts/webhook")
	require.NoError(t, err)
	var e map[string]map[string]string
	require.NoError(t, json.NewDecoder(res.Body).Decode(&e))
	res.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
	require.Equal(t, "method_not_allowed", e["error"]["code"])
	require.Contains(t, res.Header.Get("Allow"), "POST")
}

package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/web"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
)

// The wiring's values satisfy the web interface's needs.
var (
	_ web.Sessions  = (*store.Store)(nil)
	_ web.Incidents = (*handlers.Service)(nil)
)

var (
	alice = bot.User{ID: "U1", Name: "alice"}
	bob   = bot.User{ID: "U2", Name: "bob"}
	carol = bot.User{ID: "U3", Name: "carol"}
)

// harness is one test's Warroom: a real store and handlers, a router with
// a recording chat platform, and the web interface on a test server whose
// URL is the public URL.
type harness struct {
	t   *testing.T
	st  *store.Store
	svc *handlers.Service
	r   *bot.Router
	p   *bottest.Platform
	srv *httptest.Server
	now time.Time
	// web is the web interface the test server serves.
	web *web.Server
}

func newHarness(t *testing.T) *harness {
	return newHarnessWith(t, func(*web.Options) {})
}

func newHarnessWith(t *testing.T, edit func(*web.Options)) *harness {
	t.Helper()
	return newHarnessOpts(t, handlers.Options{}, edit)
}

// newHarnessOpts is newHarness with the handlers' options (PublicURL and
// Now are the harness's) and an edit of the web interface's.
func newHarnessOpts(t *testing.T, hopts handlers.Options, edit func(*web.Options)) *harness {
	t.Helper()
	h := &harness{t: t, st: storetest.New(t), p: bottest.New("test"), now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	var handler http.Handler
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(h.srv.Close)
	hopts.PublicURL, hopts.Now = h.srv.URL, func() time.Time { return h.now }
	h.r = bot.NewRouter(bot.Options{Lang: bot.English})
	svc, err := handlers.New(h.st, h.r, hopts)
	require.NoError(t, err)
	h.svc = svc
	t.Cleanup(func() { // the router drains, then the handlers stop
		_ = h.r.Close(context.Background())
		require.NoError(t, svc.Close(context.Background()))
	})
	h.r.Register(h.p)
	opts := web.Options{PublicURL: h.srv.URL, Sessions: h.st, Incidents: svc}
	edit(&opts)
	srv, err := web.New(opts)
	require.NoError(t, err)
	handler, h.web = srv, srv
	return h
}

// say runs a command as user in channel on the chat platform.
func (h *harness) say(user bot.User, channel, line string) {
	h.t.Helper()
	require.NoError(h.t, h.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: user, Channel: channel, Text: line}))
}

// declare declares an incident from #general as user and returns it.
func (h *harness) declare(user bot.User, line string) *bot.Incident {
	h.t.Helper()
	h.say(user, "CGEN", "declare "+line)
	incs, err := h.st.List(context.Background(), store.ListQuery{Limit: 1})
	require.NoError(h.t, err)
	return incs[0]
}

var linkRE = regexp.MustCompile(`http://127\.0\.0\.1:\d+/signin/[A-Za-z0-9_-]{43}`)

// link asks for a sign-in link in chat ("web" plus args) as user and
// returns it.
func (h *harness) link(user bot.User, args string) string {
	h.t.Helper()
	h.say(user, "CGEN", strings.TrimSpace("web "+args))
	c, ok := h.p.Last("Reply")
	require.True(h.t, ok)
	require.Equal(h.t, user, c.User, "only the asker sees it")
	got := linkRE.FindString(c.Msg.Text)
	require.NotEmpty(h.t, got, "a link under the public URL in %q", c.Msg.Text)
	require.True(h.t, strings.HasPrefix(got, h.srv.URL+"/signin/"))
	return got
}

// browser is a browser: cookies kept, redirects not followed (so tests
// see them).
type browser struct {
	h    *harness
	c    *http.Client
	lang string
}

func (h *harness) browser() *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(h.t, err)
	return &browser{h: h, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// response is what a browser got.
type response struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, target string, form url.Values) response {
	b.h.t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = b.h.srv.URL + target
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(b.h.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	res, err := b.c.Do(req)
	require.NoError(b.h.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(b.h.t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(raw)}
}

func (b *browser) get(target string) response { return b.do(http.MethodGet, target, nil) }

func (b *browser) post(target string, form url.Values) response {
	return b.do(http.MethodPost, target, form)
}

var nonceRE = regexp.MustCompile(`name="nonce" value="([^"]+)"`)
var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn opens the link as a person would (the page, then its form) and
// returns the final response of the POST.
func (b *browser) signIn(link string) response {
	b.h.t.Helper()
	page := b.get(link)
	require.Equal(b.h.t, http.StatusOK, page.status, page.body)
	m := nonceRE.FindStringSubmatch(page.body)
	require.NotNil(b.h.t, m, page.body)
	return b.post(link, url.Values{"nonce": {m[1]}})
}

// signedIn signs a fresh browser in as user through a link from chat.
func (h *harness) signedIn(user bot.User) *browser {
	h.t.Helper()
	b := h.browser()
	res := b.signIn(h.link(user, ""))
	require.Equal(h.t, http.StatusSeeOther, res.status, res.body)
	return b
}

// csrf is the CSRF token on the browser's dashboard.
func (b *browser) csrf() string {
	b.h.t.Helper()
	res := b.get("/")
	require.Equal(b.h.t, http.StatusOK, res.status)
	m := csrfRE.FindStringSubmatch(res.body)
	require.NotNil(b.h.t, m)
	return m[1]
}

func setCookie(t *testing.T, res response, name string) *http.Cookie {
	t.Helper()
	for _, line := range res.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		require.NoError(t, err)
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", name, res.header.Values("Set-Cookie"))
	return nil
}

func TestSignInThroughTheLink(t *testing.T) {
	h := newHarness(t)
	link := h.link(alice, "")
	b := h.browser()
	// Another tab loaded the page before the link was used.
	late := h.browser()
	latePage := late.get(link)
	require.Equal(t, http.StatusOK, latePage.status)

	page := b.get(link)
	require.Equal(t, http.StatusOK, page.status)
	require.Contains(t, page.body, "<h1>Sign in as alice</h1>")
	require.Contains(t, page.body, `<script src="/static/signin.js" defer></script>`)
	require.NotRegexp(t, `<script>|<script [^>]*>[^<]`, page.body, "no inline script")
	require.Contains(t, page.body, `<form id="signin" method="post" action="/signin/`)
	require.Equal(t, "no-store", page.header.Get("Cache-Control"))

	res := b.signIn(link)
	require.Equal(t, http.StatusSeeOther, res.status)
	require.Equal(t, "/", res.header.Get("Location"))
	c := setCookie(t, res, "warroom_session")
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, c.SameSite)
	require.Equal(t, "/", c.Path)
	require.False(t, c.Secure, "the public URL is http")
	require.Equal(t, int((12 * time.Hour).Seconds()), c.MaxAge)

	dash := b.get("/")
	require.Equal(t, http.StatusOK, dash.status)
	require.Contains(t, dash.body, "Signed in as alice (test)")

	// Used once, it is used up: the page says so, and how to get another.
	again := h.browser()
	lateNonce := nonceRE.FindStringSubmatch(latePage.body)[1]
	for _, got := range []response{again.get(link), b.get(link), late.post(link, url.Values{"nonce": {lateNonce}})} {
		require.Equal(t, http.StatusGone, got.status)
		require.Contains(t, got.body, "This sign-in link no longer works")
		require.Contains(t, got.body, "/incident web")
	}
}

func TestSignInOpensTheIncidentNamed(t *testing.T) {
	h := newHarness(t)
	inc := h.declare(alice, "Checkout is failing P2")
	res := h.browser().signIn(h.link(bob, "INC-1"))
	require.Equal(t, http.StatusSeeOther, res.status)
	require.Equal(t, "/incidents/INC-1", res.header.Get("Location"))
	require.Equal(t, int64(1), inc.ID)
}

// A link preview (Slack's unfurler, Safe Links) fetches the page, and
// perhaps its form's target without the page's cookie: the link stays
// usable for the person.
func TestLinkPreviewDoesNotUseTheLinkUp(t *testing.T) {
	h := newHarness(t)
	link := h.link(alice, "")
	for range 3 {
		res := h.browser().get(link)
		require.Equal(t, http.StatusOK, res.status)
		require.Contains(t, res.body, "Sign in as alice")
	}
	// A POST that did not come from the page (no nonce cookie, or the
	// wrong nonce) is refused and uses nothing up.
	preview := h.browser()
	res := preview.post(link, url.Values{})
	require.Equal(t, http.StatusForbidden, res.status)
	require.Contains(t, res.body, "nothing was changed")
	page := preview.get(link)
	require.Equal(t, http.StatusOK, page.status)
	res = preview.post(link, url.Values{"nonce": {"not-the-one"}})
	require.Equal(t, http.StatusForbidden, res.status)
	require.Empty(t, res.header.Values("Set-Cookie"), "no session")

	res = h.browser().signIn(link)
	require.Equal(t, http.StatusSeeOther, res.status, "the person still signs in")
}

func TestExpiredLink(t *testing.T) {
	h := newHarness(t)
	link := h.link(alice, "")
	// Redis deletes the key when the link's 10 minutes are up (the store's
	// tests check the TTL); do it now.
	ctx := context.Background()
	keys, err := ownKeys(t, h.st, "signin")
	require.NoError(t, err)
	require.Len(t, keys, 1)
	ttl, err := h.st.Client().TTL(ctx, keys[0]).Result()
	require.NoError(t, err)
	require.InDelta(t, 600, ttl.Seconds(), 2)
	require.NoError(t, h.st.Client().Del(ctx, keys...).Err())

	b := h.browser()
	res := b.get(link)
	require.Equal(t, http.StatusGone, res.status)
	require.Contains(t, res.body, "This sign-in link no longer works")
	b.lang = "ja-JP,ja;q=0.9,en;q=0.5"
	res = b.get(link)
	require.Equal(t, http.StatusGone, res.status)
	require.Contains(t, res.body, "このサインインリンクは使えません")
	require.Contains(t, res.body, `<html lang="ja">`)
	require.NotContains(t, res.body, "sign-in link", "no English on the Japanese page")
}

func TestSignInPageInTheUsersLanguage(t *testing.T) {
	h := newHarness(t)
	// The chat person speaks Japanese; a browser that asks for no
	// language gets theirs.
	require.NoError(t, h.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: alice, Channel: "CGEN", Text: "web", Locale: "ja"}))
	c, _ := h.p.Last("Reply")
	link := linkRE.FindString(c.Msg.Text)
	require.Contains(t, c.Msg.Text, "alice さんとしてサインイン")
	b := h.browser()
	res := b.get(link)
	require.Contains(t, res.body, "<h1>alice さんとしてサインイン</h1>")
	require.Equal(t, "ja", res.header.Get("Content-Language"))
	// The browser's Accept-Language wins over it, and ?lang= over both.
	b.lang = "en-US,en;q=0.9"
	require.Contains(t, b.get(link).body, "<h1>Sign in as alice</h1>")
	require.Contains(t, b.get(link+"?lang=ja").body, "<h1>alice さんとしてサインイン</h1>")
	require.Contains(t, b.get(link).body, "<h1>alice さんとしてサインイン</h1>", "the choice is remembered")
}

func TestWithoutASessionEverythingRedirectsToSignIn(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	for _, path := range []string{"/", "/incidents/INC-1", "/incidents/1", "/nowhere", "/?q=x"} {
		res := b.get(path)
		require.Equal(t, http.StatusSeeOther, res.status, path)
		require.Equal(t, "/signin", res.header.Get("Location"), path)
	}
	res := b.post("/signout", url.Values{})
	require.Equal(t, http.StatusSeeOther, res.status)

	// A session cookie that names no session is dropped.
	u, _ := url.Parse(h.srv.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "warroom_session", Value: strings.Repeat("A", 43)}})
	res = b.get("/")
	require.Equal(t, http.StatusSeeOther, res.status)
	require.Equal(t, -1, setCookie(t, res, "warroom_session").MaxAge)

	howto := b.get("/signin")
	require.Equal(t, http.StatusOK, howto.status)
	require.Contains(t, howto.body, "<code>/incident web</code>")
	b.lang = "ja"
	howto = b.get("/signin")
	require.Contains(t, howto.body, "Warroom にパスワードはありません")

	css := b.get("/static/app.css")
	require.Equal(t, http.StatusOK, css.status)
	require.Contains(t, css.header.Get("Content-Type"), "text/css")
	js := b.get("/static/signin.js")
	require.Equal(t, http.StatusOK, js.status)
	require.Contains(t, js.body, "form.submit()")
}

func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t)
	b := h.signedIn(alice)
	for _, path := range []string{"/", "/signin", "/static/app.css", "/nowhere", h.link(alice, "")} {
		res := b.get(path)
		csp := res.header.Get("Content-Security-Policy")
		require.Contains(t, csp, "default-src 'self'", path)
		require.Contains(t, csp, "frame-ancestors 'none'", path)
		require.NotContains(t, csp, "unsafe-inline", path)
		require.NotContains(t, csp, "unsafe-eval", path)
		require.Equal(t, "no-referrer", res.header.Get("Referrer-Policy"), path)
		require.Equal(t, "nosniff", res.header.Get("X-Content-Type-Options"), path)
	}
}

func TestSecureCookieOverHTTPS(t *testing.T) {
	h := newHarnessWith(t, func(o *web.Options) { o.PublicURL = "https://warroom.example.com" })
	b := h.browser()
	link := h.link(alice, "")
	page := b.get(link)
	require.True(t, setCookie(t, page, "warroom_signin").Secure)
	require.Equal(t, http.SameSiteStrictMode, setCookie(t, page, "warroom_signin").SameSite)
	nonce := nonceRE.FindStringSubmatch(page.body)[1]
	// The jar keeps Secure cookies off plain http: send the nonce by hand.
	req, err := http.NewRequest(http.MethodPost, link, strings.NewReader(url.Values{"nonce": {nonce}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "warroom_signin", Value: nonce})
	res, err := b.c.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	c := setCookie(t, response{header: res.Header}, "warroom_session")
	require.True(t, c.Secure)
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, c.SameSite)
}

func TestSignOutNeedsTheCSRFToken(t *testing.T) {
	h := newHarness(t)
	b := h.signedIn(alice)
	token := b.csrf()
	for name, form := range map[string]url.Values{
		"missing": {},
		"wrong":   {"csrf": {strings.Repeat("x", len(token))}},
		"empty":   {"csrf": {""}},
		"other":   {"csrf": {h.signedIn(bob).csrf()}},
	} {
		t.Run(name, func(t *testing.T) {
			res := b.post("/signout", form)
			require.Equal(t, http.StatusForbidden, res.status)
			require.Contains(t, res.body, "<h1>Request refused</h1>")
			require.Contains(t, res.body, "nothing was changed")
			require.Empty(t, res.header.Values("Set-Cookie"))
			require.Equal(t, http.StatusOK, b.get("/").status, "still signed in")
		})
	}
	b.lang = "ja"
	res := b.post("/signout", url.Values{})
	require.Equal(t, http.StatusForbidden, res.status)
	require.Contains(t, res.body, "何も変更していません")

	res = b.post("/signout", url.Values{"csrf": {token}})
	require.Equal(t, http.StatusSeeOther, res.status)
	require.Equal(t, "/signin?signedout=1", res.header.Get("Location"))
	require.Equal(t, -1, setCookie(t, res, "warroom_session").MaxAge)
	require.Equal(t, http.StatusSeeOther, b.get("/").status, "signed out")
	require.Contains(t, b.get("/signin?signedout=1").body, "サインアウトしました")
	keys, err := ownKeys(t, h.st, "session")
	require.NoError(t, err)
	require.Len(t, keys, 1, "only bob's session is left in Redis")
}

func TestDashboardLanguage(t *testing.T) {
	h := newHarness(t)
	h.declare(alice, "Checkout is failing P2")
	b := h.signedIn(alice)
	res := b.get("/")
	require.Contains(t, res.body, "<h1>Incidents</h1>")
	require.Contains(t, res.body, "investigating")
	b.lang = "ja,en;q=0.5"
	res = b.get("/")
	require.Contains(t, res.body, "<h1>インシデント</h1>")
	require.Contains(t, res.body, "調査中")
	require.NotContains(t, res.body, ">investigating<")
	require.Contains(t, res.body, `href="/?lang=en"`)
	res = b.get("/?lang=en")
	require.Contains(t, res.body, "<h1>Incidents</h1>")
	require.Equal(t, "en", setCookie(t, res, "warroom_lang").Value)
	require.Contains(t, b.get("/").body, "<h1>Incidents</h1>", "the cookie wins over Accept-Language")
}

// A session lives in Redis: another replica's web interface serves it.
func TestSessionOnAnotherReplica(t *testing.T) {
	h := newHarness(t)
	b := h.signedIn(alice)
	other, err := web.New(web.Options{PublicURL: h.srv.URL, Sessions: h.st, Incidents: h.svc})
	require.NoError(t, err)
	replica := httptest.NewServer(other)
	t.Cleanup(replica.Close)
	u, _ := url.Parse(h.srv.URL)
	ru, _ := url.Parse(replica.URL)
	b.c.Jar.SetCookies(ru, b.c.Jar.Cookies(u))
	res := b.get(replica.URL + "/")
	require.Equal(t, http.StatusOK, res.status)
	require.Contains(t, res.body, "Signed in as alice (test)")
}

func TestNewRefusesBadOptions(t *testing.T) {
	h := newHarness(t)
	for _, o := range []web.Options{
		{PublicURL: "", Sessions: h.st, Incidents: h.svc},
		{PublicURL: "warroom.example.com", Sessions: h.st, Incidents: h.svc},
		{PublicURL: "ftp://warroom.example.com", Sessions: h.st, Incidents: h.svc},
		{PublicURL: "https://warroom.example.com", Incidents: h.svc},
		{PublicURL: "https://warroom.example.com", Sessions: h.st},
	} {
		_, err := web.New(o)
		require.Error(t, err, o.PublicURL)
	}
}

// downSessions is the store with Redis gone for sessions.
type downSessions struct{ web.Sessions }

func (downSessions) Session(context.Context, string) (bot.Session, error) {
	return bot.Session{}, fmt.Errorf("session: %w", bot.ErrUnavailable)
}

// When Redis is unavailable the page says so, in the person's language,
// with a 503 and Retry-After, and shows nothing else.
func TestStoreUnavailable(t *testing.T) {
	h := newHarness(t)
	b := h.signedIn(alice)
	down, err := web.New(web.Options{PublicURL: h.srv.URL, Sessions: downSessions{h.st}, Incidents: h.svc})
	require.NoError(t, err)
	replica := httptest.NewServer(down)
	t.Cleanup(replica.Close)
	b.lang = "ja"
	res := b.get(replica.URL + "/")
	require.Equal(t, http.StatusServiceUnavailable, res.status)
	require.Equal(t, "5", res.header.Get("Retry-After"))
	require.Contains(t, res.body, "Warroom がいま応答できませんでした")
	require.NotContains(t, res.body, "unavailable")
}

// A form posted from another site is refused whatever it carries, and
// changes nothing; one from Warroom's own origin goes through.
func TestCrossOriginPostRefused(t *testing.T) {
	h := newHarness(t)
	b := h.signedIn(alice)
	token := b.csrf()
	link := h.link(alice, "")
	page := b.get(link)
	nonce := nonceRE.FindStringSubmatch(page.body)[1]
	for _, target := range []struct {
		path string
		form url.Values
	}{{"/signout", url.Values{"csrf": {token}}}, {link, url.Values{"nonce": {nonce}}}} {
		req, err := http.NewRequest(http.MethodPost, strings.Replace(target.path, h.srv.URL, "", 1), nil)
		require.NoError(t, err)
		for _, h := range []http.Header{
			{"Origin": {"https://evil.example"}},
			{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"null"}},
			{"Sec-Fetch-Site": {"same-site"}},
		} {
			res := b.doWith(req, target.form, h)
			require.Equal(t, http.StatusForbidden, res.status, "%s %v", target.path, h)
			require.Contains(t, res.body, "nothing was changed")
		}
	}
	require.Equal(t, http.StatusOK, b.get("/").status, "still signed in")
	require.Equal(t, http.StatusOK, h.browser().get(link).status, "the link is unused")
	req, err := http.NewRequest(http.MethodPost, "/signout", nil)
	require.NoError(t, err)
	// What a browser sends for Warroom's own form under no-referrer.
	res := b.doWith(req, url.Values{"csrf": {"wrong"}}, http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {"null"}})
	require.Equal(t, http.StatusForbidden, res.status, "the token still decides")
	res = b.doWith(req, url.Values{"csrf": {token}}, http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {"null"}})
	require.Equal(t, http.StatusSeeOther, res.status)
}

// doWith posts form to req's path with the headers h.
func (b *browser) doWith(req *http.Request, form url.Values, h http.Header) response {
	b.h.t.Helper()
	full, err := http.NewRequest(req.Method, b.h.srv.URL+req.URL.Path, strings.NewReader(form.Encode()))
	require.NoError(b.h.t, err)
	full.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range h {
		full.Header[k] = v
	}
	res, err := b.c.Do(full)
	require.NoError(b.h.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(b.h.t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(raw)}
}

// ownKeys lists this test's keys (its store's prefix, made by storetest
// from the test's name) of one kind ("signin", "session"), and not those
// of other tests sharing the Redis.
func ownKeys(t *testing.T, st *store.Store, kind string) ([]string, error) {
	name := regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(t.Name(), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	return st.Client().Keys(context.Background(), "test:"+name+":*:"+kind+":*").Result()
}

// Signing in again in the same browser ends the session it had.
func TestSignInAgainEndsThePreviousSession(t *testing.T) {
	h := newHarness(t)
	b := h.signedIn(alice)
	keys, err := ownKeys(t, h.st, "session")
	require.NoError(t, err)
	require.Len(t, keys, 1)
	res := b.signIn(h.link(bob, ""))
	require.Equal(t, http.StatusSeeOther, res.status)
	after, err := ownKeys(t, h.st, "session")
	require.NoError(t, err)
	require.Len(t, after, 1)
	require.NotEqual(t, keys, after)
	require.Contains(t, b.get("/").body, "Signed in as bob (test)")
}

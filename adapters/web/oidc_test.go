package web_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/web"
	"github.com/warroomhq/warroom/adapters/web/oidctest"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/store"
)

// The wiring's values satisfy the OpenID Connect sign-in's needs.
var (
	_ web.OIDCLogins = (*store.Store)(nil)
	_ web.People     = (*handlers.Service)(nil)
)

const (
	oidcClient = "warroom-client"
	oidcSecret = "s3cret-of-the-client"
	userClaim  = "https://slack.com/user_id"
)

// oidcHarness is a harness whose web pages sign in through is, mapping
// userClaim to users of platform.
func oidcHarness(t *testing.T, platform string, edit func(*web.OIDC)) (*harness, *oidctest.Issuer) {
	t.Helper()
	is := oidctest.New(t, oidcClient, oidcSecret)
	h := newHarnessWith(t, func(o *web.Options) {
		cfg := &web.OIDC{Issuer: is.URL(), ClientID: oidcClient, ClientSecret: oidcSecret, Claim: userClaim, Platform: platform,
			Name: "Acme SSO", Logins: o.Sessions.(*store.Store), People: o.Incidents.(*handlers.Service)}
		if edit != nil {
			edit(cfg)
		}
		o.OIDC = cfg
	})
	is.SignInAs(map[string]any{"sub": "pairwise-1", userClaim: alice.ID, "name": "Alice Example"})
	return h, is
}

// startOIDC runs the browser through GET /signin/oidc and the issuer's
// authorize page, and returns the callback URL the issuer sent it to
// (not yet opened).
func (b *browser) startOIDC(is *oidctest.Issuer) string {
	b.h.t.Helper()
	res := b.get("/signin/oidc")
	require.Equal(b.h.t, http.StatusSeeOther, res.status, res.body)
	to := res.header.Get("Location")
	require.True(b.h.t, strings.HasPrefix(to, is.URL()+"/authorize?"), to)
	at := b.get(to)
	require.Equal(b.h.t, http.StatusFound, at.status, at.body)
	back := at.header.Get("Location")
	require.True(b.h.t, strings.HasPrefix(back, b.h.srv.URL+"/signin/oidc/callback?"), back)
	return back
}

// refused checks that res is the sign-in failure page saying want, and
// that b has no session.
func (b *browser) refused(res response, status int, want string) {
	b.h.t.Helper()
	require.Equal(b.h.t, status, res.status, res.body)
	require.Contains(b.h.t, res.body, want)
	for _, line := range res.header.Values("Set-Cookie") {
		require.NotContains(b.h.t, line, "warroom_session=", "no session")
	}
	dash := b.get("/")
	require.Equal(b.h.t, http.StatusSeeOther, dash.status, "not signed in")
	require.Equal(b.h.t, "/signin", dash.header.Get("Location"))
}

func TestOIDCSignInStartsTheChatUsersSession(t *testing.T) {
	h, _ := oidcHarness(t, "test", nil)
	h.declare(alice, "Checkout is failing P2")
	b := h.browser()

	page := b.get("/signin")
	require.Equal(t, http.StatusOK, page.status)
	require.Contains(t, page.body, `<a class="button primary" id="oidc" href="/signin/oidc">Sign in with Acme SSO</a>`)
	require.Contains(t, page.body, "/incident web", "the chat link still works")

	res := b.get("/signin/oidc")
	require.Equal(t, http.StatusSeeOther, res.status)
	to, err := url.Parse(res.header.Get("Location"))
	require.NoError(t, err)
	q := to.Query()
	require.Equal(t, h.srv.URL+"/signin/oidc/callback", q.Get("redirect_uri"), "derived from the public URL")
	require.Equal(t, oidcClient, q.Get("client_id"))
	require.Equal(t, "S256", q.Get("code_challenge_method"))
	require.NotEmpty(t, q.Get("nonce"))
	require.Equal(t, "openid profile", q.Get("scope"))
	state := setCookie(t, res, "warroom_oidc")
	require.Equal(t, q.Get("state"), state.Value, "the state is bound to this browser")
	require.True(t, state.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, state.SameSite, "sent back on the provider's cross-site redirect")
	require.Equal(t, "/signin/oidc", state.Path)
	require.Equal(t, 600, state.MaxAge)
	require.NotContains(t, to.String(), oidcSecret)

	at := b.get(to.String())
	require.Equal(t, http.StatusFound, at.status, at.body)
	done := b.get(at.header.Get("Location"))
	require.Equal(t, http.StatusSeeOther, done.status, done.body)
	require.Equal(t, "/", done.header.Get("Location"))
	c := setCookie(t, done, "warroom_session")
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, c.SameSite)
	require.Equal(t, int((12 * time.Hour).Seconds()), c.MaxAge)
	require.Equal(t, -1, setCookie(t, done, "warroom_oidc").MaxAge, "the state cookie is gone")

	dash := b.get("/")
	require.Equal(t, http.StatusOK, dash.status)
	require.Contains(t, dash.body, "Signed in as Alice Example (test)")
	require.Equal(t, []string{"INC-1"}, rows(dash.body))

	// The same session as the chat link's: in Redis, as alice on the
	// chat platform.
	sess, err := h.st.Session(context.Background(), c.Value)
	require.NoError(t, err)
	require.Equal(t, bot.Viewer{Platform: "test", User: bot.User{ID: alice.ID, Name: "Alice Example"}, Lang: bot.English}, sess.Viewer)
}

func TestOIDCSignInWithoutConfigurationHasNoButton(t *testing.T) {
	h := newHarness(t)
	page := h.browser().get("/signin")
	require.Equal(t, http.StatusOK, page.status)
	require.NotContains(t, page.body, "/signin/oidc")
	// The path is then a chat link's, which does not exist.
	require.Equal(t, http.StatusGone, h.browser().get("/signin/oidc").status)
}

// The audience rule judges an OIDC session exactly as the chat person's.
func TestOIDCSessionSeesWhatTheChatUserSees(t *testing.T) {
	h, is := oidcHarness(t, "test", nil)
	priv := h.declare(alice, "Payroll data exposed P1 <@U2|bob> private")
	require.True(t, priv.Private)
	h.declare(alice, "Search is slow P3")

	for _, tc := range []struct {
		user bot.User
		rows []string
		page int
	}{
		{bob, []string{"INC-2", "INC-1"}, http.StatusOK},
		{carol, []string{"INC-2"}, http.StatusNotFound},
	} {
		is.SignInAs(map[string]any{"sub": "x-" + tc.user.ID, userClaim: tc.user.ID, "name": tc.user.Name})
		b := h.browser()
		done := b.get(b.startOIDC(is))
		require.Equal(t, http.StatusSeeOther, done.status, done.body)
		require.Equal(t, tc.rows, rows(b.get("/").body), tc.user.Name)
		require.Equal(t, tc.page, b.get("/incidents/INC-1").status, tc.user.Name)
	}
}

// teamsPlatform is a recording platform named "teams" whose directory
// finds a person by Bot Framework ID or by Entra object ID, as the Bot
// Connector's get-member does.
type teamsPlatform struct {
	*bottest.Platform
	people map[string]bot.User // by ID and by AAD object ID
}

func (p *teamsPlatform) FindUsers(context.Context, string) ([]bot.User, error) {
	return nil, bot.ErrUnsupported
}

func (p *teamsPlatform) LookupUser(_ context.Context, id string) (bot.User, error) {
	if u, ok := p.people[id]; ok {
		return u, nil
	}
	return bot.User{}, fmt.Errorf("member %s: %w", id, bot.ErrNotFound)
}

func TestOIDCEntraObjectIDIsTheTeamsUser(t *testing.T) {
	const aad = "7f3c2a51-8d1e-4b6a-9c2f-1e5d4b3a2c10"
	dana := bot.User{ID: "29:1dana", Name: "Dana (Teams)"}
	h, is := oidcHarness(t, "teams", func(o *web.OIDC) { o.Claim = "oid" })
	h.r.Register(&teamsPlatform{Platform: bottest.New("teams"), people: map[string]bot.User{dana.ID: dana, aad: dana}})

	is.SignInAs(map[string]any{"sub": "pairwise-for-this-app", "oid": aad, "tid": "tenant", "name": "Dana"})
	b := h.browser()
	done := b.get(b.startOIDC(is))
	require.Equal(t, http.StatusSeeOther, done.status, done.body)
	sess, err := h.st.Session(context.Background(), setCookie(t, done, "warroom_session").Value)
	require.NoError(t, err)
	require.Equal(t, "teams", sess.Platform)
	require.Equal(t, dana, sess.User, "the Bot Framework ID that Teams messages and roles carry")
	require.Contains(t, b.get("/").body, "Signed in as Dana (Teams) (teams)")

	// Someone of the tenant who is no member of the team gets no session.
	is.SignInAs(map[string]any{"sub": "p2", "oid": "00000000-0000-0000-0000-000000000001", "name": "Eve"})
	eve := h.browser()
	eve.refused(eve.get(eve.startOIDC(is)), http.StatusForbidden, "Your account is not a member Warroom knows in chat")
}

func TestOIDCRefusals(t *testing.T) {
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	const badToken = "The identity provider&#39;s answer could not be verified"
	for _, tc := range []struct {
		name string
		edit func(map[string]any)
		sign *rsa.PrivateKey
		want string
	}{
		{"wrong nonce", func(c map[string]any) { c["nonce"] = "another-sign-in" }, nil, badToken},
		{"no nonce", func(c map[string]any) { delete(c, "nonce") }, nil, badToken},
		{"expired", func(c map[string]any) {
			c["iat"], c["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
		}, nil, badToken},
		{"wrong audience", func(c map[string]any) { c["aud"] = "some-other-app" }, nil, badToken},
		{"another issuer", func(c map[string]any) { c["iss"] = "https://evil.example.com" }, nil, badToken},
		{"signed by another key", nil, other, badToken},
		{"missing claim", func(c map[string]any) { delete(c, userClaim) }, nil, "Your account does not say which chat user you are"},
		{"empty claim", func(c map[string]any) { c[userClaim] = " " }, nil, "Your account does not say which chat user you are"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, is := oidcHarness(t, "test", nil)
			is.Tamper(tc.edit, tc.sign)
			b := h.browser()
			res := b.get(b.startOIDC(is))
			b.refused(res, http.StatusForbidden, tc.want)
			require.Contains(t, res.body, `href="/signin/oidc">Sign in with Acme SSO again</a>`)
			require.Equal(t, 1, is.Exchanges())
		})
	}
}

func TestOIDCRequiredClaim(t *testing.T) {
	h, is := oidcHarness(t, "test", func(o *web.OIDC) { o.Require = map[string]string{"https://slack.com/team_id": "T0ACME"} })
	is.SignInAs(map[string]any{"sub": "s", userClaim: alice.ID, "https://slack.com/team_id": "T0OTHER"})
	b := h.browser()
	b.refused(b.get(b.startOIDC(is)), http.StatusForbidden, "belongs to another workspace or tenant")

	is.SignInAs(map[string]any{"sub": "s", userClaim: alice.ID, "https://slack.com/team_id": "T0ACME"})
	ok := h.browser()
	require.Equal(t, http.StatusSeeOther, ok.get(ok.startOIDC(is)).status)
}

func TestOIDCRefusesForgedAndReplayedCallbacks(t *testing.T) {
	h, is := oidcHarness(t, "test", nil)
	const badState = "This sign-in was not started in this browser"

	t.Run("forged state", func(t *testing.T) {
		// Another site sends a victim's browser to the callback with the
		// attacker's own code and state (login CSRF): the victim's
		// browser has no such state.
		attacker := h.browser()
		callback := attacker.startOIDC(is)
		victim := h.browser()
		victim.refused(victim.get(callback), http.StatusBadRequest, badState)
		// A state of the victim's own that is not the one sent back.
		victim.startOIDC(is)
		u, err := url.Parse(callback)
		require.NoError(t, err)
		q := u.Query()
		q.Set("state", strings.Repeat("A", 43))
		u.RawQuery = q.Encode()
		victim.refused(victim.get(u.String()), http.StatusBadRequest, badState)
	})

	t.Run("replayed callback", func(t *testing.T) {
		b := h.browser()
		callback := b.startOIDC(is)
		first := b.get(callback)
		require.Equal(t, http.StatusSeeOther, first.status)
		before := is.Exchanges()
		// The same callback again, with the state cookie put back as a
		// replaying attacker would: the sign-in was used up.
		fresh := h.browser()
		u, err := url.Parse(callback)
		require.NoError(t, err)
		cookieURL, err := url.Parse(h.srv.URL + "/signin/oidc")
		require.NoError(t, err)
		fresh.c.Jar.SetCookies(cookieURL, []*http.Cookie{{Name: "warroom_oidc", Value: u.Query().Get("state"), Path: "/signin/oidc"}})
		fresh.refused(fresh.get(callback), http.StatusBadRequest, badState)
		// And the first browser's replay (its cookie is gone).
		res := b.get(callback)
		require.Equal(t, http.StatusBadRequest, res.status)
		require.Equal(t, before, is.Exchanges(), "the code was never sent again")
	})

	t.Run("the provider refused", func(t *testing.T) {
		b := h.browser()
		res := b.get("/signin/oidc")
		state := setCookie(t, res, "warroom_oidc").Value
		b.refused(b.get("/signin/oidc/callback?"+url.Values{"error": {"access_denied"}, "state": {state}}.Encode()),
			http.StatusForbidden, "The identity provider did not sign you in")
	})

	t.Run("no code", func(t *testing.T) {
		b := h.browser()
		state := setCookie(t, b.get("/signin/oidc"), "warroom_oidc").Value
		b.refused(b.get("/signin/oidc/callback?state="+state), http.StatusForbidden, "could not be verified")
	})

	t.Run("in Japanese", func(t *testing.T) {
		b := h.browser()
		b.lang = "ja"
		res := b.get("/signin/oidc/callback?state=x&code=y")
		b.refused(res, http.StatusBadRequest, "このサインインはこのブラウザーで始めたものではないか")
		require.Contains(t, res.body, "もう一度 Acme SSO でサインイン")
	})
}

func TestOIDCProviderUnreachable(t *testing.T) {
	h, is := oidcHarness(t, "test", nil)
	is.Close()
	b := h.browser()
	b.refused(b.get("/signin/oidc"), http.StatusBadGateway, "The identity provider cannot be reached just now")
}

// countingLogins counts the sign-ins written to the store.
type countingLogins struct {
	web.OIDCLogins
	n atomic.Int64
}

func (c *countingLogins) CreateOIDCLogin(ctx context.Context, l bot.OIDCLogin, ttl time.Duration) (string, error) {
	c.n.Add(1)
	return c.OIDCLogins.CreateOIDCLogin(ctx, l, ttl)
}

// TestOIDCStartsArePaced: a script hammering GET /signin/oidc, which
// writes a sign-in to Redis for anyone, is refused with 429 and the page
// saying why once past the burst a team never reaches; what it refuses
// writes nothing.
func TestOIDCStartsArePaced(t *testing.T) {
	var logins *countingLogins
	h, _ := oidcHarness(t, "test", func(o *web.OIDC) {
		logins = &countingLogins{OIDCLogins: o.Logins}
		o.Logins = logins
	})
	started, refused := 0, 0
	for range 100 {
		res := h.browser().get("/signin/oidc")
		switch res.status {
		case http.StatusSeeOther:
			started++
		case http.StatusTooManyRequests:
			refused++
			require.Equal(t, "10", res.header.Get("Retry-After"))
			require.Contains(t, res.body, "Too many sign-ins are starting at once")
		default:
			t.Fatalf("GET /signin/oidc: %d %s", res.status, res.body)
		}
	}
	require.GreaterOrEqual(t, started, 30, "the burst a team may need")
	require.Positive(t, refused, "past it, starts are refused")
	require.Equal(t, int64(started), logins.n.Load(), "a refused start writes nothing")
}

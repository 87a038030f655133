package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
	"github.com/warroomhq/warroom/adapters/web/oidctest"
)

// TestServeSignInWithOIDC: with an OpenID Connect issuer configured,
// `warroom serve`'s sign-in page has its button; the browser goes to the
// issuer and back, and is signed in as the Slack user its ID token names,
// with the display name Slack gives. Someone Slack does not know gets no
// session. The client secret is in no log line (startServe's stop checks
// "s3cret-token").
func TestServeSignInWithOIDC(t *testing.T) {
	fake := fakeslack.New(t)
	fake.AddUser("U0ALICE", "alice", "Alice", "en-US")
	is := oidctest.New(t, "warroom-app", "s3cret-token-oidc")
	addr := freePort(t)
	base, stop := startServe(t, testEnv(t, map[string]string{
		"SLACK_BOT_TOKEN": fakeslack.BotToken, "SLACK_SIGNING_SECRET": fakeslack.SigningSecret,
		"SLACK_API_URL": fake.APIURL(), "SLACK_TEAM_ID": fakeslack.TeamID,
		"WARROOM_ADDR": addr, "WARROOM_PUBLIC_URL": "http://" + addr,
		"WARROOM_OIDC_ISSUER": is.URL(), "WARROOM_OIDC_CLIENT_ID": "warroom-app", "WARROOM_OIDC_CLIENT_SECRET": "s3cret-token-oidc",
		"WARROOM_OIDC_CLAIM": "https://slack.com/user_id", "WARROOM_OIDC_PLATFORM": "slack", "WARROOM_OIDC_NAME": "Acme SSO",
	}))
	defer stop()

	signIn := func(b *webBrowser) (int, http.Header, string) {
		t.Helper()
		status, h, page := b.do(http.MethodGet, base+"/signin/oidc", nil)
		require.Equal(t, http.StatusSeeOther, status, page)
		require.True(t, strings.HasPrefix(h.Get("Location"), is.URL()+"/authorize?"), h.Get("Location"))
		status, h, page = b.do(http.MethodGet, h.Get("Location"), nil)
		require.Equal(t, http.StatusFound, status, page)
		require.True(t, strings.HasPrefix(h.Get("Location"), base+"/signin/oidc/callback?"), h.Get("Location"))
		return b.do(http.MethodGet, h.Get("Location"), nil)
	}

	b := newWebBrowser(t)
	status, _, page := b.do(http.MethodGet, base+"/signin", nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, page, "Sign in with Acme SSO")

	is.SignInAs(map[string]any{"sub": "U0ALICE", "https://slack.com/user_id": "U0ALICE", "name": "alice@acme"})
	status, h, page := signIn(b)
	require.Equal(t, http.StatusSeeOther, status, page)
	require.Equal(t, "/", h.Get("Location"))
	status, _, page = b.do(http.MethodGet, base+"/", nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, page, "Signed in as Alice (slack)", "Slack's display name, from users.info")

	is.SignInAs(map[string]any{"sub": "U0NOBODY", "https://slack.com/user_id": "U0NOBODY", "name": "Mallory"})
	stranger := newWebBrowser(t)
	status, _, page = signIn(stranger)
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, page, "Your account is not a member Warroom knows in chat")
	status, h, _ = stranger.do(http.MethodGet, base+"/", nil)
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/signin", h.Get("Location"))
}

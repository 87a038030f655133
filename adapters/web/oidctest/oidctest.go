// Package oidctest is an OpenID Connect provider on an httptest server,
// for tests of the web pages' sign-in: discovery, an authorize endpoint,
// a token endpoint and JWKS, behaving as Slack's or Entra's do, and
// knobs that make it behave as a broken or hostile one would.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issuer is the provider. Its authorize endpoint signs in at once the
// person SignInAs names (they typed their password) and sends the browser
// back with a code; its token endpoint checks the client's credentials,
// the redirect URL and the PKCE verifier, and takes each code once.
type Issuer struct {
	t                *testing.T
	srv              *httptest.Server
	key              *rsa.PrivateKey
	clientID, secret string

	mu        sync.Mutex
	user      map[string]any
	codes     map[string]grant
	edit      func(claims map[string]any)
	sign      *rsa.PrivateKey
	exchanges int
}

type grant struct{ nonce, challenge, redirect string }

// New starts an issuer for the client clientID with secret, closed when
// the test ends.
func New(t *testing.T, clientID, secret string) *Issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &Issuer{t: t, key: key, clientID: clientID, secret: secret, codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", is.discovery)
	mux.HandleFunc("GET /authorize", is.authorize)
	mux.HandleFunc("POST /token", is.token)
	mux.HandleFunc("GET /keys", is.keys)
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

// URL is the issuer's URL (its "iss").
func (is *Issuer) URL() string { return is.srv.URL }

// Close stops the issuer: it can no longer be reached.
func (is *Issuer) Close() { is.srv.Close() }

// SignInAs makes the next sign-ins the person of claims (sub, the chat
// user's claim, name, …).
func (is *Issuer) SignInAs(claims map[string]any) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.user = claims
}

// Tamper changes each ID token's claims with edit before signing, and
// signs with key instead of the published one when key is not nil.
func (is *Issuer) Tamper(edit func(claims map[string]any), key *rsa.PrivateKey) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.edit, is.sign = edit, key
}

// Exchanges is how many codes the token endpoint exchanged for tokens.
func (is *Issuer) Exchanges() int {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.exchanges
}

func (is *Issuer) discovery(w http.ResponseWriter, _ *http.Request) {
	u := is.srv.URL
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": u, "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token", "jwks_uri": u + "/keys",
		"response_types_supported": []string{"code"}, "id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported": []string{"openid", "profile", "email"}, "subject_types_supported": []string{"public"},
	})
}

func (is *Issuer) keys(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &is.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
}

func (is *Issuer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != is.clientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("nonce") == "" || !strings.Contains(" "+q.Get("scope")+" ", " openid ") {
		http.Error(w, "bad authorize request", http.StatusBadRequest)
		return
	}
	code := rand.Text()
	is.mu.Lock()
	is.codes[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	is.mu.Unlock()
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
}

func (is *Issuer) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	code := r.PostFormValue("code")
	is.mu.Lock()
	g, known := is.codes[code]
	delete(is.codes, code) // a code works once
	is.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	switch {
	case id != is.clientID || secret != is.secret:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	case !known || r.PostFormValue("grant_type") != "authorization_code" || r.PostFormValue("redirect_uri") != g.redirect ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": is.srv.URL, "aud": is.clientID, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "nonce": g.nonce}
	is.mu.Lock()
	for k, v := range is.user {
		claims[k] = v
	}
	edit, key := is.edit, is.sign
	is.exchanges++
	is.mu.Unlock()
	if edit != nil {
		edit(claims)
	}
	if key == nil {
		key = is.key
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": "at-" + rand.Text(), "token_type": "Bearer", "expires_in": 3600,
		"id_token": is.signed(key, claims)})
}

func (is *Issuer) signed(key *rsa.PrivateKey, claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		is.t.Error(err)
		return ""
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		is.t.Error(err)
	}
	return raw
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

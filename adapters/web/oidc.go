package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"go.uber.org/zap"
	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/warroomhq/warroom/bot"
)

// OpenID Connect sign-in: "Sign in with Slack", Microsoft Entra ID, or
// any issuer. The authorization-code flow with a state, a nonce and PKCE
// (S256): the state names a sign-in under way kept in Redis
// (OIDCLogins, used up by its callback) and is bound to the browser by a
// short-lived cookie, so a callback that another site forged, or one
// replayed, starts no session.

// Routes of the OpenID Connect sign-in.
const (
	oidcStart    = "/signin/oidc"
	oidcCallback = "/signin/oidc/callback"
	// stateCookie carries the state of the sign-in this browser started.
	// SameSite=Lax: the identity provider's redirect back is a top-level
	// GET from another site, which Lax lets through and Strict does not.
	stateCookie = "warroom_oidc"
	// OIDCLoginTTL is how long a started sign-in may take at the
	// identity provider.
	OIDCLoginTTL = 10 * time.Minute
	// oidcTimeout bounds one call to the identity provider.
	oidcTimeout = 10 * time.Second
	// oidcStartRate and oidcStartBurst bound how fast this process starts
	// sign-ins. Starting one writes to Redis for anyone who asks, before
	// any sign-in: unbounded, a script could fill Redis with them. A
	// team's people never start 30 at once; a script gets 5 a second.
	oidcStartRate  = 5
	oidcStartBurst = 30
)

// OIDCLogins keeps the sign-ins under way; *store.Store implements it.
type OIDCLogins interface {
	// CreateOIDCLogin keeps l for ttl and returns its state token.
	CreateOIDCLogin(ctx context.Context, l bot.OIDCLogin, ttl time.Duration) (string, error)
	// ConsumeOIDCLogin uses up the sign-in of state, atomically: once.
	// Unknown, used or expired is an error wrapping bot.ErrNotFound.
	ConsumeOIDCLogin(ctx context.Context, state string) (bot.OIDCLogin, error)
}

// People says which chat person an identity provider's user is;
// *handlers.Service implements it.
type People interface {
	// SignInViewer is the person of platform user ID id (name is what the
	// provider calls them); someone the platform does not know is an
	// error wrapping bot.ErrNotFound.
	SignInViewer(ctx context.Context, platform, id, name string, lang bot.Lang) (bot.Viewer, error)
}

// OIDC configures the OpenID Connect sign-in (Options.OIDC).
type OIDC struct {
	// Issuer is the identity provider's issuer URL: "https://slack.com",
	// "https://login.microsoftonline.com/{tenant}/v2.0", or any other.
	// Its discovery document is read on the first sign-in.
	Issuer       string
	ClientID     string
	ClientSecret string
	// Claim is the ID token claim holding the chat user ID, and Platform
	// the chat platform it is an ID on ("slack", "teams", …).
	Claim, Platform string
	// Require lists claims the ID token must carry with exactly these
	// values (Slack's "https://slack.com/team_id" → the workspace ID).
	Require map[string]string
	// Name is the provider as the sign-in button names it ("Slack").
	Name string
	// Scopes are asked for beside "openid" (default profile).
	Scopes []string
	// Logins and People are required.
	Logins OIDCLogins
	People People
	// Client makes the calls to the identity provider (default: one with
	// a 10-second timeout).
	Client *http.Client
}

// oidcFlow is the configured sign-in; its provider is discovered once,
// on first use, and kept.
type oidcFlow struct {
	cfg      OIDC
	redirect string
	now      func() time.Time

	// starts paces the sign-ins started (oidcStartRate).
	starts *rate.Limiter

	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDCFlow(cfg OIDC, publicURL string, now func() time.Time) (*oidcFlow, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.ClientSecret == "" || cfg.Claim == "" || cfg.Platform == "" {
		return nil, errors.New("web: OIDC needs Issuer, ClientID, ClientSecret, Claim and Platform")
	}
	if cfg.Logins == nil || cfg.People == nil {
		return nil, errors.New("web: OIDC needs Logins and People")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: oidcTimeout}
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{"profile"}
	}
	if cfg.Name == "" {
		cfg.Name = cfg.Issuer
	}
	return &oidcFlow{cfg: cfg, redirect: strings.TrimRight(publicURL, "/") + oidcCallback, now: now,
		starts: rate.NewLimiter(oidcStartRate, oidcStartBurst)}, nil
}

// ctx carries the client to go-oidc and oauth2, with a deadline.
func (f *oidcFlow) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	ctx := oidc.ClientContext(parent, f.cfg.Client)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, f.cfg.Client)
	return context.WithTimeout(ctx, oidcTimeout)
}

// config discovers the provider (once it has answered, never again) and
// returns the OAuth 2 client and the ID token verifier: issuer, audience
// (the client ID), expiry and signature by the provider's published keys.
func (f *oidcFlow) config(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.provider == nil {
		p, err := oidc.NewProvider(ctx, f.cfg.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("oidc discovery of %s: %w", f.cfg.Issuer, err)
		}
		f.provider = p
	}
	oc := &oauth2.Config{ClientID: f.cfg.ClientID, ClientSecret: f.cfg.ClientSecret, Endpoint: f.provider.Endpoint(),
		RedirectURL: f.redirect, Scopes: append([]string{oidc.ScopeOpenID}, f.cfg.Scopes...)}
	return oc, f.provider.Verifier(&oidc.Config{ClientID: f.cfg.ClientID, Now: f.now}), nil
}

// oidcStartPage serves GET /signin/oidc: a sign-in under way is kept, its
// state set in the browser's cookie, and the browser sent to the
// identity provider.
func (s *Server) oidcStartPage(w http.ResponseWriter, r *http.Request) {
	f := s.oidc
	if !f.starts.Allow() {
		s.log.Warn("oidc sign-ins refused: more are starting than people start")
		w.Header().Set("Retry-After", "10")
		s.oidcRefuse(w, r, http.StatusTooManyRequests, "web.oidc.too_many")
		return
	}
	ctx, cancel := f.ctx(r.Context())
	defer cancel()
	oc, _, err := f.config(ctx)
	if err != nil {
		s.log.Warn("oidc provider unavailable", zap.Error(err))
		s.oidcRefuse(w, r, http.StatusBadGateway, "web.oidc.unavailable")
		return
	}
	nonce, err := randomString()
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	verifier := oauth2.GenerateVerifier()
	state, err := f.cfg.Logins.CreateOIDCLogin(r.Context(), bot.OIDCLogin{Nonce: nonce, Verifier: verifier, Lang: s.lang(nil, r, nil)}, OIDCLoginTTL)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: oidcStart, MaxAge: int(OIDCLoginTTL.Seconds()),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, oc.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusSeeOther)
}

// oidcCallbackPage serves GET /signin/oidc/callback: the state must be
// this browser's and still under way (it is used up here, so a replay
// finds nothing), the code is exchanged with the PKCE verifier, and the
// ID token must be the issuer's, for this client, unexpired, with the
// sign-in's nonce and the chat user's claim. Then the browser gets the
// same session a chat sign-in link gives. Anything else gets a page that
// says why, and no session.
func (s *Server) oidcCallbackPage(w http.ResponseWriter, r *http.Request) {
	f := s.oidc
	q := r.URL.Query()
	c, err := r.Cookie(stateCookie)
	state := q.Get("state")
	s.clearCookie(w, stateCookie, oidcStart)
	if err != nil || c.Value == "" || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		s.log.Info("oidc callback without this browser's state")
		s.oidcRefuse(w, r, http.StatusBadRequest, "web.oidc.state")
		return
	}
	login, err := f.cfg.Logins.ConsumeOIDCLogin(r.Context(), state)
	if errors.Is(err, bot.ErrNotFound) {
		s.log.Info("oidc callback of a used or expired sign-in")
		s.oidcRefuse(w, r, http.StatusBadRequest, "web.oidc.state")
		return
	}
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	if e := q.Get("error"); e != "" {
		s.log.Info("oidc provider refused", zap.String("error", e))
		s.oidcRefuse(w, r, http.StatusForbidden, "web.oidc.denied")
		return
	}
	v, key := s.oidcViewer(r.Context(), q.Get("code"), login)
	if key != "" {
		s.oidcRefuse(w, r, http.StatusForbidden, key)
		return
	}
	if v == nil {
		s.fail(w, r, nil, errors.New("oidc: look up the person"))
		return
	}
	s.startSession(w, r, *v, "/", "oidc")
}

// oidcViewer exchanges code and verifies its ID token against login,
// returning the chat person it names; or the catalog key of the refusal
// (the reason is logged, never a token); or neither when the chat
// platform could not be asked.
func (s *Server) oidcViewer(parent context.Context, code string, login bot.OIDCLogin) (*bot.Viewer, string) {
	f := s.oidc
	ctx, cancel := f.ctx(parent)
	defer cancel()
	oc, verifier, err := f.config(ctx)
	if err != nil {
		s.log.Warn("oidc provider unavailable", zap.Error(err))
		return nil, "web.oidc.unavailable"
	}
	if code == "" {
		return nil, "web.oidc.token"
	}
	tok, err := oc.Exchange(ctx, code, oauth2.VerifierOption(login.Verifier))
	if err != nil {
		s.log.Info("oidc code exchange refused", zap.Error(redactOAuth(err)))
		return nil, "web.oidc.token"
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		s.log.Info("oidc token response without an id_token")
		return nil, "web.oidc.token"
	}
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		s.log.Info("oidc id token refused", zap.Error(err))
		return nil, "web.oidc.token"
	}
	if idt.Nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(login.Nonce)) != 1 {
		s.log.Info("oidc id token with another nonce")
		return nil, "web.oidc.token"
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		s.log.Info("oidc id token claims", zap.Error(err))
		return nil, "web.oidc.token"
	}
	for k, want := range f.cfg.Require {
		if got, _ := claims[k].(string); got != want {
			s.log.Info("oidc id token of another workspace or tenant", zap.String("claim", k))
			return nil, "web.oidc.claim"
		}
	}
	id, _ := claims[f.cfg.Claim].(string)
	if strings.TrimSpace(id) == "" {
		s.log.Info("oidc id token without the user claim", zap.String("claim", f.cfg.Claim))
		return nil, "web.oidc.claim"
	}
	name, _ := claims["name"].(string)
	v, err := f.cfg.People.SignInViewer(parent, f.cfg.Platform, id, name, login.Lang)
	if errors.Is(err, bot.ErrNotFound) {
		s.log.Info("oidc user unknown in chat", zap.String("platform", f.cfg.Platform), zap.String("user_id", id))
		return nil, "web.oidc.unknown"
	}
	if err != nil {
		s.log.Error("oidc look up the person", zap.String("platform", f.cfg.Platform), zap.Error(err))
		return nil, ""
	}
	return &v, ""
}

// redactOAuth keeps what a refused exchange says (its error code) and
// drops the response body, which may echo what was sent.
func redactOAuth(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := re.ErrorCode
		if code == "" && re.Response != nil {
			code = re.Response.Status
		}
		return fmt.Errorf("token endpoint: %s", code)
	}
	return err
}

// oidcRefuse is the page of a sign-in that started no session: why, in
// the visitor's language, and a way to try again.
func (s *Server) oidcRefuse(w http.ResponseWriter, r *http.Request, status int, key string) {
	v := s.view(r, nil, "web.oidc.failed")
	v.Body = oidcFailView{Text: v.L.T(key), Retry: oidcStart, Provider: s.oidc.cfg.Name}
	s.render(w, r, status, "oidcfail", v)
}

type oidcFailView struct{ Text, Retry, Provider string }

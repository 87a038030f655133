package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// Cookie and form field names.
const (
	sessionCookie = "warroom_session"
	// nonceCookie ties a sign-in form to the browser that loaded it: the
	// POST must carry the same value in the cookie and in the form, so
	// another site cannot sign a victim's browser in as someone else
	// (login CSRF).
	nonceCookie = "warroom_signin"
	csrfField   = "csrf"
	nonceField  = "nonce"
)

// signedInHandler serves a request of a signed-in browser.
type signedInHandler func(w http.ResponseWriter, r *http.Request, sess *session)

// session is the browser's session, with its token (to end it).
type session struct {
	bot.Session
	token string
}

// signedIn runs h for a browser with a session; any other is redirected
// to the page that explains how to sign in.
func (s *Server) signedIn(h signedInHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		sess, err := s.opts.Sessions.Session(r.Context(), c.Value)
		if errors.Is(err, bot.ErrNotFound) {
			s.clearCookie(w, sessionCookie, "/")
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		if err != nil {
			s.fail(w, r, nil, err)
			return
		}
		h(w, r, &session{Session: sess, token: c.Value})
	}
}

// checkCSRF reports whether the posted form carries sess's CSRF token; if
// not it has answered 403 and the caller must change nothing.
func (s *Server) checkCSRF(w http.ResponseWriter, r *http.Request, sess *session) bool {
	got := r.PostFormValue(csrfField)
	if got != "" && sess.CSRF != "" && subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) == 1 {
		return true
	}
	s.log.Info("csrf token missing or wrong", zap.String("path", r.URL.Path), zap.String("user_id", sess.User.ID))
	s.message(w, r, &sess.Session, http.StatusForbidden, "web.csrf.title", "web.csrf.text")
	return false
}

// howTo serves GET /signin: how to sign in (and, when configured, the
// button of the OpenID Connect sign-in), or that the browser signed out.
func (s *Server) howTo(w http.ResponseWriter, r *http.Request) {
	v := s.view(r, nil, "web.howto.title")
	body := howToView{SignedOut: r.URL.Query().Get("signedout") == "1"}
	if s.oidc != nil {
		body.OIDC, body.Provider = oidcStart, s.oidc.cfg.Name
	}
	v.Body = body
	s.render(w, r, http.StatusOK, "howto", v)
}

// signInPage serves GET /signin/{token}: "Sign in as <name>", with a form
// that posts the link back. It changes nothing, so a link preview that
// fetches it leaves the link usable; a used or expired link gets the page
// that says so (410).
func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	in, err := s.opts.Sessions.PeekSignIn(r.Context(), token)
	if errors.Is(err, bot.ErrNotFound) {
		s.gone(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	nonce, err := randomString()
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: nonceCookie, Value: nonce, Path: "/signin/", MaxAge: 600,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	v := s.view(r, &in.Viewer, "web.signin.title")
	v.Body = signInView{Action: "/signin/" + token, Nonce: nonce, User: in.User.Display(), Platform: in.Platform}
	v.Scripts = []string{"/static/signin.js"}
	s.render(w, r, http.StatusOK, "signin", v)
}

// signIn serves POST /signin/{token}: it uses the link up, starts a
// session and opens what the link named. A form without the browser's
// nonce is refused (403) and the link stays usable.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(nonceCookie)
	got := r.PostFormValue(nonceField)
	if err != nil || c.Value == "" || got == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(got)) != 1 {
		s.message(w, r, nil, http.StatusForbidden, "web.csrf.title", "web.csrf.text")
		return
	}
	in, err := s.opts.Sessions.ConsumeSignIn(r.Context(), r.PathValue("token"))
	if errors.Is(err, bot.ErrNotFound) {
		s.gone(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	next := "/"
	if in.Incident > 0 {
		next = "/incidents/" + bot.FormatID(in.Incident)
	}
	s.clearCookie(w, nonceCookie, "/signin/")
	s.startSession(w, r, in.Viewer, next, "link")
}

// startSession signs the browser in as v (ending the session it had) and
// sends it to next; how names the way it signed in, for the log.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, v bot.Viewer, next, how string) {
	token, _, err := s.opts.Sessions.CreateSession(r.Context(), bot.Session{Viewer: v}, s.opts.SessionTTL)
	if err != nil {
		s.fail(w, r, &v, err)
		return
	}
	if old, err := r.Cookie(sessionCookie); err == nil && old.Value != "" {
		s.endSession(r.Context(), old.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", MaxAge: int(s.opts.SessionTTL.Seconds()),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	s.log.Info("signed in", zap.String("platform", v.Platform), zap.String("user_id", v.User.ID), zap.String("with", how))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signOut serves POST /signout: the session ends, here and on every
// replica.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request, sess *session) {
	if !s.checkCSRF(w, r, sess) {
		return
	}
	if err := s.opts.Sessions.DeleteSession(r.Context(), sess.token); err != nil {
		s.fail(w, r, &sess.Viewer, err)
		return
	}
	s.clearCookie(w, sessionCookie, "/")
	http.Redirect(w, r, "/signin?signedout=1", http.StatusSeeOther)
}

// endSession ends a session the browser leaves behind; a failure only
// lets it expire on its own.
func (s *Server) endSession(ctx context.Context, token string) {
	if err := s.opts.Sessions.DeleteSession(ctx, token); err != nil {
		s.log.Warn("end the previous session", zap.Error(err))
	}
}

// gone is the page of a used or expired sign-in link.
func (s *Server) gone(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusGone, "gone", s.view(r, nil, "web.gone.title"))
}

func (s *Server) clearCookie(w http.ResponseWriter, name, path string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// randomString is 32 random bytes in unpadded base64url.
func randomString() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

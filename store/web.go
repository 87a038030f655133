package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warroomhq/warroom/bot"
)

// tokenBytes is how much randomness a sign-in link or a session carries.
const tokenBytes = 32

// tokenLen is the length of such a token in unpadded base64url.
var tokenLen = base64.RawURLEncoding.EncodedLen(tokenBytes)

// CreateSignIn stores a single-use sign-in link for in, valid for ttl, and
// returns its token. Only the token's SHA-256 is kept, so someone reading
// Redis cannot sign in with what they read.
func (s *Store) CreateSignIn(ctx context.Context, in bot.SignIn, ttl time.Duration) (string, error) {
	if in.Platform == "" || in.User.ID == "" || ttl <= 0 {
		return "", ErrBadKey
	}
	token, err := newToken()
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(in)
	if err != nil {
		return "", fmt.Errorf("create sign-in: %w", err)
	}
	if err := s.rdb.Set(ctx, s.signInKey(token), raw, ttl).Err(); err != nil {
		return "", fmt.Errorf("create sign-in: %w", unavailable(err))
	}
	return token, nil
}

// PeekSignIn returns what the sign-in link token stands for without using
// it up (the page a link preview fetches). An unknown, used or expired
// token is an error wrapping bot.ErrNotFound.
func (s *Store) PeekSignIn(ctx context.Context, token string) (bot.SignIn, error) {
	return s.readSignIn(ctx, token, false)
}

// ConsumeSignIn uses up the sign-in link token and returns what it stood
// for. It is atomic (GETDEL): of two concurrent uses exactly one wins, and
// the other gets an error wrapping bot.ErrNotFound, as for an unknown or
// expired token.
func (s *Store) ConsumeSignIn(ctx context.Context, token string) (bot.SignIn, error) {
	return s.readSignIn(ctx, token, true)
}

func (s *Store) readSignIn(ctx context.Context, token string, consume bool) (bot.SignIn, error) {
	var in bot.SignIn
	err := s.readOnce(ctx, "sign-in", s.signInKey, token, consume, &in)
	return in, err
}

// CreateOIDCLogin stores an OpenID Connect sign-in under way (its nonce
// and PKCE verifier), valid for ttl, and returns its token: the state the
// identity provider sends back. Only the token's SHA-256 is kept.
func (s *Store) CreateOIDCLogin(ctx context.Context, l bot.OIDCLogin, ttl time.Duration) (string, error) {
	if l.Nonce == "" || l.Verifier == "" || ttl <= 0 {
		return "", ErrBadKey
	}
	token, err := newToken()
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(l)
	if err != nil {
		return "", fmt.Errorf("create oidc login: %w", err)
	}
	if err := s.rdb.Set(ctx, s.oidcKey(token), raw, ttl).Err(); err != nil {
		return "", fmt.Errorf("create oidc login: %w", unavailable(err))
	}
	return token, nil
}

// ConsumeOIDCLogin uses up the sign-in under way named by state and
// returns it. It is atomic (GETDEL): a callback replayed, or run twice at
// once, finds nothing the second time, an error wrapping bot.ErrNotFound
// as for an unknown or expired state.
func (s *Store) ConsumeOIDCLogin(ctx context.Context, state string) (bot.OIDCLogin, error) {
	var l bot.OIDCLogin
	err := s.readOnce(ctx, "oidc login", s.oidcKey, state, true, &l)
	return l, err
}

// readOnce reads the JSON record of token into v, deleting it when
// consume is set. An unknown or expired token wraps bot.ErrNotFound.
func (s *Store) readOnce(ctx context.Context, what string, key func(string) string, token string, consume bool, v any) error {
	if len(token) != tokenLen {
		return fmt.Errorf("%s: %w", what, bot.ErrNotFound)
	}
	var raw string
	var err error
	if consume {
		raw, err = s.rdb.GetDel(ctx, key(token)).Result()
	} else {
		raw, err = s.rdb.Get(ctx, key(token)).Result()
	}
	if errors.Is(err, redis.Nil) {
		return fmt.Errorf("%s: %w", what, bot.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, unavailable(err))
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// CreateSession stores a session for sess's person, valid for ttl from
// now, with a fresh CSRF secret, and returns its token and the session as
// stored. Only the token's SHA-256 is kept.
func (s *Store) CreateSession(ctx context.Context, sess bot.Session, ttl time.Duration) (string, bot.Session, error) {
	if sess.Platform == "" || sess.User.ID == "" || ttl <= 0 {
		return "", bot.Session{}, ErrBadKey
	}
	token, err := newToken()
	if err != nil {
		return "", bot.Session{}, err
	}
	if sess.CSRF, err = newToken(); err != nil {
		return "", bot.Session{}, err
	}
	now := s.now()
	sess.CreatedAt, sess.ExpiresAt = now, now.Add(ttl)
	raw, err := json.Marshal(sess)
	if err != nil {
		return "", bot.Session{}, fmt.Errorf("create session: %w", err)
	}
	if err := s.rdb.Set(ctx, s.sessionKey(token), raw, ttl).Err(); err != nil {
		return "", bot.Session{}, fmt.Errorf("create session: %w", unavailable(err))
	}
	return token, sess, nil
}

// Session returns the session of token. An unknown, ended or expired
// session is an error wrapping bot.ErrNotFound.
func (s *Store) Session(ctx context.Context, token string) (bot.Session, error) {
	if len(token) != tokenLen {
		return bot.Session{}, fmt.Errorf("session: %w", bot.ErrNotFound)
	}
	raw, err := s.rdb.Get(ctx, s.sessionKey(token)).Result()
	if errors.Is(err, redis.Nil) {
		return bot.Session{}, fmt.Errorf("session: %w", bot.ErrNotFound)
	}
	if err != nil {
		return bot.Session{}, fmt.Errorf("session: %w", unavailable(err))
	}
	var sess bot.Session
	if err := json.Unmarshal([]byte(raw), &sess); err != nil {
		return bot.Session{}, fmt.Errorf("session: %w", err)
	}
	return sess, nil
}

// DeleteSession ends the session of token; ending an unknown one is not
// an error.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	if len(token) != tokenLen {
		return nil
	}
	if err := s.rdb.Del(ctx, s.sessionKey(token)).Err(); err != nil {
		return fmt.Errorf("delete session: %w", unavailable(err))
	}
	return nil
}

// newToken is tokenBytes of randomness in unpadded base64url.
func newToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// tokenDigest is the hex SHA-256 of a token: what keys are named by.
func tokenDigest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (s *Store) signInKey(token string) string  { return s.prefix + "signin:" + tokenDigest(token) }
func (s *Store) sessionKey(token string) string { return s.prefix + "session:" + tokenDigest(token) }
func (s *Store) oidcKey(token string) string    { return s.prefix + "oidc:" + tokenDigest(token) }

package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

func TestSignInIsSingleUse(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	in := bot.SignIn{Viewer: bot.Viewer{Platform: "slack", User: bot.User{ID: "U1", Name: "alice"}, Lang: bot.Japanese}, Incident: 42}
	token, err := s.CreateSignIn(ctx, in, 10*time.Minute)
	require.NoError(t, err)
	require.Len(t, token, 43)

	// The key is named by the token's digest, never the token itself.
	keys := keysLike(t, s, "signin:*")
	require.Len(t, keys, 1)
	require.NotContains(t, keys[0], token)
	ttl, err := s.Client().TTL(ctx, keys[0]).Result()
	require.NoError(t, err)
	require.InDelta(t, (10 * time.Minute).Seconds(), ttl.Seconds(), 2)

	// Peeking (a link preview) leaves it usable.
	got, err := s.PeekSignIn(ctx, token)
	require.NoError(t, err)
	require.Equal(t, in, got)
	got, err = s.ConsumeSignIn(ctx, token)
	require.NoError(t, err)
	require.Equal(t, in, got)

	_, err = s.ConsumeSignIn(ctx, token)
	require.ErrorIs(t, err, bot.ErrNotFound)
	_, err = s.PeekSignIn(ctx, token)
	require.ErrorIs(t, err, bot.ErrNotFound)
}

func TestSignInUnknownAndExpired(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for _, token := range []string{"", "short", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		_, err := s.ConsumeSignIn(ctx, token)
		require.ErrorIs(t, err, bot.ErrNotFound, token)
	}
	token, err := s.CreateSignIn(ctx, bot.SignIn{Viewer: bot.Viewer{Platform: "slack", User: bot.User{ID: "U1"}}}, time.Minute)
	require.NoError(t, err)
	// Expiry is Redis's: the key carries the link's TTL (checked above);
	// when it runs out Redis deletes the key, which this does at once.
	keys := keysLike(t, s, "signin:*")
	require.Len(t, keys, 1)
	require.NoError(t, s.Client().Del(ctx, keys...).Err())
	_, err = s.PeekSignIn(ctx, token)
	require.ErrorIs(t, err, bot.ErrNotFound)
	_, err = s.ConsumeSignIn(ctx, token)
	require.ErrorIs(t, err, bot.ErrNotFound)

	_, err = s.CreateSignIn(ctx, bot.SignIn{Viewer: bot.Viewer{Platform: "slack"}}, time.Minute)
	require.ErrorIs(t, err, store.ErrBadKey)
}

func TestSignInConsumedOnceUnderRace(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	token, err := s.CreateSignIn(ctx, bot.SignIn{Viewer: bot.Viewer{Platform: "slack", User: bot.User{ID: "U1"}}}, time.Minute)
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.ConsumeSignIn(ctx, token); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 1, wins)
}

func TestSessions(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	token, sess, err := s.CreateSession(ctx, bot.Session{Viewer: bot.Viewer{Platform: "teams", User: bot.User{ID: "29:1", Name: "bob"}, Lang: bot.English}}, 12*time.Hour)
	require.NoError(t, err)
	require.Len(t, sess.CSRF, 43)
	require.NotEqual(t, token, sess.CSRF)
	require.Equal(t, t0, sess.CreatedAt)
	require.Equal(t, t0.Add(12*time.Hour), sess.ExpiresAt)

	keys := keysLike(t, s, "session:*")
	require.Len(t, keys, 1)
	ttl, err := s.Client().TTL(ctx, keys[0]).Result()
	require.NoError(t, err)
	require.InDelta(t, (12 * time.Hour).Seconds(), ttl.Seconds(), 2)

	got, err := s.Session(ctx, token)
	require.NoError(t, err)
	require.Equal(t, sess.User, got.User)
	require.Equal(t, sess.CSRF, got.CSRF)
	require.Equal(t, "teams", got.Platform)

	_, err = s.Session(ctx, sess.CSRF)
	require.ErrorIs(t, err, bot.ErrNotFound, "the CSRF secret is no session token")

	require.NoError(t, s.DeleteSession(ctx, token))
	_, err = s.Session(ctx, token)
	require.ErrorIs(t, err, bot.ErrNotFound)
	require.NoError(t, s.DeleteSession(ctx, token))
	require.NoError(t, s.DeleteSession(ctx, "nonsense"))
}

func TestOIDCLoginCountsOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	l := bot.OIDCLogin{Nonce: "n-1", Verifier: "v-1", Lang: bot.Japanese}
	state, err := s.CreateOIDCLogin(ctx, l, 10*time.Minute)
	require.NoError(t, err)
	require.Len(t, state, 43)
	keys := keysLike(t, s, "oidc:*")
	require.Len(t, keys, 1)
	require.NotContains(t, keys[0], state, "named by the state's digest")
	ttl, err := s.Client().TTL(ctx, keys[0]).Result()
	require.NoError(t, err)
	require.InDelta(t, (10 * time.Minute).Seconds(), ttl.Seconds(), 2)

	// Two callbacks at once: exactly one gets it.
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, err := s.ConsumeOIDCLogin(ctx, state); err == nil {
				require.Equal(t, l, got)
				mu.Lock()
				won++
				mu.Unlock()
			} else {
				require.ErrorIs(t, err, bot.ErrNotFound)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 1, won)

	for _, bad := range []string{"", "short", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		_, err := s.ConsumeOIDCLogin(ctx, bad)
		require.ErrorIs(t, err, bot.ErrNotFound, bad)
	}
	_, err = s.CreateOIDCLogin(ctx, bot.OIDCLogin{Nonce: "n"}, time.Minute)
	require.ErrorIs(t, err, store.ErrBadKey, "no verifier")
}

package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
)

func TestUserCache(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	_, ok, err := s.CachedUser(ctx, "slack", "U1")
	require.NoError(t, err)
	require.False(t, ok)

	want := bot.Profile{Name: "山田 太郎", Locale: "ja-JP", TZ: "Asia/Tokyo"}
	require.NoError(t, s.CacheUser(ctx, "slack", "U1", want, time.Hour))
	got, ok, err := s.CachedUser(ctx, "slack", "U1")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, want, got)
	other, err := store.New(s.Client(), store.Options{Prefix: s.Prefix()})
	require.NoError(t, err)
	got, ok, err = other.CachedUser(ctx, "slack", "U1")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, want, got, "read back from Redis")

	ttl, err := s.Client().TTL(ctx, s.Prefix()+"user:slack:U1").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 59*time.Minute)

	require.Error(t, s.CacheUser(ctx, "slack", "", bot.Profile{Name: "x"}, time.Hour))
	require.Error(t, s.CacheUser(ctx, "slack", "U2", bot.Profile{Name: "x"}, 0))
}

func TestLease(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	ok, err := s.Lease(ctx, "reminders", "replica-a", time.Second)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = s.Lease(ctx, "reminders", "replica-b", time.Second)
	require.NoError(t, err)
	require.False(t, ok, "held by a")
	ok, err = s.Lease(ctx, "reminders", "replica-a", time.Second)
	require.NoError(t, err)
	require.True(t, ok, "a renews")
	if os.Getenv("REDIS_URL") == "" {
		return // miniredis does not expire keys as time passes
	}
	require.Eventually(t, func() bool {
		ok, err := s.Lease(ctx, "reminders", "replica-b", time.Second)
		return err == nil && ok
	}, 5*time.Second, 50*time.Millisecond, "b takes it once a stops renewing")
}

// What Redis answered is kept in the process for a short while: a second
// lookup does not need Redis (here: still answers after the key is gone).
func TestUserCacheLocalLayer(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	require.NoError(t, s.CacheUser(ctx, "slack", "U9", bot.Profile{Name: "Sato", Locale: "ja-JP"}, time.Hour))
	require.NoError(t, s.Client().Del(ctx, s.Prefix()+"user:slack:U9").Err())
	p, ok, err := s.CachedUser(ctx, "slack", "U9")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, bot.Profile{Name: "Sato", Locale: "ja-JP"}, p)
	// Another process (another Store) only has Redis, which forgot.
	other, err := store.New(s.Client(), store.Options{Prefix: s.Prefix()})
	require.NoError(t, err)
	_, ok, err = other.CachedUser(ctx, "slack", "U9")
	require.NoError(t, err)
	require.False(t, ok)
}

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/store/storetest"
)

func TestUserCache(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	_, _, ok, err := s.CachedUser(ctx, "slack", "U1")
	require.NoError(t, err)
	require.False(t, ok)

	require.NoError(t, s.CacheUser(ctx, "slack", "U1", "山田 太郎", "ja-JP", time.Hour))
	name, locale, ok, err := s.CachedUser(ctx, "slack", "U1")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "山田 太郎", name)
	require.Equal(t, "ja-JP", locale)

	ttl, err := s.Client().TTL(ctx, s.Prefix()+"user:slack:U1").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 59*time.Minute)

	require.Error(t, s.CacheUser(ctx, "slack", "", "x", "", time.Hour))
	require.Error(t, s.CacheUser(ctx, "slack", "U2", "x", "", 0))
}

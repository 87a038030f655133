package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// TestRedisDown: with Redis gone every call fails fast with an error
// wrapping bot.ErrUnavailable, and Update never runs fn.
func TestRedisDown(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: closedAddr(t), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	s, err := store.New(rdb, store.Options{})
	require.NoError(t, err)

	for name, call := range map[string]func(ctx context.Context) error{
		"Ping":   func(ctx context.Context) error { return s.Ping(ctx) },
		"NextID": func(ctx context.Context) error { _, err := s.NextID(ctx); return err },
		"Create": func(ctx context.Context) error { return s.Create(ctx, &bot.Incident{ID: 1}) },
		"Get":    func(ctx context.Context) error { _, err := s.Get(ctx, 1); return err },
		"ByChannel": func(ctx context.Context) error {
			_, err := s.ByChannel(ctx, "slack", "C1")
			return err
		},
		"Update": func(ctx context.Context) error {
			_, err := s.Update(ctx, 1, func(*bot.Incident) ([]bot.TimelineEntry, error) {
				t.Error("fn ran without a record")
				return nil, nil
			})
			return err
		},
		"Append": func(ctx context.Context) error {
			_, err := s.Append(ctx, 1, bot.TimelineEntry{Kind: bot.KindMessage})
			return err
		},
		"Timeline":    func(ctx context.Context) error { _, err := s.Timeline(ctx, 1, store.TimelineQuery{}); return err },
		"TimelineLen": func(ctx context.Context) error { _, err := s.TimelineLen(ctx, 1); return err },
		"List":        func(ctx context.Context) error { _, err := s.List(ctx, store.ListQuery{}); return err },
		"MarkSeen":    func(ctx context.Context) error { _, err := s.MarkSeen(ctx, "k", time.Minute); return err },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			err := call(ctx)
			require.ErrorIs(t, err, bot.ErrUnavailable)
			require.NotErrorIs(t, err, bot.ErrNotFound)
		})
	}

	t.Run("Collector", func(t *testing.T) {
		t.Parallel()
		// The open gauge has no sample rather than a wrong one; counters stay.
		require.Zero(t, testutil.CollectAndCount(s.Collector(), "warroom_incidents_open"))
		require.Equal(t, 4, testutil.CollectAndCount(s.Collector(), "warroom_incidents_opened_total"))
	})
}

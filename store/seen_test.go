package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMarkSeen(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	first, err := s.MarkSeen(ctx, "slack:Ev1", time.Minute)
	require.NoError(t, err)
	require.True(t, first)
	first, err = s.MarkSeen(ctx, "slack:Ev1", time.Minute)
	require.NoError(t, err)
	require.False(t, first, "a duplicate delivery")
	first, err = s.MarkSeen(ctx, "slack:Ev2", time.Minute)
	require.NoError(t, err)
	require.True(t, first, "another delivery")

	ttl, err := s.Client().TTL(ctx, s.Prefix()+"seen:slack:Ev1").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, time.Duration(0))
	require.LessOrEqual(t, ttl, time.Minute)
}

func TestMarkSeenConcurrent(t *testing.T) {
	s := newStore(t)
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			first, err := s.MarkSeen(context.Background(), "alert:fp-1", time.Minute)
			require.NoError(t, err)
			if first {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	require.Equal(t, int32(1), firsts.Load())
}

func TestMarkSeenInvalid(t *testing.T) {
	s := newStore(t)
	for _, tc := range []struct {
		name string
		key  string
		ttl  time.Duration
	}{
		{"empty key", "", time.Minute},
		{"zero ttl", "k", 0},
		{"negative ttl", "k", -time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.MarkSeen(context.Background(), tc.key, tc.ttl)
			require.Error(t, err)
		})
	}
}

func TestMarkSeenAll(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	_, err := s.MarkSeen(ctx, "slack:Ev1", time.Minute)
	require.NoError(t, err)
	first, err := s.MarkSeenAll(ctx, []string{"slack:Ev1", "slack:Ev2", "slack:Ev3", "slack:Ev2"}, time.Minute)
	require.NoError(t, err)
	require.Equal(t, []bool{false, true, true, false}, first, "seen before, new, new, repeated within the call")
	first, err = s.MarkSeenAll(ctx, nil, time.Minute)
	require.NoError(t, err)
	require.Empty(t, first)
	_, err = s.MarkSeenAll(ctx, []string{"a", ""}, time.Minute)
	require.Error(t, err)
	_, err = s.MarkSeenAll(ctx, []string{"a"}, 0)
	require.Error(t, err)
	first, err = s.MarkSeenAll(ctx, []string{"a"}, time.Minute)
	require.NoError(t, err)
	require.Equal(t, []bool{true}, first, "a refused call marks nothing")
}

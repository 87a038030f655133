package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
)

// t0 is the fixed clock of most tests.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589_000_000, time.UTC)

func fixedClock() time.Time { return t0 }

// newStore is a store on a fresh prefix with the fixed clock.
func newStore(t testing.TB) *store.Store {
	t.Helper()
	return storetest.NewWithOptions(t, store.Options{Now: fixedClock})
}

// create stores a minimal incident with the next ID and the given status.
func create(t testing.TB, s *store.Store, status bot.Status, p bot.Priority) *bot.Incident {
	t.Helper()
	ctx := context.Background()
	id, err := s.NextID(ctx)
	require.NoError(t, err)
	inc := &bot.Incident{ID: id, Title: "incident " + bot.FormatID(id), Status: status, Priority: p, Platform: "slack"}
	require.NoError(t, s.Create(ctx, inc, bot.TimelineEntry{Kind: bot.KindDeclared, Text: "declared"}))
	return inc
}

// timeline reads the whole timeline of id.
func timeline(t testing.TB, s *store.Store, id int64) []bot.TimelineEntry {
	t.Helper()
	es, err := s.Timeline(context.Background(), id, store.TimelineQuery{})
	require.NoError(t, err)
	return es
}

// z is an index member for incident id.
func z(id int64) redis.Z { return redis.Z{Score: float64(id), Member: id} }

// newReplica is a second Store on the same client and keys as s, as
// another replica would have.
func newReplica(t testing.TB, s *store.Store) *store.Store {
	t.Helper()
	r, err := store.New(s.Client(), store.Options{Prefix: s.Prefix(), Now: fixedClock})
	require.NoError(t, err)
	return r
}

// requireNotFound asserts err says "not found" and nothing else: a missing
// incident is no storage failure.
func requireNotFound(t testing.TB, err error, msgAndArgs ...any) {
	t.Helper()
	require.ErrorIs(t, err, bot.ErrNotFound, msgAndArgs...)
	require.NotErrorIs(t, err, bot.ErrUnavailable, msgAndArgs...)
}

// allKeys lists every key under s's prefix.
func allKeys(t testing.TB, s *store.Store) []string {
	t.Helper()
	return keysLike(t, s, "*")
}

// keysLike lists the keys under s's prefix that match pattern. KEYS
// answers for one node only, so on Redis Cluster it asks every master and
// joins their answers.
func keysLike(t testing.TB, s *store.Store, pattern string) []string {
	t.Helper()
	ctx := context.Background()
	pattern = s.Prefix() + pattern
	cc, ok := s.Client().(*redis.ClusterClient)
	if !ok {
		out, err := s.Client().Keys(ctx, pattern).Result()
		require.NoError(t, err)
		return out
	}
	var mu sync.Mutex
	var out []string
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		ks, err := c.Keys(ctx, pattern).Result()
		mu.Lock()
		out = append(out, ks...)
		mu.Unlock()
		return err
	})
	require.NoError(t, err)
	return out
}

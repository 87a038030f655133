package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// TestListSince: Since keeps the incidents created from it on, over more
// than one page of the index, with Open and Limit as without it.
func TestListSince(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	// Incident n is created n minutes after t0; every third one is closed.
	const n = 300
	for i := 1; i <= n; i++ {
		id, err := s.NextID(ctx)
		require.NoError(t, err)
		st := bot.StatusInvestigating
		if i%3 == 0 {
			st = bot.StatusClosed
		}
		at := t0.Add(time.Duration(i) * time.Minute)
		require.NoError(t, s.Create(ctx, &bot.Incident{ID: id, Title: "x", Status: st, Platform: "slack", CreatedAt: at}))
	}
	// One created long ago but numbered last, as a replica with a slow
	// clock might: it is left out, and does not stop the listing.
	id, err := s.NextID(ctx)
	require.NoError(t, err)
	require.NoError(t, s.Create(ctx, &bot.Incident{ID: id, Title: "old", Status: bot.StatusInvestigating, Platform: "slack",
		CreatedAt: t0.Add(-time.Hour)}))

	ids := func(q store.ListQuery) []int64 {
		t.Helper()
		incs, err := s.List(ctx, q)
		require.NoError(t, err)
		out := make([]int64, 0, len(incs))
		for _, inc := range incs {
			out = append(out, inc.ID)
		}
		return out
	}
	desc := func(from, to int64) []int64 {
		var out []int64
		for i := from; i >= to; i-- {
			out = append(out, i)
		}
		return out
	}

	require.Equal(t, desc(300, 11), ids(store.ListQuery{Since: t0.Add(11 * time.Minute), Limit: 1000}),
		"from the 11th on, across two pages")
	require.Equal(t, desc(300, 291), ids(store.ListQuery{Since: t0.Add(291 * time.Minute), Limit: 1000}))
	require.Equal(t, desc(300, 296), ids(store.ListQuery{Since: t0.Add(11 * time.Minute), Limit: 5}))
	require.Empty(t, ids(store.ListQuery{Since: t0.Add(301 * time.Minute)}))
	require.Equal(t, desc(301, 1)[:store.DefaultListLimit], ids(store.ListQuery{Since: t0.Add(-2 * time.Hour)}),
		"everything, up to the default limit")

	var open []int64
	for i := int64(300); i >= 280; i-- {
		if i%3 != 0 {
			open = append(open, i)
		}
	}
	require.Equal(t, open, ids(store.ListQuery{Open: true, Since: t0.Add(280 * time.Minute), Limit: 1000}))
}

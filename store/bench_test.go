package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

func BenchmarkAppend(b *testing.B) {
	s := newStore(b)
	ctx := context.Background()
	inc := create(b, s, bot.StatusInvestigating, bot.P2)
	e := bot.TimelineEntry{Kind: bot.KindMessage, Author: bot.User{ID: "U1", Name: "alice"}, Text: "db is slow", Ref: "1700.1"}
	for b.Loop() {
		_, err := s.Append(ctx, inc.ID, e)
		require.NoError(b, err)
	}
}

func BenchmarkUpdate(b *testing.B) {
	s := newStore(b)
	ctx := context.Background()
	inc := create(b, s, bot.StatusInvestigating, bot.P2)
	for b.Loop() {
		_, err := s.Update(ctx, inc.ID, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
			inc.Summary = "still investigating"
			return []bot.TimelineEntry{{Kind: bot.KindUpdate, Text: inc.Summary}}, nil
		})
		require.NoError(b, err)
	}
}

// BenchmarkCuratedFirstPage reads the first page (100 entries, in reading
// order) and the curation of an incident with 50,000 timeline entries, a
// few of them curated: what a live page loads first.
func BenchmarkCuratedFirstPage(b *testing.B) {
	s := newStore(b)
	ctx := context.Background()
	inc := create(b, s, bot.StatusInvestigating, bot.P2)
	batch := make([]bot.TimelineEntry, 1000)
	for i := range batch {
		batch[i] = bot.TimelineEntry{Kind: bot.KindMessage, Author: bot.User{ID: "U1", Name: "alice"}, Text: "db is slow", Ref: "1700.1"}
	}
	var some []bot.TimelineEntry
	for range 50 {
		got, err := s.Append(ctx, inc.ID, batch...)
		require.NoError(b, err)
		some = append(some, got[0])
	}
	for _, e := range some[:10] {
		_, err := s.AppendCuration(ctx, inc.ID, bot.TimelineEntry{Kind: bot.KindCorrection, Target: e.ID, Text: "db was slow"})
		require.NoError(b, err)
	}
	for b.Loop() {
		page, err := s.Timeline(ctx, inc.ID, store.TimelineQuery{Limit: 100, InOrder: true})
		require.NoError(b, err)
		cur, err := s.Curation(ctx, inc.ID)
		require.NoError(b, err)
		require.Len(b, cur.Curate(page, time.Time{}, time.Time{}), 100)
	}
}

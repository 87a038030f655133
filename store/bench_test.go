package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
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

package handlers

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/heaptest"
	"github.com/warroomhq/warroom/store/storetest"
)

// seedPostmortem records an incident of n entries, shaped like the bench
// tool's (bench/redis.go): messages of about 80 bytes from 50 people, a
// note every 250 and a status change every 1000.
func seedPostmortem(b *testing.B, s *Service, n int) int64 {
	b.Helper()
	ctx := context.Background()
	id, err := s.store.NextID(ctx)
	require.NoError(b, err)
	started := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	inc := &bot.Incident{ID: id, Title: "Checkout latency", Status: bot.StatusInvestigating, Priority: bot.P2, Platform: "test",
		Channel: bot.Channel{ID: "C1", Name: "inc-1"}, DeclaredBy: bot.User{ID: "U1", Name: "bench"}, CreatedAt: started}
	entries := func(from, to int) []bot.TimelineEntry {
		out := make([]bot.TimelineEntry, 0, to-from)
		for k := from; k < to; k++ {
			e := bot.TimelineEntry{At: started.Add(time.Duration(k) * time.Second), Kind: bot.KindMessage,
				Author: bot.User{ID: fmt.Sprintf("U%04d", k%50), Name: fmt.Sprintf("responder%d", k%50)},
				Text:   fmt.Sprintf("message %d: checked db-%d replication lag, it is %dms; rolling back deploy %d next", k, k%7, k%900, k%13),
				Ref:    fmt.Sprintf("m%d", k)}
			switch {
			case k == 0:
				e.Kind, e.Text, e.Ref = bot.KindDeclared, inc.Title, ""
			case k%1000 == 500:
				e.Kind, e.Ref, e.Text = bot.KindStatus, "", "status changed"
				e.Data = map[string]string{"from": "investigating", "to": "identified"}
			case k%250 == 0:
				e.Kind, e.Key = bot.KindNote, true
			}
			out = append(out, e)
		}
		return out
	}
	require.NoError(b, s.store.Create(ctx, inc, entries(0, 1000)...))
	for from := 1000; from < n; from += 1000 {
		_, err := s.store.Append(ctx, id, entries(from, min(n, from+1000))...)
		require.NoError(b, err)
	}
	return id
}

// BenchmarkPostmortem50k renders the draft of a 50,000-entry incident
// read from Redis, and reports the peak heap one draft takes
// (peak-heap-MB, measured once after the timed runs):
//
//	REDIS_URL=redis://127.0.0.1:6379 go test -run '^$' -bench Postmortem50k -benchtime 3x ./handlers/
func BenchmarkPostmortem50k(b *testing.B) {
	s, err := New(storetest.New(b), newRouter(b), Options{})
	require.NoError(b, err)
	id := seedPostmortem(b, s, 50_000)
	ctx := context.Background()
	run := func(b *testing.B, f func()) {
		b.ReportAllocs()
		for b.Loop() {
			f()
		}
		b.ReportMetric(float64(heaptest.Peak(f))/(1<<20), "peak-heap-MB")
	}
	b.Run("Postmortem", func(b *testing.B) {
		run(b, func() {
			_, err := s.Postmortem(ctx, id, bot.English)
			require.NoError(b, err)
		})
	})
	b.Run("WritePostmortem", func(b *testing.B) {
		run(b, func() { require.NoError(b, s.WritePostmortem(ctx, io.Discard, id, bot.English)) })
	})
	// The first draft of an incident written before the notable index,
	// which fills it (store.IndexNotable) and then reads the timeline once.
	b.Run("FirstDraftNotIndexed", func(b *testing.B) {
		keys := []string{fmt.Sprintf("%sinc:{%d}:notable", s.store.Prefix(), id), fmt.Sprintf("%sinc:{%d}:refs", s.store.Prefix(), id)}
		run(b, func() {
			require.NoError(b, s.store.Client().Del(ctx, keys...).Err())
			require.NoError(b, s.WritePostmortem(ctx, io.Discard, id, bot.English))
		})
	})
}

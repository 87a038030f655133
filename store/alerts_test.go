package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store/storetest"
)

func TestAlertClaimIsExclusive(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	key := `{}/{severity="page"}:{alertname="HighErrorRate"}`
	var winners atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			claimed, current, err := s.ClaimAlert(ctx, "alertmanager", key, time.Minute)
			require.NoError(t, err)
			require.Zero(t, current, "pending: no incident yet")
			if claimed {
				winners.Add(1)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, int32(1), winners.Load())

	require.NoError(t, s.QueueAlert(ctx, bot.Alert{Source: "alertmanager", DedupKey: key, Title: "queued 1"}))
	require.NoError(t, s.QueueAlert(ctx, bot.Alert{Source: "alertmanager", DedupKey: key, Title: "queued 2"}))
	require.NoError(t, s.BindAlert(ctx, "alertmanager", key, 7))
	claimed, current, err := s.ClaimAlert(ctx, "alertmanager", key, time.Minute)
	require.NoError(t, err)
	require.False(t, claimed)
	require.Equal(t, int64(7), current)
	got, err := s.DrainAlerts(ctx, "alertmanager", key)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, "queued 1", got[0].Title)
	again, err := s.DrainAlerts(ctx, "alertmanager", key)
	require.NoError(t, err)
	require.Empty(t, again, "each queued alert goes to one caller")

	// A released claim lets the next notification try again.
	require.NoError(t, s.BindAlert(ctx, "webhook", "k", 0))
	claimed, _, err = s.ClaimAlert(ctx, "grafana", "g", time.Minute)
	require.NoError(t, err)
	require.True(t, claimed)
	require.NoError(t, s.ReleaseAlert(ctx, "grafana", "g"))
	claimed, _, err = s.ClaimAlert(ctx, "grafana", "g", time.Minute)
	require.NoError(t, err)
	require.True(t, claimed)
}

func TestRecordAlertsOnlyChanges(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	require.NoError(t, s.Create(ctx, &bot.Incident{ID: 1, Title: "x", Status: bot.StatusTriage},
		bot.TimelineEntry{Kind: bot.KindDeclared}))
	entries := func(changed map[string]string) []bot.TimelineEntry {
		var out []bot.TimelineEntry
		for fp, st := range changed {
			out = append(out, bot.TimelineEntry{Kind: bot.KindAlert, Text: fp + " " + st})
		}
		return out
	}
	changed, err := s.RecordAlerts(ctx, 1, map[string]string{"a": "firing", "b": "firing"}, entries)
	require.NoError(t, err)
	require.Len(t, changed, 2)
	changed, err = s.RecordAlerts(ctx, 1, map[string]string{"a": "firing", "b": "firing"}, entries)
	require.NoError(t, err)
	require.Empty(t, changed, "a repeated notification records nothing")
	changed, err = s.RecordAlerts(ctx, 1, map[string]string{"a": "firing", "b": "resolved"}, entries)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"b": "resolved"}, changed)
	n, err := s.TimelineLen(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, int64(4), n)
}

package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
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

// items are alert states from fingerprint, status pairs; each entry's text
// says both.
func items(states ...string) []store.AlertState {
	var out []store.AlertState
	for i := 0; i+1 < len(states); i += 2 {
		out = append(out, store.AlertState{Fingerprint: states[i], Status: states[i+1],
			Entry: bot.TimelineEntry{Kind: bot.KindAlert, Text: states[i] + " " + states[i+1]}})
	}
	return out
}

func TestRecordAlertsOnlyChanges(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	require.NoError(t, s.Create(ctx, &bot.Incident{ID: 1, Title: "x", Status: bot.StatusTriage},
		bot.TimelineEntry{Kind: bot.KindDeclared}))
	changed, err := s.RecordAlerts(ctx, 1, items("a", "firing", "b", "firing"))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"a": "firing", "b": "firing"}, changed)
	changed, err = s.RecordAlerts(ctx, 1, items("a", "firing", "b", "firing"))
	require.NoError(t, err)
	require.Empty(t, changed, "a repeated notification records nothing")
	changed, err = s.RecordAlerts(ctx, 1, items("a", "firing", "b", "resolved"))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"b": "resolved"}, changed)
	tl, err := s.Timeline(ctx, 1, store.TimelineQuery{})
	require.NoError(t, err)
	var texts []string
	for _, e := range tl[1:] {
		texts = append(texts, e.Text)
		require.NotEmpty(t, e.ID)
		require.False(t, e.At.IsZero())
	}
	require.Equal(t, []string{"a firing", "b firing", "b resolved"}, texts, "in the order given")
	n, err := s.TimelineLen(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, int64(4), n)
}

// A batch of notifications is recorded as one after another would be: an
// item given twice (firing, then resolved) changes twice, in order, and
// each notification learns what it changed.
func TestRecordAlertBatch(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	require.NoError(t, s.Create(ctx, &bot.Incident{ID: 1, Title: "x", Status: bot.StatusTriage},
		bot.TimelineEntry{Kind: bot.KindDeclared}))
	changed, err := s.RecordAlertBatch(ctx, 1, [][]store.AlertState{
		items("a", "firing"),
		items("a", "firing", "b", "firing"), // a repeated, b new
		items("a", "firing", "b", "firing"), // nothing new
		nil,                                 // a notification without items
		items("a", "resolved", "b", "resolved"),
		items("a", "firing"),
	})
	require.NoError(t, err)
	require.Equal(t, []map[string]string{
		{"a": "firing"}, {"b": "firing"}, {}, {}, {"a": "resolved", "b": "resolved"}, {"a": "firing"},
	}, changed)
	tl, err := s.Timeline(ctx, 1, store.TimelineQuery{})
	require.NoError(t, err)
	var texts []string
	for _, e := range tl[1:] {
		texts = append(texts, e.Text)
	}
	require.Equal(t, []string{"a firing", "b firing", "a resolved", "b resolved", "a firing"}, texts)
	again, err := s.RecordAlerts(ctx, 1, items("a", "firing", "b", "resolved"))
	require.NoError(t, err)
	require.Empty(t, again, "the batch left each item's last status")
}

// With a capped timeline, alert entries are trimmed like any other.
func TestRecordAlertsCappedTimeline(t *testing.T) {
	s := storetest.NewWithOptions(t, store.Options{TimelineMaxLen: 5})
	ctx := context.Background()
	require.NoError(t, s.Create(ctx, &bot.Incident{ID: 1, Title: "x", Status: bot.StatusTriage},
		bot.TimelineEntry{Kind: bot.KindDeclared}))
	for i := range 300 {
		fp := fmt.Sprint("fp", i)
		changed, err := s.RecordAlerts(ctx, 1, []store.AlertState{{Fingerprint: fp, Status: "firing",
			Entry: bot.TimelineEntry{Kind: bot.KindAlert, Text: fp}}})
		require.NoError(t, err)
		require.Equal(t, map[string]string{fp: "firing"}, changed)
	}
	n, err := s.TimelineLen(ctx, 1)
	require.NoError(t, err)
	require.Less(t, n, int64(301), "trimmed (approximately) to the cap")
	tl, err := s.Timeline(ctx, 1, store.TimelineQuery{Last: 1})
	require.NoError(t, err)
	require.Equal(t, "fp299", tl[0].Text)
}

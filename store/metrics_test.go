package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

func TestCollector(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	p1 := create(t, s, bot.StatusInvestigating, bot.P1)
	create(t, s, bot.StatusTriage, bot.P2)
	create(t, s, bot.StatusResolved, bot.P3) // created resolved: not "resolved" by an update
	_, err := s.Update(ctx, p1.ID, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		inc.Status = bot.StatusResolved
		return []bot.TimelineEntry{{Kind: bot.KindStatus}}, nil
	})
	require.NoError(t, err)
	_, err = s.Update(ctx, p1.ID, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		inc.Summary = "still resolved: not counted twice"
		return nil, nil
	})
	require.NoError(t, err)
	_, err = s.Append(ctx, p1.ID, bot.TimelineEntry{Kind: bot.KindMessage}, bot.TimelineEntry{Kind: bot.KindMessage})
	require.NoError(t, err)

	want := `
# HELP warroom_incidents_opened_total Incidents created, by priority.
# TYPE warroom_incidents_opened_total counter
warroom_incidents_opened_total{priority="P1"} 1
warroom_incidents_opened_total{priority="P2"} 1
warroom_incidents_opened_total{priority="P3"} 1
warroom_incidents_opened_total{priority="P4"} 0
# HELP warroom_incidents_resolved_total Incidents whose status moved into resolved, by priority.
# TYPE warroom_incidents_resolved_total counter
warroom_incidents_resolved_total{priority="P1"} 1
warroom_incidents_resolved_total{priority="P2"} 0
warroom_incidents_resolved_total{priority="P3"} 0
warroom_incidents_resolved_total{priority="P4"} 0
# HELP warroom_timeline_entries_total Timeline entries stored, by kind.
# TYPE warroom_timeline_entries_total counter
warroom_timeline_entries_total{kind="declared"} 3
warroom_timeline_entries_total{kind="message"} 2
warroom_timeline_entries_total{kind="status"} 1
# HELP warroom_incidents_open Open incidents in Redis, by priority.
# TYPE warroom_incidents_open gauge
warroom_incidents_open{priority="P1"} 0
warroom_incidents_open{priority="P2"} 1
warroom_incidents_open{priority="P3"} 0
warroom_incidents_open{priority="P4"} 0
`
	require.NoError(t, testutil.CollectAndCompare(s.Collector(), strings.NewReader(want)))
}

// TestCollectorOpenGaugeIsShared: the gauge comes from Redis, so a second
// Store (another replica) on the same keys reports the same.
func TestCollectorOpenGaugeIsShared(t *testing.T) {
	s := newStore(t)
	create(t, s, bot.StatusInvestigating, bot.P1)
	create(t, s, bot.StatusInvestigating, 0)
	replica := newReplica(t, s)
	want := `
# HELP warroom_incidents_open Open incidents in Redis, by priority.
# TYPE warroom_incidents_open gauge
warroom_incidents_open{priority="P1"} 1
warroom_incidents_open{priority="P2"} 0
warroom_incidents_open{priority="P3"} 0
warroom_incidents_open{priority="P4"} 0
warroom_incidents_open{priority="none"} 1
`
	require.NoError(t, testutil.CollectAndCompare(replica.Collector(), strings.NewReader(want), "warroom_incidents_open"))
}

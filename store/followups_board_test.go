package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

// The board reads every follow-up of every incident, whatever its state,
// the newest incident first; keep leaves incidents out before they are
// read.
func TestAllFollowUps(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	a := create(t, s, bot.StatusResolved, bot.P2)
	b := create(t, s, bot.StatusInvestigating, bot.P3)
	create(t, s, bot.StatusInvestigating, bot.P4) // no follow-ups
	addFollowUp(t, s, a.ID, "add a canary stage", owner, day(2026, 12, 31))
	addFollowUp(t, s, a.ID, "alert on error rate", adder, time.Time{})
	addFollowUp(t, s, b.ID, "raise the pool size", owner, time.Time{})
	_, err := s.UpdateFollowUp(ctx, a.ID, 1, func(f *bot.FollowUp) ([]bot.TimelineEntry, error) {
		f.State = bot.FollowUpDone
		return nil, nil
	})
	require.NoError(t, err)

	page, err := s.AllFollowUps(ctx, nil)
	require.NoError(t, err)
	require.False(t, page.Truncated)
	type key struct {
		id    int64
		n     int
		state string
	}
	var got []key
	for _, f := range page.FollowUps {
		got = append(got, key{f.Incident, f.N, f.State})
	}
	require.Equal(t, []key{{b.ID, 1, "open"}, {a.ID, 1, "done"}, {a.ID, 2, "open"}}, got)

	page, err = s.AllFollowUps(ctx, func(inc *bot.Incident) bool { return inc.ID != b.ID })
	require.NoError(t, err)
	require.Len(t, page.FollowUps, 2)
	require.Equal(t, a.ID, page.FollowUps[0].Incident)
	require.Equal(t, a.Title, page.Incidents[a.ID].Title)
	require.NotContains(t, page.Incidents, b.ID)
}

// Follow-ups added before the index existed are found: the first read
// builds it from the incidents.
func TestAllFollowUpsBackfill(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	a := create(t, s, bot.StatusResolved, bot.P2)
	addFollowUp(t, s, a.ID, "add a canary stage", owner, time.Time{})
	// As an older Warroom left it: no index, no marker.
	// (one key at a time: on Redis Cluster they are in different slots)
	for _, k := range []string{"followups:incidents", "followups:incidents:built"} {
		require.NoError(t, s.Client().Del(ctx, s.Prefix()+k).Err())
	}

	page, err := s.AllFollowUps(ctx, nil)
	require.NoError(t, err)
	require.Len(t, page.FollowUps, 1)
	require.Equal(t, "add a canary stage", page.FollowUps[0].Text)
	n, err := s.Client().ZCard(ctx, s.Prefix()+"followups:incidents").Result()
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	built, err := s.Client().Get(ctx, s.Prefix()+"followups:incidents:built").Result()
	require.NoError(t, err)
	require.Equal(t, "1", built)
}

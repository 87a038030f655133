package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
)

// appendN appends n message entries "m1".."mn" one call each.
func appendN(t testing.TB, s *store.Store, id int64, n int) []bot.TimelineEntry {
	t.Helper()
	var out []bot.TimelineEntry
	for i := 1; i <= n; i++ {
		es, err := s.Append(context.Background(), id, bot.TimelineEntry{Kind: bot.KindMessage, Text: fmt.Sprintf("m%d", i)})
		require.NoError(t, err)
		out = append(out, es...)
	}
	return out
}

func TestAppendOrderAndRoundTrip(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	in := []bot.TimelineEntry{
		{Kind: bot.KindMessage, Author: bot.User{ID: "U1", Name: "alice"}, Text: "db is slow", Ref: "1700.1"},
		{Kind: bot.KindNote, Author: bot.User{ID: "U2"}, Text: "rolled back", Key: true},
		{Kind: bot.KindPriority, At: t0.Add(-1), Data: map[string]string{"from": "P2", "to": "P1"}},
	}
	out, err := s.Append(ctx, inc.ID, in...)
	require.NoError(t, err)
	require.Len(t, out, 3)
	require.Empty(t, in[0].ID, "the caller's entries are not changed")
	for i := range out {
		require.NotEmpty(t, out[i].ID)
		require.Equal(t, in[i].Text, out[i].Text)
	}
	require.Equal(t, t0, out[0].At)
	require.Equal(t, t0.Add(-1).Truncate(1e6), out[2].At, "millisecond precision")

	es := timeline(t, s, inc.ID)
	require.Equal(t, out, es[1:], "stored exactly, in order, after the declared entry")
	n, err := s.TimelineLen(ctx, inc.ID)
	require.NoError(t, err)
	require.Equal(t, int64(4), n)
}

func TestAppendMissingIncident(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	_, err := s.Append(ctx, 77, bot.TimelineEntry{Kind: bot.KindMessage, Text: "x"})
	requireNotFound(t, err)
	n, err := s.Client().Exists(ctx, store.TimelineKey(s, 77)).Result()
	require.NoError(t, err)
	require.Zero(t, n, "no orphan timeline was made")
	_, err = s.Timeline(ctx, 77, store.TimelineQuery{})
	requireNotFound(t, err)
	_, err = s.TimelineLen(ctx, 77)
	requireNotFound(t, err)
}

func TestAppendWithoutKind(t *testing.T) {
	s := newStore(t)
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	_, err := s.Append(context.Background(), inc.ID,
		bot.TimelineEntry{Kind: bot.KindMessage, Text: "ok"}, bot.TimelineEntry{Text: "no kind"})
	require.Error(t, err)
	require.Len(t, timeline(t, s, inc.ID), 1, "nothing appended")
}

func TestTimelineQuery(t *testing.T) {
	s := newStore(t)
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	all := append([]bot.TimelineEntry{timeline(t, s, inc.ID)[0]}, appendN(t, s, inc.ID, 6)...) // declared, m1..m6

	for _, tc := range []struct {
		name string
		q    store.TimelineQuery
		want []bot.TimelineEntry
	}{
		{"all", store.TimelineQuery{}, all},
		{"last 2", store.TimelineQuery{Last: 2}, all[5:]},
		{"last more than there are", store.TimelineQuery{Last: 50}, all},
		{"after", store.TimelineQuery{After: all[4].ID}, all[5:]},
		{"after the last", store.TimelineQuery{After: all[6].ID}, []bot.TimelineEntry{}},
		{"after, limited", store.TimelineQuery{After: all[1].ID, Limit: 2}, all[2:4]},
		{"limit", store.TimelineQuery{Limit: 3}, all[:3]},
		{"last 3 after", store.TimelineQuery{Last: 3, After: all[5].ID}, all[6:]},
		{"last 4 limit 2", store.TimelineQuery{Last: 4, Limit: 2}, all[5:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Timeline(context.Background(), inc.ID, tc.q)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestTimelineBadAfter(t *testing.T) {
	s := newStore(t)
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	for _, after := range []string{"abc", "1-x", "-", "+", "(1-0"} {
		_, err := s.Timeline(context.Background(), inc.ID, store.TimelineQuery{After: after})
		require.Error(t, err, after)
		require.NotErrorIs(t, err, bot.ErrUnavailable, after)
	}
}

func TestEditDoesNotAlterOriginal(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	orig, err := s.Append(ctx, inc.ID, bot.TimelineEntry{Kind: bot.KindMessage, Text: "db is slwo", Ref: "1700.1"})
	require.NoError(t, err)
	edit, err := s.Append(ctx, inc.ID, bot.TimelineEntry{Kind: bot.KindEdit, Text: "db is slow", Ref: "1700.1", RefersTo: "1700.1"})
	require.NoError(t, err)

	es := timeline(t, s, inc.ID)
	require.Len(t, es, 3)
	require.Equal(t, orig[0], es[1], "original untouched")
	require.Equal(t, edit[0], es[2])
	require.Equal(t, "1700.1", es[2].RefersTo)
}

func TestTimelineMaxLen(t *testing.T) {
	const maxLen, n = 20, 600
	s := storetest.NewWithOptions(t, store.Options{Now: fixedClock, TimelineMaxLen: maxLen})
	ctx := context.Background()
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	entries := make([]bot.TimelineEntry, n)
	for i := range entries {
		entries[i] = bot.TimelineEntry{Kind: bot.KindMessage, Text: fmt.Sprint(i)}
	}
	_, err := s.Append(ctx, inc.ID, entries...)
	require.NoError(t, err)

	l, err := s.TimelineLen(ctx, inc.ID)
	require.NoError(t, err)
	// "~" trims whole stream nodes (100 entries by default), so the stream
	// may stay a little longer than the cap, never shorter.
	require.GreaterOrEqual(t, l, int64(maxLen))
	require.LessOrEqual(t, l, int64(maxLen+200))
	last, err := s.Timeline(ctx, inc.ID, store.TimelineQuery{Last: 1})
	require.NoError(t, err)
	require.Equal(t, fmt.Sprint(n-1), last[0].Text, "the newest entries are kept")
}

func TestTimelineAfterGreatestID(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	require.NoError(t, s.Create(ctx, &bot.Incident{ID: 1, Title: "x", Status: bot.StatusInvestigating},
		bot.TimelineEntry{Kind: bot.KindDeclared, Text: "x"}))
	got, err := s.Timeline(ctx, 1, store.TimelineQuery{After: "18446744073709551615-18446744073709551615"})
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestRedisRepliesAreNotOutages(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	// Something else wrote the sequence key with the wrong type: that is
	// bad data, not a passing outage, and must not read "try again".
	require.NoError(t, s.Client().HSet(ctx, s.Prefix()+"seq:incident", "x", "1").Err())
	_, err := s.NextID(ctx)
	require.Error(t, err)
	require.NotErrorIs(t, err, bot.ErrUnavailable)
}

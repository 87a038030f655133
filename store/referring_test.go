package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// overtakenTimeline appends, through the store, an edit, a deletion and a
// flag of message "late" that arrive before it (a retried delivery), 500
// other messages, then "late", an edit of "late" written after it and 5
// more: the newest page holds "late", and what refers to it must follow
// it there, though it arrived 500 entries earlier.
func overtakenTimeline(t *testing.T, s *store.Store) *bot.Incident {
	t.Helper()
	ctx := context.Background()
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	bob := bot.User{ID: "U2", Name: "bob"}
	_, err := s.Append(ctx, inc.ID,
		bot.TimelineEntry{Kind: bot.KindEdit, Author: bob, Text: "payments 502 since 14:05", RefersTo: "late"},
		bot.TimelineEntry{Kind: bot.KindFlag, Author: bob, RefersTo: "late", Key: true})
	require.NoError(t, err)
	var batch []bot.TimelineEntry
	for i := range 500 {
		batch = append(batch, bot.TimelineEntry{Kind: bot.KindMessage, Author: bob, Text: fmt.Sprintf("filler %d", i), Ref: fmt.Sprintf("f%d", i)})
	}
	_, err = s.Append(ctx, inc.ID, batch...)
	require.NoError(t, err)
	_, err = s.Append(ctx, inc.ID, bot.TimelineEntry{Kind: bot.KindMessage, Author: bob, Text: "payments 502", Ref: "late"})
	require.NoError(t, err)
	_, err = s.Append(ctx, inc.ID, bot.TimelineEntry{Kind: bot.KindDelete, Author: bob, RefersTo: "f499"},
		bot.TimelineEntry{Kind: bot.KindEdit, Author: bob, Text: "payments 502 since 14:04", RefersTo: "late"})
	require.NoError(t, err)
	for i := range 5 {
		_, err = s.Append(ctx, inc.ID, bot.TimelineEntry{Kind: bot.KindMessage, Author: bob, Text: fmt.Sprintf("after %d", i), Ref: fmt.Sprintf("a%d", i)})
		require.NoError(t, err)
	}
	return inc
}

// requireNewestPages checks the newest n entries in reading order, for
// several n, against bot.InOrder of the whole stream, and that the first
// page shows "late" followed by what refers to it.
func requireNewestPages(t *testing.T, s *store.Store, id int64) {
	t.Helper()
	ctx := context.Background()
	want, _ := bot.InOrder(timeline(t, s, id), false)
	for _, n := range []int{1, 7, 8, 10, 50, 600} {
		got, err := s.Timeline(ctx, id, store.TimelineQuery{Last: n, InOrder: true})
		require.NoError(t, err)
		require.Equal(t, want[max(len(want)-n, 0):], got, "last %d", n)
	}
	page, err := s.Timeline(ctx, id, store.TimelineQuery{Last: 50, InOrder: true})
	require.NoError(t, err)
	var texts []string
	for _, e := range page[len(page)-11:] {
		texts = append(texts, string(e.Kind)+" "+e.Text)
	}
	require.Equal(t, []string{
		"message filler 499",
		"message payments 502",
		"edit payments 502 since 14:05", // arrived 500 entries before its message
		"flag ",
		"delete ", // of filler 499, at its own place: after its message
		"edit payments 502 since 14:04",
		"message after 0", "message after 1", "message after 2", "message after 3", "message after 4",
	}, texts)
}

// TestNewestPageFollowsOvertakingEdits: the newest page shows an edit and
// a flag that arrived long before their message right behind it, and a
// deletion and an edit written after theirs at their place, from the
// refers-back index the appends wrote with them.
func TestNewestPageFollowsOvertakingEdits(t *testing.T) {
	s := newStore(t)
	inc := overtakenTimeline(t, s)
	lines, err := s.Client().ZRange(context.Background(), store.ReferringKey(s, inc.ID), 0, -1).Result()
	require.NoError(t, err)
	require.Len(t, lines, 5, "four entries that refer back, and the mark that the index is complete: %v", lines)
	requireNewestPages(t, s, inc.ID)
}

// TestNewestPageOfTimelineWrittenBeforeIndex: an incident stored before
// the refers-back index existed (no index key) still shows its newest page
// right; that first read fills the index, and later pages use it.
func TestNewestPageOfTimelineWrittenBeforeIndex(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	inc := overtakenTimeline(t, s)
	require.NoError(t, s.Client().Del(ctx, store.ReferringKey(s, inc.ID)).Err())
	requireNewestPages(t, s, inc.ID)
	n, err := s.Client().ZCard(ctx, store.ReferringKey(s, inc.ID)).Result()
	require.NoError(t, err)
	require.EqualValues(t, 5, n, "filled by the read")
	requireNewestPages(t, s, inc.ID)
}

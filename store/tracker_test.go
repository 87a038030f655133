package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// TestFileFollowUp: filing records the issue on the follow-up with its
// timeline entry, once; the issue finds the follow-up back, and nothing
// else does.
func TestFileFollowUp(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	addFollowUp(t, s, inc.ID, "add a canary", owner, day(2026, 12, 31))
	ref := bot.IssueRef{Tracker: "Jira", Key: "OPS-7", URL: "https://acme.atlassian.net/browse/OPS-7"}
	entry := func(f *bot.FollowUp) []bot.TimelineEntry {
		return []bot.TimelineEntry{{Kind: bot.KindFollowup, Author: adder, Text: "filed " + f.Issue.Key, Data: map[string]string{"action": "filed"}}}
	}
	f, err := s.FileFollowUp(ctx, inc.ID, 1, ref, entry)
	require.NoError(t, err)
	require.Equal(t, ref, f.Issue)
	require.Equal(t, ref, mustFollowUp(t, s, inc.ID, 1).Issue)

	got, err := s.FollowUpByIssue(ctx, "jira", "ops-7")
	require.NoError(t, err)
	require.Equal(t, 1, got.N)
	require.Equal(t, inc.ID, got.Incident)

	// The same issue again writes no second entry; another one is refused.
	_, err = s.FileFollowUp(ctx, inc.ID, 1, ref, entry)
	require.NoError(t, err)
	_, err = s.FileFollowUp(ctx, inc.ID, 1, bot.IssueRef{Tracker: "Jira", Key: "OPS-8"}, entry)
	require.ErrorIs(t, err, store.ErrFiled)
	tl, err := s.Timeline(ctx, inc.ID, store.TimelineQuery{})
	require.NoError(t, err)
	filed := 0
	for _, e := range tl {
		if e.Data["action"] == "filed" {
			filed++
		}
	}
	require.Equal(t, 1, filed)

	for _, key := range []string{"OPS-8", "OPS-99"} {
		_, err = s.FollowUpByIssue(ctx, "Jira", key)
		require.True(t, errors.Is(err, bot.ErrNotFound), key)
	}
	_, err = s.FollowUpByIssue(ctx, "GitHub", "OPS-7")
	require.ErrorIs(t, err, bot.ErrNotFound)
}

func mustFollowUp(t *testing.T, s *store.Store, id int64, n int) *bot.FollowUp {
	t.Helper()
	f, err := s.FollowUp(context.Background(), id, n)
	require.NoError(t, err)
	return f
}

package store_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

var (
	owner = bot.User{ID: "U2", Name: "bob"}
	adder = bot.User{ID: "U1", Name: "alice"}
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// addFollowUp adds a follow-up to incident id with one timeline entry.
func addFollowUp(t testing.TB, s *store.Store, id int64, text string, who bot.User, due time.Time) *bot.FollowUp {
	t.Helper()
	f, err := s.AddFollowUp(context.Background(), bot.FollowUp{Incident: id, Text: text, Owner: who, Due: due, CreatedBy: adder},
		func(f *bot.FollowUp) []bot.TimelineEntry {
			return []bot.TimelineEntry{{Kind: bot.KindFollowup, Author: adder, Text: "#" + strconv.Itoa(f.N) + " " + f.Text,
				Data: map[string]string{"n": strconv.Itoa(f.N), "action": "add"}}}
		})
	require.NoError(t, err)
	return f
}

func openMembers(t testing.TB, s *store.Store) []redis.Z {
	t.Helper()
	zs, err := s.Client().ZRangeWithScores(context.Background(), s.Prefix()+"followups:open", 0, -1).Result()
	require.NoError(t, err)
	return zs
}

func TestAddFollowUp(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := create(t, s, bot.StatusResolved, bot.P2)

	f1 := addFollowUp(t, s, inc.ID, "add a canary stage", owner, day(2026, 12, 31))
	f2 := addFollowUp(t, s, inc.ID, "alert on error rate", adder, time.Time{})
	require.Equal(t, 1, f1.N)
	require.Equal(t, 2, f2.N)
	require.Equal(t, bot.FollowUpOpen, f1.State)
	require.Equal(t, t0, f1.CreatedAt)

	got, err := s.FollowUps(ctx, inc.ID)
	require.NoError(t, err)
	require.Equal(t, []bot.FollowUp{*f1, *f2}, got)
	one, err := s.FollowUp(ctx, inc.ID, 2)
	require.NoError(t, err)
	require.Equal(t, f2, one)

	tl := timeline(t, s, inc.ID)
	require.Len(t, tl, 3)
	require.Equal(t, bot.KindFollowup, tl[1].Kind)
	require.Equal(t, "#1 add a canary stage", tl[1].Text)
	require.Equal(t, "#2 alert on error rate", tl[2].Text)

	// Both keys carry the incident's hash tag; the index lives apart.
	n, err := s.Client().Exists(ctx, store.RecordKey(s, inc.ID)+":followups").Result()
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	require.Equal(t, []redis.Z{
		{Score: float64(day(2026, 12, 31).Unix()), Member: "1:1"},
		{Score: float64(1 << 53), Member: "1:2"},
	}, openMembers(t, s), "scored by due day; none last")
}

func TestAddFollowUpRefusals(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := create(t, s, bot.StatusInvestigating, bot.P1)
	none := func(*bot.FollowUp) []bot.TimelineEntry { return nil }
	for name, f := range map[string]bot.FollowUp{
		"no text":     {Incident: inc.ID, Owner: owner, Text: "  "},
		"no owner":    {Incident: inc.ID, Text: "x"},
		"no incident": {Owner: owner, Text: "x"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.AddFollowUp(ctx, f, none)
			require.Error(t, err)
		})
	}
	_, err := s.AddFollowUp(ctx, bot.FollowUp{Incident: 999, Owner: owner, Text: "x"}, none)
	requireNotFound(t, err)
	n, err := s.Client().Exists(ctx, store.RecordKey(s, 999)+":followups", store.TimelineKey(s, 999)).Result()
	require.NoError(t, err)
	require.Zero(t, n, "nothing written for a missing incident")
	got, err := s.FollowUps(ctx, 999)
	require.NoError(t, err)
	require.Empty(t, got)
	require.Empty(t, openMembers(t, s))
	require.Len(t, timeline(t, s, inc.ID), 1)
}

func TestAddFollowUpConcurrent(t *testing.T) {
	s := newStore(t)
	inc := create(t, s, bot.StatusResolved, bot.P2)
	replica := newReplica(t, s)
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int]bool{}
	for i := range 20 {
		st := s
		if i%2 == 1 {
			st = replica
		}
		wg.Go(func() {
			f := addFollowUp(t, st, inc.ID, "action "+strconv.Itoa(i), owner, time.Time{})
			mu.Lock()
			defer mu.Unlock()
			seen[f.N] = true
		})
	}
	wg.Wait()
	require.Len(t, seen, 20)
	for n := 1; n <= 20; n++ {
		require.True(t, seen[n], "#%d", n)
	}
	require.Len(t, timeline(t, s, inc.ID), 21)
	require.Len(t, openMembers(t, s), 20)
}

func TestUpdateFollowUp(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := create(t, s, bot.StatusResolved, bot.P2)
	addFollowUp(t, s, inc.ID, "add a canary stage", owner, day(2026, 12, 31))

	done := func(f *bot.FollowUp) ([]bot.TimelineEntry, error) {
		if f.State != bot.FollowUpOpen {
			return nil, bot.Errorf(bot.CodeFollowUpSame)
		}
		f.State, f.DoneAt = bot.FollowUpDone, t0
		f.N = 7 // may not renumber
		return []bot.TimelineEntry{{Kind: bot.KindFollowup, Text: "#1 done"}}, nil
	}
	f, err := s.UpdateFollowUp(ctx, inc.ID, 1, done)
	require.NoError(t, err)
	require.Equal(t, 1, f.N)
	require.Equal(t, bot.FollowUpDone, f.State)
	stored, err := s.FollowUp(ctx, inc.ID, 1)
	require.NoError(t, err)
	require.Equal(t, f, stored)
	require.Empty(t, openMembers(t, s), "done leaves the open index")
	require.Equal(t, "#1 done", timeline(t, s, inc.ID)[2].Text)

	// A refusal writes nothing and passes unchanged.
	_, err = s.UpdateFollowUp(ctx, inc.ID, 1, done)
	var coded *bot.Error
	require.True(t, errors.As(err, &coded))
	require.Equal(t, bot.CodeFollowUpSame, coded.Code)
	require.Len(t, timeline(t, s, inc.ID), 3)

	_, err = s.UpdateFollowUp(ctx, inc.ID, 2, done)
	requireNotFound(t, err)

	_, err = s.UpdateFollowUp(ctx, inc.ID, 1, func(f *bot.FollowUp) ([]bot.TimelineEntry, error) {
		f.State, f.DoneAt = bot.FollowUpOpen, time.Time{}
		f.Due = day(2026, 12, 1)
		return nil, nil
	})
	require.NoError(t, err)
	require.Equal(t, []redis.Z{{Score: float64(day(2026, 12, 1).Unix()), Member: "1:1"}}, openMembers(t, s),
		"reopened, with its new due date")
}

func TestOpenFollowUps(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	a := create(t, s, bot.StatusResolved, bot.P2)
	b := create(t, s, bot.StatusClosed, bot.P1)
	a1 := addFollowUp(t, s, a.ID, "no due", owner, time.Time{})
	a2 := addFollowUp(t, s, a.ID, "due late", adder, day(2027, 1, 10))
	b1 := addFollowUp(t, s, b.ID, "due early", owner, day(2026, 6, 1))
	b2 := addFollowUp(t, s, b.ID, "done already", owner, day(2026, 1, 1))
	_, err := s.UpdateFollowUp(ctx, b.ID, b2.N, func(f *bot.FollowUp) ([]bot.TimelineEntry, error) {
		f.State = bot.FollowUpDone
		return nil, nil
	})
	require.NoError(t, err)

	for _, tc := range []struct {
		name string
		q    store.FollowUpQuery
		want []*bot.FollowUp
	}{
		{"all, earliest due first", store.FollowUpQuery{}, []*bot.FollowUp{b1, a2, a1}},
		{"owner", store.FollowUpQuery{Owner: owner.ID}, []*bot.FollowUp{b1, a1}},
		{"due by", store.FollowUpQuery{DueBy: day(2026, 12, 31)}, []*bot.FollowUp{b1}},
		{"limit", store.FollowUpQuery{Limit: 2}, []*bot.FollowUp{b1, a2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.OpenFollowUps(ctx, tc.q)
			require.NoError(t, err)
			want := make([]bot.FollowUp, len(tc.want))
			for i, f := range tc.want {
				want[i] = *f
			}
			require.Equal(t, want, got)
		})
	}
}

// TestOpenFollowUpsRepairsIndex plants index entries that disagree with
// their follow-ups, as a failed index write after a commit would leave:
// readers skip them and put the index right.
func TestOpenFollowUpsRepairsIndex(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := create(t, s, bot.StatusResolved, bot.P2)
	f1 := addFollowUp(t, s, inc.ID, "open", owner, day(2026, 3, 1))
	f2 := addFollowUp(t, s, inc.ID, "done", owner, day(2026, 3, 2))
	_, err := s.UpdateFollowUp(ctx, inc.ID, f2.N, func(f *bot.FollowUp) ([]bot.TimelineEntry, error) {
		f.State = bot.FollowUpDone
		return nil, nil
	})
	require.NoError(t, err)
	key := s.Prefix() + "followups:open"
	require.NoError(t, s.Client().ZAdd(ctx, key,
		redis.Z{Score: 1, Member: "1:2"},   // done, still indexed
		redis.Z{Score: 2, Member: "1:9"},   // no such follow-up
		redis.Z{Score: 3, Member: "junk"},  // no member at all
		redis.Z{Score: 4, Member: "77:1"},  // no such incident
		redis.Z{Score: 5e9, Member: "1:1"}, // open, with a wrong due date
	).Err())

	got, err := s.OpenFollowUps(ctx, store.FollowUpQuery{})
	require.NoError(t, err)
	require.Equal(t, []bot.FollowUp{*f1}, got)
	require.Equal(t, []redis.Z{{Score: float64(day(2026, 3, 1).Unix()), Member: "1:1"}}, openMembers(t, s))
}

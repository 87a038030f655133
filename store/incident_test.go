package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

func TestCreateGetRoundTrip(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	id, err := s.NextID(ctx)
	require.NoError(t, err)
	at := time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.UTC)
	want := &bot.Incident{
		ID:          id,
		Title:       "Checkout is failing",
		Description: "5xx on /pay",
		Status:      bot.StatusIdentified,
		Priority:    bot.P2,
		Summary:     "bad deploy",
		Platform:    "slack",
		Channel:     bot.Channel{ID: "C123", Name: "inc-1-checkout", URL: "https://x.slack.com/archives/C123"},
		Card:        bot.MessageRef{ChannelID: "C123", ID: "1700000000.000100"},
		Roles: map[bot.Role]bot.User{
			bot.RoleCommander: {ID: "U1", Name: "alice"},
			bot.RoleScribe:    {ID: "U2"},
			"dba":             {ID: "U3", Name: "carol"},
		},
		DeclaredBy: bot.User{ID: "U1", Name: "alice"},
		Source:     "alertmanager",
		Labels:     map[string]string{"service": "checkout", "env": "prod"},
		CreatedAt:  at,
		AckedAt:    at.Add(time.Minute),
		ResolvedAt: at.Add(time.Hour),
		ClosedAt:   at.Add(2 * time.Hour),
		UpdatedAt:  at.Add(3 * time.Hour),
		LastUpdate: at.Add(30 * time.Minute),
	}
	entries := []bot.TimelineEntry{
		{Kind: bot.KindDeclared, Author: bot.User{ID: "U1", Name: "alice"}, Text: "declared", Key: true,
			Data: map[string]string{"priority": "P2"}},
		{Kind: bot.KindChannel, At: at, Ref: "r1", RefersTo: "r0", Text: "channel created"},
	}
	require.NoError(t, s.Create(ctx, want, entries...))

	got, err := s.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, want, got)

	// The caller's entries got their IDs and the clock's time.
	require.NotEmpty(t, entries[0].ID)
	require.Equal(t, t0, entries[0].At)
	require.Equal(t, at.Truncate(time.Millisecond), entries[1].At)
	require.Equal(t, entries, timeline(t, s, id))
}

func TestCreateSetsTimes(t *testing.T) {
	s := newStore(t)
	inc := create(t, s, bot.StatusInvestigating, bot.P3)
	got, err := s.Get(context.Background(), inc.ID)
	require.NoError(t, err)
	require.Equal(t, t0, got.CreatedAt)
	require.Equal(t, t0, got.UpdatedAt)
}

func TestCreateTwice(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	first := create(t, s, bot.StatusInvestigating, bot.P1)

	again := &bot.Incident{ID: first.ID, Title: "other", Status: bot.StatusTriage}
	err := s.Create(ctx, again, bot.TimelineEntry{Kind: bot.KindDeclared, Text: "again"})
	require.ErrorIs(t, err, store.ErrExists)

	got, err := s.Get(ctx, first.ID)
	require.NoError(t, err)
	require.Equal(t, first.Title, got.Title)
	require.Len(t, timeline(t, s, first.ID), 1)
}

func TestCreateInvalid(t *testing.T) {
	for _, tc := range []struct {
		name    string
		inc     *bot.Incident
		entries []bot.TimelineEntry
	}{
		{"nil incident", nil, nil},
		{"zero id", &bot.Incident{Title: "x"}, nil},
		{"negative id", &bot.Incident{ID: -1, Title: "x"}, nil},
		{"entry without kind", &bot.Incident{ID: 7, Title: "x"}, []bot.TimelineEntry{{Text: "?"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			ctx := context.Background()
			require.Error(t, s.Create(ctx, tc.inc, tc.entries...))
			_, err := s.Get(ctx, 7)
			requireNotFound(t, err)
		})
	}
}

func TestGetMissing(t *testing.T) {
	s := newStore(t)
	_, err := s.Get(context.Background(), 404)
	requireNotFound(t, err)
	require.NotErrorIs(t, err, bot.ErrUnavailable)
	require.EqualError(t, err, "get incident 404: not found")
}

func TestNextID(t *testing.T) {
	s := newStore(t)
	for want := int64(1); want <= 3; want++ {
		id, err := s.NextID(context.Background())
		require.NoError(t, err)
		require.Equal(t, want, id)
	}
}

func TestByChannel(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	id, err := s.NextID(ctx)
	require.NoError(t, err)
	inc := &bot.Incident{ID: id, Title: "a", Status: bot.StatusInvestigating, Platform: "slack", Channel: bot.Channel{ID: "C1"}}
	require.NoError(t, s.Create(ctx, inc))
	create(t, s, bot.StatusInvestigating, bot.P2) // no channel

	got, err := s.ByChannel(ctx, "slack", "C1")
	require.NoError(t, err)
	require.Equal(t, inc, got)

	for _, tc := range []struct{ platform, channel string }{
		{"slack", "C2"}, {"teams", "C1"}, {"", ""}, {"slack", ""},
	} {
		_, err := s.ByChannel(ctx, tc.platform, tc.channel)
		requireNotFound(t, err, "%s:%s", tc.platform, tc.channel)
	}

	// Moving the incident to another channel moves the index entry.
	_, err = s.Update(ctx, 1, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		inc.Channel = bot.Channel{ID: "C9"}
		return nil, nil
	})
	require.NoError(t, err)
	_, err = s.ByChannel(ctx, "slack", "C1")
	requireNotFound(t, err)
	n, err := s.Client().Exists(ctx, store.ChannelKey(s, "slack", "C1")).Result()
	require.NoError(t, err)
	require.Zero(t, n, "old channel index entry is deleted")
	got, err = s.ByChannel(ctx, "slack", "C9")
	require.NoError(t, err)
	require.Equal(t, int64(1), got.ID)

	// A stale index entry (left by a crash) is not believed.
	require.NoError(t, s.Client().Set(ctx, store.ChannelKey(s, "slack", "C1"), 1, 0).Err())
	_, err = s.ByChannel(ctx, "slack", "C1")
	requireNotFound(t, err)
}

func TestList(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	statuses := []bot.Status{bot.StatusTriage, bot.StatusResolved, bot.StatusInvestigating, bot.StatusClosed, bot.StatusMonitoring}
	for _, st := range statuses {
		create(t, s, st, bot.P3)
	}
	for _, tc := range []struct {
		name string
		q    store.ListQuery
		want []int64
	}{
		{"all", store.ListQuery{}, []int64{5, 4, 3, 2, 1}},
		{"all limited", store.ListQuery{Limit: 2}, []int64{5, 4}},
		{"open", store.ListQuery{Open: true}, []int64{5, 3, 1}},
		{"open limited", store.ListQuery{Open: true, Limit: 2}, []int64{5, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.List(ctx, tc.q)
			require.NoError(t, err)
			require.Equal(t, tc.want, ids(got))
		})
	}
}

func TestListStaleIndex(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	rdb := s.Client()
	create(t, s, bot.StatusInvestigating, bot.P1) // 1
	create(t, s, bot.StatusResolved, bot.P1)      // 2
	create(t, s, bot.StatusTriage, bot.P1)        // 3
	// Stale entries a crash between transaction and index write can leave:
	// a resolved incident still in the open index, and IDs without records.
	require.NoError(t, rdb.ZAdd(ctx, store.OpenKey(s), z(2), z(99)).Err())
	require.NoError(t, rdb.ZAdd(ctx, store.AllKey(s), z(98)).Err())

	got, err := s.List(ctx, store.ListQuery{Open: true, Limit: 2})
	require.NoError(t, err)
	require.Equal(t, []int64{3, 1}, ids(got), "limit is filled past stale entries")
	got, err = s.List(ctx, store.ListQuery{})
	require.NoError(t, err)
	require.Equal(t, []int64{3, 2, 1}, ids(got))

	open, err := rdb.ZRange(ctx, store.OpenKey(s), 0, -1).Result()
	require.NoError(t, err)
	require.Equal(t, []string{"1", "3"}, open, "open index repaired")
	all, err := rdb.ZRange(ctx, store.AllKey(s), 0, -1).Result()
	require.NoError(t, err)
	require.Equal(t, []string{"1", "2", "3"}, all, "all index repaired")
}

func TestUpdate(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	later := t0.Add(time.Hour)

	got, err := s.Update(ctx, inc.ID, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		inc.Status = bot.StatusResolved
		inc.ResolvedAt = later
		inc.Roles = map[bot.Role]bot.User{bot.RoleCommander: {ID: "U1"}}
		inc.ID = 1234 // ignored
		return []bot.TimelineEntry{
			{Kind: bot.KindStatus, Data: map[string]string{"from": "investigating", "to": "resolved"}},
			{Kind: bot.KindRole, At: later, Data: map[string]string{"role": "commander", "user_id": "U1"}},
		}, nil
	})
	require.NoError(t, err)
	stored, err := s.Get(ctx, inc.ID)
	require.NoError(t, err)
	require.Equal(t, stored, got)
	require.Equal(t, inc.ID, got.ID)
	require.Equal(t, bot.StatusResolved, got.Status)
	require.Equal(t, later, got.ResolvedAt)
	require.Equal(t, bot.User{ID: "U1"}, got.Roles[bot.RoleCommander])

	es := timeline(t, s, inc.ID)
	require.Len(t, es, 3)
	require.Equal(t, bot.KindStatus, es[1].Kind)
	require.Equal(t, t0, es[1].At, "zero At is the clock's")
	require.Equal(t, "resolved", es[1].Data["to"])
	require.Equal(t, later, es[2].At)

	open, err := s.List(ctx, store.ListQuery{Open: true})
	require.NoError(t, err)
	require.Empty(t, open, "resolved incident left the open index")
	n, err := s.Client().ZCard(ctx, store.OpenKey(s)).Result()
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestUpdateMissing(t *testing.T) {
	s := newStore(t)
	called := false
	_, err := s.Update(context.Background(), 5, func(*bot.Incident) ([]bot.TimelineEntry, error) {
		called = true
		return nil, nil
	})
	requireNotFound(t, err)
	require.False(t, called)
}

func TestUpdateFnErrorWritesNothing(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	before, err := s.Get(ctx, inc.ID)
	require.NoError(t, err)

	want := bot.Errorf(bot.CodeForbidden, "role", "commander")
	got, err := s.Update(ctx, inc.ID, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		inc.Status = bot.StatusResolved // changed, but must not be stored
		inc.Title = "changed"
		return []bot.TimelineEntry{{Kind: bot.KindStatus}}, want
	})
	require.Nil(t, got)
	require.Same(t, want, err, "the error is returned unchanged")
	var be *bot.Error
	require.True(t, errors.As(err, &be))
	require.Equal(t, bot.CodeForbidden, be.Code)

	after, err := s.Get(ctx, inc.ID)
	require.NoError(t, err)
	require.Equal(t, before, after)
	require.Len(t, timeline(t, s, inc.ID), 1)
}

func TestUpdateEntryWithoutKind(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	_, err := s.Update(ctx, inc.ID, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		inc.Title = "changed"
		return []bot.TimelineEntry{{Text: "no kind"}}, nil
	})
	require.Error(t, err)
	got, err := s.Get(ctx, inc.ID)
	require.NoError(t, err)
	require.Equal(t, inc.Title, got.Title)
}

// TestUpdateRace is the race: 50 concurrent resolves, one wins.
func TestUpdateRace(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := create(t, s, bot.StatusInvestigating, bot.P1)

	const n = 50
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.Update(ctx, inc.ID, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
				if err := inc.Status.CanMove(bot.StatusResolved); err != nil {
					return nil, err
				}
				from := inc.Status
				inc.Status = bot.StatusResolved
				return []bot.TimelineEntry{{Kind: bot.KindStatus,
					Data: map[string]string{"from": string(from), "to": "resolved"}}}, nil
			})
		})
	}
	wg.Wait()

	won, lost := 0, 0
	for _, err := range errs {
		switch code := bot.CodeOf(err); {
		case err == nil:
			won++
		case code == bot.CodeBadTransition || code == bot.CodeSameStatus:
			lost++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	require.Equal(t, 1, won)
	require.Equal(t, n-1, lost)

	var status []bot.TimelineEntry
	for _, e := range timeline(t, s, inc.ID) {
		if e.Kind == bot.KindStatus {
			status = append(status, e)
		}
	}
	require.Len(t, status, 1)
	require.Equal(t, map[string]string{"from": "investigating", "to": "resolved"}, status[0].Data)
	got, err := s.Get(ctx, inc.ID)
	require.NoError(t, err)
	require.Equal(t, bot.StatusResolved, got.Status)
}

func TestUpdateHonoursContext(t *testing.T) {
	s := newStore(t)
	inc := create(t, s, bot.StatusInvestigating, bot.P1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Update(ctx, inc.ID, func(*bot.Incident) ([]bot.TimelineEntry, error) { return nil, nil })
	require.ErrorIs(t, err, context.Canceled)
}

func TestNewValidates(t *testing.T) {
	s := newStore(t)
	for _, tc := range []struct {
		name      string
		opts      store.Options
		nilClient bool
	}{
		{"nil client", store.Options{}, true},
		{"hash tag in prefix", store.Options{Prefix: "a{b}:"}, false},
		{"negative max len", store.Options{TimelineMaxLen: -1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rdb := s.Client()
			if tc.nilClient {
				rdb = nil
			}
			_, err := store.New(rdb, tc.opts)
			require.Error(t, err)
		})
	}
}

func ids(incs []*bot.Incident) []int64 {
	out := []int64{}
	for _, inc := range incs {
		out = append(out, inc.ID)
	}
	return out
}

package store_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// browseIDs runs Browse and returns the page's IDs with the result.
func browseIDs(t *testing.T, s *store.Store, q store.BrowseQuery) ([]int64, store.Browsed) {
	t.Helper()
	res, err := s.Browse(context.Background(), q)
	require.NoError(t, err)
	var ids []int64
	for _, inc := range res.Incidents {
		ids = append(ids, inc.ID)
	}
	return ids, res
}

// declareAt stores incident with the next ID, created at, by a test.
func declareAt(t *testing.T, s *store.Store, inc *bot.Incident, at time.Time) *bot.Incident {
	t.Helper()
	ctx := context.Background()
	id, err := s.NextID(ctx)
	require.NoError(t, err)
	inc.ID, inc.CreatedAt = id, at
	if inc.Platform == "" {
		inc.Platform = "slack"
	}
	require.NoError(t, s.Create(ctx, inc))
	return inc
}

func TestBrowseFollowsEveryChange(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	a := declareAt(t, s, &bot.Incident{Status: bot.StatusTriage, Priority: bot.P1, Source: "manual"}, t0)
	b := declareAt(t, s, &bot.Incident{Status: bot.StatusInvestigating, Priority: bot.P2, Source: "alert:grafana"}, t0.Add(time.Hour))
	c := declareAt(t, s, &bot.Incident{Status: bot.StatusInvestigating, Priority: bot.P2, Source: "manual"}, t0.Add(2*time.Hour))
	all := store.BrowseQuery{Limit: 10}

	ids, res := browseIDs(t, s, all)
	require.Equal(t, []int64{c.ID, b.ID, a.ID}, ids, "newest first")
	require.Equal(t, 3, res.Total)
	require.Equal(t, map[bot.Status]int{bot.StatusTriage: 1, bot.StatusInvestigating: 2}, res.Counts)

	// Every status change moves the incident between sets: resolve,
	// close, reopen, decline.
	set := func(id int64, st bot.Status) {
		_, err := s.Update(ctx, id, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
			inc.Status = st
			return nil, nil
		})
		require.NoError(t, err)
	}
	set(b.ID, bot.StatusResolved)
	set(c.ID, bot.StatusResolved)
	set(c.ID, bot.StatusClosed)
	set(a.ID, bot.StatusDeclined)
	_, res = browseIDs(t, s, all)
	require.Equal(t, map[bot.Status]int{bot.StatusResolved: 1, bot.StatusClosed: 1, bot.StatusDeclined: 1}, res.Counts)
	set(c.ID, bot.StatusInvestigating)
	ids, res = browseIDs(t, s, store.BrowseQuery{Limit: 10, Statuses: []bot.Status{bot.StatusInvestigating}})
	require.Equal(t, []int64{c.ID}, ids)
	require.Equal(t, 1, res.Total)
	require.Equal(t, map[bot.Status]int{bot.StatusResolved: 1, bot.StatusInvestigating: 1, bot.StatusDeclined: 1}, res.Counts,
		"counts ignore the statuses")

	// Facet filters, time range, offset and limit.
	ids, res = browseIDs(t, s, store.BrowseQuery{Limit: 10, Facets: func(f store.Facet) bool { return f.Source == "manual" }})
	require.Equal(t, []int64{c.ID, a.ID}, ids)
	require.Equal(t, 2, res.Total)
	ids, _ = browseIDs(t, s, store.BrowseQuery{Limit: 10, Since: t0.Add(time.Hour), Until: t0.Add(2 * time.Hour)})
	require.Equal(t, []int64{b.ID}, ids, "since is inclusive, until exclusive")
	ids, res = browseIDs(t, s, store.BrowseQuery{Offset: 1, Limit: 1})
	require.Equal(t, []int64{b.ID}, ids)
	require.Equal(t, 3, res.Total)

	// The index holds each incident once, in its record's set.
	n, err := s.Client().ZCard(ctx, store.FacetKey(s, store.FacetOf(b))).Result()
	require.NoError(t, err)
	require.Zero(t, n, "b left its declared facet's set")
}

func TestBrowsePrivate(t *testing.T) {
	s := newStore(t)
	pub := declareAt(t, s, &bot.Incident{Status: bot.StatusInvestigating, Priority: bot.P2}, t0)
	priv := declareAt(t, s, &bot.Incident{Status: bot.StatusInvestigating, Priority: bot.P2, Private: true,
		Roles: map[bot.Role]bot.User{bot.RoleCommander: {ID: "UBOB"}}, Members: []string{"UDAN"}}, t0.Add(time.Minute))
	admit := func(who string) func(*bot.Incident) bool {
		return func(inc *bot.Incident) bool { return inc.Admits("slack", who) }
	}
	for _, who := range []string{"UBOB", "UDAN"} {
		for _, named := range []*store.Person{nil, {Platform: "slack", ID: who}} {
			ids, res := browseIDs(t, s, store.BrowseQuery{Limit: 10, Admit: admit(who), Named: named})
			require.Equal(t, []int64{priv.ID, pub.ID}, ids, who)
			require.Equal(t, 2, res.Total)
			require.Equal(t, map[bot.Status]int{bot.StatusInvestigating: 2}, res.Counts)
		}
	}
	for _, named := range []*store.Person{nil, {Platform: "slack", ID: "UCAROL"}, {Platform: "teams", ID: "UBOB"}} {
		ids, res := browseIDs(t, s, store.BrowseQuery{Limit: 10, Admit: admit("UCAROL"), Named: named})
		require.Equal(t, []int64{pub.ID}, ids, "an outsider neither sees nor counts it")
		require.Equal(t, 1, res.Total)
		require.Equal(t, map[bot.Status]int{bot.StatusInvestigating: 1}, res.Counts)
	}
	ids, res := browseIDs(t, s, store.BrowseQuery{Limit: 10})
	require.Equal(t, []int64{pub.ID}, ids, "no Admit admits no private incident")
	require.Equal(t, 1, res.Total)
	ids, res = browseIDs(t, s, store.BrowseQuery{Limit: 10, AllPrivate: true})
	require.Equal(t, []int64{priv.ID, pub.ID}, ids)
	require.Equal(t, 2, res.Total)

	// Dan leaves: his set no longer names the incident.
	_, err := s.Update(context.Background(), priv.ID, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		inc.RemoveMember("UDAN")
		return nil, nil
	})
	require.NoError(t, err)
	ids, _ = browseIDs(t, s, store.BrowseQuery{Limit: 10, Admit: func(*bot.Incident) bool { return true },
		Named: &store.Person{Platform: "slack", ID: "UDAN"}})
	require.Equal(t, []int64{pub.ID}, ids)
}

func TestBrowseBuildsTheIndexForOlderIncidents(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	a := declareAt(t, s, &bot.Incident{Status: bot.StatusResolved, Priority: bot.P3}, t0)
	b := declareAt(t, s, &bot.Incident{Status: bot.StatusInvestigating, Priority: bot.P1}, t0.Add(time.Minute))
	// As an older Warroom left them: records and the list index, and no
	// facet index (nor its marker).
	for _, pattern := range []string{"incidents:by:*", "incidents:facets*", "incidents:named:*"} {
		for _, k := range keysLike(t, s, pattern) {
			require.NoError(t, s.Client().Del(ctx, k).Err())
		}
	}
	ids, res := browseIDs(t, s, store.BrowseQuery{Limit: 10})
	require.Equal(t, []int64{b.ID, a.ID}, ids)
	require.Equal(t, map[bot.Status]int{bot.StatusResolved: 1, bot.StatusInvestigating: 1}, res.Counts)
	v, err := s.Client().Get(ctx, store.FacetsBuilt(s)).Result()
	require.NoError(t, err)
	require.NotEmpty(t, v, "the build is marked, so it runs once")
}

func TestBrowseRepairsAStaleIndex(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	a := declareAt(t, s, &bot.Incident{Status: bot.StatusInvestigating, Priority: bot.P2}, t0)
	_, _ = browseIDs(t, s, store.BrowseQuery{Limit: 10})
	// The record changes behind the index's back (an index write that
	// failed): it is resolved, and now private.
	changed := *a
	changed.Status, changed.Private = bot.StatusResolved, true
	raw, err := json.Marshal(&changed)
	require.NoError(t, err)
	require.NoError(t, s.Client().Set(ctx, store.RecordKey(s, a.ID), raw, 0).Err())

	ids, res := browseIDs(t, s, store.BrowseQuery{Limit: 10})
	require.Empty(t, ids, "a private incident never shows through a stale public entry")
	require.Empty(t, res.Counts)
	n, err := s.Client().ZCard(ctx, store.FacetKey(s, store.FacetOf(a))).Result()
	require.NoError(t, err)
	require.Zero(t, n, "the stale entry was taken out")
	ids, _ = browseIDs(t, s, store.BrowseQuery{Limit: 10, AllPrivate: true})
	require.Equal(t, []int64{a.ID}, ids, "and put where the record says")
}

// TestBrowseRacingWriters: replicas changing one incident at once leave
// it in exactly the set its final record names.
func TestBrowseRacingWriters(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := declareAt(t, s, &bot.Incident{Status: bot.StatusInvestigating, Priority: bot.P2}, t0)
	statuses := []bot.Status{bot.StatusIdentified, bot.StatusMonitoring, bot.StatusResolved, bot.StatusInvestigating}
	var wg sync.WaitGroup
	for w := range 4 {
		r := newReplica(t, s)
		wg.Go(func() {
			for i := range 10 {
				_, err := r.Update(ctx, inc.ID, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
					inc.Status = statuses[(w+i)%len(statuses)]
					inc.Priority = bot.Priority(1 + (w+i)%4)
					return nil, nil
				})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	final, err := s.Get(ctx, inc.ID)
	require.NoError(t, err)
	var holders []string
	for _, k := range keysLike(t, s, "incidents:by:*") {
		n, err := s.Client().ZCard(ctx, k).Result()
		require.NoError(t, err)
		if n > 0 {
			holders = append(holders, k)
		}
	}
	require.Equal(t, []string{store.FacetKey(s, store.FacetOf(final))}, holders)
	_, res := browseIDs(t, s, store.BrowseQuery{Limit: 10})
	require.Equal(t, map[bot.Status]int{final.Status: 1}, res.Counts)
}

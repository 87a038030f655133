package store_test

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

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

// addAt writes an entry with the stream ID "<ms>-0" straight into the
// timeline, as if it had arrived at ms.
func addAt(t testing.TB, s *store.Store, id int64, ms int64, kind bot.EntryKind, ref, refersTo string) {
	t.Helper()
	v := map[string]any{"kind": string(kind), "at": ms, "text": fmt.Sprintf("%s %s%s @%d", kind, ref, refersTo, ms)}
	if ref != "" {
		v["ref"] = ref
	}
	if refersTo != "" {
		v["refers_to"] = refersTo
	}
	require.NoError(t, s.Client().XAdd(context.Background(), &redis.XAddArgs{
		Stream: store.TimelineKey(s, id), ID: fmt.Sprintf("%d-0", ms), Values: v}).Err())
	ctx, sid := context.Background(), fmt.Sprintf("%d-0", ms)
	e := bot.TimelineEntry{Kind: kind, Ref: ref, RefersTo: refersTo}
	if e.RefersBack() { // as Append indexes it
		require.NoError(t, s.Client().ZAdd(ctx, store.ReferringKey(s, id),
			redis.Z{Score: float64(ms), Member: store.ReferringLine(sid, refersTo)}).Err())
	}
	if store.Notable(e) {
		require.NoError(t, s.Client().ZAdd(ctx, store.NotableKey(s, id), redis.Z{Score: float64(ms), Member: sid}).Err())
	}
	if kind == bot.KindMessage && ref != "" && !s.Client().HSetNX(ctx, store.RefsKey(s, id), ref, sid).Val() {
		require.NoError(t, s.Client().ZAdd(ctx, store.NotableKey(s, id), redis.Z{Score: float64(ms), Member: sid + " " + ref}).Err())
	}
}

// notablePart is what TimelineNotable gives of entries, a timeline in
// reading order: its notable entries and the messages they refer to.
func notablePart(entries []bot.TimelineEntry) []bot.TimelineEntry {
	referred := map[string]bool{}
	for _, e := range entries {
		if e.RefersBack() {
			referred[e.RefersTo] = true
		}
	}
	out := []bot.TimelineEntry{}
	for _, e := range entries {
		if store.Notable(e) || (e.Kind == bot.KindMessage && referred[e.Ref]) {
			out = append(out, e)
		}
	}
	return out
}

// TestTimelineInOrderPages checks that, on random timelines where edits,
// deletions and flags often arrive before their messages (within the hold
// and beyond it), every way of reading in order (all, the newest n, pages
// forward of every size) gives the same reading order as bot.InOrder of
// the whole stream, and that the stream itself stays as it arrived. The
// last two rounds are timelines written before the refers-back index (the
// newest entries read it back HoldBack and fill the index).
func TestTimelineInOrderPages(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	rnd := rand.New(rand.NewPCG(11, 12))
	for round := range 4 {
		inc := create(t, s, bot.StatusInvestigating, bot.P2)
		ms := timeline(t, s, inc.ID)[0].Arrived().UnixMilli()
		for i := range 70 {
			ms += rnd.Int64N(int64(bot.HoldBack/time.Millisecond) / 3)
			ref := fmt.Sprintf("r%d", rnd.IntN(12))
			switch rnd.IntN(5) {
			case 0, 1:
				addAt(t, s, inc.ID, ms, bot.KindMessage, ref, "")
			case 2:
				addAt(t, s, inc.ID, ms, bot.KindEdit, "", ref)
			case 3:
				addAt(t, s, inc.ID, ms, bot.KindDelete, "", ref)
			default:
				if i%2 == 0 {
					addAt(t, s, inc.ID, ms, bot.KindFlag, "", ref)
				} else {
					addAt(t, s, inc.ID, ms, bot.KindStatus, "", "")
				}
			}
		}
		if round >= 2 {
			require.NoError(t, s.Client().Del(ctx, store.ReferringKey(s, inc.ID)).Err())
		}
		stream := timeline(t, s, inc.ID)
		want, _ := bot.InOrder(stream, false)
		require.NotEqual(t, stream, want, "round %d: the random timeline has entries out of order", round)

		all, err := s.Timeline(ctx, inc.ID, store.TimelineQuery{InOrder: true})
		require.NoError(t, err)
		require.Equal(t, want, all)
		notable, through, err := s.TimelineNotable(ctx, inc.ID)
		require.NoError(t, err)
		require.Equal(t, stream[len(stream)-1].ID, through)
		require.Equal(t, notablePart(want), notable, "the notable part, in reading order")
		if round >= 2 { // written before the notable index: filled from the timeline
			require.NoError(t, s.Client().Del(ctx, store.NotableKey(s, inc.ID), store.RefsKey(s, inc.ID)).Err())
			_, _, err := s.TimelineNotable(ctx, inc.ID)
			require.ErrorIs(t, err, store.ErrNotIndexed)
			store.SetTimelinePage(t, 16)
			require.NoError(t, s.IndexNotable(ctx, inc.ID))
			filled, _, err := s.TimelineNotable(ctx, inc.ID)
			require.NoError(t, err)
			require.Equal(t, notable, filled, "round %d: filled", round)
		}
		for _, page := range []int64{1, 2, 5, 16, 1000} {
			store.SetTimelinePage(t, page)
			for range 2 { // it can be read again
				var seq []bot.TimelineEntry
				for e, err := range s.TimelineEntries(ctx, inc.ID) {
					require.NoError(t, err)
					seq = append(seq, e)
				}
				require.Equal(t, want, seq, "TimelineEntries by pages of %d", page)
			}
		}
		require.Equal(t, stream, timeline(t, s, inc.ID), "the stream is not rewritten")

		for n := 1; n <= len(want)+2; n++ {
			got, err := s.Timeline(ctx, inc.ID, store.TimelineQuery{Last: n, InOrder: true})
			require.NoError(t, err)
			require.Equal(t, want[max(len(want)-n, 0):], got, "last %d", n)
		}
		for _, size := range []int{1, 2, 3, 7, 50, 500} {
			var paged []bot.TimelineEntry
			q := store.TimelineQuery{Limit: size, InOrder: true}
			for {
				page, err := s.Timeline(ctx, inc.ID, q)
				require.NoError(t, err)
				require.LessOrEqual(t, len(page), size)
				paged = append(paged, page...)
				if len(page) < size {
					break
				}
				q.After = page[len(page)-1].ID
			}
			require.Equal(t, want, paged, "pages of %d", size)
		}
		// After a time between entries: what follows it in the stream, in
		// reading order, plus what was moved behind those.
		mid := stream[len(stream)/2]
		after := strconv.FormatInt(mid.Arrived().UnixMilli()+1, 10)
		got, err := s.Timeline(ctx, inc.ID, store.TimelineQuery{After: after, InOrder: true})
		require.NoError(t, err)
		marked := slices.Insert(slices.Clone(stream), len(stream)/2+1, bot.TimelineEntry{ID: after, Kind: "mark"})
		wantAfter, _ := bot.InOrder(marked, false)
		i := slices.IndexFunc(wantAfter, func(e bot.TimelineEntry) bool { return e.Kind == "mark" })
		require.Equal(t, wantAfter[i+1:], got)
	}
}

// TestTimelineNotable: TimelineNotable gives what a draft needs before
// its timeline and not the plain messages, and the ID of the last entry
// then, through which TimelineEntriesThrough reads however the incident
// goes on; an incident written before the index says so.
func TestTimelineNotable(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	msg := func(ref, text string) bot.TimelineEntry {
		return bot.TimelineEntry{Kind: bot.KindMessage, Ref: ref, Text: text, Author: bot.User{ID: "U1", Name: "alice"}}
	}
	_, err := s.Append(ctx, inc.ID, msg("m1", "db is slow"), msg("m2", "plain"), msg("m3", "pinned"),
		bot.TimelineEntry{Kind: bot.KindAlert, Text: "HighLatency firing"},
		bot.TimelineEntry{Kind: bot.KindEdit, RefersTo: "m1", Text: "db is very slow"},
		msg("m4", "plain too"), msg("m3", "the same ref again"),
		bot.TimelineEntry{Kind: bot.KindNote, Text: "rollback", Key: true, Ref: "n1"},
		bot.TimelineEntry{Kind: bot.KindFlag, RefersTo: "m3", Key: true, Data: map[string]string{"flag": "on", "by": "pin"}},
		bot.TimelineEntry{Kind: bot.KindStatus, Data: map[string]string{"from": "investigating", "to": "identified"}})
	require.NoError(t, err)
	stream := timeline(t, s, inc.ID)
	notable, through, err := s.TimelineNotable(ctx, inc.ID)
	require.NoError(t, err)
	require.Equal(t, stream[len(stream)-1].ID, through)
	var texts []string
	for _, e := range notable {
		texts = append(texts, string(e.Kind)+" "+e.Text)
	}
	require.Equal(t, []string{"declared declared", "message db is slow", "message pinned", "edit db is very slow",
		"message the same ref again", "note rollback", "flag ", "status "}, texts)
	require.Equal(t, notablePart(stream), notable)

	_, err = s.Append(ctx, inc.ID, bot.TimelineEntry{Kind: bot.KindNote, Text: "later", Key: true}, msg("m5", "later"))
	require.NoError(t, err)
	var read []bot.TimelineEntry
	for e, err := range s.TimelineEntriesThrough(ctx, inc.ID, through) {
		require.NoError(t, err)
		read = append(read, e)
	}
	require.Equal(t, stream, read, "read through the entry TimelineNotable saw last")

	empty := &bot.Incident{ID: inc.ID + 1, Title: "empty", Status: bot.StatusInvestigating}
	require.NoError(t, s.Create(ctx, empty))
	notable, through, err = s.TimelineNotable(ctx, empty.ID)
	require.NoError(t, err)
	require.Empty(t, notable)
	for _, err := range s.TimelineEntriesThrough(ctx, empty.ID, through) {
		require.NoError(t, err)
		t.Fatal("an empty timeline stays empty")
	}

	stream = timeline(t, s, inc.ID)
	require.NoError(t, s.Client().Del(ctx, store.NotableKey(s, inc.ID), store.RefsKey(s, inc.ID)).Err())
	_, _, err = s.TimelineNotable(ctx, inc.ID)
	require.ErrorIs(t, err, store.ErrNotIndexed, "an incident written before the index")
	// A message with a Ref appended before the fill indexes itself.
	_, err = s.Append(ctx, inc.ID, msg("m1", "the first message's Ref again"),
		bot.TimelineEntry{Kind: bot.KindDelete, RefersTo: "m1"})
	require.NoError(t, err)
	store.SetTimelinePage(t, 3)
	require.NoError(t, s.IndexNotable(ctx, inc.ID))
	notable, _, err = s.TimelineNotable(ctx, inc.ID)
	require.NoError(t, err)
	inOrder, _ := bot.InOrder(timeline(t, s, inc.ID), false)
	require.Equal(t, notablePart(inOrder), notable, "filled from the timeline")
	require.Greater(t, len(notable), len(notablePart(stream)))
	_, _, err = s.TimelineNotable(ctx, 999)
	requireNotFound(t, err)
}

// TimelineEntries read again gives what its first read gave, however the
// incident went on meanwhile; a new one gives what was added.
func TestTimelineEntriesRereads(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	store.SetTimelinePage(t, 2)
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	for i := range 4 {
		_, err := s.Append(ctx, inc.ID, bot.TimelineEntry{Kind: bot.KindMessage, Text: fmt.Sprint("m", i), Ref: fmt.Sprint("r", i)})
		require.NoError(t, err)
	}
	read := func(seq iter.Seq2[bot.TimelineEntry, error]) []bot.TimelineEntry {
		var out []bot.TimelineEntry
		for e, err := range seq {
			require.NoError(t, err)
			out = append(out, e)
		}
		return out
	}
	seq := s.TimelineEntries(ctx, inc.ID)
	first := read(seq)
	require.Equal(t, timeline(t, s, inc.ID), first)
	_, err := s.Append(ctx, inc.ID, bot.TimelineEntry{Kind: bot.KindNote, Text: "later", Key: true})
	require.NoError(t, err)
	require.Equal(t, first, read(seq), "the same entries again")
	require.Len(t, read(s.TimelineEntries(ctx, inc.ID)), len(first)+1)
}

func TestTimelineInOrderNotFound(t *testing.T) {
	s := newStore(t)
	n := 0
	for e, err := range s.TimelineEntries(context.Background(), 999) {
		require.ErrorIs(t, err, bot.ErrNotFound)
		require.Zero(t, e)
		n++
	}
	require.Equal(t, 1, n, "the error is the only element")
	for _, q := range []store.TimelineQuery{{InOrder: true}, {InOrder: true, Last: 3}, {InOrder: true, After: "1-0", Limit: 2}} {
		_, err := s.Timeline(context.Background(), 99, q)
		requireNotFound(t, err)
	}
}

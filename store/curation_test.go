package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

func TestCurationRoundTrip(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	other := create(t, s, bot.StatusInvestigating, bot.P2)

	got, err := s.Append(ctx, inc.ID,
		bot.TimelineEntry{Kind: bot.KindMessage, Text: "deploy going out", Ref: "m1"},
		bot.TimelineEntry{Kind: bot.KindMessage, Text: "noise", Ref: "m2"})
	require.NoError(t, err)
	msg, noise := got[0], got[1]

	back, err := s.AppendCuration(ctx, inc.ID, bot.TimelineEntry{Kind: bot.KindNote, At: t0.Add(-time.Hour), Text: "deploy started",
		Data: map[string]string{bot.DataAddedAt: t0.Format(time.RFC3339)}})
	require.NoError(t, err)
	require.NotEmpty(t, back.ID)
	_, err = s.AppendCuration(ctx, inc.ID, bot.TimelineEntry{Kind: bot.KindCorrection, Target: msg.ID, Text: "deploy 4f2a going out"})
	require.NoError(t, err)
	_, err = s.AppendCuration(ctx, inc.ID, bot.TimelineEntry{Kind: bot.KindHide, Target: noise.ID})
	require.NoError(t, err)

	_, err = s.AppendCuration(ctx, inc.ID, bot.TimelineEntry{Kind: bot.KindMessage, Text: "plain"})
	require.Error(t, err, "only curation entries go on the curation list")
	_, err = s.AppendCuration(ctx, 999, bot.TimelineEntry{Kind: bot.KindHide, Target: noise.ID})
	requireNotFound(t, err)

	// The stream holds every change as an entry of its own, the target
	// field included; nothing was rewritten.
	all := timeline(t, s, inc.ID)
	require.Len(t, all, 6)
	require.Equal(t, "deploy going out", all[1].Text)
	require.Equal(t, bot.KindCorrection, all[4].Kind)
	require.Equal(t, msg.ID, all[4].Target)

	cur, err := s.Curation(ctx, inc.ID)
	require.NoError(t, err)
	require.Len(t, cur.Changes, 3)
	require.Contains(t, cur.Targets, msg.ID)
	require.Contains(t, cur.Targets, noise.ID)
	hidden, known := cur.State(noise.ID)
	require.True(t, hidden && known)

	view := cur.Curate(all, time.Time{}, time.Time{})
	var texts []string
	for _, e := range view {
		texts = append(texts, e.Text)
		if e.ID == msg.ID {
			require.Equal(t, []string{"deploy going out"}, []string{e.Versions[0].Text}, "the history keeps the recorded text")
		}
	}
	require.Equal(t, []string{"deploy started", "declared", "deploy 4f2a going out", "noise"}, texts,
		"the backdated note comes at its time, the correction applies, curation entries are no entries of the view")
	require.True(t, view[3].Hidden)

	none, err := s.Curation(ctx, other.ID)
	require.NoError(t, err)
	require.True(t, none.Empty())
	_, err = s.Curation(ctx, 999)
	requireNotFound(t, err)

	e, err := s.Entry(ctx, inc.ID, msg.ID)
	require.NoError(t, err)
	require.Equal(t, "deploy going out", e.Text)
	for _, x := range timeline(t, s, other.ID) {
		if x.ID != back.ID {
			_, err = s.Entry(ctx, inc.ID, back.ID)
			require.NoError(t, err)
			_, err = s.Entry(ctx, other.ID, back.ID)
			requireNotFound(t, err, "another incident's entry is not in this one")
		}
	}
	_, err = s.Entry(ctx, inc.ID, "nonsense")
	requireNotFound(t, err)
}

func TestTailTimelineSeesAnotherClientsEntry(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	replica := newReplica(t, s)

	// From now: the declaration already there is not returned.
	type result struct {
		got  []bot.TimelineEntry
		last string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		got, last, err := s.TailTimeline(ctx, inc.ID, "", 5*time.Second)
		done <- result{got, last, err}
	}()
	time.Sleep(700 * time.Millisecond) // past one slice of the block
	written, err := replica.Append(ctx, inc.ID, bot.TimelineEntry{Kind: bot.KindMessage, Text: "said elsewhere"})
	require.NoError(t, err)
	var r result
	select {
	case r = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("tail did not return within its block")
	}
	require.NoError(t, r.err)
	require.Len(t, r.got, 1)
	require.Equal(t, "said elsewhere", r.got[0].Text)
	require.Equal(t, written[0].ID, r.last)

	// After an ID: what came after it, at once.
	all := timeline(t, s, inc.ID)
	got, last, err := s.TailTimeline(ctx, inc.ID, all[0].ID, time.Second)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, written[0].ID, last)

	// Nothing new within the block: no entries, the same cursor.
	start := time.Now()
	got, last, err = s.TailTimeline(ctx, inc.ID, written[0].ID, 300*time.Millisecond)
	require.NoError(t, err)
	require.Empty(t, got)
	require.Equal(t, written[0].ID, last)
	require.Less(t, time.Since(start), 2*time.Second)

	_, _, err = s.TailTimeline(ctx, 999, "", time.Second)
	requireNotFound(t, err)
	_, _, err = s.TailTimeline(ctx, inc.ID, "bad", time.Second)
	require.Error(t, err)
}

func TestTailTimelineEndsWithItsContext(t *testing.T) {
	s := newStore(t)
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := s.TailTimeline(ctx, inc.ID, "", time.Minute)
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		require.True(t, errors.Is(err, context.Canceled), "got %v", err)
	case <-time.After(3 * time.Second):
		t.Fatal("a cancelled tail kept waiting")
	}
}

func TestTimelinePagesForward(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	batch := make([]bot.TimelineEntry, 120)
	for i := range batch {
		batch[i] = bot.TimelineEntry{Kind: bot.KindMessage, Text: "m"}
	}
	_, err := s.Append(ctx, inc.ID, batch...)
	require.NoError(t, err)
	// A client pages with the last ID it got, 50 at a time: every entry once.
	seen, after := 0, ""
	for {
		page, err := s.Timeline(ctx, inc.ID, store.TimelineQuery{After: after, Limit: 50, InOrder: true})
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		seen += len(page)
		after = page[len(page)-1].ID
	}
	require.Equal(t, 121, seen)
}

func TestTimelinePagesBack(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := create(t, s, bot.StatusInvestigating, bot.P2)
	var batch []bot.TimelineEntry
	for i := range 40 {
		batch = append(batch, bot.TimelineEntry{Kind: bot.KindMessage, Text: fmt.Sprintf("m%d", i), Ref: fmt.Sprintf("r%d", i)})
		if i%7 == 3 {
			// An edit that overtook the message after it: read after that message.
			batch[len(batch)-1] = bot.TimelineEntry{Kind: bot.KindEdit, Text: fmt.Sprintf("edit of m%d", i+1), RefersTo: fmt.Sprintf("r%d", i+1)}
		}
	}
	_, err := s.Append(ctx, inc.ID, batch...)
	require.NoError(t, err)
	all, err := s.Timeline(ctx, inc.ID, store.TimelineQuery{InOrder: true})
	require.NoError(t, err)
	require.Len(t, all, 41)

	// From the newest, 6 at a time back: every entry once, in reading order.
	var back []bot.TimelineEntry
	page, err := s.Timeline(ctx, inc.ID, store.TimelineQuery{Last: 6, InOrder: true})
	require.NoError(t, err)
	for len(page) > 0 {
		back = append(slices.Clone(page), back...)
		page, err = s.Timeline(ctx, inc.ID, store.TimelineQuery{Last: 6, Before: page[0].ID, InOrder: true})
		require.NoError(t, err)
	}
	require.Equal(t, texts(all), texts(back))

	// Before a message whose edit overtook it: the edit comes after it, so not before.
	var msg4 bot.TimelineEntry
	for _, e := range all {
		if e.Text == "m4" {
			msg4 = e
		}
	}
	got, err := s.Timeline(ctx, inc.ID, store.TimelineQuery{Last: 2, Before: msg4.ID, InOrder: true})
	require.NoError(t, err)
	require.Equal(t, []string{"m1", "m2"}, texts(got))

	// In stream order, the edit is where it arrived.
	got, err = s.Timeline(ctx, inc.ID, store.TimelineQuery{Last: 2, Before: msg4.ID})
	require.NoError(t, err)
	require.Equal(t, []string{"m2", "edit of m4"}, texts(got))
	_, err = s.Timeline(ctx, inc.ID, store.TimelineQuery{Before: "x"})
	require.Error(t, err)
}

func texts(es []bot.TimelineEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Text
	}
	return out
}

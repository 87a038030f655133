package web

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
)

// newIncident creates an incident in st and returns its ID.
func newIncident(t *testing.T, st *store.Store) int64 {
	t.Helper()
	n, err := st.NextID(context.Background())
	require.NoError(t, err)
	inc := &bot.Incident{ID: n, Title: "t", Status: bot.StatusInvestigating, Priority: bot.P2, Platform: "test"}
	require.NoError(t, st.Create(context.Background(), inc))
	return inc.ID
}

func TestSlowPageIsDroppedNotWaitedFor(t *testing.T) {
	st := storetest.New(t)
	id := newIncident(t, st)
	l := newLive(st, zap.NewNop())
	t.Cleanup(func() { require.NoError(t, l.close(context.Background())) })
	ctx := context.Background()
	slow, err := l.subscribe(ctx, id)
	require.NoError(t, err)
	fast, err := l.subscribe(ctx, id)
	require.NoError(t, err)
	require.Equal(t, 1, l.hubCount())

	// More reads of the hub than a page's buffer holds: the slow page
	// reads nothing, the fast one reads each at once.
	for i := range subscriberBuffer + 1 {
		written, err := st.Append(ctx, id, bot.TimelineEntry{Kind: bot.KindMessage, Text: "x"})
		require.NoError(t, err)
		select {
		case got := <-fast.ch:
			require.Equal(t, written[0].ID, got[len(got)-1].ID, i)
		case <-time.After(5 * time.Second):
			t.Fatalf("the fast page did not get entry %d", i)
		}
	}
	select {
	case <-slow.gone:
	case <-time.After(time.Second):
		t.Fatal("the slow page was not dropped")
	}
	select {
	case <-fast.gone:
		t.Fatal("the fast page was dropped")
	default:
	}
	l.unsubscribe(slow) // as its handler does; twice is harmless
	l.unsubscribe(slow)
	l.unsubscribe(fast)
	require.Equal(t, 0, l.hubCount(), "the last page left: its reader stops")
}

func TestSubscribeToAnUnknownIncident(t *testing.T) {
	st := storetest.New(t)
	l := newLive(st, zap.NewNop())
	t.Cleanup(func() { require.NoError(t, l.close(context.Background())) })
	_, err := l.subscribe(context.Background(), 999)
	require.ErrorIs(t, err, bot.ErrNotFound)
	require.Equal(t, 0, l.hubCount())
}

func TestCompareStreamIDs(t *testing.T) {
	require.Equal(t, -1, compareStreamIDs("9-0", "10-0"), "numerically, not as text")
	require.Equal(t, -1, compareStreamIDs("10-2", "10-10"))
	require.Equal(t, 0, compareStreamIDs("10-1", "10-1"))
	require.Equal(t, 1, compareStreamIDs("11-0", "10-99"))
	require.True(t, validStreamID("1-0"))
	require.False(t, validStreamID("1"))
	require.False(t, validStreamID("a-0"))
	require.False(t, validStreamID("1-0\nevent: x"))
}

package app

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
)

// TestOverflowKeeperAdoptsADeadReplica: a serving replica sends its
// heartbeat under its overflow's name and, at once, takes over the events
// a replica that stopped left waiting in Redis, handling them in order.
func TestOverflowKeeperAdoptsADeadReplica(t *testing.T) {
	st := storetest.New(t)
	ctx := context.Background()

	// The replica that dies: its one worker never gets through, so all but
	// the first events wait in Redis when it stops.
	ov, err := st.Overflow("router-dead")
	require.NoError(t, err)
	dead := bot.NewRouter(bot.Options{Workers: 1, Queue: 1, Overflow: ov})
	require.NoError(t, dead.Mount(bot.Handlers{Messages: func(ctx context.Context, _ []*bot.Request) error {
		<-ctx.Done()
		return ctx.Err()
	}}))
	dead.Register(bottest.New("test"))
	const n = 50
	for i := range n {
		require.NoError(t, dead.Dispatch(bot.Event{Kind: bot.EventMessage, Platform: "test", Channel: "C1", Text: strconv.Itoa(i)}))
	}
	gone, stop := context.WithCancel(ctx)
	stop()
	require.Error(t, dead.Close(gone))

	keeper, err := newOverflowKeeper(ctx, st, zap.NewNop())
	require.NoError(t, err)
	live := liveRouter(t, keeper.ov)
	var mu sync.Mutex
	var got []string
	live.record = func(text string) { mu.Lock(); got = append(got, text); mu.Unlock() }
	keeper.run(live.Router)
	t.Cleanup(keeper.close)

	alive, err := st.Alive(ctx, keeper.owner)
	require.NoError(t, err)
	require.True(t, alive, "the keeper's heartbeat")
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0 && got[len(got)-1] == strconv.Itoa(n-1)
	}, 10*time.Second, 10*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	require.GreaterOrEqual(t, len(got), n-2, "at most the dead replica's queue and handler were lost")
	first, err := strconv.Atoi(got[0])
	require.NoError(t, err)
	for k, text := range got {
		require.Equal(t, strconv.Itoa(first+k), text, "in order, once")
	}
}

// recordingRouter is a router whose messages go to record.
type recordingRouter struct {
	*bot.Router
	record func(text string)
}

func liveRouter(t *testing.T, ov *store.Overflow) *recordingRouter {
	t.Helper()
	rr := &recordingRouter{Router: bot.NewRouter(bot.Options{Workers: 2, Queue: 4, Overflow: ov})}
	require.NoError(t, rr.Mount(bot.Handlers{Messages: func(_ context.Context, reqs []*bot.Request) error {
		for _, req := range reqs {
			rr.record(req.Event.Text)
		}
		return nil
	}}))
	rr.Register(bottest.New("test"))
	t.Cleanup(func() { _ = rr.Close(context.Background()) })
	return rr
}

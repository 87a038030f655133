package store_test

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
	"github.com/warroomhq/warroom/store"
)

// codecPlatform is a test platform whose replies are strings that survive
// the overflow, as Slack's response URLs do.
type codecPlatform struct{ *bottest.Platform }

func (codecPlatform) EncodeReply(reply any) ([]byte, error) { return json.Marshal(reply) }
func (codecPlatform) DecodeReply(b []byte) (any, error) {
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
}

// recorder keeps what a router's handlers were given, in order.
type recorder struct {
	mu       sync.Mutex
	messages []string
	commands map[string]string // text → reply handle
}

func (rc *recorder) texts() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.messages...)
}

// overflowRouter is a router with a tiny queue on the overflow of owner.
// Each batch of messages and each command takes a while (slow), so that
// a burst does not fit the queue.
func overflowRouter(t *testing.T, s *store.Store, owner string, slow time.Duration, gate <-chan struct{}) (*bot.Router, *recorder) {
	t.Helper()
	ov, err := s.Overflow(owner)
	require.NoError(t, err)
	r := bot.NewRouter(bot.Options{Workers: 2, Queue: 4, Overflow: ov})
	rc := &recorder{commands: map[string]string{}}
	wait := func(ctx context.Context) error {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
		time.Sleep(slow)
		return nil
	}
	require.NoError(t, r.Mount(bot.Handlers{
		Messages: func(ctx context.Context, reqs []*bot.Request) error {
			if err := wait(ctx); err != nil {
				return err // this replica is going away: not recorded
			}
			rc.mu.Lock()
			defer rc.mu.Unlock()
			for _, req := range reqs {
				rc.messages = append(rc.messages, req.Event.Text)
			}
			return nil
		},
		Routes: []bot.Route{{Name: "ping", Handler: func(ctx context.Context, req *bot.Request) error {
			if err := wait(ctx); err != nil {
				return err
			}
			rc.mu.Lock()
			defer rc.mu.Unlock()
			reply, _ := req.Event.Reply.(string)
			rc.commands[req.Command.Args[0]] = reply
			return nil
		}}},
	}))
	r.Register(codecPlatform{bottest.New("test")})
	return r, rc
}

func message(i int) bot.Event {
	return bot.Event{Kind: bot.EventMessage, Platform: "test", Channel: "C1", Text: strconv.Itoa(i)}
}

func open() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

func TestOverflowKeepsABurstInOrderAndRefusesNobody(t *testing.T) {
	s := newStore(t)
	r, rc := overflowRouter(t, s, "replica-a", time.Millisecond, open())
	const burst, people = 5000, 200
	for i := range burst {
		require.NoError(t, r.Dispatch(message(i)), "message %d", i)
	}
	// Every queue is full by now, and the workers are slow: the commands
	// wait in Redis too, with their reply handles.
	for i := range people {
		id := strconv.Itoa(i)
		require.NoError(t, r.Dispatch(bot.Event{Kind: bot.EventCommand, Platform: "test", Channel: "C2",
			Text: "ping " + id, Reply: "https://hooks.example/" + id}), "command %d", i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, r.Close(ctx)) // Close drains the overflow too

	want := make([]string, burst)
	for i := range want {
		want[i] = strconv.Itoa(i)
	}
	require.Equal(t, want, rc.texts(), "every message once, in order")
	require.Len(t, rc.commands, people)
	for id, reply := range rc.commands {
		require.Equal(t, "https://hooks.example/"+id, reply)
	}
	n, err := s.AdoptOverflows(ctx, "replica-b", time.Minute, func(b [][]byte) (int, error) { return len(b), nil })
	require.NoError(t, err)
	require.Zero(t, n, "nothing left behind")
}

func TestOverflowOfADeadReplicaIsAdopted(t *testing.T) {
	s := newStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	gate := make(chan struct{}) // replica A's handlers never get through
	a, arc := overflowRouter(t, s, "replica-a", 0, gate)
	const burst = 1000
	for i := range burst {
		require.NoError(t, a.Dispatch(message(i)))
	}
	// A stops without waiting: what was in its queues is lost with it,
	// what waits in Redis is not.
	gone, stop := context.WithCancel(ctx)
	stop()
	require.Error(t, a.Close(gone))
	require.Empty(t, arc.texts())

	b, brc := overflowRouter(t, s, "replica-b", 0, open())
	adopt := func(batch [][]byte) (int, error) { return b.Adopt(batch) }

	// While A's heartbeat lives, its overflow is its own.
	require.NoError(t, s.Heartbeat(ctx, "replica-a", time.Minute))
	n, err := s.AdoptOverflows(ctx, "replica-b", time.Minute, adopt)
	require.NoError(t, err)
	require.Zero(t, n)

	require.NoError(t, s.Heartbeat(ctx, "replica-a", time.Millisecond))
	time.Sleep(5 * time.Millisecond)
	n, err = s.AdoptOverflows(ctx, "replica-b", time.Minute, adopt)
	require.NoError(t, err)
	require.NoError(t, b.Close(ctx))

	got := brc.texts()
	require.Len(t, got, n)
	require.Greater(t, n, burst-10, "at most A's queues were lost")
	first, err := strconv.Atoi(got[0])
	require.NoError(t, err)
	for k, text := range got {
		require.Equal(t, strconv.Itoa(first+k), text, "adopted in order, once")
	}
	require.Equal(t, strconv.Itoa(burst-1), got[len(got)-1])

	n, err = s.AdoptOverflows(ctx, "replica-c", time.Minute, adopt)
	require.NoError(t, err)
	require.Zero(t, n, "adopted once")
}

// Alerts are machine traffic: with their worker's queue full they are
// still refused busy (the source retries), and wait nowhere.
func TestOverflowStillRefusesAlerts(t *testing.T) {
	s := newStore(t)
	gate := make(chan struct{})
	r, _ := overflowRouter(t, s, "replica-a", 0, gate)
	t.Cleanup(func() { _ = r.Close(context.Background()) })
	defer close(gate) // before Close
	// Ten commands hold both workers and fill both queues; the rest wait
	// in Redis.
	for i := range 10 {
		require.NoError(t, r.Dispatch(bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "ping " + strconv.Itoa(i)}))
	}
	alert := bot.Event{Kind: bot.EventAlert, Alert: &bot.Alert{Source: "webhook", DedupKey: "disk"}}
	var busy int
	for range 20 {
		if bot.CodeOf(r.Dispatch(alert)) == bot.CodeBusy {
			busy++
		}
	}
	require.Positive(t, busy, "a full queue refuses alerts")
	var waiting []bot.EventKind
	_, err := s.AdoptOverflows(context.Background(), "replica-b", time.Minute, func(b [][]byte) (int, error) {
		for _, e := range b {
			var w struct{ E bot.Event }
			require.NoError(t, json.Unmarshal(e, &w))
			waiting = append(waiting, w.E.Kind)
		}
		return len(b), nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, waiting, "commands wait in Redis")
	require.NotContains(t, waiting, bot.EventAlert, "no alert waits in Redis")
}

// TestOverflowIsBounded: a shard's list takes events up to its bound and
// refuses a push past it whole, appending none of it (the router then
// answers busy); what it holds is unchanged and still pops in order.
func TestOverflowIsBounded(t *testing.T) {
	s := newStore(t)
	ov, err := s.Overflow("replica-bounded")
	require.NoError(t, err)
	store.SetOverflowMax(ov, 3)
	ctx := context.Background()
	require.NoError(t, ov.Push(ctx, 0, [][]byte{[]byte("a"), []byte("b")}))
	require.ErrorIs(t, ov.Push(ctx, 0, [][]byte{[]byte("c"), []byte("d")}), store.ErrOverflowFull)
	require.NoError(t, ov.Push(ctx, 1, [][]byte{[]byte("x"), []byte("y"), []byte("z")}), "each shard has its own bound")
	require.NoError(t, ov.Push(ctx, 0, [][]byte{[]byte("c")}))
	got, err := ov.Pop(ctx, 0, 10)
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("a"), []byte("b"), []byte("c")}, got)
}

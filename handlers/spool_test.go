package handlers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
	"github.com/warroomhq/warroom/store"
)

// outageEnv is a store on a Redis that the test stops and starts, with a
// spool and its replayer.
type outageEnv struct {
	t   *testing.T
	st  *store.Store
	sp  *store.Spool
	svc *Service
	r   *bot.Router
	p   *bottest.Platform
	// stopReplayer stops replaySpool (what Run runs) and waits for it to return.
	stopReplayer func()
}

func newOutageEnv(t *testing.T, rdb redis.UniversalClient, spoolPath string, spoolMax int64) *outageEnv {
	t.Helper()
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	st, err := store.New(rdb, store.Options{Prefix: "outage:", Log: log})
	require.NoError(t, err)
	sp, err := store.OpenSpool(spoolPath, spoolMax, log)
	require.NoError(t, err)
	r := bot.NewRouter(bot.Options{Lang: bot.English, Log: log, Timeout: 10 * time.Second})
	svc, err := New(st, r, Options{Spool: sp, Log: log})
	require.NoError(t, err)
	p := bottest.New("test")
	r.Register(p)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.replaySpool(ctx); close(done) }()
	stop := func() { cancel(); <-done }
	e := &outageEnv{t: t, st: st, sp: sp, svc: svc, r: r, p: p, stopReplayer: stop}
	t.Cleanup(func() {
		stop()
		_ = r.Close(context.Background())
		_ = svc.Close(context.Background())
		_ = sp.Close()
	})
	return e
}

func (e *outageEnv) declare() *bot.Incident {
	e.t.Helper()
	ctx := context.Background()
	require.NoError(e.t, e.r.Serve(ctx, bot.Event{Kind: bot.EventCommand, Platform: "test",
		User: bot.User{ID: "U1", Name: "alice"}, Channel: "CGEN", Text: "declare Redis outage drill P2"}))
	incs, err := e.st.List(ctx, store.ListQuery{})
	require.NoError(e.t, err)
	require.Len(e.t, incs, 1)
	return incs[0]
}

// message is channel message i of the test, posted at.
func message(channel string, i int, at time.Time) bot.Event {
	return bot.Event{ID: "ev" + strconv.Itoa(i), Kind: bot.EventMessage, Platform: "test", Channel: channel,
		User: bot.User{ID: "U2", Name: "bob"}, Text: fmt.Sprintf("msg %d", i), Ref: fmt.Sprintf("m%d", i), At: at}
}

// waitDrained waits until the spool is empty.
func (e *outageEnv) waitDrained(within time.Duration) {
	e.t.Helper()
	require.Eventually(e.t, func() bool { return e.sp.Len() == 0 }, within, 20*time.Millisecond,
		"spool still holds %d entries", e.sp.Len())
}

// messages returns the texts and times of the message entries on the
// incident's timeline, in order.
func (e *outageEnv) messages(id int64) ([]string, []time.Time) {
	e.t.Helper()
	tl, err := e.st.Timeline(context.Background(), id, store.TimelineQuery{})
	require.NoError(e.t, err)
	var texts []string
	var ats []time.Time
	for _, en := range tl {
		if en.Kind == bot.KindMessage {
			texts = append(texts, en.Text)
			ats = append(ats, en.At)
		}
	}
	return texts, ats
}

// TestRedisOutageSpoolsTimeline stops a real redis-server for 20 s while
// 1,000 channel messages arrive, starts it again and checks that every
// message is on the timeline exactly once, in order, with its own time.
func TestRedisOutageSpoolsTimeline(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not installed; CI must run the outage test")
		}
		t.Skip("redis-server is not installed")
	}
	if testing.Short() && os.Getenv("CI") == "" {
		t.Skip("the outage test takes 30 s")
	}
	dir := t.TempDir()
	port := freePort(t)
	srv := startRedisServer(t, bin, dir, port)
	ctx := context.Background()
	rdb, err := store.Dial(ctx, "redis://127.0.0.1:"+strconv.Itoa(port))
	require.NoError(t, err)
	t.Cleanup(func() { _ = rdb.Close() })
	e := newOutageEnv(t, rdb, filepath.Join(dir, "spool", "spool.jsonl"), 64<<20)
	inc := e.declare()
	ch := inc.Channel.ID

	const before, during, after = 5, 1000, 5
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed []error
	var ats []time.Time
	send := func(i int) {
		at := time.Now().UTC().Truncate(time.Millisecond)
		ats = append(ats, at)
		ev := message(ch, i, at)
		wg.Add(1)
		ev.Done = func(err error) {
			if err != nil {
				mu.Lock()
				failed = append(failed, err)
				mu.Unlock()
			}
			wg.Done()
		}
		if err := e.r.Dispatch(ev); err != nil {
			wg.Done()
			mu.Lock()
			failed = append(failed, err)
			mu.Unlock()
		}
	}
	for i := range before {
		send(i)
	}
	wg.Wait()

	outage := time.Now()
	srv.stop()
	require.Error(t, e.st.Ping(ctx), "redis is down")

	// A command gets the storage answer, and changes nothing.
	err = e.r.Serve(ctx, bot.Event{Kind: bot.EventCommand, Platform: "test", User: bot.User{ID: "U1", Name: "alice"},
		Channel: ch, Text: "note checking the replicas"})
	require.ErrorIs(t, err, bot.ErrUnavailable)
	reply, ok := e.p.Last("Reply")
	require.True(t, ok)
	require.Equal(t, bot.T(bot.English, "err.unavailable"), strings.TrimSpace(bottest.Text(reply.Msg)))

	// 1,000 messages over the 20 s outage.
	tick := time.NewTicker(20 * time.Second / during)
	for i := before; i < before+during; i++ {
		<-tick.C
		send(i)
	}
	tick.Stop()
	wg.Wait()
	require.Empty(t, failed)
	require.Equal(t, during, e.sp.Len(), "every message of the outage is spooled")
	time.Sleep(time.Until(outage.Add(20 * time.Second)))

	startRedisServer(t, bin, dir, port) // killed at cleanup
	e.waitDrained(15 * time.Second)
	for i := before + during; i < before+during+after; i++ {
		send(i)
	}
	wg.Wait()
	require.Empty(t, failed)

	texts, got := e.messages(inc.ID)
	want := make([]string, before+during+after)
	for i := range want {
		want[i] = fmt.Sprintf("msg %d", i)
	}
	require.Equal(t, want, texts, "every message exactly once, in order")
	for i := range got {
		require.True(t, ats[i].Equal(got[i]), "message %d keeps its time: %v, want %v", i, got[i], ats[i])
	}
	require.Zero(t, e.sp.Size(), "the replayed spool is truncated")
	require.NoError(t, e.st.Ping(ctx))
}

// TestSpoolReplay covers the replayer on an embedded Redis: per-channel
// order, channels that are no incident's, and a replay that must not
// repeat an entry that already reached the timeline.
func TestSpoolReplay(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	spoolPath := filepath.Join(t.TempDir(), "spool.jsonl")
	e := newOutageEnv(t, rdb, spoolPath, 64<<20)
	inc := e.declare()
	ch := inc.Channel.ID
	ctx := context.Background()
	base := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

	mr.Close()
	for i := range 20 {
		require.NoError(t, e.r.Serve(ctx, message(ch, i, base.Add(time.Duration(i)*time.Second))))
	}
	require.NoError(t, e.r.Serve(ctx, message("CGEN", 100, base)), "a channel that is no incident's is spooled too")
	require.Equal(t, 21, e.sp.Len())
	require.True(t, e.sp.Pending("test", ch))

	require.NoError(t, mr.Restart())
	e.waitDrained(5 * time.Second)
	texts, ats := e.messages(inc.ID)
	require.Len(t, texts, 20)
	for i := range texts {
		require.Equal(t, fmt.Sprintf("msg %d", i), texts[i])
		require.Equal(t, base.Add(time.Duration(i)*time.Second), ats[i])
	}
	require.False(t, e.sp.Pending("test", ch))

	// Live again: straight to the timeline.
	require.NoError(t, e.r.Serve(ctx, message(ch, 20, base.Add(time.Minute))))
	require.Zero(t, e.sp.Len())
	texts, _ = e.messages(inc.ID)
	require.Len(t, texts, 21)

	// An append whose answer was lost (Tried) is not repeated, nor are the
	// records a crashed replayer had replayed before saving its offset.
	e.stopReplayer()
	spooled := time.Now()
	for i := 19; i <= 22; i++ {
		rec := store.SpoolRecord{Platform: "test", Channel: ch, Entry: bot.TimelineEntry{Kind: bot.KindMessage,
			At: base.Add(time.Duration(i) * time.Second), Author: bot.User{ID: "U2", Name: "bob"},
			Text: fmt.Sprintf("msg %d", i), Ref: fmt.Sprintf("m%d", i)}, Spooled: spooled}
		if i == 20 {
			rec.Entry.At = base.Add(time.Minute)
			rec.Tried, rec.Incident = true, inc.ID
		}
		require.NoError(t, e.sp.Add(rec))
	}
	require.False(t, e.svc.replay(ctx, e.sp, true), "nothing left in doubt")
	require.Zero(t, e.sp.Len())
	texts, _ = e.messages(inc.ID)
	require.Len(t, texts, 23, "msg 19 and msg 20 are already there; 21 and 22 are new")
	require.Equal(t, []string{"msg 19", "msg 20", "msg 21", "msg 22"}, texts[19:])
}

func TestSpoolFull(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	e := newOutageEnv(t, rdb, filepath.Join(t.TempDir(), "spool.jsonl"), 4096)
	inc := e.declare()
	// Fill the spool to its bound.
	rec := store.SpoolRecord{Platform: "test", Channel: "CX", Entry: bot.TimelineEntry{Kind: bot.KindMessage,
		Text: ""}} // smaller than any message
	for {
		if err := e.sp.Add(rec); err != nil {
			require.ErrorIs(t, err, store.ErrSpoolFull)
			break
		}
	}
	e.stopReplayer()
	mr.Close()
	err := e.r.Serve(context.Background(), message(inc.Channel.ID, 1, time.Now()))
	require.ErrorIs(t, err, store.ErrSpoolFull, "refused, reported, nothing crashes")
	require.False(t, errors.Is(err, bot.ErrNotFound))
}

// redisServer is a redis-server child process.
type redisServer struct {
	t   *testing.T
	cmd *exec.Cmd
}

// startRedisServer starts redis-server on 127.0.0.1:port, keeping its data
// in dir (append-only file, synced on every write) across restarts.
func startRedisServer(t *testing.T, bin, dir string, port int) *redisServer {
	t.Helper()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "yes", "--appendfsync", "always", "--dir", dir, "--daemonize", "no",
		"--logfile", filepath.Join(dir, "redis.log"))
	require.NoError(t, cmd.Start())
	s := &redisServer{t: t, cmd: cmd}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
		}
	})
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), MaxRetries: -1})
	defer func() { _ = rdb.Close() }()
	require.Eventually(t, func() bool {
		return rdb.Ping(context.Background()).Err() == nil
	}, 10*time.Second, 20*time.Millisecond, "redis-server did not start on port %d", port)
	return s
}

// stop sends SIGTERM and waits for the server to exit.
func (s *redisServer) stop() {
	s.t.Helper()
	require.NoError(s.t, s.cmd.Process.Signal(syscall.SIGTERM))
	_ = s.cmd.Wait()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

// outageHook makes every command fail as if Redis were gone while down is
// set, and calls afterRead (once) when the first read of an incident's
// record has answered.
type outageHook struct {
	down      *atomic.Bool
	afterRead func()
	once      sync.Once
}

func (h *outageHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *outageHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if h.down.Load() {
			return &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
		}
		err := next(ctx, cmd)
		if args := cmd.Args(); len(args) > 1 && strings.HasSuffix(fmt.Sprint(args[1]), "}") &&
			strings.Contains(fmt.Sprint(args[1]), ":inc:{") {
			h.once.Do(h.afterRead)
		}
		return err
	}
}

func (h *outageHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if h.down.Load() {
			return &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
		}
		return next(ctx, cmds)
	}
}

// Redis goes away in the middle of a batch, right after the batch looked
// its incident up, and another worker notices first: the entry collected
// before the outage was noticed goes to the spool (its append fails) ahead
// of the later ones, so the replay puts the batch on the timeline in the
// order it was said.
func TestBatchSpoolKeepsOrder(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	e := newOutageEnv(t, rdb, filepath.Join(t.TempDir(), "spool.jsonl"), 64<<20)
	inc := e.declare()
	ctx := context.Background()
	e.stopReplayer() // replayed by hand below
	down := &atomic.Bool{}
	rdb.AddHook(&outageHook{down: down, afterRead: func() {
		down.Store(true)
		e.sp.Outage() // as the router's Observe would on another worker's failure
	}})
	base := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	var reqs []*bot.Request
	for i := range 5 {
		ev := message(inc.Channel.ID, i, base.Add(time.Duration(i)*time.Second))
		reqs = append(reqs, &bot.Request{Event: &ev, Platform: e.p, Lang: bot.English, Log: zap.NewNop()})
	}
	require.NoError(t, e.svc.record(ctx, reqs))
	require.Equal(t, 5, e.sp.Len(), "all spooled: the first one's append failed too")

	down.Store(false)
	e.sp.Recovered()
	e.svc.replay(ctx, e.sp, true)
	require.Zero(t, e.sp.Len())
	texts, _ := e.messages(inc.ID)
	require.Equal(t, []string{"msg 0", "msg 1", "msg 2", "msg 3", "msg 4"}, texts)
}

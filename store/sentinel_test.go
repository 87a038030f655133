package store_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
)

// TestSentinelFailover: with REDIS_URL naming Sentinels (master_name=...),
// the store keeps its incidents when Sentinel promotes the replica: what was
// written before is read after, and writing goes on on the new master. It
// runs only when WARROOM_SENTINEL_FAILOVER=1 (.ci/run sets it, on the
// throwaway setup of .ci/redis-sentinel.sh), as it changes which server is
// the master.
func TestSentinelFailover(t *testing.T) {
	if os.Getenv("WARROOM_SENTINEL_FAILOVER") != "1" {
		t.Skip("set WARROOM_SENTINEL_FAILOVER=1 with a Sentinel REDIS_URL (.ci/redis-sentinel.sh)")
	}
	u, err := url.Parse(os.Getenv("REDIS_URL"))
	require.NoError(t, err)
	master := u.Query().Get("master_name")
	require.NotEmpty(t, master, "REDIS_URL names no master_name")
	sentinel := redis.NewSentinelClient(&redis.Options{Addr: u.Host})
	defer sentinel.Close()
	ctx := context.Background()
	before, err := sentinel.GetMasterAddrByName(ctx, master).Result()
	require.NoError(t, err)

	s := storetest.New(t)
	inc := &bot.Incident{ID: 1, Title: "Checkout is failing", Status: bot.StatusInvestigating, Priority: bot.P1}
	require.NoError(t, s.Create(ctx, inc, bot.TimelineEntry{Kind: bot.KindDeclared, Text: inc.Title}))
	_, err = s.Append(ctx, 1, bot.TimelineEntry{Kind: bot.KindMessage, Text: "before the failover"})
	require.NoError(t, err)
	// The replica must have it before it is promoted (WAIT for one
	// replica), and Sentinel must see a replica it could promote. This test
	// runs only when asked for, on a setup made for it, so a setup that
	// cannot fail over is a failure, not a skip.
	if !poll(30*time.Second, func() bool {
		n, err := s.Client().Do(ctx, "WAIT", 1, 1000).Int()
		return err == nil && n >= 1
	}) {
		t.Fatal("no replica acknowledged the writes within 30s (WAIT 1)")
	}
	if !poll(30*time.Second, func() bool { return promotable(ctx, sentinel, master) }) {
		t.Fatalf("Sentinel %s sees no healthy replica of %s: %s", u.Host, master, sentinelView(ctx, sentinel, master))
	}

	require.NoError(t, sentinel.Failover(ctx, master).Err())
	var after []string
	if !poll(30*time.Second, func() bool {
		a, err := sentinel.GetMasterAddrByName(ctx, master).Result()
		if err != nil || len(a) != 2 || a[1] == before[1] {
			return false
		}
		after = a
		return true
	}) {
		t.Fatalf("Sentinel did not promote the replica within 30s: %s", sentinelView(ctx, sentinel, master))
	}
	// Until the old master is turned into a replica it still takes writes
	// that would be lost: wait for that before writing again.
	old := redis.NewClient(&redis.Options{Addr: before[0] + ":" + before[1]})
	defer old.Close()
	require.Eventually(t, func() bool {
		role, err := old.Do(ctx, "ROLE").Slice()
		return err == nil && len(role) > 0 && role[0] == "slave"
	}, 30*time.Second, 200*time.Millisecond, "the old master became a replica")

	// Writes may be refused for a moment (READONLY) until the client
	// follows the switch; then they go on, and nothing is lost.
	require.Eventually(t, func() bool {
		_, err := s.Append(ctx, 1, bot.TimelineEntry{Kind: bot.KindMessage, Text: "after the failover"})
		return err == nil
	}, 30*time.Second, 200*time.Millisecond, "writing resumes on the new master")
	got, err := s.Get(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, inc.Title, got.Title)
	want := []string{"Checkout is failing", "before the failover", "after the failover"}
	require.Equal(t, want, timelineTexts(t, s))

	// And it is all on the new master itself.
	direct := redis.NewClient(&redis.Options{Addr: after[0] + ":" + after[1]})
	defer direct.Close()
	onNew, err := store.New(direct, store.Options{Prefix: s.Prefix()})
	require.NoError(t, err)
	require.Equal(t, want, timelineTexts(t, onNew))
}

func timelineTexts(t *testing.T, s *store.Store) []string {
	t.Helper()
	tl, err := s.Timeline(context.Background(), 1, store.TimelineQuery{})
	require.NoError(t, err)
	var texts []string
	for _, e := range tl {
		texts = append(texts, e.Text)
	}
	return texts
}

// poll calls cond every 200ms until it is true or d has passed, and says
// whether it became true. Unlike require.Eventually it runs cond on the
// test's goroutine, so cond may set the test's variables.
func poll(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// promotable says whether the Sentinel knows a replica of master that it
// would pick for a failover: flagged only "slave" (not down or
// disconnected), with its link to the master up and a non-zero priority.
func promotable(ctx context.Context, sentinel *redis.SentinelClient, master string) bool {
	replicas, err := sentinel.Replicas(ctx, master).Result()
	if err != nil {
		return false
	}
	for _, r := range replicas {
		if r["flags"] == "slave" && r["master-link-status"] == "ok" && r["slave-priority"] != "0" {
			return true
		}
	}
	return false
}

// sentinelView describes what the Sentinel thinks of master and its
// replicas, for a skip or failure message.
func sentinelView(ctx context.Context, sentinel *redis.SentinelClient, master string) string {
	m, err := sentinel.Master(ctx, master).Result()
	if err != nil {
		return "SENTINEL MASTER: " + err.Error()
	}
	view := fmt.Sprintf("master %s:%s flags=%s failover-state=%s;", m["ip"], m["port"], m["flags"], m["failover-state"])
	replicas, err := sentinel.Replicas(ctx, master).Result()
	if err != nil {
		return view + " SENTINEL REPLICAS: " + err.Error()
	}
	for _, r := range replicas {
		view += fmt.Sprintf(" replica %s flags=%s link=%s priority=%s offset=%s;",
			r["name"], r["flags"], r["master-link-status"], r["slave-priority"], r["slave-repl-offset"])
	}
	return view
}

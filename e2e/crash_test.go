package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
)

// stallingSlack is a proxy in front of the fake Slack Web API that holds
// one method, while stalling is on, until the caller goes away: a replica
// killed while it waits on conversations.create dies between writing its
// intent to declare and getting its channel; on conversations.invite,
// between recording the incident and posting its card.
type stallingSlack struct {
	srv      *httptest.Server
	stalling atomic.Bool
	stalled  chan struct{} // closed when the first create is held
	closing  chan struct{} // closed at cleanup, to let held requests go
	once     sync.Once
}

func newStallingSlack(t *testing.T, fake *fakeslack.Server, method string) *stallingSlack {
	t.Helper()
	target, err := url.Parse(fake.URL())
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	s := &stallingSlack{stalled: make(chan struct{}), closing: make(chan struct{})}
	s.stalling.Store(true)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/"+method) && s.stalling.Load() {
			// The body is read first: only then does the server notice the
			// caller's connection closing.
			_, _ = io.Copy(io.Discard, r.Body)
			s.once.Do(func() { close(s.stalled) })
			select { // the caller died: the request never reaches Slack
			case <-r.Context().Done():
			case <-s.closing:
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	t.Cleanup(func() { close(s.closing) }) // runs before Close
	return s
}

func (s *stallingSlack) apiURL() string { return s.srv.URL + "/api/" }

// TestCrashWhileDeclaring kills (SIGKILL) a `warroom serve` process while
// it declares an incident, then starts another on the same Redis: its
// reconciler finishes the declaration, with one channel, a pinned card and
// a word to the declarer. The first is killed after it wrote its intent
// and before Slack gave it the channel, or after it recorded the incident
// and before it posted the card.
func TestCrashWhileDeclaring(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two processes")
	}
	t.Run("before the channel", func(t *testing.T) { crashWhileDeclaring(t, "conversations.create") })
	t.Run("before the card", func(t *testing.T) { crashWhileDeclaring(t, "conversations.invite") })
}

func crashWhileDeclaring(t *testing.T, stallOn string) {
	fake := fakeslack.New(t)
	fake.AddUser("U0ALICE", "alice", "Alice", "en-US")
	general := fake.AddChannel("general", false, "U0ALICE", fakeslack.BotUserID)
	slack := newStallingSlack(t, fake, stallOn)

	cfgFile := filepath.Join(t.TempDir(), "warroom.yml")
	require.NoError(t, os.WriteFile(cfgFile, []byte("reminders:\n  every: 100ms\n"), 0o600))
	extra := map[string]string{
		"WARROOM_CONFIG":  cfgFile,
		"SLACK_BOT_TOKEN": fakeslack.BotToken, "SLACK_SIGNING_SECRET": fakeslack.SigningSecret,
		"SLACK_API_URL": slack.apiURL(), "SLACK_TEAM_ID": fakeslack.TeamID,
	}
	if os.Getenv("REDIS_URL") == "" {
		// Keys expire with the wall clock, as in Redis: the dead process's
		// heartbeat must run out.
		mr := miniredis.RunT(t)
		mr.ClockTTL(true)
		extra["REDIS_URL"] = "redis://" + mr.Addr()
	}
	getenv := testEnv(t, extra)
	opts, err := redis.ParseURL(getenv("REDIS_URL"))
	require.NoError(t, err)
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	pendingKey := getenv("WARROOM_REDIS_PREFIX") + "pending:{1}"
	ctx := context.Background()

	a := startReplica(t, "A", getenv)
	form := fake.SlashCommandForm("U0ALICE", general, "declare Checkout is failing P1")
	status, err := slackPost(a.base, "/slack/commands", []byte(form.Encode()), "application/x-www-form-urlencoded")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	select {
	case <-slack.stalled:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s never came:\n%s", stallOn, a.logs.String())
	}
	require.Eventually(t, func() bool {
		return rdb.Exists(ctx, pendingKey).Val() == 1
	}, 5*time.Second, 10*time.Millisecond, "the intent is written before the channel is asked for")

	require.NoError(t, a.cmd.Process.Kill()) // SIGKILL: no draining, no deferred cleanup
	<-a.done
	a.stopped = true
	require.Equal(t, int64(1), rdb.Exists(ctx, pendingKey).Val(), "the intent outlives the process")
	require.Empty(t, fake.Calls("pins.add"), "no card was pinned")
	recordKey := getenv("WARROOM_REDIS_PREFIX") + "inc:{1}"
	if stallOn == "conversations.create" {
		require.Empty(t, fake.Calls("conversations.create"), "no channel was made")
		require.Zero(t, rdb.Exists(ctx, recordKey).Val(), "no incident was recorded")
	} else {
		require.Len(t, fake.Calls("conversations.create"), 1)
		require.Equal(t, int64(1), rdb.Exists(ctx, recordKey).Val(), "the incident was recorded")
	}
	require.ErrorContains(t, a.err, "killed")

	slack.stalling.Store(false)
	b := startReplica(t, "B", getenv)
	pins := fake.WaitCalls("pins.add", 1, 15*time.Second)
	require.NotEmpty(t, pins, "the card is pinned:\n%s", b.logs.String())
	require.Eventually(t, func() bool {
		return rdb.Exists(ctx, pendingKey).Val() == 0
	}, 5*time.Second, 20*time.Millisecond, "the intent is ended")

	var list struct {
		Incidents []struct {
			Key     string `json:"key"`
			Title   string `json:"title"`
			Status  string `json:"status"`
			Channel struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"channel"`
		} `json:"incidents"`
	}
	require.Equal(t, http.StatusOK, getJSON(t, b.base+"/api/incidents", "", &list))
	require.Len(t, list.Incidents, 1, "exactly one incident")
	got := list.Incidents[0]
	require.Equal(t, "INC-1", got.Key)
	require.Equal(t, "Checkout is failing", got.Title)
	require.Equal(t, "investigating", got.Status)
	require.NotEmpty(t, got.Channel.ID)
	require.Len(t, fake.Calls("conversations.create"), 1, "one channel")
	ch, ok := fake.Channel(got.Channel.ID)
	require.True(t, ok, "the channel exists on Slack")
	require.Contains(t, ch.Name, "-1-checkout-is-failing")
	require.Len(t, ch.Pins, 1, "a pinned card")
	card, ok := ch.Message(ch.Pins[0])
	require.True(t, ok)
	require.Contains(t, card.Text+card.Blocks, "INC-1")
	require.Equal(t, got.Channel.ID, pins[0].Params["channel"])

	require.Eventually(t, func() bool {
		gen, _ := fake.Channel(general)
		for _, e := range gen.Ephemerals {
			if e.User == "U0ALICE" && strings.Contains(e.Text, "INC-1") && strings.Contains(e.Text, "was recovered after a restart") {
				return true
			}
		}
		return false
	}, 5*time.Second, 20*time.Millisecond, "the declarer is told, where they declared")

	if stallOn == "conversations.create" {
		require.Contains(t, b.logs.String(), "reconcile: recovered a declaration")
	} else {
		require.Contains(t, b.logs.String(), "reconcile: finished a recorded declaration")
	}
	b.stop(t)
	if t.Failed() {
		t.Logf("replica A logs:\n%s\nreplica B logs:\n%s", a.logs.String(), b.logs.String())
	}
}

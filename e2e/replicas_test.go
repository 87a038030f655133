package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
	"github.com/warroomhq/warroom/app"
	"github.com/warroomhq/warroom/config"
)

// replicaHelperEnv, set to 1, turns this test binary into one `warroom
// serve` process: see TestReplicaHelperProcess.
const replicaHelperEnv = "WARROOM_TEST_REPLICA_PROCESS"

// TestReplicaHelperProcess is not a test: TestReplicas runs the test binary
// itself with replicaHelperEnv set, and then this is `warroom serve` (what
// the command runs: app.LoadConfig, then app.Serve) with the process's own
// environment, stopped by SIGTERM like a deployment would. Two real
// processes have two PIDs, so two replica names contend for the reminders
// lease, as two pods would.
func TestReplicaHelperProcess(t *testing.T) {
	if os.Getenv(replicaHelperEnv) != "1" {
		t.Skip("the warroom serve process of TestReplicas")
	}
	cfg, err := app.LoadConfig("", os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "configuration is invalid:\n%v\n", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = app.Serve(ctx, cfg, app.NewLogger(os.Stderr, cfg.LogLevel, "", true), app.Options{})
	stop()
	if !stopped(err) {
		fmt.Fprintln(os.Stderr, "warroom:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// replica is one `warroom serve` process.
type replica struct {
	name string
	base string
	logs *syncWriter
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // its exit, once done

	terminated, stopped bool
}

var servingAt = regexp.MustCompile(`"msg":"warroom serving","addr":"([^"]+)"`)

// startReplica starts `warroom serve` in a process of its own, with the
// configuration getenv gives (every variable config.Env names, nothing
// from this process's environment), on a port of its choosing, and waits
// until /readyz answers. The process is stopped at cleanup, before
// testEnv's Redis goes.
func startReplica(t *testing.T, name string, getenv func(string) string) *replica {
	t.Helper()
	env := []string{replicaHelperEnv + "=1", "WARROOM_ADDR=127.0.0.1:0"}
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "GORACE", "GOCOVERDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	for _, e := range config.Env {
		if v := getenv(e.Name); v != "" && e.Name != "WARROOM_ADDR" {
			env = append(env, e.Name+"="+v)
		}
	}
	r := &replica{name: name, logs: &syncWriter{w: &bytes.Buffer{}}, done: make(chan struct{})}
	r.cmd = exec.Command(os.Args[0], "-test.run=^TestReplicaHelperProcess$")
	r.cmd.Env = env
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	require.NoError(t, r.cmd.Start())
	go func() {
		r.err = r.cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			_ = r.cmd.Process.Kill()
			<-r.done
		}
	})

	deadline := time.Now().Add(30 * time.Second)
	for r.base == "" {
		if m := servingAt.FindStringSubmatch(r.logs.String()); m != nil {
			r.base = "http://" + m[1]
			break
		}
		select {
		case <-r.done:
			t.Fatalf("replica %s exited (%v) before serving:\n%s", name, r.err, r.logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %s did not start:\n%s", name, r.logs.String())
		}
	}
	require.Eventually(t, func() bool {
		res, err := http.Get(r.base + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond, "replica %s ready", name)
	return r
}

// terminate sends SIGTERM, as a deployment stopping a pod does.
func (r *replica) terminate(t *testing.T) {
	t.Helper()
	if !r.terminated {
		r.terminated = true
		require.NoError(t, r.cmd.Process.Signal(syscall.SIGTERM))
	}
}

// stop terminates the process and asserts it drains and exits 0, with no
// data race reported (the race detector would exit 66).
func (r *replica) stop(t *testing.T) {
	t.Helper()
	if r.stopped {
		return
	}
	r.stopped = true
	r.terminate(t)
	select {
	case <-r.done:
	case <-time.After(40 * time.Second):
		t.Fatalf("replica %s did not stop", r.name)
	}
	require.NoError(t, r.err, "replica %s exits 0 after SIGTERM:\n%s", r.name, r.logs.String())
	require.NotContains(t, r.logs.String(), "DATA RACE")
	require.NotContains(t, r.logs.String(), "panic")
}

// slackPost posts body to path on base, signed now, and returns the status.
func slackPost(base, path string, body []byte, ctype string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", ctype)
	fakeslack.Sign(req, body, fakeslack.SigningSecret, time.Now())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

type apiEntries struct {
	Entries []struct {
		Kind   string            `json:"kind"`
		Author string            `json:"author"`
		Text   string            `json:"text"`
		Data   map[string]string `json:"data"`
	} `json:"entries"`
}

// cardAction finds the card's button whose action_id runs command, as
// adapters/slack's actionOf does.
func cardAction(t *testing.T, blocks, command string) fakeslack.Action {
	t.Helper()
	var bs []struct {
		Elements []struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	require.NoError(t, json.Unmarshal([]byte(blocks), &bs))
	for _, b := range bs {
		for _, e := range b.Elements {
			if e.Type == "button" && strings.HasPrefix(e.ActionID, "wr."+command+".") {
				return fakeslack.Action{ActionID: e.ActionID, Type: e.Type, Value: e.Value}
			}
		}
	}
	t.Fatalf("no %s button in %s", command, blocks)
	return fakeslack.Action{}
}

// countMessages counts the messages in channel whose text contains s.
func countMessages(fake *fakeslack.Server, channel, s string) int {
	ch, _ := fake.Channel(channel)
	n := 0
	for _, m := range ch.Messages {
		if strings.Contains(m.Text, s) {
			n++
		}
	}
	return n
}

// TestReplicas runs two `warroom serve` processes on one Redis and one
// Slack workspace: the same event delivered to both has one effect, 50
// Resolve clicks split between them make one transition, and reminders,
// looked for by both every 100ms, are posted once.
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two processes")
	}
	fake := fakeslack.New(t)
	fake.AddUser("U0ALICE", "alice", "Alice", "en-US")
	general := fake.AddChannel("general", false, "U0ALICE")
	announce := fake.AddChannel("incidents", false, "U0ALICE", fakeslack.BotUserID)
	const clickers = 50
	var admins []string
	for i := range clickers {
		id := fmt.Sprintf("U0CLICK%02d", i)
		fake.AddUser(id, fmt.Sprintf("responder%02d", i), "", "en-US")
		admins = append(admins, id)
	}
	cfgFile := filepath.Join(t.TempDir(), "warroom.yml")
	require.NoError(t, os.WriteFile(cfgFile, []byte("reminders:\n  triage_ack_after: 3s\n  every: 100ms\n"), 0o600))
	extra := map[string]string{
		"WARROOM_CONFIG":  cfgFile,
		"SLACK_BOT_TOKEN": fakeslack.BotToken, "SLACK_SIGNING_SECRET": fakeslack.SigningSecret,
		"SLACK_API_URL": fake.APIURL(), "SLACK_TEAM_ID": fakeslack.TeamID, "SLACK_ANNOUNCE_CHANNEL": announce,
		"WARROOM_WEBHOOK_TOKEN": "hook-token", "WARROOM_ADMINS": strings.Join(admins, ","),
	}
	if os.Getenv("REDIS_URL") == "" {
		// Keys expire with the wall clock, as in Redis, so that the lease
		// and the reminder intervals run out.
		mr := miniredis.RunT(t)
		mr.ClockTTL(true)
		extra["REDIS_URL"] = "redis://" + mr.Addr()
	}
	getenv := testEnv(t, extra)
	a := startReplica(t, "A", getenv)
	b := startReplica(t, "B", getenv)
	replicas := []*replica{a, b}
	require.NotEqual(t, a.base, b.base)

	timeline := func(t *testing.T, r *replica, id int) apiEntries {
		t.Helper()
		var tl apiEntries
		require.Equal(t, http.StatusOK, getJSON(t, fmt.Sprintf("%s/api/incidents/%d/timeline", r.base, id), "", &tl))
		return tl
	}

	// Declared on A; its channel, card and pin are made once.
	form := fake.SlashCommandForm("U0ALICE", general, "declare Checkout is failing P2")
	status, err := slackPost(a.base, "/slack/commands", []byte(form.Encode()), "application/x-www-form-urlencoded")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	pins := fake.WaitCalls("pins.add", 1, 15*time.Second)
	channel, cardTS := pins[0].Params["channel"], pins[0].Params["timestamp"]
	require.NotEmpty(t, cardTS)

	t.Run("one event delivered to both replicas has one effect", func(t *testing.T) {
		const events = 10
		var wg sync.WaitGroup
		errs := make(chan error, 2*events)
		for i := range events {
			body := fake.EventCallback("", fake.MessageEvent(fakeslack.Message{
				Channel: channel, User: "U0ALICE", Text: fmt.Sprintf("finding %d", i)}))
			for _, r := range replicas { // at the same time, each signed afresh
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, err := slackPost(r.base, "/slack/events", body, "application/json")
					if err == nil && status != http.StatusOK {
						err = fmt.Errorf("replica %s answered %d", r.name, status)
					}
					errs <- err
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		messages := func(r *replica) []string {
			var out []string
			for _, e := range timeline(t, r, 1).Entries {
				if e.Kind == "message" {
					out = append(out, e.Text)
				}
			}
			return out
		}
		require.Eventually(t, func() bool { return len(messages(a)) >= events }, 15*time.Second, 50*time.Millisecond)
		time.Sleep(300 * time.Millisecond) // a second effect would land now
		for _, r := range replicas {
			got := messages(r)
			require.Len(t, got, events, "replica %s's view: each event once", r.name)
			for i := range events {
				require.Contains(t, got, fmt.Sprintf("finding %d", i))
			}
		}
	})

	t.Run("50 Resolve clicks on both replicas make one transition", func(t *testing.T) {
		ch, ok := fake.Channel(channel)
		require.True(t, ok)
		card, ok := ch.Message(cardTS)
		require.True(t, ok)
		resolve := cardAction(t, card.Blocks, "resolve")
		bodies := make([][]byte, clickers)
		for i := range clickers { // built here: the fake fails the test from this goroutine only
			bodies[i] = []byte(fakeslack.InteractionForm(fake.BlockActionsPayload(admins[i], channel, cardTS, resolve)).Encode())
		}
		responses := len(fake.Responses())

		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, clickers)
		for i := range clickers {
			r := replicas[i%2] // 25 each
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				status, err := slackPost(r.base, "/slack/interactions", bodies[i], "application/x-www-form-urlencoded")
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("replica %s answered click %d with %d", r.name, i, status)
				}
				errs <- err
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err, "every click is acknowledged")
		}

		// Wait until the clicks are handled: the incident is resolved and
		// the answers to the clickers have stopped coming.
		var inc map[string]any
		require.Eventually(t, func() bool {
			getJSON(t, a.base+"/api/incidents/INC-1", "", &inc)
			return inc["status"] == "resolved"
		}, 15*time.Second, 20*time.Millisecond)
		answered, since := -1, time.Now()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if n := len(fake.Responses()) - responses; n != answered {
				answered, since = n, time.Now()
			}
			if answered >= clickers-1 && time.Since(since) > 300*time.Millisecond || time.Since(since) > 2*time.Second {
				break
			}
		}

		var resolved []string
		for _, e := range timeline(t, b, 1).Entries {
			if e.Kind == "status" {
				resolved = append(resolved, e.Data["from"]+"→"+e.Data["to"]+" by "+e.Author)
			}
		}
		require.Len(t, resolved, 1, "one transition: %v", resolved)
		require.Contains(t, resolved[0], "investigating→resolved")
		require.Equal(t, http.StatusOK, getJSON(t, b.base+"/api/incidents/INC-1", "", &inc))
		require.Equal(t, "resolved", inc["status"])

		// Every other clicker is told, on their own response_url.
		already := 0
		for _, res := range fake.Responses()[responses:] {
			if strings.Contains(fmt.Sprint(res.Body), "already resolved") {
				already++
			}
		}
		require.Equal(t, clickers-1, answered, "one answer per losing click")
		require.Equal(t, clickers-1, already, "each says the incident is already resolved")
		require.Equal(t, 1, countMessages(fake, channel, "to *resolved*"), "announced once in the incident channel")
		require.Equal(t, 1, countMessages(fake, announce, "to *resolved*"), "announced once in the announcement channel")
	})

	t.Run("reminders fire once", func(t *testing.T) {
		// A P1 alert opens INC-2 in triage; nobody acknowledges it.
		alert := []byte(`{"title":"Payments API down","dedup_key":"payments/api","priority":"P1"}`)
		req, err := http.NewRequest(http.MethodPost, b.base+"/alerts/webhook", bytes.NewReader(alert))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer hook-token")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)

		var inc struct {
			Status  string `json:"status"`
			Channel struct {
				ID string `json:"id"`
			} `json:"channel"`
		}
		require.Eventually(t, func() bool {
			return getJSON(t, a.base+"/api/incidents/INC-2", "", &inc) == http.StatusOK && inc.Channel.ID != ""
		}, 15*time.Second, 50*time.Millisecond)
		require.Equal(t, "triage", inc.Status)

		// Both replicas look every 100ms; the reminder is due at 3s and then
		// every 3s. Replica A is stopped right after the first (a rolling
		// deploy, say): whichever of the two held the lease, B must post
		// the second, once, when the interval is up.
		const waited, interval = "has waited", 3 * time.Second
		require.Eventually(t, func() bool { return countMessages(fake, inc.Channel.ID, waited) > 0 },
			10*time.Second, 20*time.Millisecond, "triage reminder after %s", interval)
		first := time.Now()
		// The announcement follows the channel post; a replica stopped
		// between the two loses it (the serve context cancels the post), so
		// A is stopped only once both are out.
		require.Eventually(t, func() bool { return countMessages(fake, announce, waited) > 0 },
			5*time.Second, 10*time.Millisecond, "the reminder is announced too")
		a.terminate(t) // its reminders loop ends now; the rest drains
		var second time.Time
		for time.Since(first) < interval*3/2 {
			n := countMessages(fake, inc.Channel.ID, waited)
			require.LessOrEqual(t, n, 2, "one reminder per interval in the incident channel")
			if n == 2 && second.IsZero() {
				second = time.Now()
			}
			time.Sleep(20 * time.Millisecond)
		}
		require.False(t, second.IsZero(), "reminded again after %s, by the replica left", interval)
		require.Greater(t, second.Sub(first), interval*5/6, "not before the interval is up")
		require.Equal(t, 2, countMessages(fake, inc.Channel.ID, waited))
		require.Equal(t, 2, countMessages(fake, announce, waited), "announced once each time")
		a.stop(t)
	})

	for _, r := range replicas {
		r.stop(t) // a no-op for one already stopped
	}
	if t.Failed() {
		for _, r := range replicas {
			t.Logf("replica %s logs:\n%s", r.name, r.logs.String())
		}
	}
}

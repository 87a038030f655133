// Command bench is Warroom's load benchmark (issue 7): it builds Warroom,
// runs it as a child process against a real Redis and a fake Slack Web
// API, drives it over HTTP with signed requests, and drives a "floor" the
// same way: the smallest Go server doing the same job (verify the Slack
// signature, decode, one XADD). It prints a Markdown table of both, their
// ratio, and the targets of issue 7. Numbers are reported, never asserted.
//
//	go run ./bench            (make bench runs it after the Go benchmarks)
//	go run ./bench -storm=false -messages 5000   a quicker run
//
// Redis is REDIS_URL, else 127.0.0.1:6379; the bench starts none. Every key
// it writes is under a fresh prefix "wrbench:<time>-<pid>:", deleted at the
// end. It is a main package, not a test, so `go test ./...` and `make test`
// never run it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warroomhq/warroom/store"
)

const (
	signingSecret = "bench-signing-secret"
	alertToken    = "bench-alert-token"
)

type config struct {
	clients      int
	commands     int
	messages     int
	alerts       int
	groups       int
	incidents    int
	entries      int
	pmEntries    int
	burst        int
	storm        bool
	stormTimeout time.Duration
	keep         bool
	pprof        bool
	binary       string
	only         string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "floor" {
		if err := runFloor(); err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
		return
	}
	var cfg config
	flag.IntVar(&cfg.clients, "clients", 64, "concurrent clients")
	flag.IntVar(&cfg.commands, "commands", 12800, "slash commands measured per server (after 640 to warm up)")
	flag.IntVar(&cfg.messages, "messages", 20000, "channel messages sent through /slack/events")
	flag.IntVar(&cfg.alerts, "alerts", 10000, "Alertmanager notifications in the storm")
	flag.IntVar(&cfg.groups, "groups", 50, "alert groups in the storm")
	flag.IntVar(&cfg.incidents, "incidents", 1000, "open incidents seeded for the loaded-memory figure")
	flag.IntVar(&cfg.entries, "entries", 100000, "timeline entries spread over those incidents")
	flag.IntVar(&cfg.pmEntries, "pm-entries", 50000, "timeline entries of the postmortem's incident")
	flag.IntVar(&cfg.burst, "burst", 50000, "channel messages of the one-channel burst (0: none)")
	flag.BoolVar(&cfg.storm, "storm", true, "run the alert storm (paced by Slack's rate tiers: minutes)")
	flag.DurationVar(&cfg.stormTimeout, "storm-timeout", 5*time.Minute, "give up on the storm after this long")
	flag.StringVar(&cfg.binary, "warroom", "", "run this warroom binary instead of building the working tree")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the temporary directory (binary, logs)")
	flag.StringVar(&cfg.only, "only", "", "run only these phases, comma-separated (acks, ingestion, storm, loaded, postmortem, web; web reads the postmortem's incident, so name both); start, with the idle rows, always runs")
	flag.BoolVar(&cfg.pprof, "pprof", false, "profile Warroom (a build with net/http/pprof added by -overlay) and print the top of each profile")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// bench holds what the phases share.
type bench struct {
	cfg        config
	rdb        redis.UniversalClient
	redisURL   string
	root       string // key prefix of everything this run writes
	dir        string
	binary     string
	self       string
	slack      *fakeSlack
	floor      *proc
	warroom    *proc
	wClient    *http.Client
	fClient    *http.Client
	rows       []row
	notes      []string
	pprof      string   // host:port of the profiled build's pprof server
	profiles   []string // profile files taken, printed at the end
	pmIncident int64    // the postmortem's incident, in the loaded prefix
	prefix     string   // the key prefix the running warroom serves
}

// row is one line of the table. busy is how many answers were busy (503
// for events, the busy message for commands), Warroom's then the floor's;
// empty where nothing can be busy.
type row struct {
	measure, warroom, floor, busy, ratio, target string
	met                                          *bool
}

func (b *bench) add(r row) {
	b.rows = append(b.rows, r)
	fmt.Fprintf(os.Stderr, "  %s: warroom %s, floor %s\n", r.measure, r.warroom, orDash(r.floor))
}

func (b *bench) note(format string, args ...any) {
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func run(ctx context.Context, cfg config) (err error) {
	b := &bench{cfg: cfg}
	b.redisURL = os.Getenv("REDIS_URL")
	if b.redisURL == "" {
		b.redisURL = "redis://127.0.0.1:6379"
	}
	dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	b.rdb, err = store.Dial(dctx, b.redisURL)
	cancel()
	if err != nil {
		return fmt.Errorf("the load benchmark needs a real Redis and starts none: %w\n"+
			"  start one on 127.0.0.1:6379 (redis-server) or set REDIS_URL", err)
	}
	defer b.rdb.Close()
	b.root = fmt.Sprintf("wrbench:%d-%d:", time.Now().Unix(), os.Getpid())
	defer func() {
		n, cerr := cleanup(context.Background(), b.rdb, b.root)
		if cerr != nil {
			err = errors.Join(err, fmt.Errorf("clean up keys %s*: %w", b.root, cerr))
			return
		}
		progress("deleted %d Redis keys under %s*", n, b.root)
	}()

	root, err := moduleRoot()
	if err != nil {
		return err
	}
	if b.dir, err = os.MkdirTemp("", "warroom-bench-"); err != nil {
		return err
	}
	defer func() {
		if err != nil || cfg.keep {
			progress("logs and binary kept in %s", b.dir)
			return
		}
		_ = os.RemoveAll(b.dir)
	}()
	if b.self, err = os.Executable(); err != nil {
		return err
	}
	b.binary = filepath.Join(b.dir, "warroom")
	overlay := ""
	if cfg.pprof {
		if overlay, err = writeOverlay(root, b.dir); err != nil {
			return err
		}
		if b.pprof, err = freeAddr(); err != nil {
			return err
		}
	}
	if cfg.binary != "" && !cfg.pprof {
		b.binary = cfg.binary
	} else {
		progress("building warroom from %s (as make build does)", root)
		if err := buildWarroom(root, b.binary, overlay); err != nil {
			return fmt.Errorf("build warroom: %w", err)
		}
	}
	if b.slack, err = startFakeSlack(); err != nil {
		return err
	}
	defer b.slack.close()
	b.wClient, b.fClient = newClient(cfg.clients), newClient(cfg.clients)
	defer func() { b.warroom.stop(); b.floor.stop() }()

	started := time.Now()
	phases := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"start", b.start},
		{"acks", b.acks},
		{"ingestion", b.ingestion},
		{"storm", b.storm},
		{"loaded", b.loaded},
		{"postmortem", b.postmortem},
		{"web", b.web},
	}
	only := map[string]bool{"start": true}
	for name := range strings.SplitSeq(cfg.only, ",") {
		only[strings.TrimSpace(name)] = true
	}
	for _, p := range phases {
		if err := ctx.Err(); err != nil {
			return err
		}
		if cfg.only != "" && !only[p.name] {
			continue
		}
		if err := p.fn(ctx); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	b.print(os.Stdout, time.Since(started))
	b.printProfiles(os.Stdout)
	return nil
}

// startWarroom runs the built binary the way a deployment would: serve,
// Slack over HTTP to the fake, the web pages, the API and Alertmanager
// enabled, keys under prefix.
func (b *bench) startWarroom(prefix, logName string) (*proc, error) {
	p, err := b.startServe(prefix, logName, true)
	if err == nil {
		b.prefix = prefix
	}
	return p, err
}

// startServe runs serve with Slack over HTTP to the fake and, when all,
// the web pages, the open API and Alertmanager too (without: the API
// behind a token, no web, no integration, what issue 18's idle target is
// measured on).
func (b *bench) startServe(prefix, logName string, all bool) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	env := []string{
		"REDIS_URL=" + b.redisURL, "WARROOM_REDIS_PREFIX=" + prefix, "WARROOM_ADDR=" + addr,
		"WARROOM_LOG_LEVEL=warn", "WARROOM_LANG=en",
		"SLACK_BOT_TOKEN=" + botToken, "SLACK_SIGNING_SECRET=" + signingSecret,
		"SLACK_API_URL=" + b.slack.apiURL(), "SLACK_TEAM_ID=" + teamID,
	}
	if !all {
		// serve always has its API; it wants a token or to be told it is open.
		env = append(env, "WARROOM_API_TOKEN=bench-api-token")
	}
	if all {
		env = append(env, "WARROOM_PUBLIC_URL=http://"+addr, "WARROOM_ALERTMANAGER_TOKEN="+alertToken,
			// The bench reads nothing from the API; serve refuses it
			// open unless asked.
			"WARROOM_API_OPEN=true")
		if b.pprof != "" {
			env = append(env, "WARROOM_BENCH_PPROF="+b.pprof)
		}
	}
	return start("warroom", b.binary, []string{"serve"}, env, addr, filepath.Join(b.dir, logName))
}

// slackOnlyRSS is the idle memory of serve with Slack only: the web and
// every integration off, on an empty prefix of its own.
func (b *bench) slackOnlyRSS(ctx context.Context) (mem, error) {
	p, err := b.startServe(b.root+"idle:", "warroom-slack-only.log", false)
	if err != nil {
		return mem{}, err
	}
	defer p.stop()
	return p.settledRSS(ctx, 2*time.Second)
}

func (b *bench) start(ctx context.Context) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	progress("starting the floor and warroom")
	b.floor, err = start("floor", b.self, []string{"floor"}, []string{
		envFloorAddr + "=" + addr, envFloorRedis + "=" + b.redisURL, envFloorPrefix + "=" + b.root + "floor:",
		envFloorSecret + "=" + signingSecret, envFloorToken + "=" + alertToken,
	}, addr, filepath.Join(b.dir, "floor.log"))
	if err != nil {
		return err
	}
	if b.warroom, err = b.startWarroom(b.root+"a:", "warroom.log"); err != nil {
		return err
	}
	wr, err := b.warroom.settledRSS(ctx, 2*time.Second)
	if err != nil {
		return err
	}
	b.heapProfile(ctx, "heap-idle")
	fr, err := b.floor.memory()
	if err != nil {
		return err
	}
	b.add(row{measure: "Start to `/readyz` 200 (empty Redis prefix)", warroom: ms(b.warroom.ready), floor: ms(b.floor.ready),
		ratio: ratio(b.warroom.ready.Seconds(), b.floor.ready.Seconds()), target: "< 200 ms", met: ok(b.warroom.ready < 200*time.Millisecond)})
	so, err := b.slackOnlyRSS(ctx)
	if err != nil {
		return err
	}
	b.add(row{measure: "RSS idle, 2 s after ready: Slack only (web, integrations off)", warroom: so.String(), floor: fr.String(),
		ratio: ratio(float64(so.rss), float64(fr.rss)), target: "< 20 MB", met: ok(so.rss < 20e6)})
	b.add(row{measure: "RSS idle, 2 s after ready: everything the bench uses on (web, API, Alertmanager)", warroom: wr.String(), floor: fr.String(),
		ratio: ratio(float64(wr.rss), float64(fr.rss)), target: "—"})
	return nil
}

// commandBody is a slash command as Slack sends it; trigger_id makes each
// body, hence each signature, unique (commands are replay-guarded).
func (b *bench) commandBody(text string, i, attempt int) []byte {
	return []byte(url.Values{
		"token": {"unused"}, "team_id": {teamID}, "team_domain": {"bench"},
		"channel_id": {"C0GENERAL"}, "channel_name": {"general"},
		"user_id": {userID}, "user_name": {"bench"}, "command": {"/incident"}, "text": {text},
		"api_app_id":   {"A0BENCH"},
		"response_url": {fmt.Sprintf("%s/response/%d-%d", b.slack.url, i, attempt)},
		"trigger_id":   {fmt.Sprintf("%d.%d.%d", time.Now().UnixNano(), i, attempt)},
	}.Encode())
}

func (b *bench) acks(ctx context.Context) error {
	n, c := b.cfg.commands, b.cfg.clients
	mk := func(i, attempt int) request {
		return signed("/slack/commands", "application/x-www-form-urlencoded", []byte(signingSecret), b.commandBody("help", i, attempt))
	}
	progress("slash-command acknowledgements: %d `/incident help` per server from %d clients", n, c)
	drive(ctx, b.fClient, b.floor.base, 640, c, mk)
	f := drive(ctx, b.fClient, b.floor.base, n, c, mk)
	progress("  floor:   %s", f)
	before, _ := b.slack.snapshot()
	warm := drive(ctx, b.wClient, b.warroom.base, 640, c, mk)
	prof := b.cpuProfile(ctx, "cpu-acks", 2)
	w := drive(ctx, b.wClient, b.warroom.base, n, c, mk)
	prof()
	progress("  warroom: %s", w)
	if f.failed > 0 || w.failed > 0 {
		return fmt.Errorf("requests failed: floor %d, warroom %d (see the logs)", f.failed, w.failed)
	}
	// Let Warroom's workers post every help reply before the next phase.
	want := before["response_url"] + 640 + n - warm.nonEmpty - w.nonEmpty - warm.answered - w.answered - warm.busy - w.busy
	drained := waitUntil(ctx, 60*time.Second, func() bool {
		calls, _ := b.slack.snapshot()
		return calls["response_url"] >= want
	})
	calls, _ := b.slack.snapshot()
	b.note("Acknowledgements: %d signed `/incident help` per server after 640 to warm up, %d clients with keep-alive; "+
		"`help` opens no channel; its reply is in the ack when ready within 250 ms, else goes to the response_url (%d of %d replies posted%s). "+
		"Warroom answered %d acks with the busy message (router queue full), which the percentiles leave out; throughput %.0f req/s vs the floor's %.0f req/s.",
		n, c, calls["response_url"]-before["response_url"], want-before["response_url"], map[bool]string{true: "", false: ", still draining after 60 s"}[drained],
		w.busy, w.rate(), f.rate())
	busy := fmt.Sprintf("%d / %d", w.busy, f.busy)
	b.add(row{measure: "Slash-command ack p50, 64 clients (`/incident help`)", warroom: ms(w.pct(.5)), floor: ms(f.pct(.5)), busy: busy,
		ratio: ratio(w.pct(.5).Seconds(), f.pct(.5).Seconds()), target: "—"})
	b.add(row{measure: "`/incident help` answered in the ack / through the queue, 64 clients",
		warroom: thousands(w.answered) + " / " + thousands(n-w.answered-w.nonEmpty-w.busy), target: "—"})
	p99 := w.pct(.99)
	b.add(row{measure: "Slash-command ack p99, 64 clients (`/incident help`)", warroom: ms(p99), floor: ms(f.pct(.99)), busy: busy,
		ratio: ratio(p99.Seconds(), f.pct(.99).Seconds()), target: "≤ 2× floor and < 15 ms",
		met: ok(p99 <= 2*f.pct(.99) && p99 < 15*time.Millisecond)})
	return nil
}

// waitUntil polls cond every 20ms until it holds or d passes.
func waitUntil(ctx context.Context, d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// eventBody is a channel message as the Events API delivers it.
func eventBody(channel string, i int) []byte {
	now := time.Now()
	body, _ := json.Marshal(map[string]any{
		"type": "event_callback", "team_id": teamID, "api_app_id": "A0BENCH",
		"event_id": fmt.Sprintf("Ev%s%08d", channel, i), "event_time": now.Unix(),
		"event": map[string]any{"type": "message", "channel_type": "channel", "channel": channel, "user": userID,
			"text": fmt.Sprintf("message %d: checked db-%d replication lag, rolling back deploy %d", i, i%7, i%13),
			"ts":   fmt.Sprintf("%d.%06d", now.Unix(), i%1000000)},
	})
	return body
}

func (b *bench) ingestion(ctx context.Context) error {
	prefix := b.root + "a:"
	st, err := store.New(b.rdb, store.Options{Prefix: prefix})
	if err != nil {
		return err
	}
	// One incident, declared the way a person would, to hold the messages.
	progress("declaring the incident that receives the channel messages")
	rq := signed("/slack/commands", "application/x-www-form-urlencoded", []byte(signingSecret),
		b.commandBody("declare Bench ingestion P3", -1, 0))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.warroom.base+rq.path, strings.NewReader(string(rq.body)))
	req.Header = rq.header
	res, err := b.wClient.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("declare answered %d", res.StatusCode)
	}
	var channel string
	var id int64
	if !waitUntil(ctx, 30*time.Second, func() bool {
		channel = fmt.Sprintf("C%08d", b.slack.channel.Load())
		inc, err := st.ByChannel(ctx, "slack", channel)
		if err != nil {
			return false
		}
		id = inc.ID
		return true
	}) {
		return fmt.Errorf("the declared incident has no channel after 30s; see %s", b.warroom.log)
	}
	key := timelineKey(prefix, id)
	base, err := b.rdb.XLen(ctx, key).Result()
	if err != nil {
		return err
	}
	n, c := b.cfg.messages, b.cfg.clients

	progress("ingestion: %d channel messages per server from %d clients", n, c)
	fkey := b.root + "floor:events"
	fbase, _ := b.rdb.XLen(ctx, fkey).Result()
	f := drive(ctx, b.fClient, b.floor.base, n, c, func(i, _ int) request {
		return signed("/slack/events", "application/json", []byte(signingSecret), eventBody("CFLOOR", i))
	})
	fgot, _ := b.rdb.XLen(ctx, fkey).Result()
	progress("  floor:   %s; %d in the stream", f, fgot-fbase)

	prof := b.cpuProfile(ctx, "cpu-ingestion", 5)
	t0 := time.Now()
	w := drive(ctx, b.wClient, b.warroom.base, n, c, func(i, _ int) request {
		return signed("/slack/events", "application/json", []byte(signingSecret), eventBody(channel, i))
	})
	var got int64
	all := waitUntil(ctx, 120*time.Second, func() bool {
		got, _ = b.rdb.XLen(ctx, key).Result()
		return got-base >= int64(n)
	})
	took := time.Since(t0)
	prof()
	progress("  warroom: %s; %d on the timeline after %s", w, got-base, took.Round(time.Millisecond))
	if !all {
		b.note("Ingestion: only %d of %d messages reached the timeline within 120 s of the last answer.", got-base, n)
	}
	wrate, frate := float64(got-base)/took.Seconds(), float64(fgot-fbase)/f.elapsed.Seconds()
	b.note("Ingestion: %d messages in one incident channel, %d clients; Warroom's clock stops when the last one is on the timeline "+
		"(all answered after %s; %d answers were 503 busy and sent again with backoff, as Slack would retry). "+
		"Warroom handles one channel's messages on one worker, in order.",
		n, c, w.elapsed.Round(time.Millisecond), w.retries)
	b.add(row{measure: fmt.Sprintf("Channel messages → timeline, %s events, 64 clients", thousands(n)),
		warroom: fmt.Sprintf("%.0f /s", wrate), floor: fmt.Sprintf("%.0f /s", frate), busy: fmt.Sprintf("%d / %d", w.retries, f.retries),
		ratio: fmt.Sprintf("%.0f%%", 100*wrate/frate), target: "≥ 60% of floor", met: ok(wrate >= 0.6*frate)})
	return b.burst(ctx, channel, key)
}

// burst sends -burst messages into the one channel of the ingestion's
// incident, from 64 clients, as an alert bot or a replayed history would:
// more than one worker's queue holds, so they wait in Redis, in order.
func (b *bench) burst(ctx context.Context, channel, key string) error {
	n, c := b.cfg.burst, b.cfg.clients
	if n <= 0 {
		return nil
	}
	progress("burst: %d messages into one channel per server from %d clients", n, c)
	fkey := b.root + "floor:events"
	fbase, _ := b.rdb.XLen(ctx, fkey).Result()
	f := drive(ctx, b.fClient, b.floor.base, n, c, func(i, _ int) request {
		return signed("/slack/events", "application/json", []byte(signingSecret), eventBody("CBURST", i))
	})
	progress("  floor:   %s", f)
	base, err := b.rdb.XLen(ctx, key).Result()
	if err != nil {
		return err
	}
	t0 := time.Now()
	w := drive(ctx, b.wClient, b.warroom.base, n, c, func(i, _ int) request {
		// Numbered after the ingestion's, so that no event ID repeats one.
		return signed("/slack/events", "application/json", []byte(signingSecret), eventBody(channel, b.cfg.messages+i))
	})
	var got int64
	all := waitUntil(ctx, 180*time.Second, func() bool {
		got, _ = b.rdb.XLen(ctx, key).Result()
		return got-base >= int64(n)
	})
	took := time.Since(t0)
	progress("  warroom: %s; %d on the timeline after %s", w, got-base, took.Round(time.Millisecond))
	fgot, _ := b.rdb.XLen(ctx, fkey).Result()
	if !all || fgot-fbase < int64(n) {
		b.note("Burst: only %d of %d messages reached Warroom's timeline within 180 s of the last answer (floor: %d).", got-base, n, fgot-fbase)
	}
	b.note("Burst: %d messages into one incident channel from %d clients (Warroom: all answered after %s, %d answered 503; "+
		"the floor's clock stops at its last answer, each answer after its XADD).", n, c, w.elapsed.Round(time.Millisecond), w.retries)
	b.add(row{measure: fmt.Sprintf("Burst into one channel, %s messages, 64 clients: all on the timeline", thousands(n)),
		warroom: fmt.Sprintf("%.2f s", took.Seconds()), floor: fmt.Sprintf("%.2f s", f.elapsed.Seconds()),
		busy: fmt.Sprintf("%d / %d", w.retries, f.retries), ratio: ratio(took.Seconds(), f.elapsed.Seconds()),
		target: "0 × 503, ≤ 2× floor", met: ok(w.retries == 0 && took <= 2*f.elapsed)})
	return nil
}

// alertBody is one Alertmanager notification carrying one new alert of
// group i%groups (as storm_test.go sends).
func alertBody(i, groups int) []byte {
	g := i % groups
	b, _ := json.Marshal(map[string]any{
		"version": "4", "groupKey": fmt.Sprintf(`{}:{alertname="Storm%d"}`, g), "status": "firing", "receiver": "warroom",
		"groupLabels":       map[string]string{"alertname": fmt.Sprintf("Storm%d", g)},
		"commonLabels":      map[string]string{"alertname": fmt.Sprintf("Storm%d", g), "severity": "warning"},
		"commonAnnotations": map[string]string{"summary": fmt.Sprintf("Storm group %d", g)},
		"externalURL":       "http://alertmanager:9093",
		"alerts": []map[string]any{{
			"status": "firing", "labels": map[string]string{"alertname": fmt.Sprintf("Storm%d", g), "instance": fmt.Sprintf("host-%d", i)},
			"annotations": map[string]string{}, "startsAt": "2026-11-25T03:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
			"generatorURL": "http://prometheus:9090/graph", "fingerprint": fmt.Sprintf("%016x", i),
		}},
	})
	return b
}

func (b *bench) storm(ctx context.Context) error {
	if !b.cfg.storm {
		b.note("Alert storm: skipped (-storm=false).")
		return nil
	}
	n, groups, c := b.cfg.alerts, b.cfg.groups, b.cfg.clients
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = alertBody(i, groups)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Authorization", "Bearer "+alertToken)
	mk := func(i, _ int) request { return request{path: "/alerts/alertmanager", body: bodies[i], header: h} }

	progress("alert storm: %d Alertmanager notifications over %d groups from %d clients", n, groups, c)
	f := drive(ctx, b.fClient, b.floor.base, n, c, mk)
	progress("  floor:   %s", f)

	_, createdBefore := b.slack.snapshot()
	counter := &alertCounter{rdb: b.rdb, prefix: b.root + "a:", last: map[string]string{}}
	prof := b.cpuProfile(ctx, "cpu-storm", 2)
	t0 := time.Now()
	sctx, cancel := context.WithTimeout(ctx, b.cfg.stormTimeout)
	defer cancel()
	var w loadResult
	var wg sync.WaitGroup
	wg.Go(func() { w = drive(sctx, b.wClient, b.warroom.base, n, c, mk) })
	var got int
	var onTimelines time.Duration
	for {
		if c, err := counter.count(sctx); err == nil {
			got = c
		}
		if got >= n {
			onTimelines = time.Since(t0)
			break
		}
		if sctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	wg.Wait()
	prof()
	if c, err := counter.count(ctx); err == nil {
		got = c
	}
	incidents, _ := b.rdb.ZCard(ctx, counter.prefix+"incidents:all").Result()
	incidents-- // the ingestion phase's
	_, created := b.slack.snapshot()
	created = created[len(createdBefore):]
	progress("  warroom: %s; %d alerts on timelines after %s; %d channels created", w, got, time.Since(t0).Round(time.Millisecond), len(created))
	answered := w.elapsed
	if w.failed > 0 {
		b.note("Alert storm: %d of %d notifications were never answered 200 within %s.", w.failed, n, b.cfg.stormTimeout)
	}
	timelines := "not all: " + thousands(got) + " after " + b.cfg.stormTimeout.String()
	if onTimelines > 0 {
		timelines = secs(onTimelines)
	}
	var lastChannel time.Duration
	if len(created) > 0 {
		lastChannel = created[len(created)-1].Sub(t0)
	}
	b.note("Alert storm: %s notifications over %d groups, %d clients; a 503 (Warroom busy) is sent again after a backoff of 10–250 ms, "+
		"as Alertmanager would (%d resends). Slack is the alert platform: each new group opens an incident. conversations.create is paced "+
		"to Slack's tier 2 (20/min after a burst of 10), as are setTopic and pins.add, with no rate scale in the configuration, so an "+
		"incident that finds no room for its channel is recorded at once and its channel follows in the background at Slack's pace. "+
		"%d incidents were opened and %d channels created (the last %s after the first request) by the time the bench stopped waiting; "+
		"%s of %s alerts were on timelines.",
		thousands(n), groups, c, w.retries, incidents, len(created), secs(lastChannel), thousands(got), thousands(n))
	b.add(row{measure: fmt.Sprintf("Alert storm (%s over %d groups): all answered", thousands(n), groups),
		warroom: secs(answered), floor: secs(f.elapsed), ratio: ratio(answered.Seconds(), f.elapsed.Seconds()),
		target: "< 3 s", met: ok(w.failed == 0 && answered < 3*time.Second)})
	b.add(row{measure: "Alert storm: all alerts on timelines", warroom: timelines, floor: secs(f.elapsed),
		ratio: ratio(onTimelines.Seconds(), f.elapsed.Seconds()), target: "≤ 2× floor", met: ok(onTimelines > 0 && onTimelines <= 2*f.elapsed)})

	// The channels follow at Slack's pace: wait for every one.
	progress("  waiting for the %d incidents' channels (conversations.create is paced to Slack's tier 2)", incidents)
	all := waitUntil(ctx, b.cfg.stormTimeout, func() bool {
		_, created = b.slack.snapshot()
		return int64(len(created)-len(createdBefore)) >= incidents
	})
	created = created[len(createdBefore):]
	channels := fmt.Sprintf("not all: %d of %d after %s", len(created), incidents, b.cfg.stormTimeout)
	if all && len(created) > 0 {
		channels = secs(created[len(created)-1].Sub(t0))
	}
	b.add(row{measure: fmt.Sprintf("Alert storm: all %d incidents' channels created", incidents), warroom: channels,
		floor: "—", ratio: "—", target: "— (Slack: 20/min)"})
	return nil
}

func (b *bench) loaded(ctx context.Context) error {
	wm, err := b.warroom.settledRSS(ctx, 2*time.Second)
	if err != nil {
		return err
	}
	fm, _ := b.floor.memory()
	b.add(row{measure: "RSS after the runs above; peak", warroom: wm.String() + "; " + mb(wm.peak), floor: fm.String() + "; " + mb(fm.peak),
		ratio: ratio(float64(wm.rss), float64(fm.rss)), target: "—"})
	b.warroom.stop()
	if lines := logSummary(b.warroom.log, 6); len(lines) > 0 {
		b.note("Warroom's log (level warn) over the runs above, most frequent first: %s.", strings.Join(lines, "; "))
	}

	prefix := b.root + "b:"
	st, err := store.New(b.rdb, store.Options{Prefix: prefix})
	if err != nil {
		return err
	}
	per := b.cfg.entries / b.cfg.incidents
	progress("seeding %d open incidents of %d entries each through the store API", b.cfg.incidents, per)
	t0 := time.Now()
	ids, err := seed(ctx, st, b.cfg.incidents, per)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	progress("  seeded in %s", time.Since(t0).Round(time.Millisecond))

	progress("restarting warroom on them; reading every incident and timeline through the API")
	if b.warroom, err = b.startWarroom(prefix, "warroom-loaded.log"); err != nil {
		return err
	}
	ready := b.warroom.ready
	// Touch everything: the open list, then each incident and its whole
	// timeline, from 8 clients.
	get := func(path string) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.warroom.base+path, nil)
		res, err := b.wClient.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		_, _ = io.Copy(io.Discard, res.Body)
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %d", path, res.StatusCode)
		}
		return nil
	}
	if err := get("/api/incidents?status=open&limit=500"); err != nil {
		return err
	}
	errs := make([]error, len(ids))
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				next.Lock()
				k := i
				i++
				next.Unlock()
				if k >= len(ids) {
					return
				}
				path := fmt.Sprintf("/api/incidents/%d", ids[k])
				errs[k] = errors.Join(get(path), get(path+"/timeline"))
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	wm, err = b.warroom.settledRSS(ctx, 2*time.Second)
	if err != nil {
		return err
	}
	b.heapProfile(ctx, "heap-loaded")
	b.add(row{measure: fmt.Sprintf("Start to `/readyz` 200 (%s incidents in Redis)", thousands(b.cfg.incidents)), warroom: ms(ready), floor: "—", ratio: "—",
		target: "< 200 ms", met: ok(ready < 200*time.Millisecond)})
	b.add(row{measure: fmt.Sprintf("RSS loaded: %s open incidents, %s entries, all read through the API; peak",
		thousands(b.cfg.incidents), thousands(b.cfg.incidents*per)),
		warroom: wm.String() + "; " + mb(wm.peak), floor: "—", ratio: "—", target: "< 40 MB", met: ok(wm.rss < 40e6)})
	b.note("Memory: VmRSS from /proc/<pid>/status in MB of 10^6 bytes, 2 s after the load, split into RssAnon (heap, stacks, runtime) " +
		"and RssFile (pages of the executable mapped from the page cache, shared, not private memory); the peak is VmHWM. " +
		"The floor runs as `bench floor`, the benchmark's own binary (which links the store package for seeding). Warroom keeps incidents in Redis, " +
		"not in memory, so \"loaded\" means a process restarted on a prefix holding them that has served the open list, " +
		"every incident and every timeline through /api (seeded with store.New + NextID/Create/Append).")
	return nil
}

func (b *bench) postmortem(ctx context.Context) error {
	prefix := b.prefix // the loaded phase's, or with -only the first run's
	st, err := store.New(b.rdb, store.Options{Prefix: prefix})
	if err != nil {
		return err
	}
	n := b.cfg.pmEntries
	progress("postmortem: seeding one incident of %d entries", n)
	ids, err := seed(ctx, st, 1, n)
	if err != nil {
		return err
	}
	id := ids[0]
	b.pmIncident = id
	timeGET := func(client *http.Client, u string) (time.Duration, int, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		t0 := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return 0, 0, err
		}
		nb, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return 0, 0, fmt.Errorf("GET %s: %d", u, res.StatusCode)
		}
		return time.Since(t0), int(nb), nil
	}
	var wt, ft []time.Duration
	var wsize, fsize int
	prof := b.cpuProfile(ctx, "cpu-postmortem", 2)
	defer prof()
	for range 3 {
		d, sz, err := timeGET(b.wClient, fmt.Sprintf("%s/api/incidents/%d/postmortem.md", b.warroom.base, id))
		if err != nil {
			return err
		}
		wt, wsize = append(wt, d), sz
		d, sz, err = timeGET(b.fClient, b.floor.base+"/postmortem?key="+url.QueryEscape(timelineKey(prefix, id)))
		if err != nil {
			return err
		}
		ft, fsize = append(ft, d), sz
	}
	progress("  warroom: %v (%d bytes); floor: %v (%d bytes)", wt, wsize, ft, fsize)
	first, med := wt[0], median(wt)
	wm, _ := b.warroom.memory()
	// Issue 18's targets: the median within 2× the floor's, and the
	// process's peak RSS (VmHWM) under 80 MB.
	b.add(row{measure: fmt.Sprintf("Postmortem of %s entries (first / median of 3); peak RSS", thousands(n)),
		warroom: ms(first) + " / " + ms(med) + "; " + mb(wm.peak), floor: ms(ft[0]) + " / " + ms(median(ft)), ratio: ratio(med.Seconds(), median(ft).Seconds()),
		target: "≤ 2× floor; peak < 80 MB", met: ok(med <= 2*median(ft) && wm.peak > 0 && wm.peak < 80e6)})
	b.note("Postmortem: GET /api/incidents/{id}/postmortem.md (%d bytes of Markdown); the floor reads the same stream with one XRANGE "+
		"and writes one line per entry (%d bytes). Warroom's RSS right after: %s, peak %s.", wsize, fsize, wm, mb(wm.peak))
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func (b *bench) print(w io.Writer, took time.Duration) {
	fmt.Fprintf(w, "\nWarroom load benchmark: %s, %d CPUs (GOMAXPROCS %d), Redis %s, %s; run took %s.\n\n",
		runtime.Version(), runtime.NumCPU(), runtime.GOMAXPROCS(0), redisVersion(b.rdb), time.Now().Format("2006-01-02"), took.Round(time.Second))
	fmt.Fprintln(w, "| Measure | Warroom | Floor | Busy answers (Warroom / floor) | Warroom ÷ floor | Target | Met |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---|:-:|")
	for _, r := range b.rows {
		met := ""
		if r.met != nil {
			met = map[bool]string{true: "✅", false: "❌"}[*r.met]
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", r.measure, r.warroom, orDash(r.floor), orDash(r.busy), orDash(r.ratio), r.target, met)
	}
	fmt.Fprintln(w)
	for _, n := range b.notes {
		fmt.Fprintln(w, "- "+n)
	}
	var missed []string
	for _, r := range b.rows {
		if r.met != nil && !*r.met {
			missed = append(missed, r.measure)
		}
	}
	if len(missed) > 0 {
		fmt.Fprintf(w, "- Missed targets (%d): %s.\n", len(missed), strings.Join(missed, "; "))
	}
}

func redisVersion(rdb redis.UniversalClient) string {
	info, err := rdb.Info(context.Background(), "server").Result()
	if err != nil {
		return "?"
	}
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			return v
		}
	}
	return "?"
}

func ok(b bool) *bool { return &b }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func ms(d time.Duration) string {
	switch {
	case d == 0:
		return "—"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.0f ms", float64(d)/1e6)
}

func secs(d time.Duration) string {
	if d < time.Second {
		return ms(d)
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func mb(bytes int64) string { return fmt.Sprintf("%.1f MB", float64(bytes)/1e6) }

func ratio(w, f float64) string {
	if w <= 0 || f <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f×", w/f)
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

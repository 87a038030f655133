// Command warroom is a self-hosted incident-response bot for Slack and
// Microsoft Teams. Subcommands:
//
//	warroom serve        run the bot and its HTTP server
//	warroom console      try Warroom in a terminal chat
//	warroom config check validate the configuration and print it
//	warroom healthcheck  probe a running server's /healthz (for containers)
//	warroom version      print the version
//
// main wires the packages together; it holds no incident logic.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // time zones in a scratch image

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/warroomhq/warroom/adapters/alertmanager"
	"github.com/warroomhq/warroom/adapters/cloudwatch"
	"github.com/warroomhq/warroom/adapters/console"
	"github.com/warroomhq/warroom/adapters/grafana"
	slackadapter "github.com/warroomhq/warroom/adapters/slack"
	"github.com/warroomhq/warroom/adapters/teams"
	"github.com/warroomhq/warroom/adapters/webhook"
	"github.com/warroomhq/warroom/api"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/internal/httpx"
	"github.com/warroomhq/warroom/store"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const (
	maxBody         = 1 << 20
	shutdownTimeout = 25 * time.Second
)

// onListen, when set by tests, learns the address serve listens on.
var onListen func(addr string)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

const usage = `usage: warroom <command> [--config file.yml]

commands:
  serve          run the bot and its HTTP server (WARROOM_ADDR, default :8080)
  console        try Warroom in a terminal chat (--user name, --people a,b,
                 --lang ja|en, --speed 60: the console's clock runs 60 times
                 faster, for drills and reminders)
  config check   validate the configuration and print it, secrets redacted
  export INC-42  write an incident's postmortem draft (--format md|json, --lang ja|en)
  healthcheck    exit 0 when the local server's /healthz answers
  version        print the version
`

// run is main without the process: tests call it with their own streams
// and environment. It returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, args := args[0], args[1:]
	if cmd == "config" {
		if len(args) == 0 || args[0] != "check" {
			fmt.Fprint(stderr, usage)
			return 2
		}
		cmd, args = "config check", args[1:]
	}
	fs := flag.NewFlagSet("warroom "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "YAML configuration file (or WARROOM_CONFIG)")
	userName := fs.String("user", defaultUser(), "console: who you are")
	format := fs.String("format", "md", "export: md or json")
	lang := fs.String("lang", "", "console, export: ja or en (default: the configured language)")
	people := fs.String("people", "", "console: the workspace's people, comma-separated (default alice,bob,carol,dave)")
	speed := fs.Float64("speed", 1, "console: how many times faster than real time the console's clock runs (1-3600)")
	var positional []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if args = fs.Args(); len(args) > 0 {
			positional, args = append(positional, args[0]), args[1:]
		}
	}
	switch cmd {
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "warroom", version)
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	}
	cfg, err := config.Load(*cfgPath, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "configuration is invalid:\n%v\n", err)
		return 1
	}
	switch cmd {
	case "config check":
		fmt.Fprintf(stdout, "configuration is valid:\n%s", cfg.Redacted())
		return 0
	case "healthcheck":
		return healthcheck(ctx, cfg.Addr, stderr)
	case "serve":
		return exit(serve(ctx, cfg, newLogger(stderr, cfg.LogLevel, true)), stderr)
	case "console":
		co := consoleOptions{user: *userName, lang: *lang, people: *people, speed: *speed}
		return exit(runConsole(ctx, cfg, co, stdin, stdout, newLogger(stderr, "warn", false)), stderr)
	case "export":
		if len(positional) != 1 {
			fmt.Fprint(stderr, "usage: warroom export INC-42 [--format md|json] [--lang ja|en]\n")
			return 2
		}
		return exit(export(ctx, cfg, positional[0], *format, *lang, stdout, newLogger(stderr, "warn", false)), stderr)
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return 2
}

func exit(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, context.Canceled) {
		return 0
	}
	fmt.Fprintln(stderr, "warroom:", err)
	return 1
}

func defaultUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "you"
}

// newLogger logs JSON under serve and readable lines under console.
func newLogger(w io.Writer, level string, structured bool) *zap.Logger {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		lvl = zapcore.InfoLevel
	}
	var enc zapcore.Encoder
	if structured {
		ec := zap.NewProductionEncoderConfig()
		ec.TimeKey, ec.EncodeTime = "ts", zapcore.ISO8601TimeEncoder
		enc = zapcore.NewJSONEncoder(ec)
	} else {
		ec := zap.NewDevelopmentEncoderConfig()
		ec.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05")
		enc = zapcore.NewConsoleEncoder(ec)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(w), lvl))
}

// core is what every subcommand that handles incidents shares.
type core struct {
	store  *store.Store
	svc    *handlers.Service
	router *bot.Router
	reg    *prometheus.Registry
	close  func()
}

// newCore opens Redis (embedded when REDIS_URL is unset) and the timeline
// spool (with REDIS_URL, unless spool.path is "off"), wires the store, the
// handlers and the router, and starts the spool's replayer; close stops
// the replayer and closes the spool and Redis (after the router's Close).
func newCore(ctx context.Context, cfg *config.Config, alertPlatform string, tune func(*handlers.Options), log *zap.Logger) (*core, error) {
	rdb, closeRedis, err := openRedis(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	st, err := store.New(rdb, store.Options{Prefix: cfg.Redis.Prefix, Log: log.Named("store")})
	if err != nil {
		closeRedis()
		return nil, err
	}
	var sp *store.Spool
	if cfg.SpoolEnabled() {
		if sp, err = openSpool(cfg, log.Named("spool")); err != nil {
			closeRedis()
			return nil, err
		}
	}
	opts := handlerOptions(cfg, log)
	opts.AlertPlatform = alertPlatform
	opts.Spool = sp
	if tune != nil {
		tune(&opts)
	}
	reg := prometheus.NewRegistry()
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "warroom_command_duration_seconds",
		Help:    "Time to handle one command, button click, form, message or alert, by command and outcome.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"command", "outcome"})
	reg.MustRegister(latency, st.Collector(), collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if sp != nil {
		reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "warroom_spool_entries",
				Help: "Timeline entries waiting in the spool for Redis."}, func() float64 { return float64(sp.Len()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "warroom_spool_bytes",
				Help: "Size of the timeline spool file."}, func() float64 { return float64(sp.Size()) }))
	}
	router := bot.NewRouter(bot.Options{
		Workers: cfg.Workers, Queue: cfg.Queue, Lang: bot.Lang(cfg.Lang), Log: log,
		Observe: func(command string, d time.Duration, err error) {
			outcome := "ok"
			if err != nil {
				outcome = bot.CodeOf(err)
			}
			latency.WithLabelValues(command, outcome).Observe(d.Seconds())
		},
	})
	svc, err := handlers.New(st, router, opts) // mounted on router
	if err != nil {
		_ = router.Close(context.Background())
		if sp != nil {
			_ = sp.Close()
		}
		closeRedis()
		return nil, err
	}
	closeAll := func() {
		cctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := svc.Close(cctx); err != nil {
			log.Error("close handlers", zap.Error(err))
		}
		if sp != nil {
			if err := sp.Close(); err != nil {
				log.Error("close timeline spool", zap.Error(err))
			}
		}
		closeRedis()
	}
	return &core{store: st, svc: svc, router: router, reg: reg, close: closeAll}, nil
}

// maxSpoolSlots is how many default spool files (warroom-spool.jsonl,
// warroom-spool-2.jsonl, ...) are tried when other processes on the host
// hold the first ones.
const maxSpoolSlots = 16

// openSpool opens the configured spool file, or without one the first
// default file in the temporary directory no other process holds.
func openSpool(cfg *config.Config, log *zap.Logger) (*store.Spool, error) {
	if p := cfg.Spool.Path; p != "" {
		sp, err := store.OpenSpool(p, cfg.Spool.MaxBytes, log)
		if err != nil {
			return nil, fmt.Errorf("spool.path (WARROOM_SPOOL_PATH): %w", err)
		}
		return sp, nil
	}
	for i := 1; i <= maxSpoolSlots; i++ {
		name := "warroom-spool.jsonl"
		if i > 1 {
			name = fmt.Sprintf("warroom-spool-%d.jsonl", i)
		}
		sp, err := store.OpenSpool(filepath.Join(os.TempDir(), name), cfg.Spool.MaxBytes, log)
		if errors.Is(err, store.ErrSpoolLocked) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("timeline spool (set spool.path or WARROOM_SPOOL_PATH): %w", err)
		}
		log.Info("timeline spool", zap.String("path", sp.Path()))
		return sp, nil
	}
	return nil, fmt.Errorf("timeline spool: the %d default files in %s are all in use; set spool.path or WARROOM_SPOOL_PATH", maxSpoolSlots, os.TempDir())
}

func handlerOptions(cfg *config.Config, log *zap.Logger) handlers.Options {
	opts := handlers.Options{
		Roles: cfg.AllRoles(), RoleHelp: map[bot.Role]string{}, Admins: cfg.Admins,
		Policy: map[string][]string{}, Criteria: map[bot.Priority]string{}, PriorityNames: map[bot.Priority]string{},
		ChannelPrefix: cfg.Channels.Prefix, PrivateChannels: cfg.Channels.Private,
		ArchiveOnClose: cfg.Channels.ArchiveOnClose, Location: cfg.Location(), Log: log,
		Announce: map[string]string{},
	}
	if ch := cfg.Slack.AnnounceChannel; ch != "" {
		opts.Announce[slackadapter.Name] = ch
	}
	if ch := cfg.Teams.AnnounceChannel; ch != "" {
		opts.Announce[teams.Name] = ch
	}
	opts.AutoResolve, opts.FlapWindow = cfg.Alerts.AutoResolve, time.Duration(cfg.Alerts.FlapWindow)
	opts.TriageAckAfter = time.Duration(cfg.Reminders.TriageAckAfter)
	opts.NoCommanderAfter = time.Duration(cfg.Reminders.NoCommanderAfter)
	opts.Lang = bot.Lang(cfg.Lang)
	opts.PostmortemTemplate, opts.PostmortemOptional = cfg.Postmortem.Template, cfg.Postmortem.Optional
	opts.PublicURL = cfg.PublicURL
	opts.VerifyByOther, opts.VerifyAfter = cfg.Followups.VerifyByOther, time.Duration(cfg.Followups.VerifyAfter)
	opts.UpdateEvery = map[bot.Priority]time.Duration{}
	for _, p := range bot.Priorities {
		opts.UpdateEvery[p] = time.Duration(cfg.Level(p).UpdateEvery)
	}
	for _, r := range cfg.Alerts.Rules {
		p, _ := bot.ParsePriority(r.Priority)
		opts.AlertRules = append(opts.AlertRules, handlers.AlertRule{
			Name: r.Name, Source: r.Match.Source, Labels: r.Match.Labels, Priority: p, Platform: r.Platform,
			Announce: r.AnnounceChannel, Responders: r.Responders, Runbook: r.Runbook, NoIncident: !r.Opens(),
		})
	}
	for _, r := range cfg.Roles {
		opts.RoleHelp[bot.Role(r.Name)] = r.Description
	}
	for _, a := range config.Actions {
		opts.Policy[a] = cfg.Allowed(a)
	}
	for _, p := range bot.Priorities {
		opts.Criteria[p] = cfg.Level(p).Criteria
		opts.PriorityNames[p] = cfg.Level(p).Name
	}
	return opts
}

// openRedis connects to REDIS_URL, failing fast when it cannot be reached,
// or starts an in-process Redis that keeps data in memory only.
func openRedis(ctx context.Context, cfg *config.Config, log *zap.Logger) (redis.UniversalClient, func(), error) {
	redis.SetLogger(redisLog{log.Named("redis")})
	if url := cfg.Redis.URL.Reveal(); url != "" {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		rdb, err := store.Dial(dctx, url)
		if err != nil {
			return nil, nil, fmt.Errorf("redis (REDIS_URL) cannot be reached: %w", err)
		}
		return rdb, func() { _ = rdb.Close() }, nil
	}
	mr, err := miniredis.Run()
	if err != nil {
		return nil, nil, fmt.Errorf("start embedded redis: %w", err)
	}
	log.Warn("REDIS_URL is not set: using an embedded in-memory Redis; incidents are lost when Warroom stops")
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	return rdb, func() { _ = rdb.Close(); mr.Close() }, nil
}

// redisLog sends go-redis's own messages (reconnects, pool trouble) to zap
// instead of the standard logger.
type redisLog struct{ log *zap.Logger }

func (l redisLog) Printf(_ context.Context, format string, v ...any) {
	l.log.Warn(fmt.Sprintf(format, v...))
}

// consoleOptions are the console subcommand's flags.
type consoleOptions struct {
	user, lang, people string
	speed              float64
}

// maxSpeed bounds --speed: an hour a second.
const maxSpeed = 3600

// runConsole runs the terminal chat until its input ends, with reminders
// on the console's clock (--speed times real time). It also listens on
// WARROOM_ADDR, so alerts posted with curl open incidents in the
// console's workspace.
func runConsole(ctx context.Context, cfg *config.Config, o consoleOptions, in io.Reader, out io.Writer, log *zap.Logger) error {
	if o.lang != "" {
		l, ok := bot.ParseLang(o.lang)
		if !ok {
			return fmt.Errorf("--lang must be ja or en, got %q", o.lang)
		}
		ccfg := *cfg
		ccfg.Lang = string(l)
		cfg = &ccfg
	}
	if !(o.speed >= 1 && o.speed <= maxSpeed) { // also refuses NaN
		return fmt.Errorf("--speed must be between 1 and %d, got %v", maxSpeed, o.speed)
	}
	var people []string
	for _, p := range strings.Split(o.people, ",") {
		if p = strings.TrimSpace(p); p != "" {
			people = append(people, p)
		}
	}
	c, err := newCore(ctx, cfg, alertPlatform(cfg, console.Name), func(opts *handlers.Options) {
		opts.Now = scaledClock(time.Now(), o.speed)
		opts.ClockSpeed, opts.DrillSpeed = o.speed, o.speed
		opts.Reminders = handlers.Reminders{Local: true,
			Every: max(time.Duration(float64(cfg.Reminders.Every)/o.speed), 10*time.Millisecond)}
	}, log)
	if err != nil {
		return err
	}
	defer c.close()
	con, err := console.New(console.Options{In: in, Out: out, User: o.user, People: people, Speed: o.speed,
		Lang: bot.Lang(cfg.Lang), Log: log})
	if err != nil {
		return err
	}
	c.router.Register(con)
	alerts, err := alertSources(cfg, c, log)
	if err != nil {
		return err
	}
	hctx, stop := context.WithCancel(ctx)
	defer stop()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		log.Warn("console: not listening for alerts", zap.String("addr", cfg.Addr), zap.Error(err))
	} else {
		go func() { _ = serveHTTP(hctx, ln, routes(c, cfg, platforms{}, alerts, log), log) }()
	}
	defer func() { _ = c.router.Close(context.Background()) }()
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		if err := c.svc.Run(hctx); err != nil {
			log.Error("handlers", zap.Error(err))
		}
	}()
	defer func() { stop(); <-ran }()
	return con.Run(ctx, c.router)
}

// scaledClock is a clock that reads start when made and then runs speed
// times faster than real time.
func scaledClock(start time.Time, speed float64) func() time.Time {
	return func() time.Time {
		return start.Add(time.Duration(float64(time.Since(start)) * speed))
	}
}

// export writes an incident's postmortem draft from the configured Redis.
func export(ctx context.Context, cfg *config.Config, ref, format, lang string, out io.Writer, log *zap.Logger) error {
	id, ok := bot.ParseID(ref)
	if !ok {
		return fmt.Errorf("%q is not an incident ID such as INC-42", ref)
	}
	if format != "md" && format != "json" {
		return fmt.Errorf("--format must be md or json, got %q", format)
	}
	l := bot.Lang(cfg.Lang)
	if lang != "" {
		var ok bool
		if l, ok = bot.ParseLang(lang); !ok {
			return fmt.Errorf("--lang must be ja or en, got %q", lang)
		}
	}
	ecfg := *cfg
	ecfg.Spool.Path = config.SpoolOff // a one-off read records nothing
	c, err := newCore(ctx, &ecfg, "", nil, log)
	if err != nil {
		return err
	}
	defer c.close()
	defer func() { _ = c.router.Close(context.Background()) }()
	if format == "json" {
		data, err := c.svc.PostmortemData(ctx, id)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(data)
	}
	md, err := c.svc.Postmortem(ctx, id, l)
	if err != nil {
		return err
	}
	_, err = io.WriteString(out, md)
	return err
}

// serve runs the bot until ctx ends, then drains in-flight work.
func serve(ctx context.Context, cfg *config.Config, log *zap.Logger) error {
	defer func() { _ = log.Sync() }()
	platform := ""
	if cfg.Teams.Enabled() {
		platform = teams.Name
	}
	if cfg.Slack.Enabled() {
		platform = slackadapter.Name
	}
	c, err := newCore(ctx, cfg, alertPlatform(cfg, platform), func(opts *handlers.Options) {
		opts.Reminders = handlers.Reminders{Holder: replicaName(), Every: time.Duration(cfg.Reminders.Every)}
	}, log)
	if err != nil {
		return err
	}
	defer c.close()
	sl, err := startSlack(ctx, cfg, c, log)
	if err != nil {
		return err
	}
	tm, err := startTeams(cfg, c, log)
	if err != nil {
		return err
	}
	alerts, err := alertSources(cfg, c, log)
	if err != nil {
		return err
	}
	if name := alertPlatform(cfg, platform); len(alerts) > 0 {
		if _, ok := c.router.Platform(name); !ok {
			return fmt.Errorf("alert sources are configured but the chat platform %q they open incidents on is not: set up Slack or Teams, or WARROOM_ALERT_PLATFORM", name)
		}
	}
	if cfg.API.Token.Reveal() == "" {
		log.Warn("WARROOM_API_TOKEN is not set: the read-only API at /api/ answers without authentication")
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	log.Info("warroom serving", zap.String("addr", ln.Addr().String()), zap.String("version", version))
	if onListen != nil {
		onListen(ln.Addr().String())
	}
	go func() {
		if err := c.svc.Run(ctx); err != nil {
			log.Error("handlers", zap.Error(err))
		}
	}()
	herr := serveHTTP(ctx, ln, routes(c, cfg, platforms{slack: sl, teams: tm}, alerts, log), log)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	// The HTTP server has stopped; the router drains, then the handlers'
	// background work stops (c.close closes the spool and Redis after).
	rerr := c.router.Close(sctx)
	return errors.Join(herr, rerr, c.svc.Close(sctx))
}

// serveHTTP serves on ln until ctx ends, then drains in-flight requests.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, log *zap.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          zap.NewStdLog(log.Named("http")),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests and queued events")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return srv.Shutdown(sctx)
}

// replicaName tells replicas apart for the reminders lease.
func replicaName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// alertPlatform is where alerts open incidents: configured, else the
// first chat platform running.
func alertPlatform(cfg *config.Config, first string) string {
	if cfg.Alerts.Platform != "" {
		return cfg.Alerts.Platform
	}
	return first
}

// alertSources builds the alert endpoints that are configured, by path.
func alertSources(cfg *config.Config, c *core, log *zap.Logger) (map[string]func(http.ResponseWriter, *http.Request) error, error) {
	a := cfg.Alerts
	out := map[string]func(http.ResponseWriter, *http.Request) error{}
	if tok := a.Alertmanager.Token.Reveal(); tok != "" {
		am, err := alertmanager.New(alertmanager.Options{Token: tok, PerAlert: a.Alertmanager.PerAlert, Router: c.router, Log: log})
		if err != nil {
			return nil, err
		}
		out[alertmanager.Name] = am.Handle
	}
	if a.Grafana.Enabled() {
		g, err := grafana.New(grafana.Options{Token: a.Grafana.Token.Reveal(), Secret: a.Grafana.Secret.Reveal(), Router: c.router, Log: log})
		if err != nil {
			return nil, err
		}
		out[grafana.Name] = g.Handle
	}
	if a.Webhook.Enabled() {
		w, err := webhook.New(webhook.Options{Token: a.Webhook.Token.Reveal(), Secret: a.Webhook.Secret.Reveal(), Router: c.router, Log: log})
		if err != nil {
			return nil, err
		}
		out[webhook.Name] = w.Handle
	}
	if len(a.CloudWatch.TopicARNs) > 0 {
		opts := cloudwatch.Options{TopicARNs: a.CloudWatch.TopicARNs, Router: c.router, Log: log}
		if a.CloudWatch.CertHost != "" {
			opts.CertHost = regexp.MustCompile(a.CloudWatch.CertHost) // validated by config
		}
		cw, err := cloudwatch.New(opts)
		if err != nil {
			return nil, err
		}
		out[cloudwatch.Name] = cw.Handle
	}
	return out, nil
}

// startSlack connects Slack when it is configured: over Socket Mode with an
// app token (running until ctx ends), else through the HTTP endpoints.
func startSlack(ctx context.Context, cfg *config.Config, c *core, log *zap.Logger) (*slackadapter.Adapter, error) {
	if !cfg.Slack.Enabled() {
		return nil, nil
	}
	a, err := slackadapter.New(slackadapter.Options{
		BotToken: cfg.Slack.BotToken.Reveal(), SigningSecret: cfg.Slack.SigningSecret.Reveal(),
		AppToken: cfg.Slack.AppToken.Reveal(), APIURL: cfg.Slack.APIURL, TeamID: cfg.Slack.TeamID,
		Lang: bot.Lang(cfg.Lang), Router: c.router, Users: c.store, Replays: c.store, Log: log,
	})
	if err != nil {
		return nil, err
	}
	c.router.Register(a)
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	// Socket Mode runs on ctx, not sctx: only the first call is bounded.
	if err := a.Start(ctx, sctx); err != nil {
		return nil, err
	}
	return a, nil
}

// startTeams builds the Teams adapter when it is configured; it needs no
// connection of its own: Teams calls POST /teams/messages.
func startTeams(cfg *config.Config, c *core, log *zap.Logger) (*teams.Adapter, error) {
	t := cfg.Teams
	if !t.Enabled() {
		return nil, nil
	}
	a, err := teams.New(teams.Options{
		AppID: t.AppID, AppPassword: t.AppPassword.Reveal(), TenantID: t.TenantID,
		LoginURL: t.LoginURL, GraphURL: t.GraphURL, MetadataURL: t.MetadataURL, ServiceURL: t.ServiceURL,
		TeamID: t.TeamID, IncidentsChannel: t.IncidentsChannel, PrivateChannel: t.PrivateChannel,
		Lang: bot.Lang(cfg.Lang), Router: c.router, Log: log,
		Users: c.store,
	})
	if err != nil {
		return nil, err
	}
	c.router.Register(a)
	return a, nil
}

// platforms are the chat adapters with HTTP endpoints, nil when off.
type platforms struct {
	slack *slackadapter.Adapter
	teams *teams.Adapter
}

// adapterHandler serves an adapter's endpoint, writing its errors as JSON.
func adapterHandler(f func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			httpx.WriteErr(w, err)
		}
	})
}

// routes is the one route table of the HTTP server.
func routes(c *core, cfg *config.Config, p platforms, alerts map[string]func(http.ResponseWriter, *http.Request) error, log *zap.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := c.store.Ping(ctx); err != nil {
			httpx.WriteError(w, http.StatusServiceUnavailable, "unavailable", "redis is not reachable")
			return
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(c.reg, promhttp.HandlerOpts{}))
	mux.Handle("/api/", api.New(c.svc, cfg.API.Token.Reveal(), log))
	for _, source := range []string{alertmanager.Name, cloudwatch.Name, grafana.Name, webhook.Name} {
		h, ok := alerts[source]
		if !ok {
			msg := source + " alerts are not configured"
			h = func(w http.ResponseWriter, _ *http.Request) error {
				return &httpx.Error{Status: http.StatusNotFound, Code: "not_found", Msg: msg}
			}
		}
		mux.Handle("POST /alerts/"+source, adapterHandler(h))
	}
	if sl := p.slack; sl != nil {
		mux.Handle("POST /slack/commands", adapterHandler(sl.Commands))
		mux.Handle("POST /slack/events", adapterHandler(sl.Events))
		mux.Handle("POST /slack/interactions", adapterHandler(sl.Interactions))
	}
	if p.teams != nil {
		mux.Handle("POST /teams/messages", adapterHandler(p.teams.Messages))
	}
	return httpx.Recover(httpx.LimitBody(mux, maxBody), log)
}

// healthcheck probes the local server's /healthz, for container health
// checks in images without a shell or curl.
func healthcheck(ctx context.Context, addr string, stderr io.Writer) int {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port+"/healthz", nil)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "healthcheck: status", resp.StatusCode)
		return 1
	}
	return 0
}

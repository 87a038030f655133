package app

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/console"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/handlers"
)

// consolePlatform is the terminal chat's row: the configuration may name
// it (alerts.platform: console), but serve never starts it; Console does,
// on its terminal.
func consolePlatform() Platform {
	return Platform{
		Name: console.Name, Display: "Console",
		Enabled: func(*config.Config) bool { return false },
	}
}

// Terminal is the console's person and streams.
type Terminal struct {
	// In is read line by line, Out receives the transcript.
	In  io.Reader
	Out io.Writer
	// User is who the person at the terminal is; People the workspace's
	// other people (console.DefaultPeople when empty).
	User   string
	People []string
	// Lang overrides the configured language ("" keeps it).
	Lang string
	// Speed is how many times faster than real time the console's clock
	// runs, between 1 and MaxSpeed.
	Speed float64
}

// MaxSpeed bounds Terminal.Speed: an hour a second.
const MaxSpeed = 3600

// Console runs the terminal chat until its input ends, with reminders on
// the console's clock (Speed times real time). It also listens on
// WARROOM_ADDR (else on a free loopback port, which it prints), so alerts
// posted with curl open incidents in the console's workspace and the web
// pages show them: WARROOM_PUBLIC_URL is the base of their links when
// set, else the listener's own URL, so `/incident web` gives a link that
// works in a browser on this machine.
func Console(ctx context.Context, cfg *config.Config, log *zap.Logger, term Terminal, opts Options) error {
	if term.Lang != "" {
		l, ok := bot.ParseLang(term.Lang)
		if !ok {
			return fmt.Errorf("--lang must be ja or en, got %q", term.Lang)
		}
		ccfg := *cfg
		ccfg.Lang = string(l)
		cfg = &ccfg
	}
	if !(term.Speed >= 1 && term.Speed <= MaxSpeed) { // also refuses NaN
		return fmt.Errorf("--speed must be between 1 and %d, got %v", MaxSpeed, term.Speed)
	}
	ln, err := net.Listen("tcp", consoleAddr(cfg))
	if err != nil {
		log.Warn("console: not listening for alerts and web pages", zap.String("addr", consoleAddr(cfg)), zap.Error(err))
	} else {
		defer func() { _ = ln.Close() }() // when serving never started
		ccfg := *cfg
		ccfg.PublicURL = webBase(cfg, ln)
		cfg = &ccfg
	}
	c, err := newCore(ctx, cfg, alertPlatform(cfg, console.Name), func(o *handlers.Options) {
		o.Now = scaledClock(time.Now(), term.Speed)
		o.ClockSpeed, o.DrillSpeed = term.Speed, term.Speed
		o.Reminders = handlers.Reminders{Local: true,
			Every: max(time.Duration(float64(cfg.Reminders.Every)/term.Speed), 10*time.Millisecond)}
	}, false, log)
	if err != nil {
		return err
	}
	defer c.close()
	con, err := console.New(console.Options{In: term.In, Out: term.Out, User: term.User, People: term.People,
		Speed: term.Speed, Lang: bot.Lang(cfg.Lang), Log: log})
	if err != nil {
		return err
	}
	c.router.Register(con)
	alerts, err := buildAlertSources(cfg, opts.sources(), c, log)
	if err != nil {
		return err
	}
	hctx, stop := context.WithCancel(ctx)
	defer stop()
	if ln != nil {
		if err := mountWeb(c, cfg, log); err != nil {
			return err
		}
		if opts.OnListen != nil {
			opts.OnListen(ln.Addr().String())
		}
		_, _ = fmt.Fprintln(term.Out, bot.T(bot.Lang(cfg.Lang), "console.web_pages", "url", cfg.PublicURL+"/"))
		go func() { _ = serveHTTP(hctx, ln, routes(c, cfg, nil, alerts, log), c.endStreams(), log) }()
	}
	// Stopping runs in reverse: the HTTP server and the handlers'
	// background work end, then the router drains, then c.close.
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

package app

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/web"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/store"
)

const (
	// shutdownTimeout bounds each step of stopping: the HTTP server's
	// drain, the router's, the handlers' background work.
	shutdownTimeout = 25 * time.Second
)

// core is what every subcommand that handles incidents shares.
type core struct {
	store   *store.Store
	svc     *handlers.Service
	router  *bot.Router
	metrics *metrics
	// web is the web pages, served on the paths they own (nil: none, no
	// public URL).
	web *web.Server
	// overflow keeps the router's overflow of a serving replica (nil:
	// none); Serve starts it once the platforms are registered, so that
	// what it adopts finds them.
	overflow *overflowKeeper
	// integrations are the integrations' webhooks as serve mounts them
	// (nil: none mounted, every route answers 404).
	integrations []integrationRoute
	close        func()
}

// newCore opens Redis (embedded when REDIS_URL is unset) and the timeline
// spool (with REDIS_URL, unless spool.path is "off"), and wires the store,
// the handlers and the router; tune adjusts the handlers' options for the
// subcommand. A serving replica's router spills what does not fit its
// queues into Redis (bot.Overflow, see overflow.go). close stops the
// handlers' background work and closes the spool and Redis; the caller
// closes the router before it.
func newCore(ctx context.Context, cfg *config.Config, alertPlatform string, tune func(*handlers.Options), serving bool, log *zap.Logger) (*core, error) {
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
	if serving {
		// Only a serving replica pages: the console and export never do.
		if err := buildIntegrations(cfg, Integrations(), &opts, log); err != nil {
			if sp != nil {
				_ = sp.Close()
			}
			closeRedis()
			return nil, err
		}
	}
	if tune != nil {
		tune(&opts)
	}
	m := newMetrics(st, sp)
	var keeper *overflowKeeper
	var ov bot.Overflow
	if serving {
		if keeper, err = newOverflowKeeper(ctx, st, log); err != nil {
			closeRedis()
			return nil, err
		}
		ov = keeper.ov
	}
	svc, router, err := newService(cfg, st, ov, opts, m, log)
	if err != nil {
		if sp != nil {
			_ = sp.Close()
		}
		closeRedis()
		return nil, err
	}
	closeAll := func() {
		if keeper != nil {
			keeper.close()
		}
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
	return &core{store: st, svc: svc, router: router, metrics: m, overflow: keeper, close: closeAll}, nil
}

// newService builds the router and the handlers mounted on it: the one
// place the two meet. The router is closed again when the handlers cannot
// be built.
func newService(cfg *config.Config, st *store.Store, ov bot.Overflow, opts handlers.Options, m *metrics, log *zap.Logger) (*handlers.Service, *bot.Router, error) {
	router := bot.NewRouter(bot.Options{
		Workers: cfg.Workers, Queue: cfg.Queue, Lang: bot.Lang(cfg.Lang), Log: log, Overflow: ov,
		Observe: func(command string, d time.Duration, err error) {
			outcome := "ok"
			if err != nil {
				outcome = bot.CodeOf(err)
			}
			m.latency.WithLabelValues(command, outcome).Observe(d.Seconds())
		},
	})
	svc, err := handlers.New(st, router, opts) // mounted on router
	if err != nil {
		_ = router.Close(context.Background())
		return nil, nil, err
	}
	return svc, router, nil
}

// alertPlatform is where alerts open incidents: configured, else the
// first chat platform running.
func alertPlatform(cfg *config.Config, first string) string {
	if cfg.Alerts.Platform != "" {
		return cfg.Alerts.Platform
	}
	return first
}

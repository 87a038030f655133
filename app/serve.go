package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/handlers"
)

// Serve runs the bot until ctx ends, then stops in this order, each step
// bounded by 25 seconds: the HTTP server drains its requests, the router
// its queued events, the handlers their background work; then the spool
// and Redis close.
func Serve(ctx context.Context, cfg *config.Config, log *zap.Logger, opts Options) error {
	defer func() { _ = log.Sync() }()
	if ps := ServeProblems(cfg, opts.sources()); len(ps) > 0 {
		return ps
	}
	first := firstPlatform(cfg)
	c, err := newCore(ctx, cfg, alertPlatform(cfg, first), func(o *handlers.Options) {
		o.Reminders = handlers.Reminders{Holder: replicaName(), Every: time.Duration(cfg.Reminders.Every)}
	}, true, log)
	if err != nil {
		return err
	}
	defer c.close()
	platforms, err := startPlatforms(ctx, cfg, c, log)
	if err != nil {
		return err
	}
	if err := mountWeb(c, cfg, log); err != nil {
		return err
	}
	alerts, err := buildAlertSources(cfg, opts.sources(), c, log)
	if err != nil {
		return err
	}
	if c.integrations, err = mountIntegrations(cfg, Integrations(), c, log); err != nil {
		return err
	}
	c.overflow.run(c.router)
	if cfg.API.Token.Reveal() == "" {
		log.Warn("WARROOM_API_OPEN=true: the read-only API at /api/ answers without authentication")
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen on %s (metrics_addr): %w", cfg.MetricsAddr, err)
		}
		log.Info("metrics listener", zap.String("addr", mln.Addr().String()))
		if opts.OnMetricsListen != nil {
			opts.OnMetricsListen(mln.Addr().String())
		}
		go func() {
			if err := serveHTTP(ctx, mln, opsRoutes(c, log), nil, log); err != nil {
				log.Error("metrics listener", zap.Error(err))
			}
		}()
	}
	log.Info("warroom serving", zap.String("addr", ln.Addr().String()), zap.String("version", opts.Version))
	if opts.OnListen != nil {
		opts.OnListen(ln.Addr().String())
	}
	go func() {
		if err := c.svc.Run(ctx); err != nil {
			log.Error("handlers", zap.Error(err))
		}
	}()
	herr := serveHTTP(ctx, ln, routes(c, cfg, platforms, alerts, log), c.endStreams(), log)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	// The HTTP server has stopped; the router drains, then the handlers'
	// background work stops (c.close closes the spool and Redis after).
	rerr := c.router.Close(sctx)
	return errors.Join(herr, rerr, c.svc.Close(sctx))
}

// replicaName tells replicas apart for the reminders lease.
func replicaName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

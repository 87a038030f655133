package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/api"
	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/internal/httpx"
)

// maxBody bounds every request body: 1 MiB.
const maxBody = 1 << 20

// serveHTTP serves on ln until ctx ends, then drains in-flight requests.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, endStreams func(context.Context) error, log *zap.Logger) error {
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
	// Live pages' event streams never go idle by themselves: they end
	// first, or Shutdown would wait for them until its timeout.
	var serr error
	if endStreams != nil {
		serr = endStreams(sctx)
	}
	return errors.Join(serr, srv.Shutdown(sctx))
}

// JSONErrors serves an adapter's endpoint, writing its errors as JSON.
func JSONErrors(f Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			httpx.WriteErr(w, err)
		}
	})
}

// routes is the one route table of the HTTP server: health, metrics
// (unless the metrics listener serves them) and the API, then the chat platforms' endpoints, one per alert source of
// the table and one per integration of its table, and the web pages (when there are any) on the paths they
// own, all behind the body limit and the panic recoverer.
func routes(c *core, cfg *config.Config, platforms []Route, alerts []alertRoute, log *zap.Logger) http.Handler {
	mux := http.NewServeMux()
	health(mux, c)
	if cfg.MetricsAddr == "" {
		mux.Handle("GET /metrics", promhttp.HandlerFor(c.metrics.reg, promhttp.HandlerOpts{}))
	}
	mux.Handle("/api/", api.New(c.svc, cfg.API.Token.Reveal(), log))
	for _, a := range alerts {
		h := a.handle
		if h == nil {
			h = notConfigured(a.source.Name)
		}
		mux.Handle(a.source.Route(), JSONErrors(h))
	}
	for pattern, h := range integrationHandlers(c.integrations) {
		mux.Handle(pattern, h)
	}
	for _, r := range platforms {
		mux.Handle(r.Pattern, r.Handler)
	}
	var web pages
	if c.web != nil {
		web = c.web
	}
	return httpx.Recover(httpx.LimitBody(unmatched(mux, web), maxBody), log)
}

// health registers /healthz (the process answers) and /readyz (Redis
// answers too) on mux.
func health(mux *http.ServeMux, c *core) {
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
}

// opsRoutes is the route table of the metrics listener (metrics_addr):
// /metrics, /healthz and /readyz only, for a scraper on a private network.
func opsRoutes(c *core, log *zap.Logger) http.Handler {
	mux := http.NewServeMux()
	health(mux, c)
	mux.Handle("GET /metrics", promhttp.HandlerFor(c.metrics.reg, promhttp.HandlerOpts{}))
	return httpx.Recover(unmatched(mux, nil), log)
}

// pages is the web interface as the route table sees it: the pages, and
// which paths are theirs.
type pages interface {
	http.Handler
	Owns(path string) bool
}

// unmatched serves mux, answering a request no route takes as JSON like
// every other error of the table: 405 with the Allow header the mux sets
// for a path that takes other methods, else 404. The one exception is a
// path the web pages own (when web is not nil): the pages answer it,
// with an HTML page for what they do not know, as a browser expects.
// Everything else, "/slack/events" asked with GET or a path nobody
// serves, stays JSON with or without the pages.
func unmatched(mux *http.ServeMux, web pages) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := &statusProbe{header: http.Header{}}
		h.ServeHTTP(probe, r)
		switch {
		case probe.status == http.StatusMethodNotAllowed:
			methodNotAllowed(probe.header.Get("Allow")).ServeHTTP(w, r)
		case web != nil && web.Owns(r.URL.Path):
			web.ServeHTTP(w, r)
		case probe.status == http.StatusNotFound:
			httpx.WriteError(w, http.StatusNotFound, "not_found", "no such endpoint")
		default:
			// The mux's redirect to the cleaned path ("/a//b" to "/a/b").
			h.ServeHTTP(w, r)
		}
	})
}

// methodNotAllowed answers 405 as JSON, with allow (such as "POST") as
// the Allow header.
func methodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Allow", allow)
		httpx.WriteError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed")
	})
}

// statusProbe records the status and headers the mux's own error handler
// would answer with, and drops its plain-text body.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header         { return p.header }
func (p *statusProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *statusProbe) WriteHeader(status int)      { p.status = status }

// Healthcheck probes the /healthz of the server listening on addr's port
// on this host, for container health checks in images without a shell or
// curl.
func Healthcheck(ctx context.Context, addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

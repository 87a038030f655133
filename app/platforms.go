package app

import (
	"context"
	"net/http"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/store"
)

// Deps are what a chat platform or an alert source is built from, besides
// the configuration.
type Deps struct {
	// Router receives the events.
	Router *bot.Router
	// Store is for what an adapter caches in Redis (Slack's user names and
	// replay guard); an alert source needs none.
	Store *store.Store
	Log   *zap.Logger
}

// Handler serves one endpoint; an error is written as a JSON error
// (httpx.WriteErr).
type Handler func(http.ResponseWriter, *http.Request) error

// Route is one endpoint of a chat platform: a Go 1.22 pattern such as
// "POST /slack/events" and what serves it (JSONErrors turns an adapter's
// Handler into one).
type Route struct {
	Pattern string
	Handler http.Handler
}

// Platform is one row of the table of chat platforms.
type Platform struct {
	// Name is the adapter's Name: what the configuration names
	// (alerts.platform, a rule's platform) and incidents record.
	Name string
	// Display is the platform's name as people read it.
	Display string
	// Enabled reports whether the configuration sets the platform up for
	// serve.
	Enabled func(*config.Config) bool
	// Start builds the adapter, registers it with d.Router, connects it
	// (Socket Mode runs until ctx ends) and returns its endpoints. Nil for
	// the console, which only the console subcommand builds.
	Start func(ctx context.Context, cfg *config.Config, d Deps) ([]Route, error)
}

// Platforms is the table of chat platforms, in the order serve prefers
// them for alerts when alerts.platform is unset.
func Platforms() []Platform {
	return []Platform{slackPlatform(), teamsPlatform(), consolePlatform()}
}

// firstPlatform names the first platform of the table cfg enables, ""
// when none.
func firstPlatform(cfg *config.Config) string {
	for _, p := range Platforms() {
		if p.Enabled(cfg) {
			return p.Name
		}
	}
	return ""
}

// startPlatforms starts every enabled platform and returns their routes.
func startPlatforms(ctx context.Context, cfg *config.Config, c *core, log *zap.Logger) ([]Route, error) {
	var routes []Route
	for _, p := range Platforms() {
		if !p.Enabled(cfg) || p.Start == nil {
			continue
		}
		rs, err := p.Start(ctx, cfg, Deps{Router: c.router, Store: c.store, Log: log})
		if err != nil {
			return nil, err
		}
		routes = append(routes, rs...)
		log.Info("chat platform", zap.String("platform", p.Display), zap.Int("endpoints", len(rs)))
	}
	return routes, nil
}

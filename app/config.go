package app

import (
	"fmt"

	"github.com/warroomhq/warroom/config"
)

// Known is what the configuration may name: the alert sources and chat
// platforms of app's tables.
func Known() config.Known { return KnownNames(AlertSources(), Platforms()) }

// KnownNames lists the names of the given rows for config.Load.
func KnownNames(sources []AlertSource, platforms []Platform) config.Known {
	var k config.Known
	for _, s := range sources {
		k.AlertSources = append(k.AlertSources, s.Name)
	}
	for _, p := range platforms {
		k.Platforms = append(k.Platforms, p.Name)
	}
	return k
}

// LoadConfig loads and validates the configuration (config.Load) against
// the names of app's tables: what `warroom config check` and every other
// subcommand read.
func LoadConfig(path string, getenv func(string) string) (*config.Config, error) {
	return config.Load(path, getenv, Known())
}

// LoadServeConfig is LoadConfig plus ServeProblems: what `warroom serve`
// and `warroom config check` both read, so that a configuration check
// passes is one serve starts with.
func LoadServeConfig(path string, getenv func(string) string) (*config.Config, error) {
	cfg, err := LoadConfig(path, getenv)
	if err != nil {
		return nil, err
	}
	if ps := ServeProblems(cfg, AlertSources()); len(ps) > 0 {
		return nil, ps
	}
	return cfg, nil
}

// ServeProblems is what serve refuses in a configuration Load accepted
// (the console accepts it all): an embedded Redis, whose incidents are
// lost at restart, unless redis.embedded says so; an API open to anyone
// unless api.open says so; alert sources of table with no chat platform
// for their incidents; an integration that cannot be set up. Each Problem names the variable that fixes it.
func ServeProblems(cfg *config.Config, table []AlertSource) config.Problems {
	var ps config.Problems
	if cfg.Redis.URL.Reveal() == "" && !cfg.Redis.Embedded {
		ps = append(ps, config.Problem{Field: "redis.url", Message: "is not set: serve would keep incidents in an embedded in-memory Redis and lose them all when it stops; " +
			"set REDIS_URL, or WARROOM_REDIS_EMBEDDED=true (or --embedded-redis) to accept that"})
	}
	if cfg.API.Token.Reveal() == "" && !cfg.API.Open {
		ps = append(ps, config.Problem{Field: "api.token", Message: "is not set: the read-only API at /api/ would answer anyone who reaches it; " +
			"set WARROOM_API_TOKEN, or WARROOM_API_OPEN=true to serve it without a token"})
	}
	if cfg.StatusPage.Enabled() && cfg.PublicURL == "" {
		// The console serves its pages on a loopback port of its own; serve
		// has pages only with a public URL, so the page would be silently off.
		ps = append(ps, config.Problem{Field: "public_url", Message: "is required with status_page.components: serve publishes the status page at <public_url>/status; set WARROOM_PUBLIC_URL"})
	}
	ps = append(ps, integrationProblems(cfg, Integrations())...)
	if alertsConfigured(cfg, table) {
		if name := alertPlatform(cfg, firstPlatform(cfg)); !servesPlatform(cfg, name) {
			ps = append(ps, config.Problem{Field: "alerts.platform", Message: fmt.Sprintf(
				"alert sources are configured but the chat platform %q they open incidents on is not: set up Slack or Teams, or WARROOM_ALERT_PLATFORM", name)})
		}
	}
	return ps
}

// alertsConfigured reports whether cfg enables a source of table.
func alertsConfigured(cfg *config.Config, table []AlertSource) bool {
	for _, s := range table {
		if s.Enabled(cfg) {
			return true
		}
	}
	return false
}

// servesPlatform reports whether serve runs the chat platform name: a row
// of the table that cfg enables and serve starts (not the console).
func servesPlatform(cfg *config.Config, name string) bool {
	for _, p := range Platforms() {
		if p.Name == name {
			return p.Enabled(cfg) && p.Start != nil
		}
	}
	return false
}

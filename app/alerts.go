package app

import (
	"net/http"
	"regexp"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/alertmanager"
	"github.com/warroomhq/warroom/adapters/azure"
	"github.com/warroomhq/warroom/adapters/cloudwatch"
	"github.com/warroomhq/warroom/adapters/datadog"
	"github.com/warroomhq/warroom/adapters/grafana"
	"github.com/warroomhq/warroom/adapters/mackerel"
	"github.com/warroomhq/warroom/adapters/sentry"
	"github.com/warroomhq/warroom/adapters/webhook"
	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/internal/httpx"
)

// AlertSource is one row of the table of alert sources. Every row is
// served at POST /alerts/<Name>, answering 404 while the source is not
// configured.
type AlertSource struct {
	// Name is the adapter's Name: the route's last element, a rule's
	// match.source and bot.Alert's Source.
	Name string
	// Display is the source's name as people read it.
	Display string
	// Enabled reports whether the configuration sets the source up.
	Enabled func(*config.Config) bool
	// Build makes the source's handler; it runs only when Enabled.
	Build func(cfg *config.Config, d Deps) (Handler, error)
}

// Route is where the source is served.
func (s AlertSource) Route() string { return "POST /alerts/" + s.Name }

// AlertSources is the table of alert sources.
func AlertSources() []AlertSource {
	return []AlertSource{
		{
			Name: alertmanager.Name, Display: alertmanager.DisplayName,
			Enabled: func(cfg *config.Config) bool { return cfg.Alerts.Alertmanager.Token.Reveal() != "" },
			Build: func(cfg *config.Config, d Deps) (Handler, error) {
				a := cfg.Alerts.Alertmanager
				return built(alertmanager.New(alertmanager.Options{Token: a.Token.Reveal(), PerAlert: a.PerAlert, Router: d.Router, Log: d.Log}))
			},
		},
		{
			Name: cloudwatch.Name, Display: cloudwatch.DisplayName,
			Enabled: func(cfg *config.Config) bool { return len(cfg.Alerts.CloudWatch.TopicARNs) > 0 },
			Build: func(cfg *config.Config, d Deps) (Handler, error) {
				a := cfg.Alerts.CloudWatch
				opts := cloudwatch.Options{TopicARNs: a.TopicARNs, Router: d.Router, Log: d.Log}
				if a.CertHost != "" {
					opts.CertHost = regexp.MustCompile(a.CertHost) // validated by config
				}
				return built(cloudwatch.New(opts))
			},
		},
		{
			Name: grafana.Name, Display: grafana.DisplayName,
			Enabled: func(cfg *config.Config) bool { return cfg.Alerts.Grafana.Enabled() },
			Build: func(cfg *config.Config, d Deps) (Handler, error) {
				a := cfg.Alerts.Grafana
				return built(grafana.New(grafana.Options{Token: a.Token.Reveal(), Secret: a.Secret.Reveal(), Router: d.Router, Log: d.Log}))
			},
		},
		{
			Name: datadog.Name, Display: datadog.DisplayName,
			Enabled: func(cfg *config.Config) bool { return cfg.Alerts.Datadog.Enabled() },
			Build: func(cfg *config.Config, d Deps) (Handler, error) {
				return built(datadog.New(datadog.Options{Token: cfg.Alerts.Datadog.Token.Reveal(), Router: d.Router, Log: d.Log}))
			},
		},
		{
			Name: mackerel.Name, Display: mackerel.DisplayName,
			Enabled: func(cfg *config.Config) bool { return cfg.Alerts.Mackerel.Enabled() },
			Build: func(cfg *config.Config, d Deps) (Handler, error) {
				return built(mackerel.New(mackerel.Options{Token: cfg.Alerts.Mackerel.Token.Reveal(), Router: d.Router, Log: d.Log}))
			},
		},
		{
			Name: webhook.Name, Display: webhook.DisplayName,
			Enabled: func(cfg *config.Config) bool { return cfg.Alerts.Webhook.Enabled() },
			Build: func(cfg *config.Config, d Deps) (Handler, error) {
				a := cfg.Alerts.Webhook
				return built(webhook.New(webhook.Options{Token: a.Token.Reveal(), Secret: a.Secret.Reveal(), Router: d.Router, Log: d.Log}))
			},
		},
		{
			Name: sentry.Name, Display: sentry.DisplayName,
			Enabled: func(cfg *config.Config) bool { return cfg.Alerts.Sentry.ClientSecret.Reveal() != "" },
			Build: func(cfg *config.Config, d Deps) (Handler, error) {
				return built(sentry.New(sentry.Options{ClientSecret: cfg.Alerts.Sentry.ClientSecret.Reveal(), Router: d.Router, Log: d.Log}))
			},
		},
		{
			Name: azure.Name, Display: azure.DisplayName,
			Enabled: func(cfg *config.Config) bool { return cfg.Alerts.Azure.Token.Reveal() != "" },
			Build: func(cfg *config.Config, d Deps) (Handler, error) {
				return built(azure.New(azure.Options{Token: cfg.Alerts.Azure.Token.Reveal(), Router: d.Router, Log: d.Log}))
			},
		},
	}
}

// built is an alert adapter's endpoint, or the error that building it
// returned.
func built[A interface {
	Handle(http.ResponseWriter, *http.Request) error
}](a A, err error) (Handler, error) {
	if err != nil {
		return nil, err
	}
	return a.Handle, nil
}

// alertRoute is one source's endpoint, built or refusing.
type alertRoute struct {
	source AlertSource
	handle Handler // nil when the source is not configured
}

// buildAlertSources builds the configured sources of table; every row
// gets a route, the others answering 404.
func buildAlertSources(cfg *config.Config, table []AlertSource, c *core, log *zap.Logger) ([]alertRoute, error) {
	out := make([]alertRoute, 0, len(table))
	for _, s := range table {
		r := alertRoute{source: s}
		if s.Enabled(cfg) {
			h, err := s.Build(cfg, Deps{Router: c.router, Store: c.store, Log: log})
			if err != nil {
				return nil, err
			}
			r.handle = h
			log.Info("alert source", zap.String("source", s.Display), zap.String("route", s.Route()))
		}
		out = append(out, r)
	}
	return out, nil
}

// notConfigured answers for a source that is not set up.
func notConfigured(name string) Handler {
	msg := name + " alerts are not configured"
	return func(http.ResponseWriter, *http.Request) error {
		return &httpx.Error{Status: http.StatusNotFound, Code: "not_found", Msg: msg}
	}
}

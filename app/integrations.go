package app

import (
	"fmt"
	"net/http"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/backlog"
	"github.com/warroomhq/warroom/adapters/github"
	"github.com/warroomhq/warroom/adapters/jira"
	"github.com/warroomhq/warroom/adapters/pagerduty"
	"github.com/warroomhq/warroom/adapters/zoom"
	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/internal/httpx"
)

// Integration is one row of the table of outside systems Warroom works
// with (a pager; a tracker or a call provider next). Every row is served
// at POST /integrations/<Name>, answering 404 while its webhook is not
// configured. A new integration is one adapter package plus one row.
type Integration struct {
	// Name is the adapter's Name: the route's last element.
	Name string
	// Display is the system's name as people read it.
	Display string
	// Enabled reports whether the configuration sets the integration up.
	Enabled func(*config.Config) bool
	// Build makes what the handlers use (Uses); it runs only when Enabled,
	// before the handlers exist, and talks to no network, so that `config
	// check` can run it too (ServeProblems).
	Build func(cfg *config.Config, log *zap.Logger) (Uses, error)
	// Mount makes the integration's webhook once the router exists: nil
	// when the configuration sets none up. It runs only when Enabled.
	Mount func(cfg *config.Config, d Deps) (Handler, error)
}

// Uses is what an integration gives the handlers.
type Uses struct {
	// Paging pages on-call (handlers.Paging); nil for an integration that
	// is no pager.
	Paging *handlers.Paging
	// Calls starts incidents' video meetings (handlers.Calls); nil for an
	// integration that is no call provider.
	Calls *handlers.Calls
	// Tracking files follow-ups in an issue tracker (handlers.Tracking);
	// nil for an integration that is no tracker.
	Tracking *handlers.Tracking
}

// apply sets u's parts in the handlers' options.
func (u Uses) apply(o *handlers.Options) {
	if u.Paging != nil {
		o.Paging = *u.Paging
	}
	if u.Calls != nil {
		o.Calls = *u.Calls
	}
	if u.Tracking != nil {
		o.Tracking = *u.Tracking
	}
}

// Route is where the integration's webhook is served.
func (i Integration) Route() string { return "POST /integrations/" + i.Name }

// Integrations is the table of integrations.
func Integrations() []Integration {
	return []Integration{
		{
			Name: pagerduty.Name, Display: pagerduty.DisplayName,
			Enabled: func(cfg *config.Config) bool { return cfg.PagerDuty.Enabled() },
			Build: func(cfg *config.Config, log *zap.Logger) (Uses, error) {
				p := cfg.PagerDuty
				c, err := pagerduty.New(pagerduty.Options{RoutingKey: p.RoutingKey.Reveal(), BaseURL: p.APIURL, Log: log})
				if err != nil {
					return Uses{}, err
				}
				return Uses{Paging: &handlers.Paging{Pager: c, Priorities: p.Pages(), Platform: pagerduty.Name}}, nil
			},
			Mount: func(cfg *config.Config, d Deps) (Handler, error) {
				secret := cfg.PagerDuty.WebhookSecret.Reveal()
				if secret == "" {
					return nil, nil
				}
				// The webhook's commands come from PagerDuty's platform.
				d.Router.Register(pagerduty.Platform{})
				return built(pagerduty.NewWebhook(pagerduty.WebhookOptions{Secret: secret, Router: d.Router, Log: d.Log}))
			},
		},
		{
			// Zoom has no webhook Warroom takes: its route answers 404.
			Name: zoom.Name, Display: zoom.DisplayName,
			Enabled: func(cfg *config.Config) bool { return cfg.Zoom.Enabled() },
			Build: func(cfg *config.Config, log *zap.Logger) (Uses, error) {
				z := cfg.Zoom
				c, err := zoom.New(zoom.Options{AccountID: z.AccountID, ClientID: z.ClientID, ClientSecret: z.ClientSecret.Reveal(),
					APIURL: z.APIURL, OAuthURL: z.OAuthURL, Log: log})
				if err != nil {
					return Uses{}, err
				}
				return Uses{Calls: &handlers.Calls{Provider: c, Priorities: z.Calls()}}, nil
			},
		},
		jiraIntegration(),
		githubIntegration(),
		backlogIntegration(),
	}
}

// buildIntegrations builds what the enabled integrations of table give
// the handlers, into o.
func buildIntegrations(cfg *config.Config, table []Integration, o *handlers.Options, log *zap.Logger) error {
	for _, i := range table {
		if !i.Enabled(cfg) {
			continue
		}
		u, err := i.Build(cfg, log)
		if err != nil {
			return fmt.Errorf("%s: %w", i.Display, err)
		}
		u.apply(o)
		log.Info("integration", zap.String("integration", i.Display))
	}
	return nil
}

// integrationRoute is one integration's webhook, mounted or refusing.
type integrationRoute struct {
	row    Integration
	handle Handler // nil when not configured
}

// mountIntegrations mounts the webhooks of the enabled integrations of
// table; every row gets a route, the others answering 404.
func mountIntegrations(cfg *config.Config, table []Integration, c *core, log *zap.Logger) ([]integrationRoute, error) {
	out := make([]integrationRoute, 0, len(table))
	for _, i := range table {
		r := integrationRoute{row: i}
		if i.Enabled(cfg) && i.Mount != nil {
			h, err := i.Mount(cfg, Deps{Router: c.router, Store: c.store, Log: log})
			if err != nil {
				return nil, fmt.Errorf("%s: %w", i.Display, err)
			}
			r.handle = h
			if h != nil {
				log.Info("integration webhook", zap.String("integration", i.Display), zap.String("route", i.Route()))
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// integrationHandlers are the routes of rs, or of every row of the table
// unmounted when rs is nil (a subcommand that serves no webhooks).
func integrationHandlers(rs []integrationRoute) map[string]http.Handler {
	if rs == nil {
		for _, i := range Integrations() {
			rs = append(rs, integrationRoute{row: i})
		}
	}
	out := make(map[string]http.Handler, len(rs))
	for _, r := range rs {
		h := r.handle
		if h == nil {
			h = webhookNotConfigured(r.row.Name)
		}
		out[r.row.Route()] = JSONErrors(h)
	}
	return out
}

// webhookNotConfigured answers for an integration whose webhook is not
// set up.
func webhookNotConfigured(name string) Handler {
	msg := name + " webhooks are not configured"
	return func(http.ResponseWriter, *http.Request) error {
		return &httpx.Error{Status: http.StatusNotFound, Code: "not_found", Msg: msg}
	}
}

// integrationProblems are the enabled integrations of table that would
// not build: serve would stop at them, so `config check` says so too.
func integrationProblems(cfg *config.Config, table []Integration) config.Problems {
	var ps config.Problems
	for _, i := range table {
		if !i.Enabled(cfg) {
			continue
		}
		if _, err := i.Build(cfg, zap.NewNop()); err != nil {
			ps = append(ps, config.Problem{Field: i.Name, Message: "cannot be set up: " + err.Error()})
		}
	}
	return ps
}

// jiraIntegration is Jira's row: follow-ups filed as issues, and the
// issues' status followed back through an admin webhook.
func jiraIntegration() Integration {
	return Integration{
		Name: jira.Name, Display: jira.DisplayName,
		Enabled: func(cfg *config.Config) bool { return cfg.Jira.Enabled() },
		Build: func(cfg *config.Config, log *zap.Logger) (Uses, error) {
			j := cfg.Jira
			c, err := jira.New(jira.Options{BaseURL: j.URL, Email: j.Email, APIToken: j.APIToken.Reveal(),
				Project: j.Project, IssueType: j.IssueType, Log: log})
			if err != nil {
				return Uses{}, err
			}
			return Uses{Tracking: &handlers.Tracking{Tracker: c, Platform: jira.Name}}, nil
		},
		Mount: func(cfg *config.Config, d Deps) (Handler, error) {
			secret := cfg.Jira.WebhookSecret.Reveal()
			if secret == "" {
				return nil, nil
			}
			// The webhook's commands come from Jira's platform.
			d.Router.Register(jira.Platform{})
			return built(jira.NewWebhook(jira.WebhookOptions{Secret: secret, Router: d.Router, Log: d.Log}))
		},
	}
}

// githubIntegration is GitHub's row: follow-ups filed as issues in one
// repository, and the issues' closing and reopening followed back
// through a repository webhook. Config refuses it together with Jira, as
// the handlers hold one tracker.
func githubIntegration() Integration {
	return Integration{
		Name: github.Name, Display: github.DisplayName,
		Enabled: func(cfg *config.Config) bool { return cfg.GitHub.Enabled() },
		Build: func(cfg *config.Config, log *zap.Logger) (Uses, error) {
			g := cfg.GitHub
			c, err := github.New(github.Options{APIURL: g.APIURL, Token: g.Token.Reveal(), Repository: g.Repository, Log: log})
			if err != nil {
				return Uses{}, err
			}
			return Uses{Tracking: &handlers.Tracking{Tracker: c, Platform: github.Name}}, nil
		},
		Mount: func(cfg *config.Config, d Deps) (Handler, error) {
			secret := cfg.GitHub.WebhookSecret.Reveal()
			if secret == "" {
				return nil, nil
			}
			// The webhook's commands come from GitHub's platform.
			d.Router.Register(github.Platform{})
			return built(github.NewWebhook(github.WebhookOptions{Secret: secret, Router: d.Router, Log: d.Log}))
		},
	}
}

// backlogIntegration is Backlog's row: follow-ups filed as issues in one
// project, and the issues' status followed back through a project
// webhook. Backlog signs nothing, so the webhook's URL carries a token and
// every delivery is checked against the API through the same client.
// Config refuses it together with Jira or GitHub, as the handlers hold one
// tracker.
func backlogIntegration() Integration {
	client := func(cfg *config.Config, log *zap.Logger) (*backlog.Client, error) {
		b := cfg.Backlog
		return backlog.New(backlog.Options{BaseURL: b.URL, APIKey: b.APIKey.Reveal(), ProjectID: b.ProjectID,
			IssueTypeID: b.IssueTypeID, PriorityID: b.PriorityID, Log: log})
	}
	return Integration{
		Name: backlog.Name, Display: backlog.DisplayName,
		Enabled: func(cfg *config.Config) bool { return cfg.Backlog.Enabled() },
		Build: func(cfg *config.Config, log *zap.Logger) (Uses, error) {
			c, err := client(cfg, log)
			if err != nil {
				return Uses{}, err
			}
			return Uses{Tracking: &handlers.Tracking{Tracker: c, Platform: backlog.Name}}, nil
		},
		Mount: func(cfg *config.Config, d Deps) (Handler, error) {
			token := cfg.Backlog.WebhookToken.Reveal()
			if token == "" {
				return nil, nil
			}
			c, err := client(cfg, d.Log)
			if err != nil {
				return nil, err
			}
			// The webhook's commands come from Backlog's platform.
			d.Router.Register(backlog.Platform{})
			return built(backlog.NewWebhook(backlog.WebhookOptions{Token: token, Issues: c, Router: d.Router, Log: d.Log}))
		},
	}
}

package app

import (
	"context"
	"net"
	"strings"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/adapters/web"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/config"
)

// mountWeb builds the web pages when a public URL is configured, registers
// them on the router as the "web" platform (a click on a page is a
// command, as a button in chat is) and keeps them for the route table,
// which serves them on the paths they own (web.Server.Owns). Without a
// public URL there are no pages: `/incident web` says which variable to
// set, and "/" stays unrouted.
func mountWeb(c *core, cfg *config.Config, log *zap.Logger) error {
	if cfg.PublicURL == "" {
		return nil
	}
	srv, err := web.New(web.Options{
		PublicURL: cfg.PublicURL, Sessions: c.store, Incidents: c.svc, Postmortems: c.svc, FollowUps: c.svc, Router: c.router, Tail: c.store,
		Lang: bot.Lang(cfg.Lang), Location: cfg.Location(), Log: log, Status: statusPage(c, cfg), OIDC: webOIDC(c, cfg),
	})
	if err != nil {
		return err
	}
	c.router.Register(srv)
	c.web = srv
	log.Info("web pages", zap.String("public_url", cfg.PublicURL), zap.String("oidc_issuer", cfg.OIDC.Issuer))
	return nil
}

// statusPage is the public status page's configuration, nil (off)
// unless status_page lists components.
func statusPage(c *core, cfg *config.Config) *web.StatusOptions {
	if !cfg.StatusPage.Enabled() {
		return nil
	}
	langs := make([]bot.Lang, len(cfg.StatusPage.Languages))
	for i, l := range cfg.StatusPage.Languages {
		langs[i] = bot.Lang(l)
	}
	return &web.StatusOptions{Source: c.svc, Title: cfg.StatusPage.Title, Langs: langs, Components: cfg.StatusPage.Components}
}

// webOIDC is the OpenID Connect sign-in cfg configures, nil without an
// issuer. Sign in with Slack must also be of the configured workspace.
func webOIDC(c *core, cfg *config.Config) *web.OIDC {
	o := cfg.OIDC
	if !o.Enabled() {
		return nil
	}
	claim, platform, name := o.Mapping()
	w := &web.OIDC{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.ClientSecret.Reveal(),
		Claim: claim, Platform: platform, Name: name, Logins: c.store, People: c.svc}
	if strings.TrimRight(o.Issuer, "/") == config.SlackIssuer && cfg.Slack.TeamID != "" {
		w.Require = map[string]string{config.SlackTeamClaim: cfg.Slack.TeamID}
	}
	return w
}

// endStreams is what ends the web pages' live streams when the HTTP
// server stops (nil without pages).
func (c *core) endStreams() func(context.Context) error {
	if c.web == nil {
		return nil
	}
	return c.web.Close
}

// consoleAddr is where the console listens: WARROOM_ADDR when it names
// an address of its own, else a free loopback port, so that trying
// Warroom never needs a port chosen (or collides with a serve already
// running on the default one).
func consoleAddr(cfg *config.Config) string {
	if cfg.Addr == "" || cfg.Addr == config.DefaultAddr {
		return "127.0.0.1:0"
	}
	return cfg.Addr
}

// listenURL is the http URL of the listener ln, for a browser on this
// machine: an unspecified host (":8080") is reached at 127.0.0.1.
func listenURL(ln net.Listener) string {
	host, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		return "http://" + ln.Addr().String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// webBase is the base of the console's links: the configured public URL,
// else the URL of its own listener.
func webBase(cfg *config.Config, ln net.Listener) string {
	if cfg.PublicURL != "" {
		return strings.TrimRight(cfg.PublicURL, "/")
	}
	return listenURL(ln)
}

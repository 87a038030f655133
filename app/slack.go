package app

import (
	"context"
	"time"

	slackadapter "github.com/warroomhq/warroom/adapters/slack"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/config"
)

// slackPlatform connects Slack when it is configured: over Socket Mode with
// an app token (running until ctx ends), else through the HTTP endpoints.
func slackPlatform() Platform {
	return Platform{
		Name: slackadapter.Name, Display: "Slack",
		Enabled: func(cfg *config.Config) bool { return cfg.Slack.Enabled() },
		Start: func(ctx context.Context, cfg *config.Config, d Deps) ([]Route, error) {
			a, err := slackadapter.New(slackadapter.Options{
				BotToken: cfg.Slack.BotToken.Reveal(), SigningSecret: cfg.Slack.SigningSecret.Reveal(),
				AppToken: cfg.Slack.AppToken.Reveal(), APIURL: cfg.Slack.APIURL, TeamID: cfg.Slack.TeamID,
				Lang: bot.Lang(cfg.Lang), Router: d.Router, Users: d.Store, Replays: d.Store, Log: d.Log,
			})
			if err != nil {
				return nil, err
			}
			d.Router.Register(a)
			sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			// Socket Mode runs on ctx, not sctx: only the first call is bounded.
			if err := a.Start(ctx, sctx); err != nil {
				return nil, err
			}
			return []Route{
				{"POST /slack/commands", JSONErrors(a.Commands)},
				{"POST /slack/events", JSONErrors(a.Events)},
				{"POST /slack/interactions", JSONErrors(a.Interactions)},
			}, nil
		},
	}
}

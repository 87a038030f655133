package app

import (
	"context"

	"github.com/warroomhq/warroom/adapters/teams"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/config"
)

// teamsPlatform builds the Teams adapter when it is configured; it needs no
// connection of its own: Teams calls POST /teams/messages.
func teamsPlatform() Platform {
	return Platform{
		Name: teams.Name, Display: "Microsoft Teams",
		Enabled: func(cfg *config.Config) bool { return cfg.Teams.Enabled() },
		Start: func(_ context.Context, cfg *config.Config, d Deps) ([]Route, error) {
			t := cfg.Teams
			a, err := teams.New(teams.Options{
				AppID: t.AppID, AppPassword: t.AppPassword.Reveal(), TenantID: t.TenantID,
				LoginURL: t.LoginURL, GraphURL: t.GraphURL, MetadataURL: t.MetadataURL, ServiceURL: t.ServiceURL,
				TeamID: t.TeamID, IncidentsChannel: t.IncidentsChannel, PrivateChannel: t.PrivateChannel,
				Lang: bot.Lang(cfg.Lang), Router: d.Router, Users: d.Store, Log: d.Log,
			})
			if err != nil {
				return nil, err
			}
			d.Router.Register(a)
			return []Route{{"POST /teams/messages", JSONErrors(a.Messages)}}, nil
		},
	}
}

package app

import (
	"context"
	"net/http"

	"github.com/warroomhq/warroom/adapters/teams"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/config"
)

// teamsPlatform builds the Teams adapter when it is configured; it needs no
// connection of its own: Teams calls POST /teams/messages (or its alias
// POST /api/messages).
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
			h := JSONErrors(a.Messages)
			// POST /api/messages is the messaging endpoint of the Bot
			// Framework SDKs' samples, which people paste into Azure: the
			// same handler, checking the same token. Its path is more specific than the
			// API's "/api/", so it never reaches the API or its token
			// check, and with any other method it is a 405 of its own
			// rather than the API's answer.
			return []Route{
				{"POST /teams/messages", h},
				{"POST /api/messages", h},
				{"/api/messages", methodNotAllowed(http.MethodPost)},
			}, nil
		},
	}
}

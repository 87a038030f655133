package app

import (
	"time"

	"go.uber.org/zap"

	slackadapter "github.com/warroomhq/warroom/adapters/slack"
	"github.com/warroomhq/warroom/adapters/teams"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/handlers"
)

// handlerOptions translates the configuration into the handlers' options.
func handlerOptions(cfg *config.Config, log *zap.Logger) handlers.Options {
	opts := handlers.Options{
		Roles: cfg.AllRoles(), RoleHelp: map[bot.Role]string{}, Admins: cfg.Admins,
		Policy: map[string][]string{}, Criteria: map[bot.Priority]string{}, PriorityNames: map[bot.Priority]string{},
		ChannelPrefix: cfg.Channels.Prefix, PrivateChannels: cfg.Channels.Private,
		ArchiveOnClose: cfg.Channels.ArchiveOnClose, Location: cfg.Location(), Log: log,
		Announce: map[string]string{},
	}
	if ch := cfg.Slack.AnnounceChannel; ch != "" {
		opts.Announce[slackadapter.Name] = ch
	}
	if ch := cfg.Teams.AnnounceChannel; ch != "" {
		opts.Announce[teams.Name] = ch
	}
	opts.AutoResolve, opts.FlapWindow = cfg.Alerts.AutoResolve, time.Duration(cfg.Alerts.FlapWindow)
	opts.TriageAckAfter = time.Duration(cfg.Reminders.TriageAckAfter)
	opts.NoCommanderAfter = time.Duration(cfg.Reminders.NoCommanderAfter)
	opts.Lang = bot.Lang(cfg.Lang)
	opts.PostmortemTemplate, opts.PostmortemOptional = cfg.Postmortem.Template, cfg.Postmortem.Optional
	opts.PublicURL = cfg.PublicURL
	opts.VerifyByOther, opts.VerifyAfter = cfg.Followups.VerifyByOther, time.Duration(cfg.Followups.VerifyAfter)
	opts.StatusPage = handlers.StatusPageOptions{Components: cfg.StatusPage.Components, ShowNumbers: cfg.StatusPage.ShowNumbers}
	opts.UpdateEvery = map[bot.Priority]time.Duration{}
	for _, p := range bot.Priorities {
		opts.UpdateEvery[p] = time.Duration(cfg.Level(p).UpdateEvery)
	}
	for _, r := range cfg.Alerts.Rules {
		p, _ := bot.ParsePriority(r.Priority)
		opts.AlertRules = append(opts.AlertRules, handlers.AlertRule{
			Name: r.Name, Source: r.Match.Source, Labels: r.Match.Labels, Priority: p, Platform: r.Platform,
			Announce: r.AnnounceChannel, Responders: r.Responders, Runbook: r.Runbook, NoIncident: !r.Opens(),
		})
	}
	for _, r := range cfg.Roles {
		opts.RoleHelp[bot.Role(r.Name)] = r.Description
	}
	for _, a := range config.Actions {
		opts.Policy[a] = cfg.Allowed(a)
	}
	for _, p := range bot.Priorities {
		opts.Criteria[p] = cfg.Level(p).Criteria
		opts.PriorityNames[p] = cfg.Level(p).Name
	}
	return opts
}

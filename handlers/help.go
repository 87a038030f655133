package handlers

import (
	"context"
	"slices"
	"strings"

	"github.com/warroomhq/warroom/bot"
)

// help handles "help [command]": every command with its one-line help, or
// one command's usage in full.
func (s *Service) help(ctx context.Context, req *bot.Request) error {
	if name := strings.ToLower(req.Command.Arg(0)); name != "" {
		rt, ok := s.command(name)
		if !ok {
			return bot.Errorf(bot.CodeNoSuchCommand, "command", name)
		}
		msg := bot.Message{Title: req.T("usage." + rt.Name), Text: req.T("help." + rt.Name)}
		if len(rt.Aliases) > 0 {
			msg.Context = req.T("help.aliases", "aliases", strings.Join(rt.Aliases, ", "))
		}
		return req.Reply(ctx, msg)
	}
	var lines []string
	for _, rt := range s.commands {
		if rt.Hidden {
			continue
		}
		lines = append(lines, "• `"+req.T("usage."+rt.Name)+"` — "+req.T("help."+rt.Name))
	}
	return req.Reply(ctx, bot.Message{Title: req.T("help.title"), Text: strings.Join(lines, "\n"), Context: req.T("help.footer")})
}

// command finds the service's command route by name or alias.
func (s *Service) command(name string) (bot.Route, bool) {
	for _, rt := range s.commands {
		if rt.Name == name || slices.Contains(rt.Aliases, name) {
			return rt, true
		}
	}
	return bot.Route{}, false
}

package handlers

import (
	"context"
	"strings"

	"github.com/warroomhq/warroom/bot"
)

// role handles "role <role> @user|me": the named person takes the role,
// handing it over from whoever held it.
func (s *Service) role(ctx context.Context, req *bot.Request) error {
	name, who := req.Command.Arg(0), ""
	if len(req.Command.Args) > 1 {
		who = strings.Join(req.Command.Args[1:], " ") // a name may have spaces
	}
	if name == "" || who == "" {
		return req.Usage()
	}
	r, ok := bot.ParseRole(name, s.opts.Roles)
	if !ok {
		return bot.Errorf(bot.CodeBadRole, "value", name, "allowed", s.roleNames())
	}
	user, err := s.person(ctx, req, who)
	if err != nil {
		return err
	}
	var previous bot.User
	_, err = s.change(ctx, req, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		previous = inc.Roles[r]
		if previous.ID == user.ID {
			return nil, bot.Errorf(bot.CodeAlreadyHolds, "user", user.Display(), "role", r.Label(req.Lang), "id", inc.Key())
		}
		inc.Roles = withRole(inc.Roles, r, user)
		// A role holder of a private incident is one of its members, and
		// stays one after handing the role on.
		inc.AddMembers(user.ID)
		e := s.entry(req, bot.KindRole, "")
		e.Data = map[string]string{"role": string(r), "user_id": user.ID, "user_name": user.Name, "previous": previous.Display()}
		return []bot.TimelineEntry{e}, nil
	}, func(inc *bot.Incident, lang bot.Lang) string {
		if previous.IsZero() {
			return bot.T(lang, "announce.role", "id", inc.Key(), "user", user.Display(), "role", r.Label(lang), "by", req.Event.User.Display())
		}
		return bot.T(lang, "announce.role_handover", "id", inc.Key(), "user", user.Display(), "role", r.Label(lang), "previous", previous.Display(), "by", req.Event.User.Display())
	})
	if p, ok := s.home(req, req.Incident); err == nil && ok {
		_ = p.Invite(ctx, req.Incident.Channel.ID, []string{user.ID})
	}
	return err
}

// roles handles "roles": who holds what.
func (s *Service) roles(ctx context.Context, req *bot.Request) error {
	inc := req.Incident
	msg := bot.Message{Title: req.T("roles.title", "id", inc.Key())}
	for _, r := range s.opts.Roles {
		label := r.Label(req.Lang)
		if d := s.roleHelp(req.Lang, r); d != "" {
			label += " — " + d
		}
		msg.Fields = append(msg.Fields, bot.Field{Label: label, Value: holder(req.Lang, inc, r)})
	}
	msg.Buttons = []bot.Button{{Label: req.T("button.commander"), Command: "role", Args: inc.Key() + " commander me"}}
	return req.Reply(ctx, msg)
}

func (s *Service) roleHelp(lang bot.Lang, r bot.Role) string {
	if d := s.opts.RoleHelp[r]; d != "" {
		return d
	}
	if key := "role.help." + string(r); bot.Has(key) {
		return bot.T(lang, key)
	}
	return ""
}

func (s *Service) roleNames() string {
	names := make([]string, len(s.opts.Roles))
	for i, r := range s.opts.Roles {
		names[i] = "`" + string(r) + "`" // typed as is: command syntax
	}
	return strings.Join(names, ", ")
}

// withRole returns roles with r given to u, never mutating a nil map.
func withRole(roles map[bot.Role]bot.User, r bot.Role, u bot.User) map[bot.Role]bot.User {
	if roles == nil {
		roles = map[bot.Role]bot.User{}
	}
	roles[r] = u
	return roles
}

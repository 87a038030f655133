package handlers

import (
	"context"
	"slices"
	"strings"

	"github.com/warroomhq/warroom/bot"
)

// Authorize implements bot.Authorizer with the configured policy. Admins
// may do anything; otherwise each action lists who may: "anyone", "commander" (the incident's commander,
// or anyone while it has none), "admins", "role:<role>" or "user:<id>".
// A refusal names who may.
func (s *Service) Authorize(_ context.Context, req *bot.Request, action string) error {
	who, ok := s.opts.Policy[action]
	user, inc := req.Event.User, req.Incident
	if !ok || len(who) == 0 || slices.Contains(s.opts.Admins, user.ID) {
		return nil // admins may do anything
	}
	for _, w := range who {
		if s.grants(w, user, inc) {
			return nil
		}
	}
	// The refusal names the action in words ("change the priority of"),
	// not the policy's key ("priority").
	return bot.Errorf(bot.CodeForbidden, "action", req.T("action."+action), "who", s.describeWho(req.Lang, who, inc))
}

func (s *Service) grants(w string, user bot.User, inc *bot.Incident) bool {
	switch {
	case w == "anyone":
		return true
	case w == "admins":
		return slices.Contains(s.opts.Admins, user.ID)
	case w == "commander":
		if inc == nil {
			return false
		}
		c, ok := inc.Holder(bot.RoleCommander)
		return !ok || c.ID == user.ID
	case strings.HasPrefix(w, "role:"):
		if inc == nil {
			return false
		}
		h, ok := inc.Holder(bot.Role(strings.TrimPrefix(w, "role:")))
		return ok && h.ID == user.ID
	case strings.HasPrefix(w, "user:"):
		return strings.TrimPrefix(w, "user:") == user.ID
	}
	return false
}

// describeWho renders a policy list for people: "the commander (alice), admins".
func (s *Service) describeWho(lang bot.Lang, who []string, inc *bot.Incident) string {
	parts := make([]string, 0, len(who))
	for _, w := range who {
		switch {
		case w == "commander":
			name := bot.T(lang, "who.commander")
			if inc != nil {
				if c, ok := inc.Holder(bot.RoleCommander); ok {
					name += " (" + c.Display() + ")"
				}
			}
			parts = append(parts, name)
		case w == "admins":
			if len(s.opts.Admins) > 0 {
				parts = append(parts, bot.T(lang, "who.admins", "admins", strings.Join(s.opts.Admins, ", ")))
			}
		case strings.HasPrefix(w, "role:"):
			parts = append(parts, bot.Role(strings.TrimPrefix(w, "role:")).Label(lang))
		case strings.HasPrefix(w, "user:"):
			parts = append(parts, strings.TrimPrefix(w, "user:"))
		default:
			parts = append(parts, w)
		}
	}
	return strings.Join(parts, ", ")
}

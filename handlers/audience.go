package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// The audience rule. A public incident is everyone's. A private incident
// exists only for its audience:
//
//   - its members (bot.Incident.Members: the people Warroom invited or saw
//     join its channel, and those who spoke there) and its role holders,
//     on the incident's own platform;
//   - anyone acting from inside its conversation (the platform delivered
//     the event from there, so they are in it);
//   - on a platform that keeps the roster itself (bot.Roster: Teams), the
//     people that platform says may read the incident's conversation;
//   - the admins, whose every look from outside the audience is written on
//     the timeline (KindAccess).
//
// For anyone else it does not exist: the resolver answers "not found" for
// it exactly as for a number never used, and every list, search, hint,
// count and duration leaves it out. A viewer of nil is nobody in
// particular (the API token, a message in a shared channel): it sees public
// incidents only. Every path that shows or changes an incident goes
// through sees.

// sees reports whether the person behind ev, on platform p, is in inc's
// audience. A nil ev is nobody: public incidents only.
func (s *Service) sees(ctx context.Context, p bot.Platform, ev *bot.Event, inc *bot.Incident) bool {
	if !inc.Private {
		return true
	}
	if ev == nil || ev.User.ID == "" {
		return false
	}
	return s.isAdmin(ev.User.ID) || s.inAudience(ctx, p, ev, inc)
}

// inAudience is sees without the admins: whether ev's person belongs to
// inc's audience in their own right.
func (s *Service) inAudience(ctx context.Context, p bot.Platform, ev *bot.Event, inc *bot.Incident) bool {
	if ev.Platform != inc.Platform {
		return false
	}
	if inc.Admits(ev.Platform, ev.User.ID) || inConversation(ev, inc) {
		return true
	}
	r, ok := p.(bot.Roster)
	if !ok || p.Name() != inc.Platform || inc.Channel.ID == "" {
		return false
	}
	in, err := r.InConversation(ctx, inc.Channel.ID, ev.User.ID)
	if err != nil {
		// Refuse when the platform cannot say: a private incident shown
		// to the wrong person cannot be taken back.
		s.log.Warn("audience: ask the platform", zap.Int64("incident", inc.ID), zap.Error(err))
		return false
	}
	return in
}

// inConversation reports whether ev happened in inc's channel, or in the
// thread that is inc's conversation (a Teams incident in a thread).
func inConversation(ev *bot.Event, inc *bot.Incident) bool {
	ch := inc.Channel.ID
	return ch != "" && ev.Platform == inc.Platform && (ev.Channel == ch || ev.Thread == ch)
}

func (s *Service) isAdmin(userID string) bool {
	return userID != "" && slices.Contains(s.opts.Admins, userID)
}

// seesFunc is sees for req's person, as a filter for lists; a nil req is
// nobody.
func (s *Service) seesFunc(ctx context.Context, req *bot.Request) func(*bot.Incident) bool {
	if req == nil {
		return func(inc *bot.Incident) bool { return !inc.Private }
	}
	return func(inc *bot.Incident) bool { return s.sees(ctx, req.Platform, req.Event, inc) }
}

// admit finishes the resolver's work on a private incident: nil for
// someone in its audience; bot.ErrNotFound for someone outside it; and for
// an admin outside it, a KindAccess entry on its timeline saying what they
// did, then nil.
func (s *Service) admit(ctx context.Context, req *bot.Request, inc *bot.Incident) error {
	if !inc.Private || s.inAudience(ctx, req.Platform, req.Event, inc) {
		return nil
	}
	if !s.isAdmin(req.Event.User.ID) {
		return fmt.Errorf("incident %d is private: %w", inc.ID, bot.ErrNotFound)
	}
	what := string(req.Event.Kind)
	if req.Route != nil {
		what = req.Route.Name
	}
	e := s.entry(req, bot.KindAccess, "")
	e.Data = map[string]string{"command": what}
	if _, err := s.store.Append(ctx, inc.ID, e); err != nil {
		// The access must not go unwritten: refuse it instead.
		return err
	}
	return nil
}

// add handles "add @person [@person ...]": the people are invited to the
// incident channel and, for a private incident, become its members.
func (s *Service) add(ctx context.Context, req *bot.Request) error {
	if len(req.Command.Args) == 0 {
		return req.Usage()
	}
	var users []bot.User
	for _, w := range req.Command.Args {
		u, err := s.person(ctx, req, w)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(users, func(v bot.User) bool { return v.ID == u.ID }) {
			users = append(users, u)
		}
	}
	var added []bot.User
	_, err := s.change(ctx, req, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		added = added[:0]
		var entries []bot.TimelineEntry
		for _, u := range users {
			if inc.Private && inc.Admits(inc.Platform, u.ID) {
				continue
			}
			inc.AddMembers(u.ID)
			e := s.entry(req, bot.KindMember, "")
			e.Data = map[string]string{"user_id": u.ID, "user_name": u.Name}
			entries = append(entries, e)
			added = append(added, u)
		}
		if len(entries) == 0 {
			return nil, bot.Errorf(bot.CodeAlreadyMembers, "id", inc.Key())
		}
		return entries, nil
	}, func(inc *bot.Incident, lang bot.Lang) string {
		names := make([]string, len(added))
		for i, u := range added {
			names[i] = u.Display()
		}
		return bot.T(lang, "announce.added", "id", inc.Key(), "users", strings.Join(names, ", "), "by", req.Event.User.Display())
	})
	if err != nil {
		return err
	}
	s.invite(ctx, req, req.Incident, added...)
	return nil
}

// invite brings users into inc's channel, where the platform can.
func (s *Service) invite(ctx context.Context, req *bot.Request, inc *bot.Incident, users ...bot.User) {
	if inc.Platform != req.Platform.Name() || inc.Channel.ID == "" || len(users) == 0 {
		return
	}
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	if err := req.Platform.Invite(ctx, inc.Channel.ID, ids); err != nil && !errors.Is(err, bot.ErrUnsupported) {
		req.Log.Warn("invite", zap.Int64("incident", inc.ID), zap.Error(err))
	}
}

// membership follows who is in private incidents' channels: people who
// join become members, people who leave stop being members (a role holder
// stays in the audience through the role), and people who speak there are
// members (a join Warroom missed). Public incidents keep no members.
// Failures are logged: membership only ever narrows who sees an incident
// beyond its role holders and channel, never widens it.
// found holds the incidents recordChannel looked up for reqs' channel.
func (s *Service) membership(ctx context.Context, reqs []*bot.Request, found map[string]*bot.Incident) {
	type change struct {
		join []string
		left []string
	}
	changes := map[int64]*change{}
	var order []int64
	for _, req := range reqs {
		ev := req.Event
		if ev.User.ID == "" {
			continue
		}
		inc := s.membershipOf(ctx, found, ev)
		if inc == nil || !inc.Private {
			continue
		}
		c := changes[inc.ID]
		if c == nil {
			c = &change{}
			changes[inc.ID] = c
			order = append(order, inc.ID)
		}
		switch ev.Kind {
		case bot.EventLeave:
			c.join = slices.DeleteFunc(c.join, func(id string) bool { return id == ev.User.ID })
			c.left = append(c.left, ev.User.ID)
		case bot.EventJoin:
			c.left = slices.DeleteFunc(c.left, func(id string) bool { return id == ev.User.ID })
			c.join = append(c.join, ev.User.ID)
		default:
			if !slices.Contains(inc.Members, ev.User.ID) && !slices.Contains(c.left, ev.User.ID) {
				c.join = append(c.join, ev.User.ID)
			}
		}
	}
	for _, id := range order {
		c := changes[id]
		if len(c.join) == 0 && len(c.left) == 0 {
			continue
		}
		err := s.attempt(ctx, func() error {
			_, err := s.store.Update(ctx, id, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
				changed := inc.AddMembers(c.join...)
				for _, u := range c.left {
					changed = inc.RemoveMember(u) || changed
				}
				if !changed {
					return nil, errUnchanged
				}
				return nil, nil
			})
			if errors.Is(err, errUnchanged) {
				return nil
			}
			return err
		})
		if err != nil {
			s.log.Warn("audience: record who is in the channel", zap.Int64("incident", id), zap.Error(err))
		}
	}
}

// membershipOf is the incident of ev's channel for membership: a message's
// was looked up already while recording it (found), and nothing is looked
// up again for it; a join or a leave is looked up, unless Redis is known to
// be down (the spool is diverting that channel), so that an outage never
// slows the recording worker with lookups bound to fail.
func (s *Service) membershipOf(ctx context.Context, found map[string]*bot.Incident, ev *bot.Event) *bot.Incident {
	if ev.Kind != bot.EventJoin && ev.Kind != bot.EventLeave {
		if inc := found[ev.Platform+"\x00"+ev.Channel]; inc != nil {
			return inc
		}
		return found[ev.Platform+"\x00"+ev.Thread]
	}
	if sp := s.opts.Spool; sp != nil && sp.Diverting(ev.Platform, ev.Channel) {
		return nil
	}
	inc, err := s.recordedIn(ctx, found, ev)
	if err != nil {
		return nil
	}
	return inc
}

// errUnchanged ends an update that has nothing to change.
var errUnchanged = errors.New("nothing to change")

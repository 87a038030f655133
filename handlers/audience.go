package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// The audience rule. A public incident is everyone's. A private incident
// exists only for its audience, on the incident's own platform:
//
//   - its role holders;
//   - anyone acting from inside its conversation (the platform delivered
//     the event from there, so they are in it);
//   - where Warroom follows the channel's people itself (Slack, the
//     console), its members (bot.Incident.Members: the people it invited,
//     added, gave a role or saw join, until they leave);
//   - where the platform keeps the roster (bot.Roster: Teams, whose
//     private incidents live in threads of one restricted channel), the
//     people the platform says may read the conversation, and not the
//     members Warroom noted, so that someone removed from the channel is
//     out;
//   - the admins, whose every look from outside the audience at one
//     incident is written on its timeline (KindAccess).
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
	if ev.Home() != inc.Platform {
		return false
	}
	if inc.HoldsRole(ev.User.ID) || inConversation(ev, inc) {
		return true
	}
	if p == nil || p.Name() != inc.Platform {
		// Acting through another platform (a browser): the incident's
		// own platform keeps its roster, if anyone does.
		p, _ = s.platforms.Platform(inc.Platform)
	}
	r, ok := p.(bot.Roster)
	if !ok || p.Name() != inc.Platform {
		// Warroom follows the channel's people itself (members).
		return inc.Admits(ev.Home(), ev.User.ID)
	}
	// The platform keeps the roster: it alone says who is in, so that
	// someone removed from the channel is out, whatever Warroom saw.
	if inc.Channel.ID == "" {
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

// bringIn makes u, given work on req's private incident (a follow-up to
// own), one of its members and invites them, as a role does; nothing for
// a public incident or someone already in its audience.
func (s *Service) bringIn(ctx context.Context, req *bot.Request, u bot.User) {
	inc := req.Incident
	if !inc.Private || inc.Admits(inc.Platform, u.ID) {
		return
	}
	updated, err := s.store.Update(ctx, inc.ID, func(i *bot.Incident) ([]bot.TimelineEntry, error) {
		if !i.AddMembers(u.ID) {
			return nil, errUnchanged
		}
		return nil, nil
	})
	switch {
	case err == nil:
		req.Incident = updated
	case !errors.Is(err, errUnchanged):
		req.Log.Warn("audience: add a member", zap.Int64("incident", inc.ID), zap.Error(err))
	}
	s.invite(ctx, req, inc, u)
}

// mayBeTold reports whether a reminder about inc may be sent to u, who is
// not acting but is told (a follow-up's owner): only someone in its
// audience, judged as from outside its channel.
func (s *Service) mayBeTold(ctx context.Context, p bot.Platform, inc *bot.Incident, u bot.User) bool {
	if s.sees(ctx, p, &bot.Event{Platform: inc.Platform, User: u}, inc) {
		return true
	}
	s.log.Info("audience: reminder not sent to someone outside a private incident", zap.Int64("incident", inc.ID), zap.String("user_id", u.ID))
	return false
}

// invite brings users into inc's channel, where the platform can.
func (s *Service) invite(ctx context.Context, req *bot.Request, inc *bot.Incident, users ...bot.User) {
	p, ok := s.home(req, inc)
	if !ok || inc.Channel.ID == "" || len(users) == 0 {
		return
	}
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	if err := p.Invite(ctx, inc.Channel.ID, ids); err != nil && !errors.Is(err, bot.ErrUnsupported) {
		req.Log.Warn("invite", zap.Int64("incident", inc.ID), zap.Error(err))
	}
}

// membership follows who is in private incidents' channels, as the
// platform reports it: a person who joins becomes a member, a person who
// leaves (or is removed) stops being one (a role holder stays in the
// audience through the role). Nothing else makes a member implicitly: a
// message, an edit or a deletion says nothing about who is in the channel
// now (a late delivery, or a deletion by someone else, would let a person
// who left back in). Public incidents keep no members.
//
// A lost leave would keep someone in the audience, so changes are kept as
// timeline entries are: with a spool, a change that cannot reach Redis
// (or comes while its channel's entries are spooled) is spooled in its
// channel's order and applied when the spool is replayed (replayOne);
// without one it is retried until the router's deadline, then logged at
// error level with who and where.
func (s *Service) membership(ctx context.Context, reqs []*bot.Request, found map[string]*bot.Incident) {
	sp := s.opts.Spool
	for _, req := range reqs {
		ev := req.Event
		if ev.User.ID == "" || (ev.Kind != bot.EventJoin && ev.Kind != bot.EventLeave) {
			continue
		}
		rec := store.SpoolRecord{Platform: ev.Platform, Channel: ev.Channel, Thread: ev.Thread, Entry: memberEntry(ev)}
		if sp != nil && sp.Diverting(ev.Platform, ev.Channel) {
			s.spoolMember(rec)
			continue
		}
		var inc *bot.Incident
		err := s.attempt(ctx, func() (err error) {
			inc, err = s.recordedIn(ctx, found, ev)
			return err
		})
		if err == nil {
			if !inc.Private {
				continue
			}
			rec.Incident = inc.ID
			err = s.attempt(ctx, func() error { return s.applyMember(ctx, inc.ID, rec.Entry) })
		}
		switch {
		case err == nil || errors.Is(err, bot.ErrNotFound):
		case sp != nil && errors.Is(err, bot.ErrUnavailable):
			sp.Outage()
			s.spoolMember(rec)
		default:
			s.log.Error("audience: membership change lost", zap.String("event_kind", string(ev.Kind)),
				zap.String("user_id", ev.User.ID), zap.String("channel_id", ev.Channel), zap.Error(err))
		}
	}
}

// memberEntry is how a join or a leave travels through the spool: a
// KindMember entry whose Data says "joined" or "left" (replayOne applies
// it rather than append it).
func memberEntry(ev *bot.Event) bot.TimelineEntry {
	action := "joined"
	if ev.Kind == bot.EventLeave {
		action = "left"
	}
	return bot.TimelineEntry{At: ev.At, Kind: bot.KindMember, Author: ev.User,
		Data: map[string]string{"membership": action, "user_id": ev.User.ID}}
}

// isMembership reports whether a spooled entry is a join or a leave.
func isMembership(e bot.TimelineEntry) bool {
	return e.Kind == bot.KindMember && e.Data["membership"] != ""
}

// applyMember applies a join or a leave (memberEntry) to private incident
// id; it changes nothing for a public one.
func (s *Service) applyMember(ctx context.Context, id int64, e bot.TimelineEntry) error {
	_, err := s.store.Update(ctx, id, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		changed := false
		if e.Data["membership"] == "left" {
			changed = inc.RemoveMember(e.Data["user_id"])
		} else {
			changed = inc.AddMembers(e.Data["user_id"])
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
}

// spoolMember spools a join or a leave, logging it at error level when
// even the spool cannot take it.
func (s *Service) spoolMember(rec store.SpoolRecord) {
	if err := s.opts.Spool.Add(rec); err != nil {
		s.log.Error("audience: membership change lost", zap.String("membership", rec.Entry.Data["membership"]),
			zap.String("user_id", rec.Entry.Data["user_id"]), zap.String("channel_id", rec.Channel), zap.Error(err))
	}
}

// errUnchanged ends an update that has nothing to change.
var errUnchanged = errors.New("nothing to change")

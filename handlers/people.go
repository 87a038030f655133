package handlers

import (
	"context"
	"errors"
	"strings"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// maxMatches bounds the people listed when a name is ambiguous.
const maxMatches = 10

// selfWords name the requester.
var selfWords = map[string]bool{"me": true, "myself": true, "self": true, "自分": true, "私": true}

// person reads who as one person, wherever a command asks for one: "me",
// a mention, or a bare name. On a platform with a bot.Directory a mention
// must name someone who exists, and a name (with or without "@") must be
// the display or real name of exactly one person (case-insensitively):
// otherwise it is CodeNoSuchUser, or CodeAmbiguousUser listing the
// matches. On a platform without one (bot.ErrUnsupported), or when the
// lookup fails, mentions are taken as they come and bare names are
// refused (CodeUnknownUser), as before directories.
func (s *Service) person(ctx context.Context, req *bot.Request, who string) (bot.User, error) {
	who = strings.TrimSpace(who)
	if selfWords[strings.ToLower(who)] {
		return req.Event.User, nil
	}
	u, mention := bot.ParseMention(who)
	var p bot.Platform = req.Platform
	if req.Incident != nil {
		// The person is one of the incident's platform's people, whichever
		// platform the request came through (a browser).
		if h, ok := s.home(req, req.Incident); ok {
			p = h
		}
	}
	dir, ok := p.(bot.Directory)
	if !ok {
		return s.undirected(u, mention, who)
	}
	if mention && strings.HasPrefix(who, "<@") {
		// The platform's own mention: an ID it gave.
		got, err := dir.LookupUser(ctx, u.ID)
		switch {
		case err == nil:
			if got.Name == "" {
				got.Name = u.Name
			}
			return got, nil
		case errors.Is(err, bot.ErrNotFound):
			return bot.User{}, bot.Errorf(bot.CodeNoSuchUser, "value", u.Display())
		}
		s.lookupFailed(err)
		return u, nil
	}
	name := who
	if mention {
		name = u.ID // "@carol" typed as text
	}
	found, err := dir.FindUsers(ctx, name)
	if err != nil {
		s.lookupFailed(err)
		return s.undirected(u, mention, who)
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		// A typed "@U0123" may be an ID rather than a name.
		if got, err := dir.LookupUser(ctx, name); err == nil {
			return got, nil
		}
		return bot.User{}, bot.Errorf(bot.CodeNoSuchUser, "value", name)
	}
	list := make([]string, 0, min(len(found), maxMatches))
	for _, f := range found[:min(len(found), maxMatches)] {
		list = append(list, f.Display()+" ("+f.ID+")")
	}
	return bot.User{}, bot.Errorf(bot.CodeAmbiguousUser, "value", name, "matches", strings.Join(list, ", "))
}

// undirected is person's answer without a directory: a mention as it
// came, anything else refused.
func (s *Service) undirected(u bot.User, mention bool, who string) (bot.User, error) {
	if mention {
		return u, nil
	}
	return bot.User{}, bot.Errorf(bot.CodeUnknownUser, "value", who)
}

// lookupFailed logs a directory failure other than "unsupported": the
// command goes on as it would without a directory.
func (s *Service) lookupFailed(err error) {
	if !errors.Is(err, bot.ErrUnsupported) {
		s.log.Warn("look up a person", zap.Error(err))
	}
}

// mentioned resolves with person every mention among words (a
// declaration's responders), in order, once each; the first that names
// nobody, or several people, is the error.
func (s *Service) mentioned(ctx context.Context, req *bot.Request, words []string) ([]bot.User, error) {
	var out []bot.User
	seen := map[string]bool{}
	for _, w := range words {
		if _, ok := bot.ParseMention(w); !ok {
			continue
		}
		u, err := s.person(ctx, req, w)
		if err != nil {
			return nil, err
		}
		if !seen[u.ID] {
			seen[u.ID] = true
			out = append(out, u)
		}
	}
	return out, nil
}

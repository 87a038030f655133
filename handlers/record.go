package handlers

import (
	"context"
	"errors"

	"github.com/warroomhq/warroom/bot"
)

// record writes what people say in an incident channel to its timeline:
// messages and thread replies, edits and deletions (as new entries pointing
// at the original, which is never rewritten), and pins and marking
// reactions (as flags on the original). Messages in other channels are
// ignored.
func (s *Service) record(ctx context.Context, req *bot.Request) error {
	ev := req.Event
	if ev.Channel == "" {
		return nil
	}
	inc, err := s.store.ByChannel(ctx, ev.Platform, ev.Channel)
	if errors.Is(err, bot.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	e := bot.TimelineEntry{At: ev.At, Author: ev.User, Text: ev.Text, Ref: ev.Ref}
	switch ev.Kind {
	case bot.EventMessage:
		e.Kind = bot.KindMessage
		if ev.Thread != "" && ev.Thread != ev.Ref {
			e.Data = map[string]string{"thread": ev.Thread}
		}
	case bot.EventMessageEdit:
		e.Kind, e.Ref, e.RefersTo = bot.KindEdit, "", ev.Ref
	case bot.EventMessageDelete:
		e.Kind, e.Ref, e.RefersTo = bot.KindDelete, "", ev.Ref
	case bot.EventPin:
		e.Kind, e.Ref, e.RefersTo, e.Key = bot.KindFlag, "", ev.Ref, true
		e.Data = map[string]string{"by": "pin"}
	case bot.EventReaction:
		if !keyReactions[ev.Reaction] {
			return nil
		}
		e.Kind, e.Ref, e.RefersTo, e.Key = bot.KindFlag, "", ev.Ref, true
		e.Data = map[string]string{"by": "reaction", "reaction": ev.Reaction}
	default:
		return nil
	}
	_, err = s.store.Append(ctx, inc.ID, e)
	return err
}

// keyReactions mark a message as a key event for the postmortem.
var keyReactions = map[string]bool{
	"pushpin": true, "round_pushpin": true, "star": true, "key": true, "bookmark": true,
}

package handlers

import (
	"context"
	"errors"

	"github.com/warroomhq/warroom/bot"
)

// record writes what people say in an incident channel to its timeline:
// messages and thread replies, edits and deletions (as new entries pointing
// at the original, which is never rewritten), and pins and marking
// reactions (as flags on the original; unpinning or removing the reaction
// records an entry that clears the flag). Messages in other channels are
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
	case bot.EventPin, bot.EventUnpin:
		on := ev.Kind == bot.EventPin
		e.Kind, e.Ref, e.RefersTo, e.Key = bot.KindFlag, "", ev.Ref, on
		e.Data = map[string]string{"by": "pin", "flag": onOff(on)}
	case bot.EventReaction, bot.EventUnreact:
		if !keyReactions[ev.Reaction] {
			return nil
		}
		on := ev.Kind == bot.EventReaction
		e.Kind, e.Ref, e.RefersTo, e.Key = bot.KindFlag, "", ev.Ref, on
		e.Data = map[string]string{"by": "reaction", "reaction": ev.Reaction, "flag": onOff(on)}
	default:
		return nil
	}
	_, err = s.store.Append(ctx, inc.ID, e)
	return err
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// keyReactions mark a message as a key event for the postmortem.
var keyReactions = map[string]bool{
	"pushpin": true, "round_pushpin": true, "star": true, "key": true, "bookmark": true,
}

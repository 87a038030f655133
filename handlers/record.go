package handlers

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

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
	var inc *bot.Incident
	err := s.retry(ctx, func() (err error) {
		inc, err = s.incidentIn(ctx, ev)
		return err
	})
	if errors.Is(err, bot.ErrNotFound) {
		return nil
	}
	if err != nil {
		s.lost(req, err)
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
	err = s.retry(ctx, func() error {
		_, err := s.store.Append(ctx, inc.ID, e)
		return err
	})
	s.indexRecorded(ctx, inc.ID, e, err)
	if err != nil {
		s.lost(req, err)
	}
	return err
}

// retry runs op again while the store is unavailable, with backoff, until
// it succeeds, fails otherwise, or ctx (the router's deadline) ends. Nobody
// is waiting for a recorded message, so it may take its time.
func (s *Service) retry(ctx context.Context, op func() error) error {
	wait := 100 * time.Millisecond
	for {
		err := op()
		if err == nil || !errors.Is(err, bot.ErrUnavailable) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// lost logs, at error level and with everything needed to recover it, a
// channel message that could not be recorded.
func (s *Service) lost(req *bot.Request, err error) {
	ev := req.Event
	req.Log.Error("timeline entry lost: storage unavailable", zap.String("kind", string(ev.Kind)),
		zap.String("ref", ev.Ref), zap.String("author_id", ev.User.ID), zap.Time("at", ev.At),
		zap.String("text", ev.Text), zap.Error(err))
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

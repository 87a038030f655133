package handlers

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// reminderLease is held by the one replica that sends reminders.
const reminderLease = "reminders"

// Remind sends reminders until ctx ends, looking every `every` at the open
// incidents, on the one replica holding the reminders lease (holder names
// this replica): a P1 or P2 still in triage after TriageAckAfter is
// announced again, and an incident without a commander after
// NoCommanderAfter asks for one. Each reminder is sent at most once per its
// interval, whichever replica sends it; reminders stop once an incident is
// resolved.
func (s *Service) Remind(ctx context.Context, holder string, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		ok, err := s.store.Lease(ctx, reminderLease, holder, 3*every)
		if err != nil {
			s.log.Warn("reminders lease", zap.Error(err))
		}
		if ok {
			if err := s.remindOnce(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("reminders", zap.Error(err))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// remindOnce looks at every open incident once.
func (s *Service) remindOnce(ctx context.Context) error {
	incs, err := s.store.List(ctx, store.ListQuery{Open: true, Limit: 500})
	if err != nil {
		return err
	}
	now := s.opts.Now()
	for _, inc := range incs {
		p, ok := s.router.Platform(inc.Platform)
		if !ok || inc.Channel.ID == "" {
			continue
		}
		age := now.Sub(inc.CreatedAt)
		if d := s.opts.TriageAckAfter; d > 0 && inc.Status == bot.StatusTriage && inc.Priority.Valid() && inc.Priority <= bot.P2 && age >= d {
			s.remind(ctx, p, inc, "triage", d, bot.Message{Text: bot.T(s.lang(), "remind.triage", "id", inc.Key(), "age", since(age),
				"priority", s.priorityLabel(s.lang(), inc.Priority), "title", inc.Title),
				Buttons: []bot.Button{{Label: bot.T(s.lang(), "button.ack"), Command: "ack", Args: inc.Key(), Style: bot.StylePrimary}}}, true)
		}
		if _, led := inc.Holder(bot.RoleCommander); !led && inc.Status != bot.StatusTriage {
			if d := s.opts.NoCommanderAfter; d > 0 && age >= d {
				s.remind(ctx, p, inc, "commander", d, bot.Message{Text: bot.T(s.lang(), "remind.commander", "id", inc.Key(), "age", since(age)),
					Buttons: []bot.Button{{Label: bot.T(s.lang(), "button.commander"), Command: "role", Args: inc.Key() + " commander me", Style: bot.StylePrimary}}}, false)
			}
		}
	}
	return nil
}

// remind posts msg once per interval per incident and kind, across
// replicas, and also announces it when asked.
func (s *Service) remind(ctx context.Context, p bot.Platform, inc *bot.Incident, kind string, interval time.Duration, msg bot.Message, announce bool) {
	first, err := s.store.MarkSeen(ctx, "remind:"+kind+":"+inc.Key(), interval)
	if err != nil || !first {
		return
	}
	s.postQuiet(ctx, p, inc.Channel.ID, msg)
	if announce {
		s.announce(ctx, p, inc, s.lang(), msg.Text)
	}
}

func (s *Service) lang() bot.Lang {
	if s.opts.Lang == "" {
		return bot.English
	}
	return s.opts.Lang
}

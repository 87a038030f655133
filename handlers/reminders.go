package handlers

import (
	"context"
	"fmt"
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
// NoCommanderAfter asks for one, and an incident without a status update
// for its priority's UpdateEvery is asked for one. Each reminder is sent at
// most once per its interval, whichever replica sends it; reminders stop
// once an incident is resolved. The owner of an overdue open follow-up is
// reminded privately once a day, until it is done, whatever became of the
// incident.
//
// Every replica also sends its heartbeat here, and the lease holder
// finishes the declarations that a replica which died left half done
// (reconcile.go), first thing at start and then on every tick.
func (s *Service) Remind(ctx context.Context, holder string, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.heartbeat(ctx, 3*every)
		ok, err := s.store.Lease(ctx, reminderLease, holder, 3*every)
		if err != nil {
			s.log.Warn("reminders lease", zap.Error(err))
		}
		if ok {
			if err := s.reconcile(ctx, 3*every); err != nil && ctx.Err() == nil {
				s.log.Warn("reconcile declarations", zap.Error(err))
			}
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

// remindOnce looks at every open incident once, then at the overdue
// follow-ups of every incident.
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
			s.remind(ctx, p, inc, "triage", d, bot.Message{Text: bot.T(s.lang(), "remind.triage", "id", inc.Key(), "age", since(s.lang(), age),
				"priority", s.priorityLabel(s.lang(), inc.Priority), "title", inc.Title),
				Buttons: []bot.Button{{Label: bot.T(s.lang(), "button.ack"), Command: "ack", Args: inc.Key(), Style: bot.StylePrimary}}}, true)
		}
		s.remindUpdate(ctx, p, inc, now)
		if _, led := inc.Holder(bot.RoleCommander); !led && inc.Status != bot.StatusTriage {
			if d := s.opts.NoCommanderAfter; d > 0 && age >= d {
				s.remind(ctx, p, inc, "commander", d, bot.Message{Text: bot.T(s.lang(), "remind.commander", "id", inc.Key(), "age", since(s.lang(), age)),
					Buttons: []bot.Button{{Label: bot.T(s.lang(), "button.commander"), Command: "role", Args: inc.Key() + " commander me", Style: bot.StylePrimary}}}, false)
			}
		}
	}
	return s.remindFollowUps(ctx, now)
}

// remindUpdate asks an open incident past triage for a status update when
// its last one (or its acknowledgement, or its start) is older than the
// priority's Options.UpdateEvery. It asks once per interval: the reminder
// is keyed by the last update and by how many intervals have passed since,
// so a new update starts the count again.
func (s *Service) remindUpdate(ctx context.Context, p bot.Platform, inc *bot.Incident, now time.Time) {
	every := s.opts.UpdateEvery[inc.Priority]
	if every <= 0 || inc.Status == bot.StatusTriage {
		return
	}
	last := inc.LastUpdate
	for _, t := range []time.Time{inc.AckedAt, inc.CreatedAt} {
		if last.IsZero() {
			last = t
		}
	}
	quiet := now.Sub(last)
	if quiet < every {
		return
	}
	key := fmt.Sprintf("remind:update:%s:%d:%d", inc.Key(), last.UnixMilli(), quiet/every)
	if first, err := s.store.MarkSeen(ctx, key, every); err != nil || !first {
		return
	}
	s.postQuiet(ctx, p, inc.Channel.ID, bot.Message{
		Text: bot.T(s.lang(), "remind.update", "id", inc.Key(), "age", since(s.lang(), quiet),
			"priority", inc.Priority.String(), "every", since(s.lang(), every)),
		Buttons: []bot.Button{{Label: bot.T(s.lang(), "button.update"), Command: "update", Args: inc.Key(), Style: bot.StylePrimary}},
	})
}

// remind posts msg once per interval per incident and kind, across
// replicas, and also announces it when asked.
func (s *Service) remind(ctx context.Context, p bot.Platform, inc *bot.Incident, kind string, interval time.Duration, msg bot.Message, announce bool) {
	first, err := s.store.MarkSeen(ctx, "remind:"+kind+":"+inc.Key(), interval)
	if err != nil || !first {
		return
	}
	// Marked as sent: finish sending even if this replica is shutting down,
	// or the reminder would be lost until its next interval.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
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

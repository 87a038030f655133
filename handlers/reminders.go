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

// remindLoop (Run, with Options.Reminders) sends reminders until ctx ends, looking every `every` at the open
// incidents, on the one replica holding the reminders lease (holder names
// this replica): a P1 or P2 still in triage after TriageAckAfter is
// announced again, and an incident without a commander after
// NoCommanderAfter asks for one, and an incident without a status update
// for its priority's UpdateEvery is asked for one. Each reminder is sent at
// most once per its interval, whichever replica sends it; reminders stop
// once an incident is resolved. The owner of an overdue open follow-up is
// reminded privately once a day, until it is done, whatever became of the
// incident; with Options.VerifyAfter, the owner of a follow-up done that
// long ago is asked once whether it worked.
//
// Every replica also sends its heartbeat here, and the lease holder
// finishes the declarations that a replica which died left half done
// (reconcile.go), first thing at start and then on every tick.
func (s *Service) remindLoop(ctx context.Context, holder string, every time.Duration) {
	everyTick(ctx, every, func() {
		s.heartbeat(ctx, 3*every)
		ok, err := s.store.Lease(ctx, reminderLease, holder, 3*every)
		if err != nil {
			s.log.Warn("reminders lease", zap.Error(err))
		}
		if ok {
			if err := s.reconcile(ctx, 3*every); err != nil && ctx.Err() == nil {
				s.log.Warn("reconcile declarations", zap.Error(err))
			}
			s.remindNow(ctx)
		}
	})
}

// remindLocalLoop (Run, with Options.Reminders.Local) sends reminders
// like remindLoop, every `every`, for a process that alone serves its
// platform's incidents (the console): it takes no lease, sends no heartbeat and finishes no other replica's declarations,
// so a console pointed at a shared Redis never holds up the reminders of
// the replicas serving Slack or Teams (it reminds only incidents on the
// platforms registered with its router).
func (s *Service) remindLocalLoop(ctx context.Context, every time.Duration) {
	everyTick(ctx, every, func() { s.remindNow(ctx) })
}

func (s *Service) remindNow(ctx context.Context) {
	if err := s.remindOnce(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("reminders", zap.Error(err))
	}
}

// everyTick runs fn at once and then every `every`, until ctx ends.
func everyTick(ctx context.Context, every time.Duration, fn func()) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		fn()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// seenFor is how long a reminder's once-per-interval mark lasts in
// Redis: the interval on the clock's scale (Options.ClockSpeed), at least
// a millisecond (Redis's finest TTL).
func (s *Service) seenFor(interval time.Duration) time.Duration {
	if sp := s.opts.ClockSpeed; sp > 1 {
		interval = time.Duration(float64(interval) / sp)
	}
	return max(interval, time.Millisecond)
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
		p, ok := s.platforms.Platform(inc.Platform)
		if !ok || inc.Channel.ID == "" {
			continue
		}
		age := now.Sub(inc.CreatedAt)
		if d := s.opts.TriageAckAfter; d > 0 && inc.Status == bot.StatusTriage && inc.Priority.Valid() && inc.Priority <= bot.P2 && age >= d {
			s.remind(ctx, p, inc, "triage", d, bot.Message{Text: bot.T(s.lang(), "remind.triage", "id", inc.Key(), "age", bot.Duration(s.lang(), age),
				"priority", s.priorityLabel(s.lang(), inc.Priority), "title", inc.Title),
				Buttons: []bot.Button{{Label: bot.T(s.lang(), "button.ack"), Command: "ack", Args: inc.Key(), Style: bot.StylePrimary}}}, true)
		}
		s.remindUpdate(ctx, p, inc, now)
		if _, led := inc.Holder(bot.RoleCommander); !led && inc.Status != bot.StatusTriage {
			if d := s.opts.NoCommanderAfter; d > 0 && age >= d {
				s.remind(ctx, p, inc, "commander", d, bot.Message{Text: bot.T(s.lang(), "remind.commander", "id", inc.Key(), "age", bot.Duration(s.lang(), age)),
					Buttons: []bot.Button{{Label: bot.T(s.lang(), "button.commander"), Command: "role", Args: inc.Key() + " commander me", Style: bot.StylePrimary}}}, false)
			}
		}
	}
	if err := s.remindFollowUps(ctx, now); err != nil {
		return err
	}
	return s.remindVerify(ctx, now)
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
	if first, err := s.store.MarkSeen(ctx, key, s.seenFor(every)); err != nil || !first {
		return
	}
	s.postQuiet(ctx, p, inc.Channel.ID, bot.Message{
		Text: bot.T(s.lang(), "remind.update", "id", inc.Key(), "age", bot.Duration(s.lang(), quiet),
			"priority", inc.Priority.String(), "every", bot.Duration(s.lang(), every)),
		Buttons: []bot.Button{{Label: bot.T(s.lang(), "button.update"), Command: "update", Args: inc.Key(), Style: bot.StylePrimary}},
	})
}

// remind posts msg once per interval per incident and kind, across
// replicas, and also announces it when asked.
func (s *Service) remind(ctx context.Context, p bot.Platform, inc *bot.Incident, kind string, interval time.Duration, msg bot.Message, announce bool) {
	first, err := s.store.MarkSeen(ctx, "remind:"+kind+":"+inc.Key(), s.seenFor(interval))
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

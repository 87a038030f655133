package handlers

import (
	"context"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// transition moves the request's incident to status to, atomically: the
// lifecycle check runs on the stored record inside the store's optimistic
// transaction, so of two replicas or two clicks only one wins. edit may
// change more fields in the same write.
func (s *Service) transition(ctx context.Context, req *bot.Request, to bot.Status, text string, edit func(inc *bot.Incident)) error {
	var said string
	var was bot.Status
	inc, err := s.change(ctx, req, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		from := inc.Status
		was = from
		if err := from.CanMove(to); err != nil {
			return nil, err
		}
		inc.Status = to
		if edit != nil {
			edit(inc)
		}
		e := s.entry(req, bot.KindStatus, text)
		e.Data = map[string]string{"from": string(from), "to": string(to)}
		return []bot.TimelineEntry{e}, nil
	}, func(inc *bot.Incident, lang bot.Lang) string {
		key := "announce.status"
		if text != "" {
			key = "announce.status_text"
		}
		t := bot.T(lang, key, "id", inc.Key(), "user", req.Event.User.Display(),
			"status", to.Label(lang), "text", text)
		if lang == s.lang() {
			said = t
		}
		return t
	})
	if err == nil {
		s.announceFor(ctx, req, inc, said)
		s.indexTransition(ctx, req, inc, to, text)
		s.drillTransition(ctx, inc, to)
		s.pageTransition(ctx, req, inc, was, to)
	}
	return err
}

// ack handles "ack": a triaged incident now has someone on it.
func (s *Service) ack(ctx context.Context, req *bot.Request) error {
	if req.Incident.Status != bot.StatusTriage {
		return bot.Errorf(bot.CodeAlreadyAcked, "id", req.Incident.Key(), "status", req.Incident.Status.Label(req.Lang))
	}
	return s.transition(ctx, req, bot.StatusInvestigating, "", func(inc *bot.Incident) {
		inc.AckedAt = s.opts.Now()
		if _, ok := inc.Holder(bot.RoleCommander); !ok {
			inc.Roles = withRole(inc.Roles, bot.RoleCommander, req.Event.User)
		}
	})
}

// status handles "status investigating|identified|monitoring [text]".
func (s *Service) status(ctx context.Context, req *bot.Request) error {
	want := req.Command.Arg(0)
	st, ok := bot.ParseStatus(want)
	if !ok || (st != bot.StatusInvestigating && st != bot.StatusIdentified && st != bot.StatusMonitoring) {
		if want == "" {
			return req.Usage()
		}
		return bot.Errorf(bot.CodeBadStatus, "value", want, "allowed", "`investigating`, `identified`, `monitoring`")
	}
	text := strings.TrimSpace(strings.TrimPrefix(req.Command.Text, want))
	return s.transition(ctx, req, st, text, func(inc *bot.Incident) {
		if inc.AckedAt.IsZero() {
			inc.AckedAt = s.opts.Now()
		}
		if text != "" {
			inc.LastUpdate = s.opts.Now()
		}
	})
}

// resolve handles "resolve [summary]".
func (s *Service) resolve(ctx context.Context, req *bot.Request) error {
	summary := req.Command.Text
	return s.transition(ctx, req, bot.StatusResolved, summary, func(inc *bot.Incident) {
		now := s.opts.Now()
		inc.ResolvedAt = now
		if inc.AckedAt.IsZero() {
			inc.AckedAt = now
		}
		if summary != "" {
			inc.Summary = summary
		}
	})
}

// close handles "close [--force]": the postmortem is done; the channel may
// be archived. A P1 or P2 without a reviewed postmortem draft is refused
// unless forced (or Options.PostmortemOptional).
func (s *Service) close(ctx context.Context, req *bot.Request) error {
	text, force := closeForce(req.Command.Text)
	if inc := req.Incident; !force {
		if code := s.needsPostmortem(inc); code != "" {
			return bot.Errorf(code, "id", inc.Key(), "priority", s.priorityLabel(req.Lang, inc.Priority))
		}
	}
	err := s.transition(ctx, req, bot.StatusClosed, text, func(inc *bot.Incident) {
		inc.ClosedAt = s.opts.Now()
	})
	p, ok := s.home(req, req.Incident)
	if err != nil || !s.opts.ArchiveOnClose || !ok {
		return err
	}
	if err := p.Archive(ctx, req.Incident.Channel.ID); err != nil {
		req.Log.Warn("archive incident channel", zap.Error(err))
	}
	return nil
}

// reopen handles "reopen [reason]": back to investigating.
func (s *Service) reopen(ctx context.Context, req *bot.Request) error {
	return s.transition(ctx, req, bot.StatusInvestigating, req.Command.Text, func(inc *bot.Incident) {
		inc.ResolvedAt, inc.ClosedAt = time.Time{}, time.Time{}
	})
}

// decline handles "decline [reason]": the triaged alert was a false alarm.
func (s *Service) decline(ctx context.Context, req *bot.Request) error {
	return s.transition(ctx, req, bot.StatusDeclined, req.Command.Text, nil)
}

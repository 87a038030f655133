package handlers

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// Calls gives every incident a video meeting (bot.CallProvider):
//
//   - an incident declared (by a person or an alert) with a priority of
//     Priorities, or raised to one, gets its meeting at once, in the
//     background, so a slow or refusing provider never holds up or fails
//     the declaration;
//   - the "call" command shows the incident's link, or starts the meeting
//     when it has none (any priority).
//
// The join link goes on the incident (Incident.CallURL), on its card (a
// "Join the call" button) and into its channel; the timeline says a call
// was started, without the link. A call is claimed on the incident first
// (Incident.CallClaimedAt), so two replicas, retries or two people typing
// "call" never create two meetings. A private incident's meeting is named
// by its key only (bot.CallTopic). A drill gets a meeting too, marked as
// one: a meeting pages nobody, and practising the call is part of a drill.
// A meeting that fails tells the channel plainly, and leaves the incident
// without a link so that "call" may try again.
type Calls struct {
	// Provider creates meetings; nil turns calls off.
	Provider bot.CallProvider
	// Priorities are the priorities whose declaration starts a call
	// (none: every priority).
	Priorities []bot.Priority
	// Timeout bounds each creation with its retries (default 2 minutes).
	Timeout time.Duration
}

// callTimeout bounds a meeting's creation unless Calls says.
const callTimeout = 2 * time.Minute

// callCommand is the command that shows or starts the call.
const callCommand = "call"

// callsAt reports whether declaring an incident of priority p starts its
// call.
func (s *Service) callsAt(p bot.Priority) bool {
	c := s.opts.Calls
	return c.Provider != nil && (len(c.Priorities) == 0 || slices.Contains(c.Priorities, p))
}

// callDeclared starts the call of a newly declared incident whose
// priority calls for one.
func (s *Service) callDeclared(ctx context.Context, req *bot.Request, inc *bot.Incident) {
	if !s.callsAt(inc.Priority) {
		return
	}
	if _, err := s.startCall(ctx, req, inc); err != nil {
		req.Log.Warn("claim the call", zap.Int64("incident", inc.ID), zap.Error(err))
	}
}

// callRaised starts the call of an open incident whose priority was
// changed to one that calls for it (a claimed or existing call stays).
func (s *Service) callRaised(ctx context.Context, req *bot.Request, inc *bot.Incident) {
	if inc.CallURL != "" || !inc.Status.Open() {
		return
	}
	s.callDeclared(ctx, req, inc)
}

// startCall claims inc's call and creates it in the background. It
// reports false when the incident has a call or another is being
// created (a claim younger than bot.CallClaimTTL).
func (s *Service) startCall(ctx context.Context, req *bot.Request, inc *bot.Incident) (bool, error) {
	now := s.opts.Now()
	claimed := false
	updated, err := s.store.Update(ctx, inc.ID, func(i *bot.Incident) ([]bot.TimelineEntry, error) {
		claimed = i.CallURL == "" && (i.CallClaimedAt.IsZero() || now.Sub(i.CallClaimedAt) > bot.CallClaimTTL)
		if claimed {
			i.CallClaimedAt = now
		}
		return nil, nil
	})
	if err != nil || !claimed {
		return false, err
	}
	*inc = *updated
	spec := bot.CallSpecOf(updated)
	ev := *req.Event
	later := *req
	later.Event = &ev
	s.goBackground("call "+inc.Key(), func(life context.Context) {
		timeout := s.opts.Calls.Timeout
		if timeout <= 0 {
			timeout = callTimeout
		}
		// The claim must outlive the attempt, or another replica could
		// start a second meeting while this one is still trying.
		ctx, cancel := context.WithTimeout(life, min(timeout, bot.CallClaimTTL-time.Minute))
		defer cancel()
		call, err := s.opts.Calls.Provider.CreateCall(ctx, spec)
		// The outcome is recorded even when the service is closing.
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer rcancel()
		s.callOutcome(rctx, &later, updated.ID, call, err)
	})
	return true, nil
}

// callOutcome keeps the created call on the incident (or releases the
// claim), records it on the timeline, refreshes the card and tells the
// channel. The link itself is never logged.
func (s *Service) callOutcome(ctx context.Context, req *bot.Request, id int64, call bot.Call, err error) {
	name := s.opts.Calls.Provider.Name()
	log := req.Log.With(zap.Int64("incident", id), zap.String("provider", name))
	inc, uerr := s.store.Update(ctx, id, func(i *bot.Incident) ([]bot.TimelineEntry, error) {
		i.CallClaimedAt = time.Time{}
		if err == nil {
			i.CallURL, i.CallID, i.CallName = call.JoinURL, call.ID, name
		}
		return nil, nil
	})
	if uerr != nil {
		// Without the record there is no link to show: say it failed.
		log.Warn("record the call", zap.Error(uerr))
		if err == nil {
			err = uerr
		}
		if inc, uerr = s.store.Get(ctx, id); uerr != nil {
			return
		}
	}
	lang := s.lang()
	if err != nil {
		log.Warn("call failed", zap.Error(err))
		reason := func(l bot.Lang) string {
			var ce *bot.CallError
			if errors.As(err, &ce) {
				return bot.T(l, "call.reason.refused", "provider", name, "detail", ce.Reason)
			}
			return bot.T(l, "call.reason.unreachable", "provider", name)
		}
		s.callEntry(ctx, req, inc, "failed", bot.T(lang, "call.entry.failed", "provider", name))
		say := func(l bot.Lang) bot.Message {
			return bot.Message{Text: bot.T(l, "call.failed", "provider", name, "id", inc.Key(), "reason", reason(l))}
		}
		s.tellEach(ctx, req, inc, say(lang), say(req.Lang))
		return
	}
	log.Info("call started", zap.String("call_id", call.ID))
	s.callEntry(ctx, req, inc, "started", bot.T(lang, "call.entry.started", "provider", name))
	if p, ok := s.home(req, inc); ok {
		s.refreshCard(ctx, p, inc)
	}
	s.tellEach(ctx, req, inc, s.callMessage(lang, inc), s.callMessage(req.Lang, inc))
}

// callEntry appends a KindCall entry, without the link.
func (s *Service) callEntry(ctx context.Context, req *bot.Request, inc *bot.Incident, outcome, text string) {
	e := s.entry(req, bot.KindCall, text)
	e.Data = map[string]string{"provider": s.opts.Calls.Provider.Name(), "outcome": outcome}
	if _, err := s.store.Append(ctx, inc.ID, e); err != nil {
		req.Log.Warn("record the call entry", zap.Int64("incident", inc.ID), zap.Error(err))
	}
}

// callMessage says where inc's call is, with a button to join it.
func (s *Service) callMessage(lang bot.Lang, inc *bot.Incident) bot.Message {
	return bot.Message{
		Text:    bot.T(lang, "call.started", "provider", inc.CallName, "id", inc.Key(), "url", inc.CallURL),
		Buttons: []bot.Button{{Label: bot.T(lang, "button.join_call"), URL: inc.CallURL, Style: bot.StylePrimary}},
	}
}

// callButton is the card's "Join the call" button of an open incident
// with a call.
func callButton(inc *bot.Incident, lang bot.Lang) (bot.Button, bool) {
	if inc.CallURL == "" || !inc.Status.Open() {
		return bot.Button{}, false
	}
	return bot.Button{Label: bot.T(lang, "button.join_call"), URL: inc.CallURL, Style: bot.StylePrimary}, true
}

// call handles "call": the incident's link, privately to whoever asked
// (the audience rule applied when the router resolved the incident), or a
// new meeting when it has none.
func (s *Service) call(ctx context.Context, req *bot.Request) error {
	inc := req.Incident
	if inc.CallURL != "" {
		return req.Reply(ctx, s.callMessage(req.Lang, inc))
	}
	if s.opts.Calls.Provider == nil {
		return req.Reply(ctx, bot.Message{Text: req.T("call.off")})
	}
	if !inc.Status.Open() {
		return req.Reply(ctx, bot.Message{Text: req.T("call.ended", "id", inc.Key())})
	}
	started, err := s.startCall(ctx, req, inc)
	if err != nil {
		return err
	}
	if !started {
		if inc.CallURL != "" {
			return req.Reply(ctx, s.callMessage(req.Lang, inc))
		}
		return req.Reply(ctx, bot.Message{Text: req.T("call.pending", "provider", s.opts.Calls.Provider.Name(), "id", inc.Key())})
	}
	return req.Reply(ctx, bot.Message{Text: req.T("call.starting", "provider", s.opts.Calls.Provider.Name(), "id", inc.Key())})
}

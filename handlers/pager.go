package handlers

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// Paging pages the people on call (bot.Pager) for the incidents that
// need them, and keeps the page in step:
//
//   - an incident declared (by a person or an alert) with a priority of
//     Priorities, or raised to one, triggers its page;
//   - acknowledging it in Warroom (ack, or a status out of triage)
//     acknowledges the page;
//   - resolving, closing or declining it resolves the page; reopening it
//     triggers it again;
//   - PagerDuty's own acknowledgement comes back as the hidden "paged"
//     command (paged), which writes the timeline and acks the incident.
//
// A drill never pages a human: its timeline says so. A page that fails
// never fails what caused it: the incident stands, the channel is told
// why (never a secret) and the timeline records it. Each page call runs
// in the background, with the pager's own retries, so a rate-limited
// PagerDuty never holds up a declaration.
type Paging struct {
	// Pager pages; nil turns paging off.
	Pager bot.Pager
	// Priorities are the priorities that page (none: P1).
	Priorities []bot.Priority
	// Timeout bounds each page with its retries (default 5 minutes).
	Timeout time.Duration
	// Platform is the name of the platform the pager's webhook events come
	// from (their Event.Platform); the "paged" command is refused from any
	// other, so nobody in chat can claim PagerDuty acknowledged.
	Platform string
}

// pageTimeout bounds a page call and its retries unless Paging says.
const pageTimeout = 5 * time.Minute

// pageAction is what a page call does.
type pageAction string

const (
	pageTrigger     pageAction = "trigger"
	pageAcknowledge pageAction = "acknowledge"
	pageResolve     pageAction = "resolve"
)

// pages reports whether an incident of priority p pages.
func (s *Service) pages(p bot.Priority) bool {
	if s.opts.Paging.Pager == nil {
		return false
	}
	if len(s.opts.Paging.Priorities) == 0 {
		return p == bot.P1
	}
	return slices.Contains(s.opts.Paging.Priorities, p)
}

// pageOf is inc's page, linking its web page when there is a public URL.
func (s *Service) pageOf(inc *bot.Incident) bot.Page {
	url := ""
	if s.opts.PublicURL != "" {
		url = strings.TrimRight(s.opts.PublicURL, "/") + "/incidents/" + inc.Key()
	}
	return bot.PageOf(inc, url)
}

// pageDeclared triggers the page of a newly declared incident whose
// priority pages; a drill's timeline says nobody was paged.
func (s *Service) pageDeclared(ctx context.Context, req *bot.Request, inc *bot.Incident) {
	if !s.pages(inc.Priority) {
		return
	}
	if inc.Drill {
		e := s.pageEntry(req, pageTrigger, "skipped", bot.T(s.lang(), "page.drill", "pager", s.opts.Paging.Pager.Name()))
		if _, err := s.store.Append(ctx, inc.ID, e); err != nil {
			req.Log.Warn("record that a drill pages nobody", zap.Int64("incident", inc.ID), zap.Error(err))
		}
		return
	}
	s.trigger(ctx, req, inc)
}

// trigger claims inc's page (Paged, set once however many replicas or
// clicks race) and sends the trigger in the background.
func (s *Service) trigger(ctx context.Context, req *bot.Request, inc *bot.Incident) {
	claimed := false
	updated, err := s.store.Update(ctx, inc.ID, func(i *bot.Incident) ([]bot.TimelineEntry, error) {
		claimed = !i.Paged && !i.Drill
		if claimed {
			i.Paged = true
		}
		return nil, nil
	})
	if err != nil {
		req.Log.Warn("claim the page", zap.Int64("incident", inc.ID), zap.Error(err))
		return
	}
	if claimed {
		*inc = *updated
		s.sendPage(req, updated, pageTrigger)
	}
}

// pageTransition keeps the page in step with a status change from one
// status to another: out of triage acknowledges it, an end resolves it,
// a reopen triggers it again. Changes that came from the pager itself
// (the "paged" command) are not sent back to it.
func (s *Service) pageTransition(ctx context.Context, req *bot.Request, inc *bot.Incident, from, to bot.Status) {
	if s.opts.Paging.Pager == nil || inc.Drill || (req.Route != nil && req.Route.Name == pagedCommand) {
		return
	}
	ended := func(st bot.Status) bool { return !st.Open() }
	switch {
	case ended(to) && !ended(from) && inc.Paged:
		s.resolvePage(ctx, req, inc)
	case from == bot.StatusTriage && !ended(to) && inc.Paged:
		s.sendPage(req, inc, pageAcknowledge)
	case ended(from) && !ended(to) && s.pages(inc.Priority):
		s.trigger(ctx, req, inc)
	}
}

// resolvePage ends inc's page: Paged is cleared so a reopen pages again.
func (s *Service) resolvePage(ctx context.Context, req *bot.Request, inc *bot.Incident) {
	updated, err := s.store.Update(ctx, inc.ID, func(i *bot.Incident) ([]bot.TimelineEntry, error) {
		i.Paged = false
		return nil, nil
	})
	if err != nil {
		req.Log.Warn("end the page", zap.Int64("incident", inc.ID), zap.Error(err))
		return
	}
	*inc = *updated
	s.sendPage(req, updated, pageResolve)
}

// pageRaised triggers the page of an open incident whose priority was
// raised to one that pages. Lowering it keeps the page: on-call decides.
func (s *Service) pageRaised(ctx context.Context, req *bot.Request, inc *bot.Incident) {
	if !s.pages(inc.Priority) || inc.Paged || !inc.Status.Open() {
		return
	}
	if inc.Drill {
		s.pageDeclared(ctx, req, inc)
		return
	}
	s.trigger(ctx, req, inc)
}

// sendPage sends action for inc in the background (the pager retries
// within Paging.Timeout) and records the outcome on the timeline. A
// trigger is told in the channel whichever way it went; acknowledge and
// resolve only when they failed (the status change was told already).
func (s *Service) sendPage(req *bot.Request, inc *bot.Incident, action pageAction) {
	pager := s.opts.Paging.Pager
	page := s.pageOf(inc)
	ev := *req.Event
	later := *req
	later.Event = &ev
	s.goBackground("page "+inc.Key(), func(life context.Context) {
		timeout := s.opts.Paging.Timeout
		if timeout <= 0 {
			timeout = pageTimeout
		}
		ctx, cancel := context.WithTimeout(life, timeout)
		defer cancel()
		var err error
		switch action {
		case pageTrigger:
			err = pager.Trigger(ctx, page)
		case pageAcknowledge:
			err = pager.Acknowledge(ctx, page)
		case pageResolve:
			err = pager.Resolve(ctx, page)
		}
		// The outcome is recorded even when the service is closing.
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer rcancel()
		s.pageOutcome(rctx, &later, inc, action, err)
	})
}

// pageOutcome records a page call's outcome and tells the channel.
func (s *Service) pageOutcome(ctx context.Context, req *bot.Request, inc *bot.Incident, action pageAction, err error) {
	name := s.opts.Paging.Pager.Name()
	lang := s.lang()
	log := req.Log.With(zap.Int64("incident", inc.ID), zap.String("action", string(action)))
	if err == nil {
		log.Info("paged")
		e := s.pageEntry(req, action, "sent", bot.T(lang, "page.entry."+string(action), "pager", name))
		if _, aerr := s.store.Append(ctx, inc.ID, e); aerr != nil {
			log.Warn("record the page", zap.Error(aerr))
		}
		if action == pageTrigger {
			s.tellPage(ctx, req, inc, "page.sent", "pager", name, "id", inc.Key(), "priority", inc.Priority.String())
		}
		return
	}
	log.Warn("page failed", zap.Error(err))
	reason := func(l bot.Lang) string {
		var pe *bot.PageError
		if errors.As(err, &pe) {
			return bot.T(l, "page.reason.refused", "pager", name, "detail", pe.Reason)
		}
		return bot.T(l, "page.reason.unreachable", "pager", name)
	}
	if action == pageTrigger {
		// Not paged: a later raise or reopen may try again.
		if _, uerr := s.store.Update(ctx, inc.ID, func(i *bot.Incident) ([]bot.TimelineEntry, error) {
			i.Paged = false
			return nil, nil
		}); uerr != nil {
			log.Warn("release the failed page", zap.Error(uerr))
		}
	}
	e := s.pageEntry(req, action, "failed", bot.T(lang, "page.failed."+string(action), "pager", name, "id", inc.Key(), "reason", reason(lang)))
	if _, aerr := s.store.Append(ctx, inc.ID, e); aerr != nil {
		log.Warn("record the failed page", zap.Error(aerr))
	}
	s.tellPageFailed(ctx, req, inc, "page.failed."+string(action), reason, "pager", name, "id", inc.Key())
}

// pageEntry is a KindPage timeline entry by the request's user.
func (s *Service) pageEntry(req *bot.Request, action pageAction, outcome, text string) bot.TimelineEntry {
	e := s.entry(req, bot.KindPage, text)
	e.Data = map[string]string{"pager": s.opts.Paging.Pager.Name(), "action": string(action), "outcome": outcome}
	return e
}

// tellPage posts the catalog's key in inc's channel in the workspace's
// language and, when the person who caused the page reads another, tells
// them too in theirs.
func (s *Service) tellPage(ctx context.Context, req *bot.Request, inc *bot.Incident, key string, args ...string) {
	s.tellPageFailed(ctx, req, inc, key, nil, args...)
}

// tellPageFailed is tellPage with a reason in each language.
func (s *Service) tellPageFailed(ctx context.Context, req *bot.Request, inc *bot.Incident, key string, reason func(bot.Lang) string, args ...string) {
	say := func(l bot.Lang) bot.Message {
		a := args
		if reason != nil {
			a = append(slices.Clone(args), "reason", reason(l))
		}
		return bot.Message{Text: bot.T(l, key, a...)}
	}
	current, err := s.store.Get(ctx, inc.ID)
	if err != nil {
		current = inc
	}
	s.tellEach(ctx, req, current, say(s.lang()), say(req.Lang))
}

// pagedCommand is the hidden command PagerDuty's webhook becomes
// ("INC-42 paged acknowledged", adapters/pagerduty).
const pagedCommand = "paged"

// paged handles "paged acknowledged|resolved" from the paging service's
// webhook, as its agent (the person who acted there): the timeline and
// channel say so and, for acknowledged, a triaged incident is
// acknowledged as by the ack command (the lifecycle rule applies; the
// audience rule applied when the router resolved the incident). It is
// not sent back to the pager. A resolved page does not resolve the
// incident: Warroom's responders decide that.
func (s *Service) paged(ctx context.Context, req *bot.Request) error {
	if p := s.opts.Paging.Platform; p == "" || req.Event.Platform != p {
		return bot.Errorf(bot.CodeNoSuchCommand, "command", pagedCommand)
	}
	what := req.Command.Arg(0)
	if what != "acknowledged" && what != "resolved" {
		return req.Usage()
	}
	name := req.Event.Platform
	if p := s.opts.Paging.Pager; p != nil {
		name = p.Name()
	}
	inc := req.Incident
	who := req.Event.User.Display()
	e := s.entry(req, bot.KindPage, bot.T(s.lang(), "page.remote."+what, "pager", name, "user", who))
	e.Data = map[string]string{"pager": name, "action": what, "outcome": "received"}
	if _, err := s.store.Append(ctx, inc.ID, e); err != nil {
		return err
	}
	if what == "resolved" {
		if _, err := s.store.Update(ctx, inc.ID, func(i *bot.Incident) ([]bot.TimelineEntry, error) {
			i.Paged = false
			return nil, nil
		}); err != nil {
			req.Log.Warn("end the page", zap.Int64("incident", inc.ID), zap.Error(err))
		}
	}
	s.tellPage(ctx, req, inc, "page.remote."+what, "pager", name, "user", who)
	if what != "acknowledged" || inc.Status != bot.StatusTriage {
		return nil
	}
	// Acknowledged as by ack, but the agent, a PagerDuty user, is given no
	// role on the chat platform's incident.
	return s.transition(ctx, req, bot.StatusInvestigating, "", func(i *bot.Incident) {
		if i.AckedAt.IsZero() {
			i.AckedAt = s.opts.Now()
		}
	})
}

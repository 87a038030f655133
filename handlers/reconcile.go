package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// Declaring an incident takes several slow steps on two systems (the chat
// platform's channel, Redis's record), and a replica may die between any
// two of them. open therefore writes its intent first, a pending
// declaration naming this process, and ends it last. The replica holding
// the reminders lease looks at the pending declarations on every tick
// (reconcile) and takes over those whose process is gone (its heartbeat
// expired) or that have been pending too long (Options.ReconcileAfter):
//
//   - the incident is recorded: whatever furnishing may be missing is done
//     (the card posted and pinned, the topic set), the declarer is told,
//     and an alert's dedup key is bound to it;
//   - it is not: the declaration is finished, in the channel it already
//     created if it got that far, else in a new one (the adapters make the
//     name unique), and the declarer is told it was recovered; an alert's
//     incident is opened only under the alert's claim, as openForAlert
//     does, so that it never opens twice;
//   - it cannot be finished (the platform refuses the channel, the
//     declaration is older than Options.ReconcileGiveUp, or it is a drill,
//     whose script cannot resume): it is given up, and the declarer is told
//     so where they declared (an alert's failure goes to the announcements
//     channel).
//
// No incident is left without a channel and nobody without a word.

const (
	defaultReconcileAfter  = 5 * time.Minute
	defaultReconcileGiveUp = 30 * time.Minute
	// reconcileBatch bounds the declarations looked at per tick.
	reconcileBatch = 50
	// takenOver marks a declaration this process's reconciler owns; it is
	// retried on every tick until it is done.
	takenOver = "/reconcile"
	// waiting marks a declaration whose incident is recorded and whose
	// channel waits in its process for the platform's rate limit
	// (openLater): it is abandoned only when that process is gone, however
	// long the wait.
	waiting = "/waiting"
)

// newInstance names this process uniquely: two processes with the same
// host name and PID (a restarted container) must not pass for each other.
func newInstance() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// beginDeclare writes the intent to declare incident id.
func (s *Service) beginDeclare(ctx context.Context, req *bot.Request, d declaration, id int64, now time.Time) error {
	spec, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return s.store.BeginDeclare(ctx, store.PendingDeclaration{
		ID: id, Owner: s.instance, Platform: req.Platform.Name(), User: req.Event.User,
		Origin: req.Event.Channel, Lang: string(req.Lang), Spec: spec, CreatedAt: now,
	})
}

// endDeclare removes the intent, even when ctx has ended: what it records
// is done.
func (s *Service) endDeclare(ctx context.Context, id int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.store.EndDeclare(ctx, id); err != nil {
		s.log.Warn("end declaration", zap.Int64("incident", id), zap.Error(err))
	}
}

// heartbeat tells the other replicas that this process is alive, so that
// they leave its declarations in progress alone.
func (s *Service) heartbeat(ctx context.Context, ttl time.Duration) {
	if err := s.store.Heartbeat(ctx, s.instance, ttl); err != nil && ctx.Err() == nil {
		s.log.Warn("heartbeat", zap.Error(err))
	}
}

// reconcile finishes or gives up the declarations abandoned by a process
// that died (or stalled) mid-way. Declarations younger than grace are not
// looked at: their process may not have sent its first heartbeat yet.
func (s *Service) reconcile(ctx context.Context, grace time.Duration) error {
	now := s.opts.Now()
	pending, err := s.store.PendingDeclarations(ctx, now.Add(-grace), reconcileBatch)
	if err != nil {
		return err
	}
	for _, p := range pending {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !s.abandoned(ctx, p, now) {
			continue
		}
		if p.Owner != s.instance+takenOver {
			ok, err := s.store.TakeOverDeclaration(ctx, p.ID, p.Owner, s.instance+takenOver)
			if err != nil || !ok {
				continue // another replica took it, or it just ended
			}
		}
		s.finishDeclaration(ctx, p, now)
	}
	return nil
}

// abandoned reports whether nobody is working on declaration p any more.
func (s *Service) abandoned(ctx context.Context, p store.PendingDeclaration, now time.Time) bool {
	owner, mark, _ := strings.Cut(p.Owner, "/")
	switch {
	case p.Owner == s.instance+takenOver:
		return true // this reconciler's own, not finished on an earlier tick
	case p.Owner == s.instance+waiting:
		return false // waiting here for the platform's rate limit
	case "/"+mark != waiting && now.Sub(p.CreatedAt) >= s.opts.ReconcileAfter:
		return true // stalled, wherever it is
	case p.Owner == s.instance:
		return false // in progress in this process
	}
	alive, err := s.store.Alive(ctx, owner)
	if err != nil {
		s.log.Warn("reconcile: heartbeat", zap.Error(err))
		return false
	}
	return !alive
}

// finishDeclaration finishes pending declaration p, or gives it up; it
// ends p unless it should be tried again on the next tick.
func (s *Service) finishDeclaration(ctx context.Context, p store.PendingDeclaration, now time.Time) {
	log := s.log.With(zap.Int64("incident", p.ID), zap.String("platform", p.Platform))
	var d declaration
	if err := json.Unmarshal(p.Spec, &d); err != nil {
		log.Error("reconcile: unreadable declaration, dropped", zap.Error(err))
		s.endDeclare(ctx, p.ID)
		return
	}
	plat, ok := s.platforms.Platform(p.Platform)
	if !ok {
		// Not running here; a replica that runs it may finish it.
		if now.Sub(p.CreatedAt) >= s.opts.ReconcileGiveUp {
			log.Error("reconcile: declaration on a platform not running here, given up")
			s.endDeclare(ctx, p.ID)
		}
		return
	}
	lang, ok := bot.ParseLang(p.Lang)
	if !ok {
		lang = s.lang()
	}
	ev := &bot.Event{Kind: bot.EventCommand, Platform: p.Platform, User: p.User, Channel: p.Origin, Locale: string(lang), At: p.CreatedAt}
	if d.Alert != nil {
		ev.Kind, ev.Alert = bot.EventAlert, d.Alert
	}
	req := &bot.Request{Event: ev, Platform: plat, Lang: lang, Log: log}

	var done bool
	inc, err := s.store.Get(ctx, p.ID)
	switch {
	case err == nil:
		done = s.completeRecorded(ctx, req, p, inc, d, now)
	case errors.Is(err, bot.ErrNotFound):
		done = s.recoverDeclaration(ctx, req, p, d, now)
	default:
		log.Warn("reconcile: read incident", zap.Error(err))
	}
	if done {
		s.endDeclare(ctx, p.ID)
	}
}

// completeRecorded finishes a declaration whose incident was recorded: the
// process died while its channel waited for the rate limit (openLater),
// while furnishing it, or before it ended the declaration. It reports false
// to be tried again.
func (s *Service) completeRecorded(ctx context.Context, req *bot.Request, p store.PendingDeclaration, inc *bot.Incident, d declaration, now time.Time) bool {
	d.recovered = true
	if inc.Channel.ID == "" {
		if _, err := s.channelFor(ctx, req, inc, d, s.channelSpec(d, p.ID, p.CreatedAt), p.Channel); err != nil {
			req.Log.Warn("reconcile: give a recorded incident its channel", zap.Error(err))
			if now.Sub(p.CreatedAt) < s.opts.ReconcileGiveUp {
				return false
			}
			s.noChannel(ctx, req, p, inc, d, err)
		} else {
			req.Log.Info("reconcile: gave a recorded incident its channel")
		}
		if d.Alert != nil {
			return s.bindRecovered(ctx, req, inc, d.Alert)
		}
		return true
	}
	if inc.Card.IsZero() {
		// The card comes before the greetings: none of it was done.
		s.furnish(ctx, req, inc, d)
	} else {
		s.refresh(ctx, req.Platform, inc)
		if d.Alert == nil && d.Drill == "" {
			// The declarer may or may not have been told; twice is better
			// than never.
			s.welcomeReply(ctx, req, inc)
		}
	}
	req.Log.Info("reconcile: finished a recorded declaration")
	// Paged only if the dead replica had not claimed the page (Paged).
	s.pageDeclared(ctx, req, inc)
	// Started only if the dead replica had not claimed the call.
	s.callDeclared(ctx, req, inc)
	if d.Alert != nil {
		return s.bindRecovered(ctx, req, inc, d.Alert)
	}
	return true
}

// noChannel gives up giving inc a channel and says so where its
// declaration would have been told (the announcements channel for an
// alert's): the incident stays recorded, without one.
func (s *Service) noChannel(ctx context.Context, req *bot.Request, p store.PendingDeclaration, inc *bot.Incident, d declaration, cause error) {
	req.Log.Error("reconcile: recorded incident left without a channel", zap.Error(cause))
	msg := bot.Message{Text: req.T("declare.no_channel", "id", inc.Key(), "title", inc.Title,
		"reason", req.T("reason.channel", "error", cause.Error()))}
	if d.Alert == nil {
		if err := req.Reply(ctx, msg); err != nil {
			req.Log.Warn("tell the declarer", zap.Error(err))
		}
		return
	}
	if d.Private {
		return // never announced; the error above is for the operators
	}
	channel := d.Announce
	if channel == "" {
		channel = s.opts.Announce[p.Platform]
	}
	if channel != "" {
		s.postQuiet(ctx, req.Platform, channel, msg)
	}
}

// welcomeReply tells the declarer that inc was recovered.
func (s *Service) welcomeReply(ctx context.Context, req *bot.Request, inc *bot.Incident) {
	msg := bot.Message{Text: req.T("declare.recovered", "id", inc.Key(), "title", inc.Title, "channel", channelRef(inc.Channel))}
	if err := req.Reply(ctx, msg); err != nil {
		req.Log.Warn("tell the declarer", zap.Error(err))
	}
}

// bindRecovered binds an alert's dedup key to its recovered incident and
// records the notifications that queued meanwhile, unless the key went to
// another incident. It reports false while another claim on the key
// (perhaps the dead process's own, which expires) is pending.
func (s *Service) bindRecovered(ctx context.Context, req *bot.Request, inc *bot.Incident, a *bot.Alert) bool {
	current, err := s.store.AlertIncident(ctx, a.Source, a.DedupKey)
	if err != nil {
		return false
	}
	if current == 0 {
		claimed, other, err := s.store.ClaimAlert(ctx, a.Source, a.DedupKey, claimTTL)
		switch {
		case err != nil:
			return false
		case claimed:
			if err := s.store.BindAlert(ctx, a.Source, a.DedupKey, inc.ID); err != nil {
				_ = s.store.ReleaseAlert(ctx, a.Source, a.DedupKey)
				return false
			}
			current = inc.ID
		case other == 0:
			return false
		default:
			current = other
		}
	}
	if current != inc.ID {
		req.Log.Info("reconcile: the alert opened another incident meanwhile", zap.Int64("other", current))
		return true
	}
	if err := s.recordAlert(ctx, req, inc, a); err != nil {
		req.Log.Warn("reconcile: record alert", zap.Error(err))
	}
	if err := s.drain(ctx, req, inc, a); err != nil {
		req.Log.Warn("reconcile: drain alerts", zap.Error(err))
	}
	return true
}

// recoverDeclaration finishes a declaration whose incident was never
// recorded, or gives it up. It reports false to be tried again.
func (s *Service) recoverDeclaration(ctx context.Context, req *bot.Request, p store.PendingDeclaration, d declaration, now time.Time) bool {
	switch {
	case d.Drill != "":
		s.failDeclaration(ctx, req, p, d, req.T("reason.drill"))
		return true
	case now.Sub(p.CreatedAt) >= s.opts.ReconcileGiveUp:
		s.failDeclaration(ctx, req, p, d, req.T("reason.late"))
		return true
	}
	a := d.Alert
	if a != nil {
		claimed, current, err := s.store.ClaimAlert(ctx, a.Source, a.DedupKey, claimTTL)
		switch {
		case err != nil:
			return false
		case !claimed && current != 0:
			req.Log.Info("reconcile: the alert opened another incident meanwhile", zap.Int64("other", current))
			return true
		case !claimed:
			return false // a claim is pending, maybe the dead one's: wait
		}
	}
	release := func() {
		if a != nil {
			_ = s.store.ReleaseAlert(ctx, a.Source, a.DedupKey)
		}
	}
	ch := p.Channel
	if ch.ID == "" {
		var err error
		ch, err = req.Platform.CreateChannel(ctx, s.channelSpec(d, p.ID, p.CreatedAt))
		if err != nil {
			release()
			req.Log.Warn("reconcile: create channel", zap.Error(err))
			s.failDeclaration(ctx, req, p, d, req.T("reason.channel", "error", err.Error()))
			return true
		}
		if err := s.store.SetPendingChannel(ctx, p.ID, ch); err != nil {
			req.Log.Warn("reconcile: remember the new channel", zap.Error(err))
		}
	}
	inc, entries := s.newIncident(req, d, p.ID, ch, p.CreatedAt)
	if err := s.store.Create(ctx, inc, entries...); err != nil {
		release()
		req.Log.Warn("reconcile: record incident", zap.Error(err))
		return false // the channel is remembered: the next tick uses it
	}
	s.recorded(ctx, req, inc, d)
	d.recovered = true
	s.furnish(ctx, req, inc, d)
	s.pageDeclared(ctx, req, inc)
	s.callDeclared(ctx, req, inc)
	if a != nil {
		if err := s.recordAlert(ctx, req, inc, a); err != nil {
			req.Log.Warn("reconcile: record alert", zap.Error(err))
		}
		if err := s.drain(ctx, req, inc, a); err != nil {
			req.Log.Warn("reconcile: drain alerts", zap.Error(err))
		}
	}
	req.Log.Info("reconcile: recovered a declaration", zap.String("channel_id", ch.ID))
	return true
}

// failDeclaration tells the declarer (for an alert, the announcements
// channel) that declaration p was given up, and says so in its channel if
// it got one.
func (s *Service) failDeclaration(ctx context.Context, req *bot.Request, p store.PendingDeclaration, d declaration, reason string) {
	key := bot.FormatID(p.ID)
	req.Log.Warn("reconcile: declaration given up", zap.String("reason", reason))
	if a := d.Alert; a != nil {
		text := req.T("alert.failed", "source", alertUser(a).Name, "title", d.Title, "id", key, "reason", reason)
		channel := d.Announce
		if channel == "" {
			channel = s.opts.Announce[p.Platform]
		}
		if channel != "" && !d.Private { // a private one is never announced
			s.postQuiet(ctx, req.Platform, channel, bot.Message{Text: text})
		}
		if p.Channel.ID != "" {
			s.postQuiet(ctx, req.Platform, p.Channel.ID, bot.Message{Text: text})
		}
		return
	}
	msg := bot.Message{Text: req.T("declare.failed", "id", key, "title", d.Title, "reason", reason)}
	if p.Channel.ID != "" {
		s.postQuiet(ctx, req.Platform, p.Channel.ID, msg)
	}
	if err := req.Reply(ctx, msg); err != nil {
		req.Log.Warn("tell the declarer", zap.Error(err))
	}
}

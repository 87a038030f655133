package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// Tracking files follow-ups as issues in an outside tracker (bot.Tracker,
// Jira) and follows the issues' status back:
//
//   - adding a follow-up files its issue in the background: the follow-up
//     stands whatever the tracker says, keeps the issue's key and URL once
//     filed, and the timeline and channel say who filed it and as what;
//   - a tracker that refuses or cannot be reached (after the client's own
//     retries) is told in the channel, in plain words, with how to try
//     again (`followup file <n>`); nothing is recorded as filed;
//   - the tracker's webhook becomes the hidden "tracked <KEY> done|reopen"
//     command (tracked), which moves the follow-up filed as that issue as
//     `followup done` and `followup reopen` do, as the tracker's user.
//     Verifying a follow-up stays a Warroom act.
//
// A private incident's issue names the incident by its key only
// (bot.IssueOf): its title stays inside Warroom.
type Tracking struct {
	// Tracker files issues; nil turns tracking off.
	Tracker bot.Tracker
	// Timeout bounds each filing with its retries (default 2 minutes).
	Timeout time.Duration
	// Platform is the name of the platform the tracker's webhook events
	// come from; the "tracked" command is refused from any other, so
	// nobody in chat can claim Jira closed an issue.
	Platform string
}

// fileTimeout bounds a filing unless Tracking says.
const fileTimeout = 2 * time.Minute

// trackedCommand is the hidden command the tracker's webhook becomes
// ("tracked OPS-7 done", adapters/jira).
const trackedCommand = "tracked"

// fileFollowUp files f of inc as an issue in the background, unless
// tracking is off, the incident is a drill, or f is filed already.
func (s *Service) fileFollowUp(req *bot.Request, inc *bot.Incident, f *bot.FollowUp) {
	tracker := s.opts.Tracking.Tracker
	if tracker == nil || inc.Drill || !f.Issue.IsZero() {
		return
	}
	url := ""
	if s.opts.PublicURL != "" {
		url = strings.TrimRight(s.opts.PublicURL, "/") + "/incidents/" + inc.Key()
	}
	due := ""
	if !f.Due.IsZero() {
		due = s.date(f.Due)
	}
	issue := bot.IssueOf(inc, f, url, due)
	ev := *req.Event
	later := *req
	later.Event = &ev
	n := f.N
	s.goBackground("file "+inc.Key()+" #"+strconv.Itoa(n), func(life context.Context) {
		timeout := s.opts.Tracking.Timeout
		if timeout <= 0 {
			timeout = fileTimeout
		}
		ctx, cancel := context.WithTimeout(life, timeout)
		defer cancel()
		ref, err := tracker.Create(ctx, issue)
		// The outcome is recorded even when the service is closing.
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer rcancel()
		s.fileOutcome(rctx, &later, inc, n, ref, err)
	})
}

// fileOutcome records a filing's outcome and tells the channel.
func (s *Service) fileOutcome(ctx context.Context, req *bot.Request, inc *bot.Incident, n int, ref bot.IssueRef, err error) {
	name := s.opts.Tracking.Tracker.Name()
	log := req.Log.With(zap.Int64("incident", inc.ID), zap.Int("followup", n))
	num := strconv.Itoa(n)
	if err == nil {
		if ref.Tracker == "" {
			ref.Tracker = name
		}
		_, err = s.store.FileFollowUp(ctx, inc.ID, n, ref, func(f *bot.FollowUp) []bot.TimelineEntry {
			e := s.entry(req, bot.KindFollowup, bot.T(s.lang(), "tracker.entry.filed", "n", num, "key", ref.Key, "tracker", name))
			e.Data = map[string]string{"n": num, "action": "filed", "state": f.State, "tracker": name, "issue": ref.Key, "url": ref.URL}
			return []bot.TimelineEntry{e}
		})
		if err == nil {
			log.Info("follow-up filed", zap.String("issue", ref.Key))
			s.tellPage(ctx, req, inc, "tracker.filed", "n", num, "id", inc.Key(), "key", ref.Key, "url", ref.URL, "tracker", name)
			return
		}
		// Filed in the tracker but not recorded here: say so, with its key,
		// so that nobody files it twice by hand.
		log.Warn("record the filed issue", zap.String("issue", ref.Key), zap.Error(err))
		s.tellPage(ctx, req, inc, "tracker.unrecorded", "n", num, "id", inc.Key(), "key", ref.Key, "tracker", name)
		return
	}
	log.Warn("file follow-up", zap.Error(err))
	reason := func(l bot.Lang) string {
		var te *bot.TrackerError
		if errors.As(err, &te) {
			return bot.T(l, "tracker.reason.refused", "tracker", name, "detail", te.Reason)
		}
		return bot.T(l, "tracker.reason.unreachable", "tracker", name)
	}
	s.tellPageFailed(ctx, req, inc, "tracker.failed", reason, "n", num, "id", inc.Key(), "tracker", name)
}

// fileAgain handles "followup file <n>": it files a follow-up that is not
// filed yet (the filing failed), in the background as on add.
func (s *Service) fileAgain(ctx context.Context, req *bot.Request, arg string) error {
	inc := req.Incident
	if s.opts.Tracking.Tracker == nil {
		return bot.Errorf(bot.CodeNoSuchCommand, "command", "followup file")
	}
	n, err := strconv.Atoi(strings.TrimPrefix(arg, "#"))
	if err != nil || n < 1 {
		return bot.Errorf(bot.CodeNoFollowUp, "id", inc.Key(), "n", arg)
	}
	f, err := s.store.FollowUp(ctx, inc.ID, n)
	if errors.Is(err, bot.ErrNotFound) {
		return bot.Errorf(bot.CodeNoFollowUp, "id", inc.Key(), "n", strconv.Itoa(n))
	}
	if err != nil {
		return err
	}
	name := s.opts.Tracking.Tracker.Name()
	if !f.Issue.IsZero() {
		return req.Reply(ctx, bot.Message{Text: req.T("tracker.already", "n", strconv.Itoa(n), "id", inc.Key(), "key", f.Issue.Key, "url", f.Issue.URL, "tracker", name)})
	}
	if inc.Drill {
		return req.Reply(ctx, bot.Message{Text: req.T("tracker.drill", "tracker", name)})
	}
	s.fileFollowUp(req, inc, f)
	return req.Reply(ctx, bot.Message{Text: req.T("tracker.filing", "n", strconv.Itoa(n), "id", inc.Key(), "tracker", name)})
}

// tracked handles "tracked <KEY> done|reopen" from the tracker's webhook,
// as the tracker's user: the follow-up filed as that issue is moved as
// `followup done` or `followup reopen` would move it (the policy's
// "followup" action applies; the timeline and the channel say so). An
// issue Warroom did not file, or a follow-up already in that state,
// changes nothing. The incident is found through the follow-up the store
// says was filed as the issue, which only the signed webhook names, so a
// private incident's follow-ups follow their issues too.
func (s *Service) tracked(ctx context.Context, req *bot.Request) error {
	if p := s.opts.Tracking.Platform; p == "" || req.Event.Platform != p {
		return bot.Errorf(bot.CodeNoSuchCommand, "command", trackedCommand)
	}
	key, what := req.Command.Arg(0), req.Command.Arg(1)
	if len(req.Command.Args) != 2 || (what != "done" && what != "reopen") {
		return req.Usage()
	}
	name := s.opts.Tracking.Platform
	if t := s.opts.Tracking.Tracker; t != nil {
		name = t.Name()
	}
	f, err := s.store.FollowUpByIssue(ctx, name, key)
	if errors.Is(err, bot.ErrNotFound) {
		req.Log.Info("issue not filed by Warroom, ignored", zap.String("issue", key))
		return nil
	}
	if err != nil {
		return err
	}
	if (what == "done" && f.State != bot.FollowUpOpen) || (what == "reopen" && f.State == bot.FollowUpOpen) {
		return nil // already so: the webhook repeats what Warroom knows
	}
	inc, err := s.store.Get(ctx, f.Incident)
	if err != nil {
		return err
	}
	req.Incident = inc
	if err := s.Authorize(ctx, req, "followup"); err != nil {
		req.Log.Info("tracker's change refused by policy", zap.String("issue", key))
		return err
	}
	if err := s.moveFollowUp(ctx, req, what, strconv.Itoa(f.N)); err != nil {
		var be *bot.Error
		if errors.As(err, &be) && be.Code == bot.CodeFollowUpSame {
			return nil // another delivery or a person got there first
		}
		return err
	}
	if p, ok := s.home(req, inc); ok {
		if cur, gerr := s.store.Get(ctx, inc.ID); gerr == nil {
			s.refreshCard(ctx, p, cur)
		}
	}
	return nil
}

// issueText is " · Jira OPS-7" for a filed follow-up's line, "" for one
// not filed.
func issueText(f *bot.FollowUp) string {
	if f.Issue.IsZero() {
		return ""
	}
	return " · " + f.Issue.Tracker + " " + f.Issue.Key
}

// withIssues ends the text of each filed follow-up of fs with its issue
// ("… (Jira OPS-7 https://…)"), so that the postmortem's list of
// follow-ups, which shows their text, says where each is tracked.
func withIssues(fs []bot.FollowUp) {
	for i := range fs {
		if is := fs[i].Issue; !is.IsZero() {
			fs[i].Text += " (" + strings.TrimSpace(is.Tracker+" "+is.Key+" "+is.URL) + ")"
		}
	}
}

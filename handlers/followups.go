package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

const (
	// maxFollowUpText bounds a follow-up's text, in runes.
	maxFollowUpText = 500
	// followUpsShown is how many follow-ups a listing across incidents
	// shows.
	followUpsShown = 50
	// followUpReminders bounds the overdue follow-ups one reminder round
	// looks at.
	followUpReminders = 500
	// cardLookup bounds the store read behind the card's follow-ups field.
	cardLookup = 2 * time.Second
)

// dateLayouts are the due dates people may write.
var dateLayouts = []string{"2006-01-02", "2006/01/02"}

// followup handles "followup add <text> [@owner] [due YYYY-MM-DD]" and
// "followup done|verify|reopen <n>".
func (s *Service) followup(ctx context.Context, req *bot.Request) error {
	sub := strings.ToLower(req.Command.Arg(0))
	_, rest, _ := strings.Cut(strings.TrimSpace(req.Command.Text), req.Command.Arg(0))
	switch sub {
	case "add", "new":
		return s.addFollowUp(ctx, req, strings.TrimSpace(rest))
	case "done", "verify", "reopen":
		if len(req.Command.Args) != 2 {
			return req.Usage()
		}
		return s.moveFollowUp(ctx, req, sub, req.Command.Arg(1))
	case "file":
		if len(req.Command.Args) != 2 {
			return req.Usage()
		}
		return s.fileAgain(ctx, req, req.Command.Arg(1))
	}
	return req.Usage()
}

// followUpSpec is what "followup add" was given.
type followUpSpec struct {
	text string
	// who names the owner as typed: a mention, or the name after "owner";
	// "" for the person adding it.
	who string
	due time.Time
}

// ownerWords introduce an owner given by name: "owner carol".
var ownerWords = map[string]bool{"owner": true, "担当": true, "担当者": true}

// parseFollowUp reads "<text> [@owner | owner <name>] [due YYYY-MM-DD]"
// (owner and due in either order) from the end of line: the words before
// are the text. A bare name needs "owner" in front, or it could not be
// told from the text's last word. A "due" followed by something that is
// not a date is refused with CodeBadDate, so a mistyped date never ends up
// in the text unnoticed.
func parseFollowUp(line string, loc *time.Location) (followUpSpec, error) {
	var spec followUpSpec
	rest := line
	for range 2 {
		before, w := lastWord(rest)
		if _, ok := bot.ParseMention(w); ok && spec.who == "" {
			spec.who, rest = w, before
			continue
		}
		before2, w2 := lastWord(before)
		if ownerWords[strings.ToLower(w2)] && spec.who == "" && w != "" {
			spec.who, rest = w, before2
			continue
		}
		if !strings.EqualFold(w2, "due") || !spec.due.IsZero() {
			break
		}
		d, ok := parseDate(w, loc)
		if !ok {
			return spec, bot.Errorf(bot.CodeBadDate, "value", w)
		}
		spec.due, rest = d, before2
	}
	spec.text = strings.TrimSpace(rest)
	return spec, nil
}

// lastWord splits s into what comes before its last word, and that word.
func lastWord(s string) (before, word string) {
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	i := strings.LastIndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return "", s
	}
	return s[:i], s[i+1:]
}

// parseDate reads a due date as the start of that day in loc.
func parseDate(v string, loc *time.Location) (time.Time, bool) {
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// addFollowUp records a new follow-up of the request's incident, owned by
// the person mentioned or else by whoever adds it.
func (s *Service) addFollowUp(ctx context.Context, req *bot.Request, line string) error {
	spec, err := parseFollowUp(line, s.opts.Location)
	if err != nil {
		return err
	}
	if spec.text == "" {
		return req.Usage()
	}
	if utf8.RuneCountInString(spec.text) > maxFollowUpText {
		return bot.Errorf(bot.CodeTooLong, "field", req.T("followup.text"), "max", strconv.Itoa(maxFollowUpText))
	}
	owner := req.Event.User
	if spec.who != "" {
		if owner, err = s.person(ctx, req, spec.who); err != nil {
			return err
		}
	}
	inc := req.Incident
	f, err := s.store.AddFollowUp(ctx, bot.FollowUp{
		Incident: inc.ID, Text: spec.text, Owner: owner, Due: spec.due,
		CreatedAt: s.opts.Now(), CreatedBy: req.Event.User,
	}, func(f *bot.FollowUp) []bot.TimelineEntry {
		return []bot.TimelineEntry{s.followUpEntry(req, f, "add")}
	})
	if err != nil {
		return err
	}
	s.bringIn(ctx, req, owner)
	text := req.T("followup.added", "user", req.Event.User.Display(), "n", strconv.Itoa(f.N), "id", inc.Key(),
		"text", f.Text, "owner", f.Owner.Display(), "due", s.dueText(req.Lang, f))
	if f.Overdue(s.opts.Now(), s.opts.Location) {
		text += " " + req.T("followup.added_past", "date", s.date(f.Due))
	}
	s.tell(ctx, req, inc, bot.Message{Text: text})
	s.refreshCard(ctx, req.Platform, inc)
	s.fileFollowUp(req, inc, f)
	return nil
}

// moveFollowUp handles done, verify and reopen: each is checked against
// the stored follow-up inside the store's transaction, so two clicks
// cannot both win.
func (s *Service) moveFollowUp(ctx context.Context, req *bot.Request, action, arg string) error {
	inc := req.Incident
	n, err := strconv.Atoi(strings.TrimPrefix(arg, "#"))
	if err != nil || n < 1 {
		fs, lerr := s.store.FollowUps(ctx, inc.ID)
		if lerr != nil {
			return lerr
		}
		if len(fs) == 0 {
			return bot.Errorf(bot.CodeNoFollowUp, "id", inc.Key(), "n", arg)
		}
		return bot.Errorf(bot.CodeBadNumber, "value", arg, "max", strconv.Itoa(len(fs)))
	}
	f, err := s.store.UpdateFollowUp(ctx, inc.ID, n, func(f *bot.FollowUp) ([]bot.TimelineEntry, error) {
		if err := s.applyFollowUp(req, f, action); err != nil {
			return nil, err
		}
		return []bot.TimelineEntry{s.followUpEntry(req, f, action)}, nil
	})
	if errors.Is(err, bot.ErrNotFound) {
		return bot.Errorf(bot.CodeNoFollowUp, "id", inc.Key(), "n", strconv.Itoa(n))
	}
	if err != nil {
		return err
	}
	key := map[string]string{"done": "followup.done", "verify": "followup.verified", "reopen": "followup.reopened"}[action]
	s.tell(ctx, req, inc, bot.Message{Text: req.T(key, "user", req.Event.User.Display(), "n", strconv.Itoa(f.N),
		"id", inc.Key(), "text", f.Text)})
	s.refreshCard(ctx, req.Platform, inc)
	return nil
}

// applyFollowUp moves f by action, or refuses with a coded error: done
// needs an open follow-up, verify a done one (and, with
// Options.VerifyByOther, someone other than who marked it done), reopen
// one that is not open.
func (s *Service) applyFollowUp(req *bot.Request, f *bot.FollowUp, action string) error {
	same := func() error {
		return bot.Errorf(bot.CodeFollowUpSame, "id", req.Incident.Key(), "n", strconv.Itoa(f.N),
			"state", req.T("followup.state."+f.State))
	}
	now := s.opts.Now()
	switch action {
	case "done":
		if f.State != bot.FollowUpOpen {
			return same()
		}
		f.State, f.DoneAt, f.DoneBy = bot.FollowUpDone, now, req.Event.User
	case "verify":
		switch f.State {
		case bot.FollowUpOpen:
			return bot.Errorf(bot.CodeFollowUpNotDone, "id", req.Incident.Key(), "n", strconv.Itoa(f.N))
		case bot.FollowUpVerified:
			return same()
		}
		if s.opts.VerifyByOther && !f.DoneBy.IsZero() && f.DoneBy.ID == req.Event.User.ID {
			return bot.Errorf(bot.CodeVerifyBySelf, "id", req.Incident.Key(), "n", strconv.Itoa(f.N), "user", f.DoneBy.Display())
		}
		f.State, f.VerifiedAt = bot.FollowUpVerified, now
	case "reopen":
		if f.State == bot.FollowUpOpen {
			return same()
		}
		f.State, f.DoneAt, f.VerifiedAt = bot.FollowUpOpen, time.Time{}, time.Time{}
		f.DoneBy, f.VerifyAskedAt = bot.User{}, time.Time{}
	}
	return nil
}

// followUpEntry records action on f on the timeline, in the deployment's
// language (the timeline is one record for everyone), with the facts in
// Data: "n", "action" (add, done, verify, reopen), "state", "owner_id",
// "owner_name", "due" (YYYY-MM-DD, absent when none) and "via" (the
// platform it was done from, such as the web, when not the person's own).
func (s *Service) followUpEntry(req *bot.Request, f *bot.FollowUp, action string) bot.TimelineEntry {
	lang := s.lang()
	text := bot.T(lang, "followup.entry."+action, "n", strconv.Itoa(f.N), "text", f.Text,
		"owner", f.Owner.Display(), "due", s.dueText(lang, f))
	e := s.entry(req, bot.KindFollowup, text)
	e.Data = map[string]string{"n": strconv.Itoa(f.N), "action": action, "state": f.State,
		"owner_id": f.Owner.ID, "owner_name": f.Owner.Name}
	if !f.Due.IsZero() {
		e.Data["due"] = s.date(f.Due)
	}
	if via := req.Event.Via(); via != "" {
		e.Data["via"] = via
	}
	return e
}

// followups handles "followups" (this incident's), "followups mine" (the
// requester's open ones) and "followups open" (every open one, the
// earliest due first).
func (s *Service) followups(ctx context.Context, req *bot.Request) error {
	switch strings.ToLower(req.Command.Arg(0)) {
	case "":
		if req.Incident == nil {
			return bot.Errorf(bot.CodeNoIncident)
		}
		return s.incidentFollowUps(ctx, req)
	case "mine", "me", "my":
		return s.openFollowUps(ctx, req, "followups.mine", store.FollowUpQuery{Owner: req.Event.User.ID})
	case "open", "all":
		return s.openFollowUps(ctx, req, "followups.open", store.FollowUpQuery{})
	}
	return req.Usage()
}

func (s *Service) incidentFollowUps(ctx context.Context, req *bot.Request) error {
	inc := req.Incident
	fs, err := s.store.FollowUps(ctx, inc.ID)
	if err != nil {
		return err
	}
	if len(fs) == 0 {
		return req.Reply(ctx, bot.Message{Text: req.T("followups.none", "id", inc.Key())})
	}
	lines := make([]string, 0, len(fs))
	for i := range fs {
		lines = append(lines, s.followUpLine(req.Lang, "followups.line", &fs[i]))
	}
	return req.Reply(ctx, bot.Message{Title: req.T("followups.title", "id", inc.Key(), "title", inc.Title),
		Text: strings.Join(lines, "\n")})
}

func (s *Service) openFollowUps(ctx context.Context, req *bot.Request, key string, q store.FollowUpQuery) error {
	q.Limit = followUpsShown + 1
	q.Keep = s.followUpsSeen(ctx, req)
	fs, err := s.store.OpenFollowUps(ctx, q)
	if err != nil {
		return err
	}
	if len(fs) == 0 {
		return req.Reply(ctx, bot.Message{Text: req.T(key + ".none")})
	}
	msg := bot.Message{Title: req.T(key)}
	if len(fs) > followUpsShown {
		fs = fs[:followUpsShown]
		msg.Context = req.T("followups.more", "shown", strconv.Itoa(followUpsShown))
	}
	lines := make([]string, 0, len(fs))
	for i := range fs {
		lines = append(lines, s.followUpLine(req.Lang, "followups.line_incident", &fs[i]))
	}
	msg.Text = strings.Join(lines, "\n")
	return req.Reply(ctx, msg)
}

// followUpsSeen keeps the follow-ups of the incidents req's person sees
// (the audience rule), looking each incident up once.
func (s *Service) followUpsSeen(ctx context.Context, req *bot.Request) func(*bot.FollowUp) bool {
	sees := s.seesFunc(ctx, req)
	seen := map[int64]bool{}
	return func(f *bot.FollowUp) bool {
		ok, known := seen[f.Incident]
		if !known {
			inc, err := s.store.Get(ctx, f.Incident)
			ok = err == nil && sees(inc)
			seen[f.Incident] = ok
		}
		return ok
	}
}

// followUpLine renders f with the catalog's line key.
func (s *Service) followUpLine(lang bot.Lang, key string, f *bot.FollowUp) string {
	overdue := ""
	if f.Overdue(s.opts.Now(), s.opts.Location) {
		overdue = bot.T(lang, "followup.overdue")
	}
	return bot.T(lang, key, "id", bot.FormatID(f.Incident), "n", strconv.Itoa(f.N),
		"state", bot.T(lang, "followup.state."+f.State), "text", oneline(f.Text), "owner", f.Owner.Display(),
		"due", s.dueText(lang, f), "overdue", overdue) + issueText(f)
}

// dueText is "due 2026-12-31" or "no due date".
func (s *Service) dueText(lang bot.Lang, f *bot.FollowUp) string {
	if f.Due.IsZero() {
		return bot.T(lang, "followup.no_due")
	}
	return bot.T(lang, "followup.due", "date", s.date(f.Due))
}

// date shows a due day as YYYY-MM-DD in the configured zone.
func (s *Service) date(t time.Time) string { return t.In(s.opts.Location).Format("2006-01-02") }

// oneline is text with its line breaks and runs of spaces as one space.
func oneline(text string) string { return strings.Join(strings.Fields(text), " ") }

// refreshCard brings the pinned card up to date after a follow-up changed
// (the topic does not show follow-ups, so it is left alone), in the
// workspace's language, as refresh.
func (s *Service) refreshCard(ctx context.Context, p bot.Platform, inc *bot.Incident) {
	if inc.Platform != p.Name() || inc.Card.IsZero() {
		return
	}
	if err := p.Update(ctx, inc.Card, s.card(ctx, inc, s.lang())); err != nil && !errors.Is(err, bot.ErrUnsupported) {
		s.log.Warn("update card", zap.Int64("incident", inc.ID), zap.Error(err))
	}
}

// followUpsField is the card's "Follow-ups: 2 open (1 overdue)", or false
// when the incident has no open follow-up. The card is rendered without a
// context, so the read has its own short deadline; when it fails the card
// goes without the field.
func (s *Service) followUpsField(ctx context.Context, inc *bot.Incident, lang bot.Lang) (bot.Field, bool) {
	ctx, cancel := context.WithTimeout(ctx, cardLookup)
	defer cancel()
	fs, err := s.store.FollowUps(ctx, inc.ID)
	if err != nil {
		s.log.Warn("follow-ups for the card", zap.Int64("incident", inc.ID), zap.Error(err))
		return bot.Field{}, false
	}
	open, overdue := 0, 0
	now := s.opts.Now()
	for i := range fs {
		if fs[i].Open() {
			open++
		}
		if fs[i].Overdue(now, s.opts.Location) {
			overdue++
		}
	}
	if open == 0 {
		return bot.Field{}, false
	}
	value := bot.T(lang, "card.followups", "open", strconv.Itoa(open))
	if overdue > 0 {
		value = bot.T(lang, "card.followups_overdue", "open", strconv.Itoa(open), "overdue", strconv.Itoa(overdue))
	}
	return bot.Field{Label: bot.T(lang, "field.followups"), Value: value}, true
}

// remindFollowUps reminds the owner of each overdue open follow-up,
// privately, once a day (a day in the configured zone), whichever replica
// sends it, whether or not the incident is still open. The reminder is a
// private reply in the incident channel to an event made up as if the owner
// had spoken there: Slack shows it only to them (or sends it as a direct
// message), the console marks it private.
func (s *Service) remindFollowUps(ctx context.Context, now time.Time) error {
	loc := s.opts.Location
	local := now.In(loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	fs, err := s.store.OpenFollowUps(ctx, store.FollowUpQuery{DueBy: today.Add(-time.Second), Limit: followUpReminders})
	if err != nil {
		return err
	}
	incs := map[int64]*bot.Incident{}
	for i := range fs {
		f := &fs[i]
		if !f.Overdue(now, loc) {
			continue
		}
		inc, ok := incs[f.Incident]
		if !ok {
			if inc, err = s.store.Get(ctx, f.Incident); err != nil {
				if !errors.Is(err, bot.ErrNotFound) {
					s.log.Warn("remind follow-up owner", zap.Int64("incident", f.Incident), zap.Error(err))
				}
				inc = nil
			}
			incs[f.Incident] = inc
		}
		if inc != nil {
			s.remindFollowUp(ctx, inc, f, today.Format("2006-01-02"))
		}
	}
	return nil
}

// remindFollowUp sends one follow-up's reminder of the day to its owner,
// in their language when the platform told it.
func (s *Service) remindFollowUp(ctx context.Context, inc *bot.Incident, f *bot.FollowUp, day string) {
	p, ok := s.platforms.Platform(inc.Platform)
	if !ok {
		return
	}
	if !s.mayBeTold(ctx, p, inc, f.Owner) {
		return
	}
	key := "remind:followup:" + strconv.FormatInt(f.Incident, 10) + ":" + strconv.Itoa(f.N) + ":" + day
	if first, err := s.store.MarkSeen(ctx, key, 25*time.Hour); err != nil || !first {
		return
	}
	lang := s.lang()
	if p, ok, err := s.store.CachedUser(ctx, inc.Platform, f.Owner.ID); err == nil && ok {
		locale := p.Locale
		if l, ok := bot.ParseLang(locale); ok {
			lang = l
		}
	}
	n := strconv.Itoa(f.N)
	msg := bot.Message{
		Text: bot.T(lang, "remind.followup", "n", n, "id", inc.Key(), "date", s.date(f.Due), "text", oneline(f.Text)),
		Buttons: []bot.Button{{Label: bot.T(lang, "button.followup_done"), Command: "followup",
			Args: inc.Key() + " done " + n, Style: bot.StylePrimary}},
	}
	ev := &bot.Event{Kind: bot.EventCommand, Platform: inc.Platform, User: f.Owner, Channel: inc.Channel.ID, Locale: string(lang)}
	if err := p.Reply(ctx, ev, msg); err != nil {
		s.log.Warn("remind follow-up owner", zap.Int64("incident", inc.ID), zap.Int("followup", f.N), zap.Error(err))
	}
}

// errAsked ends a claim on a follow-up someone was already asked about.
var errAsked = errors.New("already asked")

// remindVerify asks, once per follow-up, whether a fix worked: every
// follow-up done at least Options.VerifyAfter ago whose owner was not asked
// yet. The claim (VerifyAskedAt) is written in the store's transaction
// before the question is sent, so two replicas never both ask; a question
// that then fails to send is logged, not repeated.
func (s *Service) remindVerify(ctx context.Context, now time.Time) error {
	if s.opts.VerifyAfter <= 0 {
		return nil
	}
	fs, err := s.store.DoneFollowUps(ctx, now.Add(-s.opts.VerifyAfter), followUpReminders)
	if err != nil {
		return err
	}
	for i := range fs {
		f := &fs[i]
		_, err := s.store.UpdateFollowUp(ctx, f.Incident, f.N, func(cur *bot.FollowUp) ([]bot.TimelineEntry, error) {
			if !cur.AwaitsVerifyQuestion() {
				return nil, errAsked
			}
			cur.VerifyAskedAt = now
			*f = *cur
			return nil, nil
		})
		if errors.Is(err, errAsked) || errors.Is(err, bot.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		inc, err := s.store.Get(ctx, f.Incident)
		if err != nil {
			s.log.Warn("ask whether a follow-up worked", zap.Int64("incident", f.Incident), zap.Error(err))
			continue
		}
		s.askVerify(ctx, inc, f)
	}
	return nil
}

// askVerify asks the owner of done follow-up f, privately, whether the fix
// worked, with buttons to verify or reopen it. When someone else must
// verify (Options.VerifyByOther) and the owner marked it done, the
// incident's commander is asked instead, if there is another one.
func (s *Service) askVerify(ctx context.Context, inc *bot.Incident, f *bot.FollowUp) {
	p, ok := s.platforms.Platform(inc.Platform)
	if !ok {
		return
	}
	who := f.Owner
	if s.opts.VerifyByOther && f.DoneBy.ID == f.Owner.ID {
		if c, ok := inc.Holder(bot.RoleCommander); ok && c.ID != f.DoneBy.ID {
			who = c
		}
	}
	if !s.mayBeTold(ctx, p, inc, who) {
		return
	}
	lang := s.lang()
	if p, ok, err := s.store.CachedUser(ctx, inc.Platform, who.ID); err == nil && ok {
		locale := p.Locale
		if l, ok := bot.ParseLang(locale); ok {
			lang = l
		}
	}
	n := strconv.Itoa(f.N)
	msg := bot.Message{
		Text: bot.T(lang, "remind.verify", "n", n, "id", inc.Key(), "date", s.date(f.DoneAt), "text", oneline(f.Text)),
		Buttons: []bot.Button{
			{Label: bot.T(lang, "button.followup_verify"), Command: "followup", Args: inc.Key() + " verify " + n, Style: bot.StylePrimary},
			{Label: bot.T(lang, "button.followup_reopen"), Command: "followup", Args: inc.Key() + " reopen " + n},
		},
	}
	ev := &bot.Event{Kind: bot.EventCommand, Platform: inc.Platform, User: who, Channel: inc.Channel.ID, Locale: string(lang)}
	if err := p.Reply(ctx, ev, msg); err != nil {
		s.log.Warn("ask whether a follow-up worked", zap.Int64("incident", inc.ID), zap.Int("followup", f.N), zap.Error(err))
	}
}

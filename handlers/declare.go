package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

const (
	formDeclare    = "declare"
	maxTitle       = 200
	maxDescription = 3000
	// maxOriginText bounds the text of the message an incident is declared
	// from, as carried through its form and kept on the timeline; the
	// message's link leads to the whole of a longer one.
	maxOriginText = 3000
)

// declaration is what a new incident starts from, whichever way it came.
type declaration struct {
	Title       string
	Description string
	Priority    bot.Priority
	Commander   bot.User
	Responders  []bot.User
	Private     bool

	// The fields below are set for incidents opened by an alert.

	// Alert is the notification that opened the incident; nil when a
	// person declared it (who then leads it unless Commander is set).
	Alert    *bot.Alert
	Announce string
	Runbook  string

	// Drill names the scenario of a practice incident (drill.go): it opens
	// in triage like an alert's, in a "drill-" channel, marked as a drill.
	Drill string

	// Origin is the message a person declared the incident from: its
	// text, author and link become the timeline's entry after the
	// declaration.
	Origin *bot.Origin

	// recovered is set when the reconciler finishes the declaration after
	// a restart: the declarer is told so (reconcile.go).
	recovered bool
}

// declare handles "declare <title> [P1-P4] [@responders]". Without a title
// it opens the declare form.
func (s *Service) declare(ctx context.Context, req *bot.Request) error {
	d := parseDeclaration(req.Command)
	if o := req.Event.Origin; o != nil && d.Title == "" {
		return s.declareFrom(ctx, req, o)
	}
	if d.Title == "" {
		err := req.Platform.OpenForm(ctx, req.Event, s.declareFormSpec(req.Lang, d))
		if errors.Is(err, bot.ErrUnsupported) {
			return req.Usage()
		}
		return err
	}
	if utf8.RuneCountInString(d.Title) > maxTitle {
		return bot.Errorf(bot.CodeTooLong, "field", req.T("form.title"), "max", fmt.Sprint(maxTitle))
	}
	d.Private = d.Private || s.opts.PrivateChannels
	responders, err := s.mentioned(ctx, req, req.Command.Args)
	if err != nil {
		return err
	}
	d.Responders = responders
	_, err = s.open(ctx, req, d)
	return err
}

// declareFrom opens the declare form pre-filled from the message the
// person started from: its first line as the title, its text as the
// description. The message itself rides along with the form (Form.Origin)
// and, once submitted, goes on the timeline (originEntry). A message with
// no text is refused, and nothing is opened.
func (s *Service) declareFrom(ctx context.Context, req *bot.Request, o *bot.Origin) error {
	text := strings.TrimSpace(o.Text)
	if text == "" {
		return bot.Errorf(bot.CodeEmptyOrigin)
	}
	origin := *o
	origin.Text, origin.Link = bot.Truncate(text, maxOriginText), safeLink(o.Link)
	title, _, _ := strings.Cut(text, "\n")
	d := declaration{Title: bot.Truncate(strings.TrimSpace(title), maxTitle), Description: bot.Truncate(text, maxDescription),
		Private: s.fromPrivate(ctx, req, o)}
	form := s.declareFormSpec(req.Lang, d)
	form.Origin = &origin
	err := req.Platform.OpenForm(ctx, req.Event, form)
	if errors.Is(err, bot.ErrUnsupported) {
		return req.Usage()
	}
	return err
}

// safeLink keeps a message link only when it is an absolute http(s) URL,
// so nothing else is ever shown as one.
func safeLink(link string) string {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return u.String()
}

// fromPrivate reports whether o, the message a declaration starts from,
// was said in a private incident's conversation: what was said there must
// not move into an incident more people can see. When Redis cannot say,
// it is taken as private.
func (s *Service) fromPrivate(ctx context.Context, req *bot.Request, o *bot.Origin) bool {
	if o == nil || o.Channel == "" {
		return false
	}
	inc, err := s.store.ByChannel(ctx, req.Event.Platform, o.Channel)
	if errors.Is(err, bot.ErrNotFound) {
		return false
	}
	return err != nil || inc.Private
}

// originEntry is the timeline entry of the message an incident was
// declared from: its words under its author, with who brought it in and
// the link in Data. describeOrigin says it in words.
func (s *Service) originEntry(req *bot.Request, o *bot.Origin) bot.TimelineEntry {
	e := s.entry(req, bot.KindNote, bot.Truncate(strings.TrimSpace(o.Text), maxOriginText))
	e.Key = true
	e.Data = map[string]string{"origin": "message", "origin_author_id": o.Author.ID, "origin_author": o.Author.Display()}
	if link := safeLink(o.Link); link != "" {
		e.Data["origin_link"] = link
	}
	if o.Channel != "" {
		e.Data["origin_channel"] = o.Channel
	}
	if o.Ref != "" {
		e.Data["origin_ref"] = o.Ref
	}
	return e
}

// parseDeclaration reads "Checkout is failing P1 @bob private": the first
// P1..P4 or SEV1..SEV4 word is the priority, mentions are responders, a
// last word "private" (or "--private" anywhere) makes it private, the rest
// is the title.
func parseDeclaration(c bot.Command) declaration {
	var d declaration
	words := c.Args
	if n := len(words); n > 1 && privateWord(words[n-1], false) {
		d.Private, words = true, words[:n-1]
	}
	var title []string
	for _, w := range words {
		if u, ok := bot.ParseMention(w); ok {
			d.Responders = append(d.Responders, u)
			continue
		}
		if p, ok := bot.ParsePriority(w); ok && d.Priority == 0 && strictPriorityWord(w) {
			d.Priority = p
			continue
		}
		if privateWord(w, true) {
			d.Private = true
			continue
		}
		title = append(title, w)
	}
	d.Title = strings.Trim(strings.Join(title, " "), `"'“”「」 `)
	return d
}

// privateWord reports whether w asks for a private incident: "--private"
// anywhere, and, unless flagOnly (for the last word), also "private" or
// "非公開", so that a title such as "Private key leaked" stays whole.
func privateWord(w string, flagOnly bool) bool {
	if strings.EqualFold(w, "--private") {
		return true
	}
	return !flagOnly && (strings.EqualFold(w, "private") || w == "非公開")
}

// strictPriorityWord keeps words like "high" or "1" inside titles ("High
// latency on API") from being read as a priority: only P1..P4 and SEV forms
// count there.
func strictPriorityWord(w string) bool {
	l := strings.ToLower(w)
	return strings.HasPrefix(l, "p") || strings.HasPrefix(l, "sev")
}

// open declares an incident: it allocates the ID, writes the intent to
// declare it (a pending declaration, see reconcile.go), creates the channel,
// records the incident, then invites, posts and pins the card, and only then
// ends the intent. A replica that dies anywhere in between leaves the
// intent behind, and the replica holding the reminders lease finishes the
// declaration or tells the declarer it failed. A failure here ends the
// intent: the channel's failure leaves no incident (the ID it burns is only
// a gap in the numbering).
//
// An alert's incident does not wait for the platform's rate limit: when
// there is no room for another channel now (a storm opening many
// incidents), it is recorded at once without one and gets it as soon as
// the limit allows (openLater).
func (s *Service) open(ctx context.Context, req *bot.Request, d declaration) (*bot.Incident, error) {
	id, err := s.store.NextID(ctx)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now()
	p := req.Platform
	spec := s.channelSpec(d, id, now)
	if err := s.beginDeclare(ctx, req, d, id, now); err != nil {
		return nil, err
	}
	later := false
	defer func() {
		if !later {
			s.endDeclare(ctx, id)
		}
	}()
	// An alert's incident does not wait for the platform's rate limit: it
	// is recorded at once and its channel comes later (openLater).
	spec.NoWait = d.Alert != nil
	ch, err := p.CreateChannel(ctx, spec)
	if d.Alert != nil && errors.Is(err, bot.ErrPaced) {
		inc, err := s.openLater(ctx, req, d, id, spec, now)
		later = err == nil
		return inc, err
	}
	if err != nil {
		return nil, bot.Wrap(bot.CodeChannelFailed, err, "id", bot.FormatID(id))
	}
	if err := s.store.SetPendingChannel(ctx, id, ch); err != nil {
		req.Log.Warn("remember the new channel", zap.Int64("incident", id), zap.Error(err))
	}
	inc, entries := s.newIncident(req, d, id, ch, now)
	if err := s.store.Create(ctx, inc, entries...); err != nil {
		s.postQuiet(ctx, p, ch.ID, bot.Message{Text: req.T("declare.record_failed", "id", inc.Key())})
		return nil, err
	}
	s.recorded(ctx, req, inc, d)
	s.furnish(ctx, req, inc, d)
	s.pageDeclared(ctx, req, inc)
	s.callDeclared(ctx, req, inc)
	return inc, nil
}

// openLater records an alert's incident at once, without a channel, when
// the platform's rate limit has no room for one now: its alerts reach its
// timeline, and it can be listed, acknowledged and resolved, while the
// service's background work (Run, Close) creates and furnishes its channel
// as soon as the limit allows.
// Its declaration stays pending, marked as waiting on this process, until
// then; if the process dies, the reconciler gives the incident its channel.
func (s *Service) openLater(ctx context.Context, req *bot.Request, d declaration, id int64, spec bot.ChannelSpec, now time.Time) (*bot.Incident, error) {
	ok, err := s.store.TakeOverDeclaration(ctx, id, s.instance, s.instance+waiting)
	if err == nil && !ok {
		err = fmt.Errorf("declaration of incident %d was taken over", id)
	}
	if err != nil {
		return nil, err
	}
	inc, entries := s.newIncident(req, d, id, bot.Channel{}, now)
	if err := s.store.Create(ctx, inc, entries...); err != nil {
		return nil, err
	}
	s.recorded(ctx, req, inc, d)
	s.pageDeclared(ctx, req, inc)
	// Its card, posted with the channel, will carry the call's link.
	s.callDeclared(ctx, req, inc)
	req.Log.Info("alert's incident recorded; its channel waits for the platform's rate limit", zap.Int64("incident", id))
	ev := *req.Event
	later := *req
	later.Event = &ev
	s.goBackground("channel of "+inc.Key(), func(ctx context.Context) { s.channelLater(ctx, &later, inc, d, spec) })
	return inc, nil
}

// channelLater gives an incident recorded by openLater its channel, once
// the platform's rate limit has room (trying for at most ReconcileGiveUp),
// and ends its declaration. When that fails the declaration goes back to
// the reconciler's usual rules (it is stalled after ReconcileAfter), as
// when the service closes (life ends) first.
func (s *Service) channelLater(life context.Context, req *bot.Request, inc *bot.Incident, d declaration, spec bot.ChannelSpec) {
	ctx, cancel := context.WithTimeout(life, s.opts.ReconcileGiveUp)
	defer cancel()
	ch, err := s.whenRoom(ctx, req.Platform, spec)
	if err == nil {
		_, err = s.channelFor(ctx, req, inc, d, spec, ch)
	}
	if err != nil {
		req.Log.Warn("create the channel of an alert's incident; left to the reconciler", zap.Int64("incident", inc.ID), zap.Error(err))
		hctx, hcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer hcancel()
		if _, err := s.store.TakeOverDeclaration(hctx, inc.ID, s.instance+waiting, s.instance); err != nil {
			req.Log.Warn("hand the declaration back", zap.Int64("incident", inc.ID), zap.Error(err))
		}
		return
	}
	s.endDeclare(ctx, inc.ID)
}

// roomPoll is how often the incidents waiting for a channel ask whether
// the platform's rate limit has room.
const roomPoll = 250 * time.Millisecond

// whenRoom creates a channel once the platform's rate limit has room. The
// incidents waiting for one take turns, oldest first (roughly: a mutex),
// and none holds a place in the limit's queue, so a person declaring an
// incident during a storm is not put behind the storm's backlog.
func (s *Service) whenRoom(ctx context.Context, p bot.Platform, spec bot.ChannelSpec) (bot.Channel, error) {
	s.later.Lock()
	defer s.later.Unlock()
	spec.NoWait = true
	for {
		ch, err := p.CreateChannel(ctx, spec)
		if !errors.Is(err, bot.ErrPaced) {
			return ch, err
		}
		select {
		case <-ctx.Done():
			return bot.Channel{}, fmt.Errorf("create channel of %s: %w", bot.FormatID(spec.ID), ctx.Err())
		case <-time.After(roomPoll):
		}
	}
}

// channelFor gives a recorded incident without a channel its channel: known
// (just created, or created before a crash and not yet saved in the
// record) or a new one; it saves it in the declaration and the record and
// furnishes it (card, topic, greetings, announcement).
func (s *Service) channelFor(ctx context.Context, req *bot.Request, inc *bot.Incident, d declaration, spec bot.ChannelSpec, known bot.Channel) (*bot.Incident, error) {
	ch := known
	if ch.ID == "" {
		var err error
		ch, err = req.Platform.CreateChannel(ctx, spec)
		if err != nil {
			return nil, bot.Wrap(bot.CodeChannelFailed, err, "id", inc.Key())
		}
	}
	if err := s.store.SetPendingChannel(ctx, inc.ID, ch); err != nil {
		req.Log.Warn("remember the new channel", zap.Int64("incident", inc.ID), zap.Error(err))
	}
	updated, err := s.store.Update(ctx, inc.ID, func(i *bot.Incident) ([]bot.TimelineEntry, error) {
		if i.Channel.ID == "" {
			i.Channel = ch
		}
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	s.furnish(ctx, req, updated, d)
	return updated, nil
}

// channelSpec is what the channel of d, incident id declared at at, is
// made of; the platform names it. The reconciler builds it again from a
// pending declaration (its number and time) when it finishes one.
func (s *Service) channelSpec(d declaration, id int64, at time.Time) bot.ChannelSpec {
	return bot.ChannelSpec{Prefix: s.channelPrefix(d), ID: id, Title: d.Title, Date: at.In(s.opts.Location), Private: d.Private}
}

// channelPrefix starts the name of d's channel.
func (s *Service) channelPrefix(d declaration) string {
	if d.Drill != "" {
		return drillPrefix
	}
	return s.opts.ChannelPrefix
}

// recorded indexes a newly recorded incident for search and binds an
// alert's dedup key to it, so that a replica dying before the caller binds
// it does not leave the key to open a second incident.
func (s *Service) recorded(ctx context.Context, req *bot.Request, inc *bot.Incident, d declaration) {
	s.indexDeclared(ctx, inc)
	if a := d.Alert; a != nil {
		if err := s.store.BindAlert(ctx, a.Source, a.DedupKey, inc.ID); err != nil {
			req.Log.Warn("bind alert", zap.Int64("incident", inc.ID), zap.Error(err))
		}
	}
}

// newIncident builds the record and its first timeline entries: a person's
// incident starts investigating with them (or the named commander) in
// command; an alert's starts in triage with nobody, until acknowledged.
func (s *Service) newIncident(req *bot.Request, d declaration, id int64, ch bot.Channel, now time.Time) (*bot.Incident, []bot.TimelineEntry) {
	inc := &bot.Incident{
		ID: id, Title: d.Title, Description: d.Description, Status: bot.StatusInvestigating,
		Priority: d.Priority, Platform: req.Platform.Name(), Channel: ch,
		DeclaredBy: req.Event.User, Source: "manual", CreatedAt: now, AckedAt: now, Announce: d.Announce,
		Private: d.Private,
	}
	// The people Warroom puts in a private incident's channel are its
	// first members (furnish invites the same people).
	if d.Alert == nil {
		inc.AddMembers(req.Event.User.ID)
	}
	for _, u := range d.Responders {
		inc.AddMembers(u.ID)
	}
	declared := s.entry(req, bot.KindDeclared, d.Title)
	declared.Data = map[string]string{"priority": d.Priority.String(), "channel": ch.Name}
	if d.Drill != "" {
		inc.Drill, inc.Status, inc.AckedAt, inc.Source = true, bot.StatusTriage, time.Time{}, drillSource
		declared.Data["drill"], declared.Data["lang"] = d.Drill, string(req.Lang)
		return inc, []bot.TimelineEntry{declared}
	}
	if a := d.Alert; a != nil {
		inc.Status, inc.AckedAt, inc.Source = bot.StatusTriage, time.Time{}, "alert:"+a.Source
		inc.DeclaredBy, declared.Author = alertUser(a), alertUser(a)
		inc.Labels, inc.Links = a.Labels, a.Links
		if d.Runbook != "" {
			inc.Links = append([]bot.Link{{Title: "Runbook", URL: d.Runbook}}, inc.Links...)
		}
		declared.Data["source"], declared.Data["dedup_key"] = a.Source, a.DedupKey
		return inc, []bot.TimelineEntry{declared}
	}
	commander := req.Event.User
	if !d.Commander.IsZero() {
		commander = d.Commander
	}
	inc.AddMembers(commander.ID)
	inc.Roles = map[bot.Role]bot.User{bot.RoleCommander: commander}
	role := s.entry(req, bot.KindRole, "")
	role.Data = map[string]string{"role": string(bot.RoleCommander), "user_id": commander.ID, "user_name": commander.Name}
	if d.Origin != nil && strings.TrimSpace(d.Origin.Text) != "" {
		return inc, []bot.TimelineEntry{declared, s.originEntry(req, d.Origin), role}
	}
	return inc, []bot.TimelineEntry{declared, role}
}

// furnish invites people and posts and pins the card; each step that fails
// is logged and the incident stands.
func (s *Service) furnish(ctx context.Context, req *bot.Request, inc *bot.Incident, d declaration) {
	p, log := req.Platform, req.Log.With(zap.Int64("incident", inc.ID))
	var invite []string
	if d.Alert == nil {
		invite = append(invite, req.Event.User.ID)
	}
	for _, u := range append(d.Responders, inc.Roles[bot.RoleCommander]) {
		invite = append(invite, u.ID)
	}
	if ids := dedupe(invite); len(ids) > 0 {
		if err := p.Invite(ctx, inc.Channel.ID, ids); err != nil && !errors.Is(err, bot.ErrUnsupported) {
			log.Warn("invite responders", zap.Error(err))
		}
	}
	ref, err := p.Post(ctx, inc.Channel.ID, s.card(ctx, inc, s.lang()))
	if err != nil {
		log.Warn("post card", zap.Error(err))
	} else {
		if err := p.Pin(ctx, ref); err != nil && !errors.Is(err, bot.ErrUnsupported) {
			log.Warn("pin card", zap.Error(err))
		}
		if updated, err := s.store.Update(ctx, inc.ID, func(i *bot.Incident) ([]bot.TimelineEntry, error) {
			i.Card = ref
			return nil, nil
		}); err == nil {
			*inc = *updated
		}
	}
	if err := p.SetTopic(ctx, inc.Channel.ID, s.topic(inc, s.lang())); err != nil && !errors.Is(err, bot.ErrUnsupported) {
		log.Warn("set topic", zap.Error(err))
	}
	s.welcome(ctx, req, inc, d)
	s.postSimilar(ctx, req, inc)
}

// welcome greets the channel, announces the incident, and tells the person
// who declared it where it is.
func (s *Service) welcome(ctx context.Context, req *bot.Request, inc *bot.Incident, d declaration) {
	p := req.Platform
	args := []string{"id", inc.Key(), "title", inc.Title, "priority", s.priorityLabel(req.Lang, inc.Priority),
		"commander", holder(req.Lang, inc, bot.RoleCommander), "user", inc.DeclaredBy.Display(), "channel", channelRef(inc.Channel)}
	if d.Drill != "" {
		s.drillWelcome(ctx, req, inc, d.Drill)
		return
	}
	lang := s.lang() // the channel and the announcements are everybody's
	shared := []string{"id", inc.Key(), "title", inc.Title, "priority", s.priorityLabel(lang, inc.Priority),
		"commander", holder(lang, inc, bot.RoleCommander), "user", inc.DeclaredBy.Display(), "channel", channelRef(inc.Channel)}
	if d.Alert != nil {
		s.postQuiet(ctx, p, inc.Channel.ID, bot.Message{Text: bot.T(lang, "alert.welcome", shared...)})
		s.announce(ctx, p, inc, lang, bot.T(lang, "announce.alert", shared...))
		return
	}
	s.postQuiet(ctx, p, inc.Channel.ID, bot.Message{Text: bot.T(lang, "declare.welcome", shared...)})
	s.announce(ctx, p, inc, lang, bot.T(lang, "announce.declared", shared...))
	switch {
	case d.recovered:
		if err := req.Reply(ctx, bot.Message{Text: req.T("declare.recovered", args...)}); err != nil {
			req.Log.Warn("tell the declarer", zap.Int64("incident", inc.ID), zap.Error(err))
		}
	case req.Event.Channel != inc.Channel.ID:
		_ = req.Reply(ctx, bot.Message{Text: req.T("declare.done", args...)})
	}
}

// postQuiet posts msg to channel, logging a failure; an incident whose
// channel is not made yet (openLater) has nowhere to post, and is skipped.
func (s *Service) postQuiet(ctx context.Context, p bot.Platform, channel string, msg bot.Message) {
	if channel == "" {
		return
	}
	if _, err := p.Post(ctx, channel, msg); err != nil {
		s.log.Warn("post", zap.String("channel_id", channel), zap.Error(err))
	}
}

// channelOf names inc's channel for people, or says it is on its way (an
// alert's incident recorded before its channel, openLater).
func channelOf(lang bot.Lang, inc *bot.Incident) string {
	if inc.Channel.ID == "" {
		return bot.T(lang, "channel.pending")
	}
	return channelRef(inc.Channel)
}

func channelRef(ch bot.Channel) string {
	if ch.Name != "" {
		return "#" + ch.Name
	}
	return ch.ID
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	out := ids[:0]
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// declareFormSpec is the form "declare" opens without a title.
func (s *Service) declareFormSpec(lang bot.Lang, d declaration) bot.Form {
	t := bot.Translator(lang)
	pr := bot.Input{ID: "priority", Label: t.T("form.priority"), Kind: bot.InputSelect, Required: true, Value: d.Priority.String()}
	for _, p := range bot.Priorities {
		pr.Options = append(pr.Options, bot.Option{Label: s.priorityLabel(lang, p), Value: p.String(), Hint: s.criteria(lang, p)})
	}
	private := bot.Input{ID: "private", Label: t.T("form.private"), Kind: bot.InputCheckbox}
	if s.opts.PrivateChannels || d.Private {
		private.Value = "true"
	}
	return bot.Form{
		ID: formDeclare, Title: t.T("form.declare.title"), Submit: t.T("form.declare.submit"),
		Inputs: []bot.Input{
			{ID: "title", Label: t.T("form.title"), Kind: bot.InputText, Required: true, MaxLength: maxTitle, Placeholder: t.T("form.title.placeholder"), Value: d.Title},
			pr,
			{ID: "description", Label: t.T("form.description"), Kind: bot.InputTextarea, MaxLength: maxDescription, Value: d.Description},
			{ID: "commander", Label: t.T("form.commander"), Kind: bot.InputUsers, Hint: t.T("form.commander.hint")},
			{ID: "responders", Label: t.T("form.responders"), Kind: bot.InputUsers},
			private,
		},
	}
}

func (s *Service) validateDeclare(lang bot.Lang, sub *bot.FormSubmission) map[string]string {
	errs := map[string]string{}
	title := strings.TrimSpace(sub.Value("title"))
	switch {
	case title == "":
		errs["title"] = bot.T(lang, "form.err.required")
	case utf8.RuneCountInString(title) > maxTitle:
		errs["title"] = bot.T(lang, "form.err.too_long", "max", fmt.Sprint(maxTitle))
	}
	if v := sub.Value("priority"); v != "" {
		if _, ok := bot.ParsePriority(v); !ok {
			errs["priority"] = bot.T(lang, "err.bad_priority", "value", v)
		}
	}
	if len(sub.Values["commander"]) > 1 {
		errs["commander"] = bot.T(lang, "form.err.one_user")
	}
	return errs
}

func (s *Service) declareForm(ctx context.Context, req *bot.Request) error {
	sub := req.Event.Form
	if errs := s.validateDeclare(req.Lang, sub); len(errs) > 0 {
		return bot.Errorf(bot.CodeUsage, "usage", req.T("usage.declare"))
	}
	d := declaration{Title: strings.TrimSpace(sub.Value("title")), Description: strings.TrimSpace(sub.Value("description")), Origin: sub.Origin}
	d.Priority, _ = bot.ParsePriority(sub.Value("priority"))
	// A message said in a private incident keeps to a private one.
	d.Private = sub.Value("private") == "true" || s.fromPrivate(ctx, req, sub.Origin)
	if c := sub.Value("commander"); c != "" {
		d.Commander = userFromInput(c)
	}
	for _, v := range sub.Values["responders"] {
		d.Responders = append(d.Responders, userFromInput(v))
	}
	_, err := s.open(ctx, req, d)
	return err
}

// userFromInput reads a user input value: a platform user ID, or a mention.
func userFromInput(v string) bot.User {
	if u, ok := bot.ParseMention(v); ok {
		return u
	}
	return bot.User{ID: v}
}

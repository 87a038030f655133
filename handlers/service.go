package handlers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/postmortem"
	"github.com/warroomhq/warroom/store"
)

// Options configures the handlers. main builds it from config.
type Options struct {
	// Roles are the roles people can hold: the built-in four first.
	Roles []bot.Role
	// RoleHelp describes configured roles by name.
	RoleHelp map[bot.Role]string
	// Admins are user IDs allowed to do anything.
	Admins []string
	// Policy maps an action (declare, ack, status, priority, role, note,
	// update, resolve, close, decline, reopen) to who may perform it:
	// "anyone", "commander", "admins", "role:<role>", "user:<id>". A
	// missing action means anyone.
	Policy map[string][]string
	// Criteria overrides the catalog's description of each priority.
	Criteria map[bot.Priority]string
	// PriorityNames overrides the catalog's name of each priority
	// ("Critical" shows as "P1 (Critical)").
	PriorityNames map[bot.Priority]string
	// ChannelPrefix starts every incident channel name (default "inc").
	ChannelPrefix string
	// PrivateChannels makes incident channels private by default.
	PrivateChannels bool
	// ArchiveOnClose archives the incident channel on close.
	ArchiveOnClose bool
	// Announce maps a platform name to the channel ID that receives
	// declarations, status changes and updates, with a link to the
	// incident channel.
	Announce map[string]string
	// AlertRules route alerts, first match wins; AlertPlatform is where
	// incidents open when a rule names no platform.
	AlertRules    []AlertRule
	AlertPlatform string
	// AutoResolve resolves an alert's incident when all its alerts recover
	// (default: only offer a Resolve button).
	AutoResolve bool
	// FlapWindow: a problem firing again within it after its incident was
	// resolved reopens that incident (default 30m).
	FlapWindow time.Duration
	// TriageAckAfter re-announces a P1 or P2 alert nobody acknowledged;
	// NoCommanderAfter asks an incident without a commander for one (zero
	// disables either).
	TriageAckAfter   time.Duration
	NoCommanderAfter time.Duration
	// UpdateEvery is how often an open incident of each priority should
	// get a status update; an incident past it without one is reminded in
	// its channel, once per interval (a missing or zero entry: never).
	UpdateEvery map[bot.Priority]time.Duration
	// Lang is the language of messages nobody in particular asked for
	// (reminders).
	Lang bot.Lang
	// Location is the time zone times are shown in (default Asia/Tokyo
	// when Lang is Japanese, else UTC).
	Location *time.Location
	Now      func() time.Time
	Log      *zap.Logger
	// PostmortemTemplate is the path of a text/template file that replaces
	// the default postmortem template for every language; its data is a
	// *postmortem.Data. New fails when it cannot be read or parsed.
	PostmortemTemplate string
	// PostmortemOptional lets close close a P1 or P2 incident without a
	// postmortem draft; by default that needs `close --force`.
	PostmortemOptional bool
	// PublicURL is the base URL people reach Warroom's HTTP server at
	// ("https://warroom.example.com"); chat links to the postmortem served
	// by the API with it. Empty: the API path alone is shown.
	PublicURL string
	// DrillSpeed runs drill scripts faster than real time: 1 (or 0) is
	// real time, 60 makes a scripted minute a second. The times in a
	// drill's report are measured unscaled.
	DrillSpeed float64
	// ClockSpeed is how much faster than real time Now runs (the console's
	// --speed; 0 or 1: real time). The marks that keep a reminder from
	// repeating within its interval last the interval divided by it, so a
	// sped-up clock repeats reminders at the pace it shows.
	ClockSpeed float64
	// VerifyByOther makes verifying a follow-up as effective need someone
	// other than the person who marked it done.
	VerifyByOther bool
	// VerifyAfter, when positive, is how long after a follow-up was marked
	// done its owner (or the incident's commander) is asked, once, whether
	// the fix worked.
	VerifyAfter time.Duration
	// Spool, when set, keeps the channel messages (and edits, deletions,
	// pins and marking reactions) that cannot be recorded while Redis is
	// unavailable; Run's spool replay puts them on their timelines, in order,
	// when it is back. Nil: such entries are retried until the router's
	// deadline, then logged as lost.
	Spool *store.Spool
	// ReconcileAfter is how old a declaration still in progress on a
	// replica that is alive must be before the replica holding the
	// reminders lease finishes it anyway (default 5m; a declaration whose
	// replica died is finished as soon as that is known). ReconcileGiveUp
	// is how old a declaration that never recorded its incident may be and
	// still be finished; an older one is reported failed (default 30m).
	ReconcileAfter  time.Duration
	ReconcileGiveUp time.Duration
	// Reminders is the reminders loop Run keeps (run.go).
	Reminders Reminders
	// StatusPage configures the public status page (statuspage.go); off
	// without components.
	StatusPage StatusPageOptions
	// Paging pages on-call for the incidents that need it (pager.go); off
	// without a Pager.
	Paging Paging
	// Calls gives incidents a video meeting (call.go); off without a
	// Provider.
	Calls Calls
	// Tracking files follow-ups in an issue tracker (tracker.go); off
	// without a Tracker.
	Tracking Tracking
}

// Platforms finds the adapter of a chat platform by its name.
type Platforms interface {
	Platform(name string) (bot.Platform, bool)
}

// Dispatcher takes the events the service makes itself back through the
// router that serves it: Dispatch queues one (the alert of an incident
// that could not be opened, retried later), Serve handles one on the
// caller's goroutine (a drill's alerts, in its script's order).
type Dispatcher interface {
	Dispatch(ev bot.Event) error
	Serve(ctx context.Context, ev bot.Event) error
}

// Router is what the service needs of the router that serves it, a
// *bot.Router: its platforms, a way back in for the service's own events,
// and Mount, through which New gives it the service's handlers. The router
// is built first and needs nothing of the service, so there is no order
// to get wrong: a service exists only mounted on its router.
type Router interface {
	Platforms
	Dispatcher
	Mount(h bot.Handlers) error
}

// deliveryTTL is how long a delivery's ID is remembered, so that the
// platform's second delivery of an event is dropped (Handlers.Seen).
const deliveryTTL = 24 * time.Hour

// Service implements every use case on one store.
type Service struct {
	store     *store.Store
	opts      Options
	log       *zap.Logger
	platforms Platforms
	events    Dispatcher
	// commands are the service's command routes (routes), as mounted and
	// as help lists them.
	commands []bot.Route
	// pm renders postmortem drafts with the parsed templates.
	pm *postmortem.Renderer
	// instance names this process in the declarations it starts, and in
	// its heartbeat (reconcile.go).
	instance string
	// later gives the incidents waiting for a channel (openLater) turns.
	later sync.Mutex
	// life is the service's background work (run.go): ctx ends at Close.
	life lifetime
	// drills are this process's running drill scripts (drill.go).
	drills drillRuns
}

// New returns the handlers' service, mounted on r (bot.Router.Mount):
// from then on r hands the service its events, and the service finds its
// platforms on r and dispatches its own events through it.
func New(st *store.Store, r Router, opts Options) (*Service, error) {
	if st == nil {
		return nil, errors.New("handlers: nil store")
	}
	if r == nil {
		return nil, errors.New("handlers: nil router")
	}
	if len(opts.Roles) == 0 {
		opts.Roles = append([]bot.Role(nil), bot.BuiltinRoles...)
	}
	if opts.ChannelPrefix == "" {
		opts.ChannelPrefix = "inc"
	}
	if opts.Location == nil && opts.Lang == bot.Japanese {
		opts.Location, _ = time.LoadLocation("Asia/Tokyo") // nil if the zone database is missing
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	if opts.ReconcileAfter <= 0 {
		opts.ReconcileAfter = defaultReconcileAfter
	}
	if opts.ReconcileGiveUp <= 0 {
		opts.ReconcileGiveUp = defaultReconcileGiveUp
	}
	s := &Service{store: st, opts: opts, log: opts.Log.Named("handlers"), instance: newInstance(),
		platforms: r, events: r}
	if err := s.loadPostmortemTemplates(); err != nil {
		return nil, err
	}
	s.life.ctx, s.life.cancel = context.WithCancel(context.Background())
	s.drills.m = map[int64]*drillRun{}
	s.commands = s.routes()
	// Mounted last: r may hand the service an event at once.
	if err := r.Mount(s.handlers()); err != nil {
		s.life.cancel()
		return nil, fmt.Errorf("handlers: %w", err)
	}
	return s, nil
}

var (
	_ bot.Resolver   = (*Service)(nil)
	_ bot.Authorizer = (*Service)(nil)
)

// handlers are every command, form and event handler of the service, as
// New mounts them. Each notes the storage outages its outcome shows
// (noteStorageError), as do ResolveIncident and the de-duplication.
func (s *Service) handlers() bot.Handlers {
	routes := make([]bot.Route, len(s.commands))
	for i, rt := range s.commands {
		rt.Handler = s.noting(rt.Handler)
		routes[i] = rt
	}
	return bot.Handlers{
		Routes: routes,
		Forms: map[string]bot.FormRoute{
			formDeclare: {Validate: s.validateDeclare, Permission: "declare", Handler: s.noting(s.declareForm)},
			formUpdate:  {Validate: validateUpdate, Scope: bot.NeedsIncident, Permission: "update", Handler: s.noting(s.updateForm)},
		},
		Messages: func(ctx context.Context, reqs []*bot.Request) error {
			err := s.record(ctx, reqs)
			s.noteStorageError(err)
			return err
		},
		Alerts:     s.alerts,
		Resolver:   s,
		Authorizer: s,
		Seen:       func(ctx context.Context, keys []string) ([]bool, error) { return s.markSeen(ctx, keys, deliveryTTL) },
	}
}

// noting is h, telling the spool of the storage outage its error shows.
func (s *Service) noting(h bot.HandlerFunc) bot.HandlerFunc {
	return func(ctx context.Context, req *bot.Request) error {
		err := h(ctx, req)
		s.noteStorageError(err)
		return err
	}
}

func (s *Service) routes() []bot.Route {
	return []bot.Route{
		{Name: "declare", Aliases: []string{"new", "open", "start"}, Permission: "declare", Handler: s.declare},
		{Name: "ack", Aliases: []string{"acknowledge"}, Scope: bot.NeedsIncident, Permission: "ack", Handler: s.ack},
		{Name: "status", Scope: bot.NeedsIncident, Permission: "status", Handler: s.status},
		{Name: "priority", Aliases: []string{"sev", "severity"}, Scope: bot.NeedsIncident, Permission: "priority", Handler: s.priority},
		{Name: "role", Aliases: []string{"assign"}, Scope: bot.NeedsIncident, Permission: "role", Handler: s.role},
		{Name: "roles", Scope: bot.NeedsIncident, Handler: s.roles},
		{Name: "add", Aliases: []string{"invite"}, Scope: bot.NeedsIncident, Permission: "add", Handler: s.add},
		{Name: "note", Scope: bot.NeedsIncident, Permission: "note", Handler: s.note},
		{Name: "update", Scope: bot.NeedsIncident, Permission: "update", Handler: s.update},
		{Name: "components", Aliases: []string{"component"}, Scope: bot.NeedsIncident, Permission: "components", Handler: s.components},
		{Name: "resolve", Scope: bot.NeedsIncident, Permission: "resolve", Handler: s.resolve},
		{Name: "close", Scope: bot.NeedsIncident, Permission: "close", Handler: s.close},
		{Name: "reopen", Scope: bot.NeedsIncident, Permission: "reopen", Handler: s.reopen},
		{Name: "decline", Scope: bot.NeedsIncident, Permission: "decline", Handler: s.decline},
		{Name: "postmortem", Aliases: []string{"pm"}, Scope: bot.NeedsIncident, Permission: "postmortem", Handler: s.postmortemCommand},
		{Name: "timeline", Aliases: []string{"tl"}, Scope: bot.NeedsIncident, Handler: s.timeline},
		{Name: "summary", Aliases: []string{"info", "show"}, Scope: bot.NeedsIncident, Handler: s.summary},
		{Name: "list", Aliases: []string{"ls", "incidents"}, Handler: s.list},
		{Name: "search", Aliases: []string{"find"}, Handler: s.search},
		{Name: "followup", Aliases: []string{"follow-up"}, Scope: bot.NeedsIncident, Permission: "followup", Handler: s.followup},
		{Name: "followups", Aliases: []string{"follow-ups"}, Scope: bot.OptionalIncident, Handler: s.followups},
		{Name: "drill", Aliases: []string{"drills"}, Permission: "drill", Handler: s.drill},
		{Name: "stats", Aliases: []string{"metrics"}, Handler: s.statsCommand},
		{Name: "web", Aliases: []string{"browser", "signin"}, Scope: bot.OptionalIncident, Handler: s.web},
		{Name: "help", Aliases: []string{"?", "h"}, Handler: s.help},
		// The paging service's webhook (pager.go); nobody types it.
		{Name: pagedCommand, Scope: bot.NeedsIncident, Hidden: true, Handler: s.paged},
		// The incident's video meeting (call.go).
		{Name: callCommand, Aliases: []string{"zoom", "meeting"}, Scope: bot.NeedsIncident, Handler: s.call},
		// The issue tracker's webhook (tracker.go); nobody types it.
		{Name: trackedCommand, Scope: bot.NoIncident, Hidden: true, Handler: s.tracked},
	}
}

// ResolveIncident implements bot.Resolver: the incident named with INC-n,
// else the one whose channel the event came from, if the requester is in
// its audience (audience.go); a private incident is not found by anyone
// else.
func (s *Service) ResolveIncident(ctx context.Context, req *bot.Request) (*bot.Incident, error) {
	var inc *bot.Incident
	var err error
	if id := req.Command.Incident; id != 0 {
		inc, err = s.store.Get(ctx, id)
	} else {
		inc, err = s.incidentIn(ctx, req.Event)
	}
	if err == nil {
		err = s.admit(ctx, req, inc)
	}
	if err != nil {
		s.noteStorageError(err)
		return nil, err
	}
	return inc, nil
}

// incidentIn finds the incident of the conversation ev happened in: its
// channel, or the thread it was posted in (on Teams an incident may live in
// a thread of a shared channel, when no channel could be created for it).
func (s *Service) incidentIn(ctx context.Context, ev *bot.Event) (*bot.Incident, error) {
	if ev.Channel == "" {
		return nil, bot.ErrNotFound
	}
	inc, err := s.store.ByChannel(ctx, ev.Platform, ev.Channel)
	if errors.Is(err, bot.ErrNotFound) && ev.Thread != "" && ev.Thread != ev.Channel {
		return s.store.ByChannel(ctx, ev.Platform, ev.Thread)
	}
	return inc, err
}

// change applies fn to the request's incident atomically, then tells the
// channel (and the requester, when they acted from elsewhere) and brings
// the card and topic up to date. fn returns the timeline entries to record;
// announce says what changed in a language: the workspace's (Options.Lang)
// in the channel, which everybody reads, the requester's in a private answer.
func (s *Service) change(ctx context.Context, req *bot.Request, fn func(inc *bot.Incident) ([]bot.TimelineEntry, error), announce func(inc *bot.Incident, lang bot.Lang) string) (*bot.Incident, error) {
	via := req.Event.Via()
	inc, err := s.store.Update(ctx, req.Incident.ID, func(inc *bot.Incident) ([]bot.TimelineEntry, error) {
		entries, err := fn(inc)
		if via != "" {
			for i := range entries {
				entries[i].Data = maps.Clone(entries[i].Data)
				if entries[i].Data == nil {
					entries[i].Data = map[string]string{}
				}
				entries[i].Data["via"] = via
			}
		}
		return entries, err
	})
	if err != nil {
		return nil, err
	}
	req.Incident = inc
	shared := bot.Message{Text: withVia(s.lang(), via, announce(inc, s.lang()))}
	private := shared
	if req.Lang != s.lang() {
		private = bot.Message{Text: withVia(req.Lang, via, announce(inc, req.Lang))}
	}
	s.tellEach(ctx, req, inc, shared, private)
	if p, ok := s.home(req, inc); ok {
		s.refresh(ctx, p, inc)
	}
	return inc, nil
}

// home is inc's own platform, where its channel, card and announcements
// live: the request's platform when the person acted there, else the
// registered one of that name (a person acting from a browser, or from
// another chat platform on an incident they may see). False when that
// platform is not running here.
func (s *Service) home(req *bot.Request, inc *bot.Incident) (bot.Platform, bool) {
	if req.Platform != nil && req.Platform.Name() == inc.Platform {
		return req.Platform, true
	}
	if s.platforms == nil {
		return nil, false
	}
	return s.platforms.Platform(inc.Platform)
}

// announceFor is announce on inc's own platform for a change req made,
// saying where it was done from when that was elsewhere.
func (s *Service) announceFor(ctx context.Context, req *bot.Request, inc *bot.Incident, text string) {
	if p, ok := s.home(req, inc); ok {
		s.announce(ctx, p, inc, s.lang(), withVia(s.lang(), req.Event.Via(), text))
	}
}

// announce posts text to the platform's announcements channel, if one is
// configured, with a button that opens the incident channel.
func (s *Service) announce(ctx context.Context, p bot.Platform, inc *bot.Incident, lang bot.Lang, text string) {
	channel := s.opts.Announce[p.Name()]
	if inc.Announce != "" {
		channel = inc.Announce
	}
	if channel == "" || inc.Platform != p.Name() || inc.Drill || inc.Private {
		return // a drill never reaches the people following real incidents, nor a private one anybody else
	}
	msg := bot.Message{Text: text}
	if inc.Channel.URL != "" {
		msg.Buttons = []bot.Button{{Label: bot.T(lang, "button.open_channel", "channel", channelRef(inc.Channel)), URL: inc.Channel.URL}}
	}
	if _, err := p.Post(ctx, channel, msg); err != nil {
		s.log.Warn("post announcement", zap.Int64("incident", inc.ID), zap.String("channel_id", channel), zap.Error(err))
	}
}

// tell posts msg in the incident channel and, when the person acted from
// another channel, answers them privately too.
func (s *Service) tell(ctx context.Context, req *bot.Request, inc *bot.Incident, msg bot.Message) {
	s.tellEach(ctx, req, inc, msg, msg)
}

// tellEach is tell with the channel's message and the private answer
// apart (they differ in language).
func (s *Service) tellEach(ctx context.Context, req *bot.Request, inc *bot.Incident, msg, private bot.Message) {
	if inc.Drill {
		msg.Text = bot.T(s.lang(), "drill.marker") + " · " + msg.Text
		private.Text = req.T("drill.marker") + " · " + private.Text
	}
	posted := false
	if p, ok := s.home(req, inc); ok && inc.Channel.ID != "" {
		if _, err := p.Post(ctx, inc.Channel.ID, msg); err != nil {
			req.Log.Warn("post to incident channel", zap.Int64("incident", inc.ID), zap.Error(err))
		} else {
			posted = req.Event.Channel == inc.Channel.ID
		}
	}
	if !posted {
		if err := req.Reply(ctx, private); err != nil {
			req.Log.Warn("reply", zap.Error(err))
		}
	}
}

// refresh brings the pinned card and the channel topic up to date, in the
// workspace's language (Options.Lang): everybody sees them, so they do not
// follow whoever acted last. Failures are logged, not returned: the change
// itself is already recorded.
func (s *Service) refresh(ctx context.Context, p bot.Platform, inc *bot.Incident) {
	if inc.Platform != p.Name() || inc.Channel.ID == "" {
		return
	}
	lang := s.lang()
	if !inc.Card.IsZero() {
		if err := p.Update(ctx, inc.Card, s.card(ctx, inc, lang)); err != nil && !errors.Is(err, bot.ErrUnsupported) {
			s.log.Warn("update card", zap.Int64("incident", inc.ID), zap.Error(err))
		}
	}
	if err := p.SetTopic(ctx, inc.Channel.ID, s.topic(inc, lang)); err != nil && !errors.Is(err, bot.ErrUnsupported) {
		s.log.Warn("set topic", zap.Int64("incident", inc.ID), zap.Error(err))
	}
}

// entry starts a timeline entry by the request's user.
func (s *Service) entry(req *bot.Request, kind bot.EntryKind, text string) bot.TimelineEntry {
	return bot.TimelineEntry{At: s.opts.Now(), Kind: kind, Author: req.Event.User, Text: text}
}

// clock formats t as the people of this deployment read it.
func (s *Service) clock(t time.Time) string { return clockIn(s.opts.Location, t) }

// clockIn formats t in the time zone loc.
func clockIn(loc *time.Location, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// zone is the time zone of what only req's person sees: theirs, when
// their platform told it, else the deployment's.
func (s *Service) zone(req *bot.Request) *time.Location {
	if req != nil && req.Zone != nil {
		return req.Zone
	}
	return s.opts.Location
}

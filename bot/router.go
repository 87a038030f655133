package bot

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Request is one event on its way through the router to a handler.
type Request struct {
	Event *Event
	// Command is the parsed command line (commands and button clicks).
	Command Command
	// Route is the matched command route, nil for other events.
	Route    *Route
	Platform Platform
	Lang     Lang
	// Zone is the person's time zone, when their platform told one
	// (Event.TZ); nil otherwise. What only they see shows times in it.
	Zone *time.Location
	// Incident is the incident the event concerns, when the route asked for
	// one and it could be found.
	Incident *Incident
	Log      *zap.Logger
}

// T translates key into the request's language.
func (r *Request) T(key string, args ...string) string { return T(r.Lang, key, args...) }

// Reply answers the person who triggered the event, privately.
func (r *Request) Reply(ctx context.Context, msg Message) error {
	return r.Platform.Reply(ctx, r.Event, msg)
}

// Usage is the coded error that shows the route's usage line.
func (r *Request) Usage() error {
	name := ""
	if r.Route != nil {
		name = r.Route.Name
	}
	return Errorf(CodeUsage, "usage", r.T("usage."+name))
}

// HandlerFunc handles one request. A returned *Error is shown to the user
// in their language; any other error is logged and shown as an internal
// error.
type HandlerFunc func(ctx context.Context, req *Request) error

// MessagesFunc records channel events (messages, edits, deletions,
// reactions, pins): one or more at a time, consecutive events of one
// worker's queue in the order they arrived, de-duplicated. Nobody waits
// for an answer; a returned error is logged.
type MessagesFunc func(ctx context.Context, reqs []*Request) error

// AlertsFunc handles monitoring alerts: one or more at a time,
// consecutive alerts of one worker's queue in the order they arrived (one
// dedup key's alerts always share a worker, so they keep their order).
// It returns one outcome per request, errs[i] being reqs[i]'s; nil means
// every one was handled. Nobody waits for an answer; errors are logged.
type AlertsFunc func(ctx context.Context, reqs []*Request) (errs []error)

// maxBatch bounds how many queued channel events one MessagesFunc call
// gets, or alerts one AlertsFunc call: under load a worker takes what
// waits in its queue in one go, so a burst costs a few round trips to
// Redis instead of a few per event.
const maxBatch = 256

// batchable reports whether a and b may be handled in one batch: both
// channel events, or both alerts.
func batchable(a, b *Event) bool {
	return (a.Kind.channelEvent() && b.Kind.channelEvent()) || (a.Kind == EventAlert && b.Kind == EventAlert)
}

// IncidentScope says whether a route acts on an incident.
type IncidentScope int

// Incident scopes.
const (
	// NoIncident routes never look one up.
	NoIncident IncidentScope = iota
	// OptionalIncident routes get the incident when one is named or implied
	// by the channel, and nil otherwise.
	OptionalIncident
	// NeedsIncident routes are refused with CodeNoIncident without one.
	NeedsIncident
)

// Route binds a command name to its handler. Its help text lives in the
// catalog under "help.<Name>" and its usage under "usage.<Name>".
type Route struct {
	Name    string
	Aliases []string
	Scope   IncidentScope
	// Permission is the policy action checked before the handler runs ("" =
	// no check).
	Permission string
	// Hidden routes are left out of help.
	Hidden  bool
	Handler HandlerFunc
}

// FormRoute handles the submission of one form.
type FormRoute struct {
	// Validate checks a submission without side effects and returns
	// translated messages by input ID; nil or empty means valid.
	Validate   func(lang Lang, sub *FormSubmission) map[string]string
	Scope      IncidentScope
	Permission string
	Handler    HandlerFunc
}

// Resolver finds the incident a request concerns: the one named with INC-n,
// else the one whose channel the event came from. It returns an error
// wrapping ErrNotFound when there is none.
type Resolver interface {
	ResolveIncident(ctx context.Context, req *Request) (*Incident, error)
}

// Authorizer decides whether the request's user may perform action; a
// refusal is a coded *Error (CodeForbidden) that says who may.
type Authorizer interface {
	Authorize(ctx context.Context, req *Request, action string) error
}

// Options configures a Router.
type Options struct {
	// Workers is how many events are handled at once (default 16).
	Workers int
	// Queue is how many events may wait in the process (default 4096,
	// about 300 bytes each), shared out evenly between the workers'
	// queues. Beyond that, events wait in Overflow; without one, Dispatch
	// reports CodeBusy.
	Queue int
	// Overflow, when set, holds what does not fit a worker's queue (see
	// Overflow and Dispatch); nil refuses it with CodeBusy.
	Overflow Overflow
	// Lang is the language for people whose platform tells none.
	Lang Lang
	// Timeout bounds the handling of one event (default 60s).
	Timeout time.Duration
	// Observe, when set, is told how long each command took (each
	// recorded channel event: how long its batch took).
	Observe func(command string, d time.Duration, err error)
	Log     *zap.Logger
}

// ErrClosed is returned by Dispatch after Close.
var ErrClosed = errors.New("router closed")

// Handlers is what a router hands its events to, given once to Mount: the
// command and form routes, the channel-event and alert handlers, and what
// the routes that act on an incident need. The router is built without
// them, so that they may use it (to look a platform up, to dispatch an
// event of their own).
type Handlers struct {
	// Routes are the command routes; a name or alias may appear once.
	Routes []Route
	// Forms handle form submissions, by form ID.
	Forms map[string]FormRoute
	// Messages records channel events; Alerts handles monitoring alerts.
	Messages MessagesFunc
	Alerts   AlertsFunc
	// Resolver finds the incident of the routes and forms whose Scope is
	// not NoIncident; Authorizer checks those with a Permission. Mount
	// refuses routes that need one when it is nil.
	Resolver   Resolver
	Authorizer Authorizer
	// Seen marks delivery keys as handled and reports for each whether it
	// is new; events with an ID seen before are dropped. Nil disables
	// de-duplication.
	Seen func(ctx context.Context, keys []string) ([]bool, error)
}

// Router maps commands, button clicks, forms, messages and alerts to
// handlers, and runs them on a bounded worker pool.
type Router struct {
	opts      Options
	log       *zap.Logger
	mu        sync.RWMutex
	platforms map[string]Platform
	// mounted says Mount was called; the fields below are set by it and
	// never change after.
	mounted    bool
	routes     map[string]*Route // by name and alias
	ordered    []*Route
	forms      map[string]FormRoute
	onMessage  MessagesFunc
	onAlert    AlertsFunc
	resolver   Resolver
	authorizer Authorizer
	seen       func(ctx context.Context, keys []string) ([]bool, error)

	// queues has one queue per worker. Channel messages go to the queue
	// their channel hashes to, so one channel's messages reach the
	// timeline in the order they arrived; everything else is spread
	// round-robin.
	queues []chan job
	next   atomic.Uint64
	// overflow is Options.Overflow, and spills its state by shard.
	overflow Overflow
	spills   []spill
	wg       sync.WaitGroup
	// base is the context of the workers' handlers, cancelled when Close
	// gives up waiting for them.
	base      context.Context
	cancel    context.CancelFunc
	closeOnce sync.Once
	// zones caches the time zones people's events name (zone).
	zones   sync.Map
	closed  chan struct{}
	closing sync.RWMutex
}

// job is a queued event. The queues hold pointers: an empty queue slot
// costs 8 bytes, not a whole Event (about 280), which at the default 4,096
// slots keeps a megabyte off the heap at start.
type job struct{ ev *Event }

// NewRouter starts a router's workers; Close stops them.
func NewRouter(opts Options) *Router {
	if opts.Workers <= 0 {
		opts.Workers = 16
	}
	if opts.Queue <= 0 {
		opts.Queue = 4096
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	if _, ok := catalogs[opts.Lang]; !ok {
		opts.Lang = English
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	r := &Router{
		opts:      opts,
		log:       opts.Log.Named("router"),
		platforms: map[string]Platform{},
		queues:    make([]chan job, opts.Workers),
		overflow:  opts.Overflow,
		spills:    make([]spill, opts.Workers),
		closed:    make(chan struct{}),
	}
	r.base, r.cancel = context.WithCancel(context.Background())
	per := max(1, (opts.Queue+opts.Workers-1)/opts.Workers)
	r.wg.Add(opts.Workers)
	for i := range r.queues {
		r.queues[i] = make(chan job, per)
		go r.work(i)
	}
	return r
}

// Register makes a platform's events routable; its Name must be unique.
func (r *Router) Register(p Platform) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.platforms[p.Name()] = p
}

// Platform returns the registered platform by name.
func (r *Router) Platform(name string) (Platform, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.platforms[name]
	return p, ok
}

// Mount gives the router its handlers; until then every command is
// unknown and every alert is refused. It returns an error, mounting
// nothing, when called a second time, when a command name or alias
// appears twice, or when a route needs a Resolver or an Authorizer that h
// lacks: all programming errors, found at start.
func (r *Router) Mount(h Handlers) error {
	routes := map[string]*Route{}
	ordered := make([]*Route, 0, len(h.Routes))
	for _, rt := range h.Routes {
		route := &rt
		for _, n := range append([]string{rt.Name}, rt.Aliases...) {
			if _, dup := routes[n]; dup {
				return fmt.Errorf("bot: command %q registered twice", n)
			}
			routes[n] = route
		}
		if err := h.guards("command "+rt.Name, rt.Scope, rt.Permission); err != nil {
			return err
		}
		ordered = append(ordered, route)
	}
	forms := make(map[string]FormRoute, len(h.Forms))
	for id, fr := range h.Forms {
		if err := h.guards("form "+id, fr.Scope, fr.Permission); err != nil {
			return err
		}
		forms[id] = fr
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mounted {
		return errors.New("bot: router already has its handlers")
	}
	r.mounted = true
	r.routes, r.ordered, r.forms = routes, ordered, forms
	r.onMessage, r.onAlert = h.Messages, h.Alerts
	r.resolver, r.authorizer, r.seen = h.Resolver, h.Authorizer, h.Seen
	return nil
}

// guards checks that h can serve a route of scope and permission perm.
func (h *Handlers) guards(what string, scope IncidentScope, perm string) error {
	if scope != NoIncident && h.Resolver == nil {
		return fmt.Errorf("bot: %s acts on an incident but there is no Resolver", what)
	}
	if perm != "" && h.Authorizer == nil {
		return fmt.Errorf("bot: %s needs permission %q but there is no Authorizer", what, perm)
	}
	return nil
}

// Routes returns the visible command routes in registration order.
func (r *Router) Routes() []Route {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Route, 0, len(r.ordered))
	for _, rt := range r.ordered {
		if !rt.Hidden {
			out = append(out, *rt)
		}
	}
	return out
}

// Lookup finds a route by name or alias.
func (r *Router) Lookup(name string) (*Route, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	rt, ok := r.routes[name]
	return rt, ok
}

// Dispatch queues ev and returns at once, so an adapter can acknowledge its
// platform within the platform's deadline; it never waits for a handler.
// Without an Overflow it returns a CodeBusy *Error when the queue is full;
// with one, only alerts are refused so, and anything else when the
// Overflow refuses the write too (see offer). It returns ErrClosed after
// Close.
func (r *Router) Dispatch(ev Event) error {
	r.closing.RLock()
	defer r.closing.RUnlock()
	select {
	case <-r.closed:
		return ErrClosed
	default:
	}
	if r.overflow != nil {
		return r.offer(r.shard(&ev), &ev)
	}
	select {
	case r.queues[r.shard(&ev)] <- job{ev: &ev}:
		return nil
	default:
		return Errorf(CodeBusy)
	}
}

// shard picks the queue for ev: by channel for channel messages, so their
// order is kept, by dedup key for alerts, so one problem's notifications
// are handled in order and do not contend, round-robin for the rest.
func (r *Router) shard(ev *Event) int {
	n := uint64(len(r.queues))
	var key string
	switch {
	case ev.Kind.channelEvent():
		key = ev.Platform + "\x00" + ev.Channel
	case ev.Kind == EventAlert:
		if ev.Alert == nil {
			return 0
		}
		key = ev.Alert.Source + "\x00" + ev.Alert.DedupKey
	default:
		return int(r.next.Add(1) % n)
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	return int(h.Sum64() % n)
}

// Serve handles ev synchronously on the caller's goroutine, through the
// same path as Dispatch. The console and tests use it.
func (r *Router) Serve(ctx context.Context, ev Event) error {
	return r.handle(ctx, &ev)
}

// Close stops accepting events and waits until queued ones are handled
// (those waiting in the Overflow too) or ctx ends; then it cancels the
// handlers still running, and what still waits in the Overflow stays
// there for another replica to adopt.
func (r *Router) Close(ctx context.Context) error {
	r.closeOnce.Do(func() {
		r.closing.Lock()
		close(r.closed)
		for _, q := range r.queues {
			close(q)
		}
		r.closing.Unlock()
	})
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		r.cancel()
		return nil
	case <-ctx.Done():
		r.cancel()
		return fmt.Errorf("drain router: %w", ctx.Err())
	}
}

// work handles the events of shard i's queue in order, and once the
// queue is empty those waiting in its Overflow. Channel events that wait
// in the queue one after another are handled as one batch (up to
// maxBatch), and so are alerts.
func (r *Router) work(i int) {
	defer r.wg.Done()
	queue := r.queues[i]
	var held *job // taken from the queue while batching, handled next
	for {
		var j job
		if held != nil {
			j, held = *held, nil
		} else {
			var ok bool
			if j, ok = r.take(i); !ok {
				return
			}
		}
		if !batchable(j.ev, j.ev) {
			r.safely([]*Event{j.ev})
			continue
		}
		batch := []*Event{j.ev}
	drain:
		for len(batch) < maxBatch {
			select {
			case n, ok := <-queue:
				switch {
				case !ok:
					break drain
				case batchable(j.ev, n.ev):
					batch = append(batch, n.ev)
				default:
					held = &n
					break drain
				}
			default:
				break drain
			}
		}
		r.safely(batch)
	}
}

// take returns the next event of shard i's queue, handling what waits in
// its Overflow whenever the queue is empty; ok is false once the queue is
// closed and the Overflow drained (or given up at Close).
func (r *Router) take(i int) (j job, ok bool) {
	queue := r.queues[i]
	for r.spilled(i) {
		select {
		case j, ok = <-queue:
			if ok {
				return j, true
			}
		default:
		}
		if !r.unspill(i) {
			return job{}, false
		}
	}
	j, ok = <-queue
	if !ok && r.spilled(i) {
		return r.take(i)
	}
	return j, ok
}

// safely handles an event, or a batch of channel events or of alerts; a
// panic anywhere on the way (a platform's Reply, an event's Done) is
// logged and the worker lives on.
func (r *Router) safely(evs []*Event) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("event handling panicked", zap.String("platform", evs[0].Platform),
				zap.String("event_kind", string(evs[0].Kind)), zap.Int("events", len(evs)),
				zap.Any("panic", p), zap.ByteString("stack", debug.Stack()))
		}
	}()
	if len(evs) == 1 {
		_ = r.handle(r.base, evs[0])
		return
	}
	r.batch(r.base, evs)
}

// ValidateForm checks a form submission synchronously, for platforms that
// must show field errors in their acknowledgement (Slack modals). It
// returns translated messages by input ID; empty means valid.
func (r *Router) ValidateForm(ev *Event) map[string]string {
	if ev.Form == nil {
		return nil
	}
	r.mu.RLock()
	fr, ok := r.forms[ev.Form.ID]
	r.mu.RUnlock()
	if !ok || fr.Validate == nil {
		return nil
	}
	return fr.Validate(r.lang(ev), ev.Form)
}

// zone is the time zone ev.TZ names, or nil when it names none Go knows;
// loaded zones are kept (there are a few hundred at most).
func (r *Router) zone(ev *Event) *time.Location {
	if ev.TZ == "" {
		return nil
	}
	if loc, ok := r.zones.Load(ev.TZ); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(ev.TZ)
	if err != nil || len(ev.TZ) > 64 {
		return nil
	}
	r.zones.Store(ev.TZ, loc)
	return loc
}

func (r *Router) lang(ev *Event) Lang {
	if l, ok := ParseLang(ev.Locale); ok {
		return l
	}
	return r.opts.Lang
}

// handle runs one event end to end and reports the outcome to ev.Done.
func (r *Router) handle(ctx context.Context, ev *Event) (err error) {
	// Whatever the handler replied is in the slot by now: an adapter still
	// waiting for an answer need not wait any longer.
	defer ev.Answer.Close()
	if batchable(ev, ev) {
		return r.batch(ctx, []*Event{ev})[0]
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
	defer func() {
		if ev.Done != nil {
			ev.Done(err)
		}
	}()
	p, ok := r.Platform(ev.Platform)
	switch {
	case !ok && ev.Kind != EventAlert:
		r.log.Error("event from an unregistered platform dropped", zap.String("platform", ev.Platform))
		return fmt.Errorf("event from unregistered platform %q", ev.Platform)
	case ok:
		if e, ok := p.(Enricher); ok {
			e.Enrich(ctx, ev)
		}
	}
	req := &Request{Event: ev, Platform: p, Lang: r.lang(ev), Zone: r.zone(ev), Log: r.log.With(
		zap.String("platform", ev.Platform), zap.String("event_kind", string(ev.Kind)),
		zap.String("user_id", ev.User.ID), zap.String("channel_id", ev.Channel))}
	if len(r.fresh(ctx, []*Request{req})) == 0 {
		return nil
	}
	h, name, err := r.match(req)
	if err == nil {
		h = r.chain(h, name)
		err = h(ctx, req)
	}
	r.report(ctx, req, name, err)
	return err
}

// batch runs channel events through the message handler, or alerts
// through the alert handler, in one call and reports each one's outcome
// to its Done; errs[i] is evs[i]'s. evs are all of one kind (batchable).
func (r *Router) batch(ctx context.Context, evs []*Event) (errs []error) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	errs = make([]error, len(evs))
	defer func() {
		for i, ev := range evs {
			if ev.Done != nil {
				ev.Done(errs[i])
			}
		}
	}()
	reqs := make([]*Request, 0, len(evs))
	index := make(map[*Event]int, len(evs))
	for i, ev := range evs {
		index[ev] = i
		if ev.At.IsZero() {
			ev.At = time.Now()
		}
		// Alerts come from no chat platform: the handlers pick one.
		p, ok := r.Platform(ev.Platform)
		switch {
		case !ok && ev.Kind != EventAlert:
			r.log.Error("event from an unregistered platform dropped", zap.String("platform", ev.Platform))
			errs[i] = fmt.Errorf("event from unregistered platform %q", ev.Platform)
			continue
		case ok:
			if e, ok := p.(Enricher); ok {
				e.Enrich(ctx, ev)
			}
		}
		reqs = append(reqs, &Request{Event: ev, Platform: p, Lang: r.lang(ev), Log: r.log.With(
			zap.String("platform", ev.Platform), zap.String("event_kind", string(ev.Kind)),
			zap.String("user_id", ev.User.ID), zap.String("channel_id", ev.Channel))})
	}
	reqs = r.fresh(ctx, reqs)
	if len(reqs) == 0 {
		return errs
	}
	name, handle := "message", r.messages
	if reqs[0].Event.Kind == EventAlert {
		name, handle = "alert", r.alerts
	}
	start := time.Now()
	got := r.protect(name, len(reqs), func() []error { return handle(ctx, reqs) })
	took := time.Since(start)
	for k, req := range reqs {
		errs[index[req.Event]] = got[k]
		if r.opts.Observe != nil {
			r.opts.Observe(name, took, got[k])
		}
	}
	return errs
}

// messages records channel events through the message handler: one
// outcome, shared by all.
func (r *Router) messages(ctx context.Context, reqs []*Request) []error {
	r.mu.RLock()
	h := r.onMessage
	r.mu.RUnlock()
	err := errors.New("no message handler")
	if h != nil {
		err = h(ctx, reqs)
	}
	if err != nil {
		r.log.Warn("recording channel events failed", zap.Int("events", len(reqs)), zap.Error(err))
	}
	errs := make([]error, len(reqs))
	for i := range errs {
		errs[i] = err
	}
	return errs
}

// alerts handles alerts through the alert handler and logs each one's
// outcome as a command's is (report).
func (r *Router) alerts(ctx context.Context, reqs []*Request) []error {
	r.mu.RLock()
	h := r.onAlert
	r.mu.RUnlock()
	var errs []error
	if h == nil {
		errs = make([]error, len(reqs))
		for i := range errs {
			errs[i] = errors.New("no alert handler")
		}
	} else {
		errs = sized(h(ctx, reqs), len(reqs))
	}
	for i, req := range reqs {
		r.report(ctx, req, "alert", errs[i])
	}
	return errs
}

// protect runs a batch's handler; a panic is logged and becomes every
// request's CodeInternal error. The result has n outcomes.
func (r *Router) protect(name string, n int, run func() []error) (errs []error) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error(name+" handler panicked", zap.Int("events", n),
				zap.Any("panic", p), zap.ByteString("stack", debug.Stack()))
			err := Wrap(CodeInternal, fmt.Errorf("panic: %v", p))
			errs = make([]error, n)
			for i := range errs {
				errs[i] = err
			}
		}
	}()
	return sized(run(), n)
}

// sized is errs with exactly n outcomes: a handler that returned nil
// handled everything.
func sized(errs []error, n int) []error {
	if len(errs) == n {
		return errs
	}
	out := make([]error, n)
	copy(out, errs)
	return out
}

// fresh returns the requests whose events were not delivered before,
// marking them seen (one call to Seen for all).
func (r *Router) fresh(ctx context.Context, reqs []*Request) []*Request {
	r.mu.RLock()
	seen := r.seen
	r.mu.RUnlock()
	if seen == nil {
		return reqs
	}
	var keys []string
	var keyed []int
	for i, req := range reqs {
		if req.Event.ID != "" {
			keys = append(keys, req.Event.Platform+":"+req.Event.ID)
			keyed = append(keyed, i)
		}
	}
	if len(keys) == 0 {
		return reqs
	}
	first, err := seen(ctx, keys)
	if err != nil || len(first) != len(keys) {
		// Handling twice beats dropping: most handlers are idempotent and
		// the store dedupes what must not repeat.
		r.log.Warn("de-duplication unavailable", zap.Error(err))
		return reqs
	}
	out := reqs[:0:0]
	k := 0
	for i, req := range reqs {
		if k < len(keyed) && keyed[k] == i {
			k++
			if !first[k-1] {
				req.Log.Debug("duplicate delivery dropped", zap.String("event_id", req.Event.ID))
				continue
			}
		}
		out = append(out, req)
	}
	return out
}

// match finds the handler for the request and the name it is observed as.
func (r *Router) match(req *Request) (HandlerFunc, string, error) {
	ev := req.Event
	r.mu.RLock()
	defer r.mu.RUnlock()
	switch ev.Kind {
	case EventCommand, EventAction:
		line := ev.Text
		if ev.Kind == EventAction {
			line = Button{Command: ev.Action, Args: ev.Value}.CommandLine(ev.Option)
		}
		req.Command = Parse(line)
		if req.Command.Name == "" {
			req.Command.Name = "help"
		}
		rt, ok := r.routes[req.Command.Name]
		if !ok {
			return nil, "unknown", r.unknown(req.Command.Name)
		}
		req.Route = rt
		return r.scoped(rt.Handler, rt.Scope, rt.Permission, r.resolver, r.authorizer), rt.Name, nil
	case EventForm:
		if ev.Form == nil {
			return nil, "form", errors.New("form event without a form")
		}
		fr, ok := r.forms[ev.Form.ID]
		if !ok {
			return nil, "form", fmt.Errorf("no handler for form %q", ev.Form.ID)
		}
		if id, ok := ParseID(ev.Form.Meta); ok {
			req.Command.Incident = id
		}
		return r.scoped(fr.Handler, fr.Scope, fr.Permission, r.resolver, r.authorizer), "form:" + ev.Form.ID, nil
	}
	return nil, "unknown", fmt.Errorf("unknown event kind %q", ev.Kind)
}

func (r *Router) unknown(name string) error {
	names := make([]string, 0, len(r.routes))
	for n, rt := range r.routes {
		if !rt.Hidden {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if c, ok := Closest(name, names); ok {
		return Errorf(CodeUnknownCommand, "command", name, "suggestion", r.routes[c].Name)
	}
	return Errorf(CodeNoSuchCommand, "command", name)
}

// scoped wraps h with incident resolution and the permission check (Mount
// made sure res and auth are there when scope and perm need them).
func (r *Router) scoped(h HandlerFunc, scope IncidentScope, perm string, res Resolver, auth Authorizer) HandlerFunc {
	return func(ctx context.Context, req *Request) error {
		if scope != NoIncident {
			inc, err := res.ResolveIncident(ctx, req)
			switch {
			case err == nil:
				req.Incident = inc
			case errors.Is(err, ErrNotFound) && req.Command.Incident != 0:
				return Errorf(CodeNotFound, "id", FormatID(req.Command.Incident))
			case errors.Is(err, ErrNotFound) && scope == NeedsIncident:
				return Errorf(CodeNoIncident)
			case !errors.Is(err, ErrNotFound):
				return err
			}
		}
		if perm != "" {
			if err := auth.Authorize(ctx, req, perm); err != nil {
				return err
			}
		}
		return h(ctx, req)
	}
}

// chain wraps h with panic recovery and timing.
func (r *Router) chain(h HandlerFunc, name string) HandlerFunc {
	return func(ctx context.Context, req *Request) (err error) {
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				req.Log.Error("handler panicked", zap.String("command", name),
					zap.Any("panic", p), zap.ByteString("stack", debug.Stack()))
				err = Wrap(CodeInternal, fmt.Errorf("panic: %v", p))
			}
			if r.opts.Observe != nil {
				r.opts.Observe(name, time.Since(start), err)
			}
		}()
		return h(ctx, req)
	}
}

// report logs the outcome and tells the user about errors they can act on.
func (r *Router) report(ctx context.Context, req *Request, name string, err error) {
	log := req.Log.With(zap.String("command", name))
	if err == nil {
		log.Debug("handled")
		return
	}
	var coded *Error
	isCoded := errors.As(err, &coded)
	switch {
	case isCoded && coded.Code != CodeInternal && coded.Code != CodeUnavailable:
		log.Info("refused", zap.String("code", coded.Code))
	case errors.Is(err, ErrUnavailable) || (isCoded && coded.Code == CodeUnavailable):
		log.Warn("storage unavailable", zap.Error(err))
		coded = Errorf(CodeUnavailable)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		log.Warn("handler ran out of time", zap.Error(err))
		coded = Errorf(CodeBusy)
	default:
		log.Error("handler failed", zap.Error(err))
		coded = Errorf(CodeInternal)
	}
	switch req.Event.Kind {
	case EventCommand, EventAction, EventForm:
	default:
		return // nobody asked; nobody to tell
	}
	msg := Message{Text: coded.Text(req.Lang)}
	// The handler may have used up ctx; the answer still deserves a try.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if rerr := req.Platform.Reply(rctx, req.Event, msg); rerr != nil {
		log.Warn("reply failed", zap.Error(rerr))
	}
}

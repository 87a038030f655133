package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// The live timeline: GET /incidents/{id}/events is a Server-Sent Events
// stream of the incident's new timeline entries, each one rendered as the
// same HTML fragment the page shows, with its stream ID as the event's
// id, so that a browser reconnecting with Last-Event-ID resumes where it
// left off, without loss or duplicates.
//
// Pages read the incident's Redis stream, not an in-process bus: what
// another replica recorded reaches the pages this one serves. Each
// process runs at most one blocking reader per incident (a hub), started
// by the first page that follows it and stopped when the last one leaves,
// and fans out what it reads to that incident's pages, each through a
// bounded buffer: a page that cannot keep up is dropped (its browser
// reconnects and catches up from the stream) rather than holding the hub
// back.

const (
	// DefaultHeartbeat is how often an idle stream sends a comment, so
	// proxies and browsers keep it open.
	DefaultHeartbeat = 15 * time.Second
	// DefaultRecheck is how often a stream checks again that its session
	// is still signed in and its viewer still in the incident's audience.
	DefaultRecheck = time.Minute
	// subscriberBuffer is how many reads of the hub (each up to tailBatch
	// entries, usually one) may wait for one page.
	subscriberBuffer = 64
	// tailBlock is how long one read of a hub waits for new entries.
	tailBlock = 5 * time.Second
	// catchUpBlock bounds a catch-up read's wait when nothing was missed.
	catchUpBlock = 50 * time.Millisecond
	// tailBatch is the most entries TailTimeline returns at once.
	tailBatch = 1000
	// maxCatchUp is how many missed entries a reconnecting page is sent;
	// a page further behind is told to reload.
	maxCatchUp = 2000
	// writeWindow is how long one write of a stream may take: the
	// server's WriteTimeout would end the stream, so each write moves the
	// deadline on.
	writeWindow = 30 * time.Second
	// retryMillis is how soon a browser reconnects after a stream ends.
	retryMillis = 2000
)

// Tail follows an incident's timeline stream; *store.Store implements it.
type Tail interface {
	// TailTimeline waits up to block for entries after the stream ID
	// after ("" is from now) and returns those that arrived (in stream
	// order, at most 1,000) with the ID to pass as after next time. An
	// unknown incident is an error wrapping bot.ErrNotFound.
	TailTimeline(ctx context.Context, id int64, after string, block time.Duration) ([]bot.TimelineEntry, string, error)
}

// live owns the hubs of one Server.
type live struct {
	tail Tail
	log  *zap.Logger
	ctx  context.Context // ended by Close
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu     sync.Mutex
	hubs   map[int64]*hub
	closed bool
}

// hub is the one reader of an incident's stream in this process.
type hub struct {
	id     int64
	subs   map[*subscriber]struct{}
	cancel context.CancelFunc
}

// subscriber is one page following a hub.
type subscriber struct {
	hub *hub
	ch  chan []bot.TimelineEntry
	// gone is closed when the hub drops the page (too slow, or the hub
	// stopped); the stream then ends and the browser reconnects.
	gone chan struct{}
}

func newLive(tail Tail, log *zap.Logger) *live {
	ctx, stop := context.WithCancel(context.Background())
	return &live{tail: tail, log: log, ctx: ctx, stop: stop, hubs: map[int64]*hub{}}
}

var errClosed = errors.New("web: closed")

// subscribe follows incident id: from the subscription on, every entry
// added to its stream reaches the subscriber (unless it is dropped).
func (l *live) subscribe(ctx context.Context, id int64) (*subscriber, error) {
	l.mu.Lock()
	h := l.hubs[id]
	l.mu.Unlock()
	var start string
	if h == nil {
		// Where a new hub starts is read before it is registered, so
		// that everything from the subscription on is after it.
		var err error
		if _, start, err = l.tail.TailTimeline(ctx, id, "", 0); err != nil {
			return nil, err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, errClosed
	}
	h = l.hubs[id]
	if h == nil {
		hctx, cancel := context.WithCancel(l.ctx)
		h = &hub{id: id, subs: map[*subscriber]struct{}{}, cancel: cancel}
		l.hubs[id] = h
		l.wg.Add(1)
		go l.run(hctx, h, start)
	}
	sub := &subscriber{hub: h, ch: make(chan []bot.TimelineEntry, subscriberBuffer), gone: make(chan struct{})}
	h.subs[sub] = struct{}{}
	return sub, nil
}

// unsubscribe ends sub; the last one of a hub stops it.
func (l *live) unsubscribe(sub *subscriber) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := sub.hub
	if _, ok := h.subs[sub]; ok {
		delete(h.subs, sub)
		close(sub.gone)
	}
	if len(h.subs) == 0 && l.hubs[h.id] == h {
		delete(l.hubs, h.id)
		h.cancel()
	}
}

// run is a hub's reader: it follows the stream from start and hands each
// entry to every subscriber, dropping one whose buffer is full.
func (l *live) run(ctx context.Context, h *hub, after string) {
	defer l.wg.Done()
	for ctx.Err() == nil {
		entries, next, err := l.tail.TailTimeline(ctx, h.id, after, tailBlock)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if errors.Is(err, bot.ErrNotFound) {
				l.end(h)
				return
			}
			l.log.Warn("live timeline read", zap.Int64("incident", h.id), zap.Error(err))
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		after = next
		l.fanOut(h, entries)
	}
}

func (l *live) fanOut(h *hub, entries []bot.TimelineEntry) {
	if len(entries) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for sub := range h.subs {
		select {
		case sub.ch <- entries:
		default:
			// Too slow: dropped, not waited for.
			delete(h.subs, sub)
			close(sub.gone)
		}
	}
}

// end drops every subscriber of h, whose incident is gone.
func (l *live) end(h *hub) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for sub := range h.subs {
		delete(h.subs, sub)
		close(sub.gone)
	}
	if l.hubs[h.id] == h {
		delete(l.hubs, h.id)
	}
	h.cancel()
}

// hubCount is how many incidents this process follows.
func (l *live) hubCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.hubs)
}

// close stops every hub, ends every stream, and waits for the readers.
func (l *live) close(ctx context.Context) error {
	l.mu.Lock()
	l.closed = true
	for _, h := range l.hubs {
		for sub := range h.subs {
			delete(h.subs, sub)
			close(sub.gone)
		}
		h.cancel()
	}
	l.hubs = map[int64]*hub{}
	l.mu.Unlock()
	l.stop()
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the live timeline's readers and ends its streams; it
// returns when the readers have stopped, or ctx's error when ctx ends
// first. The server's handler for plain pages keeps working.
func (s *Server) Close(ctx context.Context) error {
	if s.live == nil {
		return nil
	}
	return s.live.close(ctx)
}

// isLive reports whether r asks for a live stream, which outlives the
// bound of an ordinary request.
func isLive(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/incidents/") && strings.HasSuffix(r.URL.Path, "/events")
}

// events serves GET /incidents/{id}/events. The audience rule is checked
// at connect (an outsider gets the 404 of a number never used) and again
// every Recheck, with the session: a stream whose person signed out or
// left the audience ends, and its browser's reconnection is refused.
func (s *Server) events(w http.ResponseWriter, r *http.Request, sess *session) {
	raw := r.PathValue("id")
	id, ok := bot.ParseID(raw)
	if !ok || strings.HasPrefix(raw, "#") || s.live == nil {
		s.notFound(w, r, sess)
		return
	}
	ctx := r.Context()
	if !s.stillSees(w, r, sess, id) {
		return
	}
	after := r.Header.Get("Last-Event-ID")
	if after == "" {
		after = r.URL.Query().Get("after")
	}
	if after != "" && !validStreamID(after) {
		after = ""
	}
	kinds := parseKinds(r.URL.Query()["kind"])
	if after == "" {
		// From now: the newest entry before the subscription, so that
		// the catch-up sends whatever comes after it.
		var err error
		if _, after, err = s.live.tail.TailTimeline(ctx, id, "", 0); err != nil {
			if errors.Is(err, bot.ErrNotFound) {
				s.notFoundIncident(w, r, sess, id)
			} else {
				s.fail(w, r, &sess.Viewer, err)
			}
			return
		}
	}
	sub, err := s.live.subscribe(ctx, id)
	if errors.Is(err, bot.ErrNotFound) {
		s.notFoundIncident(w, r, sess, id)
		return
	}
	if err != nil {
		s.fail(w, r, &sess.Viewer, err)
		return
	}
	defer s.live.unsubscribe(sub)
	st := &stream{s: s, w: w, rc: http.NewResponseController(w), sess: sess, id: id, kinds: kinds,
		lang: s.lang(nil, r, &sess.Viewer)}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if err := st.write(fmt.Appendf(nil, "retry: %d\n\n", retryMillis)); err != nil {
		return
	}
	if after, err = st.catchUp(ctx, after); err != nil {
		return
	}
	st.last = after
	heartbeat := time.NewTicker(s.opts.Heartbeat)
	defer heartbeat.Stop()
	recheck := time.NewTicker(s.opts.Recheck)
	defer recheck.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sub.gone:
			return
		case entries := <-sub.ch:
			for _, e := range entries {
				if compareStreamIDs(e.ID, st.last) <= 0 {
					continue // sent already, in the catch-up
				}
				if err := st.send(ctx, e); err != nil {
					return
				}
			}
		case <-heartbeat.C:
			if err := st.write([]byte(": keep-alive\n\n")); err != nil {
				return
			}
		case <-recheck.C:
			if !st.valid(ctx) {
				return
			}
		}
	}
}

// stillSees checks, at connect, that the viewer sees incident id; if not
// it has answered 404, as for a number never used.
func (s *Server) stillSees(w http.ResponseWriter, r *http.Request, sess *session, id int64) bool {
	ok, err := s.opts.Incidents.Sees(r.Context(), sess.Viewer, id)
	switch {
	case errors.Is(err, bot.ErrNotFound) || (err == nil && !ok):
		s.notFoundIncident(w, r, sess, id)
		return false
	case err != nil:
		s.fail(w, r, &sess.Viewer, err)
		return false
	}
	return true
}

func (s *Server) notFoundIncident(w http.ResponseWriter, r *http.Request, sess *session, id int64) {
	s.message(w, r, &sess.Session, http.StatusNotFound, "web.notfound.title", "web.notfound.incident", "id", bot.FormatID(id))
}

// stream is one open event stream.
type stream struct {
	s     *Server
	w     http.ResponseWriter
	rc    *http.ResponseController
	sess  *session
	id    int64
	kinds []bot.EntryKind
	lang  bot.Lang
	// last is the stream ID of the last entry sent (or skipped).
	last string
}

// catchUp sends what was added after the stream ID after, read from the
// store (at most maxCatchUp; past that the page is told to reload), and
// returns the ID it got to.
func (st *stream) catchUp(ctx context.Context, after string) (string, error) {
	sent := 0
	for {
		entries, next, err := st.s.live.tail.TailTimeline(ctx, st.id, after, catchUpBlock)
		if err != nil {
			return after, err
		}
		for _, e := range entries {
			if err := st.send(ctx, e); err != nil {
				return after, err
			}
			after = e.ID
		}
		if next != "" {
			after = next
		}
		sent += len(entries)
		if sent > maxCatchUp {
			_ = st.write([]byte("event: reload\ndata: \n\n"))
			return after, errors.New("too far behind")
		}
		if len(entries) < tailBatch {
			return after, nil
		}
	}
}

// send writes one entry as an event: "entry" with the entry's fragment,
// or for a curation entry "replace" with its target's fragment as now
// curated. An entry of a kind the page filters out only moves the
// stream's position on (an id without data dispatches nothing).
func (st *stream) send(ctx context.Context, e bot.TimelineEntry) error {
	st.last = e.ID
	ev, ce := "entry", bot.CuratedEntry{TimelineEntry: e}
	if e.Curates() && e.Target != "" {
		target, err := st.s.opts.Incidents.CuratedEntry(ctx, st.id, e.Target)
		if err != nil {
			st.s.log.Warn("live curated entry", zap.Int64("incident", st.id), zap.Error(err))
			return st.write(fmt.Appendf(nil, "id: %s\n\n", e.ID))
		}
		ev, ce = "replace", target
	}
	if len(st.kinds) > 0 && !slices.Contains(st.kinds, ce.Kind) {
		return st.write(fmt.Appendf(nil, "id: %s\n\n", e.ID))
	}
	frag, err := st.s.fragment(st.s.entryView(st.lang, st.sess, st.id, ce))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "id: %s\nevent: %s\n", e.ID, ev)
	for line := range strings.SplitSeq(strings.TrimSpace(string(frag)), "\n") {
		buf.WriteString("data: ")
		buf.WriteString(strings.TrimRight(line, "\r"))
		buf.WriteByte('\n')
	}
	buf.WriteByte('\n')
	return st.write(buf.Bytes())
}

// write sends b at once, with the write deadline moved past it.
func (st *stream) write(b []byte) error {
	// Not every ResponseWriter supports deadlines (a test recorder does
	// not); the write is still made.
	_ = st.rc.SetWriteDeadline(time.Now().Add(writeWindow))
	if _, err := st.w.Write(b); err != nil {
		return err
	}
	return st.rc.Flush()
}

// valid reports whether the stream's session still holds and its person
// still sees the incident.
func (st *stream) valid(ctx context.Context) bool {
	if _, err := st.s.opts.Sessions.Session(ctx, st.sess.token); err != nil {
		return false
	}
	ok, err := st.s.opts.Incidents.Sees(ctx, st.sess.Viewer, st.id)
	if err != nil && !errors.Is(err, bot.ErrNotFound) {
		return true // the store is down: the stream keeps what it has
	}
	return err == nil && ok
}

// validStreamID reports whether s is a stream ID "<ms>-<seq>".
func validStreamID(s string) bool {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return false
	}
	_, err1 := strconv.ParseUint(a, 10, 64)
	_, err2 := strconv.ParseUint(b, 10, 64)
	return err1 == nil && err2 == nil
}

// compareStreamIDs orders two stream IDs; one that does not parse is
// before every other.
func compareStreamIDs(a, b string) int {
	am, as := splitStreamID(a)
	bm, bs := splitStreamID(b)
	switch {
	case am != bm:
		if am < bm {
			return -1
		}
		return 1
	case as != bs:
		if as < bs {
			return -1
		}
		return 1
	}
	return 0
}

func splitStreamID(s string) (uint64, uint64) {
	a, b, _ := strings.Cut(s, "-")
	ms, _ := strconv.ParseUint(a, 10, 64)
	seq, _ := strconv.ParseUint(b, 10, 64)
	return ms, seq
}

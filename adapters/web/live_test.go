package web_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/web"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/store"
)

// newLiveHarness is a harness whose incident page is live (it tails the
// store) and whose curation forms run through the router, on which it
// is the "web" platform, as app wires it.
func newLiveHarness(t *testing.T, edit func(*web.Options)) *harness {
	t.Helper()
	lazy := &lazyRouter{}
	h := newHarnessWith(t, func(o *web.Options) {
		o.Tail = o.Sessions.(*store.Store)
		o.Router = lazy
		edit(o)
	})
	lazy.r = h.r
	h.r.Register(h.web)
	t.Cleanup(func() { require.NoError(t, h.web.Close(context.Background())) })
	return h
}

// event is one Server-Sent Event.
type event struct{ id, name, data string }

// sse is an open event stream read by a real HTTP client.
type sse struct {
	res      *http.Response
	events   chan event
	comments chan string
	ended    chan struct{}
}

// openStream opens path's event stream as b, with lastID as
// Last-Event-ID when set; it returns the response for a status other
// than 200.
func (b *browser) openStream(path, lastID string) (*sse, response) {
	b.h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.h.srv.URL+path, nil)
	require.NoError(b.h.t, err)
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.h.t.Cleanup(cancel)
	res, err := b.c.Do(req.WithContext(ctx))
	require.NoError(b.h.t, err)
	if res.StatusCode != http.StatusOK {
		defer res.Body.Close()
		var sb strings.Builder
		_, _ = bufio.NewReader(res.Body).WriteTo(&sb)
		return nil, response{status: res.StatusCode, header: res.Header, body: sb.String()}
	}
	require.Equal(b.h.t, "text/event-stream", res.Header.Get("Content-Type"))
	s := &sse{res: res, events: make(chan event, 1000), comments: make(chan string, 100), ended: make(chan struct{})}
	b.h.t.Cleanup(func() { _ = res.Body.Close() })
	go func() {
		defer close(s.ended)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var ev event
		var data []string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if len(data) > 0 {
					ev.data = strings.Join(data, "\n")
					s.events <- ev
				}
				ev, data = event{}, nil
			case strings.HasPrefix(line, ":"):
				select {
				case s.comments <- line:
				default:
				}
			case strings.HasPrefix(line, "id: "):
				ev.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = append(data, strings.TrimPrefix(line, "data: "))
			}
		}
	}()
	return s, response{status: res.StatusCode, header: res.Header}
}

// next is the stream's next event, within wait.
func (s *sse) next(t *testing.T, wait time.Duration) event {
	t.Helper()
	select {
	case ev := <-s.events:
		return ev
	case <-s.ended:
		t.Fatal("the stream ended")
	case <-time.After(wait):
		t.Fatalf("no event within %v", wait)
	}
	return event{}
}

// none asserts no event comes within wait.
func (s *sse) none(t *testing.T, wait time.Duration) {
	t.Helper()
	select {
	case ev := <-s.events:
		t.Fatalf("unexpected event %+v", ev)
	case <-time.After(wait):
	}
}

// say records a message said in the incident's channel, as the chat
// platform's message event does.
func (h *harness) message(inc *bot.Incident, user bot.User, text, ref string) {
	h.t.Helper()
	require.NoError(h.t, h.r.Serve(context.Background(), bot.Event{Kind: bot.EventMessage, Platform: "test", Channel: inc.Channel.ID,
		User: user, Text: text, Ref: ref}))
}

var liveRE = regexp.MustCompile(`data-live="([^"]+)"`)

// liveURL is the event stream the incident page follows.
func liveURL(t *testing.T, body string) string {
	t.Helper()
	m := liveRE.FindStringSubmatch(body)
	require.NotNil(t, m, "the page is live")
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

func TestLiveTimelineShowsAMessageWithinASecond(t *testing.T) {
	h := newLiveHarness(t, func(*web.Options) {})
	inc := h.declare(alice, "Checkout is failing P2")
	b := h.signedIn(bob)
	page := b.get("/incidents/INC-1")
	require.Equal(t, http.StatusOK, page.status)
	require.Contains(t, page.body, `<script src="/static/live.js" defer></script>`)
	require.NotRegexp(t, `<script>|<script [^>]*>[^<]`, page.body, "no inline script")
	stream, _ := b.openStream(liveURL(t, page.body), "")
	require.Equal(t, 1, h.web.HubCount())

	start := time.Now()
	h.message(inc, carol, `payments return <b>502</b> & "worse"`, "m1")
	ev := stream.next(t, time.Second)
	require.Less(t, time.Since(start), time.Second)
	tl, err := h.st.Timeline(context.Background(), inc.ID, store.TimelineQuery{Last: 1})
	require.NoError(t, err)
	require.Equal(t, tl[0].ID, ev.id, "the stream ID is the event's id")
	require.Equal(t, "entry", ev.name)
	require.Contains(t, ev.data, `<li id="e-`+tl[0].ID+`" data-id="`+tl[0].ID+`" class="kind-message">`)
	require.Contains(t, ev.data, "payments return &lt;b&gt;502&lt;/b&gt; &amp; &#34;worse&#34;", "escaped as on the page")
	require.NotContains(t, ev.data, "<b>")
	require.Contains(t, ev.data, `<span class="author">carol</span>`)

	// The page shows the same fragment on reload.
	again := b.get("/incidents/INC-1")
	require.Contains(t, again.body, strings.SplitN(ev.data, "\n", 2)[0])
}

// replica is a second Warroom process on the same Redis prefix: its own
// Redis client, store, handlers and web interface.
type replica struct {
	st  *store.Store
	svc *handlers.Service
	web *web.Server
}

func newReplica(t *testing.T, h *harness) *replica {
	t.Helper()
	rdb := h.st.Client()
	if u := os.Getenv("REDIS_URL"); u != "" {
		opt, err := redis.ParseURL(u)
		require.NoError(t, err)
		c := redis.NewClient(opt)
		t.Cleanup(func() { _ = c.Close() })
		rdb = c
	}
	st, err := store.New(rdb, store.Options{Prefix: h.st.Prefix()})
	require.NoError(t, err)
	r := bot.NewRouter(bot.Options{Lang: bot.English})
	svc, err := handlers.New(st, r, handlers.Options{PublicURL: h.srv.URL})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = r.Close(context.Background())
		_ = svc.Close(context.Background())
	})
	srv, err := web.New(web.Options{PublicURL: h.srv.URL, Sessions: st, Incidents: svc, Tail: st})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close(context.Background())) })
	return &replica{st: st, svc: svc, web: srv}
}

func TestLiveTimelineAcrossReplicas(t *testing.T) {
	h := newLiveHarness(t, func(*web.Options) {})
	inc := h.declare(alice, "Checkout is failing P2")
	rep := newReplica(t, h)
	// The same browser's session is good on both (sessions are in Redis);
	// the second replica serves it on its own test server.
	b := h.signedIn(bob)
	page := b.get("/incidents/INC-1")
	path := liveURL(t, page.body)
	// Cookies are per host, not per port: the browser's session cookie
	// goes to the second replica's server too.
	otherHarness := *h
	otherHarness.srv = httptest.NewServer(rep.web)
	t.Cleanup(otherHarness.srv.Close)
	other := &browser{h: &otherHarness, c: b.c}
	onA, _ := b.openStream(path, "")
	onB, _ := other.openStream(path, "")

	// Recorded through replica B's store, as B's Slack event would: A's
	// page sees it. Then through A: B's page sees it.
	written, err := rep.st.Append(context.Background(), inc.ID, bot.TimelineEntry{Kind: bot.KindMessage, Author: carol, Text: "said on B", Ref: "b1"})
	require.NoError(t, err)
	for _, s := range []*sse{onA, onB} {
		ev := s.next(t, time.Second)
		require.Equal(t, written[0].ID, ev.id)
		require.Contains(t, ev.data, "said on B")
	}
	h.message(inc, carol, "said on A", "a1")
	for _, s := range []*sse{onA, onB} {
		ev := s.next(t, time.Second)
		require.Contains(t, ev.data, "said on A")
	}
	require.Equal(t, 1, h.web.HubCount())
	require.Equal(t, 1, rep.web.HubCount(), "one reader per incident per process")
}

func TestLiveTimelineResumesFromLastEventID(t *testing.T) {
	h := newLiveHarness(t, func(*web.Options) {})
	inc := h.declare(alice, "Checkout is failing P2")
	b := h.signedIn(bob)
	path := liveURL(t, b.get("/incidents/INC-1").body)
	s1, _ := b.openStream(path, "")
	h.message(inc, carol, "one", "m1")
	first := s1.next(t, time.Second)
	require.Contains(t, first.data, "one")
	require.NoError(t, s1.res.Body.Close())
	require.Eventually(t, func() bool { return h.web.HubCount() == 0 }, 2*time.Second, 10*time.Millisecond, "the last page left: the reader stops")

	// While the browser is away.
	h.message(inc, carol, "two", "m2")
	h.message(inc, carol, "three", "m3")
	s2, _ := b.openStream(path, first.id)
	var got []string
	for range 2 {
		got = append(got, s2.next(t, time.Second).data)
	}
	require.Contains(t, got[0], "two")
	require.Contains(t, got[1], "three")
	h.message(inc, carol, "four", "m4")
	require.Contains(t, s2.next(t, time.Second).data, "four")
	s2.none(t, 300*time.Millisecond) // nothing twice

	// Reconnecting with the newest ID gets nothing again.
	tl, err := h.st.Timeline(context.Background(), inc.ID, store.TimelineQuery{Last: 1})
	require.NoError(t, err)
	s3, _ := b.openStream(path, tl[0].ID)
	s3.none(t, 300*time.Millisecond)
}

func TestLiveTimelineOutsiderGetsNotFound(t *testing.T) {
	h := newLiveHarness(t, func(*web.Options) {})
	priv := h.declare(alice, "Payroll data exposed P1 <@U2|bob> private")
	outsider := h.signedIn(carol)
	_, never := outsider.openStream("/incidents/INC-9/events", "")
	require.Equal(t, http.StatusNotFound, never.status)
	for _, path := range []string{"/incidents/INC-1/events", "/incidents/1/events?after=0-0"} {
		s, res := outsider.openStream(path, "")
		require.Nil(t, s, path)
		require.Equal(t, http.StatusNotFound, res.status, path)
		// Byte for byte what a number never used gets, but for the
		// language switch's link to the path asked.
		langs := regexp.MustCompile(`<a href="[^"]*" lang="ja"`)
		want := langs.ReplaceAllString(strings.ReplaceAll(never.body, "INC-9", "INC-1"), "")
		require.Equal(t, want, langs.ReplaceAllString(res.body, ""), path)
	}
	require.Equal(t, 0, h.web.HubCount(), "no reader for a refused page")
	// Without a session: to the sign-in page.
	_, res := h.browser().openStream("/incidents/INC-1/events", "")
	require.Equal(t, http.StatusSeeOther, res.status)
	// A member follows it.
	member := h.signedIn(bob)
	s, _ := member.openStream("/incidents/INC-1/events", "")
	h.message(priv, bob, "member says", "m1")
	require.Contains(t, s.next(t, time.Second).data, "member says")
}

func TestLiveTimelineEndsWhenTheViewerSignsOut(t *testing.T) {
	h := newLiveHarness(t, func(o *web.Options) { o.Recheck = 100 * time.Millisecond; o.Heartbeat = 50 * time.Millisecond })
	h.declare(alice, "Checkout is failing P2")
	b := h.signedIn(bob)
	s, _ := b.openStream("/incidents/INC-1/events", "")
	select {
	case c := <-s.comments:
		require.Equal(t, ": keep-alive", c, "a heartbeat")
	case <-time.After(2 * time.Second):
		t.Fatal("no heartbeat")
	}
	res := b.post("/signout", url.Values{"csrf": {b.csrf()}})
	require.Equal(t, http.StatusSeeOther, res.status)
	select {
	case <-s.ended:
	case <-time.After(2 * time.Second):
		t.Fatal("the stream outlived the session")
	}
	require.Eventually(t, func() bool { return h.web.HubCount() == 0 }, 2*time.Second, 10*time.Millisecond)
}

func TestCloseStopsTheReaders(t *testing.T) {
	h := newLiveHarness(t, func(*web.Options) {})
	h.declare(alice, "Checkout is failing P2")
	h.declare(alice, "Search is slow P3")
	b := h.signedIn(bob)
	var streams []*sse
	for _, p := range []string{"/incidents/INC-1/events", "/incidents/INC-1/events", "/incidents/INC-2/events"} {
		s, _ := b.openStream(p, "")
		streams = append(streams, s)
	}
	require.Equal(t, 2, h.web.HubCount(), "one reader per incident")
	require.NoError(t, h.web.Close(context.Background()))
	for _, s := range streams {
		select {
		case <-s.ended:
		case <-time.After(2 * time.Second):
			t.Fatal("a stream outlived Close")
		}
	}
	require.Equal(t, 0, h.web.HubCount())
	_, res := b.openStream("/incidents/INC-1/events", "")
	require.Equal(t, http.StatusInternalServerError, res.status, "a closed interface follows nothing")
	// No reader and no stream handler is left running.
	require.Eventually(t, func() bool { return running("(*live).run") == 0 && running("(*Server).events") == 0 },
		3*time.Second, 20*time.Millisecond, "goroutines left: %d readers, %d streams", running("(*live).run"), running("(*Server).events"))
}

// running is how many goroutines have fn on their stack.
func running(fn string) int {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "adapters/web."+fn) {
			n++
		}
	}
	return n
}

// The server's WriteTimeout would cut a stream short: each write moves the
// deadline on, so a stream outlives it.
func TestLiveStreamOutlivesTheWriteTimeout(t *testing.T) {
	h := newLiveHarness(t, func(o *web.Options) { o.Heartbeat = 100 * time.Millisecond })
	inc := h.declare(alice, "Checkout is failing P2")
	b := h.signedIn(bob)
	// The same interface behind a server with a short WriteTimeout.
	srv := httptest.NewUnstartedServer(h.web)
	srv.Config.WriteTimeout = 300 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	short := *h
	short.srv = srv
	sb := &browser{h: &short, c: b.c}
	s, _ := sb.openStream("/incidents/INC-1/events", "")
	time.Sleep(time.Second) // over three write timeouts
	h.message(inc, carol, "still there", "m1")
	require.Contains(t, s.next(t, time.Second).data, "still there")
}

// A page filtered by kind gets only those kinds live; the others still
// move its position on, so a reconnection does not send them either.
func TestLiveTimelineKeepsTheKindFilter(t *testing.T) {
	h := newLiveHarness(t, func(*web.Options) {})
	inc := h.declare(alice, "Checkout is failing P2")
	b := h.signedIn(bob)
	path := liveURL(t, b.get("/incidents/INC-1?kind=note").body)
	s, _ := b.openStream(path, "")
	h.message(inc, carol, "chatter", "m1")
	h.say(bob, inc.Channel.ID, "note the provider confirmed")
	ev := s.next(t, time.Second)
	require.Contains(t, ev.data, "the provider confirmed")
	require.NotContains(t, ev.data, "chatter")
	s.none(t, 200*time.Millisecond)
}

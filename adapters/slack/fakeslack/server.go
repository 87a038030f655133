package fakeslack

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/warroomhq/warroom/internal/fakestate"
)

// Identities of the workspace and of the app under test.
const (
	// BotToken is the only bot token (xoxb) the fake accepts.
	BotToken = "xoxb-test-token"
	// AppToken is the only app-level token (xapp) the fake accepts; it is
	// good for apps.connections.open only.
	AppToken = "xapp-test-token"
	// BotUserID is the bot user the bot token belongs to.
	BotUserID = "UBOT"
	// BotID is the bot's bot_id, found on the messages it posts.
	BotID = "BBOT"
	// BotName is the bot user's name.
	BotName = "warroom"
	// TeamID is the workspace ID.
	TeamID = "T0001"
	// TeamDomain is the workspace's subdomain.
	TeamDomain = "warroom-test"
	// TeamName is the workspace's display name.
	TeamName = "Warroom Test"
	// AppID is the app's api_app_id.
	AppID = "A0001"
)

// Server is an in-memory Slack workspace behind an httptest server: a Web API
// that answers like Slack (ok:false errors, 429 with Retry-After), a
// response_url endpoint, and a Socket Mode WebSocket.
//
// All methods are safe for concurrent use. Methods that can fail the test
// (WaitCalls, SendEnvelope, the payload builders) must be called from the
// test's goroutine.
type Server struct {
	t   testing.TB
	cfg config
	srv *httptest.Server

	mu      sync.Mutex
	changes *fakestate.Changes // notified whenever calls, acks or connections change

	calls        []Call
	faults       map[string][]fault
	channels     map[string]*channel
	chanOrder    []string
	users        map[string]*user
	triggers     map[string]time.Time // trigger_id → issued at; moved to usedTriggers once used
	usedTriggers map[string]bool
	views        map[string]*view
	hooks        map[string]*hook // response_url path → state
	responses    []Response
	tickets      map[string]bool // apps.connections.open tickets not yet used
	conns        []*socketConn
	acks         map[string]ack
	seq          struct{ channel, ts, trigger, view, hook, ticket, envelope, conn int }
	// eventSeq numbers the event IDs and the timestamps of the events
	// built for this server (events.go), so that none repeats.
	eventSeq atomic.Int64
}

// Option changes how a Server behaves.
type Option func(*config)

type config struct {
	pingInterval     time.Duration
	triggerTTL       time.Duration
	chatWritePublic  bool
	connectWaitLimit time.Duration
}

// WithPingInterval sets how often the Socket Mode server pings a connected
// client (default 1s). slack-go's socketmode client reconnects when it has not
// been pinged for its OptionPingInterval, so keep this below that.
func WithPingInterval(d time.Duration) Option {
	return func(c *config) { c.pingInterval = d }
}

// WithTriggerTTL sets how long a trigger_id stays good for views.open
// (Slack: 3s, the default). Zero means trigger_ids never expire.
func WithTriggerTTL(d time.Duration) Option {
	return func(c *config) { c.triggerTTL = d }
}

// WithChatWritePublic grants the bot the chat:write.public scope: it may then
// post to public channels it is not a member of. Without it such a post
// answers not_in_channel, as Slack does.
func WithChatWritePublic() Option {
	return func(c *config) { c.chatWritePublic = true }
}

// New starts a fake Slack for t; t.Cleanup closes it and any Socket Mode
// connection.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		t: t,
		cfg: config{
			pingInterval:     time.Second,
			triggerTTL:       3 * time.Second,
			connectWaitLimit: 5 * time.Second,
		},
		faults:       map[string][]fault{},
		channels:     map[string]*channel{},
		users:        map[string]*user{},
		triggers:     map[string]time.Time{},
		usedTriggers: map[string]bool{},
		views:        map[string]*view{},
		hooks:        map[string]*hook{},
		tickets:      map[string]bool{},
		acks:         map[string]ack{},
	}
	s.changes = fakestate.New(&s.mu)
	for _, o := range opts {
		o(&s.cfg)
	}
	s.users[BotUserID] = &user{id: BotUserID, name: BotName, displayName: "", realName: "Warroom", locale: "en-US", isBot: true}

	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("/response/{id}", s.serveResponseURL)
	mux.HandleFunc("/socket", s.serveSocket)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.close)
	return s
}

func (s *Server) close() {
	s.mu.Lock()
	conns := slices.Clone(s.conns)
	s.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
	s.srv.Close()
}

// APIURL is the Web API base for slack.OptionAPIURL, ending in "/", e.g.
// "http://127.0.0.1:34567/api/".
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// URL is the server's root URL, without a trailing slash.
func (s *Server) URL() string { return s.srv.URL }

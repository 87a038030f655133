package faketeams

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/internal/fakestate"
)

// Identities of the tenant, the team and the bot under test.
const (
	// AppID is the bot's Microsoft App ID (its Entra ID application), the
	// audience of inbound tokens and the client_id of outbound ones.
	AppID = "00000000-1111-2222-3333-444444444444"
	// AppPassword is the only client secret the token endpoint accepts.
	AppPassword = "fake-app-password"
	// TenantID is the only tenant the token endpoint knows.
	TenantID = "55555555-6666-7777-8888-999999999999"
	// TeamID is the team's group GUID, the {team-id} of Graph URLs and
	// channelData.team.aadGroupId of inbound activities.
	TeamID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	// TeamThreadID is the team's Bot Framework id, channelData.team.id. As in
	// Teams, it is also the id of the team's General channel.
	TeamThreadID = "19:team@thread.tacv2"
	// TeamName is the team's display name.
	TeamName = "Operations"
	// BotID is the bot's Teams id: "28:" and the App ID.
	BotID = "28:" + AppID
	// BotName is the bot's display name, as in "<at>Warroom</at>".
	BotName = "Warroom"
)

// Server is Microsoft's side of a Teams bot behind one httptest server. See
// the package documentation for what it enforces.
type Server struct {
	t   testing.TB
	cfg config
	srv *httptest.Server

	mu      sync.Mutex
	changes *fakestate.Changes // notified whenever calls or state change

	calls       []Call
	faults      []*fault
	tokens      map[string]*accessToken
	keys        *keySet
	graphDenied bool
	channels    map[string]*channel
	chanOrder   []string
	chats       map[string]*chat // personal and group chats by conversation id
	messages    map[string]*message
	msgOrder    []string
	sends       map[string][]time.Time // rate-limit key → times of accepted sends
	roster      []Member               // the team's members, in order added
	lastID      int64                  // last message id handed out (Unix ms)
	seq         int
}

// Option changes how a Server behaves.
type Option func(*config)

type config struct {
	rateLimits   bool
	channelLimit int
}

// WithoutRateLimits turns off the per-thread Bot Connector limits (7 sends per
// second, 8 per 2 s, 60 per 30 s, 1800 per hour), which are on by default.
// Injected faults still apply.
func WithoutRateLimits() Option { return func(c *config) { c.rateLimits = false } }

// WithChannelLimit sets how many channels the team may hold (General
// included) before Graph refuses to create another; Teams' limit, the
// default, is 200.
func WithChannelLimit(n int) Option { return func(c *config) { c.channelLimit = n } }

// New starts a fake for t; t.Cleanup closes it. The team starts with its
// General channel (id TeamThreadID) and nothing else.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		t:        t,
		cfg:      config{rateLimits: true, channelLimit: 200},
		tokens:   map[string]*accessToken{},
		keys:     newKeySet(),
		channels: map[string]*channel{},
		chats:    map[string]*chat{},
		messages: map[string]*message{},
		sends:    map[string][]time.Time{},
	}
	s.changes = fakestate.New(&s.mu)
	for _, o := range opts {
		o(&s.cfg)
	}
	s.addChannelLocked(&channel{id: TeamThreadID, displayName: "General", membershipType: "standard",
		description: "General channel of " + TeamName})

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/{tenant}/oauth2/v2.0/token", s.serveToken)
	mux.HandleFunc("GET /botframework/v1/.well-known/openidconfiguration", s.serveMetadata)
	mux.HandleFunc("GET /botframework/v1/.well-known/keys", s.serveKeys)
	mux.HandleFunc("POST /connector/v3/conversations", s.connector("connector.createConversation", (*Server).createConversation))
	mux.HandleFunc("POST /connector/v3/conversations/{conversation}/activities", s.connector("connector.send", (*Server).sendActivity))
	mux.HandleFunc("POST /connector/v3/conversations/{conversation}/activities/{activity}", s.connector("connector.reply", (*Server).sendActivity))
	mux.HandleFunc("PUT /connector/v3/conversations/{conversation}/activities/{activity}", s.connector("connector.update", (*Server).updateActivity))
	mux.HandleFunc("DELETE /connector/v3/conversations/{conversation}/activities/{activity}", s.connector("connector.delete", (*Server).deleteActivity))
	mux.HandleFunc("GET /connector/v3/conversations/{conversation}/members", s.connector("connector.members", (*Server).conversationMembers))
	mux.HandleFunc("GET /connector/v3/conversations/{conversation}/members/{member}", s.connector("connector.member", (*Server).conversationMember))
	mux.HandleFunc("GET /connector/v3/teams/{team}", s.connector("connector.team", (*Server).teamDetails))
	mux.HandleFunc("GET /connector/v3/teams/{team}/conversations", s.connector("connector.teamChannels", (*Server).teamChannels))
	mux.HandleFunc("POST /graph/v1.0/teams/{team}/channels", s.graph((*Server).createChannel))
	mux.HandleFunc("GET /graph/v1.0/teams/{team}/channels", s.graph((*Server).listChannels))
	mux.HandleFunc("GET /graph/v1.0/teams/{team}/channels/{channel}/members", s.graphRoute("graph.channelMembers", (*Server).listMembers))
	s.srv = httptest.NewServer(collapseSlashes(mux))
	t.Cleanup(s.srv.Close)
	return s
}

// collapseSlashes turns "//" in a path into "/" before routing. Clients that
// join a serviceUrl ending in "/" with "/v3/..." send "//v3"; ServeMux would
// answer those with a redirect that turns POST into GET.
func collapseSlashes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for strings.Contains(r.URL.Path, "//") {
			r.URL.Path = strings.ReplaceAll(r.URL.Path, "//", "/")
			r.URL.RawPath = strings.ReplaceAll(r.URL.RawPath, "//", "/")
		}
		next.ServeHTTP(w, r)
	})
}

// URL is the server's root, without a trailing slash.
func (s *Server) URL() string { return s.srv.URL }

// ServiceURL is the Bot Connector base that inbound activities carry as
// serviceUrl and tokens as the serviceurl claim; it ends in "/" as Teams'
// ("https://smba.trafficmanager.net/amer/") does. Connector calls go to
// ServiceURL()+"v3/...".
func (s *Server) ServiceURL() string { return s.srv.URL + "/connector/" }

// LoginURL is the MICROSOFT_LOGIN_URL stand-in for
// https://login.microsoftonline.com: tokens come from
// {LoginURL}/{TenantID}/oauth2/v2.0/token.
func (s *Server) LoginURL() string { return s.srv.URL + "/login" }

// TokenURL is the single-tenant token endpoint,
// LoginURL()+"/"+TenantID+"/oauth2/v2.0/token".
func (s *Server) TokenURL() string { return s.LoginURL() + "/" + TenantID + "/oauth2/v2.0/token" }

// GraphURL is the MICROSOFT_GRAPH_URL stand-in for https://graph.microsoft.com:
// channels are created at {GraphURL}/v1.0/teams/{TeamID}/channels.
func (s *Server) GraphURL() string { return s.srv.URL + "/graph" }

// MetadataURL is the TEAMS_OPENID_METADATA_URL stand-in for
// https://login.botframework.com/v1/.well-known/openidconfiguration; its
// jwks_uri points at this server's keys.
func (s *Server) MetadataURL() string {
	return s.srv.URL + "/botframework/v1/.well-known/openidconfiguration"
}

// nextIDLocked hands out a Teams message id: Unix milliseconds, strictly
// increasing within the server, as Teams' ids are ("1616441928474").
func (s *Server) nextIDLocked() string {
	id := time.Now().UnixMilli()
	if id <= s.lastID {
		id = s.lastID + 1
	}
	s.lastID = id
	return fmt.Sprint(id)
}

package teams_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/warroomhq/warroom/adapters/teams"
	"github.com/warroomhq/warroom/adapters/teams/faketeams"
	"github.com/warroomhq/warroom/api"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/internal/httpx"
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
)

const wait = 10 * time.Second

type world struct {
	t         *testing.T
	fake      *faketeams.Server
	st        *store.Store
	svc       *handlers.Service
	endpoint  string
	general   string
	incidents string
	alice     string
	bob       string
	// publicURL, when an option sets it, is the handlers' public URL
	// (what `web` links to).
	publicURL string
}

// newWorld builds the world; opts, when given, change the adapter's
// options once the fake team exists.
func newWorld(t *testing.T, opts ...func(*world, *teams.Options)) *world {
	t.Helper()
	w := &world{t: t, fake: faketeams.New(t, faketeams.WithoutRateLimits()), st: storetest.New(t)}
	w.general = faketeams.TeamThreadID
	w.incidents = w.fake.Channel("incidents")
	w.alice, w.bob = faketeams.UserID("alice"), faketeams.UserID("bob")
	w.fake.AddMember(faketeams.Member{ID: w.alice, Name: "Alice", GivenName: "Alice", Surname: "Abe"})
	w.fake.AddMember(faketeams.Member{ID: w.bob, Name: "Bob", GivenName: "Bob", Surname: "Ito"})
	log := zaptest.NewLogger(t)
	r := bot.NewRouter(bot.Options{Log: log})
	t.Cleanup(func() { _ = r.Close(context.Background()) })
	o := teams.Options{
		AppID: faketeams.AppID, AppPassword: faketeams.AppPassword, TenantID: faketeams.TenantID,
		LoginURL: w.fake.LoginURL(), GraphURL: w.fake.GraphURL(), MetadataURL: w.fake.MetadataURL(),
		ServiceURL: w.fake.ServiceURL(), TeamID: faketeams.TeamID, IncidentsChannel: w.incidents,
		Router: r, Users: w.st, Backoff: 5 * time.Millisecond, Log: log,
	}
	for _, f := range opts {
		f(w, &o)
	}
	svc, err := handlers.New(w.st, r, handlers.Options{Log: log, PublicURL: w.publicURL})
	require.NoError(t, err)
	w.svc = svc
	a, err := teams.New(o)
	require.NoError(t, err)
	r.Register(a)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		if err := a.Messages(rw, req); err != nil {
			var re *httpx.Error
			require.ErrorAs(t, err, &re)
			http.Error(rw, re.Code, re.Status)
		}
	}))
	t.Cleanup(srv.Close)
	w.endpoint = srv.URL
	return w
}

func (w *world) deliver(activity []byte, opts ...faketeams.TokenOption) faketeams.Delivery {
	w.t.Helper()
	return w.fake.Deliver(w.endpoint, activity, opts...)
}

func (w *world) incident(id int64) *bot.Incident {
	w.t.Helper()
	var inc *bot.Incident
	require.Eventually(w.t, func() bool {
		got, err := w.st.Get(context.Background(), id)
		if err != nil || got.Card.IsZero() {
			return false
		}
		inc = got
		return true
	}, wait, 10*time.Millisecond)
	return inc
}

func (w *world) declare(text string) *bot.Incident {
	w.t.Helper()
	msg := w.fake.MessageActivity(w.general, w.alice, "Alice", faketeams.BotMention().Markup()+" "+text, faketeams.BotMention())
	require.Equal(w.t, http.StatusOK, w.deliver(msg).Status)
	return w.incident(1)
}

// cardActivityID is the ID of the incident card's message.
func cardActivityID(inc *bot.Incident) string {
	return inc.Card.ID[strings.LastIndex(inc.Card.ID, "|")+1:]
}

func TestDeclareClickAndTimeline(t *testing.T) {
	w := newWorld(t)
	inc := w.declare("declare Payments failing P1")
	require.Equal(t, bot.P1, inc.Priority)
	require.Equal(t, "Alice", inc.Roles[bot.RoleCommander].Name)
	ch, ok := w.fake.ChannelByName("INC-1 Payments failing")
	require.True(t, ok, "a Graph channel: %+v", w.fake.Channels())
	require.Equal(t, ch.ID, inc.Channel.ID)
	require.NotEmpty(t, inc.Channel.URL)

	card, ok := w.fake.Activity(cardActivityID(inc))
	require.True(t, ok)
	require.Equal(t, []string{"I'll be commander", "Set priority", "Post update", "Resolve"}, card.ActionTitles())

	// People talk in the channel: a message, a reply, an edit, a deletion.
	root := w.fake.MessageActivity(ch.ID, w.bob, "Bob", "DB failover started")
	require.Equal(t, http.StatusOK, w.deliver(root).Status)
	var rootID struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(root, &rootID))
	reply := w.fake.ReplyActivity(ch.ID, rootID.ID, w.alice, "Alice", "replica is catching up")
	require.Equal(t, http.StatusOK, w.deliver(reply).Status)
	require.Equal(t, http.StatusOK, w.deliver(w.fake.EditActivity(ch.ID, rootID.ID, w.bob, "Bob", "DB failover done")).Status)
	var replyID struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(reply, &replyID))
	require.Equal(t, http.StatusOK, w.deliver(w.fake.DeleteActivity(ch.ID, replyID.ID, w.alice)).Status)
	require.Equal(t, http.StatusOK, w.deliver(root).Status, "a re-delivery")

	// The messages are queued; the click below is answered at once, so it
	// waits for them to be recorded first to keep the order asserted.
	require.Eventually(t, func() bool {
		tl, err := w.st.Timeline(context.Background(), 1, store.TimelineQuery{})
		return err == nil && len(tl) >= 6
	}, wait, 10*time.Millisecond)

	// Resolve from the card: the answer is the refreshed card.
	d := w.deliver(w.fake.Click(cardActivityID(inc), w.alice, "Alice", "Resolve", nil))
	require.Equal(t, http.StatusOK, d.Status)
	require.True(t, d.CardReplaced, "the card updates in place: %s", d.Body)
	got, _ := w.st.Get(context.Background(), 1)
	require.Equal(t, bot.StatusResolved, got.Status)
	card, _ = w.fake.Activity(cardActivityID(inc))
	require.Contains(t, card.ActionTitles(), "Reopen")

	var kinds []string
	require.Eventually(t, func() bool {
		tl, err := w.st.Timeline(context.Background(), 1, store.TimelineQuery{})
		require.NoError(t, err)
		kinds = kinds[:0]
		for _, e := range tl {
			kinds = append(kinds, string(e.Kind)+":"+e.Author.Display()+":"+e.Text)
		}
		return len(kinds) >= 7
	}, wait, 20*time.Millisecond)
	require.Equal(t, []string{
		"declared:Alice:Payments failing", "role:Alice:", "message:Bob:DB failover started",
		"message:Alice:replica is catching up", "edit:Bob:DB failover done", "delete:Alice:", "status:Alice:",
	}, kinds)

	// The API shows them in the same order.
	rec := httptest.NewRecorder()
	api.New(w.svc, "", nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/incidents/1/timeline", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "DB failover done")
}

func TestGraphRefusedUsesAThread(t *testing.T) {
	w := newWorld(t)
	w.fake.DenyGraph()
	inc := w.declare("declare Login broken P2")
	require.True(t, strings.HasPrefix(inc.Channel.ID, w.incidents+";messageid="), inc.Channel.ID)
	acts := w.fake.Activities(inc.Channel.ID)
	require.NotEmpty(t, acts)
	require.Contains(t, acts[0].Text, "could not create a channel")

	// A message in that thread is on the incident's timeline.
	root := inc.Channel.ID[strings.Index(inc.Channel.ID, "=")+1:]
	require.Equal(t, http.StatusOK, w.deliver(w.fake.ReplyActivity(w.incidents, root, w.bob, "Bob", "looking at SSO logs")).Status)
	require.Eventually(t, func() bool {
		tl, _ := w.st.Timeline(context.Background(), 1, store.TimelineQuery{})
		return len(tl) > 0 && tl[len(tl)-1].Text == "looking at SSO logs"
	}, wait, 20*time.Millisecond)
}

func TestBadTokensAreRefused(t *testing.T) {
	w := newWorld(t)
	msg := w.fake.MessageActivity(w.general, w.alice, "Alice", faketeams.BotMention().Markup()+" declare Never P1", faketeams.BotMention())
	for name, tc := range map[string]struct {
		opts   []faketeams.TokenOption
		status int
	}{
		"wrong audience":    {[]faketeams.TokenOption{faketeams.WithAudience("someone-else")}, http.StatusForbidden},
		"wrong issuer":      {[]faketeams.TokenOption{faketeams.WithIssuer("https://evil.example")}, http.StatusForbidden},
		"expired":           {[]faketeams.TokenOption{faketeams.WithExpiry(time.Now().Add(-10 * time.Minute))}, http.StatusUnauthorized},
		"bad signature":     {[]faketeams.TokenOption{faketeams.WithOtherKey()}, http.StatusUnauthorized},
		"no serviceUrl":     {[]faketeams.TokenOption{faketeams.WithServiceURL("")}, http.StatusForbidden},
		"other serviceUrl":  {[]faketeams.TokenOption{faketeams.WithServiceURL("https://evil.example/")}, http.StatusForbidden},
		"unknown key":       {[]faketeams.TokenOption{faketeams.WithKID("nobody")}, http.StatusUnauthorized},
		"not endorsed":      {[]faketeams.TokenOption{faketeams.WithUnendorsedKey()}, http.StatusForbidden},
		"claims wrong type": {[]faketeams.TokenOption{faketeams.WithClaim("serviceurl", 42)}, http.StatusForbidden},
	} {
		require.Equal(t, tc.status, w.deliver(msg, tc.opts...).Status, name)
	}
	req, err := http.NewRequest(http.MethodPost, w.endpoint, strings.NewReader(string(msg)))
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusUnauthorized, res.StatusCode, "no token at all")

	for _, junk := range []string{"", "{", `{"type":5}`, `{"type":"message","value":"a string"}`, `[]`} {
		req, err := http.NewRequest(http.MethodPost, w.endpoint, strings.NewReader(junk))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+w.fake.Token())
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		require.Contains(t, []int{http.StatusBadRequest, http.StatusForbidden, http.StatusUnauthorized}, res.StatusCode, junk)
	}
	time.Sleep(100 * time.Millisecond)
	incs, err := w.st.List(context.Background(), store.ListQuery{})
	require.NoError(t, err)
	require.Empty(t, incs, "nothing changed")
	require.Empty(t, w.fake.Calls("graph"))
}

func TestDeclareFormCard(t *testing.T) {
	w := newWorld(t)
	msg := w.fake.MessageActivity(w.general, w.alice, "Alice", faketeams.BotMention().Markup()+" declare", faketeams.BotMention())
	require.Equal(t, http.StatusOK, w.deliver(msg).Status)
	var form faketeams.Activity
	require.Eventually(t, func() bool {
		for _, a := range w.fake.Activities(w.general) {
			if b, _ := json.Marshal(a.Card()); strings.Contains(string(b), `"form":"declare"`) {
				form = a
				return true
			}
		}
		return false
	}, wait, 20*time.Millisecond)
	d := w.deliver(w.fake.Click(form.ID, w.alice, "Alice", form.ActionTitles()[0], map[string]any{"title": "Search down", "priority": "P2"}))
	require.Equal(t, http.StatusOK, d.Status)
	inc := w.incident(1)
	require.Equal(t, "Search down", inc.Title)
	require.Equal(t, bot.P2, inc.Priority)
}

func TestMentionsReactionsAndRetries(t *testing.T) {
	w := newWorld(t)
	w.fake.FailNext("graph.channels", http.StatusTooManyRequests, 1, faketeams.RetryAfter(time.Second))
	w.fake.FailNext("connector.createConversation", http.StatusBadGateway, 1)
	inc := w.declare("declare Queue backlog P2")
	ch := inc.Channel.ID

	// "@Warroom role commander @Bob": Bob's mention becomes the argument.
	bob := faketeams.Mention{ID: w.bob, Name: "Bob"}
	cmd := w.fake.MessageActivity(ch, w.alice, "Alice", faketeams.BotMention().Markup()+" role commander "+bob.Markup(), faketeams.BotMention(), bob)
	require.Equal(t, http.StatusOK, w.deliver(cmd).Status)
	require.Eventually(t, func() bool {
		got, _ := w.st.Get(context.Background(), 1)
		return got.Roles[bot.RoleCommander].ID == w.bob
	}, wait, 20*time.Millisecond)

	// A 📌 reaction flags the message; removing it unflags.
	msg := w.fake.MessageActivity(ch, w.bob, "Bob", "consumer lag 2h")
	require.Equal(t, http.StatusOK, w.deliver(msg).Status)
	var m struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(msg, &m))
	// Other reactions record nothing; a pin is one flag, "pushpin", however
	// the client names it.
	for _, r := range []struct {
		typ   string
		added bool
	}{{"like", true}, {"pushpin", true}, {"heart", true}, {"pin", false}, {"📌", true}, {"like", false}} {
		require.Equal(t, http.StatusOK, w.deliver(w.fake.ReactionActivity(ch, m.ID, w.alice, r.typ, r.added)).Status)
	}
	flags := func() []string {
		tl, err := w.st.Timeline(context.Background(), 1, store.TimelineQuery{})
		require.NoError(t, err)
		var out []string
		for _, e := range tl {
			if e.Kind == bot.KindFlag && e.RefersTo == m.ID {
				out = append(out, e.Data["reaction"]+" "+e.Data["flag"])
			}
		}
		return out
	}
	want := []string{"pushpin on", "pushpin off", "pushpin on"}
	require.Eventually(t, func() bool { return len(flags()) >= len(want) }, wait, 20*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	require.Equal(t, want, flags())

	// The throttled Graph call and the failed send were retried.
	var statuses []int
	for _, c := range w.fake.Calls("graph.channels") {
		statuses = append(statuses, c.Status)
	}
	require.Equal(t, []int{http.StatusTooManyRequests, http.StatusCreated}, statuses)
}

func TestPrivateIncidentNeverGoesPublic(t *testing.T) {
	w := newWorld(t)
	r := bot.NewRouter(bot.Options{})
	t.Cleanup(func() { _ = r.Close(context.Background()) })
	a, err := teams.New(teams.Options{
		AppID: faketeams.AppID, AppPassword: faketeams.AppPassword, TenantID: faketeams.TenantID,
		LoginURL: w.fake.LoginURL(), GraphURL: w.fake.GraphURL(), MetadataURL: w.fake.MetadataURL(),
		ServiceURL: w.fake.ServiceURL(), TeamID: faketeams.TeamID, Router: r,
	})
	require.NoError(t, err)
	_, err = a.CreateChannel(context.Background(), bot.ChannelSpec{Prefix: "inc", ID: 9, Title: "secret", Private: true})
	require.ErrorContains(t, err, "TEAMS_PRIVATE_CHANNEL")
	require.Empty(t, w.fake.Calls("graph"), "nothing was created in public")

	private := w.fake.Channel("restricted")
	a, err = teams.New(teams.Options{
		AppID: faketeams.AppID, AppPassword: faketeams.AppPassword, TenantID: faketeams.TenantID,
		LoginURL: w.fake.LoginURL(), GraphURL: w.fake.GraphURL(), MetadataURL: w.fake.MetadataURL(),
		ServiceURL: w.fake.ServiceURL(), TeamID: faketeams.TeamID, PrivateChannel: private, Router: r,
	})
	require.NoError(t, err)
	ch, err := a.CreateChannel(context.Background(), bot.ChannelSpec{Prefix: "inc", ID: 9, Title: "secret", Private: true})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(ch.ID, private+";messageid="), "a thread in the restricted channel")
	require.Empty(t, w.fake.Calls("graph"))
}

// A title carrying a right-to-left override and a zero-width space leaves
// Warroom without them, in every request made to Teams (the Graph
// channel, the card, the notification summary, the announcement); the
// timeline keeps the title as typed.
func TestHostileTitleShownSafely(t *testing.T) {
	w := newWorld(t)
	title := "pay\u202Egpj.exe \u200Bnow"
	inc := w.declare("declare " + title + " P2")
	require.Equal(t, title, inc.Title, "stored as typed")
	_, ok := w.fake.ChannelByName("INC-1 paygpj.exe now")
	require.True(t, ok, "the channel's name is visible text: %+v", w.fake.Channels())

	var sent strings.Builder
	for _, c := range append(w.fake.Calls("connector."), w.fake.Calls("graph.")...) {
		b, err := json.Marshal(c.Body)
		require.NoError(t, err)
		sent.Write(b)
	}
	require.Contains(t, sent.String(), "paygpj.exe now")
	for _, r := range []rune{'\u202E', '\u200B'} {
		require.NotContains(t, sent.String(), string(r), "%U sent to Teams", r)
	}

	tl, err := w.st.Timeline(context.Background(), inc.ID, store.TimelineQuery{})
	require.NoError(t, err)
	require.Equal(t, title, tl[0].Text, "the timeline keeps the original bytes")
}

// The adapter names an incident's channel "INC-<n> <title>" from the
// spec's ID and title (never from a name), fitted to Teams' rules: at most
// 50 characters (a long Japanese title is cut, and so is it with the " 2"
// of a taken name), no forbidden character; Graph also refuses commas and
// "..", which an incident thread keeps.
func TestChannelDisplayNames(t *testing.T) {
	w := newWorld(t)
	r := bot.NewRouter(bot.Options{})
	t.Cleanup(func() { _ = r.Close(context.Background()) })
	options := teams.Options{
		AppID: faketeams.AppID, AppPassword: faketeams.AppPassword, TenantID: faketeams.TenantID,
		LoginURL: w.fake.LoginURL(), GraphURL: w.fake.GraphURL(), MetadataURL: w.fake.MetadataURL(),
		ServiceURL: w.fake.ServiceURL(), TeamID: faketeams.TeamID, Router: r,
	}
	graph, err := teams.New(options)
	require.NoError(t, err)
	options.TeamID, options.IncidentsChannel = "", w.incidents
	threads, err := teams.New(options)
	require.NoError(t, err)

	day := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	japanese := strings.Repeat("決済サービスで障害が発生しています", 5)
	runes := []rune(japanese)
	for _, tc := range []struct {
		name   string
		thread bool
		spec   bot.ChannelSpec
		want   string
	}{
		{"words", false, bot.ChannelSpec{Prefix: "inc", ID: 41, Title: "Checkout is failing", Date: day}, "INC-41 Checkout is failing"},
		{"long Japanese title at 50", false, bot.ChannelSpec{Prefix: "inc", ID: 42, Title: japanese, Date: day}, "INC-42 " + string(runes[:43])},
		{"long Japanese title taken", false, bot.ChannelSpec{Prefix: "inc", ID: 42, Title: japanese, Date: day}, "INC-42 " + string(runes[:41]) + " 2"},
		{"forbidden characters", false, bot.ChannelSpec{Prefix: "inc", ID: 43, Title: `Disk 90% full: /var & /tmp <prod> "db"`, Date: day}, "INC-43 Disk 90 full var tmp prod db"},
		{"comma and two periods", false, bot.ChannelSpec{Prefix: "inc", ID: 44, Title: "Deploy v2..3, rolled back.", Date: day}, "INC-44 Deploy v2.3 rolled back"},
		{"a prefix with a dash", false, bot.ChannelSpec{Prefix: "ops-inc", ID: 45, Title: "API down", Date: day}, "INC-45 API down"},
		{"no title", false, bot.ChannelSpec{Prefix: "inc", ID: 46, Date: day}, "INC-46 inc-20261125-46"},
		{"a thread keeps its comma", true, bot.ChannelSpec{Prefix: "inc", ID: 47, Title: "Disk full, API down", Date: day}, "INC-47 Disk full, API down"},
		{"long Japanese thread at 50", true, bot.ChannelSpec{Prefix: "inc", ID: 48, Title: japanese, Date: day}, "INC-48 " + string(runes[:43])},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := graph
			if tc.thread {
				a = threads
			}
			ch, err := a.CreateChannel(context.Background(), tc.spec)
			require.NoError(t, err)
			require.Equal(t, tc.want, ch.Name)
			require.LessOrEqual(t, len([]rune(ch.Name)), 50)
			if tc.thread {
				require.True(t, strings.HasPrefix(ch.ID, w.incidents+";messageid="), "a thread in the incidents channel")
				return
			}
			got, ok := w.fake.ChannelByName(tc.want)
			require.True(t, ok, "created through Graph as %q: %+v", tc.want, w.fake.Channels())
			require.Equal(t, ch.ID, got.ID)
			require.Equal(t, tc.spec.Title, got.Description)
		})
	}
}

// People's names live in the users cache (the store), not in one process:
// a replica that never saw Carol mentions her by name, and her deletion,
// which carries no name, is recorded under it. Without a cache the user
// ID stands in.
func TestNamesFromTheUsersCache(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	inc := w.declare("declare Queue backlog P3")
	ch := inc.Channel.ID
	carol := faketeams.UserID("carol")
	msg := w.fake.MessageActivity(ch, carol, "Carol Tanaka", "consumer lag 2h")
	require.Equal(t, http.StatusOK, w.deliver(msg).Status)
	p, ok, err := w.st.CachedUser(ctx, teams.Name, carol)
	require.NoError(t, err)
	require.True(t, ok, "learnt from her activity")
	require.Equal(t, "Carol Tanaka", p.Name)

	r := bot.NewRouter(bot.Options{})
	t.Cleanup(func() { _ = r.Close(context.Background()) })
	replica := func(users teams.UserCache) *teams.Adapter {
		a, err := teams.New(teams.Options{
			AppID: faketeams.AppID, AppPassword: faketeams.AppPassword, TenantID: faketeams.TenantID,
			LoginURL: w.fake.LoginURL(), GraphURL: w.fake.GraphURL(), MetadataURL: w.fake.MetadataURL(),
			ServiceURL: w.fake.ServiceURL(), TeamID: faketeams.TeamID, Router: r, Users: users,
		})
		require.NoError(t, err)
		return a
	}
	require.NoError(t, replica(w.st).Invite(ctx, ch, []string{carol}))
	require.True(t, containsText(w.fake.Activities(ch), "<at>Carol Tanaka</at>"), "another replica knows her name")
	require.NoError(t, replica(nil).Invite(ctx, ch, []string{faketeams.UserID("dave")}))
	require.True(t, containsText(w.fake.Activities(ch), "<at>"+faketeams.UserID("dave")+"</at>"), "no cache, no name")

	var m struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(msg, &m))
	require.Equal(t, http.StatusOK, w.deliver(w.fake.DeleteActivity(ch, m.ID, carol)).Status)
	require.Eventually(t, func() bool {
		tl, err := w.st.Timeline(ctx, inc.ID, store.TimelineQuery{})
		require.NoError(t, err)
		last := tl[len(tl)-1]
		return last.Kind == bot.KindDelete && last.Author == bot.User{ID: carol, Name: "Carol Tanaka"}
	}, wait, 20*time.Millisecond)
}

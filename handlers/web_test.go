package handlers

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

var signInLink = regexp.MustCompile(`https://warroom\.example\.com/signin/([A-Za-z0-9_-]{43})`)

// signInToken finds the sign-in link in the last reply, checks it is the
// same in the text and the button, and returns its token.
func (e *env) signInToken() string {
	e.t.Helper()
	c, ok := e.p.Last("Reply")
	require.True(e.t, ok, "no reply")
	m := signInLink.FindStringSubmatch(c.Msg.Text)
	require.NotNil(e.t, m, "a sign-in link in %q", c.Msg.Text)
	require.Len(e.t, c.Msg.Buttons, 1)
	require.Equal(e.t, m[0], c.Msg.Buttons[0].URL)
	require.True(e.t, c.Msg.NoUnfurl, "the link is sent with unfurling off")
	return m[1]
}

func TestWebWithoutPublicURL(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(e.alice, "CGEN", "web")
	require.Contains(t, e.lastReply(), "WARROOM_PUBLIC_URL")
	c, _ := e.p.Last("Reply")
	require.Equal(t, e.alice, c.User, "only the asker is told")
	require.Empty(t, e.p.Calls("Post"))
	keys, err := ownKeys(t, e.st, "signin")
	require.NoError(t, err)
	require.Empty(t, keys, "no link was made")
}

func TestWebSignInLink(t *testing.T) {
	e := newEnv(t, Options{PublicURL: "https://warroom.example.com/"})
	ctx := context.Background()
	e.must(e.alice, "CGEN", "web")
	c, _ := e.p.Last("Reply")
	require.Equal(t, e.alice, c.User)
	require.Contains(t, c.Msg.Text, "sign in as alice")
	require.Contains(t, c.Msg.Text, "10 minutes")
	require.Empty(t, e.p.Calls("Post"), "nothing in the channel")
	token := e.signInToken()

	in, err := e.st.ConsumeSignIn(ctx, token)
	require.NoError(t, err)
	require.Equal(t, bot.SignIn{Viewer: bot.Viewer{Platform: "test", User: e.alice, Lang: bot.English}}, in)
	_, err = e.st.ConsumeSignIn(ctx, token)
	require.ErrorIs(t, err, bot.ErrNotFound, "single use")

	// Naming an incident, or asking from its channel, opens it.
	inc := e.declare("Checkout is failing P2")
	for _, run := range []struct{ channel, line string }{{"CGEN", "web INC-1"}, {"CGEN", "INC-1 web"}, {inc.Channel.ID, "web"}} {
		e.must(e.bob, run.channel, run.line)
		in, err := e.st.ConsumeSignIn(ctx, e.signInToken())
		require.NoError(t, err)
		require.Equal(t, inc.ID, in.Incident, run.line)
		require.Equal(t, e.bob, in.User)
		require.Contains(t, e.lastReply(), "INC-1")
	}
}

func TestWebSignInLinkInJapanese(t *testing.T) {
	e := newEnv(t, Options{PublicURL: "https://warroom.example.com"})
	require.NoError(t, e.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.alice, Channel: "CGEN", Text: "web", Locale: "ja"}))
	c, _ := e.p.Last("Reply")
	require.Equal(t, bot.T(bot.Japanese, "web.title"), c.Msg.Title)
	require.Contains(t, c.Msg.Text, "alice さんとしてサインイン")
	require.Contains(t, c.Msg.Text, "10 分間")
	in, err := e.st.PeekSignIn(context.Background(), e.signInToken())
	require.NoError(t, err)
	require.Equal(t, bot.Japanese, in.Lang)

	e2 := newEnv(t, Options{})
	require.NoError(t, e2.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: e.alice, Channel: "CGEN", Text: "web", Locale: "ja"}))
	require.Contains(t, e2.lastReply(), "WARROOM_PUBLIC_URL（例")
}

// The link for a private incident asked by an outsider is refused word for
// word as for a number never used, and makes no link.
func TestWebPrivateIncidentLinkForOutsider(t *testing.T) {
	e := newPrivateEnv(t, Options{PublicURL: "https://warroom.example.com"})
	before := e.timeline(e.priv.ID)
	never, neverErr := e.reply(e.carol, "CGEN", "web INC-99")
	require.Equal(t, bot.CodeNotFound, bot.CodeOf(neverErr))
	got, err := e.reply(e.carol, "CGEN", "web INC-1")
	require.Equal(t, bot.CodeNotFound, bot.CodeOf(err))
	require.Equal(t, strings.ReplaceAll(never, "INC-99", "INC-1"), got, "word for word")
	keys, kerr := ownKeys(t, e.st, "signin")
	require.NoError(t, kerr)
	require.Empty(t, keys, "no link was made")
	require.Equal(t, before, e.timeline(e.priv.ID))

	// bob is in its audience.
	e.must(e.bob, "CGEN", "web INC-1")
	in, ierr := e.st.ConsumeSignIn(context.Background(), e.signInToken())
	require.NoError(t, ierr)
	require.Equal(t, e.priv.ID, in.Incident)
}

func TestWebIncidentsHonourTheAudience(t *testing.T) {
	e := newPrivateEnv(t, Options{Admins: []string{"UADM"}})
	ctx := context.Background()
	keys := func(p bot.IncidentPage) []string {
		var out []string
		for _, inc := range p.Incidents {
			out = append(out, inc.Key())
		}
		return out
	}
	carol := bot.Viewer{Platform: "test", User: e.carol}
	bob := bot.Viewer{Platform: "test", User: e.bob}
	bobElsewhere := bot.Viewer{Platform: "other", User: e.bob}

	page, err := e.svc.Incidents(ctx, carol, bot.IncidentQuery{})
	require.NoError(t, err)
	require.Equal(t, []string{"INC-2"}, keys(page))
	require.Equal(t, 1, page.Total)
	require.Equal(t, map[bot.Status]int{bot.StatusInvestigating: 1}, page.Counts, "the private one is not counted")

	page, err = e.svc.Incidents(ctx, bobElsewhere, bot.IncidentQuery{})
	require.NoError(t, err)
	require.Equal(t, []string{"INC-2"}, keys(page), "the same ID on another platform is someone else")

	page, err = e.svc.Incidents(ctx, bob, bot.IncidentQuery{})
	require.NoError(t, err)
	require.Equal(t, []string{"INC-2", "INC-1"}, keys(page))
	require.Equal(t, 2, page.Total)
	require.Equal(t, 2, sum(page.Counts), "a member counts theirs")
	page, err = e.svc.Incidents(ctx, carol, bot.IncidentQuery{Statuses: []bot.Status{e.priv.Status}, Priorities: []bot.Priority{e.priv.Priority}})
	require.NoError(t, err)
	require.NotContains(t, keys(page), "INC-1", "filtered to the private one's facet, still nothing of it")
	require.Equal(t, len(page.Incidents), sum(page.Counts))

	// The search is chat's: the private incident's messages are indexed,
	// yet an outsider's search does not find it.
	page, err = e.svc.Incidents(ctx, carol, bot.IncidentQuery{Text: "hunter2zebra"})
	require.NoError(t, err)
	require.Empty(t, page.Incidents)
	require.Empty(t, page.Counts)
	page, err = e.svc.Incidents(ctx, bob, bot.IncidentQuery{Text: "hunter2zebra"})
	require.NoError(t, err)
	require.Equal(t, []string{"INC-1"}, keys(page))

	before := e.timeline(e.priv.ID)
	_, err = e.svc.Incident(ctx, carol, e.priv.ID)
	require.ErrorIs(t, err, bot.ErrNotFound)
	_, neverErr := e.svc.Incident(ctx, carol, 99)
	require.ErrorIs(t, neverErr, bot.ErrNotFound)
	_, _, _, err = e.svc.IncidentTimeline(ctx, carol, e.priv.ID, 20)
	require.ErrorIs(t, err, bot.ErrNotFound)
	require.Equal(t, before, e.timeline(e.priv.ID))

	inc, err := e.svc.Incident(ctx, bob, e.priv.ID)
	require.NoError(t, err)
	require.Equal(t, e.priv.ID, inc.ID)
	got, entries, total, err := e.svc.IncidentTimeline(ctx, bob, e.priv.ID, 20)
	require.NoError(t, err)
	require.Equal(t, inc, got)
	require.EqualValues(t, len(before), total)
	require.Equal(t, before[len(before)-1].Text, entries[len(entries)-1].Text)

	// An admin outside the audience sees it, and the look is written.
	admin := bot.Viewer{Platform: "test", User: bot.User{ID: "UADM", Name: "root"}}
	page, err = e.svc.Incidents(ctx, admin, bot.IncidentQuery{})
	require.NoError(t, err)
	require.Equal(t, []string{"INC-2", "INC-1"}, keys(page))
	require.Equal(t, 2, sum(page.Counts))
	_, _, _, err = e.svc.IncidentTimeline(ctx, admin, e.priv.ID, 20)
	require.NoError(t, err)
	tl := e.timeline(e.priv.ID)
	require.Len(t, tl, len(before)+1, "one look, one entry")
	last := tl[len(tl)-1]
	require.Equal(t, bot.KindAccess, last.Kind)
	require.Equal(t, "web", last.Data["command"])
	require.Equal(t, "UADM", last.Author.ID)
}

func TestWebIncidentsFilters(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	e.declare("決済が失敗している P1")
	e.now = e.now.Add(24 * time.Hour)
	e.declare("Search is slow P3")
	e.must(e.alice, "CGEN", "INC-2 resolve index rebuilt")
	e.now = e.now.Add(24 * time.Hour)
	e.declare("Login page down P2")
	v := bot.Viewer{Platform: "test", User: e.carolish()}
	keys := func(q bot.IncidentQuery) []string {
		t.Helper()
		page, err := e.svc.Incidents(ctx, v, q)
		require.NoError(t, err)
		var out []string
		for _, inc := range page.Incidents {
			out = append(out, inc.Key())
		}
		return out
	}
	require.Equal(t, []string{"INC-3", "INC-2", "INC-1"}, keys(bot.IncidentQuery{}))
	require.Equal(t, []string{"INC-3", "INC-1"}, keys(bot.IncidentQuery{Statuses: []bot.Status{bot.StatusInvestigating}}))
	require.Equal(t, []string{"INC-3", "INC-1"}, keys(bot.IncidentQuery{Priorities: []bot.Priority{bot.P1, bot.P2}}))
	require.Equal(t, []string{"INC-3", "INC-2", "INC-1"}, keys(bot.IncidentQuery{Source: "manual"}))
	require.Empty(t, keys(bot.IncidentQuery{Source: "alert"}))
	day := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	require.Equal(t, []string{"INC-2"}, keys(bot.IncidentQuery{Since: day, Until: day.Add(24 * time.Hour)}))
	require.Equal(t, []string{"INC-1"}, keys(bot.IncidentQuery{Text: "決済"}), "Japanese-aware search")

	page, err := e.svc.Incidents(ctx, v, bot.IncidentQuery{Statuses: []bot.Status{bot.StatusResolved}})
	require.NoError(t, err)
	require.Equal(t, map[bot.Status]int{bot.StatusInvestigating: 2, bot.StatusResolved: 1}, page.Counts, "counts ignore the status filter")
	require.Equal(t, 1, page.Total)

	page, err = e.svc.Incidents(ctx, v, bot.IncidentQuery{PerPage: 2, Page: 2})
	require.NoError(t, err)
	require.Equal(t, 2, page.Pages)
	require.Equal(t, 2, page.Page)
	require.Equal(t, 3, page.Total)
	require.Len(t, page.Incidents, 1)
	require.Equal(t, "INC-1", page.Incidents[0].Key())
	page, err = e.svc.Incidents(ctx, v, bot.IncidentQuery{PerPage: 2, Page: 9})
	require.NoError(t, err)
	require.Equal(t, 2, page.Page, "past the end is the last page")
}

// sum is the sum of counts.
func sum(counts map[bot.Status]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// carolish is someone with no part in any incident.
func (e *env) carolish() bot.User { return bot.User{ID: "U3", Name: "carol"} }

// ownKeys lists this test's keys (its store's prefix, made by storetest
// from the test's name) of one kind ("signin", "session"), and not those
// of other tests sharing the Redis.
func ownKeys(t *testing.T, st *store.Store, kind string) ([]string, error) {
	name := regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(t.Name(), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	return st.Client().Keys(context.Background(), "test:"+name+":*:"+kind+":*").Result()
}

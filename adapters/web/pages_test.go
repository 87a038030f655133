package web_test

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/console"
	"github.com/warroomhq/warroom/adapters/web"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/store"
)

// rows are the incident keys the dashboard lists, in order.
func rows(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<td data-label="ID"><a href="/incidents/(INC-\d+)">`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// privateWorld has a private incident INC-1 (alice leads, bob is in it,
// a secret said in its channel) and a public one, INC-2.
func privateWorld(t *testing.T) (*harness, *bot.Incident) {
	h := newHarness(t)
	priv := h.declare(alice, "Payroll data exposed P1 <@U2|bob> private")
	require.True(t, priv.Private)
	require.NoError(t, h.r.Serve(context.Background(), bot.Event{Kind: bot.EventMessage, Platform: "test", Channel: priv.Channel.ID,
		User: bob, Text: "the password was hunter2zebra", Ref: "m1"}))
	h.declare(alice, "Search is slow P3")
	return h, priv
}

func TestDashboardHidesPrivateIncidentsFromOutsiders(t *testing.T) {
	h, _ := privateWorld(t)
	outsider := h.signedIn(carol)
	res := outsider.get("/")
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, []string{"INC-2"}, rows(res.body))
	require.NotContains(t, res.body, "Payroll")
	require.Contains(t, res.body, "1 incidents")
	require.Contains(t, res.body, `investigating <span class="n">1</span>`, "the private one is not counted")
	for _, q := range []string{"/?q=hunter2zebra", "/?q=Payroll", "/?priority=P1", "/?status=investigating"} {
		res := outsider.get(q)
		require.Equal(t, http.StatusOK, res.status, q)
		require.NotContains(t, res.body, "INC-1", q)
		require.NotContains(t, res.body, "Payroll data", q)
		require.NotContains(t, rows(res.body), "INC-1", q)
	}

	member := h.signedIn(bob)
	require.Equal(t, []string{"INC-2", "INC-1"}, rows(member.get("/").body))
	res = member.get("/?q=hunter2zebra")
	require.Equal(t, []string{"INC-1"}, rows(res.body))
	require.Contains(t, res.body, `<span class="badge">private</span>`)
}

func TestIncidentPageHidesPrivateIncidentsFromOutsiders(t *testing.T) {
	h, priv := privateWorld(t)
	before, err := h.st.TimelineLen(context.Background(), priv.ID)
	require.NoError(t, err)
	outsider := h.signedIn(carol)
	never := outsider.get("/incidents/INC-9")
	require.Equal(t, http.StatusNotFound, never.status)
	require.Contains(t, never.body, "There is no incident INC-9.")
	for _, path := range []string{"/incidents/INC-1", "/incidents/1", "/incidents/inc-1"} {
		res := outsider.get(path)
		require.Equal(t, http.StatusNotFound, res.status, path)
		// Byte for byte what a number never used gets (but for the
		// language switch's link to the path asked).
		want := strings.ReplaceAll(strings.ReplaceAll(never.body, "INC-9", "INC-1"), "/incidents/INC-1?lang", path+"?lang")
		require.Equal(t, want, res.body, path)
		require.NotContains(t, res.body, "Payroll")
	}
	after, err := h.st.TimelineLen(context.Background(), priv.ID)
	require.NoError(t, err)
	require.Equal(t, before, after, "nothing written")

	member := h.signedIn(bob)
	res := member.get("/incidents/1")
	require.Equal(t, http.StatusOK, res.status)
	require.Contains(t, res.body, "<h1>INC-1: Payroll data exposed</h1>")
	require.Contains(t, res.body, "the password was hunter2zebra")
	require.Equal(t, strings.Replace(res.body, "/incidents/1?lang", "/incidents/INC-1?lang", 1), member.get("/incidents/INC-1").body)
}

func TestIncidentPage(t *testing.T) {
	h := newHarness(t)
	inc := h.declare(alice, "Checkout is failing P2")
	h.now = h.now.Add(90 * time.Second)
	require.NoError(t, h.r.Serve(context.Background(), bot.Event{Kind: bot.EventMessage, Platform: "test", Channel: inc.Channel.ID,
		User: bob, Text: "payments return <b>502</b>", Ref: "m1"}))
	h.say(bob, inc.Channel.ID, "note the provider confirmed an outage")
	h.now = h.now.Add(30 * time.Minute)
	h.say(alice, inc.Channel.ID, "resolve rolled back")
	b := h.signedIn(bob)
	res := b.get("/incidents/INC-1")
	require.Equal(t, http.StatusOK, res.status)
	body := res.body
	require.Contains(t, body, "<title>INC-1: Checkout is failing · Warroom</title>")
	require.Contains(t, body, `<span class="status status-resolved">resolved</span>`)
	require.Contains(t, body, `<span class="priority">P2 (high)</span>`)
	require.Contains(t, body, bot.T(bot.English, "criteria.P2"))
	require.Contains(t, body, "<dt>Commander</dt><dd>alice</dd>")
	require.Contains(t, body, "<dt>Scribe</dt><dd>(nobody)</dd>")
	require.Contains(t, body, "<dt>Opened</dt><dd>2026-11-25 10:00 UTC</dd>")
	require.Contains(t, body, "<dt>Time to resolve</dt><dd>31m</dd>")
	require.Contains(t, body, "payments return &lt;b&gt;502&lt;/b&gt;", "escaped")
	require.Regexp(t, `<li id="e-[0-9]+-[0-9]+" data-id="[0-9]+-[0-9]+" class="kind-note key">`, body, "the note is a key event")
	require.Contains(t, body, "the provider confirmed an outage")

	b.lang = "ja"
	body = b.get("/incidents/INC-1").body
	require.Contains(t, body, "<dt>指揮者</dt><dd>alice</dd>")
	require.Contains(t, body, "解決済み")
	require.Contains(t, body, "タイムライン")

	res = b.get("/incidents/INC-0")
	require.Equal(t, http.StatusNotFound, res.status)
	res = b.get("/incidents/abc")
	require.Equal(t, http.StatusNotFound, res.status)
	require.Contains(t, res.body, "このページは存在しません")
}

func TestDashboardFiltersAndPages(t *testing.T) {
	h := newHarness(t)
	for i := range 27 {
		if i == 3 {
			h.now = h.now.Add(48 * time.Hour)
		}
		h.declare(alice, "Disk full on node "+string(rune('a'+i%26))+" P3")
	}
	h.declare(alice, "決済が失敗している P1")
	h.say(alice, "CGEN", "INC-2 resolve cleaned up")
	b := h.signedIn(alice)

	res := b.get("/")
	require.Len(t, rows(res.body), 25)
	require.Equal(t, "INC-28", rows(res.body)[0])
	require.Contains(t, res.body, "28 incidents")
	require.Contains(t, res.body, "Page 1 of 2")
	require.Contains(t, res.body, `href="/?page=2" rel="next"`)
	res = b.get("/?page=2")
	require.Equal(t, []string{"INC-3", "INC-2", "INC-1"}, rows(res.body))
	require.Contains(t, res.body, `href="/?page=1" rel="prev"`)

	require.Equal(t, []string{"INC-28"}, rows(b.get("/?q=決済").body), "Japanese-aware search")
	require.Equal(t, []string{"INC-28"}, rows(b.get("/?priority=P1").body))
	require.Equal(t, []string{"INC-2"}, rows(b.get("/?status=resolved").body))
	res = b.get("/?status=resolved")
	require.Contains(t, res.body, `investigating <span class="n">27</span>`, "counts keep the other statuses")
	require.Contains(t, res.body, `<a href="/?status=resolved" aria-current="true">resolved <span class="n">1</span>`)
	require.Len(t, rows(b.get("/?status=open").body), 25)
	require.Equal(t, []string{"INC-3", "INC-2", "INC-1"}, rows(b.get("/?until=2026-11-25").body))
	require.Len(t, rows(b.get("/?since=2026-11-27&until=2026-11-27").body), 25)
	require.Empty(t, rows(b.get("/?source=alert").body))
	require.Contains(t, b.get("/?source=alert").body, "No incidents match.")
	res = b.get("/?source=manual&priority=P3&page=2")
	require.Equal(t, []string{"INC-2", "INC-1"}, rows(res.body))
	require.Contains(t, res.body, `<option value="P3" selected>`)
	require.Contains(t, res.body, `href="/?page=1&amp;priority=P3&amp;source=manual" rel="prev"`)

	for q, want := range map[string]string{
		"/?since=2026-13-01":              "From: “2026-13-01” is not a date; use the form YYYY-MM-DD.",
		"/?status=burning":                "Status: “burning” is not one of the choices.",
		"/?priority=sev9":                 "Priority: “sev9” is not one of the choices.",
		"/?page=-1":                       "Page: “-1” is not a page number.",
		"/?q=" + strings.Repeat("x", 201): "Search: at most 200 characters.",
		"/?source=%3Cscript%3E":           "Source: “&lt;script&gt;” is not one of the choices.",
	} {
		res := b.get(q)
		require.Equal(t, http.StatusBadRequest, res.status, q)
		require.Contains(t, res.body, want, q)
		require.NotContains(t, rows(res.body), "INC-1", q)
	}
	b.lang = "ja"
	res = b.get("/?since=yesterday")
	require.Equal(t, http.StatusBadRequest, res.status)
	require.Contains(t, res.body, "開始日: 「yesterday」は日付ではありません。")
}

func TestHostileTitleIsEscaped(t *testing.T) {
	h := newHarness(t)
	h.declare(alice, `<script>alert(1)</script> "quoted" P2`)
	b := h.signedIn(alice)
	for _, path := range []string{"/", "/incidents/INC-1"} {
		body := b.get(path).body
		require.NotContains(t, body, "<script>alert(1)</script>", path)
		require.Contains(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;", path)
	}
}

// The first story: in the console, declare, ask for the web link,
// and the browser signs in as the console's user and shows the incident.
func TestConsoleSignInStory(t *testing.T) {
	h := newHarness(t)
	var out bytes.Buffer
	script := "/incident declare Checkout is failing P2\n/incident web\n"
	c, err := console.New(console.Options{In: strings.NewReader(script), Out: &out, User: "alice", Lang: bot.English})
	require.NoError(t, err)
	h.r.Register(c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, c.Run(ctx, h.r))
	link := linkRE.FindString(out.String())
	require.NotEmpty(t, link, out.String())

	b := h.browser()
	res := b.signIn(link)
	require.Equal(t, http.StatusSeeOther, res.status)
	require.Equal(t, "/incidents/INC-1", res.header.Get("Location"), "asked in the incident's channel")
	page := b.get("/incidents/INC-1")
	require.Equal(t, http.StatusOK, page.status)
	require.Contains(t, page.body, "<h1>INC-1: Checkout is failing</h1>")
	require.Contains(t, page.body, "Signed in as alice (console)")
	require.Contains(t, page.body, "<dt>Commander</dt><dd>alice</dd>")
}

// An incident an alert opened shows where it came from, its labels and
// its links; a link that is not http(s) is left out.
func TestIncidentPageOfAnAlert(t *testing.T) {
	h := newHarnessOpts(t, handlers.Options{AlertPlatform: "test"}, func(*web.Options) {})
	a := &bot.Alert{Source: "alertmanager", DedupKey: "g1", Status: bot.AlertFiring, Title: "HighErrorRate", Priority: bot.P2,
		Labels: map[string]string{"alertname": "HighErrorRate", "service": "checkout"},
		Links:  []bot.Link{{Title: "Runbook", URL: "https://runbooks.example/checkout"}, {Title: "Evil", URL: "javascript:alert(1)"}},
		Items:  []bot.AlertItem{{Fingerprint: "f1", Status: bot.AlertFiring, Summary: "5xx above 5%"}}}
	require.NoError(t, h.r.Serve(context.Background(), bot.Event{Kind: bot.EventAlert, Alert: a}))
	body := h.signedIn(alice).get("/incidents/INC-1").body
	require.Contains(t, body, `<span class="status status-triage">triage</span>`)
	require.Contains(t, body, "<dt>Source</dt><dd>alertmanager</dd><dt>alertname</dt><dd>HighErrorRate</dd><dt>service</dt><dd>checkout</dd>")
	require.Contains(t, body, `<a href="https://runbooks.example/checkout" rel="noreferrer noopener">Runbook</a>`)
	require.NotContains(t, body, "Evil")
	require.NotContains(t, body, "javascript:")
}

// An admin outside a private incident's audience sees its page, and the
// look is written on its timeline once.
func TestAdminLookIsWritten(t *testing.T) {
	h := newHarnessOpts(t, handlers.Options{Admins: []string{"UADM"}}, func(*web.Options) {})
	priv := h.declare(alice, "Payroll data exposed P1 private")
	admin := h.signedIn(bot.User{ID: "UADM", Name: "root"})
	res := admin.get("/incidents/INC-1")
	require.Equal(t, http.StatusOK, res.status)
	tl, err := h.st.Timeline(context.Background(), priv.ID, store.TimelineQuery{})
	require.NoError(t, err)
	var looks int
	for _, e := range tl {
		if e.Kind == bot.KindAccess {
			looks++
			require.Equal(t, "web", e.Data["command"])
			require.Equal(t, "UADM", e.Author.ID)
		}
	}
	require.Equal(t, 1, looks)
}

// stubCalls is a call provider that makes one meeting per call.
type stubCalls struct{}

func (stubCalls) Name() string { return "Zoom" }
func (stubCalls) CreateCall(_ context.Context, spec bot.CallSpec) (bot.Call, error) {
	return bot.Call{ID: "1", JoinURL: "https://zoom.example/j/1?pwd=" + spec.Incident}, nil
}

// The incident page shows its call's join link to its audience; for
// anyone else a private incident, link and all, does not exist.
func TestIncidentPageJoinCall(t *testing.T) {
	h := newHarnessOpts(t, handlers.Options{Calls: handlers.Calls{Provider: stubCalls{}}}, func(*web.Options) {})
	priv := h.declare(alice, "Payroll data exposed P1 private")
	require.Eventually(t, func() bool {
		inc, err := h.st.Get(context.Background(), priv.ID)
		return err == nil && inc.CallURL != ""
	}, 10*time.Second, 5*time.Millisecond)
	body := h.signedIn(alice).get("/incidents/INC-1").body
	require.Contains(t, body, `<a class="button primary" href="https://zoom.example/j/1?pwd=INC-1" rel="noreferrer noopener">Join the call</a>`)
	res := h.signedIn(bot.User{ID: "U9", Name: "mallory"}).get("/incidents/INC-1")
	require.Equal(t, http.StatusNotFound, res.status)
	require.NotContains(t, res.body, "zoom.example")
}

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/web"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/store"
)

// The web is a chat platform of its own.
var (
	_ bot.Platform = (*web.Server)(nil)
	_ web.Router   = (*bot.Router)(nil)
)

// lazyRouter is the harness's router, known only once the harness is.
type lazyRouter struct{ r *bot.Router }

func (l *lazyRouter) Serve(ctx context.Context, ev bot.Event) error { return l.r.Serve(ctx, ev) }

// newActingHarness is a harness whose incident page acts: the web
// interface runs its actions through the router, registered on it as the
// "web" platform, as app wires it.
func newActingHarness(t *testing.T, hopts handlers.Options) *harness {
	t.Helper()
	lazy := &lazyRouter{}
	h := newHarnessOpts(t, hopts, func(o *web.Options) { o.Router = lazy })
	lazy.r = h.r
	h.r.Register(h.web)
	return h
}

// incidentCSRF is the CSRF token of the browser's incident page.
func (b *browser) incidentCSRF(key string) string {
	b.h.t.Helper()
	res := b.get("/incidents/" + key)
	require.Equal(b.h.t, http.StatusOK, res.status, res.body)
	m := csrfRE.FindStringSubmatch(res.body)
	require.NotNil(b.h.t, m)
	return m[1]
}

// act posts an action's form from the incident page, with the page's
// CSRF token, and returns the page it is sent back to.
func (b *browser) act(key, action string, form url.Values) response {
	b.h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.incidentCSRF(key))
	res := b.post("/incidents/"+key+"/actions/"+action, form)
	require.Equal(b.h.t, http.StatusSeeOther, res.status, res.body)
	require.Equal(b.h.t, "/incidents/"+key, res.header.Get("Location"))
	page := b.get("/incidents/" + key)
	require.Equal(b.h.t, http.StatusOK, page.status)
	return page
}

// snapshot is an incident and its timeline, to prove nothing changed.
type snapshot struct {
	inc     bot.Incident
	entries int64
}

func (h *harness) snapshot(id int64) snapshot {
	h.t.Helper()
	inc, err := h.st.Get(context.Background(), id)
	require.NoError(h.t, err)
	n, err := h.st.TimelineLen(context.Background(), id)
	require.NoError(h.t, err)
	return snapshot{inc: *inc, entries: n}
}

func (h *harness) lastEntry(id int64) bot.TimelineEntry {
	h.t.Helper()
	entries, err := h.st.Timeline(context.Background(), id, store.TimelineQuery{Last: 1})
	require.NoError(h.t, err)
	require.NotEmpty(h.t, entries)
	return entries[len(entries)-1]
}

// TestActionsFromTheIncidentPage: each action of the page is the command a
// chat button runs, as the signed-in person: the incident changes, the
// channel hears of it and the card is redrawn on the incident's own
// platform, the timeline says it came from the web, and the page the
// browser returns to shows Warroom's answer once.
func TestActionsFromTheIncidentPage(t *testing.T) {
	for _, tc := range []struct {
		action  string
		form    url.Values
		triage  bool
		check   func(t *testing.T, inc *bot.Incident)
		kind    bot.EntryKind
		channel string // what the incident channel is told
	}{
		{action: "ack", triage: true, kind: bot.KindStatus, channel: "investigating",
			check: func(t *testing.T, inc *bot.Incident) {
				require.Equal(t, bot.StatusInvestigating, inc.Status)
				require.False(t, inc.AckedAt.IsZero())
			}},
		{action: "priority", form: url.Values{"priority": {"P1"}}, kind: bot.KindPriority, channel: "P1",
			check: func(t *testing.T, inc *bot.Incident) { require.Equal(t, bot.P1, inc.Priority) }},
		{action: "status", form: url.Values{"status": {"monitoring"}, "text": {"fix deployed"}}, kind: bot.KindStatus, channel: "monitoring",
			check: func(t *testing.T, inc *bot.Incident) { require.Equal(t, bot.StatusMonitoring, inc.Status) }},
		{action: "role", form: url.Values{"role": {"scribe"}, "person": {"<@U2|bob>"}}, kind: bot.KindRole, channel: "bob",
			check: func(t *testing.T, inc *bot.Incident) {
				u, ok := inc.Holder(bot.RoleScribe)
				require.True(t, ok)
				require.Equal(t, "U2", u.ID)
			}},
		{action: "update", form: url.Values{"text": {"Payments\r\nrecovering"}}, kind: bot.KindUpdate, channel: "Payments recovering",
			check: func(t *testing.T, inc *bot.Incident) { require.False(t, inc.LastUpdate.IsZero()) }},
		{action: "resolve", form: url.Values{"text": {"rolled back"}}, kind: bot.KindStatus, channel: "resolved",
			check: func(t *testing.T, inc *bot.Incident) {
				require.Equal(t, bot.StatusResolved, inc.Status)
				require.Equal(t, "rolled back", inc.Summary)
			}},
	} {
		t.Run(tc.action, func(t *testing.T) {
			h := newActingHarness(t, handlers.Options{})
			inc := h.declare(alice, "Checkout is failing P2")
			if tc.triage {
				_, err := h.st.Update(context.Background(), inc.ID, func(i *bot.Incident) ([]bot.TimelineEntry, error) {
					i.Status, i.AckedAt = bot.StatusTriage, time.Time{}
					return nil, nil
				})
				require.NoError(t, err)
			}
			h.p.Reset()
			b := h.signedIn(alice)
			page := b.act(inc.Key(), tc.action, tc.form)

			got, err := h.st.Get(context.Background(), inc.ID)
			require.NoError(t, err)
			tc.check(t, got)

			e := h.lastEntry(inc.ID)
			require.Equal(t, tc.kind, e.Kind)
			require.Equal(t, alice, e.Author, "done as the signed-in person")
			require.Equal(t, "web", e.Data["via"])
			require.Contains(t, h.svc.Describe(bot.English, e), "(from the web)")

			posted := h.p.Calls("Post")
			require.NotEmpty(t, posted, "the incident channel is told")
			require.Equal(t, inc.Channel.ID, posted[0].Channel)
			require.Contains(t, posted[0].Msg.Text, tc.channel)
			require.Contains(t, posted[0].Msg.Text, "(from the web)")
			updates := h.p.Calls("Update")
			require.NotEmpty(t, updates, "the card is redrawn in place")
			require.Equal(t, inc.Card, updates[len(updates)-1].Ref)

			require.Contains(t, page.body, `class="flash"`, "the answer is shown")
			require.Contains(t, page.body, "(from the web)")
			again := b.get("/incidents/" + inc.Key())
			require.NotContains(t, again.body, `class="flash`, "once")
		})
	}
}

// TestCloseFromTheIncidentPage: a resolved incident can be closed from
// its page (here a P3, which needs no postmortem).
func TestCloseFromTheIncidentPage(t *testing.T) {
	h := newActingHarness(t, handlers.Options{})
	inc := h.declare(alice, "Search is slow P3")
	h.say(alice, inc.Channel.ID, "resolve")
	b := h.signedIn(alice)
	resolved := b.get("/incidents/" + inc.Key())
	require.Contains(t, resolved.body, `<option value="" selected disabled>resolved</option>`,
		"the status form shows the status now, not another one preselected")
	page := b.act(inc.Key(), "close", nil)
	got, err := h.st.Get(context.Background(), inc.ID)
	require.NoError(t, err)
	require.Equal(t, bot.StatusClosed, got.Status)
	require.Equal(t, "web", h.lastEntry(inc.ID).Data["via"])
	require.NotContains(t, page.body, `/actions/`, "a closed incident has nothing left to do")
}

// TestActionCSRF: without the session's CSRF token, or with a wrong one,
// an action is refused (403) and nothing changes.
func TestActionCSRF(t *testing.T) {
	h := newActingHarness(t, handlers.Options{})
	inc := h.declare(alice, "Checkout is failing P2")
	b := h.signedIn(alice)
	h.p.Reset()
	before := h.snapshot(inc.ID)
	for name, form := range map[string]url.Values{
		"missing": {"text": {"all good"}},
		"wrong":   {"text": {"all good"}, "csrf": {strings.Repeat("A", 43)}},
		"empty":   {"text": {"all good"}, "csrf": {""}},
	} {
		t.Run(name, func(t *testing.T) {
			for _, action := range []string{"resolve", "update", "ack", "close"} {
				res := b.post("/incidents/"+inc.Key()+"/actions/"+action, form)
				require.Equal(t, http.StatusForbidden, res.status, action)
				require.Contains(t, res.body, "nothing was changed")
			}
		})
	}
	require.Equal(t, before, h.snapshot(inc.ID), "incident and timeline unchanged")
	require.Empty(t, h.p.Calls("Post", "Update"))
}

// TestActionOnAPrivateIncidentByAnOutsider: an outsider's action on a
// private incident is a 404 exactly like a number never used, and
// changes nothing.
func TestActionOnAPrivateIncidentByAnOutsider(t *testing.T) {
	h := newActingHarness(t, handlers.Options{})
	priv := h.declare(alice, "Payroll data exposed P1 <@U2|bob> private")
	require.True(t, priv.Private)
	before := h.snapshot(priv.ID)
	outsider := h.signedIn(carol)
	csrf := outsider.csrf()
	never := outsider.post("/incidents/INC-9/actions/resolve", url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusNotFound, never.status)
	require.Contains(t, never.body, "There is no incident INC-9.")
	for _, action := range []string{"resolve", "update", "ack", "close", "priority", "role", "status"} {
		res := outsider.post("/incidents/INC-1/actions/"+action, url.Values{"csrf": {csrf}, "text": {"x"},
			"priority": {"P4"}, "role": {"commander"}, "person": {"me"}, "status": {"monitoring"}})
		require.Equal(t, http.StatusNotFound, res.status, action)
		want := strings.ReplaceAll(strings.ReplaceAll(never.body, "INC-9", "INC-1"), "/incidents/INC-1/actions/resolve?lang", "/incidents/INC-1/actions/"+action+"?lang")
		require.Equal(t, want, res.body, action)
		require.NotContains(t, res.body, "Payroll")
	}
	require.Equal(t, before, h.snapshot(priv.ID), "nothing changed")

	// A member of its audience acts on it.
	member := h.signedIn(bob)
	member.act(priv.Key(), "update", url.Values{"text": {"contained"}})
	require.Equal(t, bot.KindUpdate, h.lastEntry(priv.ID).Kind)
}

// TestActionBadInput: a form with a choice that does not exist, or an
// empty update, changes nothing and says why, in the person's language.
func TestActionBadInput(t *testing.T) {
	h := newActingHarness(t, handlers.Options{})
	inc := h.declare(alice, "Checkout is failing P2")
	before := h.snapshot(inc.ID)
	for _, tc := range []struct {
		lang, action string
		form         url.Values
		want         string
	}{
		{"en", "priority", url.Values{"priority": {"P9"}}, "Priority: “P9” is not one of the choices. Nothing was changed."},
		{"en", "priority", url.Values{"priority": {"sev1"}}, "“sev1” is not one of the choices"},
		{"en", "update", url.Values{"text": {"  \r\n "}}, "What is the current state?: write something first. Nothing was changed."},
		{"en", "status", url.Values{"status": {"closed"}}, "Status: “closed” is not one of the choices."},
		{"en", "role", url.Values{"role": {"janitor"}, "person": {"me"}}, "Role: “janitor” is not one of the choices."},
		{"en", "role", url.Values{"role": {"scribe"}, "person": {" "}}, "write something first"},
		{"en", "dance", nil, "There is no such action."},
		{"ja", "priority", url.Values{"priority": {"P9"}}, "何も変更していません。"},
		{"ja", "update", url.Values{"text": {""}}, "内容を書いてください。"},
	} {
		t.Run(tc.lang+" "+tc.action, func(t *testing.T) {
			b := h.signedIn(alice)
			b.lang = tc.lang
			page := b.act(inc.Key(), tc.action, tc.form)
			require.Contains(t, page.body, `class="flash flash-error"`)
			require.Contains(t, page.body, tc.want)
		})
	}
	require.Equal(t, before, h.snapshot(inc.ID), "nothing changed")
}

// TestActionRefusedByPolicy: the router's authorization applies to the
// web as to chat: who may not resolve is told who may, and nothing
// changes.
func TestActionRefusedByPolicy(t *testing.T) {
	h := newActingHarness(t, handlers.Options{Policy: map[string][]string{"resolve": {"commander"}}})
	inc := h.declare(alice, "Checkout is failing P2")
	before := h.snapshot(inc.ID)
	page := h.signedIn(bob).act(inc.Key(), "resolve", nil)
	require.Contains(t, page.body, `class="flash flash-error"`)
	require.Contains(t, page.body, "alice", "says who may")
	require.Contains(t, page.body, "Nothing was changed.")
	require.Equal(t, before, h.snapshot(inc.ID))

	h.signedIn(alice).act(inc.Key(), "resolve", nil)
	got, err := h.st.Get(context.Background(), inc.ID)
	require.NoError(t, err)
	require.Equal(t, bot.StatusResolved, got.Status)
}

// TestWebPlatformRefusesChannels: the web has no channels; incidents are
// declared in chat.
func TestWebPlatformRefusesChannels(t *testing.T) {
	h := newActingHarness(t, handlers.Options{})
	_, err := h.web.CreateChannel(context.Background(), bot.ChannelSpec{Title: "x"})
	require.ErrorIs(t, err, bot.ErrUnsupported)
	require.ErrorContains(t, err, "incidents live in chat")
	require.ErrorIs(t, h.web.Reply(context.Background(), &bot.Event{}, bot.Message{Text: "hi"}), bot.ErrUnsupported)
}

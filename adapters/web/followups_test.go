package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/web"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/handlers"
)

var _ web.FollowUps = (*handlers.Service)(nil)

// newBoardHarness is an acting harness with the follow-up board, as app
// wires it.
func newBoardHarness(t *testing.T, hopts handlers.Options) *harness {
	t.Helper()
	lazy := &lazyRouter{}
	h := newHarnessOpts(t, hopts, func(o *web.Options) {
		o.Router = lazy
		o.FollowUps = o.Incidents.(web.FollowUps)
	})
	lazy.r = h.r
	h.r.Register(h.web)
	return h
}

// boardRows are the follow-ups the board lists, as "INC-1#2", in order.
func boardRows(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`id="fu-(INC-\d+)-(\d+)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1]+"#"+m[2])
	}
	return out
}

// boardAct posts one of the board's buttons with the board's CSRF token.
func (b *browser) boardAct(key string, n, action string) response {
	b.h.t.Helper()
	page := b.get("/followups")
	require.Equal(b.h.t, http.StatusOK, page.status, page.body)
	m := csrfRE.FindStringSubmatch(page.body)
	require.NotNil(b.h.t, m)
	return b.post("/followups/"+key+"/"+n+"/"+action, url.Values{"csrf": {m[1]}, "back": {"/followups?state=open"}})
}

// chatFollowUps is what chat's `followups` answers in inc's channel.
func (h *harness) chatFollowUps(inc *bot.Incident) string {
	h.t.Helper()
	h.say(alice, inc.Channel.ID, "followups")
	c, ok := h.p.Last("Reply")
	require.True(h.t, ok)
	return c.Msg.Text
}

// boardWorld: INC-1 (public) with an overdue follow-up of bob's and one of
// alice's without a date; INC-2 private (alice, bob) with one of bob's.
func boardWorld(t *testing.T, hopts handlers.Options) (*harness, *bot.Incident, *bot.Incident) {
	h := newBoardHarness(t, hopts)
	pub := h.declare(alice, "Checkout is failing P2")
	h.say(alice, pub.Channel.ID, "followup add add a canary stage <@U2|bob> due 2026-11-20")
	h.say(alice, pub.Channel.ID, "followup add alert on error rate")
	priv := h.declare(alice, "Payroll data exposed P1 <@U2|bob> private")
	require.True(t, priv.Private)
	h.say(alice, priv.Channel.ID, "followup add rotate the payroll keys <@U2|bob> due 2026-12-10")
	return h, pub, priv
}

func TestFollowUpBoardShowsEveryFollowUp(t *testing.T) {
	h, _, _ := boardWorld(t, handlers.Options{})
	b := h.signedIn(bob)
	res := b.get("/followups")
	require.Equal(t, http.StatusOK, res.status, res.body)
	require.Equal(t, []string{"INC-1#1", "INC-2#1", "INC-1#2"}, boardRows(res.body), "the earliest due first")
	require.Contains(t, res.body, `<a href="/incidents/INC-1">INC-1</a>`)
	require.Contains(t, res.body, `href="/incidents/INC-1/postmortem"`)
	require.Contains(t, res.body, `href="/incidents/INC-2/postmortem"`)
	require.Regexp(t, `class="fu-row fu-overdue" id="fu-INC-1-1"`, res.body, "the overdue one is marked")
	require.Contains(t, res.body, "2026-11-20 ⚠ overdue")
	require.Contains(t, res.body, `<span class="n">3</span> Open`)
	require.Contains(t, res.body, `<span class="n">1</span> Overdue`)
	require.Contains(t, res.body, "<svg")
	require.Contains(t, res.body, `<th scope="row">2026-11-25</th><td>3</td><td>1</td><td>0</td><td>0</td>`, "this week's counts")
	require.Contains(t, res.body, `<a href="/followups">Follow-ups</a>`, "in the header")

	for q, want := range map[string][]string{
		"?state=overdue":        {"INC-1#1"},
		"?owner=U1":             {"INC-1#2"},
		"?due=none":             {"INC-1#2"},
		"?due=week":             {"INC-1#1"},
		"?due=month":            {"INC-1#1", "INC-2#1"},
		"?state=done":           nil,
		"?group=owner&owner=U2": {"INC-1#1", "INC-2#1"},
		"?group=incident":       {"INC-1#1", "INC-1#2", "INC-2#1"},
	} {
		res := b.get("/followups" + q)
		require.Equal(t, http.StatusOK, res.status, q)
		require.Equal(t, want, boardRows(res.body), q)
	}
	grouped := b.get("/followups?group=incident")
	require.Contains(t, grouped.body, "<h3>INC-1: Checkout is failing</h3>")

	bad := b.get("/followups?state=lost&due=someday")
	require.Equal(t, http.StatusBadRequest, bad.status)
	require.Contains(t, bad.body, "“lost” is not one of the choices")
	require.Contains(t, bad.body, "“someday” is not one of the choices")
	require.Empty(t, boardRows(bad.body))

	ja := h.signedIn(bob)
	ja.lang = "ja"
	jres := ja.get("/followups")
	require.Contains(t, jres.body, "期限切れ")
	require.Contains(t, jres.body, "効果確認済み")
}

// An outsider sees no follow-up of a private incident, nor counts it,
// and cannot change one.
func TestFollowUpBoardHidesPrivateIncidentsFromOutsiders(t *testing.T) {
	h, _, priv := boardWorld(t, handlers.Options{})
	outsider := h.signedIn(carol)
	res := outsider.get("/followups")
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, []string{"INC-1#1", "INC-1#2"}, boardRows(res.body))
	require.NotContains(t, res.body, "payroll")
	require.NotContains(t, res.body, "Payroll")
	require.Contains(t, res.body, `<span class="n">2</span> Open`, "the private one is not counted")
	for _, q := range []string{"?owner=U2", "?group=incident", "?due=month"} {
		require.NotContains(t, outsider.get("/followups"+q).body, "INC-2", q)
	}
	before := h.snapshot(priv.ID)
	refused := outsider.boardAct(priv.Key(), "1", "done")
	require.Equal(t, http.StatusNotFound, refused.status)
	require.Contains(t, refused.body, "There is no incident INC-2.")
	require.Equal(t, before, h.snapshot(priv.ID), "nothing changed")

	member := h.signedIn(bob)
	require.Contains(t, boardRows(member.get("/followups").body), "INC-2#1")
}

// A board change needs the session and its CSRF token.
func TestFollowUpBoardRefusesForgedChanges(t *testing.T) {
	h, pub, _ := boardWorld(t, handlers.Options{})
	b := h.signedIn(bob)
	before := h.snapshot(pub.ID)
	for name, form := range map[string]url.Values{
		"missing": {},
		"wrong":   {"csrf": {strings.Repeat("A", 43)}},
	} {
		res := b.post("/followups/INC-1/1/done", form)
		require.Equal(t, http.StatusForbidden, res.status, name)
	}
	anon := h.browser().post("/followups/INC-1/1/done", url.Values{"csrf": {"x"}})
	require.Equal(t, http.StatusSeeOther, anon.status)
	require.Equal(t, "/signin", anon.header.Get("Location"))
	require.Equal(t, http.StatusSeeOther, h.browser().get("/followups").status, "no session, no board")
	require.Equal(t, before, h.snapshot(pub.ID), "nothing changed")
	f, err := h.st.FollowUp(context.Background(), pub.ID, 1)
	require.NoError(t, err)
	require.Equal(t, bot.FollowUpOpen, f.State)
}

// Done and verify on the board are chat's commands: on the timeline
// (marked from the web), the same refusal of verifying one's own work,
// and chat's `followups` agrees after each change.
func TestFollowUpBoardChangesAgreeWithChat(t *testing.T) {
	h, pub, _ := boardWorld(t, handlers.Options{VerifyByOther: true})
	b := h.signedIn(bob)

	res := b.boardAct(pub.Key(), "1", "done")
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Equal(t, "/followups?state=open", res.header.Get("Location"), "back to the board as it was")
	page := b.get("/followups")
	require.Contains(t, page.body, `class="flash"`)
	require.Contains(t, page.body, "bob marked follow-up #1 of INC-1 done")
	require.Contains(t, page.body, "done by bob")
	last := h.lastEntry(pub.ID)
	require.Equal(t, bot.KindFollowup, last.Kind)
	require.Equal(t, "U2", last.Author.ID)
	require.Contains(t, h.svc.Describe(bot.English, last), "(from the web)")
	require.Contains(t, h.chatFollowUps(pub), "#1 [done] add a canary stage")

	// Bob marked it done: he may not verify it, on the board as in chat.
	before := h.snapshot(pub.ID)
	refused := b.boardAct(pub.Key(), "1", "verify")
	require.Equal(t, http.StatusSeeOther, refused.status)
	page = b.get("/followups")
	require.Contains(t, page.body, `class="flash flash-error"`)
	want := bot.T(bot.English, "err.verify_by_self", "user", "bob", "n", "1", "id", "INC-1")
	require.Contains(t, page.body, want)
	require.Equal(t, before, h.snapshot(pub.ID), "nothing changed")
	err := h.r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", User: bob,
		Channel: pub.Channel.ID, Text: "followup verify 1"})
	require.Error(t, err)
	c, ok := h.p.Last("Reply")
	require.True(t, ok)
	require.Contains(t, c.Msg.Text, want, "chat refuses it with the same words")

	a := h.signedIn(alice)
	require.Equal(t, http.StatusSeeOther, a.boardAct(pub.Key(), "1", "verify").status)
	require.Contains(t, a.get("/followups").body, "alice verified follow-up #1 of INC-1")
	require.Contains(t, h.chatFollowUps(pub), "#1 [verified] add a canary stage")
	require.Contains(t, a.get("/followups").body, `<span class="n">1</span> Verified effective`)

	// Bad input: a number it does not have, an action that does not exist.
	before = h.snapshot(pub.ID)
	for _, path := range []string{"9/done", "x/done", "1/explode"} {
		res := a.boardAct(pub.Key(), strings.Split(path, "/")[0], strings.Split(path, "/")[1])
		require.Equal(t, http.StatusSeeOther, res.status, path)
		require.Contains(t, a.get("/followups").body, "flash-error", path)
	}
	require.Equal(t, before, h.snapshot(pub.ID), "nothing changed")
}

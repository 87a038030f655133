package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/web"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// entryItems are the timeline's list items on a page, by stream ID.
func entryItems(body string) map[string]string {
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`(?s)<li id="e-([0-9-]+)".*?\n</li>`).FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[0]
	}
	return out
}

// entryOrder are the stream IDs of the page's entries, in order.
func entryOrder(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<li id="e-([0-9-]+)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// entryWith is the ID of the last entry of inc whose text is text.
func (h *harness) entryWith(inc *bot.Incident, text string) string {
	h.t.Helper()
	tl, err := h.st.Timeline(context.Background(), inc.ID, store.TimelineQuery{})
	require.NoError(h.t, err)
	for i := len(tl) - 1; i >= 0; i-- {
		if tl[i].Text == text {
			return tl[i].ID
		}
	}
	h.t.Fatalf("no entry %q", text)
	return ""
}

func TestCurationFromThePage(t *testing.T) {
	h := newLiveHarness(t, func(*web.Options) {})
	inc := h.declare(alice, "Checkout is failing P2")
	h.message(inc, bob, "payments return 502", "m1")
	h.message(inc, bob, "lol my cat", "m2")
	b := h.signedIn(alice)
	csrf := b.csrf()
	post := func(form url.Values) response {
		t.Helper()
		form.Set("csrf", csrf)
		return b.post("/incidents/INC-1/timeline", form)
	}
	page := b.get("/incidents/INC-1")
	require.Contains(t, page.body, `<form method="post" action="/incidents/INC-1/timeline">`)
	msg := h.entryWith(inc, "payments return 502")
	noise := h.entryWith(inc, "lol my cat")

	// A backdated entry: "note --at 09:58 …" from the page.
	res := post(url.Values{"op": {"note"}, "at": {"09:58"}, "text": {"the deploy <started>"}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Equal(t, "/incidents/INC-1", res.header.Get("Location"))
	// A correction of text and time.
	res = post(url.Values{"op": {"edit"}, "ref": {bot.ShortRef(msg)}, "at": {"2026-11-25 10:00"}, "text": {"payments return 503"}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	// Hiding the noise.
	res = post(url.Values{"op": {"hide"}, "ref": {"#" + bot.ShortRef(noise)}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)

	// The chat channel was told, as for the commands typed there.
	var told []string
	for _, c := range h.p.Calls("Post") {
		told = append(told, c.Msg.Text)
	}
	require.Contains(t, strings.Join(told, "\n"), "#"+bot.ShortRef(noise))

	page = b.get("/incidents/INC-1")
	items := entryItems(page.body)
	backdated := h.entryWith(inc, "the deploy <started>")
	require.Contains(t, items[backdated], "the deploy &lt;started&gt;")
	require.Contains(t, items[backdated], `<span class="badge mark-backdated" title="Added at 2026-11-25 10:00 UTC">added later</span>`)
	require.Contains(t, items[backdated], "<time>2026-11-25 09:58 UTC</time>")
	require.Equal(t, backdated, entryOrder(page.body)[0], "read at its time: before the declaration")

	require.Contains(t, items[msg], "<p>payments return 503</p>")
	require.Contains(t, items[msg], `<span class="badge mark-corrected">corrected</span>`)
	require.Regexp(t, `<details class="history"><summary>Earlier versions</summary><ol><li><time>[^<]+</time> <span class="old">payments return 502</span></li></ol></details>`, items[msg])

	require.Contains(t, items[noise], `class="kind-message hidden-entry"`)
	require.Contains(t, items[noise], `<span class="badge mark-hidden">hidden from the postmortem</span>`)
	require.Contains(t, items[noise], `<input type="hidden" name="op" value="unhide">`)
	require.Contains(t, items[noise], "lol my cat", "still shown to responders")

	// Unhide, and it is plain again.
	res = post(url.Values{"op": {"unhide"}, "ref": {bot.ShortRef(noise)}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.NotContains(t, entryItems(b.get("/incidents/INC-1").body)[noise], "hidden-entry")

	// The curation entries themselves are not shown as entries.
	tl, err := h.st.Timeline(context.Background(), inc.ID, store.TimelineQuery{})
	require.NoError(t, err)
	for _, e := range tl {
		if e.Curates() {
			require.NotContains(t, items, e.ID)
		}
	}
}

func TestCurationFormBadInputChangesNothing(t *testing.T) {
	h := newLiveHarness(t, func(*web.Options) {})
	inc := h.declare(alice, "Checkout is failing P2")
	b := h.signedIn(alice)
	csrf := b.csrf()
	before, err := h.st.TimelineLen(context.Background(), inc.ID)
	require.NoError(t, err)
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"op": {"note"}, "at": {"14:05; rm"}, "text": {"x"}}, "is not a time"},
		{url.Values{"op": {"note"}, "at": {"09:00"}}, "note --at"},
		{url.Values{"op": {"hide"}, "ref": {"not a ref!"}}, "has no timeline entry"},
	} {
		tc.form.Set("csrf", csrf)
		res := b.post("/incidents/INC-1/timeline", tc.form)
		require.Equal(t, http.StatusBadRequest, res.status, tc.form)
		require.Contains(t, html.UnescapeString(res.body), tc.want, tc.form)
	}
	b.lang = "ja"
	res := b.post("/incidents/INC-1/timeline", url.Values{"csrf": {csrf}, "op": {"note"}, "at": {"25:99"}, "text": {"x"}})
	require.Equal(t, http.StatusBadRequest, res.status)
	require.Contains(t, res.body, "変更していません")
	after, err := h.st.TimelineLen(context.Background(), inc.ID)
	require.NoError(t, err)
	require.Equal(t, before, after)
}

func TestCurationFormsNeedTheCSRFToken(t *testing.T) {
	h := newLiveHarness(t, func(*web.Options) {})
	inc := h.declare(alice, "Checkout is failing P2")
	h.message(inc, bob, "noise", "m1")
	noise := bot.ShortRef(h.entryWith(inc, "noise"))
	b := h.signedIn(alice)
	before, err := h.st.TimelineLen(context.Background(), inc.ID)
	require.NoError(t, err)
	for _, form := range []url.Values{
		{"op": {"hide"}, "ref": {noise}},
		{"op": {"hide"}, "ref": {noise}, "csrf": {"wrong"}},
		{"op": {"note"}, "at": {"09:58"}, "text": {"forged"}, "csrf": {""}},
	} {
		res := b.post("/incidents/INC-1/timeline", form)
		require.Equal(t, http.StatusForbidden, res.status)
		require.Contains(t, res.body, "nothing was changed")
	}
	// Another person's token is no good either.
	other := h.signedIn(bob)
	res := b.post("/incidents/INC-1/timeline", url.Values{"op": {"hide"}, "ref": {noise}, "csrf": {other.csrf()}})
	require.Equal(t, http.StatusForbidden, res.status)
	after, err := h.st.TimelineLen(context.Background(), inc.ID)
	require.NoError(t, err)
	require.Equal(t, before, after, "nothing written")
}

func TestCurationOfAPrivateIncidentByAnOutsider(t *testing.T) {
	h := newLiveHarness(t, func(*web.Options) {})
	priv := h.declare(alice, "Payroll data exposed P1 <@U2|bob> private")
	h.message(priv, bob, "secret", "m1")
	outsider := h.signedIn(carol)
	before, err := h.st.TimelineLen(context.Background(), priv.ID)
	require.NoError(t, err)
	res := outsider.post("/incidents/INC-1/timeline", url.Values{"csrf": {outsider.csrf()}, "op": {"hide"}, "ref": {bot.ShortRef(h.entryWith(priv, "secret"))}})
	require.Equal(t, http.StatusNotFound, res.status)
	require.Contains(t, res.body, "There is no incident INC-1.")
	after, err := h.st.TimelineLen(context.Background(), priv.ID)
	require.NoError(t, err)
	require.Equal(t, before, after)
}

func TestLiveTimelineRedrawsACuratedEntry(t *testing.T) {
	h := newLiveHarness(t, func(*web.Options) {})
	inc := h.declare(alice, "Checkout is failing P2")
	h.message(inc, bob, "payments return 502", "m1")
	msg := h.entryWith(inc, "payments return 502")
	b := h.signedIn(alice)
	s, _ := b.openStream(liveURL(t, b.get("/incidents/INC-1").body), "")
	h.say(alice, inc.Channel.ID, "timeline edit #"+bot.ShortRef(msg)+" payments return 503")
	ev := s.next(t, time.Second)
	require.Equal(t, "replace", ev.name)
	require.Contains(t, ev.data, `<li id="e-`+msg+`"`)
	require.Contains(t, ev.data, "<p>payments return 503</p>")
	require.Contains(t, ev.data, `<span class="old">payments return 502</span>`)
	h.say(alice, inc.Channel.ID, "timeline hide #"+bot.ShortRef(msg))
	ev = s.next(t, time.Second)
	require.Equal(t, "replace", ev.name)
	require.Contains(t, ev.data, "hidden-entry")
}

func TestTimelineKindFilter(t *testing.T) {
	h := newLiveHarness(t, func(*web.Options) {})
	inc := h.declare(alice, "Checkout is failing P2")
	ctx := context.Background()
	// 130 messages with a note every 10th, so the notes of one page
	// are spread over several pages of the timeline.
	var batch []bot.TimelineEntry
	for i := range 130 {
		kind := bot.KindMessage
		if i%10 == 0 {
			kind = bot.KindNote
		}
		batch = append(batch, bot.TimelineEntry{Kind: kind, Author: bob, Text: fmt.Sprintf("%s %03d", kind, i)})
	}
	_, err := h.st.Append(ctx, inc.ID, batch...)
	require.NoError(t, err)
	b := h.signedIn(alice)

	res := b.get("/incidents/INC-1?kind=note")
	require.Equal(t, http.StatusOK, res.status)
	require.Contains(t, res.body, `<input type="checkbox" name="kind" value="note" checked>`)
	require.Contains(t, res.body, `<input type="checkbox" name="kind" value="message">`)
	items := entryItems(res.body)
	require.Len(t, items, 13, "every note, none of the messages")
	for _, it := range items {
		require.Contains(t, it, `class="kind-note`)
		require.NotContains(t, it, "[message]")
	}
	require.Contains(t, res.body, `href="/incidents/INC-1#timeline">Show all kinds</a>`)
	// The live stream keeps the filter.
	require.Contains(t, liveURL(t, res.body), "kind=note")

	// Two kinds, and links that keep them.
	res = b.get("/incidents/INC-1?kind=declared&kind=role&kind=bogus")
	got := entryItems(res.body)
	require.Len(t, got, 2)
	// Without a filter the newest page holds 50, with a link to older
	// ones that keeps the filter.
	res = b.get("/incidents/INC-1?kind=message")
	require.GreaterOrEqual(t, len(entryItems(res.body)), 50)
	m := regexp.MustCompile(`<a rel="prev" href="([^"]+)">`).FindStringSubmatch(res.body)
	require.NotNil(t, m)
	older := html.UnescapeString(m[1])
	require.Contains(t, older, "kind=message")
	require.Contains(t, older, "before=")
	for _, it := range entryItems(b.get(older).body) {
		require.Contains(t, it, "[message]")
	}
}

func TestTimelinePages(t *testing.T) {
	h := newLiveHarness(t, func(*web.Options) {})
	inc := h.declare(alice, "Checkout is failing P2")
	var batch []bot.TimelineEntry
	for i := range 120 {
		batch = append(batch, bot.TimelineEntry{Kind: bot.KindMessage, Author: bob, Text: fmt.Sprintf("m%03d", i)})
	}
	_, err := h.st.Append(context.Background(), inc.ID, batch...)
	require.NoError(t, err)
	all, err := h.st.Timeline(context.Background(), inc.ID, store.TimelineQuery{InOrder: true})
	require.NoError(t, err)
	b := h.signedIn(alice)
	prevRE := regexp.MustCompile(`<a rel="prev" href="([^"]+)">`)
	nextRE := regexp.MustCompile(`<a rel="next" href="([^"]+)">`)

	// Newest first page, then back, page by page, to the first entry:
	// every entry once, in order.
	var seen []string
	res := b.get("/incidents/INC-1")
	require.Contains(t, res.body, "50 entries shown, of 122 in the timeline.")
	require.NotRegexp(t, nextRE, res.body, "the newest page has no newer one")
	require.Contains(t, res.body, "data-live=", "the newest page is live")
	for {
		seen = append(entryOrder(res.body), seen...)
		m := prevRE.FindStringSubmatch(res.body)
		if m == nil {
			break
		}
		res = b.get(html.UnescapeString(m[1]))
		require.Equal(t, http.StatusOK, res.status)
		require.NotContains(t, res.body, "data-live=", "an older page is not live")
	}
	var want []string
	for _, e := range all {
		want = append(want, e.ID)
	}
	require.Equal(t, want, seen)
	// And forward again from the oldest page.
	oldest := len(entryOrder(res.body))
	m := nextRE.FindStringSubmatch(res.body)
	require.NotNil(t, m)
	res = b.get(html.UnescapeString(m[1]))
	require.Equal(t, want[oldest:oldest+50], entryOrder(res.body))
}

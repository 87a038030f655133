package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/web"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/store"
)

// newDocHarness is an acting harness that serves the postmortem
// documents and their library.
func newDocHarness(t *testing.T) *harness {
	t.Helper()
	lazy := &lazyRouter{}
	h := newHarnessOpts(t, handlers.Options{}, func(o *web.Options) { o.Router = lazy; o.Postmortems = o.Incidents.(web.Postmortems) })
	lazy.r = h.r
	h.r.Register(h.web)
	return h
}

var baseRE = regexp.MustCompile(`name="base" value="(\d+)"`)

// docForm is the editor's form as the browser's document page has it:
// its CSRF token and base version.
func (b *browser) docForm(key string) (csrf, base string) {
	b.h.t.Helper()
	res := b.get("/incidents/" + key + "/postmortem")
	require.Equal(b.h.t, http.StatusOK, res.status, res.body)
	c, v := csrfRE.FindStringSubmatch(res.body), baseRE.FindStringSubmatch(res.body)
	require.NotNil(b.h.t, c)
	require.NotNil(b.h.t, v)
	return c[1], v[1]
}

// save posts text from the editor loaded at base.
func (b *browser) save(key, csrf, base, text string) response {
	b.h.t.Helper()
	return b.post("/incidents/"+key+"/postmortem", url.Values{"csrf": {csrf}, "base": {base}, "text": {text}})
}

func (h *harness) versions(id int64) []bot.PostmortemVersion {
	h.t.Helper()
	vs, err := h.st.PostmortemVersions(context.Background(), id)
	require.NoError(h.t, err)
	return vs
}

// entries are incident id's timeline entries of kind postmortem.
func (h *harness) pmEntries(id int64) []bot.TimelineEntry {
	h.t.Helper()
	all, err := h.st.Timeline(context.Background(), id, store.TimelineQuery{Last: 500})
	require.NoError(h.t, err)
	var out []bot.TimelineEntry
	for _, e := range all {
		if e.Kind == bot.KindPostmortem {
			out = append(out, e)
		}
	}
	return out
}

// TestPostmortemDocumentVersions: the page shows the draft generated from
// the timeline; each save is a version with who, when and a diff to the
// one before, and the first one makes the draft, on the timeline.
func TestPostmortemDocumentVersions(t *testing.T) {
	h := newDocHarness(t)
	inc := h.declare(alice, "Checkout is failing P2")
	b := h.signedIn(alice)
	page := b.get("/incidents/INC-1/postmortem")
	require.Equal(t, http.StatusOK, page.status, page.body)
	require.Contains(t, page.body, "Postmortem of INC-1")
	require.Contains(t, page.body, "Checkout is failing", "the generated draft is in the editor")
	require.Contains(t, page.body, `<script src="/static/postmortem.js" defer></script>`)
	require.NotRegexp(t, `<script>|<script [^>]*>[^<]`, page.body, "no inline script")
	require.Contains(t, page.body, "Not drafted")

	csrf, base := b.docForm("INC-1")
	require.Equal(t, "0", base)
	res := b.save("INC-1", csrf, base, "# Checkout\r\n\r\n原因は証明書の期限切れでした。\r\n")
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Equal(t, "/incidents/INC-1/postmortem", res.header.Get("Location"))
	page = b.get("/incidents/INC-1/postmortem")
	require.Contains(t, page.body, "Saved as version 1.")
	require.Contains(t, page.body, `name="base" value="1"`)
	require.Contains(t, page.body, "<h1>Checkout</h1>", "the preview is rendered")
	require.Contains(t, page.body, "Version 1 by alice")

	_, base = b.docForm("INC-1")
	res = b.save("INC-1", csrf, base, "# Checkout\n\n原因は証明書の期限切れでした。\n\n再発防止：自動更新を入れる。\n")
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	vs := h.versions(inc.ID)
	require.Len(t, vs, 2)
	require.Equal(t, alice.ID, vs[1].By.ID)
	require.Equal(t, 2, vs[1].N)
	require.Equal(t, "# Checkout\n\n原因は証明書の期限切れでした。\n", vs[0].Text, "CRLF from the textarea is LF")
	require.Contains(t, vs[1].Diff, "+再発防止：自動更新を入れる。")
	require.Contains(t, vs[1].Diff, "--- v1")
	require.Contains(t, vs[0].Diff, "generated draft")

	entries := h.pmEntries(inc.ID)
	require.Len(t, entries, 1, "the first save makes the draft; later ones are versions")
	require.Equal(t, "saved", entries[0].Data["action"])
	require.Equal(t, alice.ID, entries[0].Author.ID)
	got, err := h.st.Get(context.Background(), inc.ID)
	require.NoError(t, err)
	require.False(t, got.PostmortemAt.IsZero(), "a draft exists: postmortem reviewed may be said")

	// Saving the same text again is refused, nothing saved.
	_, base = b.docForm("INC-1")
	res = b.save("INC-1", csrf, base, vs[1].Text)
	require.Equal(t, http.StatusBadRequest, res.status)
	require.Contains(t, res.body, "Nothing changed since version 2")
	require.Len(t, h.versions(inc.ID), 2)
	// So is an empty one.
	res = b.save("INC-1", csrf, base, " \r\n ")
	require.Equal(t, http.StatusBadRequest, res.status)
	require.Len(t, h.versions(inc.ID), 2)
}

// TestPostmortemConflictIsRefusedWithTheDiff: two people edit from the
// same version; the second save is refused (409), showing what the first
// changed, and nothing is overwritten.
func TestPostmortemConflictIsRefusedWithTheDiff(t *testing.T) {
	h := newDocHarness(t)
	inc := h.declare(alice, "Checkout is failing P2")
	a, b := h.signedIn(alice), h.signedIn(bob)
	ca, base := a.docForm("INC-1")
	cb, baseB := b.docForm("INC-1")
	require.Equal(t, base, baseB)
	res := a.save("INC-1", ca, base, "# Alice\n\nアリスの分析。\n")
	require.Equal(t, http.StatusSeeOther, res.status, res.body)

	res = b.save("INC-1", cb, baseB, "# Bob\n\nボブの分析。\n")
	require.Equal(t, http.StatusConflict, res.status)
	require.Contains(t, res.body, "Not saved: someone else saved first")
	require.Contains(t, res.body, "alice saved version 1")
	require.Contains(t, html.UnescapeString(res.body), "+アリスの分析。", "the diff from bob's base to the current version")
	require.Contains(t, res.body, "ボブの分析。", "bob's text stays in the editor")
	require.Contains(t, res.body, `name="base" value="1"`)
	vs := h.versions(inc.ID)
	require.Len(t, vs, 1)
	require.Equal(t, "# Alice\n\nアリスの分析。\n", vs[0].Text, "nothing overwritten")

	// A stale save after several versions is refused just the same.
	_, cur := a.docForm("INC-1")
	require.Equal(t, http.StatusSeeOther, a.save("INC-1", ca, cur, "# Alice\n\n二版目。\n").status)
	res = b.save("INC-1", cb, "1", "# Bob\n")
	require.Equal(t, http.StatusConflict, res.status)
	require.Contains(t, html.UnescapeString(res.body), "+二版目。")
	require.Len(t, h.versions(inc.ID), 2)
}

// TestPostmortemStatesLibraryAndDownloads: reviewed and published from the
// document's buttons (chat's commands, on the timeline with who), then in
// the library, found by a Japanese word only the edited text has, and
// downloaded as Markdown and in the zip.
func TestPostmortemStatesLibraryAndDownloads(t *testing.T) {
	h := newDocHarness(t)
	inc := h.declare(alice, "Checkout is failing P2")
	b := h.signedIn(alice)
	csrf, base := b.docForm("INC-1")

	// Publishing before review is refused.
	require.Equal(t, http.StatusSeeOther, b.post("/incidents/INC-1/actions/postmortem-publish", url.Values{"csrf": {csrf}}).status)
	page := b.get("/incidents/INC-1/postmortem")
	require.Contains(t, page.body, "is not reviewed yet")

	// Nothing in the library before it is published.
	lib := b.get("/postmortems?q=" + url.QueryEscape("証明書"))
	require.Equal(t, http.StatusOK, lib.status)
	require.Contains(t, lib.body, "No published postmortem matches.")

	require.Equal(t, http.StatusSeeOther, b.save("INC-1", csrf, base, "# Checkout\n\n原因は証明書の期限切れでした。\n").status)
	res := b.post("/incidents/INC-1/actions/postmortem-reviewed", url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusSeeOther, res.status)
	require.Equal(t, "/incidents/INC-1/postmortem", res.header.Get("Location"))
	page = b.get("/incidents/INC-1/postmortem")
	require.Contains(t, page.body, "marked the postmortem of INC-1 reviewed")
	require.Contains(t, page.body, `id="pm-publish"`)
	res = b.post("/incidents/INC-1/actions/postmortem-publish", url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusSeeOther, res.status)
	page = b.get("/incidents/INC-1/postmortem")
	require.Contains(t, page.body, "published the postmortem of INC-1 to the library")
	require.Contains(t, page.body, `<span class="status pm-published" id="pm-state">Published</span>`)

	entries := h.pmEntries(inc.ID)
	require.Len(t, entries, 3)
	for i, want := range []string{"saved", "reviewed", "published"} {
		require.Equal(t, want, entries[i].Data["action"])
		require.Equal(t, alice.ID, entries[i].Author.ID)
	}
	require.Equal(t, "web", entries[2].Data["via"], "the timeline says it came from the browser")
	got, err := h.st.Get(context.Background(), inc.ID)
	require.NoError(t, err)
	require.Equal(t, alice.ID, got.PostmortemPublishedBy.ID)

	// The library: listed, found by a word of the edited text only.
	lib = b.get("/postmortems")
	require.Contains(t, lib.body, `href="/incidents/INC-1/postmortem">INC-1: Checkout is failing</a>`)
	lib = b.get("/postmortems?q=" + url.QueryEscape("期限切れ"))
	require.Contains(t, lib.body, "INC-1: Checkout is failing")
	require.Contains(t, lib.body, "原因は証明書の期限切れでした。", "the excerpt")
	lib = b.get("/postmortems?q=" + url.QueryEscape("データベース"))
	require.Contains(t, lib.body, "No published postmortem matches.")
	lib = b.get("/postmortems?priority=P1")
	require.Contains(t, lib.body, "No published postmortem matches.")
	lib = b.get("/postmortems?priority=P9")
	require.Equal(t, http.StatusBadRequest, lib.status)

	// Tags, then the tag filter.
	res = b.post("/incidents/INC-1/postmortem/tags", url.Values{"csrf": {csrf}, "service": {"checkout"}, "cause": {"設定"}, "tags": {"TLS、証明書, tls"}})
	require.Equal(t, http.StatusSeeOther, res.status)
	lib = b.get("/postmortems?cause=" + url.QueryEscape("設定"))
	require.Contains(t, lib.body, "INC-1: Checkout is failing")
	require.Contains(t, lib.body, `<span class="badge">証明書</span>`)
	lib = b.get("/postmortems?service=billing")
	require.Contains(t, lib.body, "No published postmortem matches.")

	// Downloads.
	md := b.get("/incidents/INC-1/postmortem.md")
	require.Equal(t, http.StatusOK, md.status)
	require.Equal(t, "text/markdown; charset=utf-8", md.header.Get("Content-Type"))
	require.Contains(t, md.header.Get("Content-Disposition"), "INC-1-postmortem.md")
	require.Equal(t, "# Checkout\n\n原因は証明書の期限切れでした。\n", md.body)
	files := zipFiles(t, b.get("/postmortems.zip"))
	require.Equal(t, map[string]string{"INC-1.md": md.body}, files)

	// Chat's search links the published postmortem.
	h.say(bob, "CGEN", "search 期限切れ")
	c, ok := h.p.Last("Reply")
	require.True(t, ok)
	require.Contains(t, c.Msg.Text, h.srv.URL+"/incidents/INC-1/postmortem")
}

func zipFiles(t *testing.T, res response) map[string]string {
	t.Helper()
	require.Equal(t, http.StatusOK, res.status, res.body)
	require.Equal(t, "application/zip", res.header.Get("Content-Type"))
	zr, err := zip.NewReader(bytes.NewReader([]byte(res.body)), int64(len(res.body)))
	require.NoError(t, err)
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		out[f.Name] = string(b)
	}
	return out
}

// TestPostmortemOutsiderAndForgedRequests: an outsider cannot read or
// change a private incident's postmortem (page, save, preview, tags, .md
// are 404s like a number never used; it is in no library and no zip); a
// wrong CSRF token and a missing session change nothing.
func TestPostmortemOutsiderAndForgedRequests(t *testing.T) {
	h := newDocHarness(t)
	priv := h.declare(alice, "Payroll data exposed P1 <@U2|bob> private")
	require.True(t, priv.Private)
	a := h.signedIn(alice)
	csrf, base := a.docForm(priv.Key())
	require.Equal(t, http.StatusSeeOther, a.save(priv.Key(), csrf, base, "# Payroll\n\n給与データの漏えい。\n").status)
	require.Equal(t, http.StatusSeeOther, a.post("/incidents/INC-1/actions/postmortem-reviewed", url.Values{"csrf": {csrf}}).status)
	require.Equal(t, http.StatusSeeOther, a.post("/incidents/INC-1/actions/postmortem-publish", url.Values{"csrf": {csrf}}).status)
	require.Contains(t, a.get("/postmortems").body, "INC-1: Payroll data exposed")

	out := h.signedIn(carol)
	oc := out.csrf()
	never := out.get("/incidents/INC-9/postmortem")
	require.Equal(t, http.StatusNotFound, never.status)
	for _, res := range []response{
		out.get("/incidents/INC-1/postmortem"),
		out.get("/incidents/INC-1/postmortem.md"),
		out.save("INC-1", oc, "1", "# mine\n"),
		out.post("/incidents/INC-1/postmortem/preview", url.Values{"csrf": {oc}, "text": {"x"}}),
		out.post("/incidents/INC-1/postmortem/tags", url.Values{"csrf": {oc}, "service": {"x"}}),
	} {
		require.Equal(t, http.StatusNotFound, res.status)
		require.Contains(t, res.body, "There is no incident INC-1.")
		require.NotContains(t, res.body, "Payroll")
		require.NotContains(t, res.body, "給与")
	}
	lib := out.get("/postmortems")
	require.Contains(t, lib.body, "No published postmortem matches.")
	require.NotContains(t, out.get("/postmortems?q="+url.QueryEscape("給与")).body, "Payroll")
	require.Empty(t, zipFiles(t, out.get("/postmortems.zip")))
	// A member of its audience reads it.
	require.Contains(t, h.signedIn(bob).get("/postmortems").body, "INC-1: Payroll data exposed")

	// A wrong CSRF token: 403, nothing saved.
	res := a.save(priv.Key(), "forged", "1", "# forged\n")
	require.Equal(t, http.StatusForbidden, res.status)
	res = a.post("/incidents/INC-1/postmortem/preview", url.Values{"csrf": {"forged"}, "text": {"x"}})
	require.Equal(t, http.StatusForbidden, res.status)
	// No session: sent to sign in, nothing saved, nothing shown.
	anon := h.browser()
	for _, res := range []response{
		anon.get("/incidents/INC-1/postmortem"), anon.get("/incidents/INC-1/postmortem.md"),
		anon.get("/postmortems"), anon.get("/postmortems.zip"),
		anon.save("INC-1", csrf, "1", "# anonymous\n"),
	} {
		require.Equal(t, http.StatusSeeOther, res.status)
		require.Equal(t, "/signin", res.header.Get("Location"))
		require.NotContains(t, res.body, "給与")
	}
	vs := h.versions(priv.ID)
	require.Len(t, vs, 1)
	require.Equal(t, "# Payroll\n\n給与データの漏えい。\n", vs[0].Text)
}

// TestPostmortemPreview: the live preview renders the posted Markdown
// with the sanitising renderer.
func TestPostmortemPreview(t *testing.T) {
	h := newDocHarness(t)
	h.declare(alice, "Checkout is failing P2")
	b := h.signedIn(alice)
	csrf, _ := b.docForm("INC-1")
	res := b.post("/incidents/INC-1/postmortem/preview", url.Values{"csrf": {csrf}, "text": {"## 影響\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))"}})
	require.Equal(t, http.StatusOK, res.status)
	require.Contains(t, res.body, "<h2>影響</h2>")
	require.NotContains(t, res.body, "<script")
	require.NotContains(t, res.body, "javascript:")
	require.True(t, strings.HasPrefix(res.header.Get("Content-Type"), "text/html"))
}

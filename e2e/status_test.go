package e2e

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/app"
)

// TestStatusPageStory is the status page's done-when: a P1 marked on
// Checkout with `update --public` in chat shows on /status as a major
// outage with that update within a second, in Japanese and English, and
// in the Atom feed; resolving it returns Checkout to operational and
// leaves it in the history. Not one internal string of the incident (its
// title, the people, chat messages, internal updates, a private incident)
// reaches the page, the feed or the JSON summary.
func TestStatusPageStory(t *testing.T) {
	base, out, say := statusConsole(t)
	waitOut := func(s string) {
		t.Helper()
		require.Eventually(t, func() bool { return strings.Contains(out.String(), s) }, 10*time.Second, 10*time.Millisecond, "%q in:\n%s", s, out)
	}
	get := func(path, lang string) (int, http.Header, string) { return visit(t, base+path, lang) }

	// Nothing is wrong yet.
	status, _, page := get("/status", "en")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, page, "All systems operational")

	// A private incident on Checkout, and the public P1 with everything
	// internal an incident holds.
	say("/incident declare Hidden-Ledger-Breach-7781 --private", "/incident components Checkout")
	waitOut("private incidents never appear on the public status page")
	say("/incident declare Zebra-Internal-Title-4417 P1",
		"/incident components Chekout")
	waitOut("`Chekout` is not a status page component. Components: Checkout, Login, API.")
	say("/incident update --public ja: 決済で障害が発生しています / en: Payments are failing at checkout",
		"db-shard-secret-chat-9123 is on fire",
		"/incident update Internal-Update-Rollback-5521")
	waitOut("is not on the status page, so customers would not see this update")
	waitOut("Internal-Update-Rollback-5521")

	say("/incident components Checkout",
		"/incident update --public ja: 決済で障害が発生しています / en: Payments are failing at checkout")
	posted := time.Now()
	waitOut("Public update on")

	var ja, en string
	require.Eventually(t, func() bool {
		_, _, ja = get("/status", "ja")
		_, _, en = get("/status", "en")
		return strings.Contains(en, "Payments are failing at checkout") && strings.Contains(ja, "決済で障害が発生しています")
	}, 5*time.Second, 20*time.Millisecond)
	require.Less(t, time.Since(posted), time.Second+500*time.Millisecond, "shown within a second (plus the console's own pace)")
	require.Regexp(t, `data-component="Checkout" data-state="major_outage"><span class="cname">Checkout</span> <span class="cstate">Major outage</span>`, en)
	require.Contains(t, ja, `<span class="cstate">大規模停止</span>`)
	require.Contains(t, ja, `data-component="Login" data-state="operational"`)
	require.NotContains(t, ja, "Payments are failing", "a Japanese visitor reads the Japanese text")

	status, hdr, feed := get("/status/feed.atom", "en")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "application/atom+xml; charset=utf-8", hdr.Get("Content-Type"))
	var parsed struct {
		XMLName xml.Name
		Entries []struct {
			Title   string `xml:"title"`
			Content string `xml:"content"`
		} `xml:"entry"`
	}
	require.NoError(t, xml.Unmarshal([]byte(feed), &parsed), "the feed is XML")
	require.Equal(t, "http://www.w3.org/2005/Atom", parsed.XMLName.Space)
	require.Len(t, parsed.Entries, 1)
	require.Equal(t, "Payments are failing at checkout", parsed.Entries[0].Content)
	require.Equal(t, "Incident affecting Checkout · Major outage", parsed.Entries[0].Title)

	_, _, js := get("/status/summary.json", "ja")
	var sum struct {
		Components []struct{ Name, State string }
		Ongoing    []struct {
			Updates []struct {
				Text  string
				Texts map[string]string
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(js), &sum), js)
	require.Equal(t, "major_outage", sum.Components[0].State)
	require.Equal(t, "決済で障害が発生しています", sum.Ongoing[0].Updates[0].Text)
	require.Equal(t, "Payments are failing at checkout", sum.Ongoing[0].Updates[0].Texts["en"])

	// Cacheable: the same ETag gets a 304.
	_, hdr, _ = get("/status", "en")
	etag := hdr.Get("ETag")
	require.NotEmpty(t, etag)
	require.Equal(t, "public, max-age=5", hdr.Get("Cache-Control"))
	req, _ := http.NewRequest(http.MethodGet, base+"/status", nil)
	req.Header.Set("Accept-Language", "en")
	req.Header.Set("If-None-Match", etag)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusNotModified, res.StatusCode)

	for _, body := range []string{ja, en, feed, js} {
		for _, secret := range []string{"Zebra-Internal-Title-4417", "Hidden-Ledger-Breach-7781", "alice",
			"db-shard-secret-chat-9123", "Internal-Update-Rollback-5521", "INC-1", "INC-2", "P1"} {
			require.NotContains(t, body, secret, "the public page leaks %q", secret)
		}
	}

	// Resolving returns Checkout to operational and keeps the incident in
	// the history.
	say("/incident resolve")
	waitOut("resolved")
	require.Eventually(t, func() bool {
		_, _, en = get("/status", "en")
		return strings.Contains(en, "All systems operational")
	}, 5*time.Second, 20*time.Millisecond)
	require.Contains(t, en, `data-component="Checkout" data-state="operational"`)
	require.Contains(t, en, "No ongoing incidents.")
	past := en[strings.Index(en, `id="h-history"`):]
	require.Contains(t, past, "Incident affecting Checkout")
	require.Contains(t, past, "Payments are failing at checkout")
	require.Contains(t, past, `class="day state-major_outage"`, "today's bar shows the outage")
	_, _, feed = get("/status/feed.atom", "en")
	require.Contains(t, feed, "Resolved: Checkout operational again.")
}

// statusConsole runs `warroom console` as alice with a status page of
// Checkout, Login and API, and returns the base URL of its web pages, its
// transcript and a way to type lines into it.
func statusConsole(t *testing.T) (string, *lockedBuffer, func(...string)) {
	cfg := loadConfig(t, "", testEnv(t, map[string]string{"WARROOM_STATUS_PAGE_COMPONENTS": "Checkout,Login,API"}))
	stdin, typed := io.Pipe()
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		term := app.Terminal{In: stdin, Out: out, User: "alice", Speed: 1}
		done <- app.Console(context.Background(), cfg, app.NewLogger(io.Discard, "warn", "", false), term, app.Options{})
	}()
	t.Cleanup(func() {
		_ = typed.Close()
		select {
		case err := <-done:
			require.True(t, stopped(err), "console stops cleanly: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatal("console did not stop")
		}
	})
	var base string
	require.Eventually(t, func() bool {
		base = regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(out.String())
		return base != ""
	}, 10*time.Second, 10*time.Millisecond)
	return base, out, func(lines ...string) {
		t.Helper()
		_, err := io.WriteString(typed, strings.Join(lines, "\n")+"\n")
		require.NoError(t, err)
	}
}

// visit GETs url as an anonymous visitor whose browser prefers lang.
func visit(t *testing.T, url, lang string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Language", lang)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header, string(raw)
}

// TestStatusPageWebForms: the incident page offers the same as chat: its
// components form marks the incident (with a chosen state) and the update
// form's public toggle posts a customer-facing update.
func TestStatusPageWebForms(t *testing.T) {
	base, out, say := statusConsole(t)
	say("/incident declare Checkout latency P3", "/incident web INC-1")
	var link string
	require.Eventually(t, func() bool { link = signInRE.FindString(out.String()); return link != "" }, 10*time.Second, 10*time.Millisecond)
	b := newWebBrowser(t)
	next := b.signIn(link)
	_, _, page := b.do(http.MethodGet, base+next, nil)
	require.Contains(t, page, `name="component" value="Checkout"`)
	require.Contains(t, page, `name="public"`)

	page = b.act(base+next, "components", map[string][]string{"component": {"Checkout", "Payments"}})
	require.Contains(t, page, "Status page components: “Payments” is not one of the choices. Nothing was changed.")
	page = b.act(base+next, "components", map[string][]string{"component": {"Checkout"}, "state-Checkout": {"partial_outage"}})
	require.Contains(t, page, "is on the status page, affecting: Checkout (Partial outage)")
	b.act(base+next, "update", map[string][]string{"text": {"Checkout is slow for some customers"}, "public": {"on"}})
	b.act(base+next, "update", map[string][]string{"text": {"internal-only-note-3310"}})

	_, _, status := visit(t, base+"/status", "en")
	require.Contains(t, status, `data-component="Checkout" data-state="partial_outage"`)
	require.Contains(t, status, "Checkout is slow for some customers")
	require.NotContains(t, status, "internal-only-note-3310")
	require.NotContains(t, status, "Checkout latency")
}

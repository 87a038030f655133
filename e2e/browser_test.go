package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
	"github.com/warroomhq/warroom/adapters/teams/faketeams"
)

// chromium is the path of Debian's chromium. Outside CI a machine
// without it skips the browser tests; in CI (which installs it) its
// absence is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed; .ci/run installs it (with fonts-noto-cjk)")
		}
		t.Skip("chromium is not installed")
	}
	return bin
}

// newChromium starts one headless chromium for a whole test and returns
// the context of its first tab. The machine's network may be closed, so
// the browser makes no connection of its own.
func newChromium(t *testing.T, bin string) context.Context {
	t.Helper()
	home := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.DisableGPU, chromedp.NoSandbox,
		chromedp.UserDataDir(filepath.Join(home, "profile")),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("hide-scrollbars", true),
		chromedp.Env("HOME=" + home),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	// The first run starts the browser; it must not carry a deadline, or
	// the deadline would stop the browser (see chromedp.Run).
	_, err := chromedp.Run(tab, chromedp.Navigate("about:blank"))
	require.NoError(t, err, "chromium starts")
	return tab
}

// step runs one browser action with a deadline of its own.
func step[T any](t *testing.T, tab context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	require.NoError(t, err, what)
	return v
}

// fontsOf names the platform fonts chromium drew the text of the first
// element sel matches with: what shows whether Japanese is rendered, or
// drawn as empty boxes for want of a font.
func fontsOf(sel chromedp.CSS) chromedp.Action[[]string] {
	return chromedp.QueryAfter(sel, func(ctx context.Context, tg *chromedp.Target, nodes []*chromedp.Node) ([]string, error) {
		if _, err := cdp.Call(ctx, tg, css.Enable, cdp.Empty{}); err != nil {
			return nil, err
		}
		nodes[0].RLock()
		id := nodes[0].NodeID
		nodes[0].RUnlock()
		r, err := cdp.Call(ctx, tg, css.GetPlatformFontsForNode, css.GetPlatformFontsForNodeParams{NodeID: id})
		if err != nil {
			return nil, err
		}
		var names []string
		for _, f := range r.Fonts {
			names = append(names, f.FamilyName)
		}
		return names, nil
	})
}

// screenshotDir is where the screenshots go: WARROOM_SCREENSHOTS when set
// (`make screenshots` sets it to docs/screenshots), else a folder of the
// test's own that is gone after it.
func screenshotDir(t *testing.T) string {
	if dir := os.Getenv("WARROOM_SCREENSHOTS"); dir != "" {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		return dir
	}
	return t.TempDir()
}

// viewport is one size a page is shown at.
type viewport struct {
	name          string
	width, height int64
	opts          []chromedp.EmulateViewportOption
}

// viewports are the sizes of the README's screenshots: a laptop's 1280 px
// and a phone's 360 px.
var viewports = []viewport{
	{"desktop", 1280, 800, nil},
	{"phone", 360, 740, []chromedp.EmulateViewportOption{chromedp.EmulateMobile, chromedp.EmulatePortrait}},
}

// shot is one screenshot: the page at path (on base, in lang) whose main
// part says want, saved as <page>-<viewport>-<lang>.png in dir.
type shot struct {
	dir, base, page, path, lang, want string
}

// take opens s's page at size v as a person would see it, checks that it
// shows want, in lang, with the language menu drawn in a Japanese font
// (fonts-noto-cjk), saves the full page's screenshot and asserts that
// nothing scrolls sideways.
func (s shot) take(t *testing.T, tab context.Context, v viewport) {
	t.Helper()
	name := fmt.Sprintf("%s-%s-%s.png", s.page, v.name, s.lang)
	sep := "?"
	if strings.Contains(s.path, "?") {
		sep = "&"
	}
	step(t, tab, name+": size", chromedp.EmulateViewport(v.width, v.height, v.opts...))
	step(t, tab, name+": open", chromedp.Navigate(s.base+s.path+sep+"lang="+s.lang))
	require.Equal(t, s.lang, step(t, tab, name+": lang", chromedp.Evaluate[string](`document.documentElement.lang`)))
	require.Contains(t, step(t, tab, name+": text", chromedp.Text(chromedp.CSS("main"))), s.want, name)
	fonts := step(t, tab, name+": fonts", fontsOf(`.langs [lang="ja"]`))
	require.True(t, slices.ContainsFunc(fonts, func(f string) bool { return strings.Contains(f, "CJK") }),
		"%s: 日本語 is drawn with %v, not a Japanese font (fonts-noto-cjk)", name, fonts)
	png := step(t, tab, name+": shot", chromedp.FullScreenshot(100))
	require.NoError(t, os.WriteFile(filepath.Join(s.dir, name), png, 0o644))
	// A page no wider than the screen: nothing to scroll sideways.
	overflow := step(t, tab, name+": width", chromedp.Evaluate[int](
		`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	assert.LessOrEqual(t, overflow, 0, "%s scrolls sideways by %d px", name, overflow)
}

// slackSignIn runs `/incident web [args]` as user in channel of sl and
// returns the sign-in link Warroom answers that command with (only the
// answers after it are read, so each person gets their own link).
func slackSignIn(t *testing.T, sl *fakeslack.Server, base, user, channel, args string) string {
	t.Helper()
	answers := &slackAnswers{sl: sl, base: base, user: user, channel: channel, since: len(sl.Responses())}
	answers.command(t, strings.TrimSpace("web "+args))
	var link string
	answers.wait(t, "the sign-in link", func(raw string) bool { link = signInRE.FindString(raw); return link != "" })
	return link
}

// newPerson opens a tab in a browser context of its own next to tab's:
// another person, whose cookies are theirs alone.
func newPerson(t *testing.T, tab context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(tab, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// As the browser's, a tab's first run opens it for the life of its
	// context, so it carries no deadline.
	_, err := chromedp.Run(ctx, chromedp.Navigate("about:blank"))
	require.NoError(t, err, "a tab of another person opens")
	return ctx
}

// TestBrowser drives one real chromium through the web pages of one
// `warroom serve` with Slack (fake) and Teams (fake): it signs in with
// the link `/incident web` sent in Slack, sees a message said in the
// channel appear on the open incident page, clicks Resolve (and Slack's
// card is updated), signs Bob in from Teams in a tab of his own, and
// takes the screenshots of the dashboard and the incident page, at
// desktop and phone widths, in English and Japanese.
func TestBrowser(t *testing.T) {
	bin := chromium(t)
	sl := fakeslack.New(t)
	sl.AddUser("U0ALICE", "alice", "Alice", "en-US")
	general := sl.AddChannel("general", false, "U0ALICE")
	tm := faketeams.New(t, faketeams.WithoutRateLimits())
	addr := freePort(t)
	getenv := testEnv(t, map[string]string{
		"SLACK_BOT_TOKEN": fakeslack.BotToken, "SLACK_SIGNING_SECRET": fakeslack.SigningSecret,
		"SLACK_API_URL": sl.APIURL(), "SLACK_TEAM_ID": fakeslack.TeamID,
		"MICROSOFT_APP_ID": faketeams.AppID, "MICROSOFT_APP_PASSWORD": faketeams.AppPassword,
		"MICROSOFT_APP_TENANT_ID": faketeams.TenantID, "MICROSOFT_LOGIN_URL": tm.LoginURL(),
		"MICROSOFT_GRAPH_URL": tm.GraphURL(), "TEAMS_OPENID_METADATA_URL": tm.MetadataURL(),
		"TEAMS_SERVICE_URL": tm.ServiceURL(), "TEAMS_TEAM_ID": faketeams.TeamID,
		"WARROOM_ADDR": addr, "WARROOM_PUBLIC_URL": "http://" + addr,
	})
	base, stop := startServe(t, getenv)
	defer stop()

	slash := func(text string) {
		t.Helper()
		status, err := slackPost(base, "/slack/commands", []byte(sl.SlashCommandForm("U0ALICE", general, text).Encode()),
			"application/x-www-form-urlencoded")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
	}
	say := func(channel, text string) {
		t.Helper()
		// Said now (the fake's own stamps are of a fixed day in 2024).
		ts := fmt.Sprintf("%d.%06d", time.Now().Unix(), time.Now().Nanosecond()/1000)
		body := sl.EventCallback("", sl.MessageEvent(fakeslack.Message{Channel: channel, User: "U0ALICE", Text: text, TS: ts}))
		status, err := slackPost(base, "/slack/events", body, "application/json")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
	}

	// INC-1 in Slack, with a few words said in its channel; INC-2 in Teams.
	slash("declare Checkout is failing P1")
	pins := sl.WaitCalls("pins.add", 1, 10*time.Second)
	channel, cardTS := pins[0].Params["channel"], pins[0].Params["timestamp"]
	require.NotEmpty(t, cardTS)
	say(channel, "Error rate on /checkout is 40% since the 14:02 deploy")
	say(channel, "決済サービスのロールバックを開始します")
	msg := tm.MessageActivity(faketeams.TeamThreadID, faketeams.UserID("bob"), "Bob",
		faketeams.BotMention().Markup()+" declare Search results are slow P3", faketeams.BotMention())
	require.Equal(t, http.StatusOK, tm.Deliver(base+"/teams/messages", msg).Status)
	tm.WaitCalls("graph.channels", 1, 10*time.Second)

	link := slackSignIn(t, sl, base, "U0ALICE", general, "INC-1")
	require.True(t, strings.HasPrefix(link, base+"/signin/"), link)

	start := time.Now()
	tab := newChromium(t, bin)
	incident := base + "/incidents/INC-1"
	resolveButton := chromedp.CSS(`form[action$="/resolve"] button[type="submit"]`)

	t.Run("sign in through the link from Slack", func(t *testing.T) {
		// The link's page posts its own form from its script; only then is
		// the browser signed in and sent on to the incident.
		step(t, tab, "open the link", chromedp.Navigate(link+"?lang=en"))
		step(t, tab, "land on the incident", chromedp.WaitVisible(resolveButton))
		require.Equal(t, incident, step(t, tab, "location", chromedp.Location()))
		require.Equal(t, "INC-1: Checkout is failing", step(t, tab, "heading", chromedp.Text(chromedp.CSS("h1"))))
		require.Contains(t, step(t, tab, "header", chromedp.Text(chromedp.CSS("header .who"))), "Signed in as Alice (slack)")
		// The link is used up: a second visit is told so.
		status, _, page := newWebBrowser(t).do(http.MethodGet, link, nil)
		require.Equal(t, http.StatusGone, status, page)
	})

	t.Run("a message said in Slack appears on the open page", func(t *testing.T) {
		// The page follows its live stream; a mark left on the window
		// shows afterwards that it was never reloaded.
		step(t, tab, "the live stream is open", chromedp.WaitVisible(chromedp.ID("live-state")))
		step(t, tab, "mark the page", chromedp.Evaluate[bool](`window.warroomTestMark = true`))
		const words = "Rollback finished, error rate back to 0.1%"
		said := time.Now()
		say(channel, words)
		wait, cancel := context.WithTimeout(tab, 5*time.Second)
		defer cancel()
		_, err := chromedp.Run(wait, chromedp.WaitVisible(chromedp.Search(
			fmt.Sprintf(`//ol[@id="timeline-entries"]/li/p[contains(., %q)]`, words))))
		require.NoError(t, err, "the message is on the page within 5 s")
		t.Logf("on the page %s after it was said", time.Since(said).Round(time.Millisecond))
		require.True(t, step(t, tab, "the mark", chromedp.Evaluate[bool](`window.warroomTestMark === true`)),
			"the page was not reloaded")
	})

	t.Run("click Resolve", func(t *testing.T) {
		updatesBefore := len(sl.Calls("chat.update"))
		step(t, tab, "type the resolution", chromedp.SendKeys(chromedp.CSS(`#a-resolve`), "rolled back the deploy"))
		step(t, tab, "click Resolve", chromedp.Click(resolveButton))
		step(t, tab, "the page after the action", chromedp.WaitVisible(chromedp.CSS(".flash")))
		require.Equal(t, incident, step(t, tab, "location", chromedp.Location()))
		status := step(t, tab, "status badge", chromedp.Text(chromedp.CSS(".badges .status")))
		require.Equal(t, "resolved", strings.ToLower(status))
		timeline := step(t, tab, "timeline", chromedp.Text(chromedp.CSS("ol.timeline")))
		require.Contains(t, timeline, "(from the web)")
		require.Contains(t, timeline, "rolled back the deploy")

		updates := sl.WaitCalls("chat.update", updatesBefore+1, 10*time.Second)
		last := updates[len(updates)-1]
		require.Equal(t, cardTS, last.Params["ts"], "Slack's pinned card is updated in place")
		require.Contains(t, strings.ToLower(last.Params["blocks"]+last.Params["text"]), "resolved")
	})

	t.Run("sign in from Teams in a second tab", func(t *testing.T) {
		// Bob asks in the Teams channel; the answer is his alone.
		before := len(tm.Calls("connector."))
		ask := tm.MessageActivity(faketeams.TeamThreadID, faketeams.UserID("bob"), "Bob",
			faketeams.BotMention().Markup()+" web INC-2", faketeams.BotMention())
		require.Equal(t, http.StatusOK, tm.Deliver(base+"/teams/messages", ask).Status)
		var teamsLink string
		require.Eventually(t, func() bool {
			for _, c := range tm.Calls("connector.")[before:] {
				raw, _ := json.Marshal(c.Body)
				if teamsLink = signInRE.FindString(string(raw)); teamsLink != "" {
					return true
				}
			}
			return false
		}, 10*time.Second, 20*time.Millisecond, "the sign-in link is sent in Teams")
		// Teams shows a channel reply to every member: the link goes to
		// Bob's 1:1 chat with the bot, never into the channel.
		shown := func(a faketeams.Activity) string {
			raw, _ := json.Marshal(a)
			return string(raw)
		}
		for _, a := range tm.Activities(faketeams.TeamThreadID) {
			require.NotContains(t, shown(a), "/signin/", "no sign-in link in the channel")
		}
		var inChat bool
		for _, a := range tm.Activities(faketeams.PersonalConversationID(faketeams.UserID("bob"))) {
			inChat = inChat || strings.Contains(shown(a), teamsLink)
		}
		require.True(t, inChat, "the link is in Bob's personal chat with the bot")
		// A tab of its own, in a browser context of its own: no cookie of
		// Alice's rides along.
		bob := newPerson(t, tab)
		step(t, bob, "open the link", chromedp.Navigate(teamsLink+"?lang=ja"))
		step(t, bob, "land on the incident", chromedp.WaitVisible(resolveButton))
		require.Equal(t, base+"/incidents/INC-2", step(t, bob, "location", chromedp.Location()))
		require.Equal(t, "INC-2: Search results are slow", step(t, bob, "heading", chromedp.Text(chromedp.CSS("h1"))))
		require.Contains(t, step(t, bob, "header", chromedp.Text(chromedp.CSS("header .who"))), "Bob さん（teams）としてサインイン中")
	})

	t.Run("screenshots", func(t *testing.T) {
		dir := screenshotDir(t)
		pages := []struct{ name, path, en, ja string }{
			{"dashboard", "/", "2 incidents", "2 件のインシデント"},
			{"incident", "/incidents/INC-1", "Timeline", "タイムライン"},
		}
		for _, lang := range []string{"en", "ja"} {
			for _, p := range pages {
				want := map[string]string{"en": p.en, "ja": p.ja}[lang]
				for _, v := range viewports {
					shot{dir: dir, base: base, page: p.name, path: p.path, lang: lang, want: want}.take(t, tab, v)
				}
			}
		}
		t.Logf("screenshots in %s", dir)
	})
	t.Logf("browser steps took %s", time.Since(start).Round(time.Millisecond))
}

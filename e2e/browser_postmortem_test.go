package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
	"github.com/warroomhq/warroom/bot"
)

// TestBrowserPostmortem drives real chromium tabs of three people through
// the postmortem document and its library on one `warroom serve` with
// Slack (fake). Alice edits INC-1's postmortem in the browser, adding a
// Japanese sentence, sees it in the live preview, and saves. Bob, who
// opened the editor before her save, saves his own text and is refused,
// with what Alice changed shown on his page; nothing of hers is lost.
// Alice marks it reviewed and publishes it from the page, finds it in
// the library by a word of that sentence and downloads it as Markdown.
// Carol, signed in but not in the audience of the private INC-2, does
// not find its published postmortem in the library, which Alice does. It
// takes the README's screenshots of the document and of the library.
func TestBrowserPostmortem(t *testing.T) {
	bin := chromium(t)
	sl := fakeslack.New(t)
	sl.AddUser("U0ALICE", "alice", "Alice", "en-US")
	sl.AddUser("U0BOB", "bob", "Bob", "ja-JP")
	sl.AddUser("U0CAROL", "carol", "Carol", "en-US")
	general := sl.AddChannel("general", false, "U0ALICE", "U0BOB")
	random := sl.AddChannel("random", false, "U0CAROL")
	addr := freePort(t)
	getenv := testEnv(t, map[string]string{
		"SLACK_BOT_TOKEN": fakeslack.BotToken, "SLACK_SIGNING_SECRET": fakeslack.SigningSecret,
		"SLACK_API_URL": sl.APIURL(), "SLACK_TEAM_ID": fakeslack.TeamID,
		"WARROOM_ADDR": addr, "WARROOM_PUBLIC_URL": "http://" + addr,
	})
	base, stop := startServe(t, getenv)
	defer stop()
	answers := &slackAnswers{sl: sl, base: base, user: "U0ALICE", channel: general}
	slash := func(text string) {
		t.Helper()
		answers.command(t, text)
	}
	// said waits for Warroom to say want in Slack, in an answer (in the ack
	// or on the response_url) or a post.
	said := func(want string) {
		t.Helper()
		require.Eventually(t, func() bool {
			if _, ok := answers.find(func(raw string) bool { return strings.Contains(raw, want) }); ok {
				return true
			}
			for _, c := range sl.Calls("chat.postMessage", "chat.postEphemeral") {
				if strings.Contains(c.Params["text"]+c.Params["blocks"], want) {
					return true
				}
			}
			return false
		}, 10*time.Second, 20*time.Millisecond, "Slack is told %q", want)
	}

	// The sentence Alice adds, and a word of it found nowhere else.
	const (
		sentence = "再発防止の鍵は霜柱キャッシュの無効化手順を決済の前に走らせることです。"
		word     = "霜柱キャッシュ"
		bobs     = "Bob's paragraph, written on the draft he had open."
		// secret is a word only the private incident's postmortem holds.
		secret = "kestrelvault"
	)
	slash("declare Checkout is failing P2")
	sl.WaitCalls("pins.add", 1, 10*time.Second)
	slash("declare Ledger " + secret + " export stuck P3 --private")
	sl.WaitCalls("pins.add", 2, 10*time.Second)
	slash("INC-2 postmortem")
	said("Postmortem")
	slash("INC-2 postmortem reviewed")
	said("marked the postmortem of INC-2 reviewed")
	slash("INC-2 postmortem publish")
	said("published the postmortem of INC-2 to the library")

	alice := newChromium(t, bin)
	bob := newPerson(t, alice)
	carol := newPerson(t, alice)
	signIn := func(tab context.Context, link, lang string) {
		t.Helper()
		step(t, tab, "open the link", chromedp.Navigate(link+"?lang="+lang))
		step(t, tab, "signed in", chromedp.WaitVisible(chromedp.CSS("header .who")))
	}
	signIn(alice, slackSignIn(t, sl, base, "U0ALICE", general, ""), "en")
	signIn(bob, slackSignIn(t, sl, base, "U0BOB", general, ""), "ja")
	signIn(carol, slackSignIn(t, sl, base, "U0CAROL", random, ""), "en")

	doc := base + "/incidents/INC-1/postmortem"
	editor := chromedp.ID("pm-text")
	// typeAtEnd types text at the end of the editor, key by key.
	typeAtEnd := func(tab context.Context, text string) {
		t.Helper()
		step(t, tab, "the caret at the end", chromedp.Evaluate[bool](`(function (t) {
			t.focus(); t.setSelectionRange(t.value.length, t.value.length); return true;
		})(document.getElementById("pm-text"))`))
		step(t, tab, "type", chromedp.SendKeys(editor, text))
	}

	t.Run("Alice edits, sees the preview and saves", func(t *testing.T) {
		// Bob opens the editor first: his copy is of the generated draft.
		step(t, bob, "Bob opens the document", chromedp.Navigate(doc))
		step(t, bob, "Bob's editor", chromedp.WaitVisible(editor))
		require.Equal(t, "0", step(t, bob, "Bob's base", chromedp.Value(chromedp.CSS(`input[name="base"]`))))

		step(t, alice, "open the document", chromedp.Navigate(doc))
		step(t, alice, "the editor", chromedp.WaitVisible(editor))
		draft := step(t, alice, "the draft", chromedp.Value(editor))
		require.Contains(t, draft, "Checkout is failing", "the editor holds the draft generated from the timeline")
		require.NotContains(t, step(t, alice, "the preview before", chromedp.Text(chromedp.ID("pm-preview"))), word)

		typeAtEnd(alice, "\n\n"+sentence+"\n")
		// The preview follows the typing, rendered by the server.
		step(t, alice, "the live preview", chromedp.WaitVisible(chromedp.Search(
			`//div[@id="pm-preview"]/p[contains(., "`+sentence+`")]`)))

		step(t, alice, "save", chromedp.Click(chromedp.ID("pm-save")))
		step(t, alice, "the answer", chromedp.WaitVisible(chromedp.CSS(".flash")))
		require.Equal(t, doc, step(t, alice, "location", chromedp.Location()))
		require.Contains(t, step(t, alice, "flash", chromedp.Text(chromedp.CSS(".flash"))), "Saved as version 1.")
		require.Contains(t, step(t, alice, "the saved text", chromedp.Value(editor)), sentence)
		require.Contains(t, step(t, alice, "the rendered page", chromedp.Text(chromedp.ID("pm-preview"))), sentence)
		require.Contains(t, step(t, alice, "state", chromedp.Text(chromedp.ID("pm-state"))), "Draft")
	})

	t.Run("Bob's save on the old draft is refused with the diff", func(t *testing.T) {
		typeAtEnd(bob, "\n"+bobs+"\n")
		step(t, bob, "Bob saves", chromedp.Click(chromedp.ID("pm-save")))
		step(t, bob, "the refusal", chromedp.WaitVisible(chromedp.ID("pm-conflict")))
		conflict := step(t, bob, "the refusal's text", chromedp.Text(chromedp.ID("pm-conflict")))
		require.Contains(t, conflict, bot.T("ja", "pmdoc.conflict.title"))
		require.Contains(t, conflict, "+"+sentence, "the diff shows the line Alice added")
		kept := step(t, bob, "Bob's editor after", chromedp.Value(editor))
		require.Contains(t, kept, bobs, "Bob's text is kept in his editor")
		require.NotContains(t, kept, sentence)
		// His editor now starts from Alice's version: once he has merged
		// her change into his text, his next save goes through.
		require.Equal(t, "1", step(t, bob, "Bob's base after", chromedp.Value(chromedp.CSS(`input[name="base"]`))))

		// Nothing was overwritten: the document is Alice's version 1.
		step(t, alice, "reload", chromedp.Navigate(doc))
		text := step(t, alice, "the text", chromedp.Value(editor))
		require.Contains(t, text, sentence)
		require.NotContains(t, text, bobs)
		versions := step(t, alice, "the versions", chromedp.Evaluate[int](`document.querySelectorAll(".pm-versions li").length`))
		require.Equal(t, 1, versions)
	})

	t.Run("Alice marks it reviewed and publishes it", func(t *testing.T) {
		step(t, alice, "mark reviewed", chromedp.Click(chromedp.ID("pm-review")))
		step(t, alice, "the publish button", chromedp.WaitVisible(chromedp.ID("pm-publish")))
		require.Equal(t, doc, step(t, alice, "location", chromedp.Location()))
		require.Equal(t, "Reviewed", step(t, alice, "state", chromedp.Text(chromedp.ID("pm-state"))))
		step(t, alice, "publish", chromedp.Click(chromedp.ID("pm-publish")))
		step(t, alice, "published", chromedp.WaitVisible(chromedp.CSS("#pm-state.pm-published")))
		require.Equal(t, "Published", step(t, alice, "state after", chromedp.Text(chromedp.ID("pm-state"))))
		require.Contains(t, step(t, alice, "flash", chromedp.Text(chromedp.CSS(".flash"))), "to the library")
		said("published the postmortem of INC-1 to the library")
	})

	t.Run("Alice finds it in the library and downloads it", func(t *testing.T) {
		step(t, alice, "open the library", chromedp.Navigate(base+"/postmortems"))
		step(t, alice, "type the word", chromedp.SendKeys(chromedp.ID("l-q"), word))
		step(t, alice, "search", chromedp.Click(chromedp.CSS(`form[role="search"] button[type="submit"]`)))
		found := chromedp.CSS(`.pm-library a[href="/incidents/INC-1/postmortem"]`)
		step(t, alice, "the result", chromedp.WaitVisible(found))
		require.Contains(t, step(t, alice, "location", chromedp.Location()), "/postmortems?q=")
		results := step(t, alice, "results", chromedp.Text(chromedp.CSS(".pm-library")))
		require.Contains(t, results, "INC-1: Checkout is failing")
		require.NotContains(t, results, "INC-2", "the word is in INC-1's postmortem only")

		dir := t.TempDir()
		step(t, alice, "downloads go to a folder", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
			return err
		}))
		step(t, alice, "open it", chromedp.Click(found))
		step(t, alice, "the document", chromedp.WaitVisible(editor))
		step(t, alice, "download", chromedp.Click(chromedp.CSS(`a[href="/incidents/INC-1/postmortem.md"]`)))
		var md []byte
		require.Eventually(t, func() bool {
			var err error
			md, err = os.ReadFile(filepath.Join(dir, "INC-1-postmortem.md"))
			return err == nil && len(md) > 0
		}, 10*time.Second, 50*time.Millisecond, "INC-1-postmortem.md is downloaded")
		require.Contains(t, string(md), sentence)
		require.Contains(t, string(md), "Checkout is failing")
	})

	t.Run("a private postmortem is in the library of its audience only", func(t *testing.T) {
		private := chromedp.CSS(`.pm-library a[href="/incidents/INC-2/postmortem"]`)
		step(t, alice, "Alice searches", chromedp.Navigate(base+"/postmortems?q="+secret))
		step(t, alice, "Alice finds INC-2", chromedp.WaitVisible(private))

		for _, path := range []string{"/postmortems?q=" + secret, "/postmortems"} {
			step(t, carol, "Carol opens "+path, chromedp.Navigate(base+path))
			step(t, carol, "the library", chromedp.WaitVisible(chromedp.ID("l-q")))
			main := step(t, carol, "what Carol sees", chromedp.Text(chromedp.CSS("main")))
			require.NotContains(t, main, "INC-2", path)
			require.NotContains(t, main, secret, path)
		}
		require.Contains(t, step(t, carol, "the public one", chromedp.Text(chromedp.CSS(".pm-library"))), "INC-1",
			"Carol's library is not merely empty")
		step(t, carol, "Carol opens INC-2's document", chromedp.Navigate(base+"/incidents/INC-2/postmortem"))
		require.NotContains(t, step(t, carol, "what Carol sees there", chromedp.Text(chromedp.CSS("main"))), secret)
	})

	t.Run("screenshots", func(t *testing.T) {
		dir := screenshotDir(t)
		for _, lang := range []string{"en", "ja"} {
			for _, v := range viewports {
				shot{dir: dir, base: base, page: "postmortem", path: "/incidents/INC-1/postmortem", lang: lang,
					want: bot.T(bot.Lang(lang), "pmdoc.heading", "id", "INC-1")}.take(t, alice, v)
				shot{dir: dir, base: base, page: "library", path: "/postmortems", lang: lang,
					want: bot.T(bot.Lang(lang), "pmdoc.library.title")}.take(t, alice, v)
			}
		}
	})
}

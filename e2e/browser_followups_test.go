package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
)

// TestBrowserFollowUpBoard drives a real chromium through the follow-up
// board of one `warroom serve` with Slack (fake): a follow-up added in
// Slack is on the board, a click on its Done button closes it, and
// Slack's `followups` then says it is done. It takes the board's
// screenshots at desktop and phone widths in English and Japanese.
func TestBrowserFollowUpBoard(t *testing.T) {
	bin := chromium(t)
	sl := fakeslack.New(t)
	sl.AddUser("U0ALICE", "alice", "Alice", "en-US")
	general := sl.AddChannel("general", false, "U0ALICE")
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
	// answer waits for an answer (in the ack or on the response_url) that
	// contains want.
	answer := func(want string) {
		t.Helper()
		answers.wait(t, want, func(raw string) bool { return strings.Contains(raw, want) })
	}

	slash("declare Checkout is failing P2")
	sl.WaitCalls("pins.add", 1, 10*time.Second)
	slash("declare Search results are slow P3")
	sl.WaitCalls("pins.add", 2, 10*time.Second)
	slash("INC-1 followup add add a canary stage due 2026-01-05")
	slash("INC-1 followup add alert on the error rate")
	slash("INC-2 followup add raise the search pool size")
	slash("INC-1 followups")
	answer("#1 [open] add a canary stage")

	link := slackSignIn(t, sl, base, "U0ALICE", general, "")

	tab := newChromium(t, bin)
	done := chromedp.CSS(`form[action="/followups/INC-1/1/done"] button`)
	t.Run("close a follow-up on the board", func(t *testing.T) {
		step(t, tab, "open the link", chromedp.Navigate(link+"?lang=en"))
		step(t, tab, "signed in", chromedp.WaitVisible(chromedp.CSS("header .who")))
		step(t, tab, "open the board", chromedp.Navigate(base+"/followups"))
		step(t, tab, "the follow-up is there", chromedp.WaitVisible(done))
		row := step(t, tab, "its row", chromedp.Text(chromedp.CSS(`#fu-INC-1-1`)))
		require.Contains(t, row, "add a canary stage")
		require.Contains(t, row, "overdue")
		step(t, tab, "click Done", chromedp.Click(done))
		step(t, tab, "the answer", chromedp.WaitVisible(chromedp.CSS(".flash")))
		require.Equal(t, base+"/followups", step(t, tab, "location", chromedp.Location()))
		row = step(t, tab, "its row after", chromedp.Text(chromedp.CSS(`#fu-INC-1-1`)))
		require.Contains(t, row, "done, not verified")
		slash("INC-1 followups")
		answer("#1 [done] add a canary stage")
	})

	t.Run("screenshots", func(t *testing.T) {
		dir := screenshotDir(t)
		for _, lang := range []string{"en", "ja"} {
			want := map[string]string{"en": "3 follow-ups", "ja": "3 件のフォローアップ"}[lang]
			for _, v := range viewports {
				shot{dir: dir, base: base, page: "followups", path: "/followups", lang: lang, want: want}.take(t, tab, v)
			}
		}
	})
}

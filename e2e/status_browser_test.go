package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestBrowserStatusPage opens the public status page, signed in as nobody,
// in a real chromium at phone width (360 px) in Japanese while a P1 is a
// major outage of Checkout: the state and the Japanese public update are
// drawn in a Japanese font, and nothing scrolls sideways. It takes the
// README's screenshots of the page (phone in Japanese, desktop in English).
func TestBrowserStatusPage(t *testing.T) {
	bin := chromium(t)
	base, out, say := statusConsole(t)
	say("/incident declare Checkout payments failing P1", "/incident components Checkout",
		"/incident update --public ja: 決済ができない状態です。復旧作業中です。 / en: Payments fail at checkout. We are restoring service.")
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "Public update on") }, 10*time.Second, 10*time.Millisecond, out.String())
	tab := newChromium(t, bin)
	dir := screenshotDir(t)

	step(t, tab, "phone", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulatePortrait))
	step(t, tab, "open", chromedp.Navigate(base+"/status?lang=ja"))
	require.Equal(t, "ja", step(t, tab, "lang", chromedp.Evaluate[string](`document.documentElement.lang`)))
	text := step(t, tab, "text", chromedp.Text(chromedp.CSS("main")))
	require.Contains(t, text, "一部のシステムに影響が出ています")
	require.Contains(t, text, "大規模停止")
	require.Contains(t, text, "決済ができない状態です。復旧作業中です。")
	require.NotContains(t, text, "Payments fail")
	fonts := step(t, tab, "fonts", fontsOf(`.pubinc .utext`))
	require.True(t, slices.ContainsFunc(fonts, func(f string) bool { return strings.Contains(f, "CJK") }),
		"the update is drawn with %v, not a Japanese font", fonts)
	overflow := step(t, tab, "width", chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	require.LessOrEqual(t, overflow, 0, "the status page scrolls sideways by %d px at 360 px", overflow)
	bars := step(t, tab, "bars", chromedp.Evaluate[int](`document.querySelector('.days').getBoundingClientRect().width`))
	require.Greater(t, bars, 200, "the 90-day bar fills the phone's width")
	png := step(t, tab, "shot", chromedp.FullScreenshot(100))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "status-phone-ja.png"), png, 0o644))

	step(t, tab, "desktop", chromedp.EmulateViewport(1280, 800))
	step(t, tab, "open en", chromedp.Navigate(base+"/status?lang=en"))
	require.Contains(t, step(t, tab, "text en", chromedp.Text(chromedp.CSS("main"))), "Major outage")
	png = step(t, tab, "shot en", chromedp.FullScreenshot(100))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "status-desktop-en.png"), png, 0o644))
}

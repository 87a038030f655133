package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

// richWorld is twelve weeks of made-up but plausible incidents, for the
// browser test and the README's screenshots.
func richWorld(t *testing.T) *harness {
	h := newHarness(t)
	sources := []string{"alertmanager", "", "cloudwatch", "alertmanager", "grafana", ""}
	services := []string{"checkout", "search", "login", "checkout", "payments"}
	var incs []seeded
	for i := range 46 {
		f := seeded{priority: bot.Priorities[(i*5)%7%4], status: bot.StatusResolved, source: sources[i%len(sources)],
			ago:      time.Duration(i)*43*time.Hour + time.Duration(i%5)*time.Hour,
			resolved: time.Duration(20+(i*37)%160) * time.Minute}
		if f.source != "" {
			f.service, f.acked = services[i%len(services)], time.Duration(1+(i*7)%13)*time.Minute
		}
		if i%9 == 0 {
			f.status, f.resolved = bot.StatusInvestigating, 0
		}
		incs = append(incs, f)
	}
	for i, sc := range []string{"db-down", "bad-deploy", "tls-expired", "db-down"} {
		incs = append(incs, seeded{priority: bot.P1, status: bot.StatusResolved, source: "drill", drill: true, scenario: sc,
			ago: time.Duration(70-i*20) * day, acked: time.Duration(2+i*2) * time.Minute,
			update: time.Duration(25-i*5) * time.Minute, resolved: time.Duration(80-i*15) * time.Minute})
	}
	h.seed(incs...)
	for id := int64(1); id <= 40; id += 3 {
		ago := time.Duration(90-id*2) * day
		switch id % 4 {
		case 0:
			h.followUp(id, ago, "", ago-2*day, ago-5*day)
		case 1:
			h.followUp(id, ago, h.now.Add(-ago+7*day).Format(time.DateOnly), 0, 0)
		default:
			h.followUp(id, ago, "", ago-3*day, 0)
		}
	}
	return h
}

// TestBrowserInsights: in a real chromium, signed in through the link
// from chat, the insights page draws every chart (each svg's drawing has
// a size) in both languages, at desktop and phone widths, no wider than
// the screen; with WARROOM_SCREENSHOTS set (`make screenshots`) it saves
// the screenshots there.
func TestBrowserInsights(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed; .ci/run installs it")
		}
		t.Skip("chromium is not installed")
	}
	h := richWorld(t)
	link := h.link(alice, "")
	home := t.TempDir()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.DisableGPU, chromedp.NoSandbox,
		chromedp.UserDataDir(filepath.Join(home, "profile")),
		// This machine's network is closed: no background connections.
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("hide-scrollbars", true), chromedp.Env("HOME="+home))
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()
	_, err = chromedp.Run(tab, chromedp.Navigate("about:blank")) // starts the browser, without a deadline
	require.NoError(t, err)
	cdStep(t, tab, "open the link", chromedp.Navigate(link))
	cdStep(t, tab, "signed in", chromedp.WaitVisible(chromedp.CSS(`header .who`)))

	dir := os.Getenv("WARROOM_SCREENSHOTS")
	sizes := []struct {
		name          string
		width, height int64
		opts          []chromedp.EmulateViewportOption
	}{
		{"desktop", 1280, 800, nil},
		{"phone", 360, 740, []chromedp.EmulateViewportOption{chromedp.EmulateMobile, chromedp.EmulatePortrait}},
	}
	for _, lang := range []string{"en", "ja"} {
		for _, size := range sizes {
			name := fmt.Sprintf("insights-%s-%s", size.name, lang)
			cdStep(t, tab, name+": size", chromedp.EmulateViewport(size.width, size.height, size.opts...))
			cdStep(t, tab, name+": open", chromedp.Navigate(h.srv.URL+"/insights?weeks=12&lang="+lang))
			cdStep(t, tab, name+": drawn", chromedp.WaitVisible(chromedp.CSS(`#chart-priority svg`)))
			heading := cdStep(t, tab, name+": heading", chromedp.Text(chromedp.CSS(`#priority-title`)))
			// The drawing's own box (getBBox) and the box it is shown in.
			drawn := cdStep(t, tab, name+": boxes", chromedp.Evaluate[[]map[string]float64](`[...document.querySelectorAll("section.insight svg")].map(s => {
				const b = s.getBBox(), r = s.getBoundingClientRect();
				return {w: b.width, h: b.height, shownW: r.width, shownH: r.height, shapes: s.querySelectorAll("rect, polyline, circle").length};
			})`))
			overflow := cdStep(t, tab, name+": width", chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
			want := map[string]string{"en": "Incidents per week by priority", "ja": "週ごとのインシデント数（優先度別）"}[lang]
			require.Equal(t, want, heading, name)
			require.Len(t, drawn, 7, "%s: every chart is drawn", name)
			for i, b := range drawn {
				require.Positive(t, b["w"], "%s: chart %d has drawn: %v", name, i, b)
				require.Positive(t, b["h"], "%s: chart %d has drawn: %v", name, i, b)
				require.Positive(t, b["shapes"], "%s: chart %d has shapes", name, i)
				require.GreaterOrEqual(t, b["shownW"], float64(280), "%s: chart %d is wide enough to read", name, i)
			}
			assert.LessOrEqual(t, overflow, 0, "%s scrolls sideways by %d px", name, overflow)
			if dir != "" {
				png := cdStep(t, tab, name+": shot", chromedp.FullScreenshot(100))
				require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
			}
		}
	}
}

// cdStep runs one browser action with a deadline of its own.
func cdStep[T any](t *testing.T, tab context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	require.NoError(t, err, what)
	return v
}

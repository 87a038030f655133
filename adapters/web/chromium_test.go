package web_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A real browser opens the link from chat: the page's script posts the
// sign-in form under the CSP (no inline script), the browser's own
// headers pass the cross-site check, and it lands signed in on the
// incident. It needs Debian's chromium, and skips without it outside CI
// (e2e/browser_test.go drives it by chromedp through a whole `serve`).
func TestChromiumSignsInThroughTheLink(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed; .ci/run installs it")
		}
		t.Skip("chromium is not installed")
	}
	h := newHarness(t)
	h.declare(alice, "Checkout is failing P2")
	link := h.link(alice, "INC-1")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir="+t.TempDir(),
		// This machine's network is closed: no background connections.
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
		"--lang=ja", "--accept-lang=ja", "--virtual-time-budget=5000", "--dump-dom", link)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	require.NoError(t, err)
	dom := string(out)
	require.Contains(t, dom, "<h1>INC-1: Checkout is failing</h1>", "signed in and on the incident:\n%s", dom)
	require.Contains(t, dom, "alice さん（test）としてサインイン中")
	require.False(t, strings.Contains(dom, "リクエストを拒否しました"))

	// The link is used up now.
	res := h.browser().get(link)
	require.Equal(t, 410, res.status)
}

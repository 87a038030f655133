package web_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/web"
)

// A real browser on the live incident page: live.js opens the event
// stream under the CSP, and a message said in the channel after the page
// loaded is in its timeline without a reload.
func TestChromiumLiveTimeline(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed")
	}
	h := newLiveHarness(t, func(*web.Options) {})
	inc := h.declare(alice, "Checkout is failing P2")
	link := h.link(alice, "INC-1")
	go func() {
		// Once the page follows the incident, something is said.
		for range 300 {
			if h.web.HubCount() == 1 {
				time.Sleep(200 * time.Millisecond)
				h.message(inc, bob, "said <live> after the page loaded", "m9")
				// Headless chromium dumps the page only when no request
				// is open: the live streams end (the browser's
				// reconnection is refused).
				time.Sleep(time.Second)
				_ = h.web.Close(context.Background())
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir="+t.TempDir(),
		"--virtual-time-budget=8000", "--dump-dom", link)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	require.NoError(t, err)
	dom := string(out)
	require.Contains(t, dom, "<h1>INC-1: Checkout is failing</h1>", dom)
	require.Contains(t, dom, "said &lt;live&gt; after the page loaded", "inserted live:\n%s", dom)
}

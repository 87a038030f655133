package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/handlers"
)

// keyTracker files issues OPS-1, OPS-2...; the second one's URL is not
// http(s), as a broken tracker might answer.
type keyTracker struct {
	mu sync.Mutex
	n  int
}

func (k *keyTracker) Name() string { return "Jira" }

func (k *keyTracker) Create(context.Context, bot.Issue) (bot.IssueRef, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.n++
	key := "OPS-" + strconv.Itoa(k.n)
	url := "https://acme.atlassian.net/browse/" + key
	if k.n == 2 {
		url = "javascript:alert(1)"
	}
	return bot.IssueRef{Tracker: "Jira", Key: key, URL: url}, nil
}

// TestFollowUpBoardLinksIssues: a follow-up filed in the tracker shows
// its issue on the board, linked when the URL is http(s) and as plain
// text otherwise.
func TestFollowUpBoardLinksIssues(t *testing.T) {
	h, _, _ := boardWorld(t, handlers.Options{Tracking: handlers.Tracking{Tracker: &keyTracker{}, Platform: "jira"}})
	b := h.signedIn(bob)
	var body string
	require.Eventually(t, func() bool {
		res := b.get("/followups")
		body = res.body
		return res.status == http.StatusOK && strings.Count(body, `class="fu-issue"`) == 3
	}, 10*time.Second, 20*time.Millisecond)
	require.Contains(t, body, `<a href="https://acme.atlassian.net/browse/OPS-1" rel="noopener noreferrer">OPS-1</a>`)
	require.NotContains(t, body, "javascript:")
	require.Contains(t, body, "· Jira OPS-2</span>")
}

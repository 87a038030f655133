package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
)

// slackAnswers is what Slack shows user in answer to their slash commands
// in channel: the acknowledgements that carried the answer (Warroom puts a
// reply ready within its budget in the ack) and the posts to response URLs
// from the since-th on.
type slackAnswers struct {
	sl            *fakeslack.Server
	base          string
	user, channel string
	since         int
	mu            sync.Mutex
	acks          []map[string]any
}

// command posts a signed slash command and keeps its ack when it carried
// a message.
func (a *slackAnswers) command(t *testing.T, text string) {
	t.Helper()
	body := []byte(a.sl.SlashCommandForm(a.user, a.channel, text).Encode())
	req, err := http.NewRequest(http.MethodPost, a.base+"/slack/commands", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	fakeslack.Sign(req, body, fakeslack.SigningSecret, time.Now())
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	if len(raw) == 0 {
		return
	}
	var ack map[string]any
	require.NoError(t, json.Unmarshal(raw, &ack))
	a.mu.Lock()
	a.acks = append(a.acks, ack)
	a.mu.Unlock()
}

// find returns the first answer whose JSON matches.
func (a *slackAnswers) find(match func(raw string) bool) (map[string]any, bool) {
	a.mu.Lock()
	all := slices.Clone(a.acks)
	a.mu.Unlock()
	for _, r := range a.sl.Responses()[a.since:] {
		all = append(all, r.Body)
	}
	for _, m := range all {
		raw, _ := json.Marshal(m)
		if match(string(raw)) {
			return m, true
		}
	}
	return nil, false
}

// wait waits until an answer, as JSON, matches, and returns it.
func (a *slackAnswers) wait(t *testing.T, what string, match func(raw string) bool) map[string]any {
	t.Helper()
	var got map[string]any
	require.Eventually(t, func() bool {
		var ok bool
		got, ok = a.find(match)
		return ok
	}, 10*time.Second, 20*time.Millisecond, "Slack shows %s", what)
	return got
}

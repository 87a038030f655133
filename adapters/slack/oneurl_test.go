package slack_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
	"github.com/warroomhq/warroom/bot"
)

// TestOneRequestURL: an app whose manifest names /slack/events for its
// slash command, its interactivity and its events (as a Bolt app's does)
// works through that one URL: the command declares and its declarer hears
// back, a click on the card resolves, a message is recorded. A replayed or
// unsigned command is refused there as on /slack/commands, also when it
// was first delivered to the other URL.
func TestOneRequestURL(t *testing.T) {
	w := newWorld(t, false)
	const form = "application/x-www-form-urlencoded"
	cmd := []byte(w.fake.SlashCommandForm(alice, w.general, "declare One URL for all P2").Encode())
	status, body := w.post("/slack/events", cmd, form)
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"response_type":"ephemeral","text":"⏳ Declaring the incident… its channel follows in a moment."}`, body)
	inc := w.incident(1)
	require.Equal(t, "One URL for all", inc.Title)
	resp := w.fake.WaitResponses(1, wait)
	require.Contains(t, resp[0].Body["text"], "Declared INC-1", "the declarer hears back")

	// The click.
	ch, _ := w.fake.Channel(inc.Channel.ID)
	card, _ := ch.Message(inc.Card.ID)
	click := fakeslack.InteractionForm(w.fake.BlockActionsPayload(alice, inc.Channel.ID, inc.Card.ID, actionOf(t, card.Blocks, "resolve")))
	status, _ = w.post("/slack/events", []byte(click.Encode()), form)
	require.Equal(t, http.StatusOK, status)
	require.Eventually(t, func() bool {
		got, _ := w.st.Get(context.Background(), 1)
		return got.Status == bot.StatusResolved
	}, wait, 10*time.Millisecond)

	// An event callback, as JSON.
	msg := fakeslack.Message{Channel: inc.Channel.ID, User: bob, Text: "still on one URL", TS: w.fake.NewTS()}
	status, _ = w.event(w.fake.NewEventID(), w.fake.MessageEvent(msg))
	require.Equal(t, http.StatusOK, status)
	require.Eventually(t, func() bool {
		for _, e := range w.timeline(inc.ID) {
			if e.Kind == bot.KindMessage && e.Text == "still on one URL" {
				return true
			}
		}
		return false
	}, wait, 10*time.Millisecond)

	// send posts body to path with the captured headers h (nil: unsigned).
	send := func(path string, body []byte, h http.Header) int {
		req, err := http.NewRequest(http.MethodPost, w.srv.URL+path, strings.NewReader(string(body)))
		require.NoError(t, err)
		if h != nil {
			req.Header = h.Clone()
		}
		req.Header.Set("Content-Type", form)
		status, _ := w.do(req)
		return status
	}
	signed := func(body []byte, at time.Time) http.Header {
		req, err := http.NewRequest(http.MethodPost, w.srv.URL, nil)
		require.NoError(t, err)
		fakeslack.Sign(req, body, fakeslack.SigningSecret, at)
		return req.Header
	}
	note := []byte(w.fake.SlashCommandForm(bob, inc.Channel.ID, "note heard once").Encode())
	h := signed(note, time.Now())
	require.Equal(t, http.StatusOK, send("/slack/events", note, h))
	require.Equal(t, http.StatusUnauthorized, send("/slack/events", note, h), "replayed")
	require.Equal(t, http.StatusUnauthorized, send("/slack/commands", note, h), "replayed on the other URL")
	other := []byte(w.fake.SlashCommandForm(bob, inc.Channel.ID, "note heard on commands first").Encode())
	h = signed(other, time.Now().Add(-time.Second))
	require.Equal(t, http.StatusOK, send("/slack/commands", other, h))
	require.Equal(t, http.StatusUnauthorized, send("/slack/events", other, h), "replayed on /slack/events")
	unsigned := []byte(w.fake.SlashCommandForm(bob, inc.Channel.ID, "note never heard").Encode())
	require.Equal(t, http.StatusUnauthorized, send("/slack/events", unsigned, nil), "unsigned")
	// A form that is neither a command nor an interaction.
	neither := []byte("type=event_callback&team_id=" + fakeslack.TeamID)
	require.Equal(t, http.StatusBadRequest, send("/slack/events", neither, signed(neither, time.Now())))

	count := func(text string) int {
		n := 0
		for _, e := range w.timeline(inc.ID) {
			if e.Kind == bot.KindNote && e.Text == text {
				n++
			}
		}
		return n
	}
	require.Eventually(t, func() bool { return count("heard once") == 1 && count("heard on commands first") == 1 }, wait, 10*time.Millisecond)
	// The refused requests were answered before anything was queued.
	require.Equal(t, 1, count("heard once"), "the replays had no effect")
	require.Equal(t, 1, count("heard on commands first"))
	require.Zero(t, count("never heard"))
}

package slack_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack"
	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
	"github.com/warroomhq/warroom/bot"
)

// openedView is the modal a views.open call sent.
type openedView struct {
	CallbackID      string `json:"callback_id"`
	PrivateMetadata string `json:"private_metadata"`
	Blocks          []struct {
		BlockID string `json:"block_id"`
		Element struct {
			InitialValue string `json:"initial_value"`
		} `json:"element"`
	} `json:"blocks"`
}

func (w *world) lastView() openedView {
	w.t.Helper()
	calls := w.fake.Calls("views.open")
	require.NotEmpty(w.t, calls)
	var v openedView
	require.NoError(w.t, json.Unmarshal([]byte(calls[len(calls)-1].Params["view"]), &v))
	return v
}

func (v openedView) initial(blockID string) string {
	for _, b := range v.Blocks {
		if b.BlockID == blockID {
			return b.Element.InitialValue
		}
	}
	return ""
}

// origin is the timeline entry the message shortcut adds, or nil.
func origin(tl []bot.TimelineEntry) *bot.TimelineEntry {
	for i := range tl {
		if tl[i].Data["origin"] == "message" {
			return &tl[i]
		}
	}
	return nil
}

func TestMessageShortcutDeclares(t *testing.T) {
	w := newWorld(t, false)
	said := w.fake.AddMessage(w.general, bob, "Checkout 502 for <!here> &lt;EU&gt; <https://status.example.com|status>\nsince 10:02, <@"+alice+">")

	status, body := w.interact(w.fake.MessageShortcutPayload(alice, w.general, said, slack.ShortcutDeclareFromMessage))
	require.Equal(t, http.StatusOK, status)
	require.Empty(t, body, "a shortcut is acknowledged with an empty 200")
	w.fake.WaitCalls("views.open", 1, wait)
	view := w.lastView()
	require.Equal(t, "declare", view.CallbackID, "the same modal as /incident alone")
	require.Equal(t, "Checkout 502 for @here <EU> status (https://status.example.com)", view.initial("title"), "the first line, as plain text")
	require.Equal(t, "Checkout 502 for @here <EU> status (https://status.example.com)\nsince 10:02, @"+alice, view.initial("description"))
	require.Empty(t, w.fake.Calls("conversations.create"), "nothing is made before the modal is submitted")

	status, body = w.interact(w.fake.ViewSubmissionPayload(alice, w.openedViewID(), map[string]map[string]any{
		"title":       {"title": fakeslack.PlainTextValue("Checkout 502 in the EU")},
		"priority":    {"priority": fakeslack.StaticSelectValue("P1", "P1")},
		"description": {"description": fakeslack.PlainTextValue(view.initial("description"))},
	}))
	require.Equal(t, http.StatusOK, status)
	require.Empty(t, body, "an empty answer closes the modal")
	inc := w.incident(1)
	require.Equal(t, "Checkout 502 in the EU", inc.Title)
	require.Equal(t, bot.P1, inc.Priority)
	ch, ok := w.fake.Channel(inc.Channel.ID)
	require.True(t, ok, "the channel was created")
	card, ok := ch.Message(inc.Card.ID)
	require.True(t, ok, "the card is posted in it")
	require.Contains(t, card.Text, "Checkout 502 in the EU")

	tl := w.timeline(1)
	require.Equal(t, bot.KindDeclared, tl[0].Kind)
	from := tl[1]
	require.Equal(t, "message", from.Data["origin"], "the message is the first entry after the declaration")
	require.Equal(t, bot.KindNote, from.Kind)
	require.True(t, from.Key)
	require.Equal(t, "Alice", from.Author.Display(), "brought in by the declarer")
	require.Equal(t, "ボブ", from.Data["origin_author"], "its author by display name (users.info)")
	require.Equal(t, bob, from.Data["origin_author_id"])
	require.Equal(t, fakeslack.Permalink(w.general, said), from.Data["origin_link"], "its permalink (chat.getPermalink)")
	require.Equal(t, "Checkout 502 for @here <EU> status (https://status.example.com)\nsince 10:02, @"+alice, from.Text)
	require.Len(t, w.fake.Calls("chat.getPermalink"), 1)

	// The declarer is told where the incident is, in the channel the
	// message was in (the bot is not a member there: by direct message).
	require.Eventually(t, func() bool {
		for _, c := range w.fake.Calls("chat.postMessage") {
			if c.Params["channel"] == alice && strings.Contains(c.Params["text"], "Declared INC-1") {
				return true
			}
		}
		return false
	}, wait, 10*time.Millisecond)
}

func TestGlobalShortcutOpensTheEmptyModal(t *testing.T) {
	w := newWorld(t, true)
	require.True(t, w.fake.SocketConnected(wait))
	env := w.fake.SendEnvelope(fakeslack.EnvelopeInteractive, json.RawMessage(w.fake.GlobalShortcutPayload(alice, slack.ShortcutDeclare)))
	ack, ok := w.fake.WaitAck(env, wait)
	require.True(t, ok)
	require.Empty(t, ack, "acknowledged with no payload")
	w.fake.WaitCalls("views.open", 1, wait)
	view := w.lastView()
	require.Equal(t, "declare", view.CallbackID)
	ids := []string{}
	for _, b := range view.Blocks {
		ids = append(ids, b.BlockID)
		require.Empty(t, b.Element.InitialValue, "nothing pre-filled in %s", b.BlockID)
	}
	require.Equal(t, []string{"title", "priority", "description", "commander", "responders", "private"}, ids)
	require.NotContains(t, view.PrivateMetadata, `"o":`, "no message rides along")

	env = w.fake.SendEnvelope(fakeslack.EnvelopeInteractive, json.RawMessage(w.fake.ViewSubmissionPayload(alice, w.openedViewID(), map[string]map[string]any{
		"title":    {"title": fakeslack.PlainTextValue("Search is slow")},
		"priority": {"priority": fakeslack.StaticSelectValue("P3", "P3")},
	})))
	_, ok = w.fake.WaitAck(env, wait)
	require.True(t, ok)
	inc := w.incident(1)
	require.Equal(t, "Search is slow", inc.Title)
	tl := w.timeline(1)
	require.Nil(t, origin(tl), "no message entry without a message")
	require.Len(t, tl, 2)
	require.Empty(t, w.fake.Calls("chat.getPermalink"))
}

func TestMessageShortcutBadInput(t *testing.T) {
	t.Run("an empty message", func(t *testing.T) {
		w := newWorld(t, false)
		said := w.fake.AddMessage(w.general, bob, "")
		status, _ := w.interact(w.fake.MessageShortcutPayload(alice, w.general, said, slack.ShortcutDeclareFromMessage))
		require.Equal(t, http.StatusOK, status)
		resp := w.fake.WaitResponses(1, wait)
		require.Contains(t, resp[0].Body["text"], "That message has no text to start an incident from")
		require.Equal(t, "ephemeral", resp[0].Body["response_type"], "only the person sees it")
		require.Empty(t, w.fake.Calls("views.open", "conversations.create"), "no modal, no channel")
	})
	t.Run("unsigned and forged", func(t *testing.T) {
		w := newWorld(t, false)
		said := w.fake.AddMessage(w.general, bob, "DB down")
		body := []byte(fakeslack.InteractionForm(w.fake.MessageShortcutPayload(alice, w.general, said, slack.ShortcutDeclareFromMessage)).Encode())
		req, err := http.NewRequest(http.MethodPost, w.srv.URL+"/slack/interactions", strings.NewReader(string(body)))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		status, _ := w.do(req)
		require.Equal(t, http.StatusUnauthorized, status, "unsigned")
		req, err = http.NewRequest(http.MethodPost, w.srv.URL+"/slack/interactions", strings.NewReader(string(body)))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		fakeslack.Sign(req, body, "not-the-secret", time.Now())
		status, _ = w.do(req)
		require.Equal(t, http.StatusUnauthorized, status, "signed with another secret")
		time.Sleep(200 * time.Millisecond)
		require.Empty(t, w.fake.Calls("views.open", "users.info"), "nothing was even looked at")
	})
	t.Run("a shortcut that is not ours", func(t *testing.T) {
		w := newWorld(t, false)
		said := w.fake.AddMessage(w.general, bob, "DB down")
		status, body := w.interact(w.fake.MessageShortcutPayload(alice, w.general, said, "someone_elses"))
		require.Equal(t, http.StatusOK, status)
		require.Empty(t, body)
		time.Sleep(200 * time.Millisecond)
		require.Empty(t, w.fake.Calls("views.open"))
	})
	t.Run("an oversized message", func(t *testing.T) {
		w := newWorld(t, false)
		// About Slack's limit of 40,000 characters.
		long := strings.Repeat("決済が失敗 ", 60) + "\n" + strings.Repeat("\"quoted\" & <escaped> ", 1880)
		said := w.fake.AddMessage(w.general, bob, strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(long))
		status, _ := w.interact(w.fake.MessageShortcutPayload(alice, w.general, said, slack.ShortcutDeclareFromMessage))
		require.Equal(t, http.StatusOK, status)
		w.fake.WaitCalls("views.open", 1, wait)
		require.Empty(t, w.fake.Calls("views.open")[0].Error, "Slack took the modal")
		view := w.lastView()
		title := view.initial("title")
		require.Equal(t, 200, utf8.RuneCountInString(title))
		require.True(t, strings.HasSuffix(title, "…"))
		require.Equal(t, 3000, utf8.RuneCountInString(view.initial("description")))
		require.LessOrEqual(t, len(utf16.Encode([]rune(view.PrivateMetadata))), 3000, "private_metadata fits Slack's limit")

		status, body := w.interact(w.fake.ViewSubmissionPayload(alice, w.openedViewID(), map[string]map[string]any{
			"title":    {"title": fakeslack.PlainTextValue(title)},
			"priority": {"priority": fakeslack.StaticSelectValue("P2", "P2")},
		}))
		require.Equal(t, http.StatusOK, status)
		require.Empty(t, body)
		w.incident(1)
		from := origin(w.timeline(1))
		require.NotNil(t, from)
		require.True(t, strings.HasPrefix(from.Text, "決済が失敗 決済が失敗"), from.Text[:40])
		require.True(t, strings.HasSuffix(from.Text, "…"), "a cut text says so")
		require.Contains(t, from.Text, `"quoted" & <escaped>`, "as people wrote it")
		require.Equal(t, fakeslack.Permalink(w.general, said), from.Data["origin_link"], "the link leads to the rest")
	})
}

func TestMessageShortcutPermalinkFallbacks(t *testing.T) {
	w := newWorld(t, false)
	w.fake.RateLimit("chat.getPermalink", 1, 1)
	w.fake.Fail("chat.getPermalink", "channel_not_found", 1)
	said := w.fake.AddMessage(w.general, bob, "disk full on db-1")
	w.interact(w.fake.MessageShortcutPayload(alice, w.general, said, slack.ShortcutDeclareFromMessage))
	w.fake.WaitCalls("views.open", 1, wait)
	status, _ := w.interact(w.fake.ViewSubmissionPayload(alice, w.openedViewID(), map[string]map[string]any{
		"title":    {"title": fakeslack.PlainTextValue("disk full on db-1")},
		"priority": {"priority": fakeslack.StaticSelectValue("P2", "P2")},
	}))
	require.Equal(t, http.StatusOK, status)
	w.incident(1)
	from := origin(w.timeline(1))
	require.NotNil(t, from)
	calls := w.fake.Calls("chat.getPermalink")
	require.Len(t, calls, 2, "429 retried after Retry-After, then refused")
	require.Equal(t, http.StatusTooManyRequests, calls[0].Status)
	require.Equal(t, "channel_not_found", calls[1].Error)
	require.Equal(t, fakeslack.Permalink(w.general, said), from.Data["origin_link"], "built from the workspace's URL instead")
}

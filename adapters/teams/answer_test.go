package teams_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/teams"
	"github.com/warroomhq/warroom/adapters/teams/faketeams"
	"github.com/warroomhq/warroom/bot"
)

// withLocale sets an activity's locale, as a person's Teams client sends it.
func withLocale(t *testing.T, activity []byte, locale string) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(activity, &m))
	m["locale"] = locale
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

// posts are the connector calls that show something to someone.
func posts(fake *faketeams.Server) []faketeams.Call {
	var out []faketeams.Call
	for _, c := range fake.Calls("connector.") {
		switch c.Route {
		case "connector.send", "connector.reply", "connector.update", "connector.createConversation":
			out = append(out, c)
		}
	}
	return out
}

// declaredWorld is a world where INC-1 was declared, once its declarer
// has been told (the declaration is then done).
func declaredWorld(t *testing.T) (*world, *bot.Incident) {
	t.Helper()
	w := newWorld(t)
	inc := w.declare("declare Payments failing P2")
	require.Eventually(t, func() bool {
		raw, _ := json.Marshal(posts(w.fake))
		return strings.Contains(string(raw), "Declared INC-1")
	}, wait, 10*time.Millisecond)
	return w, inc
}

// TestInvokeAnsweredInTheResponse: a card button whose command only
// answers its person (help) is answered in the invoke's HTTP response, in
// the person's language, with the words the typed command gets through
// the connector, and nothing is posted for it.
func TestInvokeAnsweredInTheResponse(t *testing.T) {
	w, inc := declaredWorld(t)
	for _, who := range []struct {
		id, name, locale string
		lang             bot.Lang
	}{{w.alice, "Alice", "en-US", bot.English}, {w.bob, "Bob", "ja-JP", bot.Japanese}} {
		t.Run(who.locale, func(t *testing.T) {
			// Typed, the answer goes through the connector.
			before := len(posts(w.fake))
			typed := w.fake.MessageActivity(inc.Channel.ID, who.id, who.name, faketeams.BotMention().Markup()+" help", faketeams.BotMention())
			require.Equal(t, http.StatusOK, w.deliver(withLocale(t, typed, who.locale)).Status)
			var typedID struct {
				ID string `json:"id"`
			}
			require.NoError(t, json.Unmarshal(typed, &typedID))
			var posted faketeams.Call
			require.Eventually(t, func() bool {
				for _, c := range posts(w.fake)[before:] {
					if c.Body["replyToId"] == typedID.ID {
						posted = c
						return true
					}
				}
				return false
			}, wait, 10*time.Millisecond, "the typed command is answered through the connector")
			queued, err := json.Marshal(posted.Body)
			require.NoError(t, err)
			summary, _ := posted.Body["summary"].(string)
			require.Equal(t, bot.T(who.lang, "help.title"), summary)

			// Clicked, the same answer is the invoke's response.
			before = len(posts(w.fake))
			click := w.fake.InvokeActivity(inc.Channel.ID, cardActivityID(inc), who.id, who.name, "help",
				map[string]any{"wr": "1", "command": "help", "args": ""})
			d := w.deliver(withLocale(t, click, who.locale))
			require.Equal(t, http.StatusOK, d.Status)
			require.False(t, d.CardReplaced, "the card stays: %s", d.Body)
			text, _ := d.InvokeResponse["value"].(string)
			title, _, _ := strings.Cut(text, "\n")
			require.Equal(t, summary, title)
			line := bot.T(who.lang, "help.declare")
			require.Contains(t, text, line, "in the person's language")
			require.Contains(t, string(queued), line)
			require.Len(t, posts(w.fake), before, "nothing posted for the click")
		})
	}
}

// TestInvokeAnswerKeepsFields: a clicked summary is answered in the
// invoke's response with its fields as "label: value" lines, not only its
// title and text.
func TestInvokeAnswerKeepsFields(t *testing.T) {
	w, inc := declaredWorld(t)
	before := len(posts(w.fake))
	click := w.fake.InvokeActivity(inc.Channel.ID, cardActivityID(inc), w.alice, "Alice", "summary",
		map[string]any{"wr": "1", "command": "summary", "args": ""})
	d := w.deliver(withLocale(t, click, "en-US"))
	require.Equal(t, http.StatusOK, d.Status)
	text, _ := d.InvokeResponse["value"].(string)
	require.Contains(t, text, "\n"+bot.T(bot.English, "field.channel")+": ", "the fields are in the answer: %q", text)
	require.Contains(t, text, "\n"+bot.T(bot.English, "field.duration")+": ")
	require.Len(t, posts(w.fake), before, "nothing posted for the click")
}

// TestSecretWhenPersonalChatIsRefused: a sign-in link is for its person
// only, so it goes to their 1:1 chat; when Teams refuses that chat (they
// have not added the app for themselves), they are told so where they
// asked, in their language, and the link is posted nowhere.
func TestSecretWhenPersonalChatIsRefused(t *testing.T) {
	w := newWorld(t, func(w *world, _ *teams.Options) { w.publicURL = "https://warroom.example.com" })
	w.fake.FailNext("connector.createConversation", http.StatusForbidden, 1)
	before := len(posts(w.fake))
	ask := w.fake.MessageActivity(w.general, w.bob, "Bob", faketeams.BotMention().Markup()+" web", faketeams.BotMention())
	require.Equal(t, http.StatusOK, w.deliver(withLocale(t, ask, "ja-JP")).Status)
	want := bot.T(bot.Japanese, "teams.personal_refused", "user", "Bob")
	require.Eventually(t, func() bool {
		raw, _ := json.Marshal(posts(w.fake)[before:])
		return strings.Contains(string(raw), want)
	}, wait, 10*time.Millisecond, "Bob is told in the conversation")
	for _, c := range posts(w.fake)[before:] {
		if c.Status < 300 {
			raw, _ := json.Marshal(c.Body)
			require.NotContains(t, string(raw), "/signin/", "the link is posted nowhere")
		}
	}
}

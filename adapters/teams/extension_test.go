package teams_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/teams"
	"github.com/warroomhq/warroom/adapters/teams/faketeams"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// said posts a user's message in channel and returns its ID.
func (w *world) said(channel, from, name, text string) string {
	w.t.Helper()
	act := w.fake.MessageActivity(channel, from, name, text)
	require.Equal(w.t, http.StatusOK, w.deliver(act).Status)
	var m struct {
		ID string `json:"id"`
	}
	require.NoError(w.t, json.Unmarshal(act, &m))
	return m.ID
}

// inputs are a dialog card's inputs by id, with their values.
func inputs(card map[string]any) map[string]string {
	out := map[string]string{}
	for _, e := range card["body"].([]any) {
		el := e.(map[string]any)
		if t, _ := el["type"].(string); strings.HasPrefix(t, "Input.") {
			v, _ := el["value"].(string)
			out[el["id"].(string)] = v
		}
	}
	return out
}

func submitTitle(t *testing.T, card map[string]any) string {
	t.Helper()
	actions, _ := card["actions"].([]any)
	require.Len(t, actions, 1)
	return actions[0].(map[string]any)["title"].(string)
}

func (w *world) entries(id int64) []bot.TimelineEntry {
	w.t.Helper()
	tl, err := w.st.Timeline(context.Background(), id, store.TimelineQuery{})
	require.NoError(w.t, err)
	return tl
}

func TestMessageActionDeclares(t *testing.T) {
	w := newWorld(t)
	msg := w.said(w.general, w.bob, "Bob", "Checkout returns 502")
	w.fake.SetMessageHTML(msg, `<div><div>Checkout returns <b>502</b> &amp; <at id="0">Alice</at>&nbsp;is on it</div>`+
		`<div>since 10:02 <img alt="a>b" src="https://x/y.png"><script>alert(1)</script>&lt;at&gt;</div></div>`)

	d := w.deliver(w.fake.FetchTaskActivity(w.general, msg, w.alice, "Alice", teams.CommandDeclareFromMessage))
	require.Equal(t, http.StatusOK, d.Status)
	card := d.DialogCard()
	require.NotNil(t, card, "a dialog with the declare form: %s", d.Body)
	values := inputs(card)
	require.Equal(t, "Checkout returns 502 & @Alice is on it", values["title"], "the first line, as text")
	require.Equal(t, "Checkout returns 502 & @Alice is on it\nsince 10:02 <at>", values["description"])
	require.NotContains(t, string(d.Body), "alert(1)")
	require.Empty(t, w.fake.Calls("graph"), "nothing made before the dialog is submitted")

	data := w.fake.DialogData(card, submitTitle(t, card), map[string]any{"title": "Checkout 502", "priority": "P1"})
	d = w.deliver(w.fake.SubmitActionActivity(w.general, msg, w.alice, "Alice", teams.CommandDeclareFromMessage, data))
	require.Equal(t, http.StatusOK, d.Status)
	typ, value := d.Task()
	require.Equal(t, "message", typ)
	require.Contains(t, value, "Declaring the incident")

	inc := w.incident(1)
	require.Equal(t, "Checkout 502", inc.Title)
	require.Equal(t, bot.P1, inc.Priority)
	ch, ok := w.fake.ChannelByName("INC-1 Checkout 502")
	require.True(t, ok, "a channel: %+v", w.fake.Channels())
	_, ok = w.fake.Activity(cardActivityID(inc))
	require.True(t, ok, "the card is posted")

	tl := w.entries(1)
	require.Equal(t, bot.KindDeclared, tl[0].Kind)
	from := tl[1]
	require.Equal(t, "message", from.Data["origin"], "the message is the first entry after the declaration")
	require.Equal(t, bot.KindNote, from.Kind)
	require.True(t, from.Key)
	require.Equal(t, "Alice", from.Author.Display())
	require.Equal(t, "Bob", from.Data["origin_author"])
	require.Equal(t, faketeams.AADObjectID(w.bob), from.Data["origin_author_id"])
	require.Equal(t, w.fake.LinkOf(msg), from.Data["origin_link"])
	require.Equal(t, "Checkout returns 502 & @Alice is on it\nsince 10:02 <at>", from.Text)
	require.Equal(t, ch.ID, inc.Channel.ID)

	// The declarer is told, in the thread of the message.
	require.Eventually(t, func() bool {
		for _, a := range w.fake.Activities(w.general + ";messageid=" + msg) {
			if b, _ := json.Marshal(a.Card()); strings.Contains(string(b), "Declared INC-1") {
				return true
			}
		}
		return false
	}, wait, 20*time.Millisecond)
}

func TestMessageActionBadInput(t *testing.T) {
	t.Run("an empty message", func(t *testing.T) {
		w := newWorld(t)
		msg := w.said(w.general, w.bob, "Bob", "look")
		w.fake.SetMessageHTML(msg, `<div><img src="https://x/graph.png"></div>`)
		d := w.deliver(w.fake.FetchTaskActivity(w.general, msg, w.alice, "Alice", teams.CommandDeclareFromMessage))
		require.Equal(t, http.StatusOK, d.Status)
		typ, value := d.Task()
		require.Equal(t, "message", typ)
		require.Contains(t, value, "That message has no text to start an incident from")
		time.Sleep(100 * time.Millisecond)
		require.Empty(t, w.fake.Calls("graph"))
		incs, err := w.st.List(context.Background(), store.ListQuery{})
		require.NoError(t, err)
		require.Empty(t, incs)
	})
	t.Run("unsigned and forged", func(t *testing.T) {
		w := newWorld(t)
		msg := w.said(w.general, w.bob, "Bob", "DB down")
		act := w.fake.FetchTaskActivity(w.general, msg, w.alice, "Alice", teams.CommandDeclareFromMessage)
		req, err := http.NewRequest(http.MethodPost, w.endpoint, strings.NewReader(string(act)))
		require.NoError(t, err)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusUnauthorized, res.StatusCode, "no token")
		require.Equal(t, http.StatusUnauthorized, w.deliver(act, faketeams.WithOtherKey()).Status, "signed with another key")
		data := map[string]any{"wr": "1", "form": "declare", "meta": "", "title": "Forged", "priority": "P1"}
		sub := w.fake.SubmitActionActivity(w.general, msg, w.alice, "Alice", teams.CommandDeclareFromMessage, data)
		require.Equal(t, http.StatusForbidden, w.deliver(sub, faketeams.WithAudience("someone-else")).Status)
		time.Sleep(100 * time.Millisecond)
		incs, err := w.st.List(context.Background(), store.ListQuery{})
		require.NoError(t, err)
		require.Empty(t, incs, "nothing declared")
	})
	t.Run("another command", func(t *testing.T) {
		w := newWorld(t)
		msg := w.said(w.general, w.bob, "Bob", "DB down")
		d := w.deliver(w.fake.FetchTaskActivity(w.general, msg, w.alice, "Alice", "somethingElse"))
		require.Equal(t, http.StatusOK, d.Status)
		typ, value := d.Task()
		require.Equal(t, "message", typ)
		require.Contains(t, value, "somethingElse")
	})
	t.Run("a submission the form refuses", func(t *testing.T) {
		w := newWorld(t)
		msg := w.said(w.general, w.bob, "Bob", "DB down")
		card := w.deliver(w.fake.FetchTaskActivity(w.general, msg, w.alice, "Alice", teams.CommandDeclareFromMessage)).DialogCard()
		require.NotNil(t, card)
		data := w.fake.DialogData(card, submitTitle(t, card), map[string]any{"priority": "P3"})
		bad := maps.Clone(data)
		bad["title"] = "   " // a client that skips the card's own checks
		d := w.deliver(w.fake.SubmitActionActivity(w.general, msg, w.alice, "Alice", teams.CommandDeclareFromMessage, bad))
		require.Equal(t, http.StatusOK, d.Status)
		again := d.DialogCard()
		require.NotNil(t, again, "the dialog again, with the error: %s", d.Body)
		require.Contains(t, string(d.Body), "This field is required.")
		time.Sleep(100 * time.Millisecond)
		require.Empty(t, w.fake.Calls("graph"), "nothing made")

		d = w.deliver(w.fake.SubmitActionActivity(w.general, msg, w.alice, "Alice", teams.CommandDeclareFromMessage, data))
		require.Equal(t, http.StatusOK, d.Status)
		require.Equal(t, "DB down", w.incident(1).Title, "the pre-filled title, submitted")
	})
	t.Run("an oversized message", func(t *testing.T) {
		w := newWorld(t)
		msg := w.said(w.general, w.bob, "Bob", "big")
		w.fake.SetMessageHTML(msg, "<div>"+strings.Repeat("決済が失敗 ", 60)+"</div><div>"+strings.Repeat("<b>x</b> &amp; y ", 5000)+"</div>")
		d := w.deliver(w.fake.FetchTaskActivity(w.general, msg, w.alice, "Alice", teams.CommandDeclareFromMessage))
		card := d.DialogCard()
		require.NotNil(t, card, "%s", d.Body)
		values := inputs(card)
		require.Equal(t, 200, utf8.RuneCountInString(values["title"]))
		require.True(t, strings.HasSuffix(values["title"], "…"))
		require.Equal(t, 3000, utf8.RuneCountInString(values["description"]))
		data := w.fake.DialogData(card, submitTitle(t, card), map[string]any{"priority": "P2"})
		require.Equal(t, http.StatusOK, w.deliver(w.fake.SubmitActionActivity(w.general, msg, w.alice, "Alice", teams.CommandDeclareFromMessage, data)).Status)
		w.incident(1)
		from := w.entries(1)[1]
		require.Equal(t, "message", from.Data["origin"])
		require.Equal(t, 3000, utf8.RuneCountInString(from.Text))
		require.True(t, strings.HasSuffix(from.Text, "…"), "a cut text says so")
		require.Equal(t, w.fake.LinkOf(msg), from.Data["origin_link"], "the link leads to the rest")
	})
}

package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/warroomhq/warroom/adapters/slack"
	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
	"github.com/warroomhq/warroom/api"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/internal/httpx"
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
)

const (
	alice   = "U0ALICE"
	bob     = "U0BOB"
	wait    = 10 * time.Second
	general = "general"
)

// world is one test's Slack: a fake workspace, the real router, handlers
// and store, the adapter, and its HTTP endpoints on a test server.
type world struct {
	t       *testing.T
	fake    *fakeslack.Server
	st      *store.Store
	r       *bot.Router
	a       *slack.Adapter
	srv     *httptest.Server
	general string
	opts    slack.Options // what a is built with
}

func newWorld(t *testing.T, socket bool) *world {
	t.Helper()
	return newWorldWith(t, socket, func(*slack.Options) {})
}

// newWorldWith builds a world whose adapter's options tune may change.
func newWorldWith(t *testing.T, socket bool, tune func(*slack.Options)) *world {
	t.Helper()
	return newWorldRouter(t, socket, func(*world, *bot.Options) {}, tune)
}

// newWorldRouter builds a world whose router's options rtune may change
// (the store is there) and whose adapter's options tune may.
func newWorldRouter(t *testing.T, socket bool, rtune func(*world, *bot.Options), tune func(*slack.Options)) *world {
	t.Helper()
	w := &world{t: t, fake: fakeslack.New(t), st: storetest.New(t)}
	t.Cleanup(func() {
		for _, c := range w.fake.Calls() {
			_, known := slack.MethodScopes[c.Method]
			require.True(t, known, "%s is called but missing from the manifest test's scope table", c.Method)
		}
	})
	w.fake.AddUser(alice, "alice", "Alice", "en-US")
	w.fake.AddUser(bob, "bob", "ボブ", "ja-JP")
	w.general = w.fake.AddChannel(general, false, alice, bob)
	w.fake.AddChannel("incidents", false, fakeslack.BotUserID)
	ann, _ := w.fake.ChannelByName("incidents")
	log := zaptest.NewLogger(t)
	// As serve's router, it spills what its queues cannot take into Redis,
	// so that a burst under the race detector is never refused.
	ov, err := w.st.Overflow("slack-test")
	require.NoError(t, err)
	ropts := bot.Options{Log: log, Overflow: ov}
	rtune(w, &ropts)
	w.r = bot.NewRouter(ropts)
	t.Cleanup(func() { _ = w.r.Close(context.Background()) })
	_, err = handlers.New(w.st, w.r, handlers.Options{Announce: map[string]string{slack.Name: ann.ID}, Log: log})
	require.NoError(t, err)
	opts := slack.Options{
		BotToken: fakeslack.BotToken, SigningSecret: fakeslack.SigningSecret, APIURL: w.fake.APIURL(),
		TeamID: fakeslack.TeamID, Router: w.r, Users: w.st, Replays: w.st, RateScale: 100,
		Backoff: 10 * time.Millisecond, Log: log,
	}
	if socket {
		opts.AppToken = fakeslack.AppToken
	}
	tune(&opts)
	w.opts = opts
	w.a, err = slack.New(opts)
	require.NoError(t, err)
	w.r.Register(w.a)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	require.NoError(t, w.a.Start(ctx, ctx))
	mux := http.NewServeMux()
	for path, h := range map[string]func(http.ResponseWriter, *http.Request) error{
		"POST /slack/commands": w.a.Commands, "POST /slack/events": w.a.Events, "POST /slack/interactions": w.a.Interactions,
	} {
		mux.HandleFunc(path, func(rw http.ResponseWriter, r *http.Request) {
			if err := h(rw, r); err != nil {
				var he *httpx.Error
				require.ErrorAs(t, err, &he)
				http.Error(rw, he.Code, he.Status)
			}
		})
	}
	w.srv = httptest.NewServer(mux)
	t.Cleanup(w.srv.Close)
	return w
}

// post sends a signed request as Slack would and returns status and body.
func (w *world) post(path string, body []byte, contentType string) (int, string) {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodPost, w.srv.URL+path, strings.NewReader(string(body)))
	require.NoError(w.t, err)
	req.Header.Set("Content-Type", contentType)
	fakeslack.Sign(req, body, fakeslack.SigningSecret, time.Now())
	return w.do(req)
}

func (w *world) do(req *http.Request) (int, string) {
	w.t.Helper()
	res, err := http.DefaultClient.Do(req)
	require.NoError(w.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(w.t, err)
	return res.StatusCode, string(b)
}

func (w *world) command(user, channel, text string) (int, string) {
	w.t.Helper()
	form := w.fake.SlashCommandForm(user, channel, text)
	return w.post("/slack/commands", []byte(form.Encode()), "application/x-www-form-urlencoded")
}

// answer runs a slash command (not a declare with a title, which has an
// ack of its own) and returns the reply its person sees, wherever it came:
// in the acknowledgement, or through the response URL when it took longer
// than the adapter waits. replace_original, which only a response URL
// takes, is left out so that both read the same.
func (w *world) answer(user, channel, text string) map[string]any {
	w.t.Helper()
	before := len(w.fake.Responses())
	status, body := w.command(user, channel, text)
	require.Equal(w.t, http.StatusOK, status)
	var got map[string]any
	if body != "" {
		require.NoError(w.t, json.Unmarshal([]byte(body), &got))
		return got
	}
	got = w.fake.WaitResponses(before+1, wait)[before].Body
	delete(got, "replace_original")
	return got
}

// answerText is the text of answer's reply.
func (w *world) answerText(user, channel, text string) string {
	w.t.Helper()
	s, _ := w.answer(user, channel, text)["text"].(string)
	return s
}

func (w *world) event(eventID string, inner map[string]any) (int, string) {
	w.t.Helper()
	return w.post("/slack/events", w.fake.EventCallback(eventID, inner), "application/json")
}

func (w *world) interact(payload []byte) (int, string) {
	w.t.Helper()
	return w.post("/slack/interactions", []byte(fakeslack.InteractionForm(payload).Encode()), "application/x-www-form-urlencoded")
}

// incident waits until incident id exists and is furnished (card pinned).
func (w *world) incident(id int64) *bot.Incident {
	w.t.Helper()
	var inc *bot.Incident
	require.Eventually(w.t, func() bool {
		got, err := w.st.Get(context.Background(), id)
		if err != nil || got.Card.IsZero() {
			return false
		}
		inc = got
		return true
	}, wait, 10*time.Millisecond)
	return inc
}

func (w *world) timeline(id int64) []bot.TimelineEntry {
	w.t.Helper()
	tl, err := w.st.Timeline(context.Background(), id, store.TimelineQuery{})
	require.NoError(w.t, err)
	return tl
}

func methods(calls []fakeslack.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.Method
	}
	return out
}

// actionOf finds the card's button or select whose action_id runs command.
func actionOf(t *testing.T, blocks, command string) fakeslack.Action {
	t.Helper()
	var bs []struct {
		Type     string `json:"type"`
		Elements []struct {
			Type     string `json:"type"`
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
			Options  []struct {
				Value string `json:"value"`
			} `json:"options"`
		} `json:"elements"`
	}
	require.NoError(t, json.Unmarshal([]byte(blocks), &bs))
	for _, b := range bs {
		for _, e := range b.Elements {
			if strings.HasPrefix(e.ActionID, "wr."+command+".") {
				a := fakeslack.Action{ActionID: e.ActionID, Type: e.Type, Value: e.Value}
				if e.Type == "static_select" {
					a.Value = e.Options[0].Value
				}
				return a
			}
		}
	}
	t.Fatalf("no %s action in %s", command, blocks)
	return fakeslack.Action{}
}

func TestDeclareOverHTTP(t *testing.T) {
	w := newWorld(t, false)
	start := time.Now()
	status, body := w.command(alice, w.general, "declare DB is down P1 <@"+bob+"|bob>")
	require.Less(t, time.Since(start), 3*time.Second, "acknowledged within Slack's 3 seconds")
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"response_type":"ephemeral","text":"⏳ Declaring the incident… its channel follows in a moment."}`, body)

	inc := w.incident(1)
	w.fake.WaitCalls("conversations.setTopic", 1, wait)
	name := "inc-" + time.Now().UTC().Format("20060102") + "-1-db-is-down"
	require.Equal(t, name, inc.Channel.Name)
	ch, ok := w.fake.ChannelByName(name)
	require.True(t, ok)
	require.Equal(t, inc.Channel.ID, ch.ID)
	require.ElementsMatch(t, []string{fakeslack.BotUserID, alice, bob}, ch.Members)
	require.Equal(t, []string{inc.Card.ID}, ch.Pins, "the card is pinned")
	require.Equal(t, "INC-1 | P1 (critical) | investigating | Commander: Alice | DB is down", ch.Topic)
	card, ok := ch.Message(inc.Card.ID)
	require.True(t, ok)
	for _, label := range []string{"I'll be commander", "Set priority", "Post update", "Resolve"} {
		require.Contains(t, card.Blocks, label)
	}

	w.fake.WaitCalls("chat.postMessage", 3, wait)
	calls := methods(w.fake.Calls("conversations.create", "conversations.invite", "conversations.setTopic", "chat.postMessage", "pins.add"))
	require.Equal(t, []string{"conversations.create", "conversations.invite", "chat.postMessage", "pins.add",
		"conversations.setTopic", "chat.postMessage", "chat.postMessage"}, calls)
	ann, _ := w.fake.ChannelByName("incidents")
	require.Len(t, ann.Messages, 1, "the declaration is announced")
	require.Contains(t, ann.Messages[0].Text, "Alice declared INC-1: DB is down")
	require.Contains(t, ann.Messages[0].Blocks, "app_redirect?channel="+inc.Channel.ID)

	// The declarer hears back through the response URL.
	resp := w.fake.WaitResponses(1, wait)
	require.Contains(t, resp[0].Body["text"], "Declared INC-1")
}

func TestTimelineFromEvents(t *testing.T) {
	w := newWorld(t, false)
	w.command(alice, w.general, "declare Search is slow")
	inc := w.incident(1)
	ch := inc.Channel.ID

	root := fakeslack.Message{Channel: ch, User: bob, Text: "ES heap at 95%"}
	root.TS = w.fake.NewTS()
	reply := fakeslack.Message{Channel: ch, User: alice, Text: "restart node 3?", ThreadTS: root.TS, TS: w.fake.NewTS()}
	edited := root
	edited.Text = "ES heap at 97%"
	steps := []map[string]any{
		w.fake.MessageEvent(root),
		w.fake.MessageEvent(reply),
		w.fake.BotMessageEvent(fakeslack.Message{Channel: ch, Text: "I am the bot", TS: w.fake.NewTS()}),
		w.fake.MessageChangedEvent(edited, root.Text),
		w.fake.FileShareEvent(fakeslack.Message{Channel: ch, User: bob, Text: "heap graph", TS: w.fake.NewTS()},
			fakeslack.File{ID: "F1", Name: "heap.png", Title: "heap.png"}),
		w.fake.ReactionAddedEvent(alice, "pushpin", ch, root.TS, bob),
		w.fake.MessageDeletedEvent(reply),
	}
	retryID := ""
	for i, inner := range steps {
		id := w.fake.NewEventID()
		if i == 0 {
			retryID = id
		}
		status, _ := w.event(id, inner)
		require.Equal(t, http.StatusOK, status)
	}
	// Slack retries the first event (same event_id): one effect.
	req, err := http.NewRequest(http.MethodPost, w.srv.URL+"/slack/events", strings.NewReader(string(w.fake.EventCallback(retryID, steps[0]))))
	require.NoError(t, err)
	body := w.fake.EventCallback(retryID, steps[0])
	req.Header.Set("X-Slack-Retry-Num", "1")
	req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	fakeslack.Sign(req, body, fakeslack.SigningSecret, time.Now())
	status, _ := w.do(req)
	require.Equal(t, http.StatusOK, status)

	var got []string
	require.Eventually(t, func() bool {
		got = got[:0]
		for _, e := range w.timeline(inc.ID)[2:] {
			got = append(got, string(e.Kind)+"|"+e.Author.Display()+"|"+e.Text+"|"+e.RefersTo)
		}
		return len(got) >= 6
	}, wait, 20*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	tl := w.timeline(inc.ID)[2:]
	require.Len(t, tl, 6, "the bot's message and the retry add nothing: %v", got)
	require.Equal(t, []string{
		"message|ボブ|ES heap at 95%|",
		"message|Alice|restart node 3?|",
		"edit|ボブ|ES heap at 97%|" + root.TS,
		"message|ボブ|heap graph\n📎 heap.png https://" + fakeslack.TeamDomain + ".slack.com/files/" + bob + "/F1/heap.png|",
		"flag|Alice||" + root.TS,
		"delete|Alice||" + reply.TS,
	}, got)
	require.Equal(t, root.TS, tl[1].Data["thread"], "a thread reply is linked to its parent")
	require.True(t, tl[4].Key)

	// The API shows the same entries in the same order.
	svc := w.apiService(handlers.Options{})
	rec := httptest.NewRecorder()
	api.New(svc, "", nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/incidents/INC-1/timeline", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	var api struct {
		Entries []struct {
			Kind, Author, Text string
		} `json:"entries"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &api))
	require.Len(t, api.Entries, 8)
	require.Equal(t, "ES heap at 95%", api.Entries[2].Text)
	require.Equal(t, "delete", api.Entries[7].Kind)
}

// A burst of channel messages, sent back to back as Slack does (each
// answered before the next, with some delivered twice), reaches the
// timeline once each and in order, though the router writes it in batches.
func TestMessageBurstInOrder(t *testing.T) {
	w := newWorld(t, false)
	w.command(alice, w.general, "declare Queue is backing up")
	inc := w.incident(1)
	base := len(w.timeline(inc.ID))
	const n = 300
	var want []string
	for i := range n {
		text := fmt.Sprintf("update %03d", i)
		want = append(want, text)
		inner := w.fake.MessageEvent(fakeslack.Message{Channel: inc.Channel.ID, User: bob, Text: text, TS: w.fake.NewTS()})
		id := w.fake.NewEventID()
		status, _ := w.event(id, inner)
		require.Equal(t, http.StatusOK, status)
		if i%50 == 7 {
			status, _ = w.event(id, inner) // delivered again
			require.Equal(t, http.StatusOK, status)
		}
	}
	require.Eventually(t, func() bool { return len(w.timeline(inc.ID)) >= base+n }, wait, 20*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	var got []string
	for _, e := range w.timeline(inc.ID)[base:] {
		got = append(got, e.Text)
	}
	require.Equal(t, want, got)
}

func TestResolveButtonUpdatesTheCard(t *testing.T) {
	w := newWorld(t, false)
	w.command(alice, w.general, "declare Checkout is failing P2")
	inc := w.incident(1)
	ch, _ := w.fake.Channel(inc.Channel.ID)
	card, _ := ch.Message(inc.Card.ID)
	updates := len(w.fake.Calls("chat.update"))

	status, body := w.interact(w.fake.BlockActionsPayload(alice, inc.Channel.ID, inc.Card.ID, actionOf(t, card.Blocks, "resolve")))
	require.Equal(t, http.StatusOK, status)
	require.Empty(t, body)
	calls := w.fake.WaitCalls("chat.update", updates+1, wait)
	require.Equal(t, inc.Card.ID, calls[len(calls)-1].Params["ts"], "the same card, updated in place")
	require.Eventually(t, func() bool {
		got, _ := w.st.Get(context.Background(), 1)
		return got.Status == bot.StatusResolved
	}, wait, 10*time.Millisecond)
	ch, _ = w.fake.Channel(inc.Channel.ID)
	card, _ = ch.Message(inc.Card.ID)
	require.Contains(t, card.Blocks, "resolved")
	require.Contains(t, card.Blocks, "Reopen")
	require.Positive(t, card.Edits)

	// A select: choose P1 from the card's priority menu.
	w.command(alice, w.general, "declare Queue backlog P3")
	inc2 := w.incident(2)
	ch2, _ := w.fake.Channel(inc2.Channel.ID)
	card2, _ := ch2.Message(inc2.Card.ID)
	w.interact(w.fake.BlockActionsPayload(bob, inc2.Channel.ID, inc2.Card.ID, actionOf(t, card2.Blocks, "priority")))
	require.Eventually(t, func() bool {
		got, _ := w.st.Get(context.Background(), 2)
		return got.Priority == bot.P1
	}, wait, 10*time.Millisecond)
}

func TestDeclareModal(t *testing.T) {
	w := newWorld(t, false)
	status, body := w.command(alice, w.general, "")
	require.Equal(t, http.StatusOK, status)
	require.Empty(t, body, "`/incident` alone opens the form, no message")
	opened := w.fake.WaitCalls("views.open", 1, wait)
	var view struct {
		ID         string `json:"id"`
		CallbackID string `json:"callback_id"`
		Blocks     []struct {
			BlockID string `json:"block_id"`
		} `json:"blocks"`
	}
	require.NoError(t, json.Unmarshal([]byte(opened[0].Params["view"]), &view))
	require.Equal(t, "declare", view.CallbackID)
	ids := []string{}
	for _, b := range view.Blocks {
		ids = append(ids, b.BlockID)
	}
	require.Equal(t, []string{"title", "priority", "description", "commander", "responders", "private"}, ids)
	require.Contains(t, opened[0].Params["view"], "Critical: customer-facing outage", "criteria are shown where people pick")

	viewID := w.openedViewID()
	// A blank title is refused next to the field; nothing is declared.
	status, body = w.interact(w.fake.ViewSubmissionPayload(alice, viewID, map[string]map[string]any{
		"title":    {"title": fakeslack.PlainTextValue("")},
		"priority": {"priority": fakeslack.StaticSelectValue("P2", "P2")},
	}))
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"response_action":"errors","errors":{"title":"This field is required."}}`, body)

	status, body = w.interact(w.fake.ViewSubmissionPayload(alice, viewID, map[string]map[string]any{
		"title":      {"title": fakeslack.PlainTextValue("Login broken")},
		"priority":   {"priority": fakeslack.StaticSelectValue("P2", "P2")},
		"responders": {"responders": fakeslack.MultiUsersSelectValue(bob)},
		"private":    {"private": fakeslack.CheckboxesValue("true", "Private channel")},
	}))
	require.Equal(t, http.StatusOK, status)
	require.Empty(t, body, "an empty answer closes the modal")
	inc := w.incident(1)
	require.Equal(t, "Login broken", inc.Title)
	require.Equal(t, bot.P2, inc.Priority)
	ch, _ := w.fake.Channel(inc.Channel.ID)
	require.True(t, ch.IsPrivate)
	require.Contains(t, ch.Members, bob)
}

// openedViewID is the ID of the modal last opened.
func (w *world) openedViewID() string {
	w.t.Helper()
	calls := w.fake.Calls("views.open")
	require.NotEmpty(w.t, calls)
	// The fake numbers views in order: V0001, V0002...
	return fmt.Sprintf("V%04d", len(calls))
}

func TestRefusedRequests(t *testing.T) {
	w := newWorld(t, false)
	form := w.fake.SlashCommandForm(alice, w.general, "declare should never happen")
	body := []byte(form.Encode())
	send := func(mutate func(r *http.Request)) int {
		req, err := http.NewRequest(http.MethodPost, w.srv.URL+"/slack/commands", strings.NewReader(string(body)))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		mutate(req)
		status, _ := w.do(req)
		return status
	}
	for name, mutate := range map[string]func(r *http.Request){
		"unsigned":     func(*http.Request) {},
		"wrong secret": func(r *http.Request) { fakeslack.Sign(r, body, "not-the-secret", time.Now()) },
		"tampered": func(r *http.Request) {
			fakeslack.Sign(r, []byte(strings.Replace(string(body), "never", "always", 1)), fakeslack.SigningSecret, time.Now())
		},
		"stale": func(r *http.Request) {
			fakeslack.Sign(r, body, fakeslack.SigningSecret, time.Now().Add(-6*time.Minute))
		},
		"future": func(r *http.Request) { fakeslack.Sign(r, body, fakeslack.SigningSecret, time.Now().Add(6*time.Minute)) },
	} {
		require.Equal(t, http.StatusUnauthorized, send(mutate), name)
	}
	// A good request once, then replayed as captured: refused.
	req, err := http.NewRequest(http.MethodPost, w.srv.URL+"/slack/commands", strings.NewReader(string(body)))
	require.NoError(t, err)
	fakeslack.Sign(req, body, fakeslack.SigningSecret, time.Now())
	headers := req.Header.Clone()
	status, _ := w.do(req)
	require.Equal(t, http.StatusOK, status)
	w.incident(1)
	require.Equal(t, http.StatusUnauthorized, send(func(r *http.Request) { r.Header = headers }), "replayed")

	// Another workspace.
	other := w.fake.SlashCommandForm(alice, w.general, "declare from elsewhere")
	other.Set("team_id", "T9999")
	status, _ = w.post("/slack/commands", []byte(other.Encode()), "application/x-www-form-urlencoded")
	require.Equal(t, http.StatusForbidden, status)

	time.Sleep(200 * time.Millisecond)
	incs, err := w.st.List(context.Background(), store.ListQuery{})
	require.NoError(t, err)
	require.Len(t, incs, 1, "only the one good request had an effect")
	require.Len(t, w.fake.Calls("conversations.create"), 1)

	// url_verification is answered.
	status, got := w.post("/slack/events", []byte(`{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`), "application/json")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", got)
}

// A title typed to mention everyone, forge a link and reverse its text
// reaches the topic, the card and the announcement escaped and without
// the override; the timeline keeps what was typed.
func TestHostileTitleShownSafely(t *testing.T) {
	w := newWorld(t, false)
	title := "<!channel> <https://evil.example|click> pay\u202Egpj.exe"
	w.command(alice, w.general, "declare "+title)
	inc := w.incident(1)
	require.Equal(t, title, inc.Title, "stored as typed")

	w.fake.WaitCalls("conversations.setTopic", 1, wait)
	ch, _ := w.fake.Channel(inc.Channel.ID)
	require.Equal(t, "INC-1 | not set | investigating | Commander: Alice | &lt;!channel&gt; &lt;https://evil.example|click&gt; paygpj.exe", ch.Topic)
	for _, c := range w.fake.Calls("conversations.setTopic") {
		require.NotContains(t, c.Params["topic"], "<")
		require.NotContains(t, c.Params["topic"], "\u202E")
	}
	card, _ := ch.Message(inc.Card.ID)
	require.NotContains(t, card.Blocks, "\u202E")
	require.NotContains(t, strings.ToLower(card.Blocks), `\u202e`)
	require.Contains(t, card.Blocks, "paygpj.exe")
	var ann fakeslack.ChannelState
	require.Eventually(t, func() bool { // the announcement follows the topic
		ann, _ = w.fake.ChannelByName("incidents")
		return len(ann.Messages) > 0
	}, wait, 10*time.Millisecond)
	require.Len(t, ann.Messages, 1)
	require.Contains(t, ann.Messages[0].Text, "&lt;!channel&gt; &lt;https://evil.example|click&gt; paygpj.exe")
	require.NotContains(t, ann.Messages[0].Text+ann.Messages[0].Blocks, "<!channel>")

	var declared []string
	for _, e := range w.timeline(inc.ID) {
		declared = append(declared, e.Text)
	}
	require.Contains(t, strings.Join(declared, "\n"), "pay\u202Egpj.exe", "the timeline keeps the original bytes")
}

// A captured request is one request whichever way its signature is
// spelt: the hex in upper or mixed case decodes to the same MAC, and the
// version prefix is taken only as Slack sends it. Every re-spelling is
// refused, and the command and the click each have one effect.
func TestReplayRespelt(t *testing.T) {
	w := newWorld(t, false)
	w.command(alice, w.general, "declare Replays are refused")
	inc := w.incident(1)

	// respell writes a MAC's hex as the header would carry it.
	respell := map[string]func(hexMAC string) string{
		"as captured": func(h string) string { return "v0=" + h },
		"upper case":  func(h string) string { return "v0=" + strings.ToUpper(h) },
		"mixed case": func(h string) string {
			b := []byte(h)
			for i := range b {
				if i%2 == 0 && b[i] >= 'a' && b[i] <= 'f' {
					b[i] -= 'a' - 'A'
				}
			}
			return "v0=" + string(b)
		},
		"V0= prefix":          func(h string) string { return "V0=" + h },
		"V0= prefix, upper":   func(h string) string { return "V0=" + strings.ToUpper(h) },
		"prefix repeated":     func(h string) string { return "v0=v0=" + h },
		"upper-case hex only": func(h string) string { return strings.ToUpper(h) },
	}
	replay := func(path string, body []byte) {
		t.Helper()
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		sig := fakeslack.Signature(fakeslack.SigningSecret, ts, body)
		send := func(sig string) int {
			req, err := http.NewRequest(http.MethodPost, w.srv.URL+path, strings.NewReader(string(body)))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Slack-Request-Timestamp", ts)
			req.Header.Set("X-Slack-Signature", sig)
			status, _ := w.do(req)
			return status
		}
		require.Equal(t, http.StatusOK, send(sig), "the first delivery")
		for name, f := range respell {
			require.Equal(t, http.StatusUnauthorized, send(f(strings.TrimPrefix(sig, "v0="))), name)
		}
	}

	// A command typed in the incident channel.
	form := w.fake.SlashCommandForm(bob, inc.Channel.ID, "note replayed note")
	replay("/slack/commands", []byte(form.Encode()))
	// A click on the card.
	ch, _ := w.fake.Channel(inc.Channel.ID)
	card, _ := ch.Message(inc.Card.ID)
	click := fakeslack.InteractionForm(w.fake.BlockActionsPayload(alice, inc.Channel.ID, inc.Card.ID, actionOf(t, card.Blocks, "resolve")))
	replay("/slack/interactions", []byte(click.Encode()))

	count := func() (notes, resolves int) {
		for _, e := range w.timeline(inc.ID) {
			switch {
			case e.Kind == bot.KindNote && e.Text == "replayed note":
				notes++
			case e.Kind == bot.KindStatus && e.Data["to"] == string(bot.StatusResolved):
				resolves++
			}
		}
		return notes, resolves
	}
	require.Eventually(t, func() bool { n, r := count(); return n == 1 && r == 1 }, wait, 10*time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	notes, resolves := count()
	require.Equal(t, 1, notes, "one note on the timeline")
	require.Equal(t, 1, resolves, "one resolve on the timeline")
}

func TestRateLimitsNameTakenAndABurst(t *testing.T) {
	w := newWorld(t, false)
	today := time.Now().UTC().Format("20060102")
	w.fake.AddChannel("inc-"+today+"-1-db-down", false) // an old, archived-name clash
	w.fake.RateLimit("conversations.create", 1, 1)
	w.command(alice, w.general, "declare DB down")
	inc := w.incident(1)
	require.Equal(t, "inc-"+today+"-1-db-down-2", inc.Channel.Name, "name_taken: a suffix")
	creates := w.fake.Calls("conversations.create")
	require.Equal(t, 429, creates[0].Status, "rate limited first, retried after Retry-After")

	// A burst of 30 declarations: every one gets its channel, none twice.
	w.fake.RateLimit("chat.postMessage", 1, 2)
	for i := range 30 {
		status, _ := w.command(bob, w.general, "declare burst "+itoa2(i))
		require.Equal(t, http.StatusOK, status)
	}
	require.Eventually(t, func() bool {
		incs, err := w.st.List(context.Background(), store.ListQuery{Limit: 100})
		if err != nil || len(incs) < 31 {
			return false
		}
		for _, inc := range incs {
			if inc.Card.IsZero() {
				return false
			}
		}
		return true
	}, 30*time.Second, 50*time.Millisecond)
	names := map[string]bool{}
	for _, c := range w.fake.Calls("conversations.create") {
		if c.Error == "" && c.Status == 200 {
			require.False(t, names[c.Params["name"]], "channel %s created twice", c.Params["name"])
			names[c.Params["name"]] = true
		}
	}
	require.Len(t, names, 31)
}

func itoa2(i int) string { return url.QueryEscape(string(rune('a'+i/26)) + string(rune('a'+i%26))) }

func TestSocketMode(t *testing.T) {
	w := newWorld(t, true)
	require.True(t, w.fake.SocketConnected(wait), "connected over Socket Mode")

	env := w.fake.SendEnvelope(fakeslack.EnvelopeSlashCommands, w.fake.SlashCommandPayload(alice, w.general, "declare DB is down P1"))
	ack, ok := w.fake.WaitAck(env, wait)
	require.True(t, ok)
	require.JSONEq(t, `{"response_type":"ephemeral","text":"⏳ Declaring the incident… its channel follows in a moment."}`, string(ack))
	inc := w.incident(1)
	require.Equal(t, bot.P1, inc.Priority)

	// A message, then the same envelope delivered again: one entry.
	msg := w.fake.EventCallback("", w.fake.MessageEvent(fakeslack.Message{Channel: inc.Channel.ID, User: bob, Text: "replica lag 40s"}))
	first := w.fake.SendEnvelope(fakeslack.EnvelopeEventsAPI, json.RawMessage(msg))
	_, ok = w.fake.WaitAck(first, wait)
	require.True(t, ok)
	again := w.fake.SendEnvelope(fakeslack.EnvelopeEventsAPI, json.RawMessage(msg), fakeslack.WithEnvelopeID(first), fakeslack.WithRetry(1, "timeout"))
	_, ok = w.fake.WaitAck(again, wait)
	require.True(t, ok)

	// Resolve from the card.
	ch, _ := w.fake.Channel(inc.Channel.ID)
	card, _ := ch.Message(inc.Card.ID)
	click := w.fake.SendEnvelope(fakeslack.EnvelopeInteractive, json.RawMessage(
		w.fake.BlockActionsPayload(alice, inc.Channel.ID, inc.Card.ID, actionOf(t, card.Blocks, "resolve"))))
	_, ok = w.fake.WaitAck(click, wait)
	require.True(t, ok)
	require.Eventually(t, func() bool {
		got, _ := w.st.Get(context.Background(), 1)
		return got.Status == bot.StatusResolved
	}, wait, 10*time.Millisecond)

	// The message and the click go through different queues, so the
	// message may land after the resolve: wait for it, then check it
	// landed once.
	var texts []string
	require.Eventually(t, func() bool {
		texts = texts[:0]
		for _, e := range w.timeline(1) {
			if e.Kind == bot.KindMessage {
				texts = append(texts, e.Author.Display()+": "+e.Text)
			}
		}
		return len(texts) > 0
	}, wait, 10*time.Millisecond)
	time.Sleep(50 * time.Millisecond) // room for a wrong second effect to show
	texts = texts[:0]
	for _, e := range w.timeline(1) {
		if e.Kind == bot.KindMessage {
			texts = append(texts, e.Author.Display()+": "+e.Text)
		}
	}
	require.Equal(t, []string{"ボブ: replica lag 40s"}, texts, "the re-delivered envelope had no second effect")

	// Slack asks for a reconnect: the adapter comes back and keeps working.
	connects := w.fake.SocketConnects()
	w.fake.Disconnect("refresh_requested")
	require.Eventually(t, func() bool { return w.fake.SocketConnects() > connects }, wait, 20*time.Millisecond)
	env = w.fake.SendEnvelope(fakeslack.EnvelopeSlashCommands, w.fake.SlashCommandPayload(alice, w.general, "list"))
	_, ok = w.fake.WaitAck(env, wait)
	require.True(t, ok)
	resp := w.fake.WaitResponses(2, wait)
	require.Contains(t, resp[len(resp)-1].Body["text"], "No open incidents")
}

// An edit and a deletion that Slack delivers before the message they
// concern (its first delivery failed and was retried) are kept, and shown
// right after that message once it comes: by the timeline command, the
// API and the postmortem. A deletion whose message never comes stays at
// its own place. The stream keeps the order of arrival.
func TestOutOfOrderEditAndDelete(t *testing.T) {
	w := newWorld(t, false)
	w.command(alice, w.general, "declare Cache is cold")
	inc := w.incident(1)
	ch := inc.Channel.ID

	first := fakeslack.Message{Channel: ch, User: bob, Text: "alpha cache misses at 80", TS: w.fake.NewTS()}
	second := fakeslack.Message{Channel: ch, User: bob, Text: "bravo paste with a secret", TS: w.fake.NewTS()}
	between := fakeslack.Message{Channel: ch, User: alice, Text: "charlie warming it up", TS: w.fake.NewTS()}
	edited := first
	edited.Text = "alpha cache misses at 90"
	never := fakeslack.Message{Channel: ch, User: alice, Text: "delta never recorded", TS: w.fake.NewTS()}
	base := len(w.timeline(inc.ID))
	for _, inner := range []map[string]any{
		w.fake.MessageChangedEvent(edited, first.Text),
		w.fake.MessageDeletedEvent(second),
		w.fake.MessageEvent(between),
		w.fake.MessageEvent(first),
		w.fake.MessageEvent(second),
		w.fake.MessageDeletedEvent(never),
	} {
		status, _ := w.event(w.fake.NewEventID(), inner)
		require.Equal(t, http.StatusOK, status)
	}
	require.Eventually(t, func() bool { return len(w.timeline(inc.ID)) >= base+6 }, wait, 20*time.Millisecond)
	var stream []string
	for _, e := range w.timeline(inc.ID)[base:] {
		stream = append(stream, string(e.Kind)+"|"+e.Ref+e.RefersTo)
	}
	require.Equal(t, []string{"edit|" + first.TS, "delete|" + second.TS, "message|" + between.TS,
		"message|" + first.TS, "message|" + second.TS, "delete|" + never.TS}, stream,
		"the stream keeps the order of arrival: nothing is rewritten")
	want := []string{"message|" + between.TS, "message|" + first.TS, "edit|" + first.TS,
		"message|" + second.TS, "delete|" + second.TS, "delete|" + never.TS}

	svc := w.apiService(handlers.Options{Lang: bot.English})
	apiTimeline := func(query string) []string {
		rec := httptest.NewRecorder()
		api.New(svc, "", nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/incidents/INC-1/timeline"+query, nil))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var api struct {
			Entries []struct {
				ID, Kind, Ref string
				RefersTo      string `json:"refers_to"`
			} `json:"entries"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &api))
		var out []string
		for _, e := range api.Entries {
			out = append(out, e.Kind+"|"+e.Ref+e.RefersTo+"|"+e.ID)
		}
		return out
	}
	strip := func(rows []string) []string {
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = r[:strings.LastIndexByte(r, '|')]
		}
		return out
	}
	all := apiTimeline("")
	require.Equal(t, want, strip(all[base:]), "the API in reading order")
	require.Equal(t, want[3:], strip(apiTimeline("?limit=3")), "the newest three in reading order")
	// Paging forward two at a time from the last entry before the messages.
	var paged []string
	after := all[base-1][strings.LastIndexByte(all[base-1], '|')+1:]
	for {
		page := apiTimeline("?limit=2&after=" + after)
		paged = append(paged, page...)
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1][strings.LastIndexByte(page[len(page)-1], '|')+1:]
	}
	require.Equal(t, want, strip(paged), "pages follow the reading order, none skipped or repeated")

	// The timeline command.
	status, body := w.command(alice, ch, "timeline")
	require.Equal(t, http.StatusOK, status)
	if !strings.Contains(body, "charlie") {
		resp := w.fake.WaitResponses(2, wait)
		b, _ := json.Marshal(resp[len(resp)-1].Body)
		body = string(b)
	}
	at := func(s string) int {
		i := strings.Index(body, s)
		require.GreaterOrEqual(t, i, 0, "%q missing from %s", s, body)
		return i
	}
	require.Less(t, at("charlie warming"), at("alpha cache misses at 80"))
	require.Less(t, at("alpha cache misses at 80"), at("("+first.TS+"): alpha cache misses at 90"))
	require.Less(t, at("("+first.TS+"): alpha cache misses at 90"), at("bravo paste"))
	require.Less(t, at("bravo paste"), at("("+second.TS+")"))
	require.Less(t, at("("+second.TS+")"), at("("+never.TS+")"))

	// The postmortem applies the edit and the deletion to their messages
	// and lists them after them.
	rec := httptest.NewRecorder()
	api.New(svc, "", nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/incidents/INC-1/postmortem.md?lang=en", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	md := rec.Body.String()
	require.NotContains(t, md, "bravo paste", "the deleted message's text is left out")
	_, tl, ok := strings.Cut(md, "## Timeline")
	require.True(t, ok)
	tl, _, _ = strings.Cut(tl, "## Follow-ups")
	var lines []string
	for _, l := range strings.Split(tl, "\n") {
		if strings.HasPrefix(l, "- ") {
			lines = append(lines, l)
		}
	}
	require.GreaterOrEqual(t, len(lines), 6)
	lines = lines[len(lines)-6:]
	for i, want := range []string{
		"· Alice · message · charlie warming it up",
		"· ボブ · message · alpha cache misses at 80 (edited)",
		"· ボブ · edited · message of ",
		"· ボブ · message · (deleted)",
		"· ボブ · deleted · message of ",
		"· Alice · deleted · a message not on the timeline",
	} {
		require.Contains(t, lines[i], want, "postmortem timeline:\n%s", strings.Join(lines, "\n"))
	}
	require.True(t, strings.HasSuffix(lines[2], "→ “alpha cache misses at 90”"), lines[2])
}

// apiService is a second service on the world's store, for reading it
// through the API: mounted on a router of its own, which no platform uses.
func (w *world) apiService(opts handlers.Options) *handlers.Service {
	w.t.Helper()
	r := bot.NewRouter(bot.Options{})
	w.t.Cleanup(func() { _ = r.Close(context.Background()) })
	svc, err := handlers.New(w.st, r, opts)
	require.NoError(w.t, err)
	return svc
}

// The adapter names an incident's channel from the spec's parts, fitted to
// Slack's rules: a Japanese title leaves the date and number, a long one
// is cut at 80 characters, and a name taken gets a suffix within them.
func TestChannelNames(t *testing.T) {
	w := newWorld(t, false)
	ctx := context.Background()
	day := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	long := strings.Repeat("checkout ", 20)
	w.fake.AddChannel("inc-20261125-44", false) // a name held by an archived channel
	for _, tc := range []struct {
		name string
		spec bot.ChannelSpec
		want string
	}{
		{"words", bot.ChannelSpec{Prefix: "inc", ID: 41, Title: "Checkout is failing", Date: day}, "inc-20261125-41-checkout-is-failing"},
		{"long Japanese title", bot.ChannelSpec{Prefix: "inc", ID: 42, Title: strings.Repeat("決済サービスで障害が発生しています", 10), Date: day}, "inc-20261125-42"},
		{"Japanese with ASCII words", bot.ChannelSpec{Prefix: "inc", ID: 43, Title: "決済 API が 500 を返す", Date: day}, "inc-20261125-43-api-500"},
		{"Japanese title, name taken", bot.ChannelSpec{Prefix: "inc", ID: 44, Title: "障害", Date: day}, "inc-20261125-44-2"},
		{"long title at 80", bot.ChannelSpec{Prefix: "inc", ID: 45, Title: long, Date: day}, "inc-20261125-45-" + strings.Repeat("checkout-", 7) + "c"},
		{"long title taken, suffix within 80", bot.ChannelSpec{Prefix: "inc", ID: 45, Title: long, Date: day}, "inc-20261125-45-" + strings.Repeat("checkout-", 7) + "2"},
		{"drill", bot.ChannelSpec{Prefix: "drill", ID: 46, Title: "API TLS", Date: day, Private: true}, "drill-20261125-46-api-tls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := w.a.CreateChannel(ctx, tc.spec)
			require.NoError(t, err)
			require.Equal(t, tc.want, ch.Name)
			require.LessOrEqual(t, utf8.RuneCountInString(ch.Name), 80)
			got, ok := w.fake.ChannelByName(tc.want)
			require.True(t, ok, "created on Slack as %s", tc.want)
			require.Equal(t, ch.ID, got.ID)
		})
	}
}

// Slack's key-event emoji (:pushpin: :round_pushpin: :star: :key:
// :bookmark:) flag a message, each as its own flag under its emoji name;
// other reactions record nothing; removing one unflags it.
func TestReactionsThatMarkKeyEvents(t *testing.T) {
	w := newWorld(t, false)
	w.command(alice, w.general, "declare Queue is backing up")
	inc := w.incident(1)
	root := fakeslack.Message{Channel: inc.Channel.ID, User: bob, Text: "consumer lag 2h", TS: w.fake.NewTS()}
	status, _ := w.event(w.fake.NewEventID(), w.fake.MessageEvent(root))
	require.Equal(t, http.StatusOK, status)
	for _, emoji := range []string{"pushpin", "thumbsup", "round_pushpin", "star", "eyes", "key", "bookmark"} {
		status, _ := w.event(w.fake.NewEventID(), w.fake.ReactionAddedEvent(alice, emoji, inc.Channel.ID, root.TS, bob))
		require.Equal(t, http.StatusOK, status)
	}
	status, _ = w.event(w.fake.NewEventID(), w.fake.ReactionRemovedEvent(alice, "star", inc.Channel.ID, root.TS, bob))
	require.Equal(t, http.StatusOK, status)
	want := []string{"pushpin on", "round_pushpin on", "star on", "key on", "bookmark on", "star off"}
	var got []string
	require.Eventually(t, func() bool {
		got = got[:0]
		for _, e := range w.timeline(inc.ID) {
			if e.Kind == bot.KindFlag && e.RefersTo == root.TS {
				got = append(got, e.Data["reaction"]+" "+e.Data["flag"])
			}
		}
		return len(got) >= len(want)
	}, wait, 20*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	require.Equal(t, want, got)
}

// A reply that asks for no previews (a sign-in link) is sent with
// unfurling off; other replies are sent as before.
func TestReplyWithoutUnfurl(t *testing.T) {
	w := newWorld(t, false)
	ctx := context.Background()
	ch := w.fake.AddChannel("web", false, fakeslack.BotUserID, alice)
	ev := &bot.Event{Platform: slack.Name, Channel: ch, User: bot.User{ID: alice}}
	require.NoError(t, w.a.Reply(ctx, ev, bot.Message{Text: "https://warroom.example.com/signin/x", NoUnfurl: true}))
	require.NoError(t, w.a.Reply(ctx, ev, bot.Message{Text: "plain"}))
	calls := w.fake.Calls("chat.postEphemeral")
	require.Len(t, calls, 2)
	require.Equal(t, "false", calls[0].Params["unfurl_links"])
	require.Equal(t, "false", calls[0].Params["unfurl_media"])
	_, set := calls[1].Params["unfurl_links"]
	require.False(t, set)
}

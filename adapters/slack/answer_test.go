package slack_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/warroomhq/warroom/adapters/slack"
	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
	"github.com/warroomhq/warroom/bot"
)

// TestQuickCommandsAnsweredInTheAck: help, list, summary, timeline and
// priority without argument are answered in the slash command's HTTP
// response, in the person's language, with exactly the body the queued
// path posts to the response URL (an adapter that never waits, on the
// same router, shows what that is), and nothing reaches the response URL
// for them.
func TestQuickCommandsAnsweredInTheAck(t *testing.T) {
	// A budget as long as the test's waits: the router closes the slot when
	// a command is handled, so the ack never waits longer than the command.
	w := newWorldWith(t, false, func(o *slack.Options) { o.AnswerWithin = wait })
	queuedOpts := w.opts
	queuedOpts.AnswerWithin = -1
	queued, err := slack.New(queuedOpts)
	require.NoError(t, err)
	qsrv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		require.NoError(t, queued.Commands(rw, r))
	}))
	t.Cleanup(qsrv.Close)

	w.command(alice, w.general, "declare Search is slow P3")
	inc := w.incident(1)
	w.fake.WaitResponses(1, wait)
	w.fake.WaitCalls("chat.postMessage", 3, wait) // the declaration is done

	for _, who := range []struct {
		user, lang, word string // word: a word of this language's help
	}{{alice, "en", "Declare an incident"}, {bob, "ja", "インシデント"}} {
		for _, text := range []string{"help", "list", "summary", "timeline", "priority"} {
			t.Run(who.lang+"/"+text, func(t *testing.T) {
				// The queued path first: its answer on the response URL.
				before := len(w.fake.Responses())
				form := w.fake.SlashCommandForm(who.user, inc.Channel.ID, text)
				req, err := http.NewRequest(http.MethodPost, qsrv.URL, strings.NewReader(form.Encode()))
				require.NoError(t, err)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				fakeslack.Sign(req, []byte(form.Encode()), fakeslack.SigningSecret, time.Now())
				status, body := w.do(req)
				require.Equal(t, http.StatusOK, status)
				require.Empty(t, body, "the queued path acknowledges with nothing")
				want := w.fake.WaitResponses(before+1, wait)[before].Body
				require.Equal(t, false, want["replace_original"])
				delete(want, "replace_original")

				// The in-ack path: the same body, in the response.
				before = len(w.fake.Responses())
				status, body = w.command(who.user, inc.Channel.ID, text)
				require.Equal(t, http.StatusOK, status)
				require.NotEmpty(t, body, "answered in the ack")
				var got map[string]any
				require.NoError(t, json.Unmarshal([]byte(body), &got))
				require.Equal(t, want, got)
				require.Equal(t, "ephemeral", got["response_type"], "only the person sees it, as through the response URL")
				shown, err := json.Marshal(got["blocks"])
				require.NoError(t, err)
				if text == "help" {
					require.Contains(t, string(shown), who.word, "in the person's language")
				}
				if text == "summary" {
					require.Contains(t, string(shown), "Search is slow")
				}
				require.Len(t, w.fake.Responses(), before, "nothing went to the response URL")
			})
		}
	}
	require.Len(t, w.fake.Responses(), 1+10, "the declaration's, and the queued adapter's ten")
}

// TestSlowCommandsAnswerThroughTheResponseURL: declaring with a title
// (which creates a channel) is acknowledged at once with its notice, and
// its reply reaches the person once, through the response URL; "declare"
// alone opens the form and acknowledges with nothing.
func TestSlowCommandsAnswerThroughTheResponseURL(t *testing.T) {
	w := newWorldWith(t, false, func(o *slack.Options) { o.AnswerWithin = wait })
	status, body := w.command(alice, w.general, "declare DB is down P1")
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `{"response_type":"ephemeral","text":"⏳ Declaring the incident… its channel follows in a moment."}`, body)
	w.incident(1)
	w.fake.WaitCalls("chat.postMessage", 3, wait)
	resp := w.fake.WaitResponses(1, wait)
	require.Contains(t, resp[0].Body["text"], "Declared INC-1")

	status, body = w.command(bob, w.general, "declare")
	require.Equal(t, http.StatusOK, status)
	require.Empty(t, body, "the form is the answer")
	require.Len(t, w.fake.Calls("views.open"), 1)
	require.Len(t, w.fake.Responses(), 1, "the declaration answered once, the form not at all")
}

// rig is a Slack adapter on a router whose only commands are the test's.
type rig struct {
	t       *testing.T
	fake    *fakeslack.Server
	srv     *httptest.Server
	channel string
}

func newRig(t *testing.T, within time.Duration, routes ...bot.Route) *rig {
	t.Helper()
	fake := fakeslack.New(t)
	fake.AddUser(alice, "alice", "Alice", "en-US")
	channel := fake.AddChannel(general, false, alice)
	log := zaptest.NewLogger(t)
	r := bot.NewRouter(bot.Options{Log: log})
	t.Cleanup(func() { _ = r.Close(context.Background()) })
	require.NoError(t, r.Mount(bot.Handlers{Routes: routes}))
	a, err := slack.New(slack.Options{
		BotToken: fakeslack.BotToken, SigningSecret: fakeslack.SigningSecret, APIURL: fake.APIURL(),
		TeamID: fakeslack.TeamID, Router: r, RateScale: 100, AnswerWithin: within, Log: log,
	})
	require.NoError(t, err)
	r.Register(a)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		require.NoError(t, a.Commands(rw, req))
	}))
	t.Cleanup(srv.Close)
	return &rig{t: t, fake: fake, srv: srv, channel: channel}
}

func (g *rig) command(text string) string {
	g.t.Helper()
	form := g.fake.SlashCommandForm(alice, g.channel, text)
	req, err := http.NewRequest(http.MethodPost, g.srv.URL, strings.NewReader(form.Encode()))
	require.NoError(g.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	fakeslack.Sign(req, []byte(form.Encode()), fakeslack.SigningSecret, time.Now())
	res, err := http.DefaultClient.Do(req)
	require.NoError(g.t, err)
	defer res.Body.Close()
	require.Equal(g.t, http.StatusOK, res.StatusCode)
	b, err := io.ReadAll(res.Body)
	require.NoError(g.t, err)
	return string(b)
}

// TestLateReplyGoesThroughTheResponseURL: a reply that comes after the
// adapter stopped waiting goes through the response URL, once, and the
// ack is empty.
func TestLateReplyGoesThroughTheResponseURL(t *testing.T) {
	release, replied := make(chan struct{}), make(chan error, 1)
	g := newRig(t, 20*time.Millisecond, bot.Route{Name: "slow", Handler: func(ctx context.Context, req *bot.Request) error {
		<-release // until the ack has gone: the reply is late for sure
		err := req.Reply(ctx, bot.Message{Text: "late news"})
		replied <- err
		return err
	}})
	require.Empty(t, g.command("slow"), "nothing was ready when the budget ran out")
	close(release)
	require.NoError(t, <-replied)
	resp := g.fake.WaitResponses(1, wait)
	require.Len(t, resp, 1)
	require.Equal(t, "late news", resp[0].Body["text"])
	require.Equal(t, "ephemeral", resp[0].Body["response_type"])
}

// TestSecondReplyGoesThroughTheResponseURL: of two replies to one command
// the first is in the ack and only the second goes through the response
// URL; neither is sent twice.
func TestSecondReplyGoesThroughTheResponseURL(t *testing.T) {
	done := make(chan struct{})
	g := newRig(t, wait, bot.Route{Name: "twice", Handler: func(ctx context.Context, req *bot.Request) error {
		defer close(done)
		if err := req.Reply(ctx, bot.Message{Text: "first"}); err != nil {
			return err
		}
		return req.Reply(ctx, bot.Message{Text: "second", NoUnfurl: true})
	}})
	var ack map[string]any
	require.NoError(t, json.Unmarshal([]byte(g.command("twice")), &ack))
	require.Equal(t, "first", ack["text"])
	require.Equal(t, "ephemeral", ack["response_type"])
	<-done
	resp := g.fake.Responses()
	require.Len(t, resp, 1)
	require.Equal(t, "second", resp[0].Body["text"])
	require.Equal(t, false, resp[0].Body["unfurl_links"], "the same flags as ever")
}

// TestAnswerInAckKeepsUnfurlFlags: a reply that asks for no previews (a
// sign-in link) asks for none in the ack either.
func TestAnswerInAckKeepsUnfurlFlags(t *testing.T) {
	g := newRig(t, wait, bot.Route{Name: "link", Handler: func(ctx context.Context, req *bot.Request) error {
		return req.Reply(ctx, bot.Message{Text: "https://warroom.example.com/signin/x", NoUnfurl: true})
	}})
	var ack map[string]any
	require.NoError(t, json.Unmarshal([]byte(g.command("link")), &ack))
	require.Equal(t, false, ack["unfurl_links"])
	require.Equal(t, false, ack["unfurl_media"])
	require.Empty(t, g.fake.Responses())
}

package slack

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// The fuzz targets of Slack's inbound payloads: every HTTP endpoint's
// parsing after the signature (each body is signed, so the fuzzer reaches
// the parsers rather than the signature check) and the Socket Mode slash
// command form. Seed corpora are under testdata/fuzz/<target>/, one file
// per payload shape. Properties: nothing panics; a refusal is one of the endpoint's *httpx.Error
// values (a 4xx with a fixed message that never repeats the payload); an
// accepted payload queues well-formed events only.

// fuzzRouter accepts every event, so no path reaches the Web API.
type fuzzRouter struct {
	mu     sync.Mutex
	events []bot.Event
}

func (r *fuzzRouter) Dispatch(ev bot.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	return nil
}

func (r *fuzzRouter) ValidateForm(*bot.Event) map[string]string { return nil }

func (r *fuzzRouter) take() []bot.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	evs := r.events
	r.events = nil
	return evs
}

var fuzzNow = time.Unix(1732500000, 0)

func fuzzAdapter(t testing.TB) (*Adapter, *fuzzRouter) {
	t.Helper()
	r := &fuzzRouter{}
	a, err := New(Options{
		BotToken: "xoxb-fuzz", SigningSecret: fakeslack.SigningSecret, TeamID: fakeslack.TeamID,
		APIURL: "http://127.0.0.1:1/api/", Router: r, Retries: 1, Now: func() time.Time { return fuzzNow },
	})
	require.NoError(t, err)
	a.botID, a.botUID = "BFUZZ", "UFUZZBOT"
	return a, r
}

// serveSigned posts body, signed, to handler and returns the handler's
// error and the recorded response.
func serveSigned(t *testing.T, handler func(http.ResponseWriter, *http.Request) error, ctype string, body []byte) (*httptest.ResponseRecorder, error) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/slack/x", bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	fakeslack.Sign(req, body, fakeslack.SigningSecret, fuzzNow)
	w := httptest.NewRecorder()
	return w, handler(w, req)
}

// checkRefusal asserts err is one of the endpoint's fixed refusals.
func checkRefusal(t *testing.T, err error, input []byte) {
	t.Helper()
	var rerr *httpx.Error
	require.True(t, errors.As(err, &rerr), "refusal %v is not a *httpx.Error", err)
	require.Contains(t, []*httpx.Error{errBadRequest, errForbidden}, rerr, "unexpected refusal %v", err)
	require.GreaterOrEqual(t, rerr.Status, 400)
	require.Less(t, rerr.Status, 500)
	if len(input) >= 16 {
		require.NotContains(t, rerr.Error(), string(input), "the message repeats the payload")
	}
}

// checkEvents asserts what a payload queued is well formed.
func checkEvents(t *testing.T, evs []bot.Event) {
	t.Helper()
	for _, ev := range evs {
		require.Equal(t, Name, ev.Platform)
		require.NotEmpty(t, ev.Kind)
		require.NotEqual(t, "UFUZZBOT", ev.User.ID, "the bot's own action recorded")
	}
}

func FuzzCommands(f *testing.F) {
	a, r := fuzzAdapter(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		w, err := serveSigned(t, a.Commands, "application/x-www-form-urlencoded", body)
		evs := r.take()
		if form, perr := url.ParseQuery(string(body)); perr == nil && !validForm(form) {
			require.Same(t, errBadRequest, err, "a form that is not UTF-8 is refused")
		}
		if err != nil {
			checkRefusal(t, err, body)
			require.Empty(t, evs, "a refused command queued an event")
			return
		}
		require.Equal(t, http.StatusOK, w.Code)
		require.Len(t, evs, 1)
		checkEvents(t, evs)
		require.Equal(t, bot.EventCommand, evs[0].Kind)
		require.NotEmpty(t, strings.TrimSpace(evs[0].Text))
	})
}

// FuzzSocketCommand: a Socket Mode slash command, JSON instead of a form.
func FuzzSocketCommand(f *testing.F) {
	a, r := fuzzAdapter(f)
	f.Fuzz(func(t *testing.T, payload []byte) {
		form, err := commandForm(payload)
		if err != nil {
			require.Nil(t, form)
			require.True(t, strings.HasPrefix(err.Error(), "decode slash command: "), err.Error())
			return
		}
		ack, err := a.command(context.Background(), form, "env-1")
		evs := r.take()
		if err != nil {
			require.ErrorIs(t, err, errForeignTeam)
			require.Empty(t, evs)
			return
		}
		if ack != nil {
			require.Equal(t, "ephemeral", ack["response_type"])
		}
		require.Len(t, evs, 1)
		checkEvents(t, evs)
		require.Equal(t, "env-1", evs[0].ID)
	})
}

func FuzzInteractions(f *testing.F) {
	a, r := fuzzAdapter(f)
	f.Fuzz(func(t *testing.T, payload []byte) {
		body := []byte(url.Values{"payload": {string(payload)}}.Encode())
		w, err := serveSigned(t, a.Interactions, "application/x-www-form-urlencoded", body)
		evs := r.take()
		if !utf8.Valid(payload) {
			require.Same(t, errBadRequest, err, "a payload that is not UTF-8 is refused")
		}
		if err != nil {
			checkRefusal(t, err, payload)
			require.Empty(t, evs, "a refused interaction queued an event")
			return
		}
		require.Equal(t, http.StatusOK, w.Code)
		checkEvents(t, evs)
		for _, ev := range evs {
			switch ev.Kind {
			case bot.EventAction:
				require.NotEmpty(t, ev.Action)
			case bot.EventForm:
				require.NotNil(t, ev.Form)
			default:
				t.Fatalf("interaction queued a %q event", ev.Kind)
			}
		}
	})
}

func FuzzEvents(f *testing.F) {
	a, r := fuzzAdapter(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		w, err := serveSigned(t, a.Events, "application/json", body)
		evs := r.take()
		if !utf8.Valid(body) {
			require.Same(t, errBadRequest, err, "a body that is not UTF-8 is refused")
		}
		if err != nil {
			checkRefusal(t, err, body)
			require.Empty(t, evs, "a refused event was queued")
			require.Equal(t, "1", w.Header().Get("X-Slack-No-Retry"), "Slack must not retry a refused event")
			return
		}
		require.Equal(t, http.StatusOK, w.Code)
		require.LessOrEqual(t, len(evs), 1)
		checkEvents(t, evs)
		if w.Body.Len() > 0 {
			require.Equal(t, "text/plain", w.Header().Get("Content-Type"), "only a challenge is answered with a body")
			require.Empty(t, evs)
		}
		for _, ev := range evs {
			require.True(t, utf8.ValidString(ev.Text), "text is not UTF-8")
		}
	})
}

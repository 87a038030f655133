package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/infracloudio/msbotbuilder-go/connector/auth"
	"github.com/infracloudio/msbotbuilder-go/core"
	"github.com/infracloudio/msbotbuilder-go/schema"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// The fuzz targets of Teams activities. Authentication comes first in the
// real handler and is fuzzed by nothing here (auth_test.go covers it):
// FuzzMessages swaps in a validator that accepts every token, so what the
// fuzzer reaches is everything after it — decoding the activity, mapping
// it to an event, stripping mentions and HTML, reading card clicks and
// answering invokes. FuzzClickData fuzzes the card data of a click on its
// own, and FuzzCommandText the mention and HTML clean-up. Seed corpora are
// under testdata/fuzz/<target>/.

// acceptAll is a token validator that accepts every request.
type acceptAll struct{}

func (acceptAll) AuthenticateRequest(context.Context, schema.Activity, string, auth.CredentialProvider, string) (auth.ClaimsIdentity, error) {
	return Identity{}, nil
}

// fuzzRouter accepts every event and answers invokes by doing nothing.
type fuzzRouter struct {
	mu     sync.Mutex
	events []bot.Event
}

func (r *fuzzRouter) add(ev bot.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *fuzzRouter) Dispatch(ev bot.Event) error                 { r.add(ev); return nil }
func (r *fuzzRouter) Serve(_ context.Context, ev bot.Event) error { r.add(ev); return nil }
func (r *fuzzRouter) ValidateForm(*bot.Event) map[string]string   { return nil }

func (r *fuzzRouter) take() []bot.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	evs := r.events
	r.events = nil
	return evs
}

const fuzzAppID = "00000000-0000-0000-0000-00000000f022"

func FuzzMessages(f *testing.F) {
	obs, logs := observer.New(zapcore.WarnLevel)
	r := &fuzzRouter{}
	a, err := New(Options{
		AppID: fuzzAppID, AppPassword: "p", TenantID: "tenant", TeamID: "team", Router: r,
		LoginURL: "http://127.0.0.1:1", GraphURL: "http://127.0.0.1:1", MetadataURL: "http://127.0.0.1:1/openid",
		ServiceURL: "http://127.0.0.1:1/", Retries: 1, Log: zap.New(obs),
		Now: func() time.Time { return time.Unix(1732500000, 0) },
	})
	require.NoError(f, err)
	a.bf = newAcceptingBF(a.bf)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/teams/messages", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer fuzz")
		w := httptest.NewRecorder()
		err := a.Messages(w, req)
		evs := r.take()
		if panics := logs.FilterMessage("teams request panicked").TakeAll(); len(panics) > 0 {
			t.Fatalf("the handler panicked: %v", panics[0].ContextMap()["panic"])
		}
		if !utf8.Valid(body) {
			require.Same(t, errBadRequest, err, "a body that is not UTF-8 is refused")
		}
		if err != nil {
			var rerr *httpx.Error
			require.True(t, errors.As(err, &rerr), "refusal %v is not a *httpx.Error", err)
			require.Same(t, errBadRequest, rerr, "a decodable, authenticated activity is only ever refused as malformed")
			require.Empty(t, evs, "a refused activity queued an event")
			return
		}
		require.Equal(t, http.StatusOK, w.Code)
		require.LessOrEqual(t, len(evs), 1)
		var act schema.Activity
		require.NoError(t, json.NewDecoder(bytes.NewReader(body)).Decode(&act), "accepted an activity that does not decode")
		if w.Body.Len() > 0 {
			var ans invokeAnswer
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &ans), "an invoke answer is JSON")
			require.Equal(t, http.StatusOK, ans.StatusCode)
			require.Contains(t, []string{typeCard, typeMessage}, ans.Type)
		}
		for _, ev := range evs {
			require.Equal(t, Name, ev.Platform)
			require.NotEmpty(t, ev.Kind)
			require.NotEqual(t, "28:"+fuzzAppID, ev.User.ID, "the bot's own post recorded")
			switch ev.Kind {
			case bot.EventForm:
				require.NotNil(t, ev.Form)
				require.NotEmpty(t, ev.Form.ID)
			case bot.EventAction:
				require.NotEmpty(t, ev.Action)
			case bot.EventCommand, bot.EventMessage:
				require.True(t, utf8.ValidString(ev.Text), "text is not UTF-8")
			}
		}
	})
}

// newAcceptingBF is the library adapter with the accepting validator.
func newAcceptingBF(bf *core.BotFrameworkAdapter) *core.BotFrameworkAdapter {
	c := *bf
	c.TokenValidator = acceptAll{}
	return &c
}

// FuzzClickData: whatever JSON object a click carries, clickOf neither
// panics nor returns a click that is not ours.
func FuzzClickData(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			return
		}
		command, value, form, ok := clickOf(m)
		if !ok {
			require.Empty(t, command)
			require.Empty(t, value)
			require.Nil(t, form)
			return
		}
		require.Equal(t, markerVersion, m[keyMarker])
		if form != nil {
			require.NotEmpty(t, form.ID)
			for k, vs := range form.Values {
				require.False(t, isReservedKey(k), "reserved key %q read as an input", k)
				require.NotEmpty(t, vs)
			}
			return
		}
		require.NotEmpty(t, command)
	})
}

// FuzzCommandText: the bot's mention is stripped, others become the
// grammar's mentions, and the HTML is gone.
func FuzzCommandText(f *testing.F) {
	a := &Adapter{opts: Options{AppID: fuzzAppID}}
	f.Fuzz(func(t *testing.T, text, mentionText, mentionID, mentionName string) {
		act := schema.Activity{Text: text, Recipient: schema.ChannelAccount{ID: "28:" + fuzzAppID}}
		var raw rawActivity
		entities, _ := json.Marshal([]map[string]any{{"type": "mention", "text": mentionText,
			"mentioned": map[string]string{"id": mentionID, "name": mentionName}}})
		require.NoError(t, json.Unmarshal(entities, &raw.Entities))
		got, addressed := a.command(act, raw)
		require.Equal(t, mentionText != "" && mentionID == "28:"+fuzzAppID, addressed)
		require.Equal(t, strings.Join(strings.Fields(got), " "), got, "spaces are collapsed")
		if !strings.ContainsRune(text+mentionText+mentionID+mentionName, 0) {
			require.NotContains(t, got, "\x00", "a mention placeholder survived")
		}
		plain := plainText(text)
		require.Equal(t, strings.TrimSpace(plain), plain)
	})
}

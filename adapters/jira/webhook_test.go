package jira_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/jira"
	"github.com/warroomhq/warroom/adapters/jira/fakejira"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

const secret = "jira-webhook-secret"

type recorder struct{ events []bot.Event }

func (r *recorder) Dispatch(ev bot.Event) error { r.events = append(r.events, ev); return nil }

var now = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

func post(t *testing.T, h *jira.Webhook, body []byte, sig string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/integrations/jira", strings.NewReader(string(body)))
	if sig != "" {
		r.Header.Set(jira.SignatureHeader, sig)
	}
	w := httptest.NewRecorder()
	if err := h.Handle(w, r); err != nil {
		httpx.WriteErr(w, err)
	}
	return w
}

func newWebhook(t *testing.T, rec *recorder) *jira.Webhook {
	t.Helper()
	h, err := jira.NewWebhook(jira.WebhookOptions{Secret: secret, Router: rec, Now: func() time.Time { return now }})
	require.NoError(t, err)
	return h
}

// TestWebhookStatus: a signed status change becomes one "tracked"
// command: done for the done category, reopen for any other, as the
// Jira user who moved it.
func TestWebhookStatus(t *testing.T) {
	rec := &recorder{}
	h := newWebhook(t, rec)
	done := fakejira.IssueUpdated("OPS-7", "Done", "done", now)
	w := post(t, h, done, jira.Sign(done, secret))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.JSONEq(t, `{"status":"accepted"}`, w.Body.String())
	back := fakejira.IssueUpdated("OPS-7", "To Do", "new", now.Add(time.Minute))
	require.Equal(t, http.StatusOK, post(t, h, back, jira.Sign(back, secret)).Code)
	require.Len(t, rec.events, 2)
	require.Equal(t, "tracked OPS-7 done", rec.events[0].Text)
	require.Equal(t, "tracked OPS-7 reopen", rec.events[1].Text)
	require.Equal(t, jira.Name, rec.events[0].Platform)
	require.Equal(t, bot.User{ID: "5b10ac8d82e05b22cc7d4ef5", Name: "Aiko Tanaka"}, rec.events[0].User)
	require.NotEqual(t, rec.events[0].ID, rec.events[1].ID)
}

// TestWebhookRefuses: a missing, malformed or wrong signature, a bad body
// and a replay are refused with httpx's JSON error and dispatch nothing;
// an update that does not touch the status is ignored.
func TestWebhookRefuses(t *testing.T) {
	body := fakejira.IssueUpdated("OPS-7", "Done", "done", now)
	old := fakejira.IssueUpdated("OPS-7", "Done", "done", now.Add(-25*time.Hour))
	var noStatus map[string]any
	require.NoError(t, json.Unmarshal(body, &noStatus))
	noStatus["changelog"] = map[string]any{"id": "1", "items": []map[string]any{{"field": "summary"}}}
	edit, _ := json.Marshal(noStatus)
	for name, tc := range map[string]struct {
		body   []byte
		sig    string
		status int
		code   string
	}{
		"unsigned":         {body, "", http.StatusUnauthorized, "unauthorized"},
		"wrong secret":     {body, jira.Sign(body, "not-the-secret"), http.StatusForbidden, "forbidden"},
		"other body":       {body, jira.Sign([]byte("{}"), secret), http.StatusForbidden, "forbidden"},
		"sha1 scheme":      {body, "sha1=" + strings.Repeat("ab", 20), http.StatusBadRequest, "bad_request"},
		"not hex":          {body, "sha256=zz", http.StatusBadRequest, "bad_request"},
		"malformed body":   {[]byte("not json"), jira.Sign([]byte("not json"), secret), http.StatusBadRequest, "bad_request"},
		"replayed":         {old, jira.Sign(old, secret), http.StatusForbidden, "forbidden"},
		"no status change": {edit, jira.Sign(edit, secret), http.StatusOK, ""},
	} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			w := post(t, newWebhook(t, rec), tc.body, tc.sig)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			require.Empty(t, rec.events)
			require.NotContains(t, w.Body.String(), secret)
			if tc.code == "" {
				require.JSONEq(t, `{"status":"ignored"}`, w.Body.String())
				return
			}
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e), w.Body.String())
			require.Equal(t, tc.code, e.Error.Code)
		})
	}
}

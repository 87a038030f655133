package github_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/github"
	"github.com/warroomhq/warroom/adapters/github/fakegithub"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

const secret = "github-webhook-secret"

type recorder struct{ events []bot.Event }

func (r *recorder) Dispatch(ev bot.Event) error { r.events = append(r.events, ev); return nil }

func deliver(t *testing.T, h *github.Webhook, event, delivery string, body []byte, sig string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/integrations/github", strings.NewReader(string(body)))
	if sig != "" {
		r.Header.Set(github.SignatureHeader, sig)
	}
	r.Header.Set(github.EventHeader, event)
	r.Header.Set(github.DeliveryHeader, delivery)
	w := httptest.NewRecorder()
	if err := h.Handle(w, r); err != nil {
		httpx.WriteErr(w, err)
	}
	return w
}

func webhook(t *testing.T, rec *recorder) *github.Webhook {
	t.Helper()
	h, err := github.NewWebhook(github.WebhookOptions{Secret: secret, Router: rec})
	require.NoError(t, err)
	return h
}

// TestWebhookIssues: closing as completed is done, reopening is reopen,
// as the GitHub user, named by the delivery; closing as not planned and
// other actions move nothing; ping is answered.
func TestWebhookIssues(t *testing.T) {
	rec := &recorder{}
	h := webhook(t, rec)
	closed := fakegithub.IssuesEvent("acme/ops", 7, "closed", "completed")
	w := deliver(t, h, "issues", "d-1", closed, github.Sign(closed, secret))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.JSONEq(t, `{"status":"accepted"}`, w.Body.String())
	reopened := fakegithub.IssuesEvent("acme/ops", 7, "reopened", "")
	require.Equal(t, http.StatusOK, deliver(t, h, "issues", "d-2", reopened, github.Sign(reopened, secret)).Code)
	require.Len(t, rec.events, 2)
	require.Equal(t, "tracked acme/ops#7 done", rec.events[0].Text)
	require.Equal(t, "tracked acme/ops#7 reopen", rec.events[1].Text)
	require.Equal(t, "github", rec.events[0].Platform)
	require.True(t, strings.HasPrefix(rec.events[0].ID, "github:"), "the router drops a redelivery by its ID")
	require.Equal(t, bot.User{ID: "github:583231", Name: "aiko-tanaka"}, rec.events[0].User)

	for name, b := range map[string][]byte{
		"not planned": fakegithub.IssuesEvent("acme/ops", 7, "closed", "not_planned"),
		"labeled":     fakegithub.IssuesEvent("acme/ops", 7, "labeled", ""),
	} {
		w := deliver(t, h, "issues", "d-"+name, b, github.Sign(b, secret))
		require.Equal(t, http.StatusOK, w.Code, name)
		require.JSONEq(t, `{"status":"ignored"}`, w.Body.String(), name)
	}
	ping := []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`)
	w = deliver(t, h, "ping", "d-ping", ping, github.Sign(ping, secret))
	require.Equal(t, http.StatusOK, w.Code)
	require.Len(t, rec.events, 2)
}

// TestWebhookRefusals: missing 401, malformed 400, wrong 403, as JSON
// errors, and nothing dispatched.
func TestWebhookRefusals(t *testing.T) {
	rec := &recorder{}
	h := webhook(t, rec)
	body := fakegithub.IssuesEvent("acme/ops", 7, "closed", "completed")
	for sig, status := range map[string]int{
		"":                                      http.StatusUnauthorized,
		"sha1=abc":                              http.StatusBadRequest,
		"sha256=zz":                             http.StatusBadRequest,
		github.Sign(body, "wrong-secret"):       http.StatusForbidden,
		github.Sign([]byte(`{}`), secret):       http.StatusForbidden,
		strings.ToUpper(github.Sign(body, "x")): http.StatusBadRequest,
	} {
		w := deliver(t, h, "issues", "d", body, sig)
		require.Equal(t, status, w.Code, sig)
		require.Contains(t, w.Body.String(), `"error"`)
		require.NotContains(t, w.Body.String(), secret)
	}
	bad := []byte(`{not json`)
	require.Equal(t, http.StatusBadRequest, deliver(t, h, "issues", "d", bad, github.Sign(bad, secret)).Code)
	require.Empty(t, rec.events)
}

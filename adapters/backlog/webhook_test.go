package backlog_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/backlog"
	"github.com/warroomhq/warroom/adapters/backlog/fakebacklog"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

const hookToken = "0123456789abcdef0123456789abcdef-bl"

type recorder struct{ events []bot.Event }

func (r *recorder) Dispatch(e bot.Event) error { r.events = append(r.events, e); return nil }

func deliver(t *testing.T, h *backlog.Webhook, token string, body []byte) (int, error) {
	t.Helper()
	target := "/integrations/backlog"
	if token != "" {
		target += "?" + url.Values{"token": {token}}.Encode()
	}
	w := httptest.NewRecorder()
	err := h.Handle(w, httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body)))
	if err != nil {
		var he *httpx.Error
		require.ErrorAs(t, err, &he)
		return he.Status, err
	}
	return w.Code, nil
}

// TestWebhook: a missing or wrong token is refused before anything is
// read; a delivery is only a hint: the issue is re-read and its status
// in Backlog, not the delivery's claim, decides; anything but a status
// change is ignored.
func TestWebhook(t *testing.T) {
	fake := fakebacklog.New(t, apiKey, "OPS")
	c, _ := client(t, fake, apiKey)
	rec := &recorder{}
	h, err := backlog.NewWebhook(backlog.WebhookOptions{Token: hookToken, Issues: c, Router: rec})
	require.NoError(t, err)
	fake.SetStatus("OPS-12", fakebacklog.Open)
	closed := fakebacklog.Activity(3153, "OPS", 12, "4")

	for _, tok := range []string{"", "wrong", hookToken + "x"} {
		status, _ := deliver(t, h, tok, closed)
		require.Equal(t, http.StatusUnauthorized, status, tok)
	}
	require.Empty(t, fake.Requests(), "nothing is fetched for a refused delivery")
	require.Empty(t, rec.events)

	// A forged closing of an issue open in Backlog moves nothing to done.
	status, err := deliver(t, h, hookToken, closed)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	require.Len(t, fake.Requests(), 1, "the issue is re-read")
	require.Equal(t, "/api/v2/issues/OPS-12", fake.Requests()[0].Path)
	require.Empty(t, rec.events, "open in Backlog: nothing moves")

	fake.SetStatus("OPS-12", fakebacklog.Closed)
	_, err = deliver(t, h, hookToken, closed)
	require.NoError(t, err)
	require.Len(t, rec.events, 1)
	e := rec.events[0]
	require.Equal(t, "tracked OPS-12 done", e.Text)
	require.Equal(t, backlog.Name, e.Platform)
	require.Equal(t, "backlog:3153:done", e.ID)
	require.Equal(t, "Aiko Tanaka", e.User.Name)

	// Not an update, not a status change, an unknown issue: nothing.
	var comment = bytes.Replace(closed, []byte(`"type":2`), []byte(`"type":3`), 1)
	noStatus := bytes.Replace(closed, []byte(`"field":"status"`), []byte(`"field":"assigner"`), 1)
	for _, b := range [][]byte{comment, noStatus, []byte(`{"type":2}`)} {
		status, err := deliver(t, h, hookToken, b)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
	}
	status, _ = deliver(t, h, hookToken, fakebacklog.Activity(1, "OPS", 99, "4"))
	require.Equal(t, http.StatusBadGateway, status, "an issue Backlog does not have is not acted on")
	status, _ = deliver(t, h, hookToken, []byte(`{`))
	require.Equal(t, http.StatusBadRequest, status)
	require.Len(t, rec.events, 1)

	// Reopened in Backlog: the delivery and the API agree.
	fake.SetStatus("OPS-12", fakebacklog.Open)
	_, err = deliver(t, h, hookToken, fakebacklog.Activity(3160, "OPS", 12, "2"))
	require.NoError(t, err)
	require.Len(t, rec.events, 2)
	require.Equal(t, "tracked OPS-12 reopen", rec.events[1].Text)
}

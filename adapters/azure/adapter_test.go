package azure

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/internal/inbound"
	"github.com/warroomhq/warroom/adapters/internal/inbound/inboundtest"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

var now = time.Date(2026, 5, 11, 8, 16, 0, 0, time.UTC)

const token = "az-T0ken_4.warroom~x"

func TestNew(t *testing.T) {
	_, err := New(Options{})
	require.EqualError(t, err, "azure: a token is required\nrouter is required")
	_, err = New(Options{Token: "t", Router: &inboundtest.Recorder{}})
	require.NoError(t, err)
}

func TestHandle(t *testing.T) {
	body := fixture(t, "metric_fired.json")
	for _, tc := range []struct {
		name, query string
		body        []byte
		header      map[string]string
		busy        bool
		status      int
		code        string
	}{
		{name: "right token", query: "?token=" + token, body: body, status: 200},
		{name: "no token", body: body, status: 401, code: "unauthorized"},
		{name: "wrong token", query: "?token=az-T0ken_4.warroom~y", body: body, status: 401, code: "unauthorized"},
		{name: "token as a prefix", query: "?token=" + token[:5], body: body, status: 401, code: "unauthorized"},
		{name: "token in a bearer header only", body: body, header: map[string]string{"Authorization": "Bearer " + token}, status: 401, code: "unauthorized"},
		{name: "an Entra token (secure webhook, not supported)", body: body, header: map[string]string{"Authorization": "Bearer eyJ0eXAiOiJKV1QifQ.e30.sig"}, status: 401, code: "unauthorized"},
		{name: "malformed JSON", query: "?token=" + token, body: body[:50], status: 400, code: "bad_request"},
		{name: "not UTF-8", query: "?token=" + token, body: []byte("{\"schemaId\":\"\xfe\"}"), status: 400, code: "bad_request"},
		{name: "another schema", query: "?token=" + token, body: []byte(`{"schemaId":"AIP Budget Notification","data":{}}`), status: 400, code: "bad_request"},
		{name: "busy router", query: "?token=" + token, body: body, busy: true, status: 503, code: "busy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &inboundtest.Recorder{}
			if tc.busy {
				rec.Err = errors.New("queue full")
			}
			a, err := New(Options{Token: token, Router: rec, Now: func() time.Time { return now }})
			require.NoError(t, err)
			r := httptest.NewRequest(http.MethodPost, "/alerts/azure"+tc.query, bytes.NewReader(tc.body))
			r.Header.Set("Content-Type", "application/json")
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			err = a.Handle(w, r)
			if tc.status != http.StatusOK {
				var rerr *httpx.Error
				require.True(t, errors.As(err, &rerr), "want a *httpx.Error, got %v", err)
				require.Equal(t, tc.status, rerr.HTTPStatus())
				require.Equal(t, tc.code, rerr.ErrorCode())
				require.Empty(t, rec.Events(), "nothing is dispatched")
				switch tc.status {
				case 401:
					require.Same(t, inbound.ErrUnauthorized, err)
				case 503:
					require.Same(t, inbound.ErrBusy, err)
				}
				return
			}
			require.NoError(t, err)
			require.JSONEq(t, `{"status":"accepted","alerts":1}`, w.Body.String())
			want := vm(bot.AlertFiring, "CPU of wcus-r2-gen2 above 25% for 5 minutes")
			require.Equal(t, []bot.Event{{Kind: bot.EventAlert, Alert: &want, At: now}}, rec.Events())
		})
	}
}

// TestHandleTooLarge: a body over the server's limit is refused 413, and
// nothing is dispatched.
func TestHandleTooLarge(t *testing.T) {
	rec := &inboundtest.Recorder{}
	a, err := New(Options{Token: token, Router: rec})
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodPost, "/alerts/azure?token="+token, bytes.NewReader(bytes.Repeat([]byte(" "), 2<<10)))
	w := httptest.NewRecorder()
	r.Body = http.MaxBytesReader(w, r.Body, 1<<10)
	require.Same(t, inbound.ErrTooLarge, a.Handle(w, r))
	require.Empty(t, rec.Events())
}

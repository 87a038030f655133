package datadog

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

var now = time.Date(2026, 5, 11, 8, 16, 5, 0, time.UTC)

func TestNew(t *testing.T) {
	_, err := New(Options{})
	require.EqualError(t, err, "datadog: a token is required\nrouter is required")
	_, err = New(Options{Token: "t", Router: &inboundtest.Recorder{}})
	require.NoError(t, err)
}

func TestHandle(t *testing.T) {
	body := fixture(t, "triggered.json")
	bearer := map[string]string{"Authorization": "Bearer dd-t0ken"}
	for _, tc := range []struct {
		name   string
		body   []byte
		header map[string]string
		limit  int64 // serve's body limit, 0 for none
		busy   bool
		status int
		code   string
	}{
		{name: "right token", body: body, header: bearer, status: 200},
		{name: "scheme in any case", body: body, header: map[string]string{"Authorization": "bearer dd-t0ken"}, status: 200},
		{name: "no token", body: body, status: 401, code: "unauthorized"},
		{name: "wrong token", body: body, header: map[string]string{"Authorization": "Bearer dd-t0ke"}, status: 401, code: "unauthorized"},
		{name: "token in another header", body: body, header: map[string]string{"X-Warroom-Token": "dd-t0ken"}, status: 401, code: "unauthorized"},
		{name: "basic auth", body: body, header: map[string]string{"Authorization": "Basic ZGQtdDBrZW4="}, status: 401, code: "unauthorized"},
		{name: "malformed JSON", body: []byte(`{"title":`), header: bearer, status: 400, code: "bad_request"},
		{name: "not UTF-8", body: bytes.Replace(body, []byte("Checkout"), []byte("Check\xffout"), 1), header: bearer, status: 400, code: "bad_request"},
		{name: "too large", body: body, header: bearer, limit: 64, status: 413, code: "too_large"},
		{name: "busy router", body: body, header: bearer, busy: true, status: 503, code: "busy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &inboundtest.Recorder{}
			if tc.busy {
				rec.Err = errors.New("queue full")
			}
			a, err := New(Options{Token: "dd-t0ken", Router: rec, Now: func() time.Time { return now }})
			require.NoError(t, err)
			r := httptest.NewRequest(http.MethodPost, "/alerts/datadog", bytes.NewReader(tc.body))
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			if tc.limit > 0 {
				r.Body = http.MaxBytesReader(w, r.Body, tc.limit)
			}
			err = a.Handle(w, r)
			if tc.status != http.StatusOK {
				var herr *httpx.Error
				require.True(t, errors.As(err, &herr), "want a *httpx.Error, got %v", err)
				require.Equal(t, tc.status, herr.HTTPStatus())
				require.Equal(t, tc.code, herr.ErrorCode())
				require.Empty(t, rec.Events(), "nothing is dispatched")
				if tc.status == 401 {
					require.Same(t, inbound.ErrUnauthorized, err)
				}
				return
			}
			require.NoError(t, err)
			require.JSONEq(t, `{"status":"accepted","alerts":1}`, w.Body.String())
			want := triggered
			require.Equal(t, []bot.Event{{Kind: bot.EventAlert, Alert: &want, At: now}}, rec.Events())
		})
	}
}

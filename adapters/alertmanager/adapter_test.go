package alertmanager

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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

// recorder keeps what is dispatched (inboundtest.Recorder).
type recorder = inboundtest.Recorder

var now = time.Date(2026, 5, 11, 8, 15, 0, 0, time.UTC)

func newAdapter(t *testing.T, perAlert bool, rec *recorder) *Adapter {
	t.Helper()
	a, err := New(Options{Token: "s3cret", PerAlert: perAlert, Router: rec, Now: func() time.Time { return now }})
	require.NoError(t, err)
	return a
}

func post(a *Adapter, body []byte, header ...string) (*httptest.ResponseRecorder, error) {
	r := httptest.NewRequest(http.MethodPost, "/alerts/alertmanager", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	return w, a.Handle(w, r)
}

func TestNew(t *testing.T) {
	_, err := New(Options{})
	require.EqualError(t, err, "alertmanager: a bearer token is required\nrouter is required")
	_, err = New(Options{Token: "t"})
	require.EqualError(t, err, "alertmanager: router is required")
	a, err := New(Options{Token: "t", Router: &recorder{}})
	require.NoError(t, err)
	require.NotNil(t, a.src.Now)
}

func TestHandle(t *testing.T) {
	firing := fixture(t, "firing.json")
	for _, tc := range []struct {
		name     string
		body     []byte
		header   []string
		perAlert bool
		busy     bool
		status   int // of the returned *httpx.Error, or 200
		code     string
		want     []bot.Alert
	}{
		{name: "no token", body: firing, status: 401, code: "unauthorized"},
		{name: "wrong token", body: firing, header: []string{"Authorization", "Bearer s3cre7"}, status: 401, code: "unauthorized"},
		{name: "basic auth is not a bearer token", body: firing, header: []string{"Authorization", "Basic czNjcmV0"}, status: 401, code: "unauthorized"},
		{name: "right token", body: firing, header: []string{"Authorization", "Bearer s3cret"}, status: 200,
			want: []bot.Alert{group(bot.AlertFiring, item1, item2)}},
		{name: "per alert: one event per alert", body: firing, header: []string{"Authorization", "Bearer s3cret"}, perAlert: true, status: 200},
		{name: "version 3", body: fixture(t, "version3.json"), header: []string{"Authorization", "Bearer s3cret"}, status: 400, code: "bad_request"},
		{name: "empty alerts", body: fixture(t, "empty_alerts.json"), header: []string{"Authorization", "Bearer s3cret"}, status: 400, code: "bad_request"},
		{name: "malformed", body: fixture(t, "malformed.json"), header: []string{"Authorization", "Bearer s3cret"}, status: 400, code: "bad_request"},
		{name: "busy router", body: firing, header: []string{"Authorization", "Bearer s3cret"}, busy: true, status: 503, code: "busy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			if tc.busy {
				rec.Err = bot.Errorf(bot.CodeBusy)
			}
			w, err := post(newAdapter(t, tc.perAlert, rec), tc.body, tc.header...)
			if tc.status != http.StatusOK {
				var rerr *httpx.Error
				require.True(t, errors.As(err, &rerr), "want a *httpx.Error, got %v", err)
				require.Equal(t, tc.status, rerr.HTTPStatus())
				require.Equal(t, tc.code, rerr.ErrorCode())
				require.Empty(t, rec.Events(), "nothing is dispatched")
				require.Zero(t, w.Body.Len(), "main writes the error")
				if tc.busy {
					require.Same(t, inbound.ErrBusy, err)
				}
				if tc.status == 401 {
					require.Same(t, inbound.ErrUnauthorized, err)
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, w.Code)
			require.JSONEq(t, fmt.Sprintf(`{"status":"accepted","alerts":%d}`, len(rec.Events())), w.Body.String())
			if tc.perAlert {
				require.Len(t, rec.Events(), 2)
				require.Equal(t, "5a2e4c0b9d1f7e38", rec.Events()[0].Alert.DedupKey)
				require.Equal(t, "c81f3b2d6e0a9457", rec.Events()[1].Alert.DedupKey)
				return
			}
			want := make([]bot.Event, len(tc.want))
			for i := range tc.want {
				want[i] = bot.Event{Kind: bot.EventAlert, Alert: &tc.want[i], At: now}
			}
			require.Equal(t, want, rec.Events())
		})
	}
}

func TestHandleRefusalsAreJSON(t *testing.T) {
	_, err := post(newAdapter(t, false, &recorder{}), fixture(t, "firing.json"), "Authorization", "Bearer nope")
	var rerr *httpx.Error
	require.True(t, errors.As(err, &rerr))
	b, jerr := json.Marshal(map[string]string{"error": rerr.ErrorCode(), "message": rerr.Error()})
	require.NoError(t, jerr)
	require.JSONEq(t, `{"error":"unauthorized","message":"missing or wrong credentials"}`, string(b))
	require.NotContains(t, rerr.Error(), "nope", "the refusal never echoes the credential")
}

func TestHandleTooLarge(t *testing.T) {
	a := newAdapter(t, false, &recorder{})
	r := httptest.NewRequest(http.MethodPost, "/alerts/alertmanager", bytes.NewReader(fixture(t, "firing.json")))
	r.Header.Set("Authorization", "Bearer s3cret")
	w := httptest.NewRecorder()
	r.Body = http.MaxBytesReader(w, r.Body, 100) // main's body limit, made small
	require.Same(t, inbound.ErrTooLarge, a.Handle(w, r))
}

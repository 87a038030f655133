package sentry

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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

const secret = "c1ient-secret"

// sign signs body as Sentry does: hex HMAC-SHA256 under the client secret.
func sign(key string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

func TestNew(t *testing.T) {
	_, err := New(Options{})
	require.EqualError(t, err, "sentry: the integration's client secret is required\nrouter is required")
	_, err = New(Options{ClientSecret: "k", Router: &inboundtest.Recorder{}})
	require.NoError(t, err)
}

func TestHandle(t *testing.T) {
	body := fixture(t, "metric_critical.json")
	other := fixture(t, "metric_resolved.json")
	install := fixture(t, "installation.json")
	for _, tc := range []struct {
		name     string
		body     []byte
		sig      string
		resource string
		busy     bool
		status   int
		code     string
		ignored  bool
	}{
		{name: "signed metric alert", body: body, sig: sign(secret, body), resource: "metric_alert", status: 200},
		{name: "no signature", body: body, resource: "metric_alert", status: 401, code: "unauthorized"},
		{name: "signature under another secret", body: body, sig: sign("other", body), resource: "metric_alert", status: 401, code: "unauthorized"},
		{name: "signature of another body", body: body, sig: sign(secret, other), resource: "metric_alert", status: 401, code: "unauthorized"},
		{name: "signature not hex", body: body, sig: "not-hex", resource: "metric_alert", status: 401, code: "unauthorized"},
		{name: "installation, unsigned", body: install, resource: "installation", status: 401, code: "unauthorized"},
		{name: "installation acknowledged", body: install, sig: sign(secret, install), resource: "installation", status: 200, ignored: true},
		{name: "malformed JSON, signed", body: body[:200], sig: sign(secret, body[:200]), resource: "metric_alert", status: 400, code: "bad_request"},
		{name: "not UTF-8, signed", body: []byte("{\"action\":\"critical\xff\"}"), sig: sign(secret, []byte("{\"action\":\"critical\xff\"}")),
			resource: "metric_alert", status: 400, code: "bad_request"},
		{name: "busy router", body: body, sig: sign(secret, body), resource: "metric_alert", busy: true, status: 503, code: "busy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &inboundtest.Recorder{}
			if tc.busy {
				rec.Err = errors.New("queue full")
			}
			a, err := New(Options{ClientSecret: secret, Router: rec, Now: func() time.Time { return now }})
			require.NoError(t, err)
			r := httptest.NewRequest(http.MethodPost, "/alerts/sentry", bytes.NewReader(tc.body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set(ResourceHeader, tc.resource)
			r.Header.Set("Sentry-Hook-Timestamp", "1778487360")
			if tc.sig != "" {
				r.Header.Set(SignatureHeader, tc.sig)
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
			require.Equal(t, http.StatusOK, w.Code)
			if tc.ignored {
				require.JSONEq(t, `{"status":"ignored","alerts":0}`, w.Body.String())
				require.Empty(t, rec.Events(), "no incident")
				return
			}
			require.JSONEq(t, `{"status":"accepted","alerts":1}`, w.Body.String())
			want := metric(bot.AlertFiring, bot.P2, "1000 events in the last 10 minutes\nFilter: level:error")
			require.Equal(t, []bot.Event{{Kind: bot.EventAlert, Alert: &want, At: now}}, rec.Events())
		})
	}
}

// TestHandleTooLarge: a body over the server's limit is refused 413, and
// nothing is dispatched.
func TestHandleTooLarge(t *testing.T) {
	rec := &inboundtest.Recorder{}
	a, err := New(Options{ClientSecret: secret, Router: rec})
	require.NoError(t, err)
	body := bytes.Repeat([]byte(" "), 2<<10)
	r := httptest.NewRequest(http.MethodPost, "/alerts/sentry", bytes.NewReader(body))
	r.Header.Set(ResourceHeader, "metric_alert")
	r.Header.Set(SignatureHeader, sign(secret, body))
	w := httptest.NewRecorder()
	r.Body = http.MaxBytesReader(w, r.Body, 1<<10)
	require.Same(t, inbound.ErrTooLarge, a.Handle(w, r))
	require.Empty(t, rec.Events())
}

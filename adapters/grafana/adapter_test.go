package grafana

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
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

var now = time.Date(2026, 5, 11, 8, 16, 0, 0, time.UTC)

// sign signs body the way grafana/alerting's HMACRoundTripper does: hex
// HMAC-SHA256, of "<ts>:<body>" when a timestamp header is configured.
func sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	if ts != 0 {
		mac.Write([]byte(strconv.FormatInt(ts, 10) + ":"))
	}
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

func TestNew(t *testing.T) {
	_, err := New(Options{})
	require.EqualError(t, err, "grafana: a bearer token or an HMAC secret is required\nrouter is required")
	_, err = New(Options{Secret: "k", Router: &recorder{}})
	require.NoError(t, err, "a secret alone is enough")
	_, err = New(Options{Token: "t", Router: &recorder{}})
	require.NoError(t, err, "a token alone is enough")
}

func TestHandle(t *testing.T) {
	body := fixture(t, "firing.json")
	unix := now.Unix()
	tsNow := strconv.FormatInt(unix, 10)
	for _, tc := range []struct {
		name          string
		token, secret string // configured
		body          []byte
		header        map[string]string
		busy          bool
		status        int
		code          string
	}{
		{name: "no credentials", token: "tok", secret: "k", body: body, status: 401, code: "unauthorized"},
		{name: "wrong token", token: "tok", body: body, header: map[string]string{"Authorization": "Bearer tok2"}, status: 401, code: "unauthorized"},
		{name: "right token", token: "tok", body: body, header: map[string]string{"Authorization": "Bearer tok"}, status: 200},
		{name: "right token, no secret configured, a signature is not enough", token: "tok", body: body,
			header: map[string]string{"X-Grafana-Alerting-Signature": sign("k", 0, body)}, status: 401, code: "unauthorized"},
		{name: "signature of the body", secret: "k", body: body,
			header: map[string]string{"X-Grafana-Alerting-Signature": sign("k", 0, body)}, status: 200},
		{name: "signature in Grafana's default header", secret: "k", body: body,
			header: map[string]string{"X-Grafana-Alert-Signature": sign("k", 0, body)}, status: 200},
		{name: "signature with a fresh timestamp", secret: "k", body: body,
			header: map[string]string{"X-Grafana-Alerting-Signature": sign("k", unix-60, body), TimestampHeader: strconv.FormatInt(unix-60, 10)}, status: 200},
		{name: "signature with a timestamp six minutes old", secret: "k", body: body,
			header: map[string]string{"X-Grafana-Alerting-Signature": sign("k", unix-360, body), TimestampHeader: strconv.FormatInt(unix-360, 10)}, status: 401, code: "unauthorized"},
		{name: "signature with a timestamp six minutes ahead", secret: "k", body: body,
			header: map[string]string{"X-Grafana-Alerting-Signature": sign("k", unix+360, body), TimestampHeader: strconv.FormatInt(unix+360, 10)}, status: 401, code: "unauthorized"},
		{name: "signature without the timestamp it was made with", secret: "k", body: body,
			header: map[string]string{"X-Grafana-Alerting-Signature": sign("k", unix, body)}, status: 401, code: "unauthorized"},
		{name: "timestamp that is not a number", secret: "k", body: body,
			header: map[string]string{"X-Grafana-Alerting-Signature": sign("k", 0, append([]byte("soon:"), body...)), TimestampHeader: "soon"}, status: 401, code: "unauthorized"},
		{name: "wrong secret", secret: "k", body: body,
			header: map[string]string{"X-Grafana-Alerting-Signature": sign("other", 0, body)}, status: 401, code: "unauthorized"},
		{name: "signature of another body", secret: "k", body: body,
			header: map[string]string{"X-Grafana-Alerting-Signature": sign("k", 0, fixture(t, "resolved.json"))}, status: 401, code: "unauthorized"},
		{name: "wrong token but a valid signature", token: "tok", secret: "k", body: body,
			header: map[string]string{"Authorization": "Bearer nope", "X-Grafana-Alerting-Signature": sign("k", unix, body), TimestampHeader: tsNow}, status: 200},
		{name: "valid token and a wrong signature", token: "tok", secret: "k", body: body,
			header: map[string]string{"Authorization": "Bearer tok", "X-Grafana-Alerting-Signature": "00"}, status: 200},
		{name: "bad body, validly signed", secret: "k", body: []byte(`{"version":"1","alerts":[]}`),
			header: map[string]string{"X-Grafana-Alerting-Signature": sign("k", 0, []byte(`{"version":"1","alerts":[]}`))}, status: 400, code: "bad_request"},
		{name: "busy router", token: "tok", body: body, header: map[string]string{"Authorization": "Bearer tok"}, busy: true, status: 503, code: "busy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			if tc.busy {
				rec.Err = errors.New("queue full")
			}
			a, err := New(Options{Token: tc.token, Secret: tc.secret, Router: rec, Now: func() time.Time { return now }})
			require.NoError(t, err)
			r := httptest.NewRequest(http.MethodPost, "/alerts/grafana", bytes.NewReader(tc.body))
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
			require.Equal(t, http.StatusOK, w.Code)
			require.JSONEq(t, `{"status":"accepted","alerts":1}`, w.Body.String())
			want := cpu(bot.AlertFiring, firing1, firing2)
			require.Equal(t, []bot.Event{{Kind: bot.EventAlert, Alert: &want, At: now}}, rec.Events())
		})
	}
}

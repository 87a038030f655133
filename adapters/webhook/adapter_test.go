package webhook

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

// recorder keeps what is dispatched (inboundtest.Recorder).
type recorder = inboundtest.Recorder

var now = time.Date(2026, 5, 11, 8, 16, 0, 0, time.UTC)

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func TestNew(t *testing.T) {
	_, err := New(Options{})
	require.EqualError(t, err, "webhook: a bearer token or an HMAC secret is required\nrouter is required")
	_, err = New(Options{Secret: "k", Router: &recorder{}})
	require.NoError(t, err)
	_, err = New(Options{Token: "t", Router: &recorder{}})
	require.NoError(t, err)
}

func TestHandle(t *testing.T) {
	body := fixture(t, "full.json")
	for _, tc := range []struct {
		name          string
		token, secret string
		body          []byte
		header        map[string]string
		busy          bool
		status        int
		code          string
	}{
		{name: "no credentials", token: "tok", secret: "k", body: body, status: 401, code: "unauthorized"},
		{name: "right token, trailing space", token: "tok", body: body, header: map[string]string{"Authorization": "Bearer tok "}, status: 200},
		{name: "wrong token", token: "tok", body: body, header: map[string]string{"Authorization": "Bearer tik"}, status: 401, code: "unauthorized"},
		{name: "right token", token: "tok", body: body, header: map[string]string{"Authorization": "Bearer tok"}, status: 200},
		{name: "signature", secret: "k", body: body, header: map[string]string{SignatureHeader: sign("k", body)}, status: 200},
		{name: "bare hex signature", secret: "k", body: body, header: map[string]string{SignatureHeader: sign("k", body)[len("sha256="):]}, status: 200},
		{name: "signature under another secret", secret: "k", body: body, header: map[string]string{SignatureHeader: sign("j", body)}, status: 401, code: "unauthorized"},
		{name: "signature of another body", secret: "k", body: body, header: map[string]string{SignatureHeader: sign("k", fixture(t, "minimal.json"))}, status: 401, code: "unauthorized"},
		{name: "signature without a secret configured", token: "tok", body: body, header: map[string]string{SignatureHeader: sign("", body)}, status: 401, code: "unauthorized"},
		{name: "wrong token, valid signature", token: "tok", secret: "k", body: body,
			header: map[string]string{"Authorization": "Bearer nope", SignatureHeader: sign("k", body)}, status: 200},
		{name: "unknown field", token: "tok", body: fixture(t, "unknown_field.json"), header: map[string]string{"Authorization": "Bearer tok"}, status: 400, code: "bad_request"},
		{name: "bad priority", token: "tok", body: fixture(t, "bad_priority.json"), header: map[string]string{"Authorization": "Bearer tok"}, status: 400, code: "bad_request"},
		{name: "javascript: link", token: "tok", body: fixture(t, "javascript_link.json"), header: map[string]string{"Authorization": "Bearer tok"}, status: 400, code: "bad_request"},
		{name: "busy router", token: "tok", body: body, header: map[string]string{"Authorization": "Bearer tok"}, busy: true, status: 503, code: "busy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			if tc.busy {
				rec.Err = errors.New("queue full")
			}
			a, err := New(Options{Token: tc.token, Secret: tc.secret, Router: rec, Now: func() time.Time { return now }})
			require.NoError(t, err)
			r := httptest.NewRequest(http.MethodPost, "/alerts/webhook", bytes.NewReader(tc.body))
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
			want := full
			require.Equal(t, []bot.Event{{Kind: bot.EventAlert, Alert: &want, At: now}}, rec.Events())
		})
	}
}

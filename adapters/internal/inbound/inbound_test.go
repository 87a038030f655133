package inbound

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

func TestBearerOK(t *testing.T) {
	for _, tc := range []struct {
		header string
		ok     bool
	}{
		{"Bearer s3cret", true}, {"bearer s3cret", true}, {"Bearer  s3cret", true},
		{"Bearer s3cre", false}, {"Basic s3cret", false}, {"s3cret", false}, {"", false},
	} {
		r := httptest.NewRequest("POST", "/", nil)
		r.Header.Set("Authorization", tc.header)
		require.Equal(t, tc.ok, BearerOK(r, "s3cret"), tc.header)
	}
	r := httptest.NewRequest("POST", "/", nil)
	require.False(t, BearerOK(r, ""), "an empty token never matches")
}

func TestHMACOK(t *testing.T) {
	body := []byte(`{"title":"x"}`)
	mac := hmac.New(sha256.New, []byte("k"))
	mac.Write(body)
	sig := hex.EncodeToString(mac.Sum(nil))
	require.True(t, HMACOK(body, sig, "", "k"))
	require.True(t, HMACOK(body, "sha256="+sig, "", "k"))
	require.False(t, HMACOK(body, sig, "", "other"))
	require.False(t, HMACOK(append(body, ' '), sig, "", "k"))
	require.False(t, HMACOK(body, "zz", "", "k"))
	require.False(t, HMACOK(body, sig, "1700000000", "k"), "a timestamp changes what is signed")
	mac = hmac.New(sha256.New, []byte("k"))
	mac.Write([]byte("1700000000:"))
	mac.Write(body)
	require.True(t, HMACOK(body, hex.EncodeToString(mac.Sum(nil)), "1700000000", "k"))
}

// readCounter records whether the body was read at all.
type readCounter struct {
	r    io.Reader
	read bool
}

func (c *readCounter) Read(p []byte) (int, error) { c.read = true; return c.r.Read(p) }

// sourceRecorder is a Dispatcher that keeps events or refuses them all.
type sourceRecorder struct {
	events []bot.Event
	busy   bool
}

func (d *sourceRecorder) Dispatch(ev bot.Event) error {
	if d.busy {
		return errors.New("full")
	}
	d.events = append(d.events, ev)
	return nil
}

func TestSourceHandle(t *testing.T) {
	at := time.Date(2026, 5, 11, 8, 15, 0, 0, time.UTC)
	parse := func(body []byte) ([]bot.Alert, error) {
		if string(body) != `{"ok":true}` {
			return nil, &httpx.Error{Status: 400, Code: "bad_request", Msg: `field "ok" is missing`}
		}
		return []bot.Alert{{Source: "test", SourceName: "Test", DedupKey: "k1", Status: bot.AlertFiring}, {Source: "test", DedupKey: "k2"}}, nil
	}
	for _, tc := range []struct {
		name       string
		beforeBody bool
		token      string
		body       string
		busy       bool
		want       error // nil: accepted
		wantRead   bool
		wantLog    string
	}{
		{name: "accepted", token: "s3cret", body: `{"ok":true}`, wantRead: true},
		{name: "accepted, token first", beforeBody: true, token: "s3cret", body: `{"ok":true}`, wantRead: true},
		{name: "wrong token, body read to check a signature", token: "wrong-token-value", body: `{"ok":true}`,
			want: ErrUnauthorized, wantRead: true, wantLog: "refused alert notification"},
		{name: "wrong token, body never read", beforeBody: true, token: "wrong-token-value", body: `{"ok":true}`,
			want: ErrUnauthorized, wantLog: "refused alert notification"},
		{name: "not UTF-8", token: "s3cret", body: "{\"ok\":\xff}", want: ErrNotUTF8, wantRead: true},
		{name: "malformed", token: "s3cret", body: `{"secret-payload":1}`, wantRead: true, wantLog: "refused alert notification"},
		{name: "busy", token: "s3cret", body: `{"ok":true}`, busy: true, want: ErrBusy, wantRead: true,
			wantLog: "router busy, alert notification refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			core, logs := observer.New(zap.WarnLevel)
			d := &sourceRecorder{busy: tc.busy}
			s := Source{
				AuthBeforeBody: tc.beforeBody,
				Authenticate: func(r *http.Request, body []byte) string {
					if tc.beforeBody {
						require.Nil(t, body, "no body before authentication")
					}
					if !BearerOK(r, "s3cret") {
						return "unauthorized"
					}
					return ""
				},
				Parse: parse, Router: d, Now: func() time.Time { return at }, Log: zap.New(core),
			}
			body := &readCounter{r: strings.NewReader(tc.body)}
			r := httptest.NewRequest(http.MethodPost, "/alerts/test", body)
			r.Header.Set("Authorization", "Bearer "+tc.token)
			w := httptest.NewRecorder()
			err := s.Handle(w, r)
			require.Equal(t, tc.wantRead, body.read, "body read")
			for _, e := range logs.All() {
				line := e.Message + fmt.Sprint(e.ContextMap())
				require.NotContains(t, line, tc.token, "no credential in a log line")
				require.NotContains(t, line, "secret-payload", "no payload in a log line")
			}
			if tc.wantLog != "" {
				require.Equal(t, 1, logs.FilterMessage(tc.wantLog).Len(), logs.All())
			}
			if tc.name == "malformed" {
				var he *httpx.Error
				require.ErrorAs(t, err, &he)
				require.Equal(t, `field "ok" is missing`, he.Msg)
				require.Empty(t, d.events)
				return
			}
			if tc.want != nil {
				require.Same(t, tc.want, err)
				require.Empty(t, d.events, "nothing is dispatched")
				require.Zero(t, w.Body.Len(), "main writes the error")
				return
			}
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, w.Code)
			require.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"))
			require.Equal(t, "{\"alerts\":2,\"status\":\"accepted\"}\n", w.Body.String())
			require.Len(t, d.events, 2)
			for i, ev := range d.events {
				require.Equal(t, bot.EventAlert, ev.Kind)
				require.Equal(t, at, ev.At)
				require.Empty(t, ev.Platform, "the handlers pick the platform")
				require.Equal(t, []string{"k1", "k2"}[i], ev.Alert.DedupKey)
			}
		})
	}
}

// TestSourceHandleNoAlert: a Parse that says the delivery carries no
// alert gets it answered 200 "ignored", and nothing is dispatched.
func TestSourceHandleNoAlert(t *testing.T) {
	d := &sourceRecorder{}
	s := Source{
		Authenticate: func(*http.Request, []byte) string { return "" },
		Parse:        func([]byte) ([]bot.Alert, error) { return nil, fmt.Errorf("installation: %w", ErrNoAlert) },
		Router:       d, Now: time.Now, Log: zap.NewNop(),
	}
	w := httptest.NewRecorder()
	require.NoError(t, s.Handle(w, httptest.NewRequest(http.MethodPost, "/alerts/test", strings.NewReader(`{}`))))
	require.Equal(t, http.StatusOK, w.Code)
	require.JSONEq(t, `{"status":"ignored","alerts":0}`, w.Body.String())
	require.Empty(t, d.events)
}

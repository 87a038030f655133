package pagerduty_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/pagerduty"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

const secret = "whsec-test-secret"

type recorder struct{ events []bot.Event }

func (r *recorder) Dispatch(ev bot.Event) error { r.events = append(r.events, ev); return nil }

var now = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

func delivery(eventType, key string, at time.Time) []byte {
	b, _ := json.Marshal(map[string]any{"event": map[string]any{
		"id": "01DEN5BZNI9LHGDKJYJ4JLEA71", "event_type": eventType, "resource_type": "incident",
		"occurred_at": at.Format(time.RFC3339Nano),
		"agent":       map[string]any{"id": "PLH1HKV", "summary": "Aiko Tanaka", "type": "user_reference"},
		"data": map[string]any{"id": "PGR0VU2", "type": "incident", "status": "acknowledged",
			"incident_key": key, "title": "INC-42 P1: Checkout down"},
	}})
	return b
}

func post(t *testing.T, h *pagerduty.Webhook, body []byte, sig string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/integrations/pagerduty", strings.NewReader(string(body)))
	if sig != "" {
		r.Header.Set(pagerduty.SignatureHeader, sig)
	}
	w := httptest.NewRecorder()
	if err := h.Handle(w, r); err != nil {
		httpx.WriteErr(w, err)
	}
	return w
}

func newWebhook(t *testing.T, rec *recorder) *pagerduty.Webhook {
	h, err := pagerduty.NewWebhook(pagerduty.WebhookOptions{Secret: secret, Router: rec, Now: func() time.Time { return now }})
	require.NoError(t, err)
	return h
}

// TestWebhookAcknowledged: a signed acknowledged delivery becomes the
// hidden command on the incident, by the agent, with the delivery's ID.
func TestWebhookAcknowledged(t *testing.T) {
	rec := &recorder{}
	h := newWebhook(t, rec)
	body := delivery("incident.acknowledged", "warroom-INC-42", now.Add(-time.Minute))
	// During a rotation two signatures arrive; one valid is enough.
	w := post(t, h, body, "v1="+strings.Repeat("ab", 32)+", "+pagerduty.Sign(body, secret))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Len(t, rec.events, 1)
	ev := rec.events[0]
	require.Equal(t, "INC-42 paged acknowledged", ev.Text)
	require.Equal(t, bot.EventCommand, ev.Kind)
	require.Equal(t, pagerduty.Name, ev.Platform)
	require.Equal(t, "01DEN5BZNI9LHGDKJYJ4JLEA71", ev.ID)
	require.Equal(t, bot.User{ID: "PLH1HKV", Name: "Aiko Tanaka"}, ev.User)
	c := bot.Parse(ev.Text)
	require.Equal(t, int64(42), c.Incident)
	require.Equal(t, "paged", c.Name)
}

// TestWebhookRefusals: forged, wrongly keyed, malformed, stale and
// foreign deliveries dispatch nothing.
func TestWebhookRefusals(t *testing.T) {
	good := delivery("incident.acknowledged", "warroom-INC-42", now)
	cases := []struct {
		name   string
		body   []byte
		sig    string
		status int
	}{
		{"no header", good, "", http.StatusUnauthorized},
		{"malformed header", good, "sha256=abc", http.StatusBadRequest},
		{"not hex", good, "v1=zz", http.StatusBadRequest},
		{"forged", good, "v1=" + strings.Repeat("00", 32), http.StatusForbidden},
		{"wrong secret", good, pagerduty.Sign(good, "another-secret"), http.StatusForbidden},
		{"body changed", []byte(strings.Replace(string(good), "INC-42", "INC-43", 1)), pagerduty.Sign(good, secret), http.StatusForbidden},
		{"not json", []byte("{"), pagerduty.Sign([]byte("{"), secret), http.StatusBadRequest},
		{"stale replay", delivery("incident.acknowledged", "warroom-INC-42", now.Add(-25*time.Hour)), "", http.StatusForbidden},
		{"not our page", delivery("incident.acknowledged", "d3640fbd41094207a1c11e58e46b1662", now), "", http.StatusOK},
		{"not followed", delivery("incident.priority_updated", "warroom-INC-42", now), "", http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			h := newWebhook(t, rec)
			sig := tc.sig
			if sig == "" && tc.status != http.StatusUnauthorized {
				sig = pagerduty.Sign(tc.body, secret)
			}
			w := post(t, h, tc.body, sig)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			require.Empty(t, rec.events)
			require.NotContains(t, w.Body.String(), secret)
			if w.Code != http.StatusOK {
				var e struct {
					Error struct{ Code string } `json:"error"`
				}
				require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e), "a JSON error")
				require.NotEmpty(t, e.Error.Code)
			} else {
				require.Contains(t, w.Body.String(), "ignored")
			}
		})
	}
}

// TestPageKey: the dedup key round-trips, and others are not Warroom's.
func TestPageKey(t *testing.T) {
	key := bot.PageKey(&bot.Incident{ID: 42})
	require.Equal(t, "warroom-INC-42", key)
	id, ok := bot.ParsePageKey(key)
	require.True(t, ok)
	require.Equal(t, int64(42), id)
	for _, k := range []string{"", "INC-42", "warroom-42", "warroom-INC-x", "other-INC-42"} {
		_, ok := bot.ParsePageKey(k)
		require.False(t, ok, k)
	}
}

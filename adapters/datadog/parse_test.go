package datadog

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/internal/inbound/inboundtest"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

var fixture = inboundtest.Fixture

const key = "9bd4ac313a4d1e8fae2482df7b77628"

var (
	labels    = map[string]string{"env": "prod", "service": "checkout", "monitor": "", "host": "web-1", "monitor_id": "1234"}
	triggered = bot.Alert{
		Source: "datadog", SourceName: "Datadog", DedupKey: key, Status: bot.AlertFiring,
		Title:       "Checkout 5xx rate above 5%",
		Description: "5xx on /api/checkout above 5% for 5 minutes.\n@webhook-warroom",
		Priority:    bot.P2,
		Labels:      labels,
		Links:       []bot.Link{{Title: "Datadog", URL: "https://app.datadoghq.com/event/event?id=7301914560925356064"}},
		StartsAt:    inboundtest.Time("2026-05-11T08:16:00Z"),
		Items: []bot.AlertItem{{Fingerprint: key, Status: bot.AlertFiring, Summary: "Checkout 5xx rate above 5%",
			Labels: labels, StartsAt: inboundtest.Time("2026-05-11T08:16:00Z"), URL: "https://app.datadoghq.com/event/event?id=7301914560925356064"}},
	}
)

func TestParse(t *testing.T) {
	recovered := bot.Alert{
		Source: "datadog", SourceName: "Datadog", DedupKey: key, Status: bot.AlertResolved,
		Title:       "Checkout 5xx rate above 5%",
		Description: "5xx on /api/checkout back under 5%.\n@webhook-warroom",
		Priority:    bot.P2,
		Labels:      labels,
		Links:       []bot.Link{{Title: "Datadog", URL: "https://app.datadoghq.com/event/event?id=7301914560925356099"}},
		StartsAt:    inboundtest.Time("2026-05-11T08:26:00Z"),
		Items: []bot.AlertItem{{Fingerprint: key, Status: bot.AlertResolved, Summary: "Checkout 5xx rate above 5%",
			Labels: labels, StartsAt: inboundtest.Time("2026-05-11T08:26:00Z"), URL: "https://app.datadoghq.com/event/event?id=7301914560925356099"}},
	}
	// Unreplaced variables count as absent: the key falls back to the
	// monitor, the priority to the alert type, and a javascript: link is
	// dropped; an unquoted $DATE_POSIX in seconds is read too.
	sparseLabels := map[string]string{"monitor_id": "5678"}
	sparse := bot.Alert{
		Source: "datadog", SourceName: "Datadog", DedupKey: "monitor-5678", Status: bot.AlertFiring,
		Title: "Disk usage above 80%", Priority: bot.P3, Labels: sparseLabels,
		StartsAt: inboundtest.Time("2026-05-11T08:16:00Z"),
		Items: []bot.AlertItem{{Fingerprint: "monitor-5678", Status: bot.AlertFiring, Summary: "Disk usage above 80%",
			Labels: sparseLabels, StartsAt: inboundtest.Time("2026-05-11T08:16:00Z")}},
	}
	for _, tc := range []struct {
		name string
		body []byte
		want bot.Alert
	}{
		{"triggered", fixture(t, "triggered.json"), triggered},
		{"recovered", fixture(t, "recovered.json"), recovered},
		{"sparse", fixture(t, "sparse.json"), sparse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.body)
			require.NoError(t, err)
			require.Equal(t, []bot.Alert{tc.want}, got)
		})
	}
}

func TestParseMapping(t *testing.T) {
	for _, tc := range []struct {
		name     string
		body     string
		status   bot.AlertStatus
		priority bot.Priority
		key      string
	}{
		{"P1", `{"title":"t","aggreg_key":"a","priority":"P1"}`, bot.AlertFiring, bot.P1, "a"},
		{"P5 is P4", `{"title":"t","aggreg_key":"a","priority":"P5"}`, bot.AlertFiring, bot.P4, "a"},
		{"error without a priority", `{"title":"t","aggreg_key":"a","alert_type":"error"}`, bot.AlertFiring, bot.P2, "a"},
		{"info, no priority", `{"title":"t","aggreg_key":"a","alert_type":"info"}`, bot.AlertFiring, 0, "a"},
		{"No Data fires", `{"title":"t","aggreg_key":"a","transition":"No Data"}`, bot.AlertFiring, 0, "a"},
		{"Re-Triggered fires", `{"title":"t","aggreg_key":"a","transition":"Re-Triggered"}`, bot.AlertFiring, 0, "a"},
		{"recovered in any case", `{"title":"t","aggreg_key":"a","transition":"recovered"}`, bot.AlertResolved, 0, "a"},
		{"success without a transition", `{"title":"t","aggreg_key":"a","alert_type":"success"}`, bot.AlertResolved, 0, "a"},
		{"cycle key without an aggregation key", `{"title":"t","alert_cycle_key":"c"}`, bot.AlertFiring, 0, "c"},
		{"monitor and host", `{"title":"t","alert_id":1234,"hostname":"db-1"}`, bot.AlertFiring, 0, "monitor-1234/db-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.body))
			require.NoError(t, err)
			require.Len(t, got, 1)
			require.Equal(t, tc.status, got[0].Status)
			require.Equal(t, tc.status, got[0].Items[0].Status)
			require.Equal(t, tc.priority, got[0].Priority)
			require.Equal(t, tc.key, got[0].DedupKey)
		})
	}
}

func TestParseTitle(t *testing.T) {
	for in, want := range map[string]string{
		"[P2] [Triggered on {host:web-1}] Disk full": "Disk full",
		"[Re-Triggered] Disk full":                   "Disk full",
		"[No Data on {host:db-1}] Heartbeat":         "Heartbeat",
		"[prod] Disk full":                           "[prod] Disk full",
		"[Recovered]":                                "[Recovered]",
		"Disk  full\\non db-1":                       "Disk full on db-1",
	} {
		got, err := Parse([]byte(`{"aggreg_key":"a","title":"` + in + `"}`))
		require.NoError(t, err, in)
		require.Equal(t, want, got[0].Title, in)
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, body, msg string
	}{
		{"malformed JSON", `{"title":"t",`, ""},
		{"form-encoded", `title=t&aggreg_key=a`, "Encode as form"},
		{"empty", ``, ""},
		{"an array", `[{"title":"t"}]`, ""},
		{"no title", `{"aggreg_key":"a","title":"$ALERT_TITLE"}`, `"title" is required`},
		{"no key at all", `{"title":"t"}`, `"aggreg_key" or "alert_cycle_key" is required`},
		{"an object for a value", `{"title":{"x":1},"aggreg_key":"a"}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.body))
			var herr *httpx.Error
			require.True(t, errors.As(err, &herr), "want a *httpx.Error, got %v", err)
			require.Equal(t, http.StatusBadRequest, herr.HTTPStatus())
			require.Contains(t, herr.Msg, tc.msg)
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"triggered.json", "recovered.json", "sparse.json"} {
		f.Add(fixture(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		alerts, err := Parse(body)
		if err != nil {
			var herr *httpx.Error
			if !errors.As(err, &herr) || herr.HTTPStatus() != http.StatusBadRequest {
				t.Fatalf("want a 400 *httpx.Error, got %v", err)
			}
			return
		}
		if len(alerts) != 1 || alerts[0].Title == "" || alerts[0].DedupKey == "" {
			t.Fatalf("want one alert with a title and a key, got %+v", alerts)
		}
	})
}

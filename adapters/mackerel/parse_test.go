package mackerel

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/internal/inbound/inboundtest"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

var fixture = inboundtest.Fixture

var (
	hostLabels = map[string]string{"type": "host", "monitor": "CPU %", "host": "web-1", "role": "shop:web", "org": "Macker-shop"}
	hostLinks  = []bot.Link{{Title: "Mackerel", URL: "https://mackerel.io/orgs/Macker-shop/alerts/2bj2zd4jTJq"},
		{Title: "Host", URL: "https://mackerel.io/orgs/Macker-shop/hosts/22D4bM2F3kv"}}
	critical = bot.Alert{
		Source: "mackerel", SourceName: "Mackerel", DedupKey: "2bj2zd4jTJq", Status: bot.AlertFiring,
		Title: "CPU % on web-1", Description: "CPU usage is above 90%", Priority: bot.P2,
		Labels: hostLabels, Links: hostLinks, StartsAt: inboundtest.Time("2026-05-11T08:16:00Z"),
		Items: []bot.AlertItem{{Fingerprint: "2bj2zd4jTJq", Status: bot.AlertFiring, Summary: "CPU % on web-1: cpu% = 97.2 (critical > 90)",
			Labels: hostLabels, StartsAt: inboundtest.Time("2026-05-11T08:16:00Z"), URL: hostLinks[0].URL}},
	}
)

func TestParse(t *testing.T) {
	ok := bot.Alert{
		Source: "mackerel", SourceName: "Mackerel", DedupKey: "2bj2zd4jTJq", Status: bot.AlertResolved,
		Title: "CPU % on web-1", Description: "CPU usage is back to normal",
		Labels: hostLabels, Links: hostLinks, StartsAt: inboundtest.Time("2026-05-11T08:16:00Z"),
		Items: []bot.AlertItem{{Fingerprint: "2bj2zd4jTJq", Status: bot.AlertResolved, Summary: "CPU % on web-1: cpu% = 12.5",
			Labels: hostLabels, StartsAt: inboundtest.Time("2026-05-11T08:16:00Z"), EndsAt: inboundtest.Time("2026-05-11T08:26:00Z"), URL: hostLinks[0].URL}},
	}
	svcLabels := map[string]string{"type": "service", "monitor": "checkout p99", "service": "shop", "org": "Macker-shop"}
	svcLink := "https://mackerel.io/orgs/Macker-shop/alerts/2bkService01"
	created := time.UnixMilli(1778487360123).UTC()
	service := bot.Alert{
		Source: "mackerel", SourceName: "Mackerel", DedupKey: "2bkService01", Status: bot.AlertFiring,
		Title: "checkout p99 on shop", Description: "Checkout latency, see the runbook", Priority: bot.P3,
		Labels: svcLabels, Links: []bot.Link{{Title: "Mackerel", URL: svcLink}}, StartsAt: created,
		Items: []bot.AlertItem{{Fingerprint: "2bkService01", Status: bot.AlertFiring, Summary: "checkout p99 on shop",
			Labels: svcLabels, StartsAt: created, URL: svcLink}},
	}
	for _, tc := range []struct {
		name string
		body []byte
		want bot.Alert
	}{
		{"critical host alert", fixture(t, "critical.json"), critical},
		{"ok closes it", fixture(t, "ok.json"), ok},
		{"warning service alert, unknown fields ignored", fixture(t, "service.json"), service},
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
		name, body, title string
		status            bot.AlertStatus
		priority          bot.Priority
	}{
		{"service as a name", `{"type":"service","service":"shop","alert":{"id":"a","status":"critical","monitorName":"5xx"}}`, "5xx on shop", bot.AlertFiring, bot.P2},
		{"connectivity without a monitor name", `{"type":"connectivity","host":{"name":"db-1"},"alert":{"id":"a","status":"critical"}}`, "connectivity on db-1", bot.AlertFiring, bot.P2},
		{"unknown status fires", `{"type":"check","alert":{"id":"a","status":"unknown","monitorName":"cron"}}`, "cron", bot.AlertFiring, 0},
		{"closed while critical resolves", `{"alert":{"id":"a","status":"critical","isOpen":false,"monitorName":"m"}}`, "m", bot.AlertResolved, bot.P2},
		{"OK in any case", `{"alert":{"id":"a","status":"OK","monitorName":"m"}}`, "m", bot.AlertResolved, 0},
		{"nothing but an id", `{"alert":{"id":"a"}}`, "Mackerel alert", bot.AlertFiring, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.body))
			require.NoError(t, err)
			require.Len(t, got, 1)
			require.Equal(t, tc.title, got[0].Title)
			require.Equal(t, tc.status, got[0].Status)
			require.Equal(t, tc.priority, got[0].Priority)
		})
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct{ name, body, msg string }{
		{"malformed JSON", `{"alert":{"id":`, "not valid JSON"},
		{"empty", ``, ""},
		{"no alert", `{"event":"alert","orgName":"o"}`, `"alert.id" is required`},
		{"no alert id", `{"alert":{"status":"critical"}}`, `"alert.id" is required`},
		{"a string for the alert", `{"alert":"critical"}`, ""},
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

func TestParseDropsOtherLinks(t *testing.T) {
	got, err := Parse([]byte(`{"host":{"name":"h","url":"javascript:alert(1)"},"alert":{"id":"a","url":"ftp://x/y"}}`))
	require.NoError(t, err)
	require.Empty(t, got[0].Links)
	require.Empty(t, got[0].Items[0].URL)
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"critical.json", "ok.json", "service.json"} {
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

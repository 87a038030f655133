package sentry

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/internal/inbound"
	"github.com/warroomhq/warroom/adapters/internal/inbound/inboundtest"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

var fixture = inboundtest.Fixture

const (
	metricURL = "https://acme.sentry.io/alerts/rules/details/7/?alert=53"
	eventURL  = "https://acme.sentry.io/issues/4521877301/events/c4a1f0e2b3d94f5c8e7a6b5c4d3e2f10/"
	issueURL  = "https://acme.sentry.io/issues/4521877301/"
	typeError = "TypeError: Cannot read properties of undefined (reading 'total')"
)

func one(a bot.Alert) bot.Alert {
	a.Source, a.SourceName = "sentry", "Sentry"
	a.Items = []bot.AlertItem{{Fingerprint: a.DedupKey, Status: a.Status, Summary: a.Title, Labels: a.Labels, URL: a.Links[0].URL}}
	return a
}

func metric(status bot.AlertStatus, prio bot.Priority, desc string) bot.Alert {
	return one(bot.Alert{DedupKey: "metric_alert:7", Status: status, Title: "Too many errors on checkout", Description: desc, Priority: prio,
		Labels: map[string]string{"rule": "Too many errors on checkout", "project": "checkout"},
		Links:  []bot.Link{{Title: "Sentry", URL: metricURL}}})
}

func issueAlert(status bot.AlertStatus) bot.Alert {
	return one(bot.Alert{DedupKey: "issue:4521877301", Status: status, Title: typeError, Description: "submitOrder(app/checkout)", Priority: bot.P2,
		Labels: map[string]string{"project": "checkout", "level": "error", "short_id": "CHECKOUT-1F"},
		Links:  []bot.Link{{Title: "Sentry", URL: issueURL}}})
}

func TestParse(t *testing.T) {
	critical := fixture(t, "metric_critical.json")
	warning := []byte(strings.Replace(string(critical), `"action": "critical"`, `"action": "warning"`, 1))
	for _, tc := range []struct {
		name, resource string
		body           []byte
		want           bot.Alert
	}{
		{"metric alert, critical", "metric_alert", critical, metric(bot.AlertFiring, bot.P2, "1000 events in the last 10 minutes\nFilter: level:error")},
		{"metric alert, warning", "metric_alert", warning, metric(bot.AlertFiring, bot.P3, "1000 events in the last 10 minutes\nFilter: level:error")},
		{"metric alert, resolved", "metric_alert", fixture(t, "metric_resolved.json"), metric(bot.AlertResolved, bot.P3, "12 events in the last 10 minutes\nFilter: level:error")},
		{"issue alert", "event_alert", fixture(t, "event_alert.json"), one(bot.Alert{
			DedupKey: "issue:4521877301", Status: bot.AlertFiring, Title: typeError,
			Description: "Alert rule: Checkout errors to Warroom\nsubmitOrder(app/checkout)", Priority: bot.P2,
			Labels: map[string]string{"project_id": "1", "level": "error", "rule": "Checkout errors to Warroom",
				"environment": "production", "release": "checkout@2.14.0"},
			Links: []bot.Link{{Title: "Sentry", URL: eventURL}}})},
		{"issue created", "issue", fixture(t, "issue_created.json"), issueAlert(bot.AlertFiring)},
		{"issue resolved", "issue", fixture(t, "issue_resolved.json"), issueAlert(bot.AlertResolved)},
		{"fatal issue", "issue", []byte(`{"action":"created","data":{"issue":{"id":9,"title":"Crash","level":"fatal"}}}`), bot.Alert{
			Source: "sentry", SourceName: "Sentry", DedupKey: "issue:9", Status: bot.AlertFiring, Title: "Crash", Priority: bot.P2,
			Labels: map[string]string{"level": "fatal"},
			Items:  []bot.AlertItem{{Fingerprint: "issue:9", Status: bot.AlertFiring, Summary: "Crash", Labels: map[string]string{"level": "fatal"}}}}},
		{"info issue, javascript: link dropped", "issue", []byte(`{"action":"created","data":{"issue":{"id":"9","shortId":"APP-9","level":"info","web_url":"javascript:alert(1)"}}}`), bot.Alert{
			Source: "sentry", SourceName: "Sentry", DedupKey: "issue:9", Status: bot.AlertFiring, Title: "Sentry issue APP-9", Priority: bot.P3,
			Labels: map[string]string{"level": "info", "short_id": "APP-9"},
			Items: []bot.AlertItem{{Fingerprint: "issue:9", Status: bot.AlertFiring, Summary: "Sentry issue APP-9",
				Labels: map[string]string{"level": "info", "short_id": "APP-9"}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.resource, tc.body)
			require.NoError(t, err)
			require.Equal(t, []bot.Alert{tc.want}, got)
		})
	}
}

// TestResolvedMatchesFiring: the recovery of a problem has the dedup key
// and fingerprint of its firing, so it lands on the same incident.
func TestResolvedMatchesFiring(t *testing.T) {
	fired, err := Parse("event_alert", fixture(t, "event_alert.json"))
	require.NoError(t, err)
	resolved, err := Parse("issue", fixture(t, "issue_resolved.json"))
	require.NoError(t, err)
	require.Equal(t, fired[0].DedupKey, resolved[0].DedupKey)
	require.Equal(t, fired[0].Items[0].Fingerprint, resolved[0].Items[0].Fingerprint)
}

func TestParseNoAlert(t *testing.T) {
	for _, tc := range []struct{ resource, body string }{
		{"installation", string(fixture(t, "installation.json"))},
		{"comment", `{"action":"created","data":{"comment":"x"}}`},
		{"", `{"action":"created","data":{}}`},
		{"issue", `{"action":"assigned","data":{"issue":{"id":"1"}}}`},
		{"issue", `{"action":"ignored","data":{"issue":{"id":"1"}}}`},
	} {
		_, err := Parse(tc.resource, []byte(tc.body))
		require.ErrorIs(t, err, inbound.ErrNoAlert, "%s %s", tc.resource, tc.body)
	}
}

func TestParseRefuses(t *testing.T) {
	critical := string(fixture(t, "metric_critical.json"))
	for _, tc := range []struct {
		name, resource, body, msg string
	}{
		{"malformed", "metric_alert", critical[:300], "body is not valid JSON (error at byte 300)"},
		{"malformed, resource without alerts", "installation", `{"action":`, "body is not valid JSON (error at byte 10)"},
		{"not an object", "issue", `[1]`, "body must be a JSON object"},
		{"unknown metric action", "metric_alert", strings.Replace(critical, `"action": "critical"`, `"action": "exploded"`, 1),
			`metric_alert action must be "critical", "warning" or "resolved"`},
		{"no rule id", "metric_alert", strings.Replace(critical, `"id": "7"`, `"id": ""`, 1), "data.metric_alert.alert_rule.id is required"},
		{"no data", "issue", `{"action":"created"}`, "data is required"},
		{"no issue id", "issue", `{"action":"created","data":{"issue":{"title":"x"}}}`, "data.issue.id is required"},
		{"no issue id in an issue alert", "event_alert", `{"action":"triggered","data":{"event":{"title":"x"}}}`, "data.event.issue_id is required"},
		{"title of the wrong type", "issue", `{"action":"created","data":{"issue":{"id":"1","title":3}}}`, `field "data.issue.title" must be a string`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.resource, []byte(tc.body))
			require.Nil(t, got)
			var rerr *httpx.Error
			require.True(t, errors.As(err, &rerr), "want a *httpx.Error, got %v", err)
			require.Equal(t, http.StatusBadRequest, rerr.Status)
			require.Equal(t, tc.msg, rerr.Msg)
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"metric_critical.json", "metric_resolved.json", "event_alert.json", "issue_created.json", "issue_resolved.json"} {
		f.Add("metric_alert", fixture(f, name))
		f.Add("event_alert", fixture(f, name))
		f.Add("issue", fixture(f, name))
	}
	f.Fuzz(func(t *testing.T, resource string, body []byte) {
		got, err := Parse(resource, body)
		if err != nil {
			if errors.Is(err, inbound.ErrNoAlert) {
				return
			}
			var rerr *httpx.Error
			require.True(t, errors.As(err, &rerr))
			require.Equal(t, http.StatusBadRequest, rerr.Status)
			return
		}
		require.Len(t, got, 1)
		require.NotEmpty(t, got[0].DedupKey)
		require.NotEmpty(t, got[0].Title)
	})
}

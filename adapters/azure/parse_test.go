package azure

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/internal/inbound/inboundtest"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

var fixture = inboundtest.Fixture

var ts = inboundtest.Time

const (
	sub       = "11111111-2222-3333-4444-555555555555"
	vmAlertID = "/subscriptions/" + sub + "/providers/Microsoft.AlertsManagement/alerts/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e"
	vmTarget  = "/subscriptions/" + sub + "/resourcegroups/pipelinealertrg/providers/microsoft.compute/virtualmachines/wcus-r2-gen2"
	logsURL   = "https://portal.azure.com#@tenant/blade/Microsoft_Azure_Monitoring_Logs/LogsBlade/source/Alerts.EmailLinks/scope/x/q/z/prettify/1/timespan/2026-05-11T08%3a09%3a30.0000000Z%2f2026-05-11T08%3a14%3a30.0000000Z"
)

// vm is the metric alert of testdata/metric_fired.json and metric_resolved.json.
func vm(status bot.AlertStatus, desc string) bot.Alert {
	labels := map[string]string{"alert_rule": "WCUS-R2-Gen2", "severity": "Sev3", "signal_type": "Metric", "monitoring_service": "Platform",
		"target_ids": vmTarget, "configuration_items": "wcus-r2-gen2", "subscription_id": sub, "resource_group": "pipelinealertrg",
		"Key1": "Value1", "team": "platform"}
	item := bot.AlertItem{Fingerprint: vmAlertID, Status: status, Summary: "WCUS-R2-Gen2", Labels: labels, StartsAt: ts("2019-03-22T13:58:24.3713213Z")}
	if status == bot.AlertResolved {
		item.EndsAt = ts("2019-03-22T14:03:16.2246313Z")
	}
	return bot.Alert{Source: "azure", SourceName: "Azure Monitor", DedupKey: vmAlertID, Status: status, Title: "WCUS-R2-Gen2",
		Description: desc, Priority: bot.P4, Labels: labels, StartsAt: ts("2019-03-22T13:58:24.3713213Z"), Items: []bot.AlertItem{item}}
}

func TestParse(t *testing.T) {
	logID := "/subscriptions/" + sub + "/providers/Microsoft.AlertsManagement/alerts/bbbb1b1b-cc2c-dd3d-ee4e-ffffff5f5f5f"
	logLabels := map[string]string{"alert_rule": "Checkout 5xx in App Service logs", "severity": "Sev1", "signal_type": "Log",
		"monitoring_service": "Log Alerts V2", "target_ids": "/subscriptions/" + sub + "/resourcegroups/shop-prod/providers/microsoft.web/sites/checkout",
		"configuration_items": "/subscriptions/" + sub + "/resourceGroups/shop-prod/providers/Microsoft.Web/sites/checkout",
		"subscription_id":     sub, "resource_group": "shop-prod"}
	for _, tc := range []struct {
		name string
		body []byte
		want bot.Alert
	}{
		{"metric alert fired", fixture(t, "metric_fired.json"), vm(bot.AlertFiring, "CPU of wcus-r2-gen2 above 25% for 5 minutes")},
		{"metric alert resolved (Azure's sample)", fixture(t, "metric_resolved.json"), vm(bot.AlertResolved, "")},
		{"log search alert with its portal link", fixture(t, "log_fired.json"), bot.Alert{
			Source: "azure", SourceName: "Azure Monitor", DedupKey: logID, Status: bot.AlertFiring, Title: "Checkout 5xx in App Service logs",
			Description: "More than 50 HTTP 5xx from checkout in 5 minutes", Priority: bot.P2, Labels: logLabels,
			Links: []bot.Link{{Title: "Logs", URL: logsURL}}, StartsAt: ts("2026-05-11T08:14:30.1234567Z"),
			Items: []bot.AlertItem{{Fingerprint: logID, Status: bot.AlertFiring, Summary: "Checkout 5xx in App Service logs", Labels: logLabels,
				StartsAt: ts("2026-05-11T08:14:30.1234567Z"), URL: logsURL}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.body)
			require.NoError(t, err)
			require.Equal(t, []bot.Alert{tc.want}, got)
		})
	}
}

func TestSeverity(t *testing.T) {
	for in, want := range map[string]bot.Priority{"Sev0": bot.P1, "Sev1": bot.P2, "Sev2": bot.P3, "Sev3": bot.P4, "Sev4": bot.P4, "sev0": bot.P1, "": 0, "Critical": 0} {
		require.Equal(t, want, severity(in), in)
	}
}

func TestCustomPropertiesNeverReplaceEssentials(t *testing.T) {
	body := strings.Replace(string(fixture(t, "metric_fired.json")), `"Key1": "Value1"`, `"severity": "Sev0", "count": 3`, 1)
	got, err := Parse([]byte(body))
	require.NoError(t, err)
	require.Equal(t, "Sev3", got[0].Labels["severity"])
	require.NotContains(t, got[0].Labels, "count", "a value that is not a string is skipped")
	require.Equal(t, bot.P4, got[0].Priority)
}

func TestParseRefuses(t *testing.T) {
	fired := string(fixture(t, "metric_fired.json"))
	for _, tc := range []struct {
		name, body, msg string
	}{
		{"another schema", strings.Replace(fired, SchemaID, "Microsoft.Insights/activityLogs", 1),
			`unsupported schema: Warroom reads Azure Monitor's common alert schema ("schemaId": "azureMonitorCommonAlertSchema"); turn on "Enable the common alert schema" in the action group's webhook`},
		{"the legacy metric alert schema", `{"status":"Activated","context":{"name":"cpu"}}`,
			`unsupported schema: Warroom reads Azure Monitor's common alert schema ("schemaId": "azureMonitorCommonAlertSchema"); turn on "Enable the common alert schema" in the action group's webhook`},
		{"malformed", fired[:100], "body is not valid JSON (error at byte 100)"},
		{"not an object", `"Fired"`, "body must be a JSON object"},
		{"unknown condition", strings.Replace(fired, `"Fired"`, `"Acknowledged"`, 1), `data.essentials.monitorCondition must be "Fired" or "Resolved"`},
		{"no alertId", strings.Replace(fired, `"alertId": "/sub`, `"alertIdX": "/sub`, 1), "data.essentials.alertId is required"},
		{"bad time", strings.Replace(fired, `"2019-03-22T13:58:24.3713213Z"`, `"yesterday"`, 1), "data.essentials.firedDateTime and resolvedDateTime must be ISO 8601 times"},
		{"targets not an array", strings.Replace(fired, `"configurationItems": [`, `"configurationItems": "wcus-r2-gen2", "x": [`, 1), `field "data.essentials.configurationItems" must be an array`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.body))
			require.Nil(t, got)
			var rerr *httpx.Error
			require.True(t, errors.As(err, &rerr), "want a *httpx.Error, got %v", err)
			require.Equal(t, http.StatusBadRequest, rerr.Status)
			require.Equal(t, tc.msg, rerr.Msg)
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"metric_fired.json", "metric_resolved.json", "log_fired.json"} {
		f.Add(fixture(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := Parse(body)
		if err != nil {
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

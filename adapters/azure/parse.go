package azure

// A metric alert's recovery, abridged from testdata/metric_resolved.json
// (Azure's sample payload):
//
//	{
//	  "schemaId": "azureMonitorCommonAlertSchema",
//	  "data": {
//	    "essentials": {
//	      "alertId": "/subscriptions/<subscription ID>/providers/Microsoft.AlertsManagement/alerts/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e",
//	      "alertRule": "WCUS-R2-Gen2", "severity": "Sev3", "signalType": "Metric",
//	      "monitorCondition": "Resolved", "monitoringService": "Platform",
//	      "alertTargetIDs": ["/subscriptions/<subscription ID>/resourcegroups/pipelinealertrg/providers/microsoft.compute/virtualmachines/wcus-r2-gen2"],
//	      "configurationItems": ["wcus-r2-gen2"],
//	      "firedDateTime": "2019-03-22T13:58:24.3713213Z", "resolvedDateTime": "2019-03-22T14:03:16.2246313Z",
//	      "description": "", "essentialsVersion": "1.0", "alertContextVersion": "1.0"
//	    },
//	    "alertContext": {...},
//	    "customProperties": {"Key1": "Value1"}
//	  }
//	}

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/warroomhq/warroom/adapters/alertmanager"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// Bounds of what is taken from a notification.
const (
	maxTitle  = 200
	maxLabels = 50
	maxLabel  = 500 // characters of a joined label value
)

// Parse reads a common-alert-schema body into its one bot.Alert. It does
// not authenticate. Its errors are *httpx.Error with status 400 whose
// message names the problem without repeating the payload.
func Parse(body []byte) ([]bot.Alert, error) {
	var n Notification
	if err := alertmanager.Decode(body, &n); err != nil {
		return nil, err
	}
	if n.SchemaID != SchemaID {
		return nil, badRequest(`unsupported schema: Warroom reads Azure Monitor's common alert schema ("schemaId": "azureMonitorCommonAlertSchema"); turn on "Enable the common alert schema" in the action group's webhook`)
	}
	e := &n.Data.Essentials
	var status bot.AlertStatus
	switch e.MonitorCondition {
	case "Fired":
		status = bot.AlertFiring
	case "Resolved":
		status = bot.AlertResolved
	default:
		return nil, badRequest(`data.essentials.monitorCondition must be "Fired" or "Resolved"`)
	}
	key := strings.TrimSpace(e.AlertID)
	if key == "" {
		return nil, badRequest("data.essentials.alertId is required")
	}
	fired, err1 := parseTime(e.FiredDateTime)
	resolved, err2 := parseTime(e.ResolvedDateTime)
	if err1 != nil || err2 != nil {
		return nil, badRequest("data.essentials.firedDateTime and resolvedDateTime must be ISO 8601 times")
	}
	title := strings.Join(strings.Fields(e.AlertRule), " ")
	if title == "" {
		title = "Azure Monitor alert"
	}
	title = bot.Truncate(title, maxTitle)
	labels := labels(e, n.Data.CustomProperties)
	links := logLinks(n.Data.AlertContext)
	item := bot.AlertItem{Fingerprint: key, Status: status, Summary: title, Labels: labels, StartsAt: fired, EndsAt: resolved}
	if len(links) > 0 {
		item.URL = links[0].URL
	}
	return []bot.Alert{{
		Source: Name, SourceName: DisplayName,
		DedupKey:    key,
		Status:      status,
		Title:       title,
		Description: strings.TrimSpace(e.Description),
		Priority:    severity(e.Severity),
		Labels:      labels,
		Links:       links,
		StartsAt:    fired,
		Items:       []bot.AlertItem{item},
	}}, nil
}

// severity maps Sev0 (Azure's highest) to P1, Sev1 to P2, Sev2 to P3,
// Sev3 and Sev4 to P4; anything else says nothing.
func severity(s string) bot.Priority {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "sev0":
		return bot.P1
	case "sev1":
		return bot.P2
	case "sev2":
		return bot.P3
	case "sev3", "sev4":
		return bot.P4
	}
	return 0
}

// parseTime reads Azure's ISO 8601 times (seven fractional digits); ""
// is the zero time.
func parseTime(s string) (time.Time, error) {
	if s = strings.TrimSpace(s); s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UTC(), err
}

// labels are the essentials routing rules may match on, then the custom
// properties that name no essential.
func labels(e *Essentials, custom map[string]json.RawMessage) map[string]string {
	m := map[string]string{
		"alert_rule":          e.AlertRule,
		"severity":            e.Severity,
		"signal_type":         e.SignalType,
		"monitoring_service":  e.MonitoringService,
		"target_ids":          join(e.AlertTargetIDs),
		"configuration_items": join(e.ConfigurationItems),
	}
	if len(e.AlertTargetIDs) > 0 {
		m["subscription_id"], m["resource_group"] = resourceScope(e.AlertTargetIDs[0])
	}
	for k, v := range m {
		if v = strings.TrimSpace(v); v == "" {
			delete(m, k)
		}
	}
	for k, raw := range custom {
		var v string
		if _, taken := m[k]; taken || len(m) >= maxLabels || json.Unmarshal(raw, &v) != nil || strings.TrimSpace(k) == "" {
			continue
		}
		m[k] = bot.Truncate(v, maxLabel)
	}
	return m
}

func join(s []string) string { return bot.Truncate(strings.Join(s, ","), maxLabel) }

// resourceScope reads the subscription and resource group of an Azure
// resource ID, /subscriptions/<id>/resourcegroups/<name>/providers/….
func resourceScope(id string) (sub, group string) {
	parts := strings.Split(id, "/")
	for i := 0; i+1 < len(parts); i++ {
		switch strings.ToLower(parts[i]) {
		case "subscriptions":
			if sub == "" {
				sub = parts[i+1]
			}
		case "resourcegroups":
			if group == "" {
				group = parts[i+1]
			}
		}
	}
	return sub, group
}

// logLinks are the search-results links of a log search alert (the first
// condition's filtered one, else its plain one); other alert types have
// none. Only http(s) URLs are kept.
func logLinks(ctx json.RawMessage) []bot.Link {
	var lc logContext
	if len(ctx) == 0 || json.Unmarshal(ctx, &lc) != nil {
		return nil
	}
	for _, c := range lc.Condition.AllOf {
		for _, u := range []string{c.LinkToFilteredSearchResultsUI, c.LinkToSearchResultsUI} {
			u = strings.TrimSpace(u)
			// The URL is kept as sent: re-encoding it could change the
			// portal's fragment, which holds the query.
			if p, err := url.Parse(u); err == nil && p.Host != "" && (p.Scheme == "https" || p.Scheme == "http") {
				return []bot.Link{{Title: "Logs", URL: u}}
			}
		}
	}
	return nil
}

func badRequest(msg string) *httpx.Error {
	return &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: msg}
}

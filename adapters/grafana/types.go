package grafana

import (
	"encoding/json"

	"github.com/warroomhq/warroom/adapters/alertmanager"
)

// Version is the only webhook payload version this package reads.
const Version = "1"

// Message is the body of a Grafana webhook notification: Alertmanager's
// plus the fields of grafana/alerting's webhookMessage.
type Message struct {
	alertmanager.Message
	// Alerts shadows the embedded Message's: Grafana's alerts carry more.
	Alerts []Alert `json:"alerts"`
	OrgID  int64   `json:"orgId"`
	// Title and Text are rendered from the contact point's title and
	// message templates.
	Title string `json:"title"`
	State string `json:"state"`
	Text  string `json:"message"`
}

// Alert is one alert of a notification (grafana/alerting's ExtendedAlert).
type Alert struct {
	alertmanager.Alert
	SilenceURL   string `json:"silenceURL"`
	DashboardURL string `json:"dashboardURL"`
	PanelURL     string `json:"panelURL"`
	// Values maps a query's refID to the value it had at evaluation. They
	// are kept raw so that a value Grafana could not render as a number
	// does not make the whole notification unreadable.
	Values map[string]json.RawMessage `json:"values"`
	// ValueString is what Grafana before 10 sent instead of Values.
	ValueString string `json:"valueString"`
	ImageURL    string `json:"imageURL"`
}

package azure

import "encoding/json"

// SchemaID is the only schema this package reads.
const SchemaID = "azureMonitorCommonAlertSchema"

// Notification is the body of an action group webhook in the common alert
// schema.
type Notification struct {
	SchemaID string `json:"schemaId"`
	Data     struct {
		Essentials   Essentials      `json:"essentials"`
		AlertContext json.RawMessage `json:"alertContext"`
		// CustomProperties is set for metric alerts only, null otherwise;
		// values are kept raw so that one that is not a string is skipped
		// rather than refusing the alert.
		CustomProperties map[string]json.RawMessage `json:"customProperties"`
	} `json:"data"`
}

// Essentials is the part of the schema every alert type shares.
type Essentials struct {
	AlertID            string   `json:"alertId"`
	AlertRule          string   `json:"alertRule"`
	Severity           string   `json:"severity"`
	SignalType         string   `json:"signalType"`
	MonitorCondition   string   `json:"monitorCondition"`
	MonitoringService  string   `json:"monitoringService"`
	AlertTargetIDs     []string `json:"alertTargetIDs"`
	ConfigurationItems []string `json:"configurationItems"`
	OriginAlertID      string   `json:"originAlertId"`
	FiredDateTime      string   `json:"firedDateTime"`
	ResolvedDateTime   string   `json:"resolvedDateTime"`
	Description        string   `json:"description"`
}

// logContext is what Warroom reads of a log search alert's alertContext.
type logContext struct {
	Condition struct {
		AllOf []struct {
			LinkToSearchResultsUI         string `json:"linkToSearchResultsUI"`
			LinkToFilteredSearchResultsUI string `json:"linkToFilteredSearchResultsUI"`
		} `json:"allOf"`
	} `json:"condition"`
}

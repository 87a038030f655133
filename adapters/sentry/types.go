package sentry

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Resources of Sentry-Hook-Resource that can carry an alert.
const (
	ResourceMetricAlert = "metric_alert"
	ResourceEventAlert  = "event_alert"
	ResourceIssue       = "issue"
)

// Delivery is the envelope of every integration-platform webhook.
type Delivery struct {
	Action string          `json:"action"`
	Data   json.RawMessage `json:"data"`
}

// metricAlertData is data of a metric_alert delivery.
type metricAlertData struct {
	MetricAlert struct {
		ID         id     `json:"id"`
		Identifier id     `json:"identifier"`
		Title      string `json:"title"`
		AlertRule  struct {
			ID       id       `json:"id"`
			Name     string   `json:"name"`
			Projects []string `json:"projects"`
		} `json:"alert_rule"`
		Projects []string `json:"projects"`
	} `json:"metric_alert"`
	DescriptionTitle string `json:"description_title"`
	DescriptionText  string `json:"description_text"`
	WebURL           string `json:"web_url"`
}

// eventAlertData is data of an event_alert (issue alert) delivery.
type eventAlertData struct {
	Event struct {
		EventID     string     `json:"event_id"`
		IssueID     id         `json:"issue_id"`
		Project     id         `json:"project"`
		Title       string     `json:"title"`
		Culprit     string     `json:"culprit"`
		Level       string     `json:"level"`
		Environment string     `json:"environment"`
		Release     string     `json:"release"`
		WebURL      string     `json:"web_url"`
		Tags        [][]string `json:"tags"`
	} `json:"event"`
	TriggeredRule string `json:"triggered_rule"`
}

// issueData is data of an issue delivery.
type issueData struct {
	Issue struct {
		ID      id     `json:"id"`
		ShortID string `json:"shortId"`
		Title   string `json:"title"`
		Culprit string `json:"culprit"`
		Level   string `json:"level"`
		WebURL  string `json:"web_url"`
		Project struct {
			Slug string `json:"slug"`
		} `json:"project"`
	} `json:"issue"`
}

// id is an identifier Sentry sends as a string or as a number, depending
// on the resource and the version.
type id string

// UnmarshalJSON accepts "123", 123 and null.
func (i *id) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*i = id(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
		return &json.UnmarshalTypeError{Value: "number " + n.String(), Type: nil}
	}
	*i = id(n)
	return nil
}

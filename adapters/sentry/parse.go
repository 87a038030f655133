package sentry

// A metric alert delivery (Sentry-Hook-Resource: metric_alert), abridged
// from testdata/metric_critical.json:
//
//	{
//	  "action": "critical",
//	  "data": {
//	    "metric_alert": {"id": "53", "identifier": "3", "title": "Too many errors",
//	      "alert_rule": {"id": "7", "name": "Too many errors", "projects": ["checkout"], "triggers": [...]}, ...},
//	    "description_title": "Critical: Too many errors",
//	    "description_text": "1000 events in the last 10 minutes\nFilter: level:error",
//	    "web_url": "https://acme.sentry.io/alerts/rules/details/7/?alert=53"
//	  },
//	  "actor": {"id": "sentry", "name": "Sentry", "type": "application"}
//	}
//
// An issue alert (event_alert) carries data.event (title, level, web_url,
// issue_id, …) and data.triggered_rule; an issue delivery carries
// data.issue (id, title, level, web_url, project, …).

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/warroomhq/warroom/adapters/alertmanager"
	"github.com/warroomhq/warroom/adapters/internal/inbound"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// maxTitle bounds a title made from Sentry's text.
const maxTitle = 200

// Parse reads one delivery of the given Sentry-Hook-Resource into its
// alert. A delivery that carries none (installation, comment, an issue
// assigned, …) is inbound.ErrNoAlert. It does not authenticate. Its other
// errors are *httpx.Error with status 400 that never quote the body.
func Parse(resource string, body []byte) ([]bot.Alert, error) {
	var d Delivery
	if err := alertmanager.Decode(body, &d); err != nil {
		return nil, err
	}
	var (
		a   bot.Alert
		err error
	)
	switch resource {
	case ResourceMetricAlert:
		a, err = metricAlert(&d)
	case ResourceEventAlert:
		a, err = eventAlert(&d)
	case ResourceIssue:
		a, err = issue(&d)
	default:
		return nil, inbound.ErrNoAlert
	}
	if err != nil {
		return nil, err
	}
	a.Source, a.SourceName = Name, DisplayName
	a.Title = bot.Truncate(strings.Join(strings.Fields(a.Title), " "), maxTitle)
	a.Description = strings.TrimSpace(a.Description)
	item := bot.AlertItem{Fingerprint: a.DedupKey, Status: a.Status, Summary: a.Title, Labels: a.Labels}
	if len(a.Links) > 0 {
		item.URL = a.Links[0].URL
	}
	a.Items = []bot.AlertItem{item}
	return []bot.Alert{a}, nil
}

func metricAlert(d *Delivery) (bot.Alert, error) {
	var status bot.AlertStatus
	prio := bot.P3
	switch d.Action {
	case "critical", "triggered":
		status, prio = bot.AlertFiring, bot.P2
	case "warning":
		status = bot.AlertFiring
	case "resolved":
		status = bot.AlertResolved
	default:
		return bot.Alert{}, badRequest(`metric_alert action must be "critical", "warning" or "resolved"`)
	}
	var m metricAlertData
	if err := decodeData(d, &m); err != nil {
		return bot.Alert{}, err
	}
	ma := &m.MetricAlert
	if ma.AlertRule.ID == "" {
		return bot.Alert{}, badRequest("data.metric_alert.alert_rule.id is required")
	}
	labels := map[string]string{"rule": ma.AlertRule.Name}
	projects := ma.AlertRule.Projects
	if len(projects) == 0 {
		projects = ma.Projects
	}
	labels["project"] = strings.Join(projects, ",")
	return bot.Alert{
		DedupKey:    "metric_alert:" + string(ma.AlertRule.ID),
		Status:      status,
		Title:       firstOf(ma.AlertRule.Name, ma.Title, stripStatus(m.DescriptionTitle), "Sentry metric alert "+string(ma.AlertRule.ID)),
		Description: m.DescriptionText,
		Priority:    prio,
		Labels:      compact(labels),
		Links:       link(m.WebURL),
	}, nil
}

func eventAlert(d *Delivery) (bot.Alert, error) {
	if d.Action != "triggered" {
		return bot.Alert{}, inbound.ErrNoAlert
	}
	var e eventAlertData
	if err := decodeData(d, &e); err != nil {
		return bot.Alert{}, err
	}
	ev := &e.Event
	if ev.IssueID == "" {
		return bot.Alert{}, badRequest("data.event.issue_id is required")
	}
	level := firstOf(ev.Level, tag(ev.Tags, "level"))
	var desc []string
	if e.TriggeredRule != "" {
		desc = append(desc, "Alert rule: "+e.TriggeredRule)
	}
	if ev.Culprit != "" {
		desc = append(desc, ev.Culprit)
	}
	return bot.Alert{
		DedupKey:    "issue:" + string(ev.IssueID),
		Status:      bot.AlertFiring,
		Title:       firstOf(ev.Title, "Sentry issue "+string(ev.IssueID)),
		Description: strings.Join(desc, "\n"),
		Priority:    levelPriority(level),
		Labels: compact(map[string]string{"project_id": string(ev.Project), "level": level, "rule": e.TriggeredRule,
			"environment": firstOf(ev.Environment, tag(ev.Tags, "environment")), "release": firstOf(ev.Release, tag(ev.Tags, "release"))}),
		Links: link(ev.WebURL),
	}, nil
}

func issue(d *Delivery) (bot.Alert, error) {
	var status bot.AlertStatus
	switch d.Action {
	case "created":
		status = bot.AlertFiring
	case "resolved":
		status = bot.AlertResolved
	default:
		return bot.Alert{}, inbound.ErrNoAlert
	}
	var i issueData
	if err := decodeData(d, &i); err != nil {
		return bot.Alert{}, err
	}
	is := &i.Issue
	if is.ID == "" {
		return bot.Alert{}, badRequest("data.issue.id is required")
	}
	return bot.Alert{
		DedupKey:    "issue:" + string(is.ID),
		Status:      status,
		Title:       firstOf(is.Title, "Sentry issue "+firstOf(is.ShortID, string(is.ID))),
		Description: is.Culprit,
		Priority:    levelPriority(is.Level),
		Labels:      compact(map[string]string{"project": is.Project.Slug, "level": is.Level, "short_id": is.ShortID}),
		Links:       link(is.WebURL),
	}, nil
}

// decodeData decodes d.Data, which every alert resource needs.
func decodeData(d *Delivery, v any) error {
	if len(d.Data) == 0 || string(d.Data) == "null" {
		return badRequest("data is required")
	}
	err := alertmanager.Decode(d.Data, v)
	var herr *httpx.Error
	if errors.As(err, &herr) {
		// Decode's messages speak of the body; here they are about data.
		return badRequest(strings.Replace(strings.Replace(herr.Msg, `field "`, `field "data.`, 1), "body ", "data ", 1))
	}
	return err
}

// levelPriority maps a Sentry level: fatal and error are P2, anything
// else P3. P1 is left to routing rules, since a single error event says
// little about how many people it hurts.
func levelPriority(level string) bot.Priority {
	switch strings.ToLower(level) {
	case "fatal", "error":
		return bot.P2
	}
	return bot.P3
}

// stripStatus removes the "Critical: " / "Warning: " / "Resolved: " prefix
// of a description_title, which changes with every notification.
func stripStatus(t string) string {
	for _, p := range []string{"Critical: ", "Warning: ", "Resolved: "} {
		if rest, ok := strings.CutPrefix(t, p); ok {
			return rest
		}
	}
	return t
}

// tag is the value of an event's tag, "" without it.
func tag(tags [][]string, name string) string {
	for _, t := range tags {
		if len(t) == 2 && t[0] == name {
			return t[1]
		}
	}
	return ""
}

// link is u as the alert's one link, or none when u is not an http(s)
// URL (a link leaving Warroom must not be javascript:).
func link(u string) []bot.Link {
	u = strings.TrimSpace(u)
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || (p.Scheme != "https" && p.Scheme != "http") {
		return nil
	}
	return []bot.Link{{Title: "Sentry", URL: u}}
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// compact drops empty labels.
func compact(m map[string]string) map[string]string {
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}

func badRequest(msg string) *httpx.Error {
	return &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: msg}
}

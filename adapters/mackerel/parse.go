package mackerel

// A host-metric alert (testdata/critical.json, abridged):
//
//	{
//	  "orgName": "Macker...",
//	  "event": "alert",
//	  "type": "host",
//	  "message": "CPU usage is above 90%",
//	  "host": {"id": "22D4...", "name": "web-1", "url": "https://mackerel.io/orgs/.../hosts/22D4...",
//	           "status": "working", "roles": [{"fullname": "shop:web", ...}], ...},
//	  "alert": {"id": "2bj...", "url": "https://mackerel.io/orgs/.../alerts/2bj...",
//	            "status": "critical", "isOpen": true, "openedAt": 1778487360, "createdAt": 1778487360123,
//	            "trigger": "monitor", "monitorName": "CPU %", "metricLabel": "cpu%", "metricValue": 97.2,
//	            "criticalThreshold": 90, "warningThreshold": 80, ...}
//	}

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/warroomhq/warroom/adapters/alertmanager"
	"github.com/warroomhq/warroom/adapters/internal/inbound"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

// Limits of what a notification puts on a card.
const (
	maxTitle       = 200
	maxDescription = 4000
	maxKey         = 200
	maxLabel       = 200
)

// Payload is the part of a Mackerel webhook body Warroom reads.
type Payload struct {
	OrgName string          `json:"orgName"`
	Event   string          `json:"event"`
	Type    string          `json:"type"`
	Message string          `json:"message"`
	Memo    string          `json:"memo"`
	Host    *Host           `json:"host"`
	Service json.RawMessage `json:"service"`
	Alert   *Alert          `json:"alert"`
}

// Host is the host of a host-metric alert.
type Host struct {
	Name  string `json:"name"`
	URL   string `json:"url"`
	Roles []struct {
		Fullname string `json:"fullname"`
	} `json:"roles"`
}

// Alert is the alert of a notification.
type Alert struct {
	ID                string   `json:"id"`
	URL               string   `json:"url"`
	Status            string   `json:"status"`
	IsOpen            *bool    `json:"isOpen"`
	OpenedAt          int64    `json:"openedAt"`  // epoch seconds
	ClosedAt          int64    `json:"closedAt"`  // epoch seconds
	CreatedAt         int64    `json:"createdAt"` // epoch milliseconds
	MonitorName       string   `json:"monitorName"`
	MetricLabel       string   `json:"metricLabel"`
	MetricValue       *float64 `json:"metricValue"`
	CriticalThreshold *float64 `json:"criticalThreshold"`
	WarningThreshold  *float64 `json:"warningThreshold"`
	MonitorOperator   string   `json:"monitorOperator"`
}

// Parse reads a Mackerel webhook body into its one bot.Alert. It does not
// authenticate. Its errors are *httpx.Error with status 400 that never
// quote the body.
func Parse(body []byte) ([]bot.Alert, error) {
	var p Payload
	if err := alertmanager.Decode(body, &p); err != nil {
		return nil, err
	}
	if p.Alert == nil || strings.TrimSpace(p.Alert.ID) == "" {
		return nil, badRequest(`"alert.id" is required: Warroom reads Mackerel's alert notifications`)
	}
	al := p.Alert
	key := bot.Truncate(strings.TrimSpace(al.ID), maxKey)
	status := bot.AlertFiring
	if strings.EqualFold(strings.TrimSpace(al.Status), "ok") || (al.IsOpen != nil && !*al.IsOpen) {
		status = bot.AlertResolved
	}
	service := p.service()
	title := p.title(service)
	labels := p.labels(service)
	a := bot.Alert{
		Source:      Name,
		SourceName:  DisplayName,
		DedupKey:    key,
		Status:      status,
		Title:       title,
		Description: bot.Truncate(strings.TrimSpace(cmpOr(p.Message, p.Memo)), maxDescription),
		Priority:    priority(al.Status),
		Labels:      labels,
		StartsAt:    al.startsAt(),
	}
	if inbound.WebURL(al.URL) {
		a.Links = append(a.Links, bot.Link{Title: DisplayName, URL: al.URL})
	}
	if p.Host != nil && inbound.WebURL(p.Host.URL) {
		a.Links = append(a.Links, bot.Link{Title: "Host", URL: p.Host.URL})
	}
	item := bot.AlertItem{Fingerprint: key, Status: status, Summary: bot.Truncate(title+al.metric(), maxTitle), Labels: labels, StartsAt: a.StartsAt}
	if al.ClosedAt > 0 {
		item.EndsAt = time.Unix(al.ClosedAt, 0).UTC()
	}
	if len(a.Links) > 0 {
		item.URL = a.Links[0].URL
	}
	a.Items = []bot.AlertItem{item}
	return []bot.Alert{a}, nil
}

// service is the service of a service-metric alert: a name, or an object
// with one (the docs do not show its shape; both are read).
func (p *Payload) service() string {
	raw := bytes.TrimSpace(p.Service)
	var name string
	if json.Unmarshal(raw, &name) == nil {
		return strings.TrimSpace(name)
	}
	var obj struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return strings.TrimSpace(obj.Name)
	}
	return ""
}

// title is the monitor's name on what it watches.
func (p *Payload) title(service string) string {
	t := cmpOr(oneLine(p.Alert.MonitorName), oneLine(p.Type), "Mackerel alert")
	if p.Host != nil && oneLine(p.Host.Name) != "" {
		t += " on " + oneLine(p.Host.Name)
	} else if service != "" {
		t += " on " + oneLine(service)
	}
	return bot.Truncate(t, maxTitle)
}

func (p *Payload) labels(service string) map[string]string {
	out := map[string]string{}
	set := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			out[k] = bot.Truncate(v, maxLabel)
		}
	}
	set("type", p.Type)
	set("monitor", p.Alert.MonitorName)
	set("service", service)
	set("org", p.OrgName)
	if p.Host != nil {
		set("host", p.Host.Name)
		roles := make([]string, 0, len(p.Host.Roles))
		for _, r := range p.Host.Roles {
			if f := strings.TrimSpace(r.Fullname); f != "" {
				roles = append(roles, f)
			}
		}
		set("role", strings.Join(roles, ","))
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// priority maps the alert's status: critical P2, warning P3.
func priority(status string) bot.Priority {
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "critical":
		return bot.P2
	case "warning":
		return bot.P3
	}
	return 0
}

// startsAt is openedAt (seconds), else createdAt (milliseconds).
func (al *Alert) startsAt() time.Time {
	switch {
	case al.OpenedAt > 0:
		return time.Unix(al.OpenedAt, 0).UTC()
	case al.CreatedAt > 0:
		return time.UnixMilli(al.CreatedAt).UTC()
	}
	return time.Time{}
}

// metric is ": cpu% = 97.2 (critical > 90)" when the alert has a value.
func (al *Alert) metric() string {
	if al.MetricValue == nil {
		return ""
	}
	s := ": " + cmpOr(oneLine(al.MetricLabel), "value") + " = " + num(*al.MetricValue)
	op := oneLine(al.MonitorOperator)
	switch {
	case op == "":
	case strings.EqualFold(al.Status, "critical") && al.CriticalThreshold != nil:
		s += " (critical " + op + " " + num(*al.CriticalThreshold) + ")"
	case strings.EqualFold(al.Status, "warning") && al.WarningThreshold != nil:
		s += " (warning " + op + " " + num(*al.WarningThreshold) + ")"
	}
	return s
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

func badRequest(msg string) *httpx.Error {
	return &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: msg}
}

package datadog

// A notification sent with the recommended template (testdata/triggered.json):
//
//	{
//	  "aggreg_key": "9bd4ac313a4d1e8fae2482df7b77628",
//	  "alert_cycle_key": "7301914560925356064",
//	  "alert_id": "1234",
//	  "transition": "Triggered",
//	  "alert_type": "error",
//	  "priority": "P2",
//	  "title": "[Triggered on {host:web-1}] Checkout 5xx rate above 5%",
//	  "message": "5xx on /api/checkout ...",
//	  "link": "https://app.datadoghq.com/event/event?id=7301914560925356064",
//	  "tags": "env:prod,service:checkout,monitor",
//	  "hostname": "web-1",
//	  "date": "1778487360000",
//	  "org_id": "123456"
//	}

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
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
	maxLabels      = 50
	maxLabel       = 200
)

// Payload is the body the recommended template renders; see the package
// documentation.
type Payload struct {
	AggregKey     text `json:"aggreg_key"`
	AlertCycleKey text `json:"alert_cycle_key"`
	AlertID       text `json:"alert_id"`
	Transition    text `json:"transition"`
	AlertType     text `json:"alert_type"`
	Priority      text `json:"priority"`
	Title         text `json:"title"`
	Message       text `json:"message"`
	Link          text `json:"link"`
	Tags          text `json:"tags"`
	Hostname      text `json:"hostname"`
	Date          text `json:"date"`
	OrgID         text `json:"org_id"`
}

// text is a template's value: a string, or a number or boolean when the
// template leaves a variable unquoted ("date": $DATE_POSIX). A variable
// Datadog did not replace ("$HOSTNAME") reads as empty.
type text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var s string
	switch {
	case string(b) == "null":
		s = ""
	case len(b) > 0 && b[0] == '"':
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	case len(b) > 0 && (b[0] == '{' || b[0] == '['):
		return errNotText
	default:
		s = string(b) // a number or a boolean, as written
	}
	s = strings.TrimSpace(s)
	if unreplaced(s) {
		s = ""
	}
	*t = text(s)
	return nil
}

// errNotText refuses an object or an array where a template's value goes.
var errNotText = errors.New("a value is an object or an array")

// unreplaced reports whether s is a template variable Datadog left as
// written: "$" and upper-case letters, digits and underscores.
func unreplaced(s string) bool {
	name, ok := strings.CutPrefix(s, "$")
	if !ok || name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// Parse reads a Datadog notification into its one bot.Alert. It does not
// authenticate. Its errors are *httpx.Error with status 400 that never
// quote the body.
func Parse(body []byte) ([]bot.Alert, error) {
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] != '{' {
		return nil, badRequest("body must be a JSON object (turn off the webhook's Encode as form)")
	}
	var p Payload
	if err := alertmanager.Decode(body, &p); err != nil {
		return nil, err
	}
	title := bot.Truncate(stripStatus(strings.Join(strings.Fields(string(p.Title)), " ")), maxTitle)
	if title == "" {
		return nil, badRequest(`"title" is required: use the payload template of Warroom's README ("title": "$ALERT_TITLE")`)
	}
	key := p.dedupKey()
	if key == "" {
		return nil, badRequest(`"aggreg_key" or "alert_cycle_key" is required: use the payload template of Warroom's README`)
	}
	status := bot.AlertFiring
	if strings.EqualFold(string(p.Transition), "Recovered") || (p.Transition == "" && strings.EqualFold(string(p.AlertType), "success")) {
		status = bot.AlertResolved
	}
	labels := p.labels()
	a := bot.Alert{
		Source:      Name,
		SourceName:  DisplayName,
		DedupKey:    key,
		Status:      status,
		Title:       title,
		Description: bot.Truncate(string(p.Message), maxDescription),
		Priority:    p.priority(),
		Labels:      labels,
		StartsAt:    epoch(string(p.Date)),
		Items:       []bot.AlertItem{{Fingerprint: key, Status: status, Summary: title, Labels: labels}},
	}
	a.Items[0].StartsAt = a.StartsAt
	if link := string(p.Link); inbound.WebURL(link) {
		a.Links = []bot.Link{{Title: DisplayName, URL: link}}
		a.Items[0].URL = link
	}
	return []bot.Alert{a}, nil
}

// transitions are the first words of the bracketed prefixes Datadog puts
// on event titles ("[P2] [Triggered on {host:web-1}] ..."), which change
// with every notification of one problem.
var transitions = []string{"triggered", "re-triggered", "recovered", "warn", "re-warn", "no data", "re-no data", "renotify", "p1", "p2", "p3", "p4", "p5"}

// stripStatus drops the bracketed priority and transition prefixes from
// a title, so that the incident keeps one title; a title that is nothing
// else is kept whole.
func stripStatus(t string) string {
	rest := t
	for strings.HasPrefix(rest, "[") {
		inner, after, ok := strings.Cut(rest[1:], "]")
		if !ok || !slices.ContainsFunc(transitions, func(w string) bool {
			lower := strings.ToLower(inner)
			return lower == w || strings.HasPrefix(lower, w+" ")
		}) {
			break
		}
		rest = strings.TrimSpace(after)
	}
	if rest == "" {
		return t
	}
	return rest
}

// dedupKey is the aggregation key, else the alert cycle's, else the
// monitor's ID with the host.
func (p *Payload) dedupKey() string {
	key := string(p.AggregKey)
	if key == "" {
		key = string(p.AlertCycleKey)
	}
	if key == "" && p.AlertID != "" {
		key = "monitor-" + string(p.AlertID)
		if p.Hostname != "" {
			key += "/" + string(p.Hostname)
		}
	}
	return bot.Truncate(strings.Join(strings.Fields(key), " "), maxKey)
}

// priority maps $ALERT_PRIORITY (P1..P5), else $ALERT_TYPE.
func (p *Payload) priority() bot.Priority {
	v := strings.ToUpper(string(p.Priority))
	if v == "P5" || v == "5" {
		return bot.P4
	}
	if prio, ok := bot.ParsePriority(v); ok && v != "" {
		return prio
	}
	switch strings.ToLower(string(p.AlertType)) {
	case "error":
		return bot.P2
	case "warning":
		return bot.P3
	}
	return 0
}

// labels splits $TAGS and adds the host and the monitor.
func (p *Payload) labels() map[string]string {
	out := map[string]string{}
	for _, tag := range strings.Split(string(p.Tags), ",") {
		tag = strings.TrimSpace(tag)
		if tag == "" || len(out) >= maxLabels {
			continue
		}
		k, v, _ := strings.Cut(tag, ":")
		if k = strings.TrimSpace(k); k != "" {
			out[bot.Truncate(k, maxLabel)] = bot.Truncate(strings.TrimSpace(v), maxLabel)
		}
	}
	if p.Hostname != "" {
		out["host"] = bot.Truncate(string(p.Hostname), maxLabel)
	}
	if p.AlertID != "" {
		out["monitor_id"] = bot.Truncate(string(p.AlertID), maxLabel)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// epoch reads Unix seconds, or milliseconds when the number is too large
// to be seconds of this era; anything else is the zero time.
func epoch(s string) time.Time {
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	if n > 1e11 {
		return time.UnixMilli(int64(n)).UTC()
	}
	return time.Unix(int64(n), 0).UTC()
}

func badRequest(msg string) *httpx.Error {
	return &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: msg}
}

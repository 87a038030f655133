package cloudwatch

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/warroomhq/warroom/bot"
)

// StatusInsufficientData is the status of an alarm whose metric has too
// little data to decide: handlers record it on the timeline of a matching
// incident and open nothing.
const StatusInsufficientData bot.AlertStatus = "insufficient_data"

// CloudWatch alarm states (NewStateValue, OldStateValue).
const (
	stateAlarm        = "ALARM"
	stateOK           = "OK"
	stateInsufficient = "INSUFFICIENT_DATA"
)

// stateChangeLayouts parse StateChangeTime, which is not RFC 3339: its
// offset has no colon ("2015-06-03T17:43:27.123+0000").
var stateChangeLayouts = []string{"2006-01-02T15:04:05.999999999-0700", time.RFC3339Nano}

// regionCode is an AWS region code such as us-east-1 or us-gov-west-1.
var regionCode = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// errNotAlarm refuses a Notification whose Message is not a CloudWatch
// alarm: the topic also carries something else.
var errNotAlarm = errors.New("message is not a CloudWatch alarm")

// alarm is the CloudWatch alarm JSON inside a Notification's Message, for
// example (aws/aws-lambda-go events/testdata, single metric):
//
//	{"AlarmName":"EXAMPLE","AlarmDescription":"EXAMPLE","AWSAccountId":"123456789012",
//	 "NewStateValue":"ALARM","NewStateReason":"Threshold Crossed: 1 out of the last 1 datapoints ...",
//	 "StateChangeTime":"2015-06-03T17:43:27.123+0000","Region":"US East (N. Virginia)",
//	 "AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:EXAMPLE","OldStateValue":"INSUFFICIENT_DATA",
//	 "Trigger":{"MetricName":"NetworkOut","Namespace":"AWS/EC2","StatisticType":"Statistic",
//	   "Statistic":"AVERAGE","Unit":"Bytes","Dimensions":[{"value":"TestInstance","name":"InstanceId"}],
//	   "Period":60,"EvaluationPeriods":1,"ComparisonOperator":"GreaterThanThreshold","Threshold":0.0,
//	   "TreatMissingData":"missing","EvaluateLowSampleCountPercentile":""}}
//
// A metric-math alarm has Trigger.Metrics instead of MetricName, Namespace
// and Dimensions.
type alarm struct {
	AlarmName        string  `json:"AlarmName"`
	AlarmDescription *string `json:"AlarmDescription"`
	AWSAccountID     string  `json:"AWSAccountId"`
	NewStateValue    string  `json:"NewStateValue"`
	NewStateReason   string  `json:"NewStateReason"`
	StateChangeTime  string  `json:"StateChangeTime"`
	Region           string  `json:"Region"`
	AlarmArn         string  `json:"AlarmArn"`
	OldStateValue    string  `json:"OldStateValue"`
	Trigger          trigger `json:"Trigger"`
}

type trigger struct {
	MetricName         string        `json:"MetricName"`
	Namespace          string        `json:"Namespace"`
	StatisticType      string        `json:"StatisticType"`
	Statistic          string        `json:"Statistic"`
	Unit               *string       `json:"Unit"`
	Dimensions         []dimension   `json:"Dimensions"`
	Period             json.Number   `json:"Period"`
	EvaluationPeriods  json.Number   `json:"EvaluationPeriods"`
	ComparisonOperator string        `json:"ComparisonOperator"`
	Threshold          json.Number   `json:"Threshold"`
	TreatMissingData   string        `json:"TreatMissingData"`
	Metrics            []metricQuery `json:"Metrics"`
}

type dimension struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// metricQuery is one query of a metric-math alarm: an expression over
// other queries, or one metric.
type metricQuery struct {
	ID         string      `json:"Id"`
	Expression string      `json:"Expression"`
	Label      string      `json:"Label"`
	ReturnData bool        `json:"ReturnData"`
	MetricStat *metricStat `json:"MetricStat"`
}

type metricStat struct {
	Metric struct {
		Dimensions []dimension `json:"Dimensions"`
		MetricName string      `json:"MetricName"`
		Namespace  string      `json:"Namespace"`
	} `json:"Metric"`
	Period json.Number `json:"Period"`
	Stat   string      `json:"Stat"`
}

// parseAlarm decodes a Notification's Message. Anything that is not a
// CloudWatch alarm (plain text, other JSON, an unknown state) is
// errNotAlarm.
func parseAlarm(msg string) (*alarm, error) {
	var al alarm
	if err := json.Unmarshal([]byte(msg), &al); err != nil {
		return nil, fmt.Errorf("%w: %w", errNotAlarm, err)
	}
	if al.AlarmName == "" {
		return nil, fmt.Errorf("%w: no AlarmName", errNotAlarm)
	}
	if al.AlarmArn == "" && al.AWSAccountID == "" {
		return nil, fmt.Errorf("%w: neither AlarmArn nor AWSAccountId", errNotAlarm)
	}
	switch al.NewStateValue {
	case stateAlarm, stateOK, stateInsufficient:
	default:
		return nil, fmt.Errorf("%w: unknown state %q", errNotAlarm, al.NewStateValue)
	}
	return &al, nil
}

// alert maps the alarm to Warroom's alert. received stands in for a
// StateChangeTime that is missing or unreadable.
func (al *alarm) alert(received time.Time) *bot.Alert {
	key := al.AlarmArn
	if key == "" {
		key = al.AWSAccountID + ":" + al.AlarmName
	}
	status := bot.AlertFiring
	switch al.NewStateValue {
	case stateOK:
		status = bot.AlertResolved
	case stateInsufficient:
		status = StatusInsufficientData
	}
	at := al.changedAt(received)
	labels := al.labels()
	var links []bot.Link
	console := al.consoleURL()
	if console != "" {
		links = []bot.Link{{Title: "CloudWatch", URL: console}}
	}
	item := bot.AlertItem{
		Fingerprint: key, Status: status, Summary: al.NewStateReason,
		Labels: maps.Clone(labels), StartsAt: at, URL: console,
	}
	if status == bot.AlertResolved {
		item.EndsAt = at
	}
	var desc []string
	if al.AlarmDescription != nil && *al.AlarmDescription != "" {
		desc = append(desc, *al.AlarmDescription)
	}
	if al.NewStateReason != "" {
		desc = append(desc, al.NewStateReason)
	}
	return &bot.Alert{
		Source: Name, SourceName: DisplayName, DedupKey: key, Status: status, Title: al.AlarmName,
		Description: strings.Join(desc, "\n"), Labels: labels, Annotations: al.annotations(),
		Links: links, StartsAt: at, Items: []bot.AlertItem{item},
	}
}

func (al *alarm) changedAt(fallback time.Time) time.Time {
	for _, layout := range stateChangeLayouts {
		if t, err := time.Parse(layout, al.StateChangeTime); err == nil {
			return t.UTC()
		}
	}
	return fallback
}

// arn splits the AlarmArn, arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>,
// into partition, region code and account; all empty when it is not one.
func (al *alarm) arn() (partition, region, account string) {
	p := strings.SplitN(al.AlarmArn, ":", 7)
	if len(p) < 6 || p[0] != "arn" || p[2] != "cloudwatch" || !regionCode.MatchString(p[3]) {
		return "", "", ""
	}
	return p[1], p[3], p[4]
}

// labels are what routing rules match on. Region is CloudWatch's display
// name ("US East (N. Virginia)"); region_code comes from the ARN.
func (al *alarm) labels() map[string]string {
	l := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			l[k] = v
		}
	}
	_, region, account := al.arn()
	if al.AWSAccountID != "" {
		account = al.AWSAccountID
	}
	set("alarm_name", al.AlarmName)
	set("region", al.Region)
	set("region_code", region)
	set("account", account)
	ns, names, dims := al.metrics()
	set("namespace", ns)
	set("metric_name", strings.Join(names, ","))
	for _, d := range dims {
		if _, ok := l["dimension_"+d.Name]; !ok && d.Name != "" {
			set("dimension_"+d.Name, d.Value)
		}
	}
	return l
}

// metrics returns the namespace, metric names and dimensions the alarm
// watches: the Trigger's own, or for metric math those of its metric
// queries (the first namespace, each name once, dimensions in order).
func (al *alarm) metrics() (namespace string, names []string, dims []dimension) {
	t := &al.Trigger
	if t.MetricName != "" || len(t.Metrics) == 0 {
		if t.MetricName != "" {
			names = []string{t.MetricName}
		}
		return t.Namespace, names, t.Dimensions
	}
	seen := map[string]bool{}
	for _, q := range t.Metrics {
		if q.MetricStat == nil {
			continue
		}
		m := &q.MetricStat.Metric
		if namespace == "" {
			namespace = m.Namespace
		}
		if m.MetricName != "" && !seen[m.MetricName] {
			seen[m.MetricName] = true
			names = append(names, m.MetricName)
		}
		dims = append(dims, m.Dimensions...)
	}
	return namespace, names, dims
}

// annotations carry what the incident card shows beyond labels.
func (al *alarm) annotations() map[string]string {
	a := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			a[k] = v
		}
	}
	if al.AlarmDescription != nil {
		set("description", *al.AlarmDescription)
	}
	set("reason", al.NewStateReason)
	set("new_state", al.NewStateValue)
	set("old_state", al.OldStateValue)
	set("condition", al.condition())
	return a
}

// condition renders the trigger in one line, such as
// "AVERAGE(NetworkOut) GreaterThanThreshold 0.0 for 1 × 60s" or, for
// metric math, "m1/m2*100 GreaterThanThreshold 5 for 3 × 60s".
func (al *alarm) condition() string {
	t := &al.Trigger
	var what string
	switch {
	case t.MetricName != "" && t.Statistic != "":
		what = t.Statistic + "(" + t.MetricName + ")"
	case t.MetricName != "":
		what = t.MetricName
	default:
		for _, q := range t.Metrics {
			if q.ReturnData && q.Expression != "" {
				what = q.Expression
				break
			}
		}
	}
	if what == "" || t.ComparisonOperator == "" {
		return ""
	}
	s := what + " " + t.ComparisonOperator
	if t.Threshold != "" {
		s += " " + t.Threshold.String()
	}
	if t.EvaluationPeriods != "" && t.Period != "" {
		s += " for " + t.EvaluationPeriods.String() + " × " + t.Period.String() + "s"
	}
	return s
}

// consoleURL links to the alarm in the CloudWatch console of its region
// and partition; "" when the ARN does not say where it lives.
func (al *alarm) consoleURL() string {
	partition, region, _ := al.arn()
	var host string
	switch partition {
	case "aws":
		host = region + ".console.aws.amazon.com"
	case "aws-cn":
		host = region + ".console.amazonaws.cn"
	case "aws-us-gov":
		host = region + ".console.amazonaws-us-gov.com"
	default:
		return ""
	}
	return "https://" + host + "/cloudwatch/home?region=" + region + "#alarmsV2:alarm/" + url.PathEscape(al.AlarmName)
}

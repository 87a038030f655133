package cloudwatch

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

// lambdaExample is the Message of aws/aws-lambda-go
// events/testdata/cloudwatch-alarm-sns-payload-single-metric.json,
// placeholders and all.
const lambdaExample = `{"AlarmName": "EXAMPLE","AlarmDescription": "EXAMPLE","AWSAccountId": "123456789012","NewStateValue": "ALARM","NewStateReason": "Threshold Crossed: 1 out of the last 1 datapoints [1234.0 (06/03/15 17:43:27)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).","StateChangeTime": "2015-06-03T17:43:27.123+0000","Region": "EXAMPLE","AlarmArn": "arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE","OldStateValue": "INSUFFICIENT_DATA","Trigger": {"MetricName": "NetworkOut","Namespace": "AWS/EC2","StatisticType": "Statistic","Statistic": "AVERAGE","Unit": "Bytes","Dimensions": [{"value": "TestInstance","name": "InstanceId"}],"Period": 60,"EvaluationPeriods": 1,"ComparisonOperator": "GreaterThanThreshold","Threshold": 0.0,"TreatMissingData": "- TreatMissingData:                    missing","EvaluateLowSampleCountPercentile": ""}}`

func TestParseAlarmLambdaExample(t *testing.T) {
	al, err := parseAlarm(lambdaExample)
	require.NoError(t, err)
	a := al.alert(t0)
	// The ARN's region is a placeholder: no region_code, no console link,
	// but the ARN is still the key.
	require.Equal(t, "arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE", a.DedupKey)
	require.Equal(t, map[string]string{
		"alarm_name": "EXAMPLE", "region": "EXAMPLE", "account": "123456789012",
		"namespace": "AWS/EC2", "metric_name": "NetworkOut", "dimension_InstanceId": "TestInstance",
	}, a.Labels)
	require.Empty(t, a.Links)
	require.Empty(t, a.Items[0].URL)
	require.Equal(t, time.Date(2015, 6, 3, 17, 43, 27, 123e6, time.UTC), a.StartsAt)
}

func TestParseAlarm(t *testing.T) {
	for _, tc := range []struct {
		name  string
		msg   string
		check func(t *testing.T, a *bot.Alert)
		bad   bool
	}{
		{name: "plain text", msg: "Hello from the SNS console", bad: true},
		{name: "empty", msg: "", bad: true},
		{name: "JSON string", msg: `"ALARM"`, bad: true},
		{name: "other JSON", msg: `{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification"}`, bad: true},
		{name: "no name", msg: `{"AWSAccountId":"1","NewStateValue":"ALARM"}`, bad: true},
		{name: "no account or ARN", msg: `{"AlarmName":"x","NewStateValue":"ALARM"}`, bad: true},
		{name: "unknown state", msg: `{"AlarmName":"x","AWSAccountId":"1","NewStateValue":"alarm"}`, bad: true},
		{name: "wrong types", msg: `{"AlarmName":1,"AWSAccountId":"1","NewStateValue":"ALARM"}`, bad: true},
		{
			name: "no ARN: key is account and name",
			msg:  `{"AlarmName":"disk full","AWSAccountId":"123456789012","NewStateValue":"ALARM","NewStateReason":"r"}`,
			check: func(t *testing.T, a *bot.Alert) {
				require.Equal(t, "123456789012:disk full", a.DedupKey)
				require.Equal(t, "123456789012:disk full", a.Items[0].Fingerprint)
				require.Equal(t, "r", a.Description)
				require.Empty(t, a.Links)
				require.Equal(t, t0, a.StartsAt, "no StateChangeTime: when received")
			},
		},
		{
			name: "China partition console",
			msg:  `{"AlarmName":"a/b","AlarmArn":"arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:a/b","NewStateValue":"OK"}`,
			check: func(t *testing.T, a *bot.Alert) {
				require.Equal(t, []bot.Link{{Title: "CloudWatch",
					URL: "https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/a%2Fb"}}, a.Links)
				require.Equal(t, "123456789012", a.Labels["account"], "account from the ARN")
				require.Equal(t, "cn-north-1", a.Labels["region_code"])
				require.Equal(t, bot.AlertResolved, a.Status)
			},
		},
		{
			name: "GovCloud console",
			msg:  `{"AlarmName":"x","AlarmArn":"arn:aws-us-gov:cloudwatch:us-gov-west-1:1:alarm:x","NewStateValue":"INSUFFICIENT_DATA"}`,
			check: func(t *testing.T, a *bot.Alert) {
				require.Equal(t, "https://us-gov-west-1.console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#alarmsV2:alarm/x", a.Links[0].URL)
				require.Equal(t, StatusInsufficientData, a.Status)
				require.Equal(t, StatusInsufficientData, a.Items[0].Status)
			},
		},
		{
			name: "StateChangeTime in RFC 3339",
			msg:  `{"AlarmName":"x","AWSAccountId":"1","NewStateValue":"ALARM","StateChangeTime":"2026-03-14T18:26:50.1+09:00"}`,
			check: func(t *testing.T, a *bot.Alert) {
				require.Equal(t, time.Date(2026, 3, 14, 9, 26, 50, 1e8, time.UTC), a.StartsAt)
			},
		},
		{
			name: "StateChangeTime without fraction",
			msg:  `{"AlarmName":"x","AWSAccountId":"1","NewStateValue":"ALARM","StateChangeTime":"2026-03-14T18:26:50+0900"}`,
			check: func(t *testing.T, a *bot.Alert) {
				require.Equal(t, time.Date(2026, 3, 14, 9, 26, 50, 0, time.UTC), a.StartsAt)
			},
		},
		{
			name: "unreadable StateChangeTime",
			msg:  `{"AlarmName":"x","AWSAccountId":"1","NewStateValue":"ALARM","StateChangeTime":"yesterday"}`,
			check: func(t *testing.T, a *bot.Alert) {
				require.Equal(t, t0, a.StartsAt)
			},
		},
		{
			name: "dimension named twice keeps the first",
			msg: `{"AlarmName":"x","AWSAccountId":"1","NewStateValue":"ALARM","Trigger":{"Metrics":[
				{"Id":"m1","MetricStat":{"Metric":{"Namespace":"NS","MetricName":"A","Dimensions":[{"name":"Host","value":"a"}]}}},
				{"Id":"m2","MetricStat":{"Metric":{"Namespace":"NS","MetricName":"A","Dimensions":[{"name":"Host","value":"b"}]}}},
				null]}}`,
			check: func(t *testing.T, a *bot.Alert) {
				require.Equal(t, "a", a.Labels["dimension_Host"])
				require.Equal(t, "A", a.Labels["metric_name"])
				require.Equal(t, "NS", a.Labels["namespace"])
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			al, err := parseAlarm(tc.msg)
			if tc.bad {
				require.ErrorIs(t, err, errNotAlarm)
				return
			}
			require.NoError(t, err)
			tc.check(t, al.alert(t0))
		})
	}
}

func TestItemLabelsAreACopy(t *testing.T) {
	al, err := parseAlarm(lambdaExample)
	require.NoError(t, err)
	a := al.alert(t0)
	a.Items[0].Labels["x"] = "y"
	require.NotContains(t, a.Labels, "x")
}

// FuzzParseAlarm: whatever the Message, the parser neither panics nor
// yields an alert without a key, a title, a known status and one item.
func FuzzParseAlarm(f *testing.F) {
	f.Add(lambdaExample)
	for _, name := range []string{"alarm.json", "ok.json", "insufficient.json", "metric-math.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		var env envelope
		if err := json.Unmarshal(b, &env); err != nil {
			f.Fatal(err)
		}
		f.Add(env.Message)
	}
	for _, s := range []string{"", "null", "{}", "plain text", `{"AlarmName":"x","AWSAccountId":"1","NewStateValue":"OK"}`,
		`{"AlarmName":"x","AlarmArn":"arn:aws:cloudwatch:us-east-1:1:alarm:x","NewStateValue":"ALARM","Trigger":{"Metrics":[null,{"MetricStat":null}]}}`,
		`{"AlarmName":"x","AlarmArn":"arn:::::","NewStateValue":"ALARM","Trigger":{"Threshold":"1e999"}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		al, err := parseAlarm(msg)
		if err != nil {
			require.ErrorIs(t, err, errNotAlarm)
			return
		}
		a := al.alert(t0)
		require.Equal(t, Name, a.Source)
		require.NotEmpty(t, a.DedupKey)
		require.Equal(t, al.AlarmName, a.Title)
		require.Equal(t, al.AlarmName, a.Labels["alarm_name"])
		require.Contains(t, []bot.AlertStatus{bot.AlertFiring, bot.AlertResolved, StatusInsufficientData}, a.Status)
		require.Len(t, a.Items, 1)
		require.Equal(t, a.DedupKey, a.Items[0].Fingerprint)
		require.Equal(t, a.Status, a.Items[0].Status)
		require.Equal(t, a.Labels, a.Items[0].Labels)
		require.False(t, a.StartsAt.IsZero())
		for _, l := range a.Links {
			require.Regexp(t, `^https://[a-z0-9-]+\.console\.`, l.URL)
		}
	})
}

package cloudwatch

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/internal/inbound"
	"github.com/warroomhq/warroom/bot"
)

func TestNotificationAlarm(t *testing.T) {
	const (
		arn    = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-1 NetworkOut high"
		reason = "Threshold Crossed: 1 out of the last 1 datapoints [1234.0 (14/03/26 09:25:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition)."
		link   = "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/web-1%20NetworkOut%20high"
	)
	at := time.Date(2026, 3, 14, 9, 26, 50, 123e6, time.UTC)
	labels := map[string]string{
		"alarm_name": "web-1 NetworkOut high", "namespace": "AWS/EC2", "metric_name": "NetworkOut",
		"region": "US East (N. Virginia)", "region_code": "us-east-1", "account": "123456789012",
		"dimension_InstanceId": "i-0123456789abcdef0",
	}
	want := bot.Event{
		ID: "sns:95df01b4-ee98-5cb9-9903-4c221d41eb5e", Kind: bot.EventAlert, Platform: "cloudwatch", At: at,
		Alert: &bot.Alert{
			Source: "cloudwatch", SourceName: "CloudWatch", DedupKey: arn, Status: bot.AlertFiring, Title: "web-1 NetworkOut high",
			Description: "Outbound traffic of web-1 is unusually high.\n" + reason,
			Labels:      labels,
			Annotations: map[string]string{
				"description": "Outbound traffic of web-1 is unusually high.", "reason": reason,
				"new_state": "ALARM", "old_state": "INSUFFICIENT_DATA",
				"condition": "AVERAGE(NetworkOut) GreaterThanThreshold 0.0 for 1 × 60s",
			},
			Links:    []bot.Link{{Title: "CloudWatch", URL: link}},
			StartsAt: at,
			Items: []bot.AlertItem{{
				Fingerprint: arn, Status: bot.AlertFiring, Summary: reason, Labels: labels, StartsAt: at, URL: link,
			}},
		},
	}
	for _, version := range []string{"1", "2"} {
		t.Run("SignatureVersion "+version, func(t *testing.T) {
			h := newHarness(t)
			msg := h.load(t, "alarm.json")
			sign(msg, version, h.pki.leafKey)
			w, err := h.post(t, msg)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, w.Code)
			require.JSONEq(t, `{"status":"accepted","alerts":1}`, w.Body.String())
			got := h.router.Events()
			require.Len(t, got, 1)
			require.Equal(t, want, got[0])
		})
	}
}

func TestNotificationStates(t *testing.T) {
	for _, tc := range []struct {
		fixture  string
		status   bot.AlertStatus
		key      string
		changed  time.Time
		resolved bool
		labels   map[string]string
		desc     string
		link     string
	}{
		{
			fixture: "ok.json", status: bot.AlertResolved, resolved: true,
			key:     "arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-1 NetworkOut high",
			changed: time.Date(2026, 3, 14, 9, 41, 50, 456e6, time.UTC),
			labels: map[string]string{
				"alarm_name": "web-1 NetworkOut high", "namespace": "AWS/EC2", "metric_name": "NetworkOut",
				"region": "US East (N. Virginia)", "region_code": "us-east-1", "account": "123456789012",
				"dimension_InstanceId": "i-0123456789abcdef0",
			},
			desc: "Outbound traffic of web-1 is unusually high.\nThreshold Crossed: 1 out of the last 1 datapoints [0.0 (14/03/26 09:40:00)] was not greater than the threshold (0.0) (minimum 1 datapoint for ALARM -> OK transition).",
			link: "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/web-1%20NetworkOut%20high",
		},
		{
			// AlarmDescription is null: the description is the reason alone.
			fixture: "insufficient.json", status: StatusInsufficientData,
			key:     "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:rds-main FreeStorageSpace low",
			changed: time.Date(2026, 3, 14, 9, 33, 10, 0, time.UTC),
			labels: map[string]string{
				"alarm_name": "rds-main FreeStorageSpace low", "namespace": "AWS/RDS", "metric_name": "FreeStorageSpace",
				"region": "Asia Pacific (Tokyo)", "region_code": "ap-northeast-1", "account": "123456789012",
				"dimension_DBInstanceIdentifier": "main",
			},
			desc: "Insufficient Data: 1 datapoint was unknown.",
			link: "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#alarmsV2:alarm/rds-main%20FreeStorageSpace%20low",
		},
		{
			// Metric math: names, namespace and dimensions come from Trigger.Metrics.
			fixture: "metric-math.json", status: bot.AlertFiring,
			key:     "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api 5xx rate",
			changed: time.Date(2026, 3, 14, 9, 49, 5, 311e6, time.UTC),
			labels: map[string]string{
				"alarm_name": "api 5xx rate", "namespace": "AWS/ApplicationELB",
				"metric_name": "HTTPCode_Target_5XX_Count,RequestCount",
				"region":      "EU (Ireland)", "region_code": "eu-west-1", "account": "123456789012",
				"dimension_LoadBalancer": "app/api/50dc6c495c0c9188",
			},
			desc: "More than 5% of API requests fail.\nThreshold Crossed: 3 out of the last 3 datapoints [7.2 (14/03/26 09:48:00), 6.1 (14/03/26 09:47:00), 5.4 (14/03/26 09:46:00)] were greater than the threshold (5.0) (minimum 3 datapoints for OK -> ALARM transition).",
			link: "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/api%205xx%20rate",
		},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			h := newHarness(t)
			msg := h.load(t, tc.fixture)
			sign(msg, "2", h.pki.leafKey)
			w, err := h.post(t, msg)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, w.Code)
			got := h.router.Events()
			require.Len(t, got, 1)
			ev := got[0]
			require.Equal(t, "sns:"+msg["MessageId"].(string), ev.ID)
			require.Equal(t, bot.EventAlert, ev.Kind)
			al := ev.Alert
			require.Equal(t, tc.status, al.Status)
			require.Equal(t, tc.key, al.DedupKey)
			require.Equal(t, tc.labels, al.Labels)
			require.Equal(t, tc.desc, al.Description)
			require.Equal(t, tc.changed, al.StartsAt)
			require.Equal(t, []bot.Link{{Title: "CloudWatch", URL: tc.link}}, al.Links)
			require.Len(t, al.Items, 1)
			item := al.Items[0]
			require.Equal(t, tc.key, item.Fingerprint)
			require.Equal(t, tc.status, item.Status)
			require.Equal(t, tc.labels, item.Labels)
			if tc.resolved {
				require.Equal(t, tc.changed, item.EndsAt)
			} else {
				require.True(t, item.EndsAt.IsZero())
			}
		})
	}
}

func TestMetricMathCondition(t *testing.T) {
	h := newHarness(t)
	msg := h.load(t, "metric-math.json")
	sign(msg, "1", h.pki.leafKey)
	_, err := h.post(t, msg)
	require.NoError(t, err)
	require.Equal(t, "m1/m2*100 GreaterThanThreshold 5.0 for 3 × 60s", h.router.Events()[0].Alert.Annotations["condition"])
}

func TestSubscriptionConfirmation(t *testing.T) {
	for _, version := range []string{"1", "2"} {
		t.Run("SignatureVersion "+version, func(t *testing.T) {
			h := newHarness(t)
			msg := h.load(t, "subscription-confirmation.json")
			sign(msg, version, h.pki.leafKey)
			w, err := h.post(t, msg)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, w.Code)
			require.JSONEq(t, `{"status":"confirmed"}`, w.Body.String())
			confirms := h.sns.confirmed()
			require.Len(t, confirms, 1)
			require.Equal(t, msg["Token"], confirms[0].Get("Token"))
			require.Equal(t, testTopic, confirms[0].Get("TopicArn"))
			require.Empty(t, h.router.Events())
		})
	}
}

func TestSubscriptionConfirmationRefused(t *testing.T) {
	for _, tc := range []struct {
		name      string
		subscribe func(h *harness) string
		topic     string
		status    int
		code      string
		want      string
	}{
		{
			name: "subscribe URL on a host not allowed",
			subscribe: func(h *harness) string {
				return "https://localhost:" + h.sns.port() + "/?Action=ConfirmSubscription&Token=x"
			},
			status: http.StatusForbidden, code: "forbidden", want: checkSubscribe,
		},
		{
			name: "subscribe URL over http",
			subscribe: func(h *harness) string {
				return "http://127.0.0.1:" + h.sns.port() + "/?Action=ConfirmSubscription&Token=x"
			},
			status: http.StatusForbidden, code: "forbidden", want: checkSubscribe,
		},
		{
			name:      "topic not allowed",
			subscribe: func(h *harness) string { return h.sns.rehost("https://x/?Action=ConfirmSubscription&Token=x") },
			topic:     "arn:aws:sns:us-east-1:999999999999:someone-else",
			status:    http.StatusForbidden, code: "forbidden", want: checkTopic,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			msg := h.load(t, "subscription-confirmation.json")
			msg["SubscribeURL"] = tc.subscribe(h)
			if tc.topic != "" {
				msg["TopicArn"] = tc.topic
			}
			sign(msg, "2", h.pki.leafKey)
			_, err := h.post(t, msg)
			requireRefused(t, err, tc.status, tc.code, tc.want)
			require.Empty(t, h.sns.confirmed(), "nothing may be confirmed")
		})
	}
}

func TestSubscriptionConfirmationFails(t *testing.T) {
	h := newHarness(t)
	h.sns.confirmStatus = http.StatusInternalServerError
	msg := h.load(t, "subscription-confirmation.json")
	sign(msg, "2", h.pki.leafKey)
	_, err := h.post(t, msg)
	requireRefused(t, err, http.StatusBadGateway, "confirm_failed", "could not be confirmed")
	require.Len(t, h.sns.confirmed(), 1)
}

func TestUnsubscribeConfirmation(t *testing.T) {
	h := newHarness(t)
	msg := h.load(t, "subscription-confirmation.json")
	msg["Type"] = "UnsubscribeConfirmation"
	sign(msg, "2", h.pki.leafKey)
	w, err := h.post(t, msg)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, w.Code)
	require.JSONEq(t, `{"status":"ok"}`, w.Body.String())
	require.Empty(t, h.sns.confirmed(), "an unsubscription must not resubscribe")
	require.Empty(t, h.router.Events())

	// Still verified.
	sign(msg, "2", h.pki.otherKey)
	_, err = h.post(t, msg)
	requireRefused(t, err, http.StatusForbidden, "forbidden", checkSignature)
}

// TestRefused holds one row per check a message must pass. Every refusal
// is a 403 naming the check, and nothing is dispatched.
func TestRefused(t *testing.T) {
	stamp := func(d time.Duration) string { return t0.Add(d).Format("2006-01-02T15:04:05.000Z") }
	for _, tc := range []struct {
		name    string
		opts    func(*Options)
		before  func(h *harness, msg map[string]any) // before signing
		version string
		other   bool                                 // sign with a key that is not the certificate's
		after   func(h *harness, msg map[string]any) // after signing
		want    string
		fetches int32
	}{
		{
			name:   "topic not allowed",
			before: func(_ *harness, m map[string]any) { m["TopicArn"] = "arn:aws:sns:us-east-1:999999999999:someone-else" },
			want:   checkTopic,
		},
		{
			name:   "certificate on another host",
			before: func(_ *harness, m map[string]any) { m["SigningCertURL"] = "https://evil.example.com/x.pem" },
			want:   checkCertURL,
		},
		{
			name: "certificate on the fake by a name CertHost does not allow",
			before: func(h *harness, m map[string]any) {
				m["SigningCertURL"] = "https://localhost:" + h.sns.port() + "/x.pem"
			},
			want: checkCertURL,
		},
		{
			name: "S3 host against the default pattern",
			opts: func(o *Options) { o.CertHost = nil },
			before: func(_ *harness, m map[string]any) {
				m["SigningCertURL"] = "https://s3.amazonaws.com/sns.us-east-1.amazonaws.com/x.pem"
			},
			want: checkCertURL,
		},
		{
			name: "test host against the default pattern",
			opts: func(o *Options) { o.CertHost = nil },
			want: checkCertURL,
		},
		{
			name: "certificate over http",
			before: func(h *harness, m map[string]any) {
				m["SigningCertURL"] = "http://127.0.0.1:" + h.sns.port() + "/x.pem"
			},
			want: checkCertURL,
		},
		{
			name:   "certificate URL not a .pem",
			before: func(h *harness, m map[string]any) { m["SigningCertURL"] = h.sns.rehost("https://x/cert.txt") },
			want:   checkCertURL,
		},
		{
			name: "certificate URL with a query",
			before: func(h *harness, m map[string]any) {
				m["SigningCertURL"] = h.sns.rehost("https://x/?u=evil.example.com/x.pem")
			},
			want: checkCertURL,
		},
		{
			name:   "no certificate URL",
			before: func(_ *harness, m map[string]any) { delete(m, "SigningCertURL") },
			want:   checkCertURL,
		},
		{name: "SignatureVersion 3", version: "3", want: checkVersion},
		{
			name:  "no SignatureVersion",
			after: func(_ *harness, m map[string]any) { delete(m, "SignatureVersion") },
			want:  checkVersion,
		},
		{name: "wrong signature", other: true, want: checkSignature, fetches: 1},
		{
			name: "version 1 signature sent as version 2",
			// Signed with SHA1 but claims SHA256.
			version: "1",
			after:   func(_ *harness, m map[string]any) { m["SignatureVersion"] = "2" },
			want:    checkSignature, fetches: 1,
		},
		{
			name: "Message tampered after signing",
			after: func(_ *harness, m map[string]any) {
				m["Message"] = strings.Replace(m["Message"].(string), `"NewStateValue":"ALARM"`, `"NewStateValue":"OK"`, 1)
			},
			want: checkSignature, fetches: 1,
		},
		{
			name:  "Subject removed after signing",
			after: func(_ *harness, m map[string]any) { delete(m, "Subject") },
			want:  checkSignature, fetches: 1,
		},
		{
			name:  "Token added to a notification after signing",
			after: func(_ *harness, m map[string]any) { m["Token"] = "x" },
			want:  checkSignature, fetches: 1,
		},
		{
			name:  "no signature",
			after: func(_ *harness, m map[string]any) { delete(m, "Signature") },
			want:  checkSigFormat,
		},
		{
			name:  "signature not base64",
			after: func(_ *harness, m map[string]any) { m["Signature"] = "not base64!" },
			want:  checkSigFormat,
		},
		{
			name: "random signature",
			after: func(_ *harness, m map[string]any) {
				m["Signature"] = base64.StdEncoding.EncodeToString(make([]byte, 256))
			},
			want: checkSignature, fetches: 1,
		},
		{
			name:   "expired certificate",
			before: func(h *harness, m map[string]any) { m["SigningCertURL"] = h.sns.rehost("https://x/expired.pem") },
			want:   checkCertTime, fetches: 1,
		},
		{
			name:   "certificate not valid yet",
			before: func(h *harness, m map[string]any) { m["SigningCertURL"] = h.sns.rehost("https://x/future.pem") },
			want:   checkCertTime, fetches: 1,
		},
		{
			name:   "stale Timestamp",
			before: func(_ *harness, m map[string]any) { m["Timestamp"] = stamp(-61 * time.Minute) },
			want:   checkTimestamp,
		},
		{
			name:   "Timestamp too far ahead",
			before: func(_ *harness, m map[string]any) { m["Timestamp"] = stamp(16 * time.Minute) },
			want:   checkTimestamp,
		},
		{
			name:   "Timestamp unreadable",
			before: func(_ *harness, m map[string]any) { m["Timestamp"] = "yesterday" },
			want:   checkTimestamp,
		},
		{
			name:   "no Timestamp",
			before: func(_ *harness, m map[string]any) { delete(m, "Timestamp") },
			want:   checkTimestamp,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var edits []func(*Options)
			if tc.opts != nil {
				edits = append(edits, tc.opts)
			}
			h := newHarness(t, edits...)
			msg := h.load(t, "alarm.json")
			if tc.before != nil {
				tc.before(h, msg)
			}
			key, version := h.pki.leafKey, "2"
			if tc.other {
				key = h.pki.otherKey
			}
			if tc.version != "" {
				version = tc.version
			}
			sign(msg, version, key)
			if tc.after != nil {
				tc.after(h, msg)
			}
			w, err := h.post(t, msg)
			requireRefused(t, err, http.StatusForbidden, "forbidden", tc.want)
			require.Equal(t, "SNS message refused: "+tc.want, err.Error())
			require.Empty(t, w.Body.String(), "main writes the error")
			require.Empty(t, h.router.Events())
			require.Equal(t, tc.fetches, h.sns.certGets.Load(), "certificate fetches")
		})
	}
}

func TestMalformed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(msg map[string]any) (header any)
		raw    string
		want   string
		signed bool
	}{
		{name: "not JSON", raw: "Type=Notification", want: "malformed alert payload"},
		{name: "JSON array", raw: "[]", want: "malformed alert payload"},
		{name: "no MessageId", raw: `{"Type":"Notification"}`, want: "malformed alert payload"},
		{
			name: "unknown Type",
			edit: func(m map[string]any) any { m["Type"] = "Broadcast"; return "Broadcast" },
			want: "unknown SNS message type", signed: true,
		},
		{
			name: "header disagrees with Type",
			edit: func(m map[string]any) any { return "SubscriptionConfirmation" },
			want: "does not match", signed: true,
		},
		{
			name: "plain-text Message",
			edit: func(m map[string]any) any { m["Message"] = "Hello from a test publish"; return m["Type"] },
			want: "not a CloudWatch alarm", signed: true,
		},
		{
			name: "other JSON Message",
			edit: func(m map[string]any) any {
				m["Message"] = `{"version":"0","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2"}`
				return m["Type"]
			},
			want: "not a CloudWatch alarm", signed: true,
		},
		{
			name: "alarm with an unknown state",
			edit: func(m map[string]any) any {
				m["Message"] = strings.Replace(m["Message"].(string), `"NewStateValue":"ALARM"`, `"NewStateValue":"BROKEN"`, 1)
				return m["Type"]
			},
			want: "not a CloudWatch alarm", signed: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var err error
			if tc.raw != "" {
				_, err = h.postRaw([]byte(tc.raw), "Notification")
			} else {
				msg := h.load(t, "alarm.json")
				header := tc.edit(msg)
				sign(msg, "2", h.pki.leafKey)
				b, jerr := json.Marshal(msg)
				require.NoError(t, jerr)
				_, err = h.postRaw(b, header)
			}
			requireRefused(t, err, http.StatusBadRequest, "bad_request", tc.want)
			require.Empty(t, h.router.Events())
		})
	}
}

func TestCertificateUnavailable(t *testing.T) {
	for _, path := range []string{"/missing.pem", "/garbage.txt.pem"} {
		t.Run(path, func(t *testing.T) {
			h := newHarness(t)
			for i := range 2 {
				msg := h.load(t, "alarm.json")
				msg["SigningCertURL"] = h.sns.rehost("https://x" + path)
				sign(msg, "2", h.pki.leafKey)
				_, err := h.post(t, msg)
				requireRefused(t, err, http.StatusServiceUnavailable, "unavailable", "could not be fetched")
				// A failure is not cached: SNS's retry fetches again.
				require.Equal(t, int32(i+1), h.sns.certGets.Load())
			}
			require.Empty(t, h.router.Events())
		})
	}
}

// TestRedirectNotFollowed: an allowed certificate URL that redirects
// elsewhere does not lead Warroom to trust what is there, even a
// certificate whose key signed the message.
func TestRedirectNotFollowed(t *testing.T) {
	var evilGets atomic.Int32
	h := newHarness(t)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		evilGets.Add(1)
		_, _ = w.Write(h.pki.otherPEM)
	}))
	t.Cleanup(evil.Close)
	for _, target := range []string{
		evil.URL + "/x.pem",                            // http, on an allowed host
		"https://localhost:" + h.sns.port() + "/x.pem", // a host CertHost does not allow
	} {
		h.sns.redirectTo = target
		msg := h.load(t, "alarm.json")
		msg["SigningCertURL"] = h.sns.rehost("https://x/redirect.pem")
		sign(msg, "2", h.pki.otherKey)
		_, err := h.post(t, msg)
		requireRefused(t, err, http.StatusServiceUnavailable, "unavailable", "could not be fetched")
	}
	require.Zero(t, evilGets.Load())
	require.Empty(t, h.router.Events())
}

func TestCertificateFetchedOnce(t *testing.T) {
	h := newHarness(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		msg := h.load(t, "alarm.json")
		msg["MessageId"] = fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
		sign(msg, []string{"1", "2"}[i%2], h.pki.leafKey)
		b, err := json.Marshal(msg)
		require.NoError(t, err)
		wg.Go(func() {
			_, err := h.postRaw(b, "Notification")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, int32(1), h.sns.certGets.Load())
	got := h.router.Events()
	require.Len(t, got, n)
	ids := map[string]bool{}
	for _, ev := range got {
		ids[ev.ID] = true
	}
	require.Len(t, ids, n)
}

func TestExpiredCachedCertificateFetchedAgain(t *testing.T) {
	h := newHarness(t)
	msg := h.load(t, "alarm.json")
	sign(msg, "2", h.pki.leafKey)
	_, err := h.post(t, msg)
	require.NoError(t, err)
	require.Equal(t, int32(1), h.sns.certGets.Load())

	// A year on, the cached certificate has expired: it is fetched again
	// (SNS may have renewed it under the same URL) before refusing.
	later := h.pki.leafNotAfter.Add(time.Minute)
	h.setNow(later)
	msg["Timestamp"] = later.Format(time.RFC3339)
	sign(msg, "2", h.pki.leafKey)
	_, err = h.post(t, msg)
	requireRefused(t, err, http.StatusForbidden, "forbidden", checkCertTime)
	require.Equal(t, int32(2), h.sns.certGets.Load())
}

func TestBusy(t *testing.T) {
	h := newHarness(t)
	h.router.Err = bot.Errorf(bot.CodeBusy)
	msg := h.load(t, "alarm.json")
	sign(msg, "2", h.pki.leafKey)
	_, err := h.post(t, msg)
	require.ErrorIs(t, err, inbound.ErrBusy)
	requireRefused(t, err, http.StatusServiceUnavailable, "busy", "busy")
}

// TestRetryKeepsEventID: SNS retries with the same MessageId, so both
// deliveries carry the same event ID and the router drops the second.
func TestRetryKeepsEventID(t *testing.T) {
	h := newHarness(t)
	msg := h.load(t, "alarm.json")
	sign(msg, "2", h.pki.leafKey)
	for range 2 {
		_, err := h.post(t, msg)
		require.NoError(t, err)
	}
	got := h.router.Events()
	require.Len(t, got, 2)
	require.Equal(t, "sns:95df01b4-ee98-5cb9-9903-4c221d41eb5e", got[0].ID)
	require.Equal(t, got[0].ID, got[1].ID)
}

func TestNew(t *testing.T) {
	r := &recorder{}
	for _, tc := range []struct {
		name string
		opts Options
		want []string
	}{
		{"no topics", Options{Router: r}, []string{"at least one SNS topic ARN is required"}},
		{"no router", Options{TopicARNs: []string{testTopic}}, []string{"router is required"}},
		{"bad ARN", Options{TopicARNs: []string{"warroom-alarms"}, Router: r}, []string{`topic ARN "warroom-alarms" is not an SNS topic ARN`}},
		{"all at once", Options{}, []string{"topic ARN", "router"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := New(tc.opts)
			require.Nil(t, a)
			require.ErrorContains(t, err, "cloudwatch: ")
			for _, w := range tc.want {
				require.ErrorContains(t, err, w)
			}
		})
	}
	a, err := New(Options{TopicARNs: []string{" " + testTopic + " "}, Router: r})
	require.NoError(t, err)
	require.True(t, a.topics[testTopic])
	require.Same(t, defaultCertHost, a.opts.CertHost)
	require.Equal(t, 10*time.Second, a.client.Timeout)
}

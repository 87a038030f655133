package alertmanager

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/internal/inbound/inboundtest"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/httpx"
)

var fixture = inboundtest.Fixture

var ts = inboundtest.Time

const (
	groupKey  = `{}/{severity="critical"}:{alertname="HighErrorRate", env="prod", service="checkout"}`
	genURL    = "http://prometheus.example.com:9090/graph?g0.expr=sum+by%28instance%29+%28rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B5m%5D%29%29+%3E+0.05&g0.tab=1"
	runbook   = "https://runbooks.example.com/checkout/high-error-rate"
	amURL     = "http://alertmanager.example.com:9093"
	errorDesc = "More than 5% of checkout requests fail."
)

var (
	links = []bot.Link{{Title: "Source", URL: genURL}, {Title: "Runbook", URL: runbook}, {Title: "Alertmanager", URL: amURL}}

	commonLabels = map[string]string{"alertname": "HighErrorRate", "env": "prod", "job": "checkout", "service": "checkout", "severity": "critical"}

	labels1 = map[string]string{"alertname": "HighErrorRate", "env": "prod", "instance": "checkout-1:8080", "job": "checkout",
		"pod": "checkout-7f9c6d5b8-x2k4q", "service": "checkout", "severity": "critical"}
	labels2 = map[string]string{"alertname": "HighErrorRate", "env": "prod", "instance": "checkout-2:8080", "job": "checkout",
		"pod": "checkout-7f9c6d5b8-p9m2z", "service": "checkout", "severity": "critical"}

	item1 = bot.AlertItem{Fingerprint: "5a2e4c0b9d1f7e38", Status: bot.AlertFiring, Summary: "Error rate 12% on checkout-1:8080",
		Labels: labels1, StartsAt: ts("2026-05-11T08:14:30.123Z"), URL: genURL}
	item2 = bot.AlertItem{Fingerprint: "c81f3b2d6e0a9457", Status: bot.AlertFiring, Summary: "Error rate 9% on checkout-2:8080",
		Labels: labels2, StartsAt: ts("2026-05-11T08:13:00Z"), URL: genURL}
)

func annotations(summary string) map[string]string {
	a := map[string]string{"description": errorDesc, "runbook_url": runbook}
	if summary != "" {
		a["summary"] = summary
	}
	return a
}

// group is the firing group of testdata/firing.json with its items replaced.
func group(status bot.AlertStatus, items ...bot.AlertItem) bot.Alert {
	return bot.Alert{
		Source: "alertmanager", SourceName: "Alertmanager",
		DedupKey:    groupKey,
		Status:      status,
		Title:       "HighErrorRate [prod checkout]",
		Description: errorDesc,
		Priority:    bot.P1,
		Labels:      commonLabels,
		Annotations: annotations(""),
		Links:       links,
		StartsAt:    ts("2026-05-11T08:13:00Z"),
		Items:       items,
	}
}

func resolved(it bot.AlertItem, endsAt string) bot.AlertItem {
	it.Status = bot.AlertResolved
	it.EndsAt = ts(endsAt)
	return it
}

func TestParse(t *testing.T) {
	diskLabels := map[string]string{"alertname": "DiskWillFillIn4Hours", "device": "/dev/nvme0n1p1", "instance": "db-1:9100",
		"job": "node", "mountpoint": "/var/lib/postgresql", "severity": "warning"}
	diskDesc := "Filesystem on /dev/nvme0n1p1 at db-1:9100 is predicted to run out of space within 4 hours."
	diskURL := "http://prometheus.example.com:9090/graph?g0.expr=predict_linear%28node_filesystem_avail_bytes%5B6h%5D%2C+4+%2A+3600%29+%3C+0&g0.tab=1"

	for _, tc := range []struct {
		name     string
		fixture  string
		perAlert bool
		want     []bot.Alert
	}{
		{
			name:    "a firing group of two alerts is one alert",
			fixture: "firing.json",
			want:    []bot.Alert{group(bot.AlertFiring, item1, item2)},
		},
		{
			name:    "one alert of the group resolved",
			fixture: "mixed.json",
			want:    []bot.Alert{group(bot.AlertFiring, item1, resolved(item2, "2026-05-11T08:24:30.456Z"))},
		},
		{
			name:    "the whole group resolved",
			fixture: "resolved.json",
			want: []bot.Alert{group(bot.AlertResolved,
				resolved(item1, "2026-05-11T08:29:30Z"), resolved(item2, "2026-05-11T08:24:30.456Z"))},
		},
		{
			name:     "per alert: one alert per fingerprint",
			fixture:  "firing.json",
			perAlert: true,
			want: []bot.Alert{
				{
					Source: "alertmanager", SourceName: "Alertmanager", DedupKey: "5a2e4c0b9d1f7e38", Status: bot.AlertFiring,
					Title: "Error rate 12% on checkout-1:8080", Description: errorDesc, Priority: bot.P1,
					Labels: labels1, Annotations: annotations("Error rate 12% on checkout-1:8080"),
					Links: links, StartsAt: item1.StartsAt, Items: []bot.AlertItem{item1},
				},
				{
					Source: "alertmanager", SourceName: "Alertmanager", DedupKey: "c81f3b2d6e0a9457", Status: bot.AlertFiring,
					Title: "Error rate 9% on checkout-2:8080", Description: errorDesc, Priority: bot.P1,
					Labels: labels2, Annotations: annotations("Error rate 9% on checkout-2:8080"),
					Links: links, StartsAt: item2.StartsAt, Items: []bot.AlertItem{item2},
				},
			},
		},
		{
			name:    "no fingerprint, no summary, truncated alerts, a time with an offset",
			fixture: "no_fingerprint.json",
			want: []bot.Alert{{
				Source: "alertmanager", SourceName: "Alertmanager", DedupKey: `{}:{alertname="DiskWillFillIn4Hours"}`, Status: bot.AlertFiring,
				Title: "DiskWillFillIn4Hours", Description: diskDesc, Priority: bot.P3,
				Labels:      diskLabels,
				Annotations: map[string]string{"description": diskDesc, "truncated_alerts": "3"},
				Links:       []bot.Link{{Title: "Source", URL: diskURL}, {Title: "Alertmanager", URL: amURL}},
				StartsAt:    ts("2026-05-10T17:00:00Z"),
				Items: []bot.AlertItem{{
					Fingerprint: Fingerprint(diskLabels), Status: bot.AlertFiring,
					Summary: "DiskWillFillIn4Hours (instance=db-1:9100, job=node, device=/dev/nvme0n1p1)",
					Labels:  diskLabels, StartsAt: ts("2026-05-10T17:00:00Z"), URL: diskURL,
				}},
			}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(fixture(t, tc.fixture), tc.perAlert)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestParseRefuses(t *testing.T) {
	firing := string(fixture(t, "firing.json"))
	for _, tc := range []struct {
		name string
		body string
		msg  string
	}{
		{"version 3", string(fixture(t, "version3.json")), `unsupported payload version: Warroom reads Alertmanager's webhook payload version "4"`},
		{"no version", `{"status":"firing","groupKey":"k","alerts":[{"status":"firing"}]}`, `unsupported payload version: Warroom reads Alertmanager's webhook payload version "4"`},
		{"empty alerts", string(fixture(t, "empty_alerts.json")), "payload has no alerts"},
		{"malformed", string(fixture(t, "malformed.json")), "body is not valid JSON (error at byte 700)"},
		{"not an object", `[{"version":"4"}]`, "body must be a JSON object"},
		{"empty body", ``, "body is not valid JSON (error at byte 0)"},
		{"null", `null`, `unsupported payload version: Warroom reads Alertmanager's webhook payload version "4"`},
		{"labels of the wrong type", strings.Replace(firing, `"job": "checkout",`, `"job": 7,`, 1), `field "alerts.labels" must be a string`},
		{"alerts of the wrong type", `{"version":"4","alerts":{}}`, `field "alerts" must be an array`},
		{"a time that is not RFC 3339", strings.Replace(firing, `"2026-05-11T08:13:00Z"`, `"11/05/2026 08:13"`, 1), "a time (startsAt or endsAt) is not an RFC 3339 timestamp"},
		{"bad group status", strings.Replace(firing, `"status": "firing",
  "alerts"`, `"status": "pending",
  "alerts"`, 1), `field "status" must be "firing" or "resolved"`},
		{"bad alert status", `{"version":"4","status":"firing","groupKey":"k","alerts":[{"status":"firing"},{"status":"FIRING"}]}`, `field "alerts[1].status" must be "firing" or "resolved"`},
		{"no group key", strings.Replace(firing, `"groupKey": "{}/`, `"groupKeyX": "{}/`, 1), `field "groupKey" is missing: it identifies the alert group`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.body), false)
			require.Nil(t, got)
			var rerr *httpx.Error
			require.True(t, errors.As(err, &rerr), "want a *httpx.Error, got %v", err)
			require.Equal(t, http.StatusBadRequest, rerr.Status)
			require.Equal(t, "bad_request", rerr.Code)
			require.Equal(t, tc.msg, rerr.Msg)
		})
	}
}

func TestParsePerAlertNeedsNoGroupKey(t *testing.T) {
	got, err := Parse([]byte(`{"version":"4","status":"resolved","alerts":[{"status":"resolved","labels":{"alertname":"Up"},
		"startsAt":"2026-05-11T08:00:00Z","endsAt":"2026-05-11T08:05:00Z","generatorURL":"javascript:alert(1)","fingerprint":"f1"}]}`), true)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "f1", got[0].DedupKey)
	require.Equal(t, "Up", got[0].Title)
	require.Empty(t, got[0].Links, "a javascript: URL is never a link")
	require.Empty(t, got[0].Items[0].URL)
	require.Equal(t, ts("2026-05-11T08:05:00Z"), got[0].Items[0].EndsAt)
}

func TestTitle(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Message
		want string
	}{
		{"common summary wins", Message{CommonAnnotations: map[string]string{"summary": "  Checkout\nis failing "}, Alerts: []Alert{{}}}, "Checkout is failing"},
		{"alert name and group values", Message{
			GroupLabels:  map[string]string{"alertname": "X", "zone": "b", "cluster": "a"},
			CommonLabels: map[string]string{"alertname": "X"}, Alerts: []Alert{{}},
		}, "X [a b]"},
		{"alert names differ: the first one", Message{
			GroupLabels: map[string]string{"cluster": "eu-1"},
			Alerts:      []Alert{{Labels: map[string]string{"alertname": "A"}}, {Labels: map[string]string{"alertname": "B"}}},
		}, "A [eu-1]"},
		{"nothing at all: the receiver", Message{Receiver: "team-db", Alerts: []Alert{{}}}, "team-db"},
		{"long titles are cut", Message{CommonAnnotations: map[string]string{"summary": strings.Repeat("é", 250)}, Alerts: []Alert{{}}},
			strings.Repeat("é", 199) + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Mapping{Source: Name}.title(&tc.m))
		})
	}
}

func TestSeverity(t *testing.T) {
	for in, want := range map[string]bot.Priority{
		"critical": bot.P1, "Page": bot.P1, "P1": bot.P1, " sev1 ": bot.P1,
		"high": bot.P2, "error": bot.P2, "major": bot.P2, "p2": bot.P2,
		"warning": bot.P3, "WARN": bot.P3, "minor": bot.P3, "medium": bot.P3,
		"info": bot.P4, "low": bot.P4, "p4": bot.P4, "4": bot.P4,
		"": 0, "none": 0, "p5": 0, "9": 0, "debug": 0,
	} {
		require.Equal(t, want, Severity(in), "severity %q", in)
	}
}

func TestGroupPriorityIsTheMostUrgent(t *testing.T) {
	got, err := Parse([]byte(`{"version":"4","status":"firing","groupKey":"k","alerts":[
		{"status":"firing","labels":{"alertname":"A","severity":"warning"}},
		{"status":"firing","labels":{"alertname":"A","severity":"critical"}},
		{"status":"firing","labels":{"alertname":"A","severity":"bogus"}}]}`), false)
	require.NoError(t, err)
	require.Equal(t, bot.P1, got[0].Priority)
	require.True(t, got[0].StartsAt.IsZero(), "no startsAt, no start")
}

func TestFingerprintIsStable(t *testing.T) {
	a := Fingerprint(map[string]string{"alertname": "Up", "instance": "a"})
	require.Equal(t, a, Fingerprint(map[string]string{"instance": "a", "alertname": "Up"}))
	require.Len(t, a, 16)
	require.NotEqual(t, a, Fingerprint(map[string]string{"alertname": "Up", "instance": "b"}))
	require.NotEqual(t, Fingerprint(map[string]string{"a": "bc"}), Fingerprint(map[string]string{"ab": "c"}))
}

func TestLinksAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"version":"4","status":"firing","groupKey":"k","externalURL":"https://am.example.com","alerts":[`)
	for i := range 20 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"status":"firing","generatorURL":"https://prom.example.com/` + string(rune('a'+i)) + `"}`)
	}
	b.WriteString("]}")
	got, err := Parse([]byte(b.String()), false)
	require.NoError(t, err)
	require.Len(t, got[0].Links, maxLinks)
	require.Equal(t, bot.Link{Title: "Alertmanager", URL: "https://am.example.com"}, got[0].Links[maxLinks-1],
		"the sender's own link survives the cap")
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"firing.json", "mixed.json", "resolved.json", "no_fingerprint.json",
		"version3.json", "empty_alerts.json", "malformed.json"} {
		f.Add(fixture(f, name), false)
		f.Add(fixture(f, name), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, perAlert bool) {
		got, err := Parse(body, perAlert)
		if err != nil {
			var rerr *httpx.Error
			require.True(t, errors.As(err, &rerr))
			require.Equal(t, http.StatusBadRequest, rerr.Status)
			require.Nil(t, got)
			return
		}
		require.NotEmpty(t, got)
		for _, a := range got {
			require.NotEmpty(t, strings.TrimSpace(a.DedupKey))
			require.NotEmpty(t, a.Title)
			require.Contains(t, []bot.AlertStatus{bot.AlertFiring, bot.AlertResolved}, a.Status)
			require.NotEmpty(t, a.Items)
			require.LessOrEqual(t, len(a.Links), maxLinks)
			for _, it := range a.Items {
				require.NotEmpty(t, it.Fingerprint)
				require.NotEmpty(t, it.Summary)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	body := fixture(b, "firing.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body, false); err != nil {
			b.Fatal(err)
		}
	}
}

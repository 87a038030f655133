package webhook

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

var (
	minimal = bot.Alert{
		Source: "webhook", SourceName: "Webhook", DedupKey: "disk-full/db-1", Status: bot.AlertFiring, Title: "Disk full on db-1",
		Items: []bot.AlertItem{{Fingerprint: "disk-full/db-1", Status: bot.AlertFiring, Summary: "Disk full on db-1"}},
	}
	fullLabels = map[string]string{"service": "checkout", "env": "prod", "team": "payments"}
	full       = bot.Alert{
		Source: "webhook", SourceName: "Webhook",
		DedupKey:    "checkout/latency-p99",
		Status:      bot.AlertFiring,
		Title:       "Checkout p99 latency above 2s",
		Description: "p99 latency of POST /api/checkout has been above 2s for 10 minutes.",
		Priority:    bot.P2,
		Labels:      fullLabels,
		Links: []bot.Link{
			{Title: "Dashboard", URL: "https://grafana.example.com/d/checkout"},
			{Title: "runbooks.example.com", URL: "https://runbooks.example.com/checkout/latency"},
		},
		Items: []bot.AlertItem{{Fingerprint: "checkout/latency-p99", Status: bot.AlertFiring, Summary: "Checkout p99 latency above 2s",
			Labels: fullLabels, URL: "https://grafana.example.com/d/checkout"}},
	}
)

func TestParse(t *testing.T) {
	resolved := minimal
	resolved.Status = bot.AlertResolved
	resolved.Items = []bot.AlertItem{{Fingerprint: "disk-full/db-1", Status: bot.AlertResolved, Summary: "Disk full on db-1"}}

	for _, tc := range []struct {
		name string
		body string
		want bot.Alert
	}{
		{"minimal", string(fixture(t, "minimal.json")), minimal},
		{"full", string(fixture(t, "full.json")), full},
		{"resolved", string(fixture(t, "resolved.json")), resolved},
		{"status and priority in any case, spaces trimmed", `{"title":" Disk full\non db-1 ","dedup_key":" disk-full/db-1 ","status":"FIRING","priority":"p4"}`,
			func() bot.Alert { a := minimal; a.Priority = bot.P4; return a }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.body))
			require.NoError(t, err)
			require.Equal(t, []bot.Alert{tc.want}, got)
		})
	}
}

func TestParseRefuses(t *testing.T) {
	const priorities = "priority must be one of P1, P2, P3, P4 (or sev1..sev4, 1..4, critical, high, medium, low)"
	for _, tc := range []struct {
		name, body, msg string
	}{
		{"unknown field", string(fixture(t, "unknown_field.json")),
			`unknown field "severity"; the fields are title, dedup_key, status, priority, description, links, labels`},
		{"unknown field in a link", `{"title":"t","dedup_key":"k","links":[{"href":"https://x.example"}]}`,
			`unknown field "href"; the fields are title, dedup_key, status, priority, description, links, labels`},
		{"bad priority", string(fixture(t, "bad_priority.json")), priorities},
		{"priority P5", `{"title":"t","dedup_key":"k","priority":"P5"}`, priorities},
		{"missing title", string(fixture(t, "missing_title.json")), "title is required"},
		{"javascript: link", string(fixture(t, "javascript_link.json")), "links[1].url must be an http or https URL"},
		{"relative link", `{"title":"t","dedup_key":"k","links":[{"url":"/d/disk"}]}`, "links[0].url must be an http or https URL"},
		{"everything wrong at once", `{"title":"","dedup_key":"","status":"open","priority":"urgent","links":[{"url":"ftp://x.example/"}]}`,
			`title is required; dedup_key is required; status must be "firing" or "resolved"; ` + priorities + "; links[0].url must be an http or https URL"},
		{"title too long", `{"title":"` + strings.Repeat("a", 201) + `","dedup_key":"k"}`, "title is longer than 200 characters"},
		{"title of 200 multibyte characters is fine", `{"title":"` + strings.Repeat("障", 200) + `","dedup_key":"k","description":"x"}`, ""},
		{"dedup_key too long", `{"title":"t","dedup_key":"` + strings.Repeat("k", 201) + `"}`, "dedup_key is longer than 200 characters"},
		{"dedup_key with a line break", `{"title":"t","dedup_key":"a\nb"}`, "dedup_key must be printable text (no control characters, tabs or line breaks)"},
		{"too many links", `{"title":"t","dedup_key":"k","links":[` + strings.Repeat(`{"url":"https://x.example"},`, 10) + `{"url":"https://x.example"}]}`, "links has more than 10 entries"},
		{"empty label name", `{"title":"t","dedup_key":"k","labels":{"":"x"}}`, "labels must not have an empty name"},
		{"priority as a number", `{"title":"t","dedup_key":"k","priority":1}`, `field "priority" must be a string`},
		{"labels as an array", `{"title":"t","dedup_key":"k","labels":["a"]}`, `field "labels" must be an object`},
		{"not an object", `["title"]`, "body must be a JSON object"},
		{"empty body", ``, "body is empty"},
		{"cut short", `{"title":"t","dedup_`, "body is not valid JSON (it ends too early)"},
		{"syntax error", `{"title" "t"}`, "body is not valid JSON (error at byte 10)"},
		{"two objects", `{"title":"t","dedup_key":"k"} {"title":"u","dedup_key":"k"}`, "body has more after its JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.body))
			if tc.msg == "" {
				require.NoError(t, err)
				require.Len(t, got, 1)
				return
			}
			require.Nil(t, got)
			var rerr *httpx.Error
			require.True(t, errors.As(err, &rerr), "want a *httpx.Error, got %v", err)
			require.Equal(t, http.StatusBadRequest, rerr.Status)
			require.Equal(t, "bad_request", rerr.Code)
			require.Equal(t, tc.msg, rerr.Msg)
		})
	}
}

func TestPriorityAliases(t *testing.T) {
	for in, want := range map[string]bot.Priority{"P1": bot.P1, "sev-2": bot.P2, "3": bot.P3, "Low": bot.P4, "critical": bot.P1, "": 0} {
		got, err := Parse([]byte(`{"title":"t","dedup_key":"k","priority":"` + in + `"}`))
		require.NoError(t, err, in)
		require.Equal(t, want, got[0].Priority, in)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"minimal.json", "full.json", "resolved.json", "unknown_field.json",
		"bad_priority.json", "missing_title.json", "javascript_link.json"} {
		f.Add(fixture(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := Parse(body)
		if err != nil {
			var rerr *httpx.Error
			require.True(t, errors.As(err, &rerr))
			require.Equal(t, http.StatusBadRequest, rerr.Status)
			require.Nil(t, got)
			return
		}
		require.Len(t, got, 1)
		a := got[0]
		require.NotEmpty(t, a.Title)
		require.NotEmpty(t, a.DedupKey)
		require.Contains(t, []bot.AlertStatus{bot.AlertFiring, bot.AlertResolved}, a.Status)
		require.True(t, a.Priority == 0 || a.Priority.Valid())
		require.Len(t, a.Items, 1)
		require.Equal(t, a.DedupKey, a.Items[0].Fingerprint)
		for _, l := range a.Links {
			require.True(t, strings.HasPrefix(strings.ToLower(l.URL), "http://") || strings.HasPrefix(strings.ToLower(l.URL), "https://"), l.URL)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	body := fixture(b, "full.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}

package app

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDatadogAndMackerelResolve: through the console's HTTP server, each
// source's firing notification opens an incident and its recovery
// notification resolves it (alerts.auto_resolve), and a wrong token is
// refused with JSON.
func TestDatadogAndMackerelResolve(t *testing.T) {
	const mk = "0123456789abcdef0123456789abcdef"
	cfg := "alerts:\n  auto_resolve: true\n  datadog: {token: dd-t0ken}\n  mackerel: {token: " + mk + "}\n"
	base, out := startConsole(t, AlertSources(), cfg)
	read := func(path string) string {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		return string(b)
	}
	post := func(url, auth, body string) (int, string) {
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var v map[string]any
		require.NoError(t, json.NewDecoder(res.Body).Decode(&v))
		b, _ := json.Marshal(v)
		return res.StatusCode, string(b)
	}
	status := func(title string) string {
		var list struct {
			Incidents []struct{ Title, Status, Priority string } `json:"incidents"`
		}
		res, err := http.Get(base + "/api/incidents?status=all")
		if err != nil {
			return ""
		}
		defer res.Body.Close()
		if json.NewDecoder(res.Body).Decode(&list) != nil {
			return ""
		}
		for _, inc := range list.Incidents {
			if inc.Title == title {
				return inc.Status + " " + inc.Priority
			}
		}
		return ""
	}
	for _, src := range []struct {
		name, url, auth, firing, resolved, title, priority string
	}{
		{"datadog", base + "/alerts/datadog", "Bearer dd-t0ken", read("../adapters/datadog/testdata/triggered.json"),
			read("../adapters/datadog/testdata/recovered.json"), "Checkout 5xx rate above 5%", "P2"},
		{"mackerel", base + "/alerts/mackerel?token=" + mk, "", read("../adapters/mackerel/testdata/critical.json"),
			read("../adapters/mackerel/testdata/ok.json"), "CPU % on web-1", "P2"},
	} {
		t.Run(src.name, func(t *testing.T) {
			code, body := post(strings.Split(src.url, "?")[0], "Bearer wrong", src.firing)
			require.Equal(t, http.StatusUnauthorized, code)
			require.JSONEq(t, `{"error":{"code":"unauthorized","message":"missing or wrong credentials"}}`, body)

			code, body = post(src.url, src.auth, src.firing)
			require.Equal(t, http.StatusOK, code, body)
			require.Eventually(t, func() bool { return status(src.title) == "triage "+src.priority }, 10*time.Second, 20*time.Millisecond,
				"an incident opens; console:\n%s", out)
			code, body = post(src.url, src.auth, src.resolved)
			require.Equal(t, http.StatusOK, code, body)
			require.Eventually(t, func() bool { return strings.HasPrefix(status(src.title), "resolved ") }, 10*time.Second, 20*time.Millisecond,
				"the recovery resolves it; console:\n%s", out)
		})
	}
}

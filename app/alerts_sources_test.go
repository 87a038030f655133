package app

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// incidentRow is one incident of GET /api/incidents.
type incidentRow struct {
	Key, Title, Status, Priority string
}

// incidentsByKey lists the console's incidents.
func incidentsByKey(t *testing.T, base string) map[string]incidentRow {
	t.Helper()
	res, err := http.Get(base + "/api/incidents")
	require.NoError(t, err)
	defer res.Body.Close()
	var list struct {
		Incidents []incidentRow `json:"incidents"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&list))
	out := map[string]incidentRow{}
	for _, i := range list.Incidents {
		out[i.Key] = i
	}
	return out
}

func post(t *testing.T, url string, body []byte, header map[string]string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	return res.StatusCode
}

// TestSentryAndAzureIncidents: through the real table and routes, a
// Sentry issue alert opens an incident that the "resolved" webhook
// resolves, and an Azure Monitor "Fired" opens one that its "Resolved"
// resolves; forged deliveries open nothing.
func TestSentryAndAzureIncidents(t *testing.T) {
	const secret, token = "sentry-app-secret", "azure-token-0123456789"
	cfg := "alerts:\n  auto_resolve: true\n  sentry: {client_secret: " + secret + "}\n  azure: {token: " + token + "}\n"
	base, out := startConsole(t, AlertSources(), cfg)
	fixture := func(path string) []byte {
		b, err := os.ReadFile("../adapters/" + path)
		require.NoError(t, err)
		return b
	}
	sentry := func(resource string, body []byte, key string) int {
		mac := hmac.New(sha256.New, []byte(key))
		mac.Write(body)
		return post(t, base+"/alerts/sentry", body, map[string]string{"Sentry-Hook-Resource": resource,
			"Sentry-Hook-Signature": hex.EncodeToString(mac.Sum(nil))})
	}
	waitFor := func(key, status string) incidentRow {
		var got incidentRow
		require.Eventually(t, func() bool {
			got = incidentsByKey(t, base)[key]
			return got.Status == status
		}, 10*time.Second, 20*time.Millisecond, "%s is %s; console:\n%s", key, status, out)
		return got
	}

	fired := fixture("sentry/testdata/event_alert.json")
	require.Equal(t, http.StatusUnauthorized, sentry("event_alert", fired, "forged"))
	require.Equal(t, http.StatusOK, sentry("installation", fixture("sentry/testdata/installation.json"), secret))
	require.Equal(t, http.StatusOK, sentry("event_alert", fired, secret))
	inc := waitFor("INC-1", "triage")
	require.Equal(t, incidentRow{Key: "INC-1", Title: "TypeError: Cannot read properties of undefined (reading 'total')", Status: "triage", Priority: "P2"}, inc)
	require.Equal(t, http.StatusOK, sentry("issue", fixture("sentry/testdata/issue_resolved.json"), secret))
	waitFor("INC-1", "resolved")

	require.Equal(t, http.StatusUnauthorized, post(t, base+"/alerts/azure?token=wrong", fixture("azure/testdata/metric_fired.json"), nil))
	require.Equal(t, http.StatusOK, post(t, base+"/alerts/azure?token="+token, fixture("azure/testdata/metric_fired.json"), nil))
	inc = waitFor("INC-2", "triage")
	require.Equal(t, incidentRow{Key: "INC-2", Title: "WCUS-R2-Gen2", Status: "triage", Priority: "P4"}, inc)
	require.Equal(t, http.StatusOK, post(t, base+"/alerts/azure?token="+token, fixture("azure/testdata/metric_resolved.json"), nil))
	waitFor("INC-2", "resolved")

	require.Len(t, incidentsByKey(t, base), 2, "the forged and the installation deliveries opened nothing")
}

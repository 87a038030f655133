package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/slack/fakeslack"
)

// alertmanagerBinary finds Debian's prometheus-alertmanager. Without it the
// test is skipped on a developer's machine and fails in CI, whose .ci/run
// installs it.
func alertmanagerBinary(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"prometheus-alertmanager", "alertmanager"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("prometheus-alertmanager is not installed; .ci/run installs it")
	}
	t.Skip("prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)")
	return ""
}

// TestRealAlertmanager runs the real Prometheus Alertmanager pointed at
// `warroom serve` (with a fake Slack): a firing alert opens exactly one
// incident with its channel, repeats add nothing, and the resolved
// notification records the recovery on the same incident.
func TestRealAlertmanager(t *testing.T) {
	bin := alertmanagerBinary(t)
	fake := fakeslack.New(t)
	getenv := testEnv(t, map[string]string{
		"SLACK_BOT_TOKEN": fakeslack.BotToken, "SLACK_SIGNING_SECRET": fakeslack.SigningSecret,
		"SLACK_API_URL": fake.APIURL(), "WARROOM_ALERTMANAGER_TOKEN": "am-s3cret",
	})
	base, stop := startServe(t, getenv)
	defer stop()

	dir := t.TempDir()
	cfg := fmt.Sprintf(`route:
  receiver: warroom
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: warroom
    webhook_configs:
      - url: %s/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: am-s3cret
`, base)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "alertmanager.yml"), []byte(cfg), 0o600))
	amAddr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--config.file="+filepath.Join(dir, "alertmanager.yml"),
		"--storage.path="+filepath.Join(dir, "data"), "--web.listen-address="+amAddr, "--cluster.listen-address=")
	var amLog bytes.Buffer
	cmd.Stdout, cmd.Stderr = &amLog, &amLog
	require.NoError(t, cmd.Start())
	defer func() { cancel(); _ = cmd.Wait() }()
	am := "http://" + amAddr
	require.Eventually(t, func() bool {
		res, err := http.Get(am + "/-/ready")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 20*time.Second, 100*time.Millisecond, "alertmanager did not start: %s", &amLog)

	post := func(endsAt time.Time) {
		alert := map[string]any{
			"labels":       map[string]string{"alertname": "HighErrorRate", "service": "checkout", "severity": "critical", "instance": "web-1"},
			"annotations":  map[string]string{"summary": "Checkout 5xx above 5%", "runbook_url": "https://wiki.example/runbooks/checkout"},
			"startsAt":     time.Now().Add(-time.Minute).UTC().Format(time.RFC3339),
			"generatorURL": "http://prometheus.example:9090/graph?g0.expr=rate",
		}
		if !endsAt.IsZero() {
			alert["endsAt"] = endsAt.UTC().Format(time.RFC3339)
		}
		b, err := json.Marshal([]any{alert})
		require.NoError(t, err)
		res, err := http.Post(am+"/api/v2/alerts", "application/json", bytes.NewReader(b))
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
	}
	post(time.Time{})
	post(time.Time{}) // the same alert again: still one problem

	var inc map[string]any
	require.Eventually(t, func() bool {
		var list struct {
			Incidents []map[string]any `json:"incidents"`
		}
		getJSON(t, base+"/api/incidents", "", &list)
		if len(list.Incidents) == 0 {
			return false
		}
		inc = list.Incidents[0]
		return true
	}, 30*time.Second, 100*time.Millisecond, "no incident; alertmanager log: %s", &amLog)
	require.Equal(t, "triage", inc["status"])
	require.Equal(t, "P1", inc["priority"], "severity=critical")
	require.Equal(t, "Checkout 5xx above 5%", inc["title"])
	fake.WaitCalls("pins.add", 1, 10*time.Second)
	require.Len(t, fake.Calls("conversations.create"), 1, "one channel")

	post(time.Now())
	require.Eventually(t, func() bool {
		var tl struct {
			Entries []struct {
				Kind string            `json:"kind"`
				Data map[string]string `json:"data"`
			} `json:"entries"`
		}
		getJSON(t, base+"/api/incidents/1/timeline", "", &tl)
		for _, e := range tl.Entries {
			if e.Kind == "alert" && e.Data["status"] == "resolved" {
				return true
			}
		}
		return false
	}, 30*time.Second, 200*time.Millisecond, "recovery not recorded; alertmanager log: %s", &amLog)

	var list struct {
		Incidents []map[string]any `json:"incidents"`
	}
	getJSON(t, base+"/api/incidents", "", &list)
	require.Len(t, list.Incidents, 1, "exactly one incident")
	var sawButton bool
	for _, c := range fake.Calls("chat.postMessage") {
		sawButton = sawButton || strings.Contains(c.Params["text"], "Looks resolved")
	}
	require.True(t, sawButton, "recovery offers a Resolve button")
}

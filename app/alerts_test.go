package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/internal/httpx"
)

// fakeSource is a whole alert source in one row, as the README's "Adding
// an alert source" describes: a name, a display name, when it is on, and
// a handler that parses the request into a bot.Alert for the router. Its
// payload is {"title": "...", "key": "..."}.
func fakeSource(enabled bool) AlertSource {
	return AlertSource{
		Name: "fake", Display: "Fake Monitor",
		Enabled: func(*config.Config) bool { return enabled },
		Build: func(_ *config.Config, d Deps) (Handler, error) {
			return func(w http.ResponseWriter, r *http.Request) error {
				var in struct{ Title, Key string }
				if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Title == "" || in.Key == "" {
					return &httpx.Error{Status: http.StatusBadRequest, Code: "bad_request", Msg: "want a title and a key"}
				}
				alert := &bot.Alert{Source: "fake", DedupKey: in.Key, Status: bot.AlertFiring, Title: in.Title,
					Items: []bot.AlertItem{{Fingerprint: in.Key, Status: bot.AlertFiring, Summary: in.Title}}}
				if err := d.Router.Dispatch(bot.Event{Kind: bot.EventAlert, Alert: alert, At: time.Now()}); err != nil {
					return err
				}
				httpx.WriteJSON(w, http.StatusOK, map[string]any{"status": "accepted", "alerts": 1})
				return nil
			}, nil
		},
	}
}

// lockedBuffer is the console's transcript, written by the console while
// the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startConsole runs the console (its embedded Redis, alerts on a free
// port) with the given table of alert sources until the test ends, and
// returns the HTTP base URL and the transcript.
func startConsole(t *testing.T, sources []AlertSource, cfgYAML string) (string, *lockedBuffer) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "warroom.yml")
	require.NoError(t, os.WriteFile(path, []byte(cfgYAML), 0o600))
	env := map[string]string{"WARROOM_ADDR": "127.0.0.1:0", "WARROOM_LANG": "en"}
	cfg, err := config.Load(path, func(k string) string { return env[k] }, KnownNames(sources, Platforms()))
	require.NoError(t, err)
	in, stdin := io.Pipe()
	out := &lockedBuffer{}
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		term := Terminal{In: in, Out: out, User: "alice", Speed: 1}
		done <- Console(context.Background(), cfg, NewLogger(io.Discard, "warn", "", false), term,
			Options{AlertSources: sources, OnListen: func(a string) { addr <- a }})
	}()
	t.Cleanup(func() {
		_ = stdin.Close()
		require.NoError(t, <-done)
	})
	select {
	case a := <-addr:
		return "http://" + a, out
	case err := <-done:
		t.Fatalf("console stopped: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("console did not listen")
	}
	return "", nil
}

func postJSON(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer res.Body.Close()
	var v map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&v))
	return res.StatusCode, v
}

// TestAddAlertSource: a row added to the table is a new alert source: its
// name is one a rule may match, POST /alerts/<name> is routed to it, and
// an alert posted there opens an incident, under the rule's priority.
func TestAddAlertSource(t *testing.T) {
	sources := append(AlertSources(), fakeSource(true))
	rule := "alerts:\n  rules:\n    - {name: fake-p1, match: {source: fake}, priority: P1}\n"
	base, out := startConsole(t, sources, rule)

	status, body := postJSON(t, base+"/alerts/fake", `{"title":"Disk full on db-1","key":"db-1/disk"}`)
	require.Equal(t, http.StatusOK, status, "%v", body)
	require.Equal(t, "accepted", body["status"])

	var list struct {
		Incidents []struct {
			Key, Title, Status, Priority string
		} `json:"incidents"`
	}
	require.Eventually(t, func() bool {
		res, err := http.Get(base + "/api/incidents")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		return json.NewDecoder(res.Body).Decode(&list) == nil && len(list.Incidents) == 1
	}, 10*time.Second, 20*time.Millisecond, "an incident opens; console:\n%s", out)
	got := list.Incidents[0]
	require.Equal(t, "INC-1", got.Key)
	require.Equal(t, "Disk full on db-1", got.Title)
	require.Equal(t, "triage", got.Status)
	require.Equal(t, "P1", got.Priority, "the rule matched source fake")
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "Disk full on db-1") },
		5*time.Second, 20*time.Millisecond, "the console shows the incident")

	status, body = postJSON(t, base+"/alerts/fake", `{"title":""}`)
	require.Equal(t, http.StatusBadRequest, status, "the source's own errors are written as JSON")
	require.Equal(t, "bad_request", body["error"].(map[string]any)["code"])

	// The rows of the table that are not configured answer 404.
	status, body = postJSON(t, base+"/alerts/webhook", `{}`)
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, "webhook alerts are not configured", body["error"].(map[string]any)["message"])
}

// TestAlertSourceNotConfigured: a row whose source is off still has its
// route, answering 404.
func TestAlertSourceNotConfigured(t *testing.T) {
	base, _ := startConsole(t, append(AlertSources(), fakeSource(false)), "")
	status, body := postJSON(t, base+"/alerts/fake", `{"title":"x","key":"y"}`)
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, map[string]any{"code": "not_found", "message": "fake alerts are not configured"}, body["error"])
}

// TestKnownNames: the configuration's names come from the tables, so a
// rule naming a source the table lacks is refused, with the table's names.
func TestKnownNames(t *testing.T) {
	require.Equal(t, config.Known{
		AlertSources: []string{"alertmanager", "cloudwatch", "grafana", "datadog", "mackerel", "webhook", "sentry", "azure"},
		Platforms:    []string{"slack", "teams", "console"},
	}, Known())

	path := filepath.Join(t.TempDir(), "warroom.yml")
	require.NoError(t, os.WriteFile(path, []byte("alerts:\n  rules:\n    - {match: {source: fake}}\n"), 0o600))
	_, err := LoadConfig(path, nil)
	require.EqualError(t, err, `alerts.rules[0].match.source: must be alertmanager, cloudwatch, grafana, datadog, mackerel, webhook, sentry or azure, got "fake"`)
	_, err = config.Load(path, nil, KnownNames(append(AlertSources(), fakeSource(true)), Platforms()))
	require.NoError(t, err, "a source the table has")
}

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/app"
)

// storm runs `warroom console` listening for alerts (the try-it-locally
// setup) and posts n Alertmanager notifications spread over groups, each
// carrying one new alert, from 32 concurrent senders. It returns how long
// until every notification was answered and every alert was on its
// incident's timeline, and the API's base URL.
func storm(t testing.TB, n, groups int) (time.Duration, string) {
	addr := freePort(t)
	getenv := testEnv(t, map[string]string{"WARROOM_ALERTMANAGER_TOKEN": "storm", "WARROOM_ADDR": addr,
		"WARROOM_QUEUE": "100000", "WARROOM_LOG_LEVEL": "error"})
	cfg := loadConfig(t, "", getenv)
	stdin, closeStdin := io.Pipe()
	done := make(chan error, 1)
	go func() {
		term := app.Terminal{In: stdin, Out: io.Discard, User: "alice", Speed: 1}
		done <- app.Console(context.Background(), cfg, app.NewLogger(io.Discard, "warn", "", false), term, app.Options{})
	}()
	t.Cleanup(func() {
		_ = closeStdin.Close()
		<-done
	})
	base := "http://" + addr
	require.Eventually(t, func() bool {
		res, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return true
	}, 10*time.Second, 20*time.Millisecond)

	bodies := make([][]byte, n)
	for i := range n {
		g := i % groups
		msg := map[string]any{
			"version": "4", "groupKey": fmt.Sprintf(`{}:{alertname="Storm%d"}`, g), "status": "firing", "receiver": "warroom",
			"groupLabels":       map[string]string{"alertname": fmt.Sprintf("Storm%d", g)},
			"commonLabels":      map[string]string{"alertname": fmt.Sprintf("Storm%d", g), "severity": "warning"},
			"commonAnnotations": map[string]string{"summary": fmt.Sprintf("Storm group %d", g)},
			"externalURL":       "http://alertmanager:9093",
			"alerts": []map[string]any{{
				"status": "firing", "labels": map[string]string{"alertname": fmt.Sprintf("Storm%d", g), "instance": fmt.Sprintf("host-%d", i)},
				"annotations": map[string]string{}, "startsAt": "2026-11-25T03:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
				"generatorURL": "http://prometheus:9090/graph", "fingerprint": fmt.Sprintf("%016x", i),
			}},
		}
		b, err := json.Marshal(msg)
		require.NoError(t, err)
		bodies[i] = b
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				for {
					req, _ := http.NewRequest(http.MethodPost, base+"/alerts/alertmanager", bytes.NewReader(bodies[i]))
					req.Header.Set("Authorization", "Bearer storm")
					res, err := client.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode == http.StatusOK {
						break
					}
					if res.StatusCode != http.StatusServiceUnavailable {
						t.Errorf("status %d", res.StatusCode)
						return
					}
					time.Sleep(10 * time.Millisecond) // busy: send again, as Alertmanager would
				}
			}
		}()
	}
	wg.Wait()
	require.Eventually(t, func() bool {
		return countAlertEntries(t, base, groups) == n
	}, 120*time.Second, 100*time.Millisecond)
	return time.Since(start), base
}

// countAlertEntries sums the alert entries on every incident's timeline.
func countAlertEntries(t testing.TB, base string, groups int) int {
	var list struct {
		Incidents []struct {
			ID int64 `json:"id"`
		} `json:"incidents"`
	}
	getJSON(t, fmt.Sprintf("%s/api/incidents?limit=%d", base, 500), "", &list)
	total := 0
	for _, inc := range list.Incidents {
		var tl struct {
			Entries []struct {
				Kind string `json:"kind"`
			} `json:"entries"`
		}
		getJSON(t, fmt.Sprintf("%s/api/incidents/%d/timeline", base, inc.ID), "", &tl)
		for _, e := range tl.Entries {
			if e.Kind == "alert" {
				total++
			}
		}
	}
	return total
}

// TestAlertStorm: 10,000 Alertmanager notifications over 50 groups give
// exactly 50 incidents and every alert on its incident's timeline. Its
// time is reported by `make bench`, not asserted.
func TestAlertStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("storm: skipped with -short")
	}
	took, base := storm(t, 10000, 50)
	var list struct {
		Incidents []map[string]any `json:"incidents"`
	}
	getJSON(t, base+"/api/incidents?limit=500", "", &list)
	require.Len(t, list.Incidents, 50)
	t.Logf("storm of 10000 notifications over 50 groups handled in %s", took)
}

// BenchmarkAlertStorm reports the time the storm takes: 10,000
// notifications over 50 groups, from the first request until every alert
// is on a timeline (the embedded Redis, or REDIS_URL).
func BenchmarkAlertStorm(b *testing.B) {
	for b.Loop() {
		took, _ := storm(b, 10000, 50)
		b.ReportMetric(took.Seconds(), "s/storm")
	}
}

package app

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/config"
)

// TestServeNeedsAPlatformForAlerts: serve refuses to start when a source
// of the table is configured but no chat platform is there to open its
// incidents on.
func TestServeNeedsAPlatformForAlerts(t *testing.T) {
	for name, tc := range map[string]struct {
		env     map[string]string
		sources []AlertSource
	}{
		"webhook":               {env: map[string]string{"WARROOM_WEBHOOK_TOKEN": "t0ken"}},
		"a row of a test's own": {sources: append(AlertSources(), fakeSource(true))},
	} {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{"WARROOM_ADDR": "127.0.0.1:0", "WARROOM_REDIS_EMBEDDED": "true", "WARROOM_API_OPEN": "true"}
			for k, v := range tc.env {
				env[k] = v
			}
			sources := tc.sources
			if sources == nil {
				sources = AlertSources()
			}
			cfg, err := config.Load("", func(k string) string { return env[k] }, KnownNames(sources, Platforms()))
			require.NoError(t, err)
			err = Serve(context.Background(), cfg, zap.NewNop(), Options{AlertSources: sources,
				OnListen: func(string) { t.Error("serve listened") }})
			require.EqualError(t, err, `alerts.platform: alert sources are configured but the chat platform "" they open incidents on is not: set up Slack or Teams, or WARROOM_ALERT_PLATFORM`)
		})
	}
}

// TestMetricsListener: with metrics_addr, /metrics, /healthz and /readyz
// answer on that listener, and /metrics leaves the public one (a JSON 404).
func TestMetricsListener(t *testing.T) {
	env := map[string]string{"WARROOM_ADDR": "127.0.0.1:0", "WARROOM_METRICS_ADDR": "127.0.0.1:0",
		"WARROOM_REDIS_EMBEDDED": "true", "WARROOM_API_OPEN": "true"}
	cfg, err := LoadServeConfig("", func(k string) string { return env[k] })
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	public, ops := make(chan string, 1), make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, cfg, zap.NewNop(), Options{OnListen: func(a string) { public <- a }, OnMetricsListen: func(a string) { ops <- a }})
	}()
	defer func() { cancel(); require.NoError(t, <-done) }()
	opsBase, publicBase := "http://"+<-ops, "http://"+<-public
	get := func(url string) (int, string, string) {
		res, err := http.Get(url)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, res.Header.Get("Content-Type"), string(b)
	}
	code, _, body := get(opsBase + "/metrics")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "warroom_")
	for _, p := range []string{"/healthz", "/readyz"} {
		code, _, _ = get(opsBase + p)
		require.Equal(t, http.StatusOK, code, p)
		code, _, _ = get(publicBase + p)
		require.Equal(t, http.StatusOK, code, "the public listener keeps %s for its load balancer", p)
	}
	code, ctype, body := get(publicBase + "/metrics")
	require.Equal(t, http.StatusNotFound, code)
	require.Equal(t, "application/json; charset=utf-8", ctype)
	require.Contains(t, body, `"not_found"`)
	code, _, _ = get(opsBase + "/api/incidents")
	require.Equal(t, http.StatusNotFound, code, "the metrics listener serves nothing else")
}

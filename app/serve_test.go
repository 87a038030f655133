package app

import (
	"context"
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

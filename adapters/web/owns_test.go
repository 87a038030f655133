package web_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/web"
)

// TestOwns: the web owns "/" and every path under the first segment of
// one of its routes, with or without a route for the path itself, and
// nothing else, so the server's other endpoints (and the paths nobody
// serves) keep their JSON errors.
func TestOwns(t *testing.T) {
	h := newHarnessWith(t, func(o *web.Options) {
		o.Status = &web.StatusOptions{Source: o.Incidents.(web.StatusSource), Components: []string{"api"}}
	})
	for path, want := range map[string]bool{
		"/": true, "/signin": true, "/signin/abc": true, "/signout": true, "/incidents/INC-1": true,
		"/incidents/INC-1/nope": true, "/static/app.js": true, "/insights": true, "/status": true, "/status/feed.atom": true,
		"/nope": false, "/api/incidents": false, "/api/messages": false, "/slack/events": false, "/incidentsx": false,
		"/teams/messages": false, "/alerts/webhook": false, "/healthz": false, "/metrics": false,
	} {
		require.Equal(t, want, h.web.Owns(path), path)
	}
}

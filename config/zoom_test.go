package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

// TestZoom: the variables set the section, priorities take aliases and
// default to every priority, and the secret never prints.
func TestZoom(t *testing.T) {
	c, err := Load("", env(map[string]string{
		"WARROOM_ZOOM_ACCOUNT_ID":    "acc",
		"WARROOM_ZOOM_CLIENT_ID":     "cid",
		"WARROOM_ZOOM_CLIENT_SECRET": "zoom-s3cret",
		"WARROOM_ZOOM_PRIORITIES":    "sev1, high",
	}), known)
	require.NoError(t, err)
	require.True(t, c.Zoom.Enabled())
	require.Equal(t, "zoom-s3cret", c.Zoom.ClientSecret.Reveal())
	require.Equal(t, []bot.Priority{bot.P1, bot.P2}, c.Zoom.Calls())
	require.Equal(t, DefaultZoomAPIURL, c.Zoom.APIURL)
	require.Equal(t, DefaultZoomOAuthURL, c.Zoom.OAuthURL)
	for _, s := range []string{fmt.Sprintf("%+v", c), c.Redacted()} {
		require.NotContains(t, s, "zoom-s3cret")
	}

	c, err = Load("", env(nil), known)
	require.NoError(t, err)
	require.False(t, c.Zoom.Enabled())
	require.Empty(t, c.Zoom.Calls(), "every priority by default")
}

// TestZoomProblems: each mistake names its field, never the secret.
func TestZoomProblems(t *testing.T) {
	all := map[string]string{"WARROOM_ZOOM_ACCOUNT_ID": "acc", "WARROOM_ZOOM_CLIENT_ID": "cid", "WARROOM_ZOOM_CLIENT_SECRET": "zoom-s3cret"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range all {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
				continue
			}
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{with("WARROOM_ZOOM_CLIENT_SECRET", ""), "zoom.client_secret: is required when any of zoom.account_id"},
		{map[string]string{"WARROOM_ZOOM_PRIORITIES": "P1"}, "zoom.account_id: is required when any of"},
		{with("WARROOM_ZOOM_CLIENT_SECRET", "zoom s3cret"), "WARROOM_ZOOM_CLIENT_SECRET: must not contain white space (value not shown)"},
		{with("WARROOM_ZOOM_PRIORITIES", "P1,P9"), "WARROOM_ZOOM_PRIORITIES: must be P1, P2, P3 or P4"},
		{with("WARROOM_ZOOM_PRIORITIES", "P1,sev1"), "WARROOM_ZOOM_PRIORITIES: P1 is listed twice"},
		{with("WARROOM_ZOOM_API_URL", "api.zoom.us"), `WARROOM_ZOOM_API_URL: must be an http(s) URL such as "https://api.zoom.us"`},
		{with("WARROOM_ZOOM_OAUTH_URL", "zoom.us"), `WARROOM_ZOOM_OAUTH_URL: must be an http(s) URL such as "https://zoom.us"`},
	} {
		lines := problems(t, "", tt.env)
		require.NotEmpty(t, lines)
		require.True(t, strings.HasPrefix(lines[0], tt.want), lines[0])
		for _, l := range lines {
			require.NotContains(t, l, "s3cret")
		}
	}
}

package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

// TestPagerDuty: the variables set the section, priorities take aliases
// and default to P1, and the secrets never print.
func TestPagerDuty(t *testing.T) {
	c, err := Load("", env(map[string]string{
		"WARROOM_PAGERDUTY_ROUTING_KEY":    "rk-s3cret",
		"WARROOM_PAGERDUTY_WEBHOOK_SECRET": "wh-s3cret",
		"WARROOM_PAGERDUTY_PRIORITIES":     "sev1, high",
	}), known)
	require.NoError(t, err)
	require.True(t, c.PagerDuty.Enabled())
	require.Equal(t, "rk-s3cret", c.PagerDuty.RoutingKey.Reveal())
	require.Equal(t, []string{"P1", "P2"}, c.PagerDuty.Priorities)
	require.Equal(t, []bot.Priority{bot.P1, bot.P2}, c.PagerDuty.Pages())
	require.Equal(t, DefaultPagerDutyURL, c.PagerDuty.APIURL)
	for _, s := range []string{fmt.Sprintf("%+v", c), c.Redacted()} {
		require.NotContains(t, s, "rk-s3cret")
		require.NotContains(t, s, "wh-s3cret")
	}

	c, err = Load("", env(map[string]string{"WARROOM_PAGERDUTY_ROUTING_KEY": "rk"}), known)
	require.NoError(t, err)
	require.Equal(t, []bot.Priority{bot.P1}, c.PagerDuty.Pages(), "P1 by default")

	c, err = Load("", env(nil), known)
	require.NoError(t, err)
	require.False(t, c.PagerDuty.Enabled())
}

// TestPagerDutyProblems: each mistake names its field, never a secret.
func TestPagerDutyProblems(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"WARROOM_PAGERDUTY_WEBHOOK_SECRET": "wh-s3cret"},
			"pagerduty.routing_key: is required when pagerduty.webhook_secret or pagerduty.priorities is set"},
		{map[string]string{"WARROOM_PAGERDUTY_ROUTING_KEY": "rk s3cret"},
			"WARROOM_PAGERDUTY_ROUTING_KEY: must not contain white space (value not shown)"},
		{map[string]string{"WARROOM_PAGERDUTY_ROUTING_KEY": "rk", "WARROOM_PAGERDUTY_PRIORITIES": "P1,P9"},
			`WARROOM_PAGERDUTY_PRIORITIES: must be P1, P2, P3 or P4`},
		{map[string]string{"WARROOM_PAGERDUTY_ROUTING_KEY": "rk", "WARROOM_PAGERDUTY_PRIORITIES": "P1,sev1"},
			`WARROOM_PAGERDUTY_PRIORITIES: P1 is listed twice`},
		{map[string]string{"WARROOM_PAGERDUTY_ROUTING_KEY": "rk", "WARROOM_PAGERDUTY_API_URL": "events.pagerduty.com"},
			`WARROOM_PAGERDUTY_API_URL: must be an http(s) URL`},
	} {
		lines := problems(t, "", tt.env)
		require.Len(t, lines, 1, lines)
		require.True(t, strings.HasPrefix(lines[0], tt.want), lines[0])
		require.NotContains(t, lines[0], "s3cret")
	}
}

// TestPagerDutyFile: a file's PagerDuty mistakes, each with its field.
func TestPagerDutyFile(t *testing.T) {
	lines := problems(t, "testdata/bad_pagerduty.yml", nil)
	require.Equal(t, []string{
		"pagerduty.routing_key: is required when pagerduty.webhook_secret or pagerduty.priorities is set: it is the Events API v2 integration key of the service to page",
		`pagerduty.priorities[1]: must be P1, P2, P3 or P4 (or an alias such as sev1 or critical), got "urgent"`,
	}, lines)
	for _, l := range lines {
		require.NotContains(t, l, "wh-s3cret-in-file")
	}
}

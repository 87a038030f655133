package config

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTokenSources: Datadog's and Mackerel's tokens enable their sources
// and never print; Mackerel's, alone in a URL, must be long and URL-safe,
// and each mistake names its field, never the token.
func TestTokenSources(t *testing.T) {
	const mk = "0123456789abcdef0123456789abcdef-_.~"
	c, err := Load("", env(map[string]string{"WARROOM_DATADOG_TOKEN": "dd-s3cret", "WARROOM_MACKEREL_TOKEN": mk}), known)
	require.NoError(t, err)
	require.True(t, c.Alerts.Datadog.Enabled())
	require.True(t, c.Alerts.Mackerel.Enabled())
	require.Equal(t, mk, c.Alerts.Mackerel.Token.Reveal())
	for _, s := range []string{fmt.Sprintf("%+v", c), c.Redacted()} {
		require.NotContains(t, s, "dd-s3cret")
		require.NotContains(t, s, mk)
	}

	c, err = Load("", env(nil), known)
	require.NoError(t, err)
	require.False(t, c.Alerts.Datadog.Enabled())
	require.False(t, c.Alerts.Mackerel.Enabled())

	for _, tt := range []struct {
		env    map[string]string
		want   string
		secret string
	}{
		{map[string]string{"WARROOM_MACKEREL_TOKEN": "short-s3cret"}, "WARROOM_MACKEREL_TOKEN: must be at least 32 characters", "short-s3cret"},
		{map[string]string{"WARROOM_MACKEREL_TOKEN": "0123456789abcdef0123456789abcdef+/="}, "WARROOM_MACKEREL_TOKEN: must be at least 32 characters", "+/="},
		{map[string]string{"WARROOM_DATADOG_TOKEN": "dd s3cret"}, "WARROOM_DATADOG_TOKEN: must not contain white space", "dd s3cret"},
	} {
		_, err := Load("", env(tt.env), known)
		require.ErrorContains(t, err, tt.want)
		require.NotContains(t, err.Error(), tt.secret)
	}
}

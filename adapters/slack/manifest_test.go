package slack

import (
	"os"
	"slices"
	"sort"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// methodScopes is every Web API method the adapter calls, with the bot
// scopes it needs (any one of a list suffices for public vs private
// channels, so both are required of the manifest). The end-to-end tests
// check that the fake Slack saw no method missing from this table.
var methodScopes = map[string][]string{
	"auth.test":              nil,
	"conversations.create":   {"channels:manage", "groups:write"},
	"conversations.invite":   {"channels:manage", "groups:write"},
	"conversations.setTopic": {"channels:manage", "groups:write"},
	"conversations.archive":  {"channels:manage", "groups:write"},
	"conversations.join":     {"channels:join"},
	"chat.postMessage":       {"chat:write"},
	"chat.update":            {"chat:write"},
	"chat.postEphemeral":     {"chat:write"},
	"chat.getPermalink":      nil, // needs no scope
	"pins.add":               {"pins:write"},
	"views.open":             nil,
	"users.info":             {"users:read"},
	"users.list":             {"users:read"},
	"apps.connections.open":  nil, // app-level token, connections:write
}

// eventScopes is every event the adapter reads, with its scopes (the
// membership events need one scope for public and one for private
// channels).
var eventScopes = map[string][]string{
	"message.channels":      {"channels:history"},
	"message.groups":        {"groups:history"},
	"reaction_added":        {"reactions:read"},
	"reaction_removed":      {"reactions:read"},
	"pin_added":             {"pins:read"},
	"pin_removed":           {"pins:read"},
	"member_joined_channel": {"channels:read", "groups:read"},
	"member_left_channel":   {"channels:read", "groups:read"},
}

type manifest struct {
	Features struct {
		SlashCommands []struct {
			Command      string `yaml:"command"`
			ShouldEscape bool   `yaml:"should_escape"`
		} `yaml:"slash_commands"`
		Shortcuts []struct {
			Name        string `yaml:"name"`
			Type        string `yaml:"type"`
			CallbackID  string `yaml:"callback_id"`
			Description string `yaml:"description"`
		} `yaml:"shortcuts"`
	} `yaml:"features"`
	OAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Events struct {
			BotEvents []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			Enabled bool `yaml:"is_enabled"`
		} `yaml:"interactivity"`
		SocketMode bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// TestManifestScopes checks the manifest asks for exactly the scopes the
// code needs: every scope a called method or a read event needs, the
// slash command's, and nothing more.
func TestManifestScopes(t *testing.T) {
	raw, err := os.ReadFile("manifest.yaml")
	require.NoError(t, err)
	var m manifest
	require.NoError(t, yaml.Unmarshal(raw, &m))

	need := map[string]bool{"commands": true}
	for _, scopes := range methodScopes {
		for _, s := range scopes {
			need[s] = true
		}
	}
	var events []string
	for ev, scopes := range eventScopes {
		for _, s := range scopes {
			need[s] = true
		}
		events = append(events, ev)
	}
	want := make([]string, 0, len(need))
	for s := range need {
		want = append(want, s)
	}
	sort.Strings(want)
	got := slices.Clone(m.OAuth.Scopes.Bot)
	sort.Strings(got)
	require.Equal(t, want, got, "manifest bot scopes")

	sort.Strings(events)
	gotEvents := slices.Clone(m.Settings.Events.BotEvents)
	sort.Strings(gotEvents)
	require.Equal(t, events, gotEvents, "manifest bot events")

	require.Len(t, m.Features.SlashCommands, 1)
	require.Equal(t, "/incident", m.Features.SlashCommands[0].Command)
	require.True(t, m.Features.SlashCommands[0].ShouldEscape, "mentions arrive as <@U123|name>, which the parser reads")
	require.True(t, m.Settings.Interactivity.Enabled)
	require.True(t, m.Settings.SocketMode)
}

// TestManifestShortcuts checks the manifest declares the two shortcuts the
// adapter answers, under the callback IDs it knows.
func TestManifestShortcuts(t *testing.T) {
	raw, err := os.ReadFile("manifest.yaml")
	require.NoError(t, err)
	var m manifest
	require.NoError(t, yaml.Unmarshal(raw, &m))
	got := map[string]string{}
	for _, sc := range m.Features.Shortcuts {
		got[sc.CallbackID] = sc.Type
		require.NotEmpty(t, sc.Description, sc.CallbackID)
		// Slack's limits as its app settings show them (UNCONFIRMED in
		// the reference): a name of at most 24 characters, a description
		// of at most 80.
		require.LessOrEqual(t, utf8.RuneCountInString(sc.Name), 24, sc.Name)
		require.LessOrEqual(t, utf8.RuneCountInString(sc.Description), 80, sc.Description)
	}
	require.Equal(t, map[string]string{ShortcutDeclare: "global", ShortcutDeclareFromMessage: "message"}, got)
}

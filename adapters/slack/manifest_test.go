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
			Description  string `yaml:"description"`
			UsageHint    string `yaml:"usage_hint"`
			ShouldEscape bool   `yaml:"should_escape"`
			URL          string `yaml:"url"`
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
			RequestURL string   `yaml:"request_url"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			Enabled    bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
		} `yaml:"interactivity"`
		SocketMode bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// manifests are the two app manifests: Socket Mode's and HTTP's.
var manifests = []string{"manifest.yaml", "manifest-http.yaml"}

func readManifest(t *testing.T, name string) manifest {
	t.Helper()
	raw, err := os.ReadFile(name)
	require.NoError(t, err)
	var m manifest
	require.NoError(t, yaml.Unmarshal(raw, &m))
	return m
}

// TestManifestScopes checks each manifest asks for exactly the scopes the
// code needs: every scope a called method or a read event needs, the
// slash command's, and nothing more.
func TestManifestScopes(t *testing.T) {
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
	sort.Strings(events)
	for _, name := range manifests {
		t.Run(name, func(t *testing.T) {
			m := readManifest(t, name)
			got := slices.Clone(m.OAuth.Scopes.Bot)
			sort.Strings(got)
			require.Equal(t, want, got, "manifest bot scopes")

			gotEvents := slices.Clone(m.Settings.Events.BotEvents)
			sort.Strings(gotEvents)
			require.Equal(t, events, gotEvents, "manifest bot events")

			require.Len(t, m.Features.SlashCommands, 1)
			require.Equal(t, "/incident", m.Features.SlashCommands[0].Command)
			require.True(t, m.Features.SlashCommands[0].ShouldEscape, "mentions arrive as <@U123|name>, which the parser reads")
			require.True(t, m.Settings.Interactivity.Enabled)
		})
	}
}

// TestManifestModes checks the Socket Mode manifest names no request URL,
// and the HTTP one turns Socket Mode off and sends the slash command,
// interactions and events to the one URL /slack/events answers them all
// on.
func TestManifestModes(t *testing.T) {
	socket := readManifest(t, "manifest.yaml")
	require.True(t, socket.Settings.SocketMode)
	require.Empty(t, socket.Features.SlashCommands[0].URL)
	require.Empty(t, socket.Settings.Events.RequestURL)
	require.Empty(t, socket.Settings.Interactivity.RequestURL)

	web := readManifest(t, "manifest-http.yaml")
	require.False(t, web.Settings.SocketMode)
	const url = "https://warroom.example.com/slack/events"
	for _, cmd := range web.Features.SlashCommands {
		require.Equal(t, url, cmd.URL, cmd.Command)
	}
	require.Equal(t, url, web.Settings.Events.RequestURL, "event_subscriptions")
	require.Equal(t, url, web.Settings.Interactivity.RequestURL, "interactivity")
}

// TestManifestsAgree checks the two manifests declare the same app apart
// from how Slack reaches it: the same scopes, slash commands, shortcuts
// and bot events, so that one cannot drift from the other.
func TestManifestsAgree(t *testing.T) {
	socket, web := readManifest(t, "manifest.yaml"), readManifest(t, "manifest-http.yaml")
	for i := range web.Features.SlashCommands {
		web.Features.SlashCommands[i].URL = ""
	}
	require.Equal(t, socket.Features, web.Features, "slash commands and shortcuts")
	require.Equal(t, socket.OAuth, web.OAuth, "scopes")
	require.Equal(t, socket.Settings.Events.BotEvents, web.Settings.Events.BotEvents, "bot events")
	require.Equal(t, socket.Settings.Interactivity.Enabled, web.Settings.Interactivity.Enabled, "interactivity")
}

// TestManifestShortcuts checks each manifest declares the two shortcuts
// the adapter answers, under the callback IDs it knows.
func TestManifestShortcuts(t *testing.T) {
	for _, name := range manifests {
		t.Run(name, func(t *testing.T) {
			m := readManifest(t, name)
			got := map[string]string{}
			for _, sc := range m.Features.Shortcuts {
				got[sc.CallbackID] = sc.Type
				require.NotEmpty(t, sc.Description, sc.CallbackID)
				// Slack's limits as its app settings show them
				// (UNCONFIRMED in the reference): a name of at most 24
				// characters, a description of at most 80.
				require.LessOrEqual(t, utf8.RuneCountInString(sc.Name), 24, sc.Name)
				require.LessOrEqual(t, utf8.RuneCountInString(sc.Description), 80, sc.Description)
			}
			require.Equal(t, map[string]string{ShortcutDeclare: "global", ShortcutDeclareFromMessage: "message"}, got)
		})
	}
}

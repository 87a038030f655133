package teams

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
)

// manifest is the part of the Teams app manifest the checks read.
type manifest struct {
	Schema          string `json:"$schema"`
	ManifestVersion string `json:"manifestVersion"`
	Version         string `json:"version"`
	ID              string `json:"id"`
	Developer       struct {
		Name, WebsiteURL, PrivacyURL, TermsOfUseURL string
	} `json:"developer"`
	Name        struct{ Short, Full string }    `json:"name"`
	Description struct{ Short, Full string }    `json:"description"`
	Icons       struct{ Color, Outline string } `json:"icons"`
	AccentColor string                          `json:"accentColor"`
	Bots        []struct {
		BotID        string   `json:"botId"`
		Scopes       []string `json:"scopes"`
		CommandLists []struct {
			Scopes   []string `json:"scopes"`
			Commands []struct {
				Title       string `json:"title"`
				Description string `json:"description"`
			} `json:"commands"`
		} `json:"commandLists"`
	} `json:"bots"`
	ComposeExtensions []struct {
		BotID    string `json:"botId"`
		Commands []struct {
			ID          string   `json:"id"`
			Type        string   `json:"type"`
			Title       string   `json:"title"`
			Description string   `json:"description"`
			Context     []string `json:"context"`
			FetchTask   bool     `json:"fetchTask"`
		} `json:"commands"`
	} `json:"composeExtensions"`
	WebApplicationInfo struct {
		ID       string `json:"id"`
		Resource string `json:"resource"`
	} `json:"webApplicationInfo"`
	Authorization struct {
		Permissions struct {
			ResourceSpecific []struct {
				Name string `json:"name"`
				Type string `json:"type"`
			} `json:"resourceSpecific"`
		} `json:"permissions"`
	} `json:"authorization"`
}

// coreCommands is the core's command list; every command the manifest
// suggests must be one of them.
var coreCommands = []string{"declare", "ack", "status", "priority", "role", "roles", "note", "update",
	"resolve", "close", "reopen", "decline", "timeline", "summary", "list", "search", "web", "help"}

// The placeholders make teams-app replaces: the ID with MICROSOFT_APP_ID,
// the version with the release version.
const (
	placeholderID      = "00000000-0000-0000-0000-000000000000"
	placeholderVersion = `"version": "0.0.0"`
)

func TestManifest(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("manifest", "manifest.json"))
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(raw))
	var m manifest
	require.NoError(t, dec.Decode(&m))

	require.Equal(t, schemaVersion, m.ManifestVersion)
	require.Equal(t, "https://developer.microsoft.com/en-us/json-schemas/teams/v"+schemaVersion+"/MicrosoftTeams.schema.json", m.Schema)
	require.Equal(t, 1, strings.Count(string(raw), placeholderVersion), "make teams-app sets the version")
	require.Equal(t, 4, strings.Count(string(raw), placeholderID), "app ID, bot ID (twice: bot and message extension) and webApplicationInfo ID are replaced by make teams-app")
	require.Equal(t, placeholderID, m.ID)
	require.Equal(t, placeholderID, m.WebApplicationInfo.ID)
	require.Equal(t, "https://AnyString", m.WebApplicationInfo.Resource)
	for _, u := range []string{m.Developer.WebsiteURL, m.Developer.PrivacyURL, m.Developer.TermsOfUseURL} {
		require.True(t, strings.HasPrefix(u, "https://"), u)
	}
	require.NotEmpty(t, m.Developer.Name)

	// Teams' limits on names and descriptions.
	require.NotEmpty(t, m.Name.Short)
	require.LessOrEqual(t, utf8.RuneCountInString(m.Name.Short), 30)
	require.LessOrEqual(t, utf8.RuneCountInString(m.Name.Full), 100)
	require.NotEmpty(t, m.Description.Short)
	require.LessOrEqual(t, utf8.RuneCountInString(m.Description.Short), 80)
	require.LessOrEqual(t, utf8.RuneCountInString(m.Description.Full), 4000)
	// Store policy for RSC: say how the messages read are used.
	require.Contains(t, m.Description.Full, "records every message of its incident channels")
	require.Contains(t, m.Description.Full, "timeline")
	require.Regexp(t, `^#[0-9A-Fa-f]{6}$`, m.AccentColor)

	require.Len(t, m.Bots, 1)
	b := m.Bots[0]
	require.Equal(t, placeholderID, b.BotID)
	require.ElementsMatch(t, []string{"team", "groupChat", "personal"}, b.Scopes)
	require.Len(t, b.CommandLists, 1)
	require.ElementsMatch(t, []string{"team", "groupChat", "personal"}, b.CommandLists[0].Scopes)
	var listed []string
	for _, c := range b.CommandLists[0].Commands {
		require.Contains(t, coreCommands, c.Title)
		require.NotEmpty(t, c.Description, c.Title)
		require.LessOrEqual(t, utf8.RuneCountInString(c.Title), 32)
		require.LessOrEqual(t, utf8.RuneCountInString(c.Description), 128, c.Title)
		listed = append(listed, c.Title)
	}
	require.LessOrEqual(t, len(listed), 10, "Teams shows at most 10 commands per list (the v1.30 schema allows 12)")
	// ack and priority are buttons on the incident card; web is how a
	// Teams user reaches the incident's page.
	require.Equal(t, []string{"declare", "status", "role", "note", "update", "resolve", "timeline", "list", "web", "help"}, listed)

	// One message extension (Teams allows one per app), served by the bot,
	// with the action command the adapter answers: picked from a message's
	// "..." menu, its dialog fetched from the bot (fetchTask).
	require.Len(t, m.ComposeExtensions, 1)
	ext := m.ComposeExtensions[0]
	require.Equal(t, placeholderID, ext.BotID)
	require.Len(t, ext.Commands, 1)
	cmd := ext.Commands[0]
	require.Equal(t, CommandDeclareFromMessage, cmd.ID)
	require.Equal(t, "action", cmd.Type)
	require.Equal(t, []string{"message"}, cmd.Context)
	require.True(t, cmd.FetchTask, "the dialog is the bot's declare form, pre-filled")
	require.NotEmpty(t, cmd.Title)
	require.LessOrEqual(t, utf8.RuneCountInString(cmd.Title), 32)
	require.LessOrEqual(t, utf8.RuneCountInString(cmd.Description), 128)

	// The legacy "permissions" and the empty "validDomains" are gone: RSC
	// permissions below are what Warroom asks for.
	var top map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &top))
	require.NotContains(t, top, "permissions")
	require.NotContains(t, top, "validDomains")
	type rsc struct{ Name, Type string }
	var perms []rsc
	for _, p := range m.Authorization.Permissions.ResourceSpecific {
		perms = append(perms, rsc{p.Name, p.Type})
	}
	require.ElementsMatch(t, []rsc{
		{"ChannelMessage.Read.Group", "Application"}, // every message of incident channels, without @mention
		{"Channel.Create.Group", "Application"},      // a channel per incident through Graph
		{"ChannelMember.Read.Group", "Application"},  // who may see private incidents: the restricted channel's members
		{"ChatMessage.Read.Chat", "Application"},     // the same in group chats
	}, perms)

	for file, size := range map[string]int{m.Icons.Color: 192, m.Icons.Outline: 32} {
		t.Run(file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("manifest", file))
			require.NoError(t, err)
			defer f.Close()
			img, err := png.Decode(f)
			require.NoError(t, err, "a PNG")
			require.Equal(t, image.Rect(0, 0, size, size), img.Bounds())
			if file != m.Icons.Outline {
				return
			}
			// Outline: white on transparent, nothing else.
			var opaque, clear int
			for y := range size {
				for x := range size {
					r, g, b, a := img.At(x, y).RGBA()
					if a == 0 {
						clear++
						continue
					}
					opaque++
					require.Equal(t, []uint32{a, a, a}, []uint32{r, g, b}, "pixel %d,%d is white (premultiplied)", x, y)
				}
			}
			require.Positive(t, opaque)
			require.Positive(t, clear)
		})
	}
}

// schemaVersion is the Teams manifest schema vendored in
// testdata/schema (see its README) and the version the manifest uses.
const schemaVersion = "1.30"

// TestManifestSchema: the app package make teams-app builds, the
// manifest with its placeholders filled, passes Microsoft's published
// JSON schema; and the schema bites on the mistakes it once let through.
func TestManifestSchema(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("manifest", "manifest.json"))
	require.NoError(t, err)
	schema := compileManifestSchema(t)
	fill := func(version string) string {
		s := strings.ReplaceAll(string(raw), placeholderID, "0b6f8c2e-4d1a-4f3b-9a77-3c2d1e0f9a8b")
		return strings.Replace(s, placeholderVersion, `"version": "`+version+`"`, 1)
	}
	validate := func(doc string) error {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		require.NoError(t, err)
		return schema.Validate(inst)
	}
	for _, v := range []string{"0.0.0", "0.0.412", "1.4.2"} {
		require.NoError(t, validate(fill(v)), "version %s", v)
	}

	// Draft-04 ignores "const", so the pinned manifestVersion is checked
	// here against the schema's own constant.
	var s struct {
		Properties struct {
			ManifestVersion struct {
				Const string `json:"const"`
			} `json:"manifestVersion"`
		} `json:"properties"`
	}
	b, err := os.ReadFile(filepath.Join("testdata", "schema", "MicrosoftTeams.schema.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &s))
	require.Equal(t, schemaVersion, s.Properties.ManifestVersion.Const)

	for name, broken := range map[string]string{
		"lower-case groupchat": strings.Replace(fill("1.0.0"), `"groupChat"`, `"groupchat"`, 1),
		"no version":           strings.Replace(fill("1.0.0"), `"version": "1.0.0",`, "", 1),
		"an app ID not a GUID": strings.Replace(fill("1.0.0"), "0b6f8c2e-4d1a-4f3b-9a77-3c2d1e0f9a8b", "warroom", 1),
		"an unknown field":     strings.Replace(fill("1.0.0"), `"accentColor"`, `"accentColour": "#C4314B", "accentColor"`, 1),
	} {
		require.Error(t, validate(broken), name)
	}
}

// compileManifestSchema compiles the vendored schema (draft-04, as its
// $schema says), formats asserted as ajv-formats does. Its patterns are
// ECMAScript (lookaheads), which Go's regexp cannot parse: regexp2 in
// ECMAScript mode reads them as ajv does.
func compileManifestSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("testdata", "schema", "MicrosoftTeams.schema.json"))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseRegexpEngine(func(expr string) (jsonschema.Regexp, error) {
		re, err := regexp2.Compile(expr, regexp2.ECMAScript)
		if err != nil {
			return nil, err
		}
		return ecmaRegexp{re}, nil
	})
	schema, err := c.Compile(path)
	require.NoError(t, err)
	return schema
}

// ecmaRegexp is a regexp2 expression as the schema library's Regexp.
type ecmaRegexp struct{ re *regexp2.Regexp }

func (r ecmaRegexp) MatchString(s string) bool {
	ok, err := r.re.MatchString(s)
	return err == nil && ok
}

func (r ecmaRegexp) String() string { return r.re.String() }

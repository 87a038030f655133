package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var updateREADME = flag.Bool("update-readme", false, "rewrite the README's environment table from `warroom config env`")

// cli runs the command line with an empty environment but env, and
// returns the exit code, stdout and stderr.
func cli(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errOut, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

// TestGlobalFlagsAnywhere: --config is read before the command, after
// it, and after its arguments; given twice, the later one wins.
func TestGlobalFlagsAnywhere(t *testing.T) {
	good := map[string]string{"WARROOM_API_TOKEN": "tok-xyz", "REDIS_URL": "redis://redis:6379/0", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
	code, after, errOut := cli(t, good, "config", "check", "--config", "config/example.yml")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, after, "announce_channel: C0123ABCD", "the example file was read")
	code, before, errOut := cli(t, good, "--config", "config/example.yml", "config", "check")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, after, before)

	for _, args := range [][]string{
		{"--config", "missing.yml", "config", "check"},
		{"-config=missing.yml", "config", "check"},
		{"--config", "config/example.yml", "config", "check", "--config", "missing.yml"},
		{"--config", "missing.yml", "export", "INC-1"},
		{"export", "INC-1", "--config", "missing.yml"},
	} {
		code, _, errOut := cli(t, good, args...)
		require.Equal(t, 1, code, "%v", args)
		require.Contains(t, errOut, "missing.yml: cannot read", "%v", args)
	}
	code, _, errOut = cli(t, nil, "--bogus", "serve")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "flag provided but not defined: -bogus")
	code, _, errOut = cli(t, nil, "--config")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "flag needs an argument: -config")
}

// TestCommandHelp: every command's --help (and -h, and `help <command>`)
// prints its synopsis, its own flags and the global ones, and no flag of
// another command, on stdout with exit 0.
func TestCommandHelp(t *testing.T) {
	all := map[string]bool{}
	for _, c := range commands() {
		c.ownFlags().VisitAll(func(f *flag.Flag) { all[f.Name] = true })
	}
	require.Subset(t, keys(all), []string{"embedded-redis", "user", "people", "lang", "speed", "format", "json"})
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			words := strings.Fields(c.name)
			code, help, errOut := cli(t, nil, append(words, "--help")...)
			require.Equal(t, 0, code, errOut)
			require.Empty(t, errOut)
			require.True(t, strings.HasPrefix(help, "usage: warroom "+c.name+" "), help)
			require.Contains(t, help, "  --config file ")
			own := map[string]bool{}
			c.ownFlags().VisitAll(func(f *flag.Flag) { own[f.Name] = true })
			for name := range all {
				if own[name] {
					require.Contains(t, help, "  --"+name+" ")
				} else {
					require.NotContains(t, help, "--"+name+" ", "another command's flag")
				}
			}
			_, short, _ := cli(t, nil, append(words, "-h")...)
			require.Equal(t, help, short)
			code, viaHelp, _ := cli(t, nil, append([]string{"help"}, words...)...)
			require.Equal(t, 0, code)
			require.Equal(t, help, viaHelp)
		})
	}
	code, out, _ := cli(t, nil, "serve", "--help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "--embedded-redis")
	require.NotContains(t, out, "--speed")

	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, out, _ := cli(t, nil, args...)
		require.Equal(t, 0, code, "%v", args)
		for _, c := range commands() {
			require.Contains(t, out, "  "+c.name+" ", "%v lists every command", args)
		}
	}
	code, out, _ = cli(t, nil, "help", "config")
	require.Equal(t, 0, code)
	require.Contains(t, out, "usage: warroom config check [flags]")
	require.Contains(t, out, "usage: warroom config env [flags]")
	code, _, errOut := cli(t, nil, "help", "nonsense")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `unknown command "nonsense"`)
	code, _, errOut = cli(t, nil, "config", "bogus")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `unknown command "config bogus"`)
	code, _, errOut = cli(t, nil, "version", "extra")
	require.Equal(t, 2, code)
	require.Equal(t, "usage: warroom version [flags]\n", errOut)
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestVersion: the stamped version, commit and date, as text and JSON;
// unstamped, "dev" and what the toolchain recorded, or "unknown".
func TestVersion(t *testing.T) {
	code, out, _ := cli(t, nil, "version")
	require.Equal(t, 0, code)
	require.True(t, strings.HasPrefix(out, "warroom "), out)
	require.Contains(t, out, "  go      "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH+"\n")
	require.NotContains(t, out, "  commit  \n", "an unstamped commit says unknown or the VCS revision")

	defer func(v, c, d string) { version, commit, date = v, c, d }(version, commit, date)
	version, commit, date = "v1.4.2", "4f2a9c1", "2026-12-04T18:00:00Z"
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}, {"--config", "x.yml", "version"}} {
		code, out, _ := cli(t, nil, args...)
		require.Equal(t, 0, code)
		require.Equal(t, "warroom v1.4.2\n  commit  4f2a9c1\n  built   2026-12-04T18:00:00Z\n  go      "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH+"\n", out, "%v", args)
	}
	code, out, _ = cli(t, nil, "version", "--json")
	require.Equal(t, 0, code)
	var got map[string]string
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Equal(t, map[string]string{"version": "v1.4.2", "commit": "4f2a9c1", "build_date": "2026-12-04T18:00:00Z",
		"go_version": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH}, got)
}

// TestVersionFallback: what Go recorded fills what the build did not
// stamp, and a stamped value wins.
func TestVersionFallback(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v1.5.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	b := buildFrom("", "", "", bi)
	require.Equal(t, build{Version: "v1.5.0", Commit: "abc123-dirty", BuildDate: "2026-12-01T10:00:00Z",
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}, b)
	b = buildFrom("v2.0.0", "def456", "2026-12-04T00:00:00Z", bi)
	require.Equal(t, []string{"v2.0.0", "def456", "2026-12-04T00:00:00Z"}, []string{b.Version, b.Commit, b.BuildDate})
	b = buildFrom("", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}})
	require.Equal(t, []string{"dev", "unknown", "unknown"}, []string{b.Version, b.Commit, b.BuildDate}, "-buildvcs=false: nothing recorded")
	b = buildFrom("", "", "", nil)
	require.Equal(t, []string{"dev", "unknown", "unknown"}, []string{b.Version, b.Commit, b.BuildDate})
}

// TestCompletion: each shell's script parses, names every command and
// every flag of the table, and (bash, which is always here; zsh and fish
// when installed) completes what a user would type.
func TestCompletion(t *testing.T) {
	scripts := map[string]string{}
	for _, shell := range shellNames() {
		code, out, errOut := cli(t, nil, "completion", shell)
		require.Equal(t, 0, code, errOut)
		scripts[shell] = out
		for _, c := range commands() {
			for _, w := range strings.Fields(c.name) {
				require.Contains(t, out, w, "%s names %s", shell, c.name)
			}
			c.ownFlags().VisitAll(func(f *flag.Flag) {
				require.Contains(t, out, f.Name, "%s names %s's --%s", shell, c.name, f.Name)
			})
		}
	}
	require.True(t, strings.HasPrefix(scripts["zsh"], "#compdef warroom\n"))
	require.Contains(t, scripts["zsh"], "compdef _warroom warroom")
	require.Contains(t, scripts["fish"], "complete -c warroom -n '__fish_seen_subcommand_from export' -l format -x -a 'md json'")
	require.Contains(t, scripts["fish"], "complete -c warroom -n '__fish_seen_subcommand_from config; and __fish_seen_subcommand_from check' -l embedded-redis")
	for _, shell := range shellNames() {
		if _, err := exec.LookPath(shell); err != nil {
			require.NotEqual(t, "bash", shell, "bash is needed to test its script")
			t.Logf("%s is not installed: its script is checked for structure only", shell)
			continue
		}
		cmd := exec.Command(shell, "-n")
		cmd.Stdin = strings.NewReader(scripts[shell])
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s -n: %s", shell, out)
	}

	// Bash: call the completion function as bash would, on command lines.
	cases := map[string]string{
		"warroom ":                                "serve console config export healthcheck version completion help",
		"warroom --config x.yml con":              "console config",
		"warroom config ":                         "check env",
		"warroom config check --":                 "--config --embedded-redis",
		"warroom --config a.yml config check --e": "--embedded-redis",
		"warroom export INC-1 --format ":          "md json",
		"warroom console --user bob --lang ":      "ja en",
		"warroom console --speed 60 --":           "--config --lang --people --speed --user",
		"warroom completion ":                     "bash zsh fish",
		"warroom version --":                      "--config --json",
		"warroom help con":                        "console config",
	}
	var script strings.Builder
	script.WriteString(scripts["bash"])
	script.WriteString(`t() { read -ra COMP_WORDS <<<"$1"; [[ $1 == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _warroom; echo "$1=${COMPREPLY[*]}"; }` + "\n")
	for line := range cases {
		script.WriteString("t '" + line + "'\n")
	}
	cmd := exec.Command("bash", "--norc", "--noprofile")
	cmd.Stdin = strings.NewReader(script.String())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(l, "=")
		got[k] = v
	}
	require.Equal(t, cases, got)

	code, _, errOut := cli(t, nil, "completion", "tcsh")
	require.Equal(t, 2, code)
	require.Equal(t, "warroom completion: unknown shell \"tcsh\": want bash, zsh or fish\n", errOut)
	code, _, errOut = cli(t, nil, "completion")
	require.Equal(t, 2, code)
	require.Equal(t, "usage: warroom completion bash|zsh|fish [flags]\n", errOut)
}

// TestREADMEEnvTable: the README's table of environment variables is
// exactly what `warroom config env` prints, so it cannot go stale.
// `go test -run TestREADMEEnvTable -update-readme .` rewrites it.
func TestREADMEEnvTable(t *testing.T) {
	code, table, errOut := cli(t, nil, "config", "env")
	require.Equal(t, 0, code, errOut)
	require.True(t, strings.HasPrefix(table, "| environment | YAML | default | meaning |\n| --- | --- | --- | --- |\n| `WARROOM_CONFIG` | — | — |"), table)
	require.Contains(t, table, "| `MICROSOFT_APP_ID` (or `MicrosoftAppId`) | `teams.app_id` | — |")
	require.Contains(t, table, "| `WARROOM_LOG_FORMAT` | `log_format` | `json` for `serve`, `text` for `console` and `export` | `text` or `json`")

	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	start := bytes.Index(readme, []byte("| environment | YAML | default | meaning |\n"))
	require.GreaterOrEqual(t, start, 0, "the README has the table")
	end := start
	for end < len(readme) && readme[end] == '|' {
		end += bytes.IndexByte(readme[end:], '\n') + 1
	}
	if *updateREADME {
		updated := append(append(append([]byte{}, readme[:start]...), table...), readme[end:]...)
		require.NoError(t, os.WriteFile("README.md", updated, 0o644))
		return
	}
	require.Equal(t, table, string(readme[start:end]), "run: go test -run TestREADMEEnvTable -update-readme .")
}

// TestBuildStampsVersion: the Makefile and the Dockerfile stamp the three
// variables version.go declares (a misspelt -X name is silently ignored).
func TestBuildStampsVersion(t *testing.T) {
	for _, file := range []string{"Makefile", "Dockerfile"} {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, v := range []string{"-X main.version=", "-X main.commit=", "-X main.date="} {
			require.Contains(t, string(b), v, file)
		}
	}
}

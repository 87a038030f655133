package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/require"
)

// The command line alone: flags, usage, exit codes and what each
// subcommand prints. The stories behind serve, console and export are in
// e2e/, which calls the same app entry points run does.

func TestConfigCheck(t *testing.T) {
	var out, errOut bytes.Buffer
	bad := map[string]string{"WARROOM_LANG": "fr", "WARROOM_WORKERS": "many", "WARROOM_API_TOKEN": "tok-xyz", "WARROOM_ALERT_PLATFORM": "pagerduty"}
	code := run(context.Background(), []string{"config", "check"}, nil, &out, &errOut, func(k string) string { return bad[k] })
	require.Equal(t, 1, code)
	require.Contains(t, errOut.String(), "configuration is invalid:\n")
	require.Contains(t, errOut.String(), `WARROOM_LANG: must be "ja" or "en", got "fr"`)
	require.Contains(t, errOut.String(), `WARROOM_WORKERS: must be an integer, got "many"`)
	require.Contains(t, errOut.String(), `WARROOM_ALERT_PLATFORM: must be slack, teams or console, got "pagerduty"`, "the platforms of app's table")
	require.NotContains(t, errOut.String(), "tok-xyz")

	out.Reset()
	good := map[string]string{"WARROOM_API_TOKEN": "tok-xyz", "REDIS_URL": "redis://redis:6379/0", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
	code = run(context.Background(), []string{"config", "check", "--config", "config/example.yml"}, nil, &out, &errOut, func(k string) string { return good[k] })
	require.Equal(t, 0, code, errOut.String())
	require.Contains(t, out.String(), "configuration is valid")
	require.NotContains(t, out.String(), "tok-xyz")

	errOut.Reset()
	require.Equal(t, 2, run(context.Background(), []string{"nonsense"}, nil, &out, &errOut, nil))
	require.Contains(t, errOut.String(), `unknown command "nonsense"`)
	require.Equal(t, 2, run(context.Background(), nil, nil, &out, &errOut, nil))
	errOut.Reset()
	require.Equal(t, 2, run(context.Background(), []string{"config"}, nil, &out, &errOut, nil))
	require.Contains(t, errOut.String(), `"config" needs a command: check or env`)
	require.Equal(t, 2, run(context.Background(), []string{"serve", "--bogus"}, nil, &out, &errOut, nil))
	out.Reset()
	require.Equal(t, 0, run(context.Background(), []string{"help"}, nil, &out, &errOut, nil))
	require.Contains(t, out.String(), "usage: warroom <command>")
}

// TestServeRefusesUnsafeDefaults: serve (and config check) refuse the
// embedded Redis and an open API, naming the variable that allows each;
// --embedded-redis allows the first. The console keeps the embedded one.
func TestServeRefusesUnsafeDefaults(t *testing.T) {
	env := map[string]string{"WARROOM_ADDR": "127.0.0.1:0"}
	getenv := func(k string) string { return env[k] }
	for _, cmd := range [][]string{{"serve"}, {"config", "check"}} {
		var errOut bytes.Buffer
		require.Equal(t, 1, run(context.Background(), cmd, nil, io.Discard, &errOut, getenv))
		require.Contains(t, errOut.String(), "redis.url: is not set: serve would keep incidents in an embedded in-memory Redis and lose them all when it stops; set REDIS_URL, or WARROOM_REDIS_EMBEDDED=true (or --embedded-redis) to accept that")
		require.Contains(t, errOut.String(), "api.token: is not set: the read-only API at /api/ would answer anyone who reaches it; set WARROOM_API_TOKEN, or WARROOM_API_OPEN=true to serve it without a token")
		errOut.Reset()
		require.Equal(t, 1, run(context.Background(), append(cmd, "--embedded-redis"), nil, io.Discard, &errOut, getenv))
		require.NotContains(t, errOut.String(), "redis.url", "--embedded-redis accepts the embedded Redis")
		require.Contains(t, errOut.String(), "WARROOM_API_OPEN=true")
	}
	var out bytes.Buffer
	env["WARROOM_API_OPEN"] = "true"
	require.Equal(t, 0, run(context.Background(), []string{"config", "check", "--embedded-redis"}, nil, &out, io.Discard, getenv))
	require.Contains(t, out.String(), "embedded: true")
	out.Reset()
	delete(env, "WARROOM_API_OPEN")
	require.Equal(t, 0, run(context.Background(), []string{"console", "--user", "alice"}, strings.NewReader("/incident help\n"), &out, io.Discard, getenv),
		"the console runs on the embedded Redis and serves no API to the network")
}

func TestServeFailsFastWithoutRedis(t *testing.T) {
	// go-redis's pool goroutines log through the global logger serve set,
	// possibly after run returned: a plain bytes.Buffer would race.
	errOut := &syncBuffer{}
	env := map[string]string{"REDIS_URL": "redis://:hunter2@127.0.0.1:1/0", "WARROOM_ADDR": "127.0.0.1:0", "WARROOM_API_OPEN": "true"}
	code := run(context.Background(), []string{"serve"}, nil, io.Discard, errOut, func(k string) string { return env[k] })
	require.Equal(t, 1, code)
	require.Contains(t, errOut.String(), "redis (REDIS_URL) cannot be reached")
	require.NotContains(t, errOut.String(), "hunter2")
}

// TestConsoleThenExport: `warroom console` runs a piped script and exits
// 0 when its input ends; `warroom export` then writes the incident it
// declared from the same Redis, in the format and language asked for.
func TestConsoleThenExport(t *testing.T) {
	mr := miniredis.RunT(t)
	env := map[string]string{"WARROOM_ADDR": "127.0.0.1:0", "WARROOM_LANG": "en", "REDIS_URL": "redis://" + mr.Addr(), "WARROOM_SPOOL_PATH": "off"}
	getenv := func(k string) string { return env[k] }
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"console", "--user", "alice", "--people", " bob, ,carol"},
		strings.NewReader("/incident declare Checkout is failing P2\n/incident role scribe @carol\n"), &out, &errOut, getenv)
	require.Equal(t, 0, code, errOut.String())
	require.Contains(t, out.String(), "you are alice")
	require.Contains(t, out.String(), "carol is now Scribe of INC-1", "--people gave carol")

	out.Reset()
	require.Equal(t, 0, run(context.Background(), []string{"export", "INC-1", "--format", "json"}, nil, &out, &errOut, getenv), errOut.String())
	var data map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &data))
	require.Equal(t, "INC-1", data["key"])
	require.Equal(t, "Checkout is failing", data["title"])

	out.Reset()
	require.Equal(t, 0, run(context.Background(), []string{"export", "--lang", "ja", "INC-1"}, nil, &out, &errOut, getenv), errOut.String())
	require.Contains(t, out.String(), "# ポストモーテム: INC-1 Checkout is failing", "md, the default format, in Japanese")
	require.Contains(t, out.String(), "記録係 | carol")
}

// TestConsoleBadFlags: --speed and --lang are checked.
func TestConsoleBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--speed", "0"}, {"--speed", "NaN"}, {"--speed", "100000"}, {"--lang", "fr"}} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"console"}, args...), strings.NewReader(""), &out, &errOut, nil)
		require.Equal(t, 1, code, "%v", args)
		require.Contains(t, errOut.String(), args[0]+" must be")
	}
}

// TestExportUsage: export takes one incident ID and checks its flags
// before it opens anything.
func TestExportUsage(t *testing.T) {
	var errOut bytes.Buffer
	require.Equal(t, 2, run(context.Background(), []string{"export"}, nil, io.Discard, &errOut, nil))
	require.Contains(t, errOut.String(), "usage: warroom export INC-42")
	for args, want := range map[string]string{
		"INC-1 --format xml": `--format must be md or json, got "xml"`,
		"INC-1 --lang fr":    `--lang must be ja or en, got "fr"`,
		"nope":               `"nope" is not an incident ID such as INC-42`,
	} {
		errOut.Reset()
		require.Equal(t, 1, run(context.Background(), append([]string{"export"}, strings.Fields(args)...), nil, io.Discard, &errOut, nil), args)
		require.Equal(t, "warroom: "+want+"\n", errOut.String())
	}
}

// TestHealthcheck: exit 0 when the local /healthz on the configured port
// answers 200, 1 with the reason otherwise.
func TestHealthcheck(t *testing.T) {
	var status atomic.Int64
	status.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	env := func(addr string) func(string) string {
		return func(k string) string {
			if k == "WARROOM_ADDR" {
				return addr
			}
			return ""
		}
	}
	var errOut bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"healthcheck"}, nil, io.Discard, &errOut, env(":"+port)), errOut.String())
	status.Store(http.StatusServiceUnavailable)
	require.Equal(t, 1, run(context.Background(), []string{"healthcheck"}, nil, io.Discard, &errOut, env(":"+port)))
	require.Equal(t, "healthcheck: status 503\n", errOut.String())
	require.Equal(t, 1, run(context.Background(), []string{"healthcheck"}, nil, io.Discard, &errOut, env(":1")))
}

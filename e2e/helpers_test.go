package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/app"
	"github.com/warroomhq/warroom/config"
)

// maxBody is the body limit app sets on every endpoint (1 MiB).
const maxBody = 1 << 20

// testEnv is a process environment for app.LoadConfig: the real Redis of
// REDIS_URL when set (CI), else a miniredis of the test's own, and a fresh
// key prefix either way, so console and serve runs of one test share
// their data.
func testEnv(t testing.TB, extra map[string]string) func(string) string {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = "redis://" + miniredis.RunT(t).Addr()
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	prefix := "test:main:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() { deleteKeys(t, url, prefix) })
	vars := map[string]string{"REDIS_URL": url, "WARROOM_REDIS_PREFIX": prefix, "WARROOM_LANG": "en"}
	for k, v := range extra {
		vars[k] = v
	}
	if vars["WARROOM_API_TOKEN"] == "" {
		// serve refuses an open API unless asked; these tests read it so.
		vars["WARROOM_API_OPEN"] = "true"
	}
	return func(k string) string { return vars[k] }
}

func deleteKeys(t testing.TB, url, prefix string) {
	opts, err := redis.ParseURL(url)
	require.NoError(t, err)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}

// loadConfig is what the warroom command does first: the configuration
// file at path (or WARROOM_CONFIG) under getenv, checked against app's
// tables.
func loadConfig(t testing.TB, path string, getenv func(string) string) *config.Config {
	t.Helper()
	cfg, err := app.LoadConfig(path, getenv)
	require.NoError(t, err)
	return cfg
}

// stopped reports whether a subcommand's error is a clean stop, as the
// warroom command decides its exit code.
func stopped(err error) bool { return err == nil || errors.Is(err, context.Canceled) }

// runConsole runs `warroom console` on the script, as user, with the
// configuration getenv gives, and returns the transcript.
func runConsole(t testing.TB, getenv func(string) string, term app.Terminal, script string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	term.In, term.Out = strings.NewReader(script), &out
	if term.Speed == 0 {
		term.Speed = 1
	}
	cfg := loadConfig(t, "", getenv)
	err := app.Console(context.Background(), cfg, app.NewLogger(io.Discard, "warn", "", false), term, app.Options{})
	return out.String(), err
}

// export runs `warroom export`.
func export(t testing.TB, getenv func(string) string, ref, format string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cfg := loadConfig(t, "", getenv)
	err := app.Export(context.Background(), cfg, app.NewLogger(io.Discard, "warn", "", false), app.Draft{Ref: ref, Format: format, Out: &out})
	return out.String(), err
}

// startServe runs `warroom serve` in-process on a free port (or on
// WARROOM_ADDR when getenv sets it) until stop,
// which also asserts a clean stop (as on SIGTERM).
func startServe(t *testing.T, getenv func(string) string) (base string, stop func()) {
	t.Helper()
	env := func(k string) string {
		if k == "WARROOM_ADDR" && getenv(k) == "" {
			return "127.0.0.1:0"
		}
		return getenv(k)
	}
	cfg := loadConfig(t, "", env)
	addr := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logs := &syncWriter{w: &bytes.Buffer{}}
	go func() {
		done <- app.Serve(ctx, cfg, app.NewLogger(logs, cfg.LogLevel, "", true), app.Options{OnListen: func(a string) { addr <- a }})
	}()
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-done:
		cancel()
		t.Fatalf("serve stopped: %v: %s", err, logs.String())
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	return base, func() {
		cancel()
		select {
		case err := <-done:
			require.True(t, stopped(err), "serve stops cleanly after draining: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop")
		}
		require.NotContains(t, logs.String(), "s3cret-token", "no secret in any log line")
	}
}

func getJSON(t testing.TB, url, token string, v any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, "application/json; charset=utf-8", res.Header.Get("Content-Type"))
	require.NoError(t, json.NewDecoder(res.Body).Decode(v))
	return res.StatusCode
}

func inOrder(t *testing.T, s string, parts ...string) {
	t.Helper()
	at := 0
	for _, p := range parts {
		i := strings.Index(s[at:], p)
		require.GreaterOrEqual(t, i, 0, "%q missing or out of order in:\n%s", p, s)
		at += i + len(p)
	}
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// syncWriter lets the server's logger and the test share one buffer.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

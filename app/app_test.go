package app

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/store"
)

// TestReadyzWhenRedisIsDown: /readyz says not ready while Redis does not
// answer.
func TestReadyzWhenRedisIsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	st, err := store.New(rdb, store.Options{})
	require.NoError(t, err)
	router := bot.NewRouter(bot.Options{})
	t.Cleanup(func() { _ = router.Close(context.Background()) })
	svc, err := handlers.New(st, router, handlers.Options{})
	require.NoError(t, err)
	c := &core{store: st, svc: svc, router: router, metrics: newMetrics(st, nil)}
	cfg := config.Default()
	rec := httptest.NewRecorder()
	routes(c, cfg, nil, nil, zap.NewNop()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Contains(t, rec.Body.String(), "redis is not reachable")
}

// TestOpenSpool: a configured path is used as is; without one, each
// process on the host gets a default file of its own in the temporary
// directory (store.OpenSpoolIn).
func TestOpenSpool(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	cfg := config.Default()
	a, err := openSpool(cfg, zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	require.Equal(t, filepath.Join(dir, "warroom-spool.jsonl"), a.Path())
	b, err := openSpool(cfg, zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	require.Equal(t, filepath.Join(dir, "warroom-spool-2.jsonl"), b.Path())

	cfg.Spool.Path = filepath.Join(dir, "mine", "spool.jsonl")
	c, err := openSpool(cfg, zap.NewNop())
	require.NoError(t, err)
	require.Equal(t, cfg.Spool.Path, c.Path())
	_, err = openSpool(cfg, zap.NewNop())
	require.ErrorIs(t, err, store.ErrSpoolLocked, "a configured path is never shared")
	require.ErrorContains(t, err, "WARROOM_SPOOL_PATH")
	require.NoError(t, c.Close())
}

// TestOpenSpoolAllInUse: when every default file is held, the error says
// how to choose one.
func TestOpenSpoolAllInUse(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	cfg := config.Default()
	for range maxSpoolSlots {
		sp, err := openSpool(cfg, zap.NewNop())
		require.NoError(t, err)
		t.Cleanup(func() { _ = sp.Close() })
	}
	_, err := openSpool(cfg, zap.NewNop())
	require.EqualError(t, err, "timeline spool: the 16 default files in "+dir+" are all in use; set spool.path or WARROOM_SPOOL_PATH")
}

package store_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

const secret = "s3cret"

func TestDialBadURL(t *testing.T) {
	for _, url := range []string{
		"",
		"ftp://user:" + secret + "@127.0.0.1:6379",
		"redis://user:" + secret + "@127.0.0.1:notaport",
		"redis://user:" + secret + "@127.0.0.1:6379/notadb",
		"redis://user:" + secret + "@127.0.0.1:6379?bogus=1",
		"redis://user:" + secret + "@127.0.0.1:6379?addr=nohostport",
		"redis://user:" + secret + "@127.0.0.1:6379?master_name=m&db=x",
		"redis://user:" + secret + "@[::1",
		"redis://user:" + secret + "@127.0.0.1:6379?password=" + secret + "&dial_timeout=abc",
	} {
		t.Run(url, func(t *testing.T) {
			rdb, err := store.Dial(context.Background(), url)
			require.Error(t, err)
			require.Nil(t, rdb)
			require.NotContains(t, err.Error(), secret)
			require.NotErrorIs(t, err, bot.ErrUnavailable, "a bad URL will not pass by itself")
		})
	}
}

func TestDialUnreachable(t *testing.T) {
	addr := closedAddr(t)
	for _, url := range []string{
		"redis://user:" + secret + "@127.0.0.1:1",
		"redis://user:" + secret + "@" + addr,
		"rediss://:" + secret + "@" + addr + "/2",
		"redis://user:" + secret + "@" + addr + "?addr=" + addr,                     // cluster
		"redis://user:" + secret + "@" + addr + "?master_name=m&password=" + secret, // sentinel
	} {
		t.Run(url, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			rdb, err := store.Dial(ctx, url)
			require.Error(t, err)
			require.Nil(t, rdb)
			require.NotContains(t, err.Error(), secret)
			require.Contains(t, err.Error(), "127.0.0.1:", "names where it tried")
			require.ErrorIs(t, err, bot.ErrUnavailable)
		})
	}
}

func TestDialWrongPassword(t *testing.T) {
	m := miniredis.RunT(t)
	m.RequireAuth("right-password")
	_, err := store.Dial(context.Background(), "redis://:"+secret+"@"+m.Addr())
	require.Error(t, err)
	require.NotContains(t, err.Error(), secret)
}

func TestDial(t *testing.T) {
	m := miniredis.RunT(t)
	m.RequireAuth(secret)
	rdb, err := store.Dial(context.Background(), "redis://:"+secret+"@"+m.Addr()+"/0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = rdb.Close() })
	require.NoError(t, rdb.Set(context.Background(), "k", "v", 0).Err())
	require.Equal(t, "v", mustGet(t, m, "k"), "the client talks to that server")
}

func mustGet(t *testing.T, m *miniredis.Miniredis, key string) string {
	t.Helper()
	v, err := m.Get(key)
	require.NoError(t, err)
	return v
}

// closedAddr returns a local address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

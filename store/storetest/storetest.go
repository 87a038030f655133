// Package storetest gives tests a store.Store of their own: on the Redis
// named by the REDIS_URL environment variable when it is set, else on an
// in-process miniredis. Each Store gets a fresh key prefix and everything
// under it is deleted when the test ends, so tests may share one Redis.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/warroomhq/warroom/store"
)

// New returns a Store on a fresh key prefix ("test:<name>:<8 hex>:"), on
// REDIS_URL when that environment variable is set (via store.Dial), else on
// an in-process miniredis. A t.Cleanup deletes every key under the prefix
// (on every master of a cluster) and closes the client.
func New(t testing.TB) *store.Store {
	t.Helper()
	return NewWithOptions(t, store.Options{})
}

// NewWithOptions is New with opts; opts.Prefix is replaced by the fresh
// prefix and a nil opts.Log by a logger writing warnings to t.
func NewWithOptions(t testing.TB, opts store.Options) *store.Store {
	t.Helper()
	rdb := client(t)
	opts.Prefix = prefix(t)
	if opts.Log == nil {
		opts.Log = zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	}
	s, err := store.New(rdb, opts)
	if err != nil {
		_ = rdb.Close()
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		if err := deleteAll(rdb, opts.Prefix); err != nil {
			t.Errorf("storetest: delete keys %s*: %v", opts.Prefix, err)
		}
		_ = rdb.Close()
	})
	return s
}

func client(t testing.TB) redis.UniversalClient {
	url := os.Getenv("REDIS_URL")
	if url == "" {
		return redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rdb, err := store.Dial(ctx, url)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return rdb
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// prefix makes "test:<name>:<8 hex>:" with name free of glob and hash-tag
// characters, so SCAN MATCH prefix* matches exactly this test's keys.
func prefix(t testing.TB) string {
	name := unsafe.ReplaceAllString(t.Name(), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "test:" + name + ":" + hex.EncodeToString(b) + ":"
}

func deleteAll(rdb redis.UniversalClient, prefix string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			return deleteOn(ctx, c, prefix)
		})
	}
	return deleteOn(ctx, rdb, prefix)
}

// deleteOn deletes the keys matching prefix* on one node, one key per
// command so that keys of different slots never meet.
func deleteOn(ctx context.Context, c redis.Cmdable, prefix string) error {
	iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return err
	}
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, k)
		}
		return nil
	})
	return err
}

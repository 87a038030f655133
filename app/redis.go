package app

import (
	"context"
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/config"
	"github.com/warroomhq/warroom/store"
)

// openRedis connects to REDIS_URL, failing fast when it cannot be reached,
// or starts an in-process Redis that keeps data in memory only. The
// function it returns closes the client (and the embedded Redis).
func openRedis(ctx context.Context, cfg *config.Config, log *zap.Logger) (redis.UniversalClient, func(), error) {
	redis.SetLogger(redisLog{log.Named("redis")})
	if url := cfg.Redis.URL.Reveal(); url != "" {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		rdb, err := store.Dial(dctx, url)
		if err != nil {
			return nil, nil, fmt.Errorf("redis (REDIS_URL) cannot be reached: %w", err)
		}
		return rdb, func() { _ = rdb.Close() }, nil
	}
	mr, err := miniredis.Run()
	if err != nil {
		return nil, nil, fmt.Errorf("start embedded redis: %w", err)
	}
	log.Warn("REDIS_URL is not set: using an embedded in-memory Redis; incidents are lost when Warroom stops")
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	return rdb, func() { _ = rdb.Close(); mr.Close() }, nil
}

// redisLog sends go-redis's own messages (reconnects, pool trouble) to zap
// instead of the standard logger.
type redisLog struct{ log *zap.Logger }

func (l redisLog) Printf(_ context.Context, format string, v ...any) {
	l.log.Warn(fmt.Sprintf(format, v...))
}

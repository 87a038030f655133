package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrBadKey is returned for an empty key or ID.
var ErrBadKey = errors.New("empty key")

// CachedUser returns what CacheUser stored for a platform's user; ok is
// false when nothing is cached (or it expired).
func (s *Store) CachedUser(ctx context.Context, platform, id string) (name, locale string, ok bool, err error) {
	if platform == "" || id == "" {
		return "", "", false, ErrBadKey
	}
	vals, err := s.rdb.HGetAll(ctx, s.userKey(platform, id)).Result()
	if err != nil {
		return "", "", false, fmt.Errorf("cached user %s/%s: %w", platform, id, unavailable(err))
	}
	if len(vals) == 0 {
		return "", "", false, nil
	}
	return vals["name"], vals["locale"], true, nil
}

// CacheUser remembers a platform user's display name and locale for ttl.
func (s *Store) CacheUser(ctx context.Context, platform, id, name, locale string, ttl time.Duration) error {
	if platform == "" || id == "" || ttl <= 0 {
		return ErrBadKey
	}
	key := s.userKey(platform, id)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, "name", name, "locale", locale)
		p.Expire(ctx, key, ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("cache user %s/%s: %w", platform, id, unavailable(err))
	}
	return nil
}

func (s *Store) userKey(platform, id string) string {
	return s.prefix + "user:" + platform + ":" + id
}

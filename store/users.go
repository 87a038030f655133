package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warroomhq/warroom/bot"
)

// ErrBadKey is returned for an empty key or ID.
var ErrBadKey = errors.New("empty key")

// CachedUser returns what CacheUser stored for a platform's user; ok is
// false when nothing is cached (or it expired). What Redis answered is
// kept in this process for up to a minute, so the person who writes a
// hundred messages in that minute is read from Redis once.
func (s *Store) CachedUser(ctx context.Context, platform, id string) (p bot.Profile, ok bool, err error) {
	if platform == "" || id == "" {
		return bot.Profile{}, false, ErrBadKey
	}
	key := s.userKey(platform, id)
	if u, ok := s.users.get(key); ok {
		return u.Profile, true, nil
	}
	vals, err := s.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return bot.Profile{}, false, fmt.Errorf("cached user %s/%s: %w", platform, id, unavailable(err))
	}
	if len(vals) == 0 {
		return bot.Profile{}, false, nil
	}
	p = bot.Profile{Name: vals["name"], Locale: vals["locale"], TZ: vals["tz"]}
	s.users.put(key, p, localUserTTL)
	return p, true, nil
}

// CacheUser remembers what a platform told of a user (display name,
// locale, time zone) for ttl.
func (s *Store) CacheUser(ctx context.Context, platform, id string, p bot.Profile, ttl time.Duration) error {
	if platform == "" || id == "" || ttl <= 0 {
		return ErrBadKey
	}
	key := s.userKey(platform, id)
	_, err := s.rdb.TxPipelined(ctx, func(pl redis.Pipeliner) error {
		pl.HSet(ctx, key, "name", p.Name, "locale", p.Locale, "tz", p.TZ)
		pl.Expire(ctx, key, ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("cache user %s/%s: %w", platform, id, unavailable(err))
	}
	s.users.put(key, p, min(ttl, localUserTTL))
	return nil
}

func (s *Store) userKey(platform, id string) string {
	return s.prefix + "user:" + platform + ":" + id
}

// The in-process layer of the user cache: how long an entry is trusted
// without asking Redis, and how many are kept (beyond that the layer
// starts again empty; Redis still has them all).
const (
	localUserTTL  = time.Minute
	maxLocalUsers = 10000
)

type localUser struct {
	bot.Profile
	until time.Time
}

type userLayer struct {
	mu sync.Mutex
	m  map[string]localUser
}

func (l *userLayer) get(key string) (localUser, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	u, ok := l.m[key]
	if ok && time.Now().After(u.until) {
		delete(l.m, key)
		ok = false
	}
	return u, ok
}

func (l *userLayer) put(key string, p bot.Profile, ttl time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil || len(l.m) >= maxLocalUsers {
		l.m = make(map[string]localUser)
	}
	l.m[key] = localUser{Profile: p, until: time.Now().Add(ttl)}
}

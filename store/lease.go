package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// leaseScript takes the lease when it is free and renews it when holder
// already has it, atomically.
var leaseScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`)

// Lease gives the named lease to holder for ttl, or renews it if holder
// has it: scheduled work (reminders) runs on the one replica holding it.
// It reports whether holder has the lease now.
func (s *Store) Lease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return false, ErrBadKey
	}
	n, err := leaseScript.Run(ctx, s.rdb, []string{s.prefix + "lease:" + name}, holder, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, unavailable(err))
	}
	return n == 1, nil
}

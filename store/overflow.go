package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warroomhq/warroom/bot"
)

// Overflow is one router's bot.Overflow in Redis: a list per shard,
// <p>overflow:{<owner>}:<shard>, named by the process that owns the
// router (see Store.Overflow). The owner's lists share its slot, and are
// indexed twice, so that another process can find them once the owner's
// heartbeat (<p>alive:<owner>) expired: <p>overflow:{<owner>} is the set
// of its shards and <p>overflows the set of owners.
type Overflow struct {
	s     *Store
	owner string
	// max bounds each shard's list (MaxOverflow; tests lower it).
	max int
}

var _ bot.Overflow = (*Overflow)(nil)

// Overflow returns the overflow of the router run by the process named
// owner; the process sends its Heartbeat under that name, so that
// AdoptOverflows leaves its events alone while it runs.
func (s *Store) Overflow(owner string) (*Overflow, error) {
	if owner == "" {
		return nil, fmt.Errorf("overflow: %w", ErrBadKey)
	}
	return &Overflow{s: s, owner: owner, max: MaxOverflow}, nil
}

// Push appends events to shard's list. The indexes are written first, in
// the same round trip: an index entry without a list is harmless, a list
// nobody can find would be lost with its owner.
func (o *Overflow) Push(ctx context.Context, shard int, events [][]byte) error {
	if len(events) == 0 {
		return nil
	}
	vals := make([]any, len(events))
	for i, e := range events {
		vals[i] = e
	}
	var pushed *redis.Cmd
	_, err := o.s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, o.s.overflowsKey(), o.owner)
		p.SAdd(ctx, o.s.overflowShardsKey(o.owner), shard)
		pushed = pushOverflowScript.Eval(ctx, p, []string{o.s.overflowKey(o.owner, shard)}, append([]any{o.max}, vals...)...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("overflow push: %w", unavailable(err))
	}
	if n, _ := pushed.Int(); n == 0 {
		return ErrOverflowFull
	}
	return nil
}

// MaxOverflow bounds one shard's list: a worker that stays stuck (a
// handler hanging on a dead dependency) must not fill Redis. It is
// twice a 50,000-message burst into one channel; past it, Push refuses
// (the router then answers busy, and Slack delivers again later).
const MaxOverflow = 100000

// ErrOverflowFull is Push's refusal of a shard whose list holds
// MaxOverflow events.
var ErrOverflowFull = errors.New("overflow push: the shard's list is full")

// pushOverflowScript appends ARGV[2..] to KEYS[1] unless that would take
// it past ARGV[1] events: 1 when appended, 0 when refused (nothing
// appended). RPUSH takes at most 1,000 values at a time, within Lua's
// stack for unpack.
var pushOverflowScript = redis.NewScript(`
local n = #ARGV - 1
if redis.call('LLEN', KEYS[1]) + n > tonumber(ARGV[1]) then
  return 0
end
for i = 2, #ARGV, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
return 1
`)

// Pop removes and returns up to n events from the head of shard's list.
func (o *Overflow) Pop(ctx context.Context, shard int, n int) ([][]byte, error) {
	return o.s.popOverflow(ctx, o.s.overflowKey(o.owner, shard), n)
}

func (s *Store) popOverflow(ctx context.Context, key string, n int) ([][]byte, error) {
	vals, err := s.rdb.LPopCount(ctx, key, n).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("overflow pop: %w", unavailable(err))
	}
	out := make([][]byte, len(vals))
	for i, v := range vals {
		out[i] = []byte(v)
	}
	return out, nil
}

// overflowBatch is how many events AdoptOverflows takes at a time.
const overflowBatch = 256

// AdoptOverflows hands the events that processes which died left in their
// overflows to adopt, oldest first by shard: owners other than self whose
// heartbeat expired, one adopter at a time (a lease per dead owner, held
// for ttl). adopt returns how many of a batch it took; the rest go back
// to the head of their list, and AdoptOverflows returns adopt's error.
// An owner whose lists are all empty leaves the indexes. It returns how
// many events were adopted.
func (s *Store) AdoptOverflows(ctx context.Context, self string, ttl time.Duration, adopt func([][]byte) (int, error)) (int, error) {
	owners, err := s.rdb.SMembers(ctx, s.overflowsKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("overflows: %w", unavailable(err))
	}
	total := 0
	for _, owner := range owners {
		if owner == self {
			continue
		}
		alive, err := s.Alive(ctx, owner)
		if err != nil {
			return total, err
		}
		if alive {
			continue
		}
		if ok, err := s.Lease(ctx, "overflow:"+owner, self, ttl); err != nil || !ok {
			if err != nil {
				return total, err
			}
			continue
		}
		n, err := s.adoptOwner(ctx, owner, adopt)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// adoptOwner drains every shard list of the dead owner into adopt, then
// removes the owner from the indexes.
func (s *Store) adoptOwner(ctx context.Context, owner string, adopt func([][]byte) (int, error)) (int, error) {
	shards, err := s.rdb.SMembers(ctx, s.overflowShardsKey(owner)).Result()
	if err != nil {
		return 0, fmt.Errorf("overflow of %s: %w", owner, unavailable(err))
	}
	total := 0
	for _, v := range shards {
		shard, err := strconv.Atoi(v)
		if err != nil {
			continue
		}
		key := s.overflowKey(owner, shard)
		for {
			batch, err := s.popOverflow(ctx, key, overflowBatch)
			if err != nil {
				return total, err
			}
			if len(batch) == 0 {
				break
			}
			n, aerr := adopt(batch)
			total += n
			if rest := batch[n:]; len(rest) > 0 {
				back := make([]any, len(rest))
				for i, e := range slices.Backward(rest) {
					back[len(rest)-1-i] = e
				}
				if err := s.rdb.LPush(ctx, key, back...).Err(); err != nil {
					return total, fmt.Errorf("overflow of %s: put back %d events: %w", owner, len(rest), unavailable(err))
				}
			}
			if aerr != nil {
				return total, fmt.Errorf("adopt overflow of %s: %w", owner, aerr)
			}
		}
	}
	if err := s.rdb.Del(ctx, s.overflowShardsKey(owner)).Err(); err != nil {
		return total, fmt.Errorf("overflow of %s: %w", owner, unavailable(err))
	}
	if err := s.rdb.SRem(ctx, s.overflowsKey(), owner).Err(); err != nil {
		return total, fmt.Errorf("overflow of %s: %w", owner, unavailable(err))
	}
	return total, nil
}

func (s *Store) overflowsKey() string { return s.prefix + "overflows" }
func (s *Store) overflowShardsKey(owner string) string {
	return s.prefix + "overflow:{" + owner + "}"
}
func (s *Store) overflowKey(owner string, shard int) string {
	return s.prefix + "overflow:{" + owner + "}:" + strconv.Itoa(shard)
}

package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// DefaultPrefix is the key prefix used when Options.Prefix is empty.
const DefaultPrefix = "warroom:"

// maxAttempts bounds the optimistic-locking retries of one Update or Create.
const maxAttempts = 100

// ErrExists is returned (wrapped) by Create when the incident ID is taken.
var ErrExists = errors.New("incident exists")

// ErrConflict is returned (wrapped) when an optimistic transaction lost to
// concurrent writers on every attempt; the caller may try again later.
var ErrConflict = errors.New("too many concurrent writers")

// Options configure a Store. The zero value is usable.
type Options struct {
	// Prefix starts every key; default DefaultPrefix. It may not contain
	// '{' or '}' (the incident's hash tag must be the first in its keys).
	Prefix string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// TimelineMaxLen, when > 0, caps each timeline approximately
	// (XADD MAXLEN ~); 0 keeps every entry.
	TimelineMaxLen int64
	// Log receives warnings about index maintenance; default zap.NewNop().
	Log *zap.Logger
}

// Store reads and writes incidents in Redis. It is safe for concurrent use
// and holds no state another replica would need.
type Store struct {
	rdb     redis.UniversalClient
	prefix  string
	now     func() time.Time
	maxLen  int64
	log     *zap.Logger
	metrics *collector
	users   userLayer
}

// New returns a Store on rdb. It fails when rdb is nil or opts are invalid;
// it does not contact Redis (see Ping).
func New(rdb redis.UniversalClient, opts Options) (*Store, error) {
	if rdb == nil {
		return nil, errors.New("new store: nil redis client")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, fmt.Errorf("new store: prefix %q may not contain '{' or '}'", opts.Prefix)
	}
	if opts.TimelineMaxLen < 0 {
		return nil, fmt.Errorf("new store: negative timeline max length %d", opts.TimelineMaxLen)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	s := &Store{
		rdb:    rdb,
		prefix: opts.Prefix,
		now:    opts.Now,
		maxLen: opts.TimelineMaxLen,
		log:    opts.Log,
	}
	s.metrics = newCollector(s)
	return s, nil
}

// Client returns the Redis client the Store was made with; closing it is
// the caller's business.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// Prefix is the prefix of every key of the Store: another process (a
// replica) on the same prefix shares its data.
func (s *Store) Prefix() string { return s.prefix }

// Ping checks that Redis answers; its error wraps bot.ErrUnavailable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", unavailable(err))
	}
	return nil
}

// NextID allocates the next incident number from a global sequence (INCR):
// 1, 2, 3, ... never the same twice, even across replicas.
func (s *Store) NextID(ctx context.Context) (int64, error) {
	id, err := s.rdb.Incr(ctx, s.seqKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("next incident id: %w", unavailable(err))
	}
	return id, nil
}

// MarkSeen records that an inbound delivery with this key was handled
// (SET NX with ttl, which must be positive); first is true only for the
// first caller while the key lives. Used to drop duplicate deliveries.
func (s *Store) MarkSeen(ctx context.Context, key string, ttl time.Duration) (first bool, err error) {
	if key == "" {
		return false, errors.New("mark seen: empty key")
	}
	if ttl <= 0 {
		return false, fmt.Errorf("mark seen %q: ttl %v must be positive", key, ttl)
	}
	first, err = s.rdb.SetNX(ctx, s.seenKey(key), "1", ttl).Result()
	if err != nil {
		return false, fmt.Errorf("mark seen %q: %w", key, unavailable(err))
	}
	return first, nil
}

// MarkSeenAll is MarkSeen for many keys in one pipeline (one round trip;
// a cluster client splits it per node): first[i] is true only for the
// first caller for keys[i]. A key repeated within keys is first once.
func (s *Store) MarkSeenAll(ctx context.Context, keys []string, ttl time.Duration) (first []bool, err error) {
	if ttl <= 0 {
		return nil, fmt.Errorf("mark seen: ttl %v must be positive", ttl)
	}
	for _, k := range keys {
		if k == "" {
			return nil, errors.New("mark seen: empty key")
		}
	}
	cmds := make([]*redis.BoolCmd, len(keys))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.SetNX(ctx, s.seenKey(k), "1", ttl)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mark %d keys seen: %w", len(keys), unavailable(err))
	}
	first = make([]bool, len(keys))
	for i, c := range cmds {
		first[i] = c.Val()
	}
	return first, nil
}

func (s *Store) seqKey() string            { return s.prefix + "seq:incident" }
func (s *Store) allKey() string            { return s.prefix + "incidents:all" }
func (s *Store) openKey() string           { return s.prefix + "incidents:open" }
func (s *Store) seenKey(key string) string { return s.prefix + "seen:" + key }
func (s *Store) recordKey(id int64) string {
	return s.prefix + "inc:{" + strconv.FormatInt(id, 10) + "}"
}
func (s *Store) timelineKey(id int64) string { return s.recordKey(id) + ":timeline" }

func (s *Store) channelKey(platform, channelID string) string {
	return s.prefix + "channel:" + platform + ":" + channelID
}

// unavailable marks an error from the Redis client as a (possibly passing)
// storage failure. redis.Nil and redis.TxFailedErr are answers, not
// failures, and pass unchanged, as does an error already marked.
//
// A reply Redis gave (ERR, WRONGTYPE...) is a bug or bad data, not an
// outage, and is not marked, except for the replies of a server that is
// starting, failing over or resharding.
func unavailable(err error) error {
	if err == nil || errors.Is(err, redis.Nil) || errors.Is(err, redis.TxFailedErr) ||
		errors.Is(err, bot.ErrUnavailable) {
		return err
	}
	var reply redis.Error
	if errors.As(err, &reply) && !transientReply(reply.Error()) {
		return err
	}
	return fmt.Errorf("%w: %w", bot.ErrUnavailable, err)
}

// transientReply reports replies that pass by themselves.
func transientReply(msg string) bool {
	for _, prefix := range []string{"LOADING", "CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN", "READONLY", "BUSY", "MOVED", "ASK"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

// watch runs fn under WATCH key, retrying with jittered backoff while the
// transaction fails because the key changed. Errors fn returns pass
// unchanged (fn marks client errors itself); errors of the WATCH itself are
// marked unavailable.
func (s *Store) watch(ctx context.Context, key string, fn func(tx *redis.Tx) error) error {
	for attempt := range maxAttempts {
		var fnErr error
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			fnErr = fn(tx)
			return fnErr
		}, key)
		if !errors.Is(err, redis.TxFailedErr) {
			if err != nil && err != fnErr {
				return unavailable(err)
			}
			return err
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return err
		}
	}
	// Shown to people as "busy, try again": nothing was written.
	return bot.Wrap(bot.CodeBusy, fmt.Errorf("%d attempts: %w", maxAttempts, ErrConflict))
}

// backoff grows with the attempt, up to 20ms, with full jitter so that
// contenders spread out.
func backoff(attempt int) time.Duration {
	d := min(time.Duration(attempt+1)*time.Millisecond, 20*time.Millisecond)
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

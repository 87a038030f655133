package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// PendingDeclaration is the intent to open an incident, written before the
// slow steps (creating the channel, recording the incident, posting the
// card) and removed once they are done, so that a replica that dies half-way
// leaves a trace another replica can finish or report.
type PendingDeclaration struct {
	ID int64 `json:"id"`
	// Owner names the process that is declaring; see Heartbeat.
	Owner    string `json:"-"`
	Platform string `json:"platform"`
	// User declared the incident (an alert's pseudo-user for alerts); Origin
	// is the channel they declared from and Lang the language they were
	// answered in: enough to tell them how it ended.
	User   bot.User `json:"user"`
	Origin string   `json:"origin,omitempty"`
	Lang   string   `json:"lang,omitempty"`
	// Channel is the channel once it was created (SetPendingChannel), zero
	// before.
	Channel bot.Channel `json:"-"`
	// Spec is the declaration itself, in the handlers' terms; the store
	// does not look inside.
	Spec      json.RawMessage `json:"spec,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// Fields of the <p>pending:{<id>} hash.
const (
	pendingData    = "data"
	pendingOwner   = "owner"
	pendingChannel = "channel"
)

// BeginDeclare records a pending declaration: the hash <p>pending:{<id>}
// (in the incident's slot), then its entry in the <p>pending index. The
// index is in another slot and is written second: a hash without an index
// entry is harmless (EndDeclare deletes it); an index entry without its hash
// is dropped by PendingDeclarations.
func (s *Store) BeginDeclare(ctx context.Context, p PendingDeclaration) error {
	if p.ID <= 0 || p.Owner == "" {
		return fmt.Errorf("begin declaring %d: %w", p.ID, ErrBadKey)
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.now()
	}
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("begin declaring %d: %w", p.ID, err)
	}
	key := s.pendingKey(p.ID)
	if err := s.rdb.HSet(ctx, key, pendingData, data, pendingOwner, p.Owner).Err(); err != nil {
		return fmt.Errorf("begin declaring %d: %w", p.ID, unavailable(err))
	}
	z := redis.Z{Score: float64(p.CreatedAt.UnixMilli()), Member: p.ID}
	if err := s.rdb.ZAdd(ctx, s.pendingIndexKey(), z).Err(); err != nil {
		return fmt.Errorf("begin declaring %d: index: %w", p.ID, unavailable(err))
	}
	return nil
}

// setIfExistsScript sets a field of a hash that still exists: a declaration
// another replica ended must not come back.
var setIfExistsScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`)

// SetPendingChannel records the channel created for pending declaration id,
// so that whoever finishes it uses that channel rather than creating
// another. A declaration already ended is left alone.
func (s *Store) SetPendingChannel(ctx context.Context, id int64, ch bot.Channel) error {
	b, err := json.Marshal(ch)
	if err != nil {
		return fmt.Errorf("pending declaration %d: %w", id, err)
	}
	if err := setIfExistsScript.Run(ctx, s.rdb, []string{s.pendingKey(id)}, pendingChannel, b).Err(); err != nil {
		return fmt.Errorf("pending declaration %d: channel: %w", id, unavailable(err))
	}
	return nil
}

// takeOverScript hands a pending declaration from one owner to another,
// only if the first still owns it.
var takeOverScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`)

// TakeOverDeclaration makes to the owner of pending declaration id if from
// still owns it, and reports whether it did: of two replicas finishing the
// declaration of a dead one, one wins.
func (s *Store) TakeOverDeclaration(ctx context.Context, id int64, from, to string) (bool, error) {
	if to == "" {
		return false, ErrBadKey
	}
	n, err := takeOverScript.Run(ctx, s.rdb, []string{s.pendingKey(id)}, pendingOwner, from, to).Int()
	if err != nil {
		return false, fmt.Errorf("take over declaration %d: %w", id, unavailable(err))
	}
	return n == 1, nil
}

// EndDeclare removes pending declaration id, done or given up: the hash,
// then its index entry.
func (s *Store) EndDeclare(ctx context.Context, id int64) error {
	if err := s.rdb.Del(ctx, s.pendingKey(id)).Err(); err != nil {
		return fmt.Errorf("end declaring %d: %w", id, unavailable(err))
	}
	if err := s.rdb.ZRem(ctx, s.pendingIndexKey(), id).Err(); err != nil {
		return fmt.Errorf("end declaring %d: index: %w", id, unavailable(err))
	}
	return nil
}

// PendingDeclarations returns up to limit pending declarations begun at or
// before `before`, oldest first. Index entries whose hash is gone (a
// declaration ended between the two writes) are removed on the way.
func (s *Store) PendingDeclarations(ctx context.Context, before time.Time, limit int) ([]PendingDeclaration, error) {
	if limit <= 0 {
		limit = 100
	}
	ids, err := s.rdb.ZRangeByScore(ctx, s.pendingIndexKey(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(before.UnixMilli(), 10), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("pending declarations: %w", unavailable(err))
	}
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	// Each hash is in its own slot: a plain pipeline, which a cluster
	// client splits by node.
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, v := range ids {
			id, _ := strconv.ParseInt(v, 10, 64)
			cmds[i] = p.HGetAll(ctx, s.pendingKey(id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("pending declarations: %w", unavailable(err))
	}
	out := make([]PendingDeclaration, 0, len(ids))
	for i, v := range ids {
		id, perr := strconv.ParseInt(v, 10, 64)
		fields, err := cmds[i].Result()
		if perr != nil || (err == nil && fields[pendingData] == "") {
			s.rdb.ZRem(ctx, s.pendingIndexKey(), v) // stale: repaired, best effort
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("pending declaration %d: %w", id, unavailable(err))
		}
		var p PendingDeclaration
		if err := json.Unmarshal([]byte(fields[pendingData]), &p); err != nil {
			s.log.Warn("drop bad pending declaration", zap.Int64("id", id), zap.Error(err))
			s.rdb.ZRem(ctx, s.pendingIndexKey(), v)
			continue
		}
		p.ID, p.Owner = id, fields[pendingOwner]
		if c := fields[pendingChannel]; c != "" {
			_ = json.Unmarshal([]byte(c), &p.Channel)
		}
		out = append(out, p)
	}
	return out, nil
}

// Heartbeat says that the process named owner is alive for the next ttl;
// it renews this at least that often for as long as it runs.
func (s *Store) Heartbeat(ctx context.Context, owner string, ttl time.Duration) error {
	if owner == "" || ttl <= 0 {
		return ErrBadKey
	}
	if err := s.rdb.Set(ctx, s.aliveKey(owner), "1", ttl).Err(); err != nil {
		return fmt.Errorf("heartbeat: %w", unavailable(err))
	}
	return nil
}

// Alive reports whether the process named owner has sent a heartbeat that
// has not expired.
func (s *Store) Alive(ctx context.Context, owner string) (bool, error) {
	if owner == "" {
		return false, nil
	}
	n, err := s.rdb.Exists(ctx, s.aliveKey(owner)).Result()
	if err != nil {
		return false, fmt.Errorf("alive: %w", unavailable(err))
	}
	return n == 1, nil
}

func (s *Store) pendingKey(id int64) string {
	return s.prefix + "pending:{" + strconv.FormatInt(id, 10) + "}"
}
func (s *Store) pendingIndexKey() string      { return s.prefix + "pending" }
func (s *Store) aliveKey(owner string) string { return s.prefix + "alive:" + owner }

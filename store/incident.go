package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// Create stores a new incident and its first timeline entries atomically
// (one MULTI/EXEC on the incident's slot writes the record and the stream).
// inc.ID must be positive (allocate it with NextID); if it is taken, Create
// writes nothing and fails with an error wrapping ErrExists. Zero CreatedAt
// and UpdatedAt are set to now. Entries with a zero At get now; every stored
// entry gets its stream ID, written back into entries (so a caller passing a
// slice with ... sees them). After the transaction Create adds the incident
// to the indexes of all incidents and of open ones (if inc.Status.Open());
// the channel index (if inc.Channel.ID is set) is written before the
// transaction, and Create fails if it cannot be.
func (s *Store) Create(ctx context.Context, inc *bot.Incident, entries ...bot.TimelineEntry) error {
	if inc == nil {
		return errors.New("create incident: nil incident")
	}
	if inc.ID <= 0 {
		return fmt.Errorf("create incident %d: id must be positive", inc.ID)
	}
	now := s.now().UTC()
	if inc.CreatedAt.IsZero() {
		inc.CreatedAt = now
	}
	if inc.UpdatedAt.IsZero() {
		inc.UpdatedAt = now
	}
	if err := prepareEntries(entries, now); err != nil {
		return fmt.Errorf("create incident %d: %w", inc.ID, err)
	}
	rec, err := json.Marshal(inc)
	if err != nil {
		return fmt.Errorf("create incident %d: %w", inc.ID, err)
	}
	key := s.recordKey(inc.ID)
	// The channel index goes first: an incident whose channel cannot find
	// it would silently lose every message said there. A channel key
	// written for an incident that then fails to commit is harmless:
	// ByChannel treats a key without its record as not found.
	if inc.Channel.ID != "" {
		if err := s.rdb.Set(ctx, s.channelKey(inc.Platform, inc.Channel.ID), inc.ID, 0).Err(); err != nil {
			return fmt.Errorf("create incident %d: index channel: %w", inc.ID, unavailable(err))
		}
	}
	err = s.watch(ctx, key, func(tx *redis.Tx) error {
		n, err := tx.Exists(ctx, key).Result()
		if err != nil {
			return unavailable(err)
		}
		if n > 0 {
			return ErrExists
		}
		return s.commit(ctx, tx, key, rec, inc.ID, entries, true)
	})
	if err != nil {
		return fmt.Errorf("create incident %d: %w", inc.ID, err)
	}
	if !inc.Drill { // a practice incident is no incident to count
		s.metrics.opened.WithLabelValues(priorityLabel(inc.Priority)).Inc()
	}
	s.countEntries(entries)
	s.reindex(ctx, nil, inc)
	return nil
}

// commit writes the record and XADDs entries in one MULTI/EXEC on tx, then
// fills the entries' IDs. A created incident's refers-back and notable
// indexes are marked complete from its start.
func (s *Store) commit(ctx context.Context, tx *redis.Tx, key string, rec []byte, id int64, entries []bot.TimelineEntry, created bool) error {
	var ids []func() string
	_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, key, rec, 0)
		if created {
			p.ZAdd(ctx, s.referringKey(id), redis.Z{Score: 0, Member: referringComplete})
			p.ZAdd(ctx, s.notableKey(id), redis.Z{Score: 0, Member: notableComplete})
		}
		ids = s.addEntries(ctx, p, id, entries)
		return nil
	})
	if err != nil {
		return unavailable(err)
	}
	for i, c := range ids {
		entries[i].ID = c()
	}
	return nil
}

// Get returns the incident with this ID, or an error wrapping bot.ErrNotFound.
func (s *Store) Get(ctx context.Context, id int64) (*bot.Incident, error) {
	inc, err := s.load(ctx, s.rdb, id)
	if err != nil {
		return nil, fmt.Errorf("get incident %d: %w", id, err)
	}
	return inc, nil
}

// load reads and decodes a record through c (the client or a transaction).
func (s *Store) load(ctx context.Context, c redis.Cmdable, id int64) (*bot.Incident, error) {
	raw, err := s.loadRaw(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return decodeIncident(raw)
}

// loadRaw reads a record's JSON; a missing record is bot.ErrNotFound.
func (s *Store) loadRaw(ctx context.Context, c redis.Cmdable, id int64) ([]byte, error) {
	raw, err := c.Get(ctx, s.recordKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, bot.ErrNotFound
	}
	return raw, unavailable(err)
}

func decodeIncident(raw []byte) (*bot.Incident, error) {
	var inc bot.Incident
	if err := json.Unmarshal(raw, &inc); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	return &inc, nil
}

// ByChannel finds the incident whose channel on that platform is channelID,
// or fails with an error wrapping bot.ErrNotFound. A stale index entry
// (the incident has moved to another channel) counts as not found.
func (s *Store) ByChannel(ctx context.Context, platform, channelID string) (*bot.Incident, error) {
	if platform == "" || channelID == "" {
		return nil, fmt.Errorf("incident by channel %s:%s: %w", platform, channelID, bot.ErrNotFound)
	}
	id, err := s.rdb.Get(ctx, s.channelKey(platform, channelID)).Int64()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("incident by channel %s:%s: %w", platform, channelID, bot.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("incident by channel %s:%s: %w", platform, channelID, unavailable(err))
	}
	inc, err := s.load(ctx, s.rdb, id)
	if err == nil && (inc.Platform != platform || inc.Channel.ID != channelID) {
		err = bot.ErrNotFound // a stale index entry
	}
	if err != nil {
		return nil, fmt.Errorf("incident by channel %s:%s: %w", platform, channelID, err)
	}
	return inc, nil
}

// Update applies fn to the current record under optimistic locking: WATCH
// on the record, then one MULTI/EXEC writes the changed record (with
// UpdatedAt = now) and XADDs the entries fn returned (a zero At becomes
// now). When another writer got in between, fn runs again on the fresh
// record, with small jittered backoff, up to 100 attempts (then an error
// wrapping ErrConflict) or until ctx ends. When fn returns an error nothing
// is written and that very error is returned, so a *bot.Error reaches the
// caller. fn must not keep inc. After the commit Update maintains the open
// and channel indexes. It returns the record as stored; the stored entries
// can be read with Timeline.
func (s *Store) Update(ctx context.Context, id int64, fn func(inc *bot.Incident) ([]bot.TimelineEntry, error)) (*bot.Incident, error) {
	var prev, cur *bot.Incident
	var entries []bot.TimelineEntry
	var fnErr error
	err := s.watch(ctx, s.recordKey(id), func(tx *redis.Tx) error {
		fnErr = nil
		raw, err := s.loadRaw(ctx, tx, id)
		if err != nil {
			return err
		}
		if prev, err = decodeIncident(raw); err != nil {
			return err
		}
		cur, _ = decodeIncident(raw) // a second copy, for fn to change
		if entries, fnErr = fn(cur); fnErr != nil {
			return fnErr
		}
		cur.ID = id // fn may not renumber an incident
		cur.UpdatedAt = s.now().UTC()
		return s.rewrite(ctx, tx, cur, entries)
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, fmt.Errorf("update incident %d: %w", id, err)
	}
	s.metrics.observeUpdate(prev, cur)
	s.countEntries(entries)
	s.reindex(ctx, prev, cur)
	return cur, nil
}

// rewrite stores cur with entries (a zero At becomes cur.UpdatedAt) in
// one MULTI/EXEC inside tx.
func (s *Store) rewrite(ctx context.Context, tx *redis.Tx, cur *bot.Incident, entries []bot.TimelineEntry) error {
	if err := prepareEntries(entries, cur.UpdatedAt); err != nil {
		return err
	}
	rec, err := json.Marshal(cur)
	if err != nil {
		return err
	}
	return s.commit(ctx, tx, s.recordKey(cur.ID), rec, cur.ID, entries, false)
}

// reindex brings the indexes in line with inc after its transaction
// committed; prev is the record before (nil for a new incident). Failures
// are logged: the record is the truth, the next write repeats this, and
// readers tolerate stale entries.
func (s *Store) reindex(ctx context.Context, prev, inc *bot.Incident) {
	log := s.log.With(zap.Int64("incident", inc.ID))
	if err := s.rdb.ZAdd(ctx, s.allKey(), redis.Z{Score: float64(inc.ID), Member: inc.ID}).Err(); err != nil {
		log.Warn("index all incidents", zap.Error(err))
	}
	if err := s.reconcileOpen(ctx, inc.ID, inc.Status.Open()); err != nil {
		log.Warn("index open incidents", zap.Error(err))
	}
	if err := s.indexFacet(ctx, prev, inc); err != nil {
		log.Warn("index facets", zap.Error(err))
	}
	if inc.Channel.ID != "" {
		err := s.rdb.Set(ctx, s.channelKey(inc.Platform, inc.Channel.ID), inc.ID, 0).Err()
		if err != nil {
			log.Warn("index channel", zap.Error(err))
		}
	}
	if prev != nil && prev.Channel.ID != "" &&
		(prev.Channel.ID != inc.Channel.ID || prev.Platform != inc.Platform) {
		if err := s.releaseChannel(ctx, prev.Platform, prev.Channel.ID, inc.ID); err != nil {
			log.Warn("unindex old channel", zap.Error(err))
		}
	}
}

// reconcileOpen makes the open index agree with the record: it applies
// open, then re-reads the record and repeats while they disagree. Since
// every writer re-reads after its own index write, the last index write is
// always checked against the latest record, so racing writers converge.
func (s *Store) reconcileOpen(ctx context.Context, id int64, open bool) error {
	for range 5 {
		var err error
		if open {
			err = s.rdb.ZAdd(ctx, s.openKey(), redis.Z{Score: float64(id), Member: id}).Err()
		} else {
			err = s.rdb.ZRem(ctx, s.openKey(), id).Err()
		}
		if err != nil {
			return unavailable(err)
		}
		inc, err := s.load(ctx, s.rdb, id)
		if err != nil && !errors.Is(err, bot.ErrNotFound) {
			return err
		}
		now := inc != nil && inc.Status.Open()
		if now == open {
			return nil
		}
		open = now
	}
	return nil
}

// releaseChannel deletes a channel index entry if it still names id.
func (s *Store) releaseChannel(ctx context.Context, platform, channelID string, id int64) error {
	return s.deleteIf(ctx, s.channelKey(platform, channelID), strconv.FormatInt(id, 10))
}

// deleteIf deletes key if it still holds want (compare-and-delete); a
// concurrent rewrite wins, as the key is then no longer ours to delete.
func (s *Store) deleteIf(ctx context.Context, key, want string) error {
	err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
		v, err := tx.Get(ctx, key).Result()
		if errors.Is(err, redis.Nil) || (err == nil && v != want) {
			return nil
		}
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, key)
			return nil
		})
		return err
	}, key)
	if errors.Is(err, redis.TxFailedErr) {
		return nil
	}
	return unavailable(err)
}

package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warroomhq/warroom/bot"
)

// pendingClaim is the value of an alert key while its incident is being
// opened.
const pendingClaim = "pending"

// AlertIncident returns the incident opened for a source's dedup key, 0
// when there is none (or it is still being opened).
func (s *Store) AlertIncident(ctx context.Context, source, key string) (int64, error) {
	v, err := s.rdb.Get(ctx, s.alertKey(source, key)).Result()
	if errors.Is(err, redis.Nil) || v == pendingClaim {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("alert incident %s: %w", source, unavailable(err))
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("alert incident %s: bad value %q", source, v)
	}
	return id, nil
}

// ClaimAlert gives exactly one caller, across replicas, the right to open
// the incident for a dedup key: claimed is true for that caller. Others get
// the incident's ID when it is open already, or 0 while it is being opened.
// An unbound claim expires after ttl, so a replica that died mid-way does
// not block the key for ever.
func (s *Store) ClaimAlert(ctx context.Context, source, key string, ttl time.Duration) (claimed bool, current int64, err error) {
	k := s.alertKey(source, key)
	ok, err := s.rdb.SetNX(ctx, k, pendingClaim, ttl).Result()
	if err != nil {
		return false, 0, fmt.Errorf("claim alert %s: %w", source, unavailable(err))
	}
	if ok {
		return true, 0, nil
	}
	id, err := s.AlertIncident(ctx, source, key)
	return false, id, err
}

// BindAlert maps a dedup key to incident id for good, replacing a claim or
// an older incident (a problem that came back after its incident closed).
func (s *Store) BindAlert(ctx context.Context, source, key string, id int64) error {
	if err := s.rdb.Set(ctx, s.alertKey(source, key), id, 0).Err(); err != nil {
		return fmt.Errorf("bind alert %s: %w", source, unavailable(err))
	}
	return nil
}

// ReleaseAlert drops a claim that could not be turned into an incident, so
// the next notification tries again.
func (s *Store) ReleaseAlert(ctx context.Context, source, key string) error {
	if err := s.deleteIf(ctx, s.alertKey(source, key), pendingClaim); err != nil {
		return fmt.Errorf("release alert %s: %w", source, err)
	}
	return nil
}

// ReleaseAlertFor unbinds a dedup key from incident id (a closed incident
// whose problem came back as a new one), if it still points there.
func (s *Store) ReleaseAlertFor(ctx context.Context, source, key string, id int64) error {
	if err := s.deleteIf(ctx, s.alertKey(source, key), strconv.FormatInt(id, 10)); err != nil {
		return fmt.Errorf("release alert %s: %w", source, err)
	}
	return nil
}

// QueueAlert keeps a notification that arrived while its incident was
// being opened; DrainAlerts hands each queued one to exactly one caller.
func (s *Store) QueueAlert(ctx context.Context, a bot.Alert) error {
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("queue alert: %w", err)
	}
	k := s.alertQueueKey(a.Source, a.DedupKey)
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, k, b)
		p.Expire(ctx, k, 24*time.Hour)
		return nil
	})
	if err != nil {
		return fmt.Errorf("queue alert %s: %w", a.Source, unavailable(err))
	}
	return nil
}

// DrainAlerts pops every queued notification of a dedup key, oldest first.
func (s *Store) DrainAlerts(ctx context.Context, source, key string) ([]bot.Alert, error) {
	var out []bot.Alert
	for {
		vals, err := s.rdb.LPopCount(ctx, s.alertQueueKey(source, key), 100).Result()
		if errors.Is(err, redis.Nil) || (err == nil && len(vals) == 0) {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("drain alerts %s: %w", source, unavailable(err))
		}
		for _, v := range vals {
			var a bot.Alert
			if json.Unmarshal([]byte(v), &a) == nil {
				out = append(out, a)
			}
		}
	}
}

// RecordAlerts stores the status of each alert item of an incident and,
// in the same transaction, the timeline entries entries makes for the
// items whose status changed (new ones included). It returns those
// changes: a notification repeated unchanged changes and records nothing.
func (s *Store) RecordAlerts(ctx context.Context, id int64, states map[string]string, entries func(changed map[string]string) []bot.TimelineEntry) (map[string]string, error) {
	key := s.alertsKey(id)
	var changed map[string]string
	err := s.watch(ctx, key, func(tx *redis.Tx) error {
		have, err := tx.HGetAll(ctx, key).Result()
		if err != nil {
			return unavailable(err)
		}
		changed = map[string]string{}
		for fp, st := range states {
			if have[fp] != st {
				changed[fp] = st
			}
		}
		if len(changed) == 0 {
			return nil
		}
		es := entries(changed)
		if err := prepareEntries(es, s.now().UTC()); err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			args := make([]any, 0, 2*len(changed))
			for fp, st := range changed {
				args = append(args, fp, st)
			}
			p.HSet(ctx, key, args...)
			s.addEntries(ctx, p, id, es)
			return nil
		})
		if err == nil {
			s.countEntries(es)
		}
		return unavailable(err)
	})
	if err != nil {
		return nil, fmt.Errorf("record alerts of incident %d: %w", id, err)
	}
	return changed, nil
}

// alertKey hashes the dedup key: sources put anything in theirs, braces
// included, which must not become a hash tag.
func (s *Store) alertKey(source, key string) string {
	return s.prefix + "alert:" + source + ":" + digest(key)
}

func (s *Store) alertQueueKey(source, key string) string {
	return s.prefix + "alertq:" + source + ":" + digest(key)
}

func (s *Store) alertsKey(id int64) string { return s.recordKey(id) + ":alerts" }

func digest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

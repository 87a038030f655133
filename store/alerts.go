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

// AlertState is one alert item of a notification: its status, and the
// timeline entry that records a change to it.
type AlertState struct {
	Fingerprint string
	Status      string
	Entry       bot.TimelineEntry
}

// recordAlertsScript sets each item's status in the incident's alert hash
// (KEYS[1]) and, for each whose status changed, XADDs its pre-encoded
// entry to the timeline (KEYS[2]; ARGV[1] is the approximate MAXLEN, 0 for
// none); ARGV then holds, per item: fingerprint, status, field count and
// the fields. Items are applied in order, so an item given twice (firing,
// then resolved) changes twice. It returns the position (1-based) and
// stream ID of each change.
var recordAlertsScript = redis.NewScript(`
local maxlen = tonumber(ARGV[1])
local out = {}
local i, pos = 2, 0
while i <= #ARGV do
  local fp, st, n = ARGV[i], ARGV[i+1], tonumber(ARGV[i+2])
  pos = pos + 1
  if redis.call('HGET', KEYS[1], fp) ~= st then
    redis.call('HSET', KEYS[1], fp, st)
    local args = {KEYS[2]}
    if maxlen > 0 then
      args[#args+1] = 'MAXLEN'; args[#args+1] = '~'; args[#args+1] = maxlen
    end
    args[#args+1] = '*'
    for j = 1, n do args[#args+1] = ARGV[i+2+j] end
    out[#out+1] = tostring(pos)
    out[#out+1] = redis.call('XADD', unpack(args))
  end
  i = i + 3 + n
end
return out`)

// RecordAlerts stores the status of each alert item of incident id and, in
// the same atomic step (one script on the incident's slot), puts on its
// timeline the Entry of each item whose status changed (new ones
// included), in the order given. It returns the changed items' statuses by
// fingerprint: a notification repeated unchanged changes and records
// nothing.
func (s *Store) RecordAlerts(ctx context.Context, id int64, items []AlertState) (map[string]string, error) {
	changed, err := s.RecordAlertBatch(ctx, id, [][]AlertState{items})
	if err != nil {
		return nil, err
	}
	return changed[0], nil
}

// RecordAlertBatch is RecordAlerts for several notifications of incident
// id at once, in one atomic step: the items of batch[0], then those of
// batch[1]..., each applied as if recorded one notification after
// another. changed[i] is what RecordAlerts would have returned for
// batch[i].
func (s *Store) RecordAlertBatch(ctx context.Context, id int64, batch [][]AlertState) (changed []map[string]string, err error) {
	var items []AlertState
	var of []int // of[k] is the notification of items[k]
	for i, b := range batch {
		items = append(items, b...)
		for range b {
			of = append(of, i)
		}
	}
	entries := make([]bot.TimelineEntry, len(items))
	for i, it := range items {
		entries[i] = it.Entry
	}
	if err := prepareEntries(entries, s.now().UTC()); err != nil {
		return nil, fmt.Errorf("record alerts of incident %d: %w", id, err)
	}
	args := []any{s.maxLen}
	for i, it := range items {
		fields := encodeEntry(entries[i])
		args = append(args, it.Fingerprint, it.Status, len(fields))
		args = append(args, fields...)
	}
	res, err := recordAlertsScript.Run(ctx, s.rdb, []string{s.alertsKey(id), s.timelineKey(id)}, args...).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("record alerts of incident %d: %w", id, unavailable(err))
	}
	changed = make([]map[string]string, len(batch))
	for i := range changed {
		changed[i] = map[string]string{}
	}
	var recorded []bot.TimelineEntry
	for k := 0; k+1 < len(res); k += 2 {
		pos, err := strconv.Atoi(res[k])
		if err != nil || pos < 1 || pos > len(items) {
			return nil, fmt.Errorf("record alerts of incident %d: bad position %q", id, res[k])
		}
		it := items[pos-1]
		changed[of[pos-1]][it.Fingerprint] = it.Status
		recorded = append(recorded, entries[pos-1])
	}
	s.countEntries(recorded)
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

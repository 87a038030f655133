package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warroomhq/warroom/bot"
)

// The postmortem as a document: its saved versions, its tags, and the
// library of published ones. An incident's keys share its hash tag.
//
//	<p>inc:{<id>}:pm:versions  list of JSON bot.PostmortemVersion, version n at index n-1
//	<p>inc:{<id>}:pm:tags      JSON bot.PostmortemTags
//	<p>postmortems:published   sorted set of incident IDs by publication time (Unix seconds)

// savePostmortemScript appends a version (ARGV[2]) to the version list
// (KEYS[2]) when the record (KEYS[1]) exists and the list holds exactly
// ARGV[1] versions: a save based on an older version never lands. It
// returns {1, n} on success, {0, n} on a conflict (n the versions now),
// and false when the incident does not exist.
var savePostmortemScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local n = redis.call('LLEN', KEYS[2])
if n ~= tonumber(ARGV[1]) then return {0, n} end
redis.call('RPUSH', KEYS[2], ARGV[2])
return {1, n + 1}`)

// ErrStaleVersion is returned (wrapped) by SavePostmortemVersion when the
// base version is no longer the latest.
var ErrStaleVersion = errors.New("postmortem version is not the latest")

// SavePostmortemVersion stores v as version base+1 of incident id's
// postmortem, atomically, only if base is the latest version (0: none
// saved yet). It returns v as stored (N set, a zero At now). A stale base
// is an error wrapping ErrStaleVersion and writes nothing; an unknown
// incident one wrapping bot.ErrNotFound.
func (s *Store) SavePostmortemVersion(ctx context.Context, id int64, base int, v bot.PostmortemVersion) (bot.PostmortemVersion, error) {
	v.N = base + 1
	if v.At.IsZero() {
		v.At = s.now().UTC()
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return bot.PostmortemVersion{}, fmt.Errorf("save postmortem of incident %d: %w", id, err)
	}
	res, err := savePostmortemScript.Run(ctx, s.rdb, []string{s.recordKey(id), s.pmVersionsKey(id)}, base, raw).Int64Slice()
	switch {
	case errors.Is(err, redis.Nil):
		return bot.PostmortemVersion{}, fmt.Errorf("save postmortem of incident %d: %w", id, bot.ErrNotFound)
	case err != nil:
		return bot.PostmortemVersion{}, fmt.Errorf("save postmortem of incident %d: %w", id, unavailable(err))
	case len(res) != 2:
		return bot.PostmortemVersion{}, fmt.Errorf("save postmortem of incident %d: unexpected reply %v", id, res)
	case res[0] == 0:
		return bot.PostmortemVersion{}, fmt.Errorf("save postmortem of incident %d on version %d (latest %d): %w", id, base, res[1], ErrStaleVersion)
	}
	return v, nil
}

// PostmortemVersions returns every saved version of incident id's
// postmortem, oldest first (none: empty).
func (s *Store) PostmortemVersions(ctx context.Context, id int64) ([]bot.PostmortemVersion, error) {
	raws, err := s.rdb.LRange(ctx, s.pmVersionsKey(id), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("postmortem versions of incident %d: %w", id, unavailable(err))
	}
	out := make([]bot.PostmortemVersion, 0, len(raws))
	for _, raw := range raws {
		var v bot.PostmortemVersion
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return nil, fmt.Errorf("postmortem versions of incident %d: %w", id, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// LatestPostmortem returns the latest saved version of incident id's
// postmortem; false when none was saved.
func (s *Store) LatestPostmortem(ctx context.Context, id int64) (bot.PostmortemVersion, bool, error) {
	raw, err := s.rdb.LIndex(ctx, s.pmVersionsKey(id), -1).Result()
	if errors.Is(err, redis.Nil) {
		return bot.PostmortemVersion{}, false, nil
	}
	if err != nil {
		return bot.PostmortemVersion{}, false, fmt.Errorf("latest postmortem of incident %d: %w", id, unavailable(err))
	}
	var v bot.PostmortemVersion
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return bot.PostmortemVersion{}, false, fmt.Errorf("latest postmortem of incident %d: %w", id, err)
	}
	return v, true, nil
}

// SetPostmortemTags replaces the tags of incident id's postmortem.
func (s *Store) SetPostmortemTags(ctx context.Context, id int64, tags bot.PostmortemTags) error {
	raw, err := json.Marshal(tags)
	if err != nil {
		return fmt.Errorf("tag postmortem of incident %d: %w", id, err)
	}
	if err := s.rdb.Set(ctx, s.pmTagsKey(id), raw, 0).Err(); err != nil {
		return fmt.Errorf("tag postmortem of incident %d: %w", id, unavailable(err))
	}
	return nil
}

// PostmortemTags returns the tags of incident id's postmortem (none: the
// zero value).
func (s *Store) PostmortemTags(ctx context.Context, id int64) (bot.PostmortemTags, error) {
	raw, err := s.rdb.Get(ctx, s.pmTagsKey(id)).Result()
	if errors.Is(err, redis.Nil) {
		return bot.PostmortemTags{}, nil
	}
	if err != nil {
		return bot.PostmortemTags{}, fmt.Errorf("postmortem tags of incident %d: %w", id, unavailable(err))
	}
	var tags bot.PostmortemTags
	if err := json.Unmarshal([]byte(raw), &tags); err != nil {
		return bot.PostmortemTags{}, fmt.Errorf("postmortem tags of incident %d: %w", id, err)
	}
	return tags, nil
}

// AddPublished puts incident id in the library of published postmortems,
// as published at.
func (s *Store) AddPublished(ctx context.Context, id int64, at time.Time) error {
	err := s.rdb.ZAdd(ctx, s.publishedKey(), redis.Z{Score: float64(at.Unix()), Member: id}).Err()
	if err != nil {
		return fmt.Errorf("publish postmortem of incident %d: %w", id, unavailable(err))
	}
	return nil
}

// Published returns the incidents whose postmortems are published, most
// recently published first, at most limit (≤ 0: all).
func (s *Store) Published(ctx context.Context, limit int) ([]int64, error) {
	stop := int64(limit) - 1
	if limit <= 0 {
		stop = -1
	}
	members, err := s.rdb.ZRevRange(ctx, s.publishedKey(), 0, stop).Result()
	if err != nil {
		return nil, fmt.Errorf("published postmortems: %w", unavailable(err))
	}
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		if id, err := strconv.ParseInt(m, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (s *Store) pmVersionsKey(id int64) string { return s.recordKey(id) + ":pm:versions" }
func (s *Store) pmTagsKey(id int64) string     { return s.recordKey(id) + ":pm:tags" }
func (s *Store) publishedKey() string          { return s.prefix + "postmortems:published" }

package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warroomhq/warroom/bot"
)

// appendCurationScript adds a curation or backdated entry to the timeline
// (KEYS[2]) and its stream ID to the incident's curation list (KEYS[3]),
// in one step, when the record (KEYS[1]) exists; ARGV[1] is the
// approximate MAXLEN (0 for none), the rest the entry's fields. It returns
// the stream ID, or false when the incident does not exist.
var appendCurationScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local maxlen = tonumber(ARGV[1])
local args = {KEYS[2]}
if maxlen > 0 then
  args[#args+1] = 'MAXLEN'; args[#args+1] = '~'; args[#args+1] = maxlen
end
args[#args+1] = '*'
for j = 2, #ARGV do args[#args+1] = ARGV[j] end
local id = redis.call('XADD', unpack(args))
redis.call('RPUSH', KEYS[3], id)
return id`)

// AppendCuration adds e, a curation entry (bot.KindCorrection, KindHide,
// KindUnhide) or a backdated one (bot.DataAddedAt), to the incident's
// timeline and to the list Curation reads, so that the curated view needs
// no read of the whole timeline. It returns e with its ID (and a zero At
// set to now), or an error wrapping bot.ErrNotFound when the incident does
// not exist.
func (s *Store) AppendCuration(ctx context.Context, id int64, e bot.TimelineEntry) (bot.TimelineEntry, error) {
	if !e.Curates() && !e.Backdated() {
		return bot.TimelineEntry{}, fmt.Errorf("append curation to incident %d: %s entry is no curation", id, e.Kind)
	}
	out := []bot.TimelineEntry{e}
	if err := prepareEntries(out, s.now()); err != nil {
		return bot.TimelineEntry{}, fmt.Errorf("append curation to incident %d: %w", id, err)
	}
	args := append([]any{s.maxLen}, encodeEntry(out[0])...)
	keys := []string{s.recordKey(id), s.timelineKey(id), s.curationKey(id)}
	sid, err := appendCurationScript.Run(ctx, s.rdb, keys, args...).Text()
	switch {
	case errors.Is(err, redis.Nil):
		return bot.TimelineEntry{}, fmt.Errorf("append curation to incident %d: %w", id, bot.ErrNotFound)
	case err != nil:
		return bot.TimelineEntry{}, fmt.Errorf("append curation to incident %d: %w", id, unavailable(err))
	}
	out[0].ID = sid
	s.countEntries(out)
	return out[0], nil
}

// Curation returns what responders changed in the incident's timeline:
// its curation and backdated entries with the entries they target, read
// from the curation list and by ID (a few reads, whatever the timeline's
// length). An unknown incident is an error wrapping bot.ErrNotFound.
func (s *Store) Curation(ctx context.Context, id int64) (*bot.Curation, error) {
	var exists *redis.IntCmd
	var ids *redis.StringSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		exists = p.Exists(ctx, s.recordKey(id))
		ids = p.LRange(ctx, s.curationKey(id), 0, -1)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("curation of incident %d: %w", id, unavailable(err))
	}
	if exists.Val() == 0 {
		return nil, fmt.Errorf("curation of incident %d: %w", id, bot.ErrNotFound)
	}
	changes, err := s.entriesByID(ctx, id, ids.Val())
	if err != nil {
		return nil, err
	}
	var want []string
	for _, e := range changes {
		if e.Curates() && e.Target != "" {
			want = append(want, e.Target)
		}
	}
	targets := map[string]bot.TimelineEntry{}
	found, err := s.entriesByID(ctx, id, want)
	if err != nil {
		return nil, err
	}
	for _, e := range found {
		targets[e.ID] = e
	}
	return bot.NewCuration(changes, targets), nil
}

// Entry returns the entry with stream ID entryID of the incident's
// timeline, or an error wrapping bot.ErrNotFound when the incident or the
// entry does not exist (an entry of another incident is not in this one's
// stream).
func (s *Store) Entry(ctx context.Context, id int64, entryID string) (bot.TimelineEntry, error) {
	if !validStreamID(entryID) {
		return bot.TimelineEntry{}, fmt.Errorf("entry %q of incident %d: %w", entryID, id, bot.ErrNotFound)
	}
	got, err := s.timelineRange(ctx, id, entryID, 1, false, entryID)
	if err != nil {
		return bot.TimelineEntry{}, err
	}
	if len(got) == 0 || got[0].ID != entryID {
		return bot.TimelineEntry{}, fmt.Errorf("entry %s of incident %d: %w", entryID, id, bot.ErrNotFound)
	}
	return got[0], nil
}

// entriesByID reads the entries with the given stream IDs in one round
// trip, in the order given, leaving out those the stream no longer has.
func (s *Store) entriesByID(ctx context.Context, id int64, ids []string) ([]bot.TimelineEntry, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	key := s.timelineKey(id)
	cmds := make([]*redis.XMessageSliceCmd, 0, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, sid := range ids {
			if validStreamID(sid) {
				cmds = append(cmds, p.XRange(ctx, key, sid, sid))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("timeline of incident %d: %w", id, unavailable(err))
	}
	out := make([]bot.TimelineEntry, 0, len(cmds))
	for _, c := range cmds {
		for _, m := range c.Val() {
			e, err := decodeEntry(m)
			if err != nil {
				return nil, fmt.Errorf("timeline of incident %d: entry %s: %w", id, m.ID, err)
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// tailSlice bounds one XREAD BLOCK of TailTimeline: go-redis does not
// interrupt a blocked read when its context is cancelled, so a long block
// is made of short ones with a look at the context between them.
const tailSlice = 500 * time.Millisecond

// TailTimeline waits up to block for entries of the incident's timeline
// after the stream ID after, and returns those that arrived (in stream
// order, at most 1,000) with the ID to pass as after next time. An empty
// after means "from now": only entries added from the call on. It returns
// no entries and after (or the newest ID) when block ends with nothing
// new, and the context's error when ctx ends first. It reads one key with
// XREAD BLOCK, so it works on Redis Cluster, and holds one connection
// while it waits. An unknown incident is an error wrapping bot.ErrNotFound.
func (s *Store) TailTimeline(ctx context.Context, id int64, after string, block time.Duration) ([]bot.TimelineEntry, string, error) {
	if after != "" && !validStreamID(after) {
		return nil, "", fmt.Errorf("tail timeline of incident %d: bad entry id %q", id, after)
	}
	if after == "" {
		last, err := s.timelineRange(ctx, id, "+", 1, true)
		if err != nil {
			return nil, "", err
		}
		after = "0-0"
		if len(last) > 0 {
			after = last[0].ID
		}
	} else if _, err := s.TimelineLen(ctx, id); err != nil {
		return nil, "", err
	}
	deadline := time.Now().Add(block)
	for {
		if err := ctx.Err(); err != nil {
			return nil, after, err
		}
		wait := min(time.Until(deadline), tailSlice)
		if wait < time.Millisecond {
			return []bot.TimelineEntry{}, after, nil
		}
		res, err := s.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{s.timelineKey(id), after}, Count: 1000, Block: wait}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, after, ctx.Err()
			}
			return nil, after, fmt.Errorf("tail timeline of incident %d: %w", id, unavailable(err))
		}
		var out []bot.TimelineEntry
		for _, st := range res {
			for _, m := range st.Messages {
				e, err := decodeEntry(m)
				if err != nil {
					return nil, after, fmt.Errorf("tail timeline of incident %d: entry %s: %w", id, m.ID, err)
				}
				out = append(out, e)
				after = m.ID
			}
		}
		if len(out) > 0 {
			return out, after, nil
		}
	}
}

func (s *Store) curationKey(id int64) string { return s.recordKey(id) + ":curation" }

package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/warroomhq/warroom/bot"
)

// A postmortem draft needs to know, before it writes the timeline, what
// became of every message (edited, deleted, flagged) and the entries its
// first sections are made of (priority and role changes, status updates,
// notes, key events). Two indexes, written with the entries, let it learn
// that without reading the whole timeline, which it then reads once:
//
//   - <p>inc:{<id>}:refs (hash) maps the Ref of each message to the
//     stream ID of the first message with it. A platform gives each
//     message its own Ref, so this is one field a message.
//   - <p>inc:{<id>}:notable (zset) names every notable entry (Notable) by
//     stream ID, and each later message with a Ref an earlier one has by
//     "<stream ID> <ref>", scored by their milliseconds. Its member
//     notableComplete, written by Create, says the index holds every such
//     entry of the incident; an incident written before the index has
//     none, and its draft reads the timeline twice, as before.
const notableComplete = "complete"

func (s *Store) notableKey(id int64) string { return s.recordKey(id) + ":notable" }
func (s *Store) refsKey(id int64) string    { return s.recordKey(id) + ":refs" }

// Notable reports whether e is an entry a postmortem draft needs before
// its timeline (see above): anything but a message, an alert or a change
// of curation (curation is read on its own), and any entry marked key or
// that refers back.
func Notable(e bot.TimelineEntry) bool {
	switch {
	case e.Key, e.RefersBack():
		return true
	case e.Kind == bot.KindMessage, e.Kind == bot.KindAlert, e.Curates():
		return false
	}
	return true
}

// appendScript XADDs entries to the timeline (KEYS[1]) and indexes them,
// in one step: a line in the refers-back index (KEYS[2]) for an entry that
// refers back, the stream ID of a message under its Ref in KEYS[3] (or,
// when an earlier message has that Ref, "<stream ID> <ref>" in KEYS[4]),
// and notable entries in KEYS[4]. ARGV[1] is the approximate MAXLEN (0 for
// none); then, for each entry, its mode ("b": it refers back to the Ref
// that follows; "m": a message with the Ref that follows; "-": neither),
// that Ref, "1" when it is notable, the number of its field arguments, and
// those. It returns the stream IDs.
var appendScript = redis.NewScript(`
local maxlen = tonumber(ARGV[1])
local ids = {}
local i = 2
while i <= #ARGV do
  local mode, ref, notable, n = ARGV[i], ARGV[i+1], ARGV[i+2], tonumber(ARGV[i+3])
  local args = {KEYS[1]}
  if maxlen > 0 then
    args[#args+1] = 'MAXLEN'; args[#args+1] = '~'; args[#args+1] = maxlen
  end
  args[#args+1] = '*'
  for j = i+4, i+3+n do args[#args+1] = ARGV[j] end
  local id = redis.call('XADD', unpack(args))
  local ms = tonumber(string.match(id, '^%d+'))
  if mode == 'b' then
    redis.call('ZADD', KEYS[2], ms, id .. ' ' .. ref)
  elseif mode == 'm' and redis.call('HSETNX', KEYS[3], ref, id) == 0 then
    redis.call('ZADD', KEYS[4], ms, id .. ' ' .. ref)
  end
  if notable == '1' then
    redis.call('ZADD', KEYS[4], ms, id)
  end
  ids[#ids+1] = id
  i = i + 4 + n
end
return ids`)

// addEntries queues on p the XADD of entries (trimming when configured)
// with their lines in the incident's indexes (the refers-back index, the
// refs and the notable entries), in one script so that they are one step
// even outside MULTI. EVAL, not EVALSHA: inside MULTI a missing script
// could not be retried without breaking the transaction in two. The
// functions returned give the entries' stream IDs once p has run.
func (s *Store) addEntries(ctx context.Context, p redis.Pipeliner, id int64, entries []bot.TimelineEntry) []func() string {
	ids := make([]func() string, len(entries))
	if !slices.ContainsFunc(entries, indexed) {
		// Nothing to index (alerts, messages without a Ref): plain XADDs,
		// as cheap on an embedded Redis, whose scripts are slow.
		for i, e := range entries {
			ids[i] = p.XAdd(ctx, &redis.XAddArgs{Stream: s.timelineKey(id), MaxLen: s.maxLen, Approx: s.maxLen > 0,
				Values: encodeEntry(e)}).Val
		}
		return ids
	}
	args := []any{s.maxLen}
	for _, e := range entries {
		mode, ref := entryMode(e)
		fields := encodeEntry(e)
		args = append(args, mode, ref, notableArg(e), len(fields))
		args = append(args, fields...)
	}
	c := appendScript.Eval(ctx, p, []string{s.timelineKey(id), s.referringKey(id), s.refsKey(id), s.notableKey(id)}, args...)
	for i := range entries {
		ids[i] = func() string {
			v, _ := c.StringSlice()
			if i < len(v) {
				return v[i]
			}
			return ""
		}
	}
	return ids
}

// indexed reports whether e has a line in an index: it refers back, is a
// message with a Ref, or is notable.
func indexed(e bot.TimelineEntry) bool {
	mode, _ := entryMode(e)
	return mode != "-" || Notable(e)
}

// ErrNotIndexed is TimelineNotable's error for an incident written before
// its notable entries were indexed.
var ErrNotIndexed = errors.New("timeline not indexed")

// TimelineNotable reads what a postmortem draft needs before its timeline
// (see above): in reading order (bot.InOrder), every notable entry of the
// incident's timeline and every message whose Ref one of them refers to,
// as the timeline holds them through its last entry, whose stream ID it
// also returns ("0-0", which no entry has, for an empty timeline) for the
// draft to read the timeline through the same entry
// (TimelineEntriesThrough). It fails with
// an error wrapping bot.ErrNotFound for an unknown incident, and with
// ErrNotIndexed for one written before the index.
func (s *Store) TimelineNotable(ctx context.Context, id int64) ([]bot.TimelineEntry, string, error) {
	var exists *redis.IntCmd
	var notable *redis.StringSliceCmd
	var last *redis.XMessageSliceCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		exists = p.Exists(ctx, s.recordKey(id))
		notable = p.ZRange(ctx, s.notableKey(id), 0, -1)
		last = p.XRevRangeN(ctx, s.timelineKey(id), "+", "-", 1)
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("notable entries of incident %d: %w", id, unavailable(err))
	}
	if exists.Val() == 0 {
		return nil, "", fmt.Errorf("notable entries of incident %d: %w", id, bot.ErrNotFound)
	}
	members := notable.Val()
	if !slices.Contains(members, notableComplete) {
		return nil, "", fmt.Errorf("notable entries of incident %d: %w", id, ErrNotIndexed)
	}
	if len(last.Val()) == 0 {
		return []bot.TimelineEntry{}, "0-0", nil
	}
	// What was appended since the read above is left out: the timeline
	// is read through its last entry then.
	through := last.Val()[0].ID
	within := func(sid string) bool { return validStreamID(sid) && compareStreamIDs(sid, through) <= 0 }
	var ids []string
	later := map[string][]string{} // a Ref → the later messages with it
	for _, m := range members {
		sid, ref, dup := strings.Cut(m, " ")
		switch {
		case !within(sid):
		case dup:
			later[ref] = append(later[ref], sid)
		default:
			ids = append(ids, sid)
		}
	}
	entries, err := s.entriesByID(ctx, id, ids)
	if err != nil {
		return nil, "", err
	}
	var refs []string
	for _, e := range entries {
		if e.RefersBack() && !slices.Contains(refs, e.RefersTo) {
			refs = append(refs, e.RefersTo)
		}
	}
	if len(refs) > 0 {
		got, err := s.rdb.HMGet(ctx, s.refsKey(id), refs...).Result()
		if err != nil {
			return nil, "", fmt.Errorf("notable entries of incident %d: %w", id, unavailable(err))
		}
		var ids []string
		for i, v := range got {
			if sid, _ := v.(string); within(sid) {
				ids = append(ids, sid)
			}
			ids = append(ids, later[refs[i]]...)
		}
		messages, err := s.entriesByID(ctx, id, ids)
		if err != nil {
			return nil, "", err
		}
		entries = append(entries, messages...)
		slices.SortFunc(entries, func(a, b bot.TimelineEntry) int { return compareStreamIDs(a.ID, b.ID) })
		entries = slices.CompactFunc(entries, func(a, b bot.TimelineEntry) bool { return a.ID == b.ID })
	}
	if entries == nil {
		return []bot.TimelineEntry{}, through, nil
	}
	out, _ := bot.InOrder(entries, false)
	return out, through, nil
}

// indexScript writes the index lines of entries already in the timeline
// (see appendScript): ARGV holds, for each entry, its stream ID, its mode,
// its Ref and "1" when it is notable. KEYS are appendScript's, less the
// timeline.
var indexScript = redis.NewScript(`
for i = 1, #ARGV, 4 do
  local id, mode, ref, notable = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3]
  local ms = tonumber(string.match(id, '^%d+'))
  if mode == 'b' then
    redis.call('ZADD', KEYS[1], ms, id .. ' ' .. ref)
  elseif mode == 'm' and redis.call('HSETNX', KEYS[2], ref, id) == 0 and redis.call('HGET', KEYS[2], ref) ~= id then
    redis.call('ZADD', KEYS[3], ms, id .. ' ' .. ref)
  end
  if notable == '1' then
    redis.call('ZADD', KEYS[3], ms, id)
  end
end
return #ARGV / 4`)

// IndexNotable fills the notable and refs indexes of an incident written
// before them (TimelineNotable's ErrNotIndexed) from its whole timeline,
// read a page at a time, and marks them complete. Entries appended
// meanwhile index themselves; one indexed twice, or a later message with
// a Ref indexed as the first, reads the same (TimelineNotable reads every
// message with a Ref it needs, in stream order). It is a no-op on an
// incident already indexed.
func (s *Store) IndexNotable(ctx context.Context, id int64) error {
	keys := []string{s.referringKey(id), s.refsKey(id), s.notableKey(id)}
	for start := "-"; ; {
		page, err := s.timelineRange(ctx, id, start, timelinePage, false)
		if err != nil {
			return fmt.Errorf("index notable entries of incident %d: %w", id, err)
		}
		args := make([]any, 0, 4*len(page))
		for _, e := range page {
			mode, ref := entryMode(e)
			args = append(args, e.ID, mode, ref, notableArg(e))
		}
		if len(args) > 0 {
			if err := indexScript.Run(ctx, s.rdb, keys, args...).Err(); err != nil {
				return fmt.Errorf("index notable entries of incident %d: %w", id, unavailable(err))
			}
		}
		if int64(len(page)) < timelinePage {
			break
		}
		start = "(" + page[len(page)-1].ID
	}
	if err := s.rdb.ZAdd(ctx, s.notableKey(id), redis.Z{Score: 0, Member: notableComplete}).Err(); err != nil {
		return fmt.Errorf("index notable entries of incident %d: %w", id, unavailable(err))
	}
	return nil
}

// entryMode is e's mode and Ref in appendScript's arguments.
func entryMode(e bot.TimelineEntry) (mode, ref string) {
	switch {
	case e.RefersBack():
		return "b", e.RefersTo
	case e.Kind == bot.KindMessage && e.Ref != "":
		return "m", e.Ref
	}
	return "-", ""
}

// notableArg is "1" for a notable entry, else "0".
func notableArg(e bot.TimelineEntry) string {
	if Notable(e) {
		return "1"
	}
	return "0"
}

package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warroomhq/warroom/bot"
)

// Stream field names of a timeline entry (see the key schema in doc.go).
const (
	fieldKind       = "kind"
	fieldAt         = "at"
	fieldAuthorID   = "author_id"
	fieldAuthorName = "author_name"
	fieldText       = "text"
	fieldRef        = "ref"
	fieldRefersTo   = "refers_to"
	fieldTarget     = "target"
	fieldKey        = "key"
	fieldData       = "data"
)

// TimelineQuery selects timeline entries. The zero value selects all.
type TimelineQuery struct {
	// Last, when > 0, keeps only the newest Last entries of the selection.
	Last int
	// After, when set, selects only entries with a stream ID greater than
	// it (an entry ID this store returned, "<ms>-<seq>" or "<ms>").
	After string
	// Limit, when > 0, returns at most Limit entries: the oldest ones of
	// the selection, or with Last the newest min(Last, Limit).
	Limit int
	// InOrder selects in the timeline's reading order (bot.InOrder), in
	// which an edit, a deletion or a flag that arrived before its original
	// comes right after it, instead of in stream order. Last, Limit and
	// After then count in that order: After names a position in it (an
	// entry ID, or a time "<ms>" between entries), so that a client paging
	// forward with the last ID it got neither skips nor repeats an entry,
	// and no page parts an edit from the message it follows.
	InOrder bool
	// Before, when set, selects only entries before it (an entry ID this
	// store returned, or "<ms>"): with Last, the page just older than an
	// entry, for a client paging back from the newest. With InOrder it is
	// a position in the reading order, as After is, and it cannot be
	// combined with After.
	Before string
}

// Append adds entries to the incident's timeline, in order, in one
// MULTI/EXEC on the incident's slot, and returns copies of them with ID
// (and a zero At set to now) filled. It fails with an error wrapping
// bot.ErrNotFound, writing nothing, when the incident does not exist.
func (s *Store) Append(ctx context.Context, id int64, entries ...bot.TimelineEntry) ([]bot.TimelineEntry, error) {
	out := slices.Clone(entries)
	if err := prepareEntries(out, s.now()); err != nil {
		return nil, fmt.Errorf("append to incident %d: %w", id, err)
	}
	n, err := s.rdb.Exists(ctx, s.recordKey(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("append to incident %d: %w", id, unavailable(err))
	}
	if n == 0 {
		return nil, fmt.Errorf("append to incident %d: %w", id, bot.ErrNotFound)
	}
	if len(out) == 0 {
		return out, nil
	}
	var ids []func() string
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		ids = s.addEntries(ctx, p, id, out)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("append to incident %d: %w", id, unavailable(err))
	}
	for i, c := range ids {
		out[i].ID = c()
	}
	s.countEntries(out)
	return out, nil
}

// maxStreamID is the greatest stream ID Redis can hold.
const maxStreamID = "18446744073709551615-18446744073709551615"

// Timeline returns the incident's entries selected by q, oldest first, or
// an error wrapping bot.ErrNotFound when the incident does not exist.
func (s *Store) Timeline(ctx context.Context, id int64, q TimelineQuery) ([]bot.TimelineEntry, error) {
	if q.After != "" && !validStreamID(q.After) {
		return nil, fmt.Errorf("timeline of incident %d: bad entry id %q", id, q.After)
	}
	if q.Before != "" && !validStreamID(q.Before) {
		return nil, fmt.Errorf("timeline of incident %d: bad entry id %q", id, q.Before)
	}
	if q.Before != "" {
		return s.timelineBefore(ctx, id, q)
	}
	if q.InOrder {
		return s.timelineInOrder(ctx, id, q)
	}
	start := "-"
	if q.After != "" {
		start = "(" + q.After
		if q.After == maxStreamID {
			start = "+" // nothing can follow the greatest ID; Redis refuses "(" of it
		}
	}
	switch n := min0(q.Last, q.Limit); {
	case q.Last > 0:
		return s.timelineRange(ctx, id, "+", int64(n), true, start)
	default:
		return s.timelineRange(ctx, id, start, int64(n), false)
	}
}

// timelineInOrder is Timeline with q.InOrder. An edit moves at most
// bot.HoldBack later in the reading order, so the stream is read from
// HoldBack before where the selection starts: the newest entries are read
// with those that arrived up to HoldBack before them, and a page after an
// entry is read from HoldBack before it on, in batches, until the page
// holds as many entries as asked whose place can no longer change.
func (s *Store) timelineInOrder(ctx context.Context, id int64, q TimelineQuery) ([]bot.TimelineEntry, error) {
	if q.After == "" && q.Last > 0 {
		return s.lastInOrder(ctx, id, min0(q.Last, q.Limit))
	}
	start, batch := "-", int64(0) // 0: all at once
	if q.After != "" {
		ms, _ := streamID(q.After)
		start = strconv.FormatUint(ms-min(ms, uint64(bot.HoldBack.Milliseconds())), 10)
	}
	if q.Last == 0 && q.Limit > 0 {
		batch = int64(q.Limit) + 256
	}
	var chunk []bot.TimelineEntry
	for {
		got, err := s.timelineRange(ctx, id, start, batch, false)
		if err != nil {
			return nil, err
		}
		chunk = append(chunk, got...)
		done := batch == 0 || int64(len(got)) < batch
		if !done {
			start = "(" + got[len(got)-1].ID
		}
		out, _ := bot.InOrder(withMark(chunk, q.After), !done)
		if q.After != "" {
			i := slices.IndexFunc(out, func(e bot.TimelineEntry) bool { return sameStreamID(e.ID, q.After) })
			if i < 0 { // After is an edit still waiting for its original
				if done {
					return []bot.TimelineEntry{}, nil // cannot be: nothing waits at the end
				}
				continue
			}
			out = out[i+1:]
		}
		switch {
		case q.Last > 0 && done:
			return out[len(out)-min(len(out), min0(q.Last, q.Limit)):], nil
		case q.Last == 0 && q.Limit > 0 && len(out) >= q.Limit:
			return out[:q.Limit], nil
		case done:
			return out, nil
		}
	}
}

// timelineBefore is Timeline with q.Before. In reading order, what comes
// before an entry is among the stream's entries before it (an entry only
// ever moves later, behind its original), less those moved behind an
// original at or after it, which arrived at most bot.HoldBack later: so
// the stream is read up to HoldBack after Before, and, for the newest n,
// back from Before n entries and HoldBack more.
func (s *Store) timelineBefore(ctx context.Context, id int64, q TimelineQuery) ([]bot.TimelineEntry, error) {
	n := min0(q.Last, q.Limit)
	if !q.InOrder {
		stop := "(" + q.Before
		start := "-"
		if q.After != "" {
			start = "(" + q.After
		}
		if q.Last > 0 {
			return s.timelineRange(ctx, id, stop, int64(n), true, start)
		}
		return s.timelineRange(ctx, id, start, int64(n), false, stop)
	}
	if q.After != "" {
		return nil, fmt.Errorf("timeline of incident %d: before and after together in reading order", id)
	}
	ms, _ := streamID(q.Before)
	ahead := strconv.FormatUint(ms+uint64(bot.HoldBack.Milliseconds()), 10)
	tail, err := s.timelineRange(ctx, id, q.Before, 0, false, ahead)
	if err != nil {
		return nil, err
	}
	var head []bot.TimelineEntry
	if q.Last > 0 {
		last, err := s.timelineRange(ctx, id, "("+q.Before, int64(n), true)
		if err != nil {
			return nil, err
		}
		if len(last) > 0 {
			from := max(last[0].Arrived().Add(-bot.HoldBack).UnixMilli(), 0)
			head, err = s.timelineRange(ctx, id, "("+last[0].ID, 0, true, strconv.FormatInt(from, 10))
			if err != nil {
				return nil, err
			}
			head = append(head, last...)
		}
	} else if head, err = s.timelineRange(ctx, id, "-", 0, false, "("+q.Before); err != nil {
		return nil, err
	}
	out, _ := bot.InOrder(withMark(append(head, tail...), q.Before), false)
	i := slices.IndexFunc(out, func(e bot.TimelineEntry) bool { return sameStreamID(e.ID, q.Before) })
	if i >= 0 {
		out = out[:i]
	}
	switch {
	case q.Last > 0:
		return out[len(out)-min(len(out), n):], nil
	case n > 0:
		return out[:min(len(out), n)], nil
	}
	return out, nil
}

// lastInOrder is the newest n entries in reading order. They are among
// the newest n of the stream and those that arrived up to bot.HoldBack
// before them: only these may be moved behind one of them, and only those
// that refer back to one of them, which the refers-back index names
// (referring.go). So the stream is read from the oldest of these on, most
// often not at all. An incident written before the index is read the whole
// HoldBack back once, which fills its index.
func (s *Store) lastInOrder(ctx context.Context, id int64, n int) ([]bot.TimelineEntry, error) {
	last, err := s.timelineRange(ctx, id, "+", int64(n), true)
	if err != nil || len(last) == 0 {
		return last, err
	}
	first := last[0]
	from := max(first.Arrived().Add(-bot.HoldBack).UnixMilli(), 0)
	start, indexed, err := s.overtaking(ctx, id, last, from)
	if err != nil {
		return nil, err
	}
	var before []bot.TimelineEntry
	switch {
	case !indexed:
		before, err = s.timelineRange(ctx, id, "("+first.ID, 0, true, strconv.FormatInt(from, 10))
		if err == nil {
			err = s.backfillReferring(ctx, id, append(slices.Clone(before), last...), from)
		}
	case start != "":
		before, err = s.timelineRange(ctx, id, start, 0, false, "("+first.ID)
	}
	if err != nil {
		return nil, err
	}
	out, _ := bot.InOrder(append(before, last...), false)
	return out[len(out)-min(len(out), n):], nil
}

// withMark returns entries with, when after is not the ID of one of them,
// a mark entry with that ID at its place in the stream, for the reading
// order to place it: what follows it there is what follows after.
func withMark(entries []bot.TimelineEntry, after string) []bot.TimelineEntry {
	if after == "" {
		return entries
	}
	i, found := slices.BinarySearchFunc(entries, after, func(e bot.TimelineEntry, id string) int {
		return compareStreamIDs(e.ID, id)
	})
	if found {
		return entries
	}
	return slices.Insert(slices.Clone(entries), i, bot.TimelineEntry{ID: after, Kind: "mark"})
}

// timelineRange reads entries of the timeline in stream order, oldest
// first: with rev, the newest count (0: all) from start ("+" or "(<id>")
// down to stop (default "-"), else the oldest count from start up to stop
// (default "+").
func (s *Store) timelineRange(ctx context.Context, id int64, start string, count int64, rev bool, stop ...string) ([]bot.TimelineEntry, error) {
	key := s.timelineKey(id)
	var exists *redis.IntCmd
	var rng *redis.XMessageSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		exists = p.Exists(ctx, s.recordKey(id))
		end, hi := "-", "+"
		if len(stop) > 0 {
			end, hi = stop[0], stop[0]
		}
		switch {
		case rev && count > 0:
			rng = p.XRevRangeN(ctx, key, start, end, count)
		case rev:
			rng = p.XRevRange(ctx, key, start, end)
		case count > 0:
			rng = p.XRangeN(ctx, key, start, hi, count)
		default:
			rng = p.XRange(ctx, key, start, hi)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("timeline of incident %d: %w", id, unavailable(err))
	}
	if exists.Val() == 0 {
		return nil, fmt.Errorf("timeline of incident %d: %w", id, bot.ErrNotFound)
	}
	msgs := rng.Val()
	if rev {
		slices.Reverse(msgs)
	}
	out := make([]bot.TimelineEntry, 0, len(msgs))
	for _, m := range msgs {
		e, err := decodeEntry(m)
		if err != nil {
			return nil, fmt.Errorf("timeline of incident %d: entry %s: %w", id, m.ID, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// streamID splits a valid stream ID ("<ms>" or "<ms>-<seq>") in two.
func streamID(id string) (ms, seq uint64) {
	a, b, _ := strings.Cut(id, "-")
	ms, _ = strconv.ParseUint(a, 10, 64)
	seq, _ = strconv.ParseUint(b, 10, 64)
	return ms, seq
}

// compareStreamIDs orders stream IDs as Redis does ("<ms>" is "<ms>-0").
func compareStreamIDs(a, b string) int {
	ams, aseq := streamID(a)
	bms, bseq := streamID(b)
	if c := cmp.Compare(ams, bms); c != 0 {
		return c
	}
	return cmp.Compare(aseq, bseq)
}

func sameStreamID(a, b string) bool { return compareStreamIDs(a, b) == 0 }

// TimelineLen returns how many entries the incident's timeline holds, or an
// error wrapping bot.ErrNotFound when the incident does not exist.
func (s *Store) TimelineLen(ctx context.Context, id int64) (int64, error) {
	var exists, n *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		exists = p.Exists(ctx, s.recordKey(id))
		n = p.XLen(ctx, s.timelineKey(id))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("timeline length of incident %d: %w", id, unavailable(err))
	}
	if exists.Val() == 0 {
		return 0, fmt.Errorf("timeline length of incident %d: %w", id, bot.ErrNotFound)
	}
	return n.Val(), nil
}

// min0 is the smaller of the positive ones of a and b, or 0 if neither is.
func min0(a, b int) int {
	switch {
	case a <= 0:
		return max(b, 0)
	case b <= 0:
		return a
	}
	return min(a, b)
}

// validStreamID accepts "<ms>" and "<ms>-<seq>".
func validStreamID(id string) bool {
	ms, seq, hasSeq := strings.Cut(id, "-")
	if _, err := strconv.ParseUint(ms, 10, 64); err != nil {
		return false
	}
	if _, err := strconv.ParseUint(seq, 10, 64); hasSeq && err != nil {
		return false
	}
	return true
}

// prepareEntries checks entries and sets a zero At to now; every At is
// then UTC with millisecond precision, as the stream stores it.
func prepareEntries(entries []bot.TimelineEntry, now time.Time) error {
	for i := range entries {
		if entries[i].Kind == "" {
			return fmt.Errorf("timeline entry %d has no kind", i)
		}
		if entries[i].At.IsZero() {
			entries[i].At = now
		}
		entries[i].At = time.UnixMilli(entries[i].At.UnixMilli()).UTC()
	}
	return nil
}

// countEntries counts stored entries in the metrics.
func (s *Store) countEntries(entries []bot.TimelineEntry) {
	for _, e := range entries {
		s.metrics.entries.WithLabelValues(string(e.Kind)).Inc()
	}
}

// encodeEntry renders e as stream field/value pairs, leaving out the empty.
func encodeEntry(e bot.TimelineEntry) []any {
	v := []any{fieldKind, string(e.Kind), fieldAt, e.At.UnixMilli()}
	for _, f := range [...]struct{ name, value string }{
		{fieldAuthorID, e.Author.ID},
		{fieldAuthorName, e.Author.Name},
		{fieldText, e.Text},
		{fieldRef, e.Ref},
		{fieldRefersTo, e.RefersTo},
		{fieldTarget, e.Target},
	} {
		if f.value != "" {
			v = append(v, f.name, f.value)
		}
	}
	if e.Key {
		v = append(v, fieldKey, "1")
	}
	if len(e.Data) > 0 {
		data, _ := json.Marshal(e.Data) // a map of strings always encodes
		v = append(v, fieldData, string(data))
	}
	return v
}

// decodeEntry is the inverse of encodeEntry.
func decodeEntry(m redis.XMessage) (bot.TimelineEntry, error) {
	str := func(name string) string {
		v, _ := m.Values[name].(string)
		return v
	}
	ms, err := strconv.ParseInt(str(fieldAt), 10, 64)
	if err != nil {
		return bot.TimelineEntry{}, fmt.Errorf("bad %s field: %w", fieldAt, err)
	}
	e := bot.TimelineEntry{
		ID:       m.ID,
		At:       time.UnixMilli(ms).UTC(),
		Kind:     bot.EntryKind(str(fieldKind)),
		Author:   bot.User{ID: str(fieldAuthorID), Name: str(fieldAuthorName)},
		Text:     str(fieldText),
		Ref:      str(fieldRef),
		RefersTo: str(fieldRefersTo),
		Target:   str(fieldTarget),
		Key:      str(fieldKey) == "1",
	}
	if e.Kind == "" {
		return bot.TimelineEntry{}, errors.New("no kind field")
	}
	if d := str(fieldData); d != "" {
		// Into a variable of its own: &e.Data would move every decoded
		// entry to the heap, data or not.
		var data map[string]string
		if err := json.Unmarshal([]byte(d), &data); err != nil {
			return bot.TimelineEntry{}, fmt.Errorf("bad %s field: %w", fieldData, err)
		}
		e.Data = data
	}
	return e, nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/warroomhq/warroom/bot"
)

// The refers-back index <p>inc:{<id>}:referring lets the newest page of a
// timeline in reading order be read without the bot.HoldBack of entries
// before it. Only an entry that refers back (an edit, a deletion, a flag)
// and arrived before its original can be moved into that page, behind its
// original; the index names every such entry, so the page reads the
// stream only from the first one that may move into it.
//
// Each member is "<stream ID> <refers_to>", scored by the stream ID's
// milliseconds, written with the entry in one step (appendReferringScript).
// The member referringComplete is scored by the arrival time (unix ms)
// from which the index holds every entry that refers back: 0 for an
// incident created with the index, the start of the window the first read
// filled it from (backfillReferring) for one written before.
const referringComplete = "complete"

func (s *Store) referringKey(id int64) string { return s.recordKey(id) + ":referring" }

// overtaking returns the stream ID of the oldest entry of the incident's
// timeline that arrived from unix ms from on and before last[0] and may be
// moved behind an entry of last: one that refers back to a Ref of last. It
// returns "" when there is none, and ok false when the index is not
// complete from there (an incident written before it).
func (s *Store) overtaking(ctx context.Context, id int64, last []bot.TimelineEntry, from int64) (start string, ok bool, err error) {
	var mark *redis.FloatCmd
	var lines *redis.StringSliceCmd
	firstMS, _ := streamID(last[0].ID)
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		mark = p.ZScore(ctx, s.referringKey(id), referringComplete)
		lines = p.ZRangeByScore(ctx, s.referringKey(id), &redis.ZRangeBy{
			Min: strconv.FormatInt(from, 10), Max: strconv.FormatUint(firstMS, 10)})
		return nil
	})
	switch {
	case errors.Is(err, redis.Nil): // no mark: lines answered, mark did not
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("timeline of incident %d: %w", id, unavailable(err))
	case mark.Val() > float64(from):
		return "", false, nil
	}
	refs := make(map[string]bool, len(last))
	for _, e := range last {
		if e.Ref != "" && !e.RefersBack() {
			refs[e.Ref] = true
		}
	}
	for _, line := range lines.Val() { // oldest first
		sid, refersTo, _ := strings.Cut(line, " ")
		if line != referringComplete && refs[refersTo] && validStreamID(sid) && compareStreamIDs(sid, last[0].ID) < 0 {
			return sid, true, nil
		}
	}
	return "", true, nil
}

// backfillReferring fills the refers-back index of an incident written
// before it from entries, every entry of its timeline that arrived from
// unix ms from on (as read then), and marks it complete from there: what
// is appended after the read indexes itself. Windows only move forward
// (the newest page's do, as entries are appended), so what arrived before
// from is never needed.
func (s *Store) backfillReferring(ctx context.Context, id int64, entries []bot.TimelineEntry, from int64) error {
	members := []redis.Z{{Score: float64(from), Member: referringComplete}}
	for _, e := range entries {
		if e.RefersBack() {
			ms, _ := streamID(e.ID)
			members = append(members, redis.Z{Score: float64(ms), Member: e.ID + " " + e.RefersTo})
		}
	}
	if err := s.rdb.ZAdd(ctx, s.referringKey(id), members...).Err(); err != nil {
		return fmt.Errorf("index timeline of incident %d: %w", id, unavailable(err))
	}
	return nil
}

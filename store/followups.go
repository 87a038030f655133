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
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// noDueScore is the open index's score of a follow-up without a due date:
// later than any date, so those come last.
const noDueScore = float64(1 << 53)

// DefaultFollowUpLimit is how many follow-ups OpenFollowUps returns when
// FollowUpQuery.Limit is 0.
const DefaultFollowUpLimit = 100

// followUpPage is how many index members OpenFollowUps reads at a time.
const followUpPage = 200

// FollowUpQuery selects open follow-ups for OpenFollowUps. The zero value
// selects every open follow-up (up to DefaultFollowUpLimit).
type FollowUpQuery struct {
	// Owner, when set, keeps only the follow-ups owned by this user ID.
	Owner string
	// DueBy, when set, keeps only the follow-ups whose due day starts at
	// or before it; those without a due date are left out.
	DueBy time.Time
	// Limit caps the result; 0 means DefaultFollowUpLimit.
	Limit int
	// Keep, when set, leaves out the follow-ups it rejects (the handlers'
	// audience rule); the result still holds up to Limit.
	Keep func(*bot.FollowUp) bool
}

// AddFollowUp stores f as the next follow-up of incident f.Incident and, in
// the same MULTI/EXEC on the incident's slot, the timeline entries that
// entries makes for it (a zero At becomes now). The store numbers it (1, 2,
// ... per incident, never twice), sets State to open and a zero CreatedAt
// to now, and returns it as stored. f.Text and f.Owner are required. It
// fails with an error wrapping bot.ErrNotFound, writing nothing, when the
// incident does not exist. After the transaction the follow-up joins the
// index of open follow-ups and its incident the index of incidents with
// follow-ups.
func (s *Store) AddFollowUp(ctx context.Context, f bot.FollowUp, entries func(f *bot.FollowUp) []bot.TimelineEntry) (*bot.FollowUp, error) {
	id := f.Incident
	if id <= 0 || strings.TrimSpace(f.Text) == "" || f.Owner.IsZero() {
		return nil, fmt.Errorf("add follow-up to incident %d: incident, text and owner are required", id)
	}
	f.State = bot.FollowUpOpen
	if f.CreatedAt.IsZero() {
		f.CreatedAt = s.now()
	}
	key := s.followUpsKey(id)
	var es []bot.TimelineEntry
	err := s.watch(ctx, key, func(tx *redis.Tx) error {
		var exists, count *redis.IntCmd
		_, err := tx.Pipelined(ctx, func(p redis.Pipeliner) error {
			exists = p.Exists(ctx, s.recordKey(id))
			count = p.HLen(ctx, key)
			return nil
		})
		if err != nil {
			return unavailable(err)
		}
		if exists.Val() == 0 {
			return bot.ErrNotFound
		}
		// Follow-ups are never deleted, so the next number is one more
		// than how many there are; WATCH makes two adds take turns.
		f.N = int(count.Val()) + 1
		es = entries(&f)
		return s.writeFollowUp(ctx, tx, &f, es)
	})
	if err != nil {
		return nil, fmt.Errorf("add follow-up to incident %d: %w", id, err)
	}
	s.countEntries(es)
	s.indexFollowUp(ctx, id, f.N)
	s.noteFollowUpIncident(ctx, id)
	return &f, nil
}

// UpdateFollowUp applies fn to follow-up n of incident id under optimistic
// locking (WATCH on the incident's follow-ups), then writes it with the
// timeline entries fn returned in one MULTI/EXEC, retrying fn on a fresh
// copy when another writer got in between. When fn returns an error
// nothing is written and that very error is returned, so a *bot.Error
// reaches the caller. A follow-up that does not exist is an error wrapping
// bot.ErrNotFound. fn may not renumber or move the follow-up. After the
// commit the open index is brought in line.
func (s *Store) UpdateFollowUp(ctx context.Context, id int64, n int, fn func(f *bot.FollowUp) ([]bot.TimelineEntry, error)) (*bot.FollowUp, error) {
	key := s.followUpsKey(id)
	var cur *bot.FollowUp
	var es []bot.TimelineEntry
	var fnErr error
	err := s.watch(ctx, key, func(tx *redis.Tx) error {
		fnErr = nil
		f, err := s.loadFollowUp(ctx, tx, id, n)
		if err != nil {
			return err
		}
		if es, fnErr = fn(f); fnErr != nil {
			return fnErr
		}
		f.Incident, f.N = id, n
		cur = f
		return s.writeFollowUp(ctx, tx, f, es)
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, fmt.Errorf("update follow-up %d of incident %d: %w", n, id, err)
	}
	s.countEntries(es)
	s.indexFollowUp(ctx, id, n)
	s.noteFollowUpIncident(ctx, id)
	return cur, nil
}

// writeFollowUp stores f (its times in UTC, as they read back) and XADDs
// entries in one MULTI/EXEC on tx, then fills the entries' IDs.
func (s *Store) writeFollowUp(ctx context.Context, tx *redis.Tx, f *bot.FollowUp, entries []bot.TimelineEntry) error {
	if err := prepareEntries(entries, s.now().UTC()); err != nil {
		return err
	}
	for _, t := range []*time.Time{&f.Due, &f.CreatedAt, &f.DoneAt, &f.VerifiedAt, &f.VerifyAskedAt} {
		if !t.IsZero() {
			*t = t.UTC() // as read back, whatever zone the caller used
		}
	}
	raw, err := json.Marshal(f)
	if err != nil {
		return err
	}
	var ids []func() string
	_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.followUpsKey(f.Incident), strconv.Itoa(f.N), raw)
		ids = s.addEntries(ctx, p, f.Incident, entries)
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

// FollowUp returns follow-up n of incident id, or an error wrapping
// bot.ErrNotFound.
func (s *Store) FollowUp(ctx context.Context, id int64, n int) (*bot.FollowUp, error) {
	f, err := s.loadFollowUp(ctx, s.rdb, id, n)
	if err != nil {
		return nil, fmt.Errorf("follow-up %d of incident %d: %w", n, id, err)
	}
	return f, nil
}

// FollowUps returns every follow-up of incident id, by number; none (also
// for an incident that does not exist) is an empty list.
func (s *Store) FollowUps(ctx context.Context, id int64) ([]bot.FollowUp, error) {
	vals, err := s.rdb.HVals(ctx, s.followUpsKey(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("follow-ups of incident %d: %w", id, unavailable(err))
	}
	out := make([]bot.FollowUp, 0, len(vals))
	for _, v := range vals {
		f, err := decodeFollowUp(v)
		if err != nil {
			return nil, fmt.Errorf("follow-ups of incident %d: %w", id, err)
		}
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b bot.FollowUp) int { return cmp.Compare(a.N, b.N) })
	return out, nil
}

// OpenFollowUps returns the open follow-ups of every incident that q
// selects, the earliest due first (those without a due date last), then by
// incident and number. Index entries that disagree with their follow-up
// (gone, or no longer open) are left out and repaired.
func (s *Store) OpenFollowUps(ctx context.Context, q FollowUpQuery) ([]bot.FollowUp, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultFollowUpLimit
	}
	maxScore := "+inf"
	if !q.DueBy.IsZero() {
		maxScore = strconv.FormatInt(q.DueBy.Unix(), 10)
	}
	var out []bot.FollowUp
	var stale []string
	for offset := int64(0); len(out) < limit; offset += followUpPage {
		zs, err := s.rdb.ZRangeByScoreWithScores(ctx, s.openFollowUpsKey(), &redis.ZRangeBy{
			Min: "-inf", Max: maxScore, Offset: offset, Count: followUpPage,
		}).Result()
		if err != nil {
			return nil, fmt.Errorf("open follow-ups: %w", unavailable(err))
		}
		members := make([]string, len(zs))
		for i, z := range zs {
			members[i], _ = z.Member.(string)
		}
		fs, err := s.loadFollowUps(ctx, members)
		if err != nil {
			return nil, fmt.Errorf("open follow-ups: %w", err)
		}
		for i, f := range fs {
			if f == nil || !f.Open() {
				stale = append(stale, members[i])
				continue
			}
			if followUpScore(f) != zs[i].Score {
				// Indexed with an old due date: the follow-up says.
				stale = append(stale, members[i])
				if !q.DueBy.IsZero() && (f.Due.IsZero() || f.Due.After(q.DueBy)) {
					continue
				}
			}
			if (q.Owner == "" || f.Owner.ID == q.Owner) && len(out) < limit && (q.Keep == nil || q.Keep(f)) {
				out = append(out, *f)
			}
		}
		if len(zs) < followUpPage {
			break
		}
	}
	for _, m := range stale {
		if id, n, ok := parseFollowUpMember(m); ok {
			s.indexFollowUp(ctx, id, n)
		} else if err := s.rdb.ZRem(ctx, s.openFollowUpsKey(), m).Err(); err != nil {
			s.log.Warn("repair open follow-ups", zap.String("member", m), zap.Error(err))
		}
	}
	slices.SortStableFunc(out, func(a, b bot.FollowUp) int {
		return cmp.Or(cmp.Compare(followUpScore(&a), followUpScore(&b)),
			cmp.Compare(a.Incident, b.Incident), cmp.Compare(a.N, b.N))
	})
	return out, nil
}

// loadFollowUps reads the follow-ups named by index members in one
// pipeline (split per node on a cluster); a member that names nothing
// gives nil.
func (s *Store) loadFollowUps(ctx context.Context, members []string) ([]*bot.FollowUp, error) {
	cmds := make([]*redis.StringCmd, len(members))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range members {
			if id, n, ok := parseFollowUpMember(m); ok {
				cmds[i] = p.HGet(ctx, s.followUpsKey(id), strconv.Itoa(n))
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, unavailable(err)
	}
	out := make([]*bot.FollowUp, len(members))
	for i, c := range cmds {
		if c == nil || errors.Is(c.Err(), redis.Nil) {
			continue
		}
		if c.Err() != nil {
			return nil, unavailable(c.Err())
		}
		f, err := decodeFollowUp(c.Val())
		if err != nil {
			return nil, fmt.Errorf("follow-up %s: %w", members[i], err)
		}
		out[i] = f
	}
	return out, nil
}

// loadFollowUp reads one follow-up through c (the client or a transaction);
// a missing one is bot.ErrNotFound.
func (s *Store) loadFollowUp(ctx context.Context, c redis.Cmdable, id int64, n int) (*bot.FollowUp, error) {
	v, err := c.HGet(ctx, s.followUpsKey(id), strconv.Itoa(n)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, bot.ErrNotFound
	}
	if err != nil {
		return nil, unavailable(err)
	}
	return decodeFollowUp(v)
}

func decodeFollowUp(v string) (*bot.FollowUp, error) {
	var f bot.FollowUp
	if err := json.Unmarshal([]byte(v), &f); err != nil {
		return nil, fmt.Errorf("decode follow-up: %w", err)
	}
	return &f, nil
}

// indexFollowUp makes the open index agree with follow-up n of incident
// id, as reconcileOpen does for incidents: it reads the follow-up, applies
// what it says, and repeats while a concurrent writer changed it meanwhile,
// so that racing writers converge. Failures are logged: the follow-up is
// the truth, its next write repeats this, and readers repair what they
// find stale.
func (s *Store) indexFollowUp(ctx context.Context, id int64, n int) {
	member := followUpMember(id, n)
	var last *bot.FollowUp
	for range 5 {
		f, err := s.loadFollowUp(ctx, s.rdb, id, n)
		if err != nil && !errors.Is(err, bot.ErrNotFound) {
			s.log.Warn("index open follow-ups", zap.String("member", member), zap.Error(err))
			return
		}
		if last != nil && sameIndexing(last, f) {
			return
		}
		if f != nil && f.Open() {
			err = s.rdb.ZAdd(ctx, s.openFollowUpsKey(), redis.Z{Score: followUpScore(f), Member: member}).Err()
		} else {
			err = s.rdb.ZRem(ctx, s.openFollowUpsKey(), member).Err()
		}
		if err == nil && f != nil && f.AwaitsVerifyQuestion() {
			err = s.rdb.ZAdd(ctx, s.doneFollowUpsKey(), redis.Z{Score: float64(f.DoneAt.Unix()), Member: member}).Err()
		} else if err == nil {
			err = s.rdb.ZRem(ctx, s.doneFollowUpsKey(), member).Err()
		}
		if err != nil {
			s.log.Warn("index open follow-ups", zap.String("member", member), zap.Error(unavailable(err)))
			return
		}
		if f == nil {
			return
		}
		last = f
	}
}

// sameIndexing reports whether a and b (b may be nil) give the same index
// entry.
func sameIndexing(a, b *bot.FollowUp) bool {
	if b == nil {
		return false
	}
	return a.Open() == b.Open() && followUpScore(a) == followUpScore(b) &&
		a.AwaitsVerifyQuestion() == b.AwaitsVerifyQuestion() && a.DoneAt.Equal(b.DoneAt)
}

// followUpScore is f's score in the open index: the start of its due day
// in unix seconds, or noDueScore.
func followUpScore(f *bot.FollowUp) float64 {
	if f.Due.IsZero() {
		return noDueScore
	}
	return float64(f.Due.Unix())
}

func followUpMember(id int64, n int) string {
	return strconv.FormatInt(id, 10) + ":" + strconv.Itoa(n)
}

func parseFollowUpMember(m string) (int64, int, bool) {
	a, b, ok := strings.Cut(m, ":")
	if !ok {
		return 0, 0, false
	}
	id, err1 := strconv.ParseInt(a, 10, 64)
	n, err2 := strconv.Atoi(b)
	return id, n, err1 == nil && err2 == nil && id > 0 && n > 0
}

func (s *Store) followUpsKey(id int64) string { return s.recordKey(id) + ":followups" }
func (s *Store) openFollowUpsKey() string     { return s.prefix + "followups:open" }
func (s *Store) doneFollowUpsKey() string     { return s.prefix + "followups:done" }

// DoneFollowUps returns up to limit follow-ups marked done at or before
// doneBy whose owner was not yet asked whether they worked
// (bot.FollowUp.AwaitsVerifyQuestion), the earliest done first. Index
// entries that disagree with their follow-up are left out and repaired.
func (s *Store) DoneFollowUps(ctx context.Context, doneBy time.Time, limit int) ([]bot.FollowUp, error) {
	if limit <= 0 {
		limit = DefaultFollowUpLimit
	}
	members, err := s.rdb.ZRangeByScore(ctx, s.doneFollowUpsKey(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(doneBy.Unix(), 10), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("done follow-ups: %w", unavailable(err))
	}
	fs, err := s.loadFollowUps(ctx, members)
	if err != nil {
		return nil, fmt.Errorf("done follow-ups: %w", err)
	}
	var out []bot.FollowUp
	for i, f := range fs {
		if f == nil || !f.AwaitsVerifyQuestion() || f.DoneAt.After(doneBy) {
			if id, n, ok := parseFollowUpMember(members[i]); ok {
				s.indexFollowUp(ctx, id, n)
			} else {
				_ = s.rdb.ZRem(ctx, s.doneFollowUpsKey(), members[i]).Err()
			}
			continue
		}
		out = append(out, *f)
	}
	return out, nil
}

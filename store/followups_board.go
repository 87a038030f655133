package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// followUpIncidentsVersion is the value of <p>followups:incidents:built
// once the index holds every incident written before it existed.
const followUpIncidentsVersion = "1"

// BoardScan bounds how many incidents AllFollowUps reads the follow-ups
// of, the newest first.
const BoardScan = 5000

// FollowUpsPage is what AllFollowUps read: every follow-up of the newest
// incidents that have any, and whether older incidents were left out.
type FollowUpsPage struct {
	// FollowUps are by incident, the newest first, then by number.
	FollowUps []bot.FollowUp
	// Incidents are the records of the incidents FollowUps belong to.
	Incidents map[int64]*bot.Incident
	// Truncated says that more than BoardScan incidents have follow-ups.
	Truncated bool
}

// AllFollowUps returns the follow-ups of every incident that has any (up
// to BoardScan incidents, the newest first), whatever their state, with
// their incidents' records (read in one pipeline); keep, when set, leaves
// out the incidents it rejects (the handlers' audience rule) before their
// follow-ups are read. An index entry whose record is gone is skipped. On first use it builds
// <p>followups:incidents from <p>incidents:all, for follow-ups added
// before the index existed.
func (s *Store) AllFollowUps(ctx context.Context, keep func(*bot.Incident) bool) (FollowUpsPage, error) {
	if err := s.ensureFollowUpIncidents(ctx); err != nil {
		return FollowUpsPage{}, err
	}
	members, err := s.rdb.ZRevRange(ctx, s.followUpIncidentsKey(), 0, BoardScan).Result()
	if err != nil {
		return FollowUpsPage{}, fmt.Errorf("follow-ups of every incident: %w", unavailable(err))
	}
	page := FollowUpsPage{Truncated: len(members) > BoardScan, Incidents: map[int64]*bot.Incident{}}
	members = members[:min(len(members), BoardScan)]
	incs, err := s.loadMany(ctx, members)
	if err != nil {
		return FollowUpsPage{}, fmt.Errorf("follow-ups of every incident: %w", err)
	}
	var ids []int64
	for _, inc := range incs {
		if inc != nil && (keep == nil || keep(inc)) {
			ids = append(ids, inc.ID)
			page.Incidents[inc.ID] = inc
		}
	}
	cmds := make([]*redis.StringSliceCmd, len(ids))
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HVals(ctx, s.followUpsKey(id))
		}
		return nil
	}); err != nil {
		return FollowUpsPage{}, fmt.Errorf("follow-ups of every incident: %w", unavailable(err))
	}
	for i, c := range cmds {
		start := len(page.FollowUps)
		for _, v := range c.Val() {
			f, err := decodeFollowUp(v)
			if err != nil {
				return FollowUpsPage{}, fmt.Errorf("follow-ups of incident %d: %w", ids[i], err)
			}
			page.FollowUps = append(page.FollowUps, *f)
		}
		slices.SortFunc(page.FollowUps[start:], func(a, b bot.FollowUp) int { return cmp.Compare(a.N, b.N) })
	}
	return page, nil
}

// noteFollowUpIncident puts incident id in <p>followups:incidents after a
// follow-up's transaction. A failure is logged: the incident's next
// follow-up write repeats it.
func (s *Store) noteFollowUpIncident(ctx context.Context, id int64) {
	err := s.rdb.ZAdd(ctx, s.followUpIncidentsKey(), redis.Z{Score: float64(id), Member: strconv.FormatInt(id, 10)}).Err()
	if err != nil {
		s.log.Warn("index incidents with follow-ups", zap.Int64("incident", id), zap.Error(unavailable(err)))
	}
}

// ensureFollowUpIncidents builds <p>followups:incidents from the
// incidents' follow-up hashes when its marker is missing. Concurrent
// builders and writers are harmless: every write is an idempotent ZADD of
// an incident that has follow-ups (they are never deleted).
func (s *Store) ensureFollowUpIncidents(ctx context.Context) error {
	return s.ensure(ctx, s.followUpIncidents())
}

// RebuildFollowUpIncidents adds every incident of <p>incidents:all that
// has follow-ups to <p>followups:incidents, a page at a time, then marks
// the index complete.
func (s *Store) RebuildFollowUpIncidents(ctx context.Context) error {
	return s.rebuild(ctx, s.followUpIncidents())
}

// followUpIncidents is the backfill of <p>followups:incidents.
func (s *Store) followUpIncidents() backfill {
	return backfill{what: "index of incidents with follow-ups", marker: s.followUpIncidentsBuiltKey(),
		version: followUpIncidentsVersion, page: s.indexFollowUpIncidents}
}

// indexFollowUpIncidents adds the incidents of one page that have
// follow-ups.
func (s *Store) indexFollowUpIncidents(ctx context.Context, members []string) error {
	cmds := make(map[int64]*redis.IntCmd, len(members))
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, m := range members {
			if id, err := strconv.ParseInt(m, 10, 64); err == nil {
				cmds[id] = p.Exists(ctx, s.followUpsKey(id))
			}
		}
		return nil
	}); err != nil {
		return unavailable(err)
	}
	var zs []redis.Z
	for id, c := range cmds {
		if c.Val() > 0 {
			zs = append(zs, redis.Z{Score: float64(id), Member: strconv.FormatInt(id, 10)})
		}
	}
	if len(zs) == 0 {
		return nil
	}
	return unavailable(s.rdb.ZAdd(ctx, s.followUpIncidentsKey(), zs...).Err())
}

func (s *Store) followUpIncidentsKey() string      { return s.prefix + "followups:incidents" }
func (s *Store) followUpIncidentsBuiltKey() string { return s.prefix + "followups:incidents:built" }

package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// DefaultListLimit is how many incidents List returns when ListQuery.Limit
// is 0.
const DefaultListLimit = 100

// ListQuery selects incidents for List.
type ListQuery struct {
	// Open keeps only open incidents (bot.Status.Open).
	Open bool
	// Limit caps the result; 0 means DefaultListLimit.
	Limit int
	// Since, when set, keeps only incidents created at or after it. As IDs
	// grow with creation time, List then stops reading the index after a
	// page of sincePage incidents all created before Since, instead of
	// reading every incident ever stored. (A newer incident is missed only
	// if a whole page of older ones is numbered after it, which replicas'
	// clocks a little apart cannot cause.)
	Since time.Time
	// Keep, when set, leaves out the incidents it rejects (the handlers'
	// audience rule); List still returns up to Limit incidents, reading on
	// past the rejected ones.
	Keep func(*bot.Incident) bool
}

// sincePage is List's page size with ListQuery.Since.
const sincePage = 256

// List returns incidents newest (highest ID) first. Index entries that
// disagree with their record (no record, or with Open a record no longer
// open) are left out and repaired, so a stale index never shows a wrong
// incident.
func (s *Store) List(ctx context.Context, q ListQuery) ([]*bot.Incident, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	index := s.allKey()
	if q.Open {
		index = s.openKey()
	}
	page := limit
	if !q.Since.IsZero() {
		page = sincePage
	}
	var out []*bot.Incident
	var stale []string
	for start := int64(0); len(out) < limit; start += int64(page) {
		members, err := s.rdb.ZRevRange(ctx, index, start, start+int64(page)-1).Result()
		if err != nil {
			return nil, fmt.Errorf("list incidents: %w", unavailable(err))
		}
		incs, err := s.loadMany(ctx, members)
		if err != nil {
			return nil, fmt.Errorf("list incidents: %w", err)
		}
		records, newer := 0, 0
		for i, inc := range incs {
			if inc != nil {
				records++
				if !inc.CreatedAt.Before(q.Since) {
					newer++
				}
			}
			switch {
			case inc == nil || (q.Open && !inc.Status.Open()):
				stale = append(stale, members[i])
			case inc.CreatedAt.Before(q.Since):
			case q.Keep != nil && !q.Keep(inc):
			case len(out) < limit:
				out = append(out, inc)
			}
		}
		if len(members) < page || (!q.Since.IsZero() && records > 0 && newer == 0) {
			break
		}
	}
	s.repair(ctx, index, stale)
	return out, nil
}

// loadMany reads the records named by index members in one pipeline; a
// member that is no ID or has no record gives nil.
func (s *Store) loadMany(ctx context.Context, members []string) ([]*bot.Incident, error) {
	cmds := make([]*redis.StringCmd, len(members))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range members {
			if id, err := strconv.ParseInt(m, 10, 64); err == nil {
				cmds[i] = p.Get(ctx, s.recordKey(id))
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, unavailable(err)
	}
	incs := make([]*bot.Incident, len(members))
	for i, c := range cmds {
		if c == nil || errors.Is(c.Err(), redis.Nil) {
			continue
		}
		if c.Err() != nil {
			return nil, unavailable(c.Err())
		}
		inc, err := decodeIncident([]byte(c.Val()))
		if err != nil {
			return nil, fmt.Errorf("incident %s: %w", members[i], err)
		}
		incs[i] = inc
	}
	return incs, nil
}

// repair removes stale members from index. For the open index it goes
// through reconcileOpen, so an incident reopened meanwhile stays listed.
// Failures are logged: the next List tries again.
func (s *Store) repair(ctx context.Context, index string, stale []string) {
	for _, m := range stale {
		id, err := strconv.ParseInt(m, 10, 64)
		if err != nil || index != s.openKey() {
			err = s.rdb.ZRem(ctx, index, m).Err()
		} else {
			err = s.reconcileOpen(ctx, id, false)
		}
		if err != nil {
			s.log.Warn("repair index", zap.String("index", index), zap.String("member", m), zap.Error(err))
			return
		}
	}
}

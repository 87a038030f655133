package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// backfill is an index derived from the incident records (the facets, the
// incidents with follow-ups): built from <p>incidents:all a page at a time
// when its marker does not name the current version, so that records
// written before the index existed appear in it.
type backfill struct {
	// what names the index in errors and the log.
	what string
	// marker holds version once the index is complete.
	marker, version string
	// page indexes one page of incident IDs (members of incidents:all).
	page func(ctx context.Context, members []string) error
}

// backfillPage is how many incidents one step of a backfill reads.
const backfillPage = 500

// ensure builds b unless its marker says it is complete.
func (s *Store) ensure(ctx context.Context, b backfill) error {
	v, err := s.rdb.Get(ctx, b.marker).Result()
	if err == nil && v == b.version {
		return nil
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("%s: %w", b.what, unavailable(err))
	}
	return s.rebuild(ctx, b)
}

// rebuild pages through every incident into b, then marks it complete.
func (s *Store) rebuild(ctx context.Context, b backfill) error {
	for start := int64(0); ; start += backfillPage {
		members, err := s.rdb.ZRange(ctx, s.allKey(), start, start+backfillPage-1).Result()
		if err != nil {
			return fmt.Errorf("rebuild %s: %w", b.what, unavailable(err))
		}
		if err := b.page(ctx, members); err != nil {
			return fmt.Errorf("rebuild %s: %w", b.what, err)
		}
		if len(members) < backfillPage {
			break
		}
	}
	if err := s.rdb.Set(ctx, b.marker, b.version, 0).Err(); err != nil {
		return fmt.Errorf("rebuild %s: %w", b.what, unavailable(err))
	}
	s.log.Info("index built: " + b.what)
	return nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/warroomhq/warroom/bot"
)

// ErrFiled is FileFollowUp's answer for a follow-up already filed as an
// issue: it is filed once.
var ErrFiled = errors.New("follow-up already filed")

// FileFollowUp records that follow-up n of incident id was filed as issue
// ref, with the timeline entries entries makes, in the follow-up's
// transaction (UpdateFollowUp), and then indexes the issue
// (issues:<tracker>:<key>, its own slot) for FollowUpByIssue. A
// follow-up already filed is ErrFiled, writing nothing. A failed index
// write is an error after the follow-up was written: calling again
// repeats only the index.
func (s *Store) FileFollowUp(ctx context.Context, id int64, n int, ref bot.IssueRef, entries func(f *bot.FollowUp) []bot.TimelineEntry) (*bot.FollowUp, error) {
	if ref.IsZero() || ref.Tracker == "" {
		return nil, fmt.Errorf("file follow-up %d of incident %d: tracker and key are required", n, id)
	}
	f, err := s.UpdateFollowUp(ctx, id, n, func(f *bot.FollowUp) ([]bot.TimelineEntry, error) {
		if !f.Issue.IsZero() && f.Issue != ref {
			return nil, ErrFiled
		}
		already := f.Issue == ref
		f.Issue = ref
		if already {
			return nil, nil
		}
		return entries(f), nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.rdb.Set(ctx, s.issueKey(ref.Tracker, ref.Key), followUpMember(id, n), 0).Err(); err != nil {
		return f, fmt.Errorf("index issue %s: %w", ref.Key, unavailable(err))
	}
	return f, nil
}

// FollowUpByIssue returns the follow-up filed as issue key in tracker, or
// an error wrapping bot.ErrNotFound when Warroom filed no follow-up as
// it (an index entry whose follow-up names another issue is not trusted).
func (s *Store) FollowUpByIssue(ctx context.Context, tracker, key string) (*bot.FollowUp, error) {
	v, err := s.rdb.Get(ctx, s.issueKey(tracker, key)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("issue %s: %w", key, bot.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("issue %s: %w", key, unavailable(err))
	}
	id, n, ok := parseFollowUpMember(v)
	if !ok {
		return nil, fmt.Errorf("issue %s: %w", key, bot.ErrNotFound)
	}
	f, err := s.FollowUp(ctx, id, n)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(f.Issue.Key, key) || !strings.EqualFold(f.Issue.Tracker, tracker) {
		return nil, fmt.Errorf("issue %s: %w", key, bot.ErrNotFound)
	}
	return f, nil
}

func (s *Store) issueKey(tracker, key string) string {
	return s.prefix + "issues:" + strings.ToLower(tracker) + ":" + strings.ToUpper(key)
}

package handlers

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/warroomhq/warroom/bot"
)

// boardWeeks is how many weeks the board's counts over time go back.
const boardWeeks = 12

// FollowUpBoard is the web's board of follow-ups: every follow-up of every
// incident v may see (a private incident's only for its audience; an
// admin sees them all, as in lists, without a look on each timeline), the
// ones f selects, and counts of them all now and at the end of each of the
// last 12 weeks.
//
// The counts over time are read from each follow-up's own times (created,
// done, verified): a follow-up reopened since counts as open from its
// creation, as its earlier done time is no longer kept.
func (s *Service) FollowUpBoard(ctx context.Context, v bot.Viewer, f bot.FollowUpFilter) (bot.FollowUpBoard, error) {
	sees := s.seesFunc(ctx, s.viewer(v))
	page, err := s.store.AllFollowUps(ctx, sees)
	if err != nil {
		return bot.FollowUpBoard{}, err
	}
	now, loc := s.opts.Now(), s.opts.Location
	board := bot.FollowUpBoard{Truncated: page.Truncated, Now: countFollowUps(page.FollowUps, now, loc)}
	for w := boardWeeks - 1; w >= 0; w-- {
		board.Weeks = append(board.Weeks, countFollowUps(page.FollowUps, now.AddDate(0, 0, -7*w), loc))
	}
	var dueBy time.Time
	if f.DueWithin > 0 {
		local := now.In(loc)
		dueBy = time.Date(local.Year(), local.Month(), local.Day()+f.DueWithin, 0, 0, 0, 0, loc)
	}
	owners := map[string]bot.User{}
	for i := range page.FollowUps {
		fu := &page.FollowUps[i]
		owners[fu.Owner.ID] = fu.Owner
		item := bot.BoardItem{FollowUp: *fu, Incident: page.Incidents[fu.Incident], Overdue: fu.Overdue(now, loc)}
		if boardKeeps(f, dueBy, &item) {
			board.Items = append(board.Items, item)
		}
	}
	for _, u := range owners {
		board.Owners = append(board.Owners, u)
	}
	slices.SortFunc(board.Owners, func(a, b bot.User) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Display()), strings.ToLower(b.Display())), strings.Compare(a.ID, b.ID))
	})
	slices.SortStableFunc(board.Items, func(a, b bot.BoardItem) int {
		return cmp.Or(cmp.Compare(dueOrder(&a.FollowUp), dueOrder(&b.FollowUp)),
			cmp.Compare(a.FollowUp.Incident, b.FollowUp.Incident), cmp.Compare(a.N, b.N))
	})
	return board, nil
}

// boardKeeps reports whether filter f selects item; dueBy is the start of
// the last due day f.DueWithin keeps.
func boardKeeps(f bot.FollowUpFilter, dueBy time.Time, item *bot.BoardItem) bool {
	switch {
	case f.Owner != "" && item.Owner.ID != f.Owner:
		return false
	case f.State == "overdue" && !item.Overdue:
		return false
	case f.State != "" && f.State != "overdue" && item.State != f.State:
		return false
	case f.NoDue && !item.Due.IsZero():
		return false
	case !dueBy.IsZero() && (item.Due.IsZero() || item.Due.After(dueBy)):
		return false
	}
	return true
}

// dueOrder sorts by due day, those without one last.
func dueOrder(f *bot.FollowUp) int64 {
	if f.Due.IsZero() {
		return 1 << 62
	}
	return f.Due.Unix()
}

// countFollowUps counts fs as they stood at t: created by then, and done
// or verified by then.
func countFollowUps(fs []bot.FollowUp, t time.Time, loc *time.Location) bot.FollowUpCounts {
	c := bot.FollowUpCounts{At: t}
	for i := range fs {
		f := fs[i]
		switch {
		case f.CreatedAt.After(t):
		case !f.VerifiedAt.IsZero() && !f.VerifiedAt.After(t):
			c.Verified++
		case !f.DoneAt.IsZero() && !f.DoneAt.After(t):
			c.Done++
		default:
			c.Open++
			f.State = bot.FollowUpOpen // as it was at t
			if f.Overdue(t, loc) {
				c.Overdue++
			}
		}
	}
	return c
}

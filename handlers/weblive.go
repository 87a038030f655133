package handlers

import (
	"context"
	"slices"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// The live incident page's queries (package adapters/web): a page of the
// curated timeline, filtered by kind; whether a viewer still sees an
// incident; one entry as curated, to redraw it when it is changed.

const (
	// webTimelinePage is a timeline page's default size.
	webTimelinePage = 50
	// kindScanPages bounds how many pages a kind filter reads to fill
	// one; past it the page holds what it found, and its cursor goes on
	// from there.
	kindScanPages = 20
)

// TimelinePage reads incident id for v, as Incident does (a private
// incident outside v's audience is bot.ErrNotFound; an admin's look is
// written), with one page of its curated timeline (CuratedTimeline):
// corrections applied, hidden entries marked, backdated ones at their
// time, the kinds q names only.
func (s *Service) TimelinePage(ctx context.Context, v bot.Viewer, id int64, q bot.TimelinePageQuery) (*bot.Incident, bot.TimelinePage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = webTimelinePage
	}
	limit = min(limit, maxTimeline)
	inc, err := s.Incident(ctx, v, id)
	if err != nil {
		return nil, bot.TimelinePage{}, err
	}
	var page bot.TimelinePage
	// The tail first: what is added while the page is read is then both
	// on the page and on the live stream, rather than on neither.
	newest, err := s.store.Timeline(ctx, id, store.TimelineQuery{Last: 1})
	if err != nil {
		return nil, bot.TimelinePage{}, err
	}
	if len(newest) > 0 {
		page.Tail = newest[0].ID
	}
	if page.Total, err = s.store.TimelineLen(ctx, id); err != nil {
		return nil, bot.TimelinePage{}, err
	}
	forward := q.After != ""
	sq := store.TimelineQuery{Limit: limit, After: q.After}
	if !forward {
		sq.Before, sq.Last = q.Before, limit
	}
	page.Next, page.Prev = q.After, q.Before
	page.Entries = []bot.CuratedEntry{}
	for i := 0; i < kindScanPages; i++ {
		p, err := s.CuratedTimeline(ctx, id, sq)
		if err != nil {
			return nil, bot.TimelinePage{}, err
		}
		kept := p.Entries
		if len(q.Kinds) > 0 {
			kept = slices.DeleteFunc(slices.Clone(kept), func(e bot.CuratedEntry) bool { return !slices.Contains(q.Kinds, e.Kind) })
		}
		if forward {
			page.Entries = append(page.Entries, kept...)
			page.Next = p.Next
			if i == 0 {
				page.Prev = p.Prev
			}
		} else {
			page.Entries = append(kept, page.Entries...)
			page.Prev = p.Prev
			if i == 0 {
				page.Next = p.Next
			}
		}
		if len(p.Entries) == 0 || len(page.Entries) >= limit || len(q.Kinds) == 0 {
			break
		}
		if forward {
			sq.After = p.Next
		} else {
			sq.Before = p.Prev
		}
	}
	// Is there anything before the page? The stream says, cheaply (see
	// below for newer entries).
	if page.Prev != "" {
		older, err := s.store.Timeline(ctx, id, store.TimelineQuery{Before: page.Prev, Last: 1})
		if err != nil {
			return nil, bot.TimelinePage{}, err
		}
		page.Older = len(older) > 0
	}
	// The newest page has nothing newer. Otherwise the stream is asked,
	// as for older entries above (not the reading order, whose read
	// starts bot.HoldBack earlier and is slow after a burst of entries):
	// at worst an edit that arrived before its original makes a link to
	// a page that holds nothing new.
	if (q.After != "" || q.Before != "") && page.Next != "" {
		newer, err := s.store.Timeline(ctx, id, store.TimelineQuery{After: page.Next, Limit: 1})
		if err != nil {
			return nil, bot.TimelinePage{}, err
		}
		page.Newer = len(newer) > 0
	}
	return inc, page, nil
}

// Sees reports whether v may see incident id, by the audience rule, and
// writes nothing: a live page asks it again and again, and an admin's
// look was written when the page was read. An unknown incident is an
// error wrapping bot.ErrNotFound.
func (s *Service) Sees(ctx context.Context, v bot.Viewer, id int64) (bool, error) {
	inc, err := s.store.Get(ctx, id)
	if err != nil {
		return false, err
	}
	return s.seesFunc(ctx, s.viewer(v))(inc), nil
}

// CuratedEntry is the entry with stream ID entryID of incident id as its
// corrections, hides and unhides leave it, for a live page to redraw it
// when one of them arrives. The caller has checked the audience.
func (s *Service) CuratedEntry(ctx context.Context, id int64, entryID string) (bot.CuratedEntry, error) {
	e, err := s.store.Entry(ctx, id, entryID)
	if err != nil {
		return bot.CuratedEntry{}, err
	}
	cur, err := s.store.Curation(ctx, id)
	if err != nil {
		return bot.CuratedEntry{}, err
	}
	return cur.Apply(e), nil
}

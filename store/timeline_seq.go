package store

import (
	"context"
	"iter"

	"github.com/warroomhq/warroom/bot"
)

// timelinePage is how many entries TimelineEntries reads at a time.
var timelinePage int64 = 1000

// TimelineEntries is the incident's whole timeline in reading order
// (bot.InOrder), read from Redis a page at a time as it is consumed: what
// is held at once is a page and the entries of the last bot.HoldBack
// (an edit that arrived before its message waits that long for it), never
// the whole stream. It can be ranged over more than once: each range
// reads the stream again, up to where the first complete range ended, so
// every range gives the same entries even while the incident goes on (one
// range at a time). A failed read, or an unknown incident (an error
// wrapping bot.ErrNotFound), is the sequence's last element.
func (s *Store) TimelineEntries(ctx context.Context, id int64) iter.Seq2[bot.TimelineEntry, error] {
	return s.TimelineEntriesThrough(ctx, id, "")
}

// TimelineEntriesThrough is TimelineEntries of the entries up to the one
// with stream ID through (all of them when through is ""): the timeline
// as TimelineNotable saw it, so that a draft made from both reads the
// same entries.
func (s *Store) TimelineEntriesThrough(ctx context.Context, id int64, through string) iter.Seq2[bot.TimelineEntry, error] {
	if through == "" {
		through = "+" // becomes the last stream ID of the first complete range
	}
	return func(yield func(bot.TimelineEntry, error) bool) {
		end := through
		var (
			buf []bot.TimelineEntry // read, not yet given, in stream order
			// first is the place in the stream of buf[0]; behind holds, by
			// place in the stream, the entries moved behind that one.
			first  int
			behind = map[int][]bot.TimelineEntry{}
			start  = "-"
			done   bool
		)
		// ahead is the next page, read while the caller works on this
		// one, so that Redis's time to answer overlaps the caller's: at
		// most two pages are held, and a page read ahead but not wanted
		// (the caller stopped) is dropped when its reply comes.
		var ahead chan page
		fetch := func(from string) chan page {
			ch := make(chan page, 1)
			go func() {
				got, err := s.timelineRange(ctx, id, from, timelinePage, false, end)
				ch <- page{got, err}
			}()
			return ch
		}
		read := func() error {
			if ahead == nil {
				ahead = fetch(start)
			}
			p := <-ahead
			ahead = nil
			if p.err != nil {
				return p.err
			}
			got := p.entries
			if len(got) > 0 {
				start = "(" + got[len(got)-1].ID
			}
			if int64(len(got)) < timelinePage {
				done = true
				if through == "+" && start != "-" {
					through = start[1:]
				}
			} else {
				ahead = fetch(start)
			}
			buf = append(buf, got...)
			return nil
		}
		if err := read(); err != nil {
			yield(bot.TimelineEntry{}, err)
			return
		}
		for len(buf) > 0 {
			h := buf[0]
			place := -1 // where h goes: -1 here, else behind the entry at that place
			if h.RefersBack() {
				decided := false
				for !decided {
					j := 1
					for ; j < len(buf); j++ {
						if o := buf[j]; o.Ref == h.RefersTo && !o.RefersBack() {
							break
						}
					}
					switch {
					case j < len(buf):
						if buf[j].Arrived().Sub(h.Arrived()) <= bot.HoldBack {
							place = first + j
						}
						decided = true
					case done || buf[len(buf)-1].Arrived().Sub(h.Arrived()) > bot.HoldBack:
						decided = true // its message never comes, or comes too late
					default:
						if err := read(); err != nil {
							yield(bot.TimelineEntry{}, err)
							return
						}
					}
				}
			}
			if place >= 0 {
				behind[place] = append(behind[place], h)
			} else {
				if !yield(h, nil) {
					return
				}
				for _, e := range behind[first] {
					if !yield(e, nil) {
						return
					}
				}
			}
			// Drop buf[0], clearing it so that its strings are not kept
			// alive by buf's array until the next page.
			delete(behind, first)
			buf[0] = bot.TimelineEntry{}
			buf, first = buf[1:], first+1
			if len(buf) == 0 && !done {
				if err := read(); err != nil {
					yield(bot.TimelineEntry{}, err)
					return
				}
			}
		}
	}
}

// page is one read of TimelineEntries.
type page struct {
	entries []bot.TimelineEntry
	err     error
}

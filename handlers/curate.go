package handlers

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// actionCurate is the policy action of correcting and hiding timeline
// entries (config.ActionCurate).
const actionCurate = "curate"

var (
	clockRe = regexp.MustCompile(`^([01]?[0-9]|2[0-3]):([0-5][0-9])$`)
	dateRe  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// cutAt reads a leading "--at <when>" of text: when is "HH:MM", or a date
// and a time "2026-12-03 14:05" (also "2026-12-03T14:05"), in loc. It
// returns the time, the text after it, and whether there was an --at.
// HH:MM is its latest occurrence not after now (a 23:50 said at 00:10 is
// yesterday's); a date and time after now is refused, since nobody can
// record what has not happened yet. A time before the incident was
// declared is fine: the deploy that caused it may have started earlier.
func cutAt(text string, loc *time.Location, now time.Time) (time.Time, string, bool, error) {
	word, rest := cutWord(text)
	if !strings.EqualFold(word, "--at") {
		return time.Time{}, text, false, nil
	}
	when, rest := cutWord(rest)
	if when == "" {
		return time.Time{}, "", true, bot.Errorf(bot.CodeBadTime, "value", "")
	}
	if dateRe.MatchString(when) {
		if clock, after := cutWord(rest); clockRe.MatchString(clock) {
			when, rest = when+"T"+clock, after
		}
	}
	now = now.In(loc)
	var t time.Time
	if m := clockRe.FindStringSubmatch(when); m != nil {
		parsed, _ := time.ParseInLocation("15:04", m[1]+":"+m[2], loc)
		t = time.Date(now.Year(), now.Month(), now.Day(), parsed.Hour(), parsed.Minute(), 0, 0, loc)
		if t.After(now) {
			t = t.AddDate(0, 0, -1)
		}
		return t, rest, true, nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", when, loc)
	if err != nil {
		return time.Time{}, "", true, bot.Errorf(bot.CodeBadTime, "value", when)
	}
	if t.After(now) {
		return time.Time{}, "", true, bot.Errorf(bot.CodeFutureTime, "time", clockIn(loc, t))
	}
	return t, rest, true, nil
}

// cutWord splits off the first word of s.
func cutWord(s string) (string, string) {
	s = strings.TrimSpace(s)
	word, rest, _ := strings.Cut(s, " ")
	return word, strings.TrimSpace(rest)
}

// noteAt handles "note --at <when> <text>": a note of something that
// happened at when, added now. It is read at when, in the timeline and
// the postmortem; its author is who added it, and Data says when.
func (s *Service) noteAt(ctx context.Context, req *bot.Request, at time.Time, text string) error {
	if text == "" {
		return req.Usage()
	}
	e := s.entry(req, bot.KindNote, text)
	e.At, e.Key, e.Ref = at, true, req.Event.Ref
	e.Data = map[string]string{bot.DataAddedAt: s.opts.Now().UTC().Format(time.RFC3339Nano)}
	stored, err := s.store.AppendCuration(ctx, req.Incident.ID, e)
	if err != nil {
		return err
	}
	s.indexKind(ctx, req.Incident.ID, bot.KindNote, text)
	s.tell(ctx, req, req.Incident, bot.Message{Text: req.T("announce.note_at", "id", req.Incident.Key(),
		"user", req.Event.User.Display(), "time", s.clock(at), "text", text, "ref", bot.ShortRef(stored.ID))})
	return nil
}

// curate handles "timeline edit <ref> [--at <when>] [text]", "timeline
// hide <ref>" and "timeline unhide <ref>": a correction of an entry's
// text or time, or hiding it from the postmortem. Each is a new entry
// naming the original (store.AppendCuration); the original stays as it
// was recorded.
func (s *Service) curate(ctx context.Context, req *bot.Request, verb, rest string) error {
	if err := s.Authorize(ctx, req, actionCurate); err != nil {
		return err
	}
	refWord, rest := cutWord(rest)
	if refWord == "" {
		return bot.Errorf(bot.CodeUsage, "usage", req.T("usage.timeline"))
	}
	inc := req.Incident
	target, err := s.curationTarget(ctx, inc, refWord)
	if err != nil {
		return err
	}
	ref := bot.ShortRef(target.ID)
	cur, err := s.store.Curation(ctx, inc.ID)
	if err != nil {
		return err
	}
	state := cur.Apply(target)
	e := s.entry(req, bot.KindHide, "")
	e.Target = target.ID
	args := []string{"id", inc.Key(), "user", req.Event.User.Display(), "ref", ref}
	var key string
	switch verb {
	case "hide":
		if state.Hidden {
			return bot.Errorf(bot.CodeAlreadyHidden, "id", inc.Key(), "ref", ref)
		}
		if rest != "" {
			return bot.Errorf(bot.CodeUsage, "usage", req.T("usage.timeline"))
		}
		key = "curate.hidden"
	case "unhide":
		if !state.Hidden {
			return bot.Errorf(bot.CodeNotHidden, "id", inc.Key(), "ref", ref)
		}
		if rest != "" {
			return bot.Errorf(bot.CodeUsage, "usage", req.T("usage.timeline"))
		}
		e.Kind, key = bot.KindUnhide, "curate.unhidden"
	default: // edit
		at, text, hasAt, err := cutAt(rest, s.zone(req), s.opts.Now())
		if err != nil {
			return err
		}
		if !hasAt && text == "" {
			return bot.Errorf(bot.CodeUsage, "usage", req.T("usage.timeline"))
		}
		e.Kind, e.Text, key = bot.KindCorrection, text, "curate.corrected"
		what := []string{}
		if text != "" {
			what = append(what, req.T("curate.new_text", "text", text))
		}
		if hasAt {
			e.Data = map[string]string{bot.DataAt: at.UTC().Format(time.RFC3339Nano)}
			what = append(what, req.T("curate.new_time", "time", s.clock(at)))
		}
		args = append(args, "what", strings.Join(what, req.T("list.sep")))
	}
	if _, err := s.store.AppendCuration(ctx, inc.ID, e); err != nil {
		return err
	}
	s.tell(ctx, req, inc, bot.Message{Text: req.T(key, args...)})
	return nil
}

// curationTarget finds the entry a curation command names, in inc's own
// timeline: an unknown ref, or one of another incident's entries, is
// CodeNoEntry; a curation entry itself cannot be curated (its target can).
func (s *Service) curationTarget(ctx context.Context, inc *bot.Incident, word string) (bot.TimelineEntry, error) {
	sid, ok := bot.ParseEntryRef(word)
	if !ok {
		return bot.TimelineEntry{}, bot.Errorf(bot.CodeNoEntry, "id", inc.Key(), "ref", word)
	}
	target, err := s.store.Entry(ctx, inc.ID, sid)
	if errors.Is(err, bot.ErrNotFound) {
		return bot.TimelineEntry{}, bot.Errorf(bot.CodeNoEntry, "id", inc.Key(), "ref", word)
	}
	if err != nil {
		return bot.TimelineEntry{}, err
	}
	if target.Curates() {
		return bot.TimelineEntry{}, bot.Errorf(bot.CodeCurationEntry, "ref", word, "target", bot.ShortRef(target.Target))
	}
	return target, nil
}

// CuratedPage is a page of the curated timeline.
type CuratedPage struct {
	Entries []bot.CuratedEntry
	// Next is the cursor of the page after this one: pass it as
	// store.TimelineQuery.After. It is the stream position the page ends
	// at, which need not be the last entry shown (that may have moved to
	// its time); q.After when the page is empty. A page of none means the
	// end.
	Next string
	// Prev is the cursor of the page before (older): pass it as
	// store.TimelineQuery.Before with Last. q.Before when the page is
	// empty.
	Prev string
}

// CuratedTimeline is the incident's timeline as responders curated it, in
// reading order, for pages that show it: q selects from the timeline as
// store.Timeline does (InOrder is implied; a page with After and Limit,
// the newest with Last, or the older ones with Before and Last), then corrections apply, hidden entries are
// marked Hidden (not left out), curation entries are left out (they are
// the Changes of their targets), and backdated or retimed entries come at
// their time, on the page whose times hold it. An unknown incident is an
// error wrapping bot.ErrNotFound; the caller has checked the audience.
func (s *Service) CuratedTimeline(ctx context.Context, id int64, q store.TimelineQuery) (CuratedPage, error) {
	q.InOrder = true
	raw, err := s.store.Timeline(ctx, id, q)
	if err != nil {
		return CuratedPage{}, err
	}
	cur, err := s.store.Curation(ctx, id)
	if err != nil {
		return CuratedPage{}, err
	}
	page := CuratedPage{Next: q.After, Prev: q.Before, Entries: []bot.CuratedEntry{}}
	var base []bot.TimelineEntry // the page's entries read at their place (curation entries too: their time is when they were made)
	for _, e := range raw {
		if !cur.Moved(e.ID) {
			base = append(base, e)
		}
	}
	if len(base) == 0 {
		// Nothing here at its place: the moved entries of these times
		// were on the pages before. A full page of them (rare: as many
		// backdated entries in a row as a page holds) is skipped.
		switch {
		case q.Before != "" && q.Last > 0 && len(raw) >= lastOf(q):
			q.Before = raw[0].ID
			return s.CuratedTimeline(ctx, id, q)
		case q.Before == "" && q.Last == 0 && q.Limit > 0 && len(raw) >= q.Limit:
			q.After = raw[len(raw)-1].ID
			return s.CuratedTimeline(ctx, id, q)
		}
		return page, nil
	}
	// The next page starts after the last entry read at its place, so
	// that its times start where this page's end.
	page.Next, page.Prev = base[len(base)-1].ID, base[0].ID
	var from, through time.Time
	switch {
	case q.Last > 0 && len(raw) >= lastOf(q):
		from = base[0].At // older entries exist
	case q.After != "":
		prev, err := s.store.Entry(ctx, id, q.After)
		switch {
		case err == nil && cur.Moved(prev.ID):
			from = prev.Arrived().Add(time.Millisecond)
		case err == nil:
			from = prev.At.Add(time.Millisecond) // it was on the page before
		case !errors.Is(err, bot.ErrNotFound):
			return CuratedPage{}, err
		}
	}
	switch {
	case q.Before != "":
		if next, err := s.store.Entry(ctx, id, q.Before); err == nil {
			through = next.At.Add(-time.Millisecond) // it is on the page after
			if cur.Moved(next.ID) {
				through = next.Arrived().Add(-time.Millisecond)
			}
		} else if !errors.Is(err, bot.ErrNotFound) {
			return CuratedPage{}, err
		}
	case q.Last == 0 && q.Limit > 0 && len(raw) >= q.Limit:
		through = base[len(base)-1].At // more follows, and holds what is later
	}
	page.Entries = cur.Curate(raw, from, through)
	return page, nil
}

// lastOf is how many entries q asks for with Last (and Limit).
func lastOf(q store.TimelineQuery) int {
	if q.Limit > 0 && q.Limit < q.Last {
		return q.Limit
	}
	return q.Last
}

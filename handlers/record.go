package handlers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// record writes what people say in incident channels to their timelines:
// messages and thread replies, edits and deletions (as new entries pointing
// at the original, which is never rewritten), and pins and marking
// reactions (as flags on the original; unpinning or removing the reaction
// record an entry that clears the flag). Messages in other channels are
// ignored. The router hands over what waited in a worker's queue in one
// go: each channel's events are looked up once and appended in one
// MULTI/EXEC per incident, in the order they arrived, and indexed for
// search in one pipeline.
//
// With a spool (Options.Spool), entries that cannot reach Redis (nor their
// incident be looked up) are written to the spool at once and put on their
// timelines by Run's spool replay when Redis is back. While a channel has
// spooled entries its new ones are spooled behind them, so its order is kept, and
// while the spool holds storage down (StorageDown) every entry is spooled
// without waiting for Redis to fail again.
// Without one, storing is retried until the router's deadline and an entry
// still not stored is logged as lost.
func (s *Service) record(ctx context.Context, reqs []*bot.Request) error {
	channels := map[string][]*bot.Request{}
	var order []string
	for _, req := range reqs {
		ev := req.Event
		if ev.Channel == "" {
			continue
		}
		k := ev.Platform + "\x00" + ev.Channel
		if channels[k] == nil {
			order = append(order, k)
		}
		channels[k] = append(channels[k], req)
	}
	var errs []error
	for _, k := range order {
		found := map[string]*bot.Incident{}
		if err := s.recordChannel(ctx, channels[k], found); err != nil {
			errs = append(errs, err)
		}
		s.membership(ctx, channels[k], found)
	}
	return errors.Join(errs...)
}

// recorded is one channel event on its way to a timeline.
type recorded struct {
	req *bot.Request
	rec store.SpoolRecord
	inc *bot.Incident // once looked up
}

// recordChannel records the events of one channel, in order: what has an
// incident is collected and appended together, one append per incident.
// Before an entry goes to the spool, the entries collected ahead of it are
// appended (or spooled, ahead of it), so that a spooled entry never
// overtakes an earlier one of its timeline.
func (s *Service) recordChannel(ctx context.Context, reqs []*bot.Request, found map[string]*bot.Incident) error {
	sp := s.opts.Spool
	var errs []error
	var pending []recorded
	flush := func() {
		if err := s.appendAll(ctx, pending); err != nil {
			errs = append(errs, err)
		}
		pending = nil
	}
	toSpool := func(it recorded) {
		flush()
		if err := s.spool(it); err != nil {
			errs = append(errs, err)
		}
	}
	for _, req := range reqs {
		ev := req.Event
		e, ok := recordedEntry(ev)
		if !ok {
			continue
		}
		it := recorded{req: req, rec: store.SpoolRecord{Platform: ev.Platform, Channel: ev.Channel, Thread: ev.Thread, Entry: e}}
		if sp != nil && sp.Diverting(ev.Platform, ev.Channel) {
			// Redis just failed, or older entries of this channel wait in
			// the spool: this one goes behind them, or it would overtake
			// them.
			toSpool(it)
			continue
		}
		inc, err := s.recordedIn(ctx, found, ev)
		switch {
		case errors.Is(err, bot.ErrNotFound):
			continue
		case err != nil && sp != nil && errors.Is(err, bot.ErrUnavailable):
			sp.Outage()
			toSpool(it)
			continue
		case err != nil:
			s.lost(req, err)
			errs = append(errs, err)
			continue
		}
		it.inc = inc
		pending = append(pending, it)
	}
	flush()
	return errors.Join(errs...)
}

// appendAll appends items (each with its incident) to their timelines,
// one append per incident, each incident's in order. A Teams channel may
// hold several incidents, one per thread.
func (s *Service) appendAll(ctx context.Context, items []recorded) error {
	var order []*bot.Incident
	runs := map[int64][]recorded{}
	for _, it := range items {
		if runs[it.inc.ID] == nil {
			order = append(order, it.inc)
		}
		runs[it.inc.ID] = append(runs[it.inc.ID], it)
	}
	var errs []error
	for _, inc := range order {
		if err := s.appendRecorded(ctx, inc, runs[inc.ID]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// recordedIn is incidentIn for recording, remembering in found what it
// looked up (by platform and channel or thread) for the events after ev.
func (s *Service) recordedIn(ctx context.Context, found map[string]*bot.Incident, ev *bot.Event) (*bot.Incident, error) {
	lookup := func(channel string) (*bot.Incident, error) {
		k := ev.Platform + "\x00" + channel
		if inc, ok := found[k]; ok {
			if inc == nil {
				return nil, bot.ErrNotFound
			}
			return inc, nil
		}
		var inc *bot.Incident
		err := s.attempt(ctx, func() (err error) {
			inc, err = s.store.ByChannel(ctx, ev.Platform, channel)
			return err
		})
		switch {
		case err == nil:
			found[k] = inc
		case errors.Is(err, bot.ErrNotFound):
			found[k] = nil
		}
		return inc, err
	}
	inc, err := lookup(ev.Channel)
	if errors.Is(err, bot.ErrNotFound) && ev.Thread != "" && ev.Thread != ev.Channel {
		return lookup(ev.Thread)
	}
	return inc, err
}

// appendRecorded puts items on inc's timeline in one append, indexes what
// they say, and spools them (or logs them lost) when Redis fails.
func (s *Service) appendRecorded(ctx context.Context, inc *bot.Incident, items []recorded) error {
	entries := make([]bot.TimelineEntry, len(items))
	for i, it := range items {
		entries[i] = it.rec.Entry
	}
	err := s.attempt(ctx, func() error {
		_, err := s.store.Append(ctx, inc.ID, entries...)
		return err
	})
	if err == nil {
		s.indexEntries(ctx, inc, entries)
		return nil
	}
	if sp := s.opts.Spool; sp != nil && errors.Is(err, bot.ErrUnavailable) {
		sp.Outage()
		for i := range items {
			items[i].rec.Incident, items[i].rec.Tried = inc.ID, true
		}
		return s.spool(items...)
	}
	for _, it := range items {
		s.lost(it.req, err)
	}
	return err
}

// recordedEntry is the timeline entry a channel event records; ok is false
// for events that record nothing.
func recordedEntry(ev *bot.Event) (e bot.TimelineEntry, ok bool) {
	e = bot.TimelineEntry{At: ev.At, Author: ev.User, Text: ev.Text, Ref: ev.Ref}
	switch ev.Kind {
	case bot.EventMessage:
		e.Kind = bot.KindMessage
		if ev.Thread != "" && ev.Thread != ev.Ref {
			e.Data = map[string]string{"thread": ev.Thread}
		}
	case bot.EventMessageEdit:
		e.Kind, e.Ref, e.RefersTo = bot.KindEdit, "", ev.Ref
	case bot.EventMessageDelete:
		e.Kind, e.Ref, e.RefersTo = bot.KindDelete, "", ev.Ref
	case bot.EventPin, bot.EventUnpin:
		on := ev.Kind == bot.EventPin
		e.Kind, e.Ref, e.RefersTo, e.Key = bot.KindFlag, "", ev.Ref, on
		e.Data = map[string]string{"by": "pin", "flag": onOff(on)}
	case bot.EventReaction, bot.EventUnreact:
		if ev.Meaning != bot.ReactionKey {
			return e, false
		}
		on := ev.Kind == bot.EventReaction
		e.Kind, e.Ref, e.RefersTo, e.Key = bot.KindFlag, "", ev.Ref, on
		e.Data = map[string]string{"by": "reaction", "reaction": ev.Reaction, "flag": onOff(on)}
	default:
		return e, false
	}
	return e, true
}

// attempt runs op once when a spool takes what cannot be stored now;
// without one it retries while the store is unavailable.
func (s *Service) attempt(ctx context.Context, op func() error) error {
	if s.opts.Spool != nil {
		return op()
	}
	return s.retry(ctx, op)
}

// spool writes the items' records to the spool, in order, for the
// replayer to put on their timelines once Redis is back. A full or broken
// spool loses the entry (logged).
func (s *Service) spool(items ...recorded) error {
	sp := s.opts.Spool
	var errs []error
	for _, it := range items {
		if err := sp.Add(it.rec); err != nil {
			s.lost(it.req, err)
			errs = append(errs, err)
			continue
		}
		if n := sp.Len(); n == 1 {
			it.req.Log.Warn("storage unavailable: timeline entries are spooled until it is back", zap.String("spool", sp.Path()))
		} else {
			it.req.Log.Debug("timeline entry spooled", zap.Int("spooled", n))
		}
	}
	return errors.Join(errs...)
}

// spoolSlack is how far before a record was spooled a replay looks for it
// on the timeline: Redis's clock (which stamps stream IDs) may lag ours.
const spoolSlack = 10 * time.Minute

// replaySpool (Run) puts the spooled entries on their timelines, oldest
// first, until ctx ends: at once, then every second while the spool is not empty
// (Redis unavailable: the next second tries again). While storage is held
// down and the spool is empty it pings Redis every second instead, to lift
// the hold. Run it on exactly one goroutine per spool (two would replay
// the same records); it returns at once without a spool.
func (s *Service) replaySpool(ctx context.Context) {
	sp := s.opts.Spool
	if sp == nil {
		return
	}
	// After a restart the first records may already be on their timelines
	// (the offset is not synced after every replay), so replays are checked
	// until one is not found.
	doubt := true
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		doubt = s.replay(ctx, sp, doubt)
		if sp.Len() == 0 && sp.StorageDown() {
			if err := s.store.Ping(ctx); err == nil {
				sp.Recovered()
			} else {
				sp.Outage()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// replay replays records until the spool is empty or a replay fails, and
// returns whether the head record may already be on its timeline.
func (s *Service) replay(ctx context.Context, sp *store.Spool, doubt bool) bool {
	for ctx.Err() == nil {
		rec, ok, err := sp.Peek()
		if err != nil {
			s.log.Error("read timeline spool", zap.String("spool", sp.Path()), zap.Error(err))
			return doubt
		}
		if !ok {
			return false
		}
		fresh, err := s.replayOne(ctx, rec, doubt || rec.Tried)
		switch {
		case err == nil:
			sp.Recovered()
		case errors.Is(err, bot.ErrUnavailable) || ctx.Err() != nil:
			sp.Outage()
			return true // the failed append may have reached Redis
		default:
			// Nothing will make this record fit: drop it, keeping all of it
			// in the log.
			s.log.Error("spooled timeline entry dropped", zap.String("platform", rec.Platform),
				zap.String("channel_id", rec.Channel), zap.String("kind", string(rec.Entry.Kind)),
				zap.String("ref", rec.Entry.Ref), zap.String("author_id", rec.Entry.Author.ID),
				zap.Time("at", rec.Entry.At), zap.String("text", rec.Entry.Text), zap.Error(err))
		}
		if err := sp.Done(); err != nil {
			s.log.Error("advance timeline spool", zap.String("spool", sp.Path()), zap.Error(err))
			return true
		}
		if fresh {
			doubt = false
		}
		if n := sp.Len(); n == 0 {
			s.log.Info("timeline spool replayed", zap.String("spool", sp.Path()))
		}
	}
	return doubt
}

// replayOne appends rec's entry to its incident's timeline, with its
// original time; fresh is true when it did. A record of a channel that is
// no incident's, or of an incident that is gone, records nothing. With
// doubt, an entry already on the timeline is not appended again.
func (s *Service) replayOne(ctx context.Context, rec store.SpoolRecord, doubt bool) (fresh bool, err error) {
	id := rec.Incident
	if id == 0 {
		inc, err := s.incidentIn(ctx, &bot.Event{Platform: rec.Platform, Channel: rec.Channel, Thread: rec.Thread})
		if errors.Is(err, bot.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		id = inc.ID
	}
	if isMembership(rec.Entry) {
		// A join or a leave: applied, not appended (audience.go).
		inc, err := s.store.Get(ctx, id)
		if errors.Is(err, bot.ErrNotFound) {
			return false, nil
		}
		if err != nil || !inc.Private {
			return false, err
		}
		return false, s.applyMember(ctx, id, rec.Entry)
	}
	if doubt {
		found, err := s.onTimeline(ctx, id, rec)
		if errors.Is(err, bot.ErrNotFound) {
			return false, nil
		}
		if err != nil || found {
			return false, err
		}
	}
	_, err = s.store.Append(ctx, id, rec.Entry)
	s.indexRecorded(ctx, id, rec.Entry, err)
	if errors.Is(err, bot.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// onTimeline reports whether rec's entry is on the incident's timeline
// among the entries added since shortly before it was spooled.
func (s *Service) onTimeline(ctx context.Context, id int64, rec store.SpoolRecord) (bool, error) {
	const page = 1000
	after := strconv.FormatInt(max(rec.Spooled.Add(-spoolSlack).UnixMilli(), 0), 10)
	for {
		entries, err := s.store.Timeline(ctx, id, store.TimelineQuery{After: after, Limit: page})
		if err != nil {
			return false, err
		}
		for _, e := range entries {
			if sameEntry(e, rec.Entry) {
				return true, nil
			}
		}
		if len(entries) < page {
			return false, nil
		}
		after = entries[len(entries)-1].ID
	}
}

// sameEntry reports whether a and b record the same happening.
func sameEntry(a, b bot.TimelineEntry) bool {
	return a.Kind == b.Kind && a.At.UnixMilli() == b.At.UnixMilli() && a.Author == b.Author &&
		a.Text == b.Text && a.Ref == b.Ref && a.RefersTo == b.RefersTo && a.Key == b.Key &&
		maps.Equal(a.Data, b.Data)
}

// retry runs op again while the store is unavailable, with backoff, until
// it succeeds, fails otherwise, or ctx (the router's deadline) ends. Nobody
// is waiting for a recorded message, so it may take its time.
func (s *Service) retry(ctx context.Context, op func() error) error {
	wait := 100 * time.Millisecond
	for {
		err := op()
		if err == nil || !errors.Is(err, bot.ErrUnavailable) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// lost logs, at error level and with everything needed to recover it, a
// channel message that could not be recorded.
func (s *Service) lost(req *bot.Request, err error) {
	ev := req.Event
	req.Log.Error("timeline entry lost: storage unavailable", zap.String("kind", string(ev.Kind)),
		zap.String("ref", ev.Ref), zap.String("author_id", ev.User.ID), zap.Time("at", ev.At),
		zap.String("text", ev.Text), zap.Error(err))
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// markSeen is the router's de-duplication (store.MarkSeenAll with ttl),
// except that it answers at once, with an error wrapping
// bot.ErrUnavailable, while the spool holds that Redis is down: every event
// would otherwise wait for a connection that will fail.
func (s *Service) markSeen(ctx context.Context, keys []string, ttl time.Duration) ([]bool, error) {
	if sp := s.opts.Spool; sp != nil && sp.StorageDown() {
		return nil, fmt.Errorf("mark %d keys seen: %w", len(keys), bot.ErrUnavailable)
	}
	first, err := s.store.MarkSeenAll(ctx, keys, ttl)
	s.noteStorageError(err)
	return first, err
}

// noteStorageError tells the spool that storage is down when err says so
// (every mounted handler passes its outcome, see Service.handlers), so
// that channel messages go straight to the spool until the replayer finds
// it back.
func (s *Service) noteStorageError(err error) {
	if sp := s.opts.Spool; sp != nil && errors.Is(err, bot.ErrUnavailable) {
		sp.Outage()
	}
}

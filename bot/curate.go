package bot

import (
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Timeline curation: responders fix the record after the fact. Every
// change is a new entry whose Target names the stream ID of the entry it
// concerns; nothing is rewritten. A backdated entry is an ordinary entry
// (a note) whose At is the time it states, with DataAddedAt saying when
// it was added (its author is who added it).
const (
	// KindCorrection corrects the entry named by Target: Text, when not
	// empty, is its new text; Data[DataAt], when set, its new time.
	KindCorrection EntryKind = "correction"
	// KindHide hides the entry named by Target from the postmortem.
	KindHide EntryKind = "hide"
	// KindUnhide undoes a KindHide of the entry named by Target.
	KindUnhide EntryKind = "unhide"
)

// Data keys of curation.
const (
	// DataAt is a correction's new time of its target (RFC 3339, UTC).
	DataAt = "at"
	// DataAddedAt is when a backdated entry was added (RFC 3339, UTC); its
	// At is the time it states. A backdated entry is read at that time.
	DataAddedAt = "added_at"
	// DataCorrected is "1" on an entry of the curated view whose text or
	// time a correction changed (Curation.Entries).
	DataCorrected = "corrected"
)

// Curates reports whether e is a curation entry (a correction, a hide or
// an unhide), which changes another entry rather than telling something.
func (e TimelineEntry) Curates() bool {
	switch e.Kind {
	case KindCorrection, KindHide, KindUnhide:
		return true
	}
	return false
}

// Backdated reports whether e was added after the fact at the time it
// states (DataAddedAt).
func (e TimelineEntry) Backdated() bool { return e.Data[DataAddedAt] != "" }

// CuratedEntry is one entry of the curated timeline: the entry as
// corrected, with its history.
type CuratedEntry struct {
	TimelineEntry
	// Versions are the entry's earlier versions, the one recorded first;
	// empty when it was never corrected.
	Versions []TimelineEntry `json:"versions,omitempty"`
	// Changes are the corrections, hides and unhides of the entry, in the
	// order they were made: who changed it and when (their Arrived).
	Changes []TimelineEntry `json:"changes,omitempty"`
	// Hidden says the entry is hidden from the postmortem.
	Hidden bool `json:"hidden,omitempty"`
}

// Corrected reports whether a correction changed the entry.
func (c CuratedEntry) Corrected() bool { return len(c.Versions) > 0 }

// Curation is what responders changed in one incident's timeline. The
// store reads it (store.Curation) without reading the whole timeline.
type Curation struct {
	// Changes are the curation entries and the backdated entries of the
	// timeline, in stream order.
	Changes []TimelineEntry
	// Targets are the entries that the curation entries name, by ID; an
	// entry trimmed from the stream is missing.
	Targets map[string]TimelineEntry

	byTarget map[string][]TimelineEntry // a target's ID → its curation entries, in order
	placed   map[string]CuratedEntry    // by ID: entries read at their (corrected) time
	hidden   map[string]bool            // platform refs of hidden messages
}

// NewCuration indexes changes (curation and backdated entries, in stream
// order; other entries are ignored) with the entries they target.
func NewCuration(changes []TimelineEntry, targets map[string]TimelineEntry) *Curation {
	c := &Curation{Targets: targets, byTarget: map[string][]TimelineEntry{},
		placed: map[string]CuratedEntry{}, hidden: map[string]bool{}}
	known := maps.Clone(targets)
	if known == nil {
		known = map[string]TimelineEntry{}
	}
	for _, e := range changes {
		switch {
		case e.Curates() && e.Target != "":
			c.Changes = append(c.Changes, e)
			c.byTarget[e.Target] = append(c.byTarget[e.Target], e)
		case e.Backdated():
			c.Changes = append(c.Changes, e)
			known[e.ID] = e
		}
	}
	for id, e := range known {
		ce := c.apply(e)
		if e.Backdated() || !ce.At.Equal(e.At) {
			c.placed[id] = ce
		}
		if ce.Hidden && e.Ref != "" && !e.RefersBack() && e.Kind == KindMessage {
			c.hidden[e.Ref] = true
		}
	}
	return c
}

// Empty reports whether nothing was curated.
func (c *Curation) Empty() bool { return c == nil || len(c.Changes) == 0 }

// State returns the current state of the entry with stream ID id, when
// the curation knows it: hidden, and whether it is a target at all.
func (c *Curation) State(id string) (hidden, known bool) {
	if c == nil {
		return false, false
	}
	e, ok := c.Targets[id]
	if !ok {
		return false, false
	}
	return c.apply(e).Hidden, true
}

// Apply returns e as its corrections, hides and unhides leave it. An
// edit, a deletion or a flag of a hidden message is hidden with it.
func (c *Curation) Apply(e TimelineEntry) CuratedEntry {
	if c == nil {
		return CuratedEntry{TimelineEntry: e}
	}
	return c.apply(e)
}

func (c *Curation) apply(e TimelineEntry) CuratedEntry {
	ce := CuratedEntry{TimelineEntry: e}
	if e.RefersBack() && c.hidden[e.RefersTo] {
		ce.Hidden = true
	}
	for _, ch := range c.byTarget[e.ID] {
		ce.Changes = append(ce.Changes, ch)
		switch ch.Kind {
		case KindHide:
			ce.Hidden = true
		case KindUnhide:
			ce.Hidden = false
		case KindCorrection:
			at, err := time.Parse(time.RFC3339Nano, ch.Data[DataAt])
			if ch.Text == "" && err != nil {
				continue
			}
			ce.Versions = append(ce.Versions, ce.TimelineEntry)
			if ch.Text != "" {
				ce.Text = ch.Text
			}
			if err == nil {
				ce.At = at.UTC()
			}
		}
	}
	return ce
}

// Seq is the curated timeline of entries, a timeline in reading order
// (InOrder): curation entries left out, every entry as corrected
// (hidden ones too, marked Hidden), and backdated entries and those whose
// time was corrected moved to their time: before the first entry of the
// reading order that is later, or at the end. It holds only those moved.
func (c *Curation) Seq(entries iter.Seq2[TimelineEntry, error]) iter.Seq2[CuratedEntry, error] {
	return func(yield func(CuratedEntry, error) bool) {
		pending := c.pending()
		for e, err := range entries {
			if err != nil {
				yield(CuratedEntry{}, err)
				return
			}
			if c == nil {
				if !yield(CuratedEntry{TimelineEntry: e}, nil) {
					return
				}
				continue
			}
			if e.Curates() {
				continue
			}
			if _, moved := c.placed[e.ID]; moved {
				continue
			}
			ce := c.Apply(e)
			for len(pending) > 0 && pending[0].At.Before(ce.At) {
				if !yield(pending[0], nil) {
					return
				}
				pending = pending[1:]
			}
			if !yield(ce, nil) {
				return
			}
		}
		for _, p := range pending {
			if !yield(p, nil) {
				return
			}
		}
	}
}

// pending are the entries read at their time, by that time (then by
// stream ID).
func (c *Curation) pending() []CuratedEntry {
	if c == nil {
		return nil
	}
	out := slices.Collect(maps.Values(c.placed))
	slices.SortFunc(out, func(a, b CuratedEntry) int {
		if d := a.At.Compare(b.At); d != 0 {
			return d
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Moved reports whether the entry with stream ID id is read at its
// stated or corrected time rather than at its place in the stream.
func (c *Curation) Moved(id string) bool {
	if c == nil {
		return false
	}
	_, moved := c.placed[id]
	return moved
}

// Curate is Seq over a slice. When entries is a stretch of the timeline
// (a page) rather than all of it, from and through bound the times of the
// moved entries it gets: at or after from, at or before through (a zero
// bound is none), so that each moved entry is on the one page whose times
// hold its time.
func (c *Curation) Curate(entries []TimelineEntry, from, through time.Time) []CuratedEntry {
	seq := func(yield func(TimelineEntry, error) bool) {
		for _, e := range entries {
			if !yield(e, nil) {
				return
			}
		}
	}
	out := make([]CuratedEntry, 0, len(entries))
	for ce := range c.Seq(seq) {
		if c.Moved(ce.ID) && ((!from.IsZero() && ce.At.Before(from)) || (!through.IsZero() && ce.At.After(through))) {
			continue
		}
		out = append(out, ce)
	}
	return out
}

// Entries is the curated timeline for the postmortem: Seq without the
// hidden entries, as plain entries, a corrected one marked with
// Data[DataCorrected] = "1".
func (c *Curation) Entries(entries iter.Seq2[TimelineEntry, error]) iter.Seq2[TimelineEntry, error] {
	if c.Empty() {
		return entries
	}
	return func(yield func(TimelineEntry, error) bool) {
		for ce, err := range c.Seq(entries) {
			if err != nil {
				yield(TimelineEntry{}, err)
				return
			}
			if ce.Hidden {
				continue
			}
			e := ce.TimelineEntry
			if ce.Corrected() {
				e.Data = maps.Clone(e.Data)
				if e.Data == nil {
					e.Data = map[string]string{}
				}
				e.Data[DataCorrected] = "1"
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

// ShortRef is how chat names a timeline entry: its stream ID
// ("<ms>-<seq>") with the milliseconds in base 36, and ".<seq>" when the
// sequence is not 0, such as "mioz3h2k" or "mioz3h2k.1". ParseEntryRef
// reads it back.
func ShortRef(id string) string {
	a, b, _ := strings.Cut(id, "-")
	ms, err := strconv.ParseUint(a, 10, 64)
	if err != nil {
		return id
	}
	out := strconv.FormatUint(ms, 36)
	if b != "" && b != "0" {
		out += "." + b
	}
	return out
}

// ParseEntryRef reads an entry reference typed in chat: a ShortRef (with
// or without a leading "#") or a stream ID ("<ms>-<seq>"), and returns
// the stream ID.
func ParseEntryRef(s string) (string, bool) {
	s = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "#"))
	if ms, seq, ok := strings.Cut(s, "-"); ok {
		_, err1 := strconv.ParseUint(ms, 10, 64)
		_, err2 := strconv.ParseUint(seq, 10, 64)
		return s, err1 == nil && err2 == nil
	}
	a, b, hasSeq := strings.Cut(s, ".")
	ms, err := strconv.ParseUint(a, 36, 64)
	if err != nil || a == "" {
		return "", false
	}
	seq := uint64(0)
	if hasSeq {
		if seq, err = strconv.ParseUint(b, 10, 64); err != nil {
			return "", false
		}
	}
	return strconv.FormatUint(ms, 10) + "-" + strconv.FormatUint(seq, 10), true
}

// Places reports whether the curation reads some entry at its stated or
// corrected time rather than at its place in the stream (Moved): where it
// lands then depends on the times of the entries around it.
func (c *Curation) Places() bool { return c != nil && len(c.placed) > 0 }

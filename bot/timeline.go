package bot

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// EntryKind says what a timeline entry records.
type EntryKind string

// Timeline entry kinds.
const (
	KindDeclared EntryKind = "declared" // the incident was opened
	KindMessage  EntryKind = "message"  // a person said something in the incident channel
	KindEdit     EntryKind = "edit"     // a message was edited; RefersTo names the original
	KindDelete   EntryKind = "delete"   // a message was deleted; RefersTo names the original
	KindStatus   EntryKind = "status"   // the status changed; Data holds "from" and "to"
	KindPriority EntryKind = "priority" // the priority changed; Data holds "from" and "to"
	KindRole     EntryKind = "role"     // a role changed hands; Data holds "role", "user_id", "user_name", "previous"
	KindNote     EntryKind = "note"     // a note a responder flagged as important
	KindUpdate   EntryKind = "update"   // a status update for stakeholders
	// KindPublicUpdate is a customer-facing update, shown on the public
	// status page; Text may hold both languages (ParsePublicText).
	KindPublicUpdate EntryKind = "public_update"
	// KindComponents records the status page components set; Data holds
	// "components" (comma-separated, with "=state" overrides) or nothing
	// when cleared.
	KindComponents EntryKind = "components"
	KindAlert      EntryKind = "alert"    // a monitoring alert fired, repeated or recovered
	KindChannel    EntryKind = "channel"  // the incident channel was created or bound
	KindFlag       EntryKind = "flag"     // a message was pinned or marked; RefersTo names it
	KindFollowup   EntryKind = "followup" // a follow-up was added or changed state; Data holds "n", "action", "state"
	KindMember     EntryKind = "member"   // a person was added to a private incident; Data holds "user_id", "user_name"
	KindAccess     EntryKind = "access"   // an admin outside a private incident's audience saw or changed it; Data holds "command"
	// KindPostmortem records a step of the postmortem; Data holds
	// "action" ("reviewed").
	KindPostmortem EntryKind = "postmortem"
	// KindPage records the page of the people on call (bot.Pager); Data
	// holds "pager", "action" (trigger, acknowledge, resolve, or the
	// paging service's own "acknowledged", "resolved") and "outcome"
	// (sent, failed, skipped).
	KindPage EntryKind = "page"
	// KindCall records the incident's video meeting (bot.CallProvider);
	// Data holds "provider" and "outcome" (started, failed). The join link
	// is never in the entry: the timeline goes into postmortems and exports.
	KindCall EntryKind = "call"
)

// TimelineEntry is one append-only record in an incident's timeline. Nothing
// is ever rewritten: an edit or a deletion is a new entry whose RefersTo
// names the platform reference of the original message.
type TimelineEntry struct {
	// ID is the store's identifier (a Redis stream ID); empty until stored.
	ID       string    `json:"id,omitempty"`
	At       time.Time `json:"at"`
	Kind     EntryKind `json:"kind"`
	Author   User      `json:"author"`
	Text     string    `json:"text"`
	Ref      string    `json:"ref,omitempty"`       // the platform's message reference
	RefersTo string    `json:"refers_to,omitempty"` // for edits and deletions
	// Target is the stream ID of the entry a correction, a hide or an
	// unhide concerns (see curate.go).
	Target string            `json:"target,omitempty"`
	Key    bool              `json:"key,omitempty"` // flagged for the postmortem
	Data   map[string]string `json:"data,omitempty"`
}

// HoldBack is how long an edit, a deletion or a flag that arrived before
// the message it refers to waits for that message in the reading order
// (see InOrder). It covers a platform's retries of a delivery that failed
// the first time (Slack retries for about five minutes), which is how an
// edit overtakes its original.
const HoldBack = 15 * time.Minute

// RefersBack reports whether e records something that happened to another
// entry (an edit, a deletion, a flag) and so belongs after it.
func (e TimelineEntry) RefersBack() bool {
	switch e.Kind {
	case KindEdit, KindDelete, KindFlag:
		return e.RefersTo != ""
	}
	return false
}

// Arrived is when the entry reached the timeline: the time in its stream ID
// ("<ms>-<seq>"), else At.
func (e TimelineEntry) Arrived() time.Time {
	ms, _, _ := strings.Cut(e.ID, "-")
	if v, err := strconv.ParseInt(ms, 10, 64); err == nil && e.ID != "" {
		return time.UnixMilli(v).UTC()
	}
	return e.At
}

// InOrder returns entries, a stretch of one timeline in stream order, in
// reading order: the one ordering rule of every timeline shown (the
// timeline command, the API, the postmortem). The stream itself is never
// rewritten.
//
// The rule: an edit, a deletion or a flag (RefersBack) whose original
// message comes later in the stream, at most HoldBack after it, is moved
// to right after that message (several of them in stream order). One whose
// original came earlier, never comes, or comes later than HoldBack stays
// at its own place. Everything else keeps its stream order.
//
// With open, the stream goes on after entries: an entry whose original has
// not come yet but still may (its HoldBack has not run out by the last
// entry) is left out, since it belongs after every entry given; waiting
// says how many were.
func InOrder(entries []TimelineEntry, open bool) (out []TimelineEntry, waiting int) {
	if len(entries) == 0 {
		return entries, 0
	}
	byRef := map[string][]int{} // a Ref → the indexes of the originals with it
	for i, e := range entries {
		if e.Ref != "" && !e.RefersBack() {
			byRef[e.Ref] = append(byRef[e.Ref], i)
		}
	}
	last := entries[len(entries)-1].Arrived()
	moved := make([]bool, len(entries))
	behind := map[int][]int{} // an original's index → the entries moved behind it
	for i, e := range entries {
		if !e.RefersBack() {
			continue
		}
		j := slices.IndexFunc(byRef[e.RefersTo], func(j int) bool { return j > i })
		switch {
		case j >= 0:
			j = byRef[e.RefersTo][j]
			if entries[j].Arrived().Sub(e.Arrived()) <= HoldBack {
				moved[i] = true
				behind[j] = append(behind[j], i)
			}
		case open && last.Sub(e.Arrived()) < HoldBack:
			moved[i] = true
			waiting++
		}
	}
	out = make([]TimelineEntry, 0, len(entries)-waiting)
	for i, e := range entries {
		if moved[i] {
			continue
		}
		out = append(out, e)
		for _, k := range behind[i] {
			out = append(out, entries[k])
		}
	}
	return out, waiting
}

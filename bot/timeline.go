package bot

import "time"

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
	KindAlert    EntryKind = "alert"    // a monitoring alert fired, repeated or recovered
	KindChannel  EntryKind = "channel"  // the incident channel was created or bound
	KindFlag     EntryKind = "flag"     // a message was pinned or marked; RefersTo names it
	KindFollowup EntryKind = "followup" // a follow-up was added or changed state; Data holds "n", "action", "state"
	// KindPostmortem records a step of the postmortem; Data holds
	// "action" ("reviewed").
	KindPostmortem EntryKind = "postmortem"
)

// TimelineEntry is one append-only record in an incident's timeline. Nothing
// is ever rewritten: an edit or a deletion is a new entry whose RefersTo
// names the platform reference of the original message.
type TimelineEntry struct {
	// ID is the store's identifier (a Redis stream ID); empty until stored.
	ID       string            `json:"id,omitempty"`
	At       time.Time         `json:"at"`
	Kind     EntryKind         `json:"kind"`
	Author   User              `json:"author"`
	Text     string            `json:"text"`
	Ref      string            `json:"ref,omitempty"`       // the platform's message reference
	RefersTo string            `json:"refers_to,omitempty"` // for edits and deletions
	Key      bool              `json:"key,omitempty"`       // flagged for the postmortem
	Data     map[string]string `json:"data,omitempty"`
}

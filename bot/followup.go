package bot

import "time"

// The states of a follow-up. A follow-up starts open, is done when its
// owner says the change is made, and verified once someone checked that
// the change works; reopening goes back to open.
const (
	FollowUpOpen     = "open"
	FollowUpDone     = "done"
	FollowUpVerified = "verified"
)

// FollowUp is an action decided because of an incident, so that it happens
// less often or hurts less: numbered per incident (#1, #2, ...), owned by
// one person, with an optional due date. The store owns its persistence;
// each change of it is also written to its incident's timeline.
type FollowUp struct {
	Incident int64  `json:"incident"`
	N        int    `json:"n"`
	Text     string `json:"text"`
	Owner    User   `json:"owner"`
	// Due is the start of the due day in the deployment's time zone; zero
	// when no date was given. The follow-up is overdue from the next day.
	Due        time.Time `json:"due,omitzero"`
	State      string    `json:"state"`
	CreatedAt  time.Time `json:"created_at"`
	DoneAt     time.Time `json:"done_at,omitzero"`
	VerifiedAt time.Time `json:"verified_at,omitzero"`
	CreatedBy  User      `json:"created_by"`
	// DoneBy is who marked it done (zero for follow-ups done before it was
	// recorded).
	DoneBy User `json:"done_by,omitzero"`
	// VerifyAskedAt is when someone was asked whether the done follow-up
	// worked (handlers' verify_after); zero until then, and again after a
	// reopen.
	VerifyAskedAt time.Time `json:"verify_asked_at,omitzero"`
	// Issue is the issue it was filed as in the tracker (bot.Tracker);
	// zero until filed.
	Issue IssueRef `json:"issue,omitzero"`
}

// AwaitsVerifyQuestion reports whether f is done and nobody was asked yet
// whether it worked.
func (f *FollowUp) AwaitsVerifyQuestion() bool {
	return f.State == FollowUpDone && f.VerifyAskedAt.IsZero() && !f.DoneAt.IsZero()
}

// Open reports whether the follow-up still needs doing.
func (f *FollowUp) Open() bool { return f.State == FollowUpOpen }

// Overdue reports whether f is open and its due day ended before now, in
// loc (nil: UTC).
func (f *FollowUp) Overdue(now time.Time, loc *time.Location) bool {
	if !f.Open() || f.Due.IsZero() {
		return false
	}
	if loc == nil {
		loc = time.UTC
	}
	d := f.Due.In(loc)
	end := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
	return !now.Before(end)
}

// FollowUpFilter selects the follow-ups a board shows. The zero value
// selects every one.
type FollowUpFilter struct {
	// Owner keeps the follow-ups owned by this user ID.
	Owner string
	// State keeps one state (FollowUpOpen, FollowUpDone,
	// FollowUpVerified), or "overdue": open and past the due day.
	State string
	// DueWithin, when above 0, keeps the follow-ups due within that many
	// days from today (overdue ones too); NoDue keeps those without a due
	// date.
	DueWithin int
	NoDue     bool
}

// BoardItem is one follow-up of a board, with what the board shows of its
// incident.
type BoardItem struct {
	FollowUp
	Incident *Incident
	// Overdue is FollowUp.Overdue now, in the deployment's time zone.
	Overdue bool
}

// FollowUpCounts are how many follow-ups were in each state at one time.
// Overdue ones are counted in Open too; done-but-not-verified ones in
// Done.
type FollowUpCounts struct {
	At                            time.Time
	Open, Overdue, Done, Verified int
}

// FollowUpBoard is every follow-up a viewer may see across incidents (the
// audience rule applied), the ones a filter selects, and counts now and
// over time.
type FollowUpBoard struct {
	// Items are the follow-ups the filter selects: the earliest due first
	// (those without a due date last), then by incident and number.
	Items []BoardItem
	// Owners are the owners of every follow-up the viewer may see, by
	// name, for the filter.
	Owners []User
	// Now counts every follow-up the viewer may see; Weeks count them at
	// the end of each of the last weeks, the oldest first, the last being
	// now.
	Now   FollowUpCounts
	Weeks []FollowUpCounts
	// Truncated says that the oldest incidents were not read.
	Truncated bool
}

package bot

import (
	"fmt"
	"time"
)

// PostmortemVersion is one saved version of an incident's postmortem
// document: Markdown, who saved it and when, and the unified diff from
// the version before (from the generated draft for version 1).
type PostmortemVersion struct {
	// N counts versions from 1; 0 is the generated draft, never saved.
	N    int       `json:"n"`
	Text string    `json:"text"`
	By   User      `json:"by"`
	At   time.Time `json:"at"`
	Diff string    `json:"diff,omitempty"`
}

// PostmortemTags classify a postmortem in the library: the service that
// failed, the category of its cause, and free tags.
type PostmortemTags struct {
	Service string   `json:"service,omitempty"`
	Cause   string   `json:"cause,omitempty"`
	Free    []string `json:"tags,omitempty"`
}

// PostmortemState is where a postmortem document is: draft → reviewed →
// published.
type PostmortemState string

// The states of a postmortem document.
const (
	PostmortemNone      PostmortemState = "none"
	PostmortemDraft     PostmortemState = "draft"
	PostmortemReviewed  PostmortemState = "reviewed"
	PostmortemPublished PostmortemState = "published"
)

// PostmortemStateOf is inc's postmortem state, from its record.
func PostmortemStateOf(inc *Incident) PostmortemState {
	switch {
	case !inc.PostmortemPublishedAt.IsZero():
		return PostmortemPublished
	case !inc.PostmortemReviewedAt.IsZero():
		return PostmortemReviewed
	case !inc.PostmortemAt.IsZero():
		return PostmortemDraft
	}
	return PostmortemNone
}

// Label is the state's name in lang (catalog "pmdoc.state.<state>").
func (s PostmortemState) Label(lang Lang) string { return T(lang, "pmdoc.state."+string(s)) }

// PostmortemDoc is an incident's postmortem document as a reader sees
// it: the latest version (or, before any save, the draft generated from
// the curated timeline, as version 0), the history newest first, and its
// tags.
type PostmortemDoc struct {
	Incident *Incident
	Current  PostmortemVersion
	Versions []PostmortemVersion
	Tags     PostmortemTags
}

// PostmortemConflict refuses a save based on a version that is no longer
// the latest: nothing was written. Diff is the unified diff from the
// base version to the current one, what the saver has not seen.
type PostmortemConflict struct {
	Base, Current int
	Diff          string
	// By and At are who saved the current version, and when.
	By User
	At time.Time
}

func (c *PostmortemConflict) Error() string {
	return fmt.Sprintf("postmortem save based on version %d, current is %d", c.Base, c.Current)
}

// LibraryQuery selects published postmortems: words of their text (and
// the incident's), a priority, a publication date range, and tags.
type LibraryQuery struct {
	Text         string
	Priority     Priority
	Since, Until time.Time
	Service      string
	Cause        string
	Tag          string
}

// LibraryItem is one published postmortem of the library.
type LibraryItem struct {
	Incident *Incident
	Tags     PostmortemTags
	// Excerpt is the beginning of the published text.
	Excerpt string
}

package bot

import "time"

// Insights are a window's response metrics, week by week, as one viewer
// may see them: a private incident outside the viewer's audience is in
// no number. Drills are left out of everything but Drills.
type Insights struct {
	Weeks    int
	From, To time.Time
	// Stats is the whole window: what `stats 4w` (for Weeks 4) says in
	// chat to the same person at the same moment.
	Stats *Stats
	// Week has one entry per week, oldest first; the last ends at To.
	Week []InsightsWeek
	// Sources counts the window's incidents by where they came from: an
	// alert source's name, or "" for the ones people declared; Services
	// by their alert's "service" label ("" when it has none). Both are
	// most first, then by name.
	Sources, Services []Count
	// Drills are the window's drills, oldest first.
	Drills []DrillScore
}

// InsightsWeek is one week of the window.
type InsightsWeek struct {
	// From is the week's start (inclusive); it ends 7 days later.
	From time.Time
	// Stats are the incidents declared this week, computed as Stats.
	Stats *Stats
	// FollowUps are the follow-ups of the window's incidents as they stood
	// at the week's end.
	FollowUps FollowUpCounts
}

// Count is a name and how many.
type Count struct {
	Name string
	N    int
}

// DrillScore is one drill: its scenario, when it started, and the share
// of its timed targets it met (Timed 0: the scenario set none).
type DrillScore struct {
	ID       int64
	Scenario string
	At       time.Time
	Score    int
	Timed    int
}

package bot

import "time"

// Stats are response metrics over the incidents declared in a window,
// drills left out.
type Stats struct {
	// Days is the window's length; it runs From (inclusive) to To.
	Days     int
	From, To time.Time
	// Overall covers every incident of the window.
	Overall ResponseStats
	// ByPriority has P1..P4 always, and 0 (no priority) when some incident
	// of the window has none.
	ByPriority map[Priority]*ResponseStats
}

// ResponseStats are the metrics of one group of incidents.
type ResponseStats struct {
	// Declared counts the incidents created in the window, of any status.
	Declared int
	// Resolved counts those now resolved or closed.
	Resolved int
	// Open counts those still open (triage to monitoring).
	Open int
	// TTA is the time to acknowledge (AckedAt − CreatedAt) of the
	// incidents opened by alerts (Source "alert:...") that were
	// acknowledged. People who declare an incident acknowledge it as they
	// declare it, so counting theirs would only add zeros.
	TTA Percentiles
	// TTR is the time to resolve (ResolvedAt − CreatedAt) of the resolved
	// and closed incidents. Declined incidents were never resolved and are
	// left out.
	TTR Percentiles
}

// Percentiles summarise N durations; Median and P90 mean nothing when N
// is 0. Both are interpolated linearly between the nearest samples (the
// median of an even count is the mean of the middle two) and rounded to
// the second.
type Percentiles struct {
	N           int
	Median, P90 time.Duration
}

package bot

// TimelinePageQuery selects one page of an incident's curated timeline
// for the web page: the newest page when neither After nor Before is set,
// the page after the cursor After (newer), or the page before the cursor
// Before (older). The cursors are TimelinePage.Next and Prev.
type TimelinePageQuery struct {
	After, Before string
	// Limit is how many entries a page holds (at least; a page filtered
	// by kind may read a few pages' worth to fill one).
	Limit int
	// Kinds, when not empty, keeps only entries of these kinds.
	Kinds []EntryKind
}

// TimelinePage is one page of an incident's curated timeline, in reading
// order.
type TimelinePage struct {
	Entries []CuratedEntry
	// Next and Prev are the cursors of the pages after and before;
	// Newer and Older say whether those pages hold anything.
	Next, Prev   string
	Newer, Older bool
	// Tail is the stream ID of the newest entry of the stream, read
	// before the page: a live view that follows the stream from it
	// misses nothing the page does not show (and may get again what it
	// does, which it recognises by ID).
	Tail string
	// Total is how many entries the stream holds.
	Total int64
}

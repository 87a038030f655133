package store

// Test access to the key schema, for the external tests that check what
// the store wrote.
var (
	RecordKey    = (*Store).recordKey
	TimelineKey  = (*Store).timelineKey
	ReferringKey = (*Store).referringKey
	NotableKey   = (*Store).notableKey
	RefsKey      = (*Store).refsKey
	OpenKey      = (*Store).openKey
	AllKey       = (*Store).allKey
	ChannelKey   = (*Store).channelKey
	FacetKey     = (*Store).facetKey
	FacetsBuilt  = (*Store).facetsBuiltKey
)

// ReferringLine is the refers-back index's member for an entry.
func ReferringLine(streamID, refersTo string) string { return streamID + " " + refersTo }

// Prefix returns the Store's key prefix.

// SetTimelinePage sets how many entries TimelineEntries reads at a time,
// until the test ends.
func SetTimelinePage(t interface{ Cleanup(func()) }, n int64) {
	old := timelinePage
	timelinePage = n
	t.Cleanup(func() { timelinePage = old })
}

// SetOverflowMax lowers o's bound on each shard's list.
func SetOverflowMax(o *Overflow, n int) { o.max = n }

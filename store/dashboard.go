package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warroomhq/warroom/bot"
)

// The facet indexes answer the web dashboard without reading every
// record: each incident is in exactly one set <p>incidents:by:<facet>,
// where its facet is what the dashboard filters by (visibility, status,
// priority, source), scored by its creation time. Counts are ZCOUNTs over
// the sets a query selects, and a page is a ranged read of those sets
// followed by one pipeline of just that page's records. Private incidents
// are the exception: whether a viewer may see one depends on the viewer,
// so their records are read and judged one by one (they are few).

// Facet is what the dashboard filters an incident by without reading its
// record.
type Facet struct {
	Private  bool
	Status   bot.Status
	Priority bot.Priority
	Source   string
}

// FacetOf is inc's facet.
func FacetOf(inc *bot.Incident) Facet {
	return Facet{Private: inc.Private, Status: inc.Status, Priority: inc.Priority, Source: inc.Source}
}

// String is the facet as its index key names it:
// "<public|private>:<status>:<priority>:<source>" (the source last, as it
// may hold ':').
func (f Facet) String() string {
	vis := "public"
	if f.Private {
		vis = "private"
	}
	return vis + ":" + string(f.Status) + ":" + strconv.Itoa(int(f.Priority)) + ":" + f.Source
}

// parseFacet reverses Facet.String.
func parseFacet(s string) (Facet, bool) {
	parts := strings.SplitN(s, ":", 4)
	if len(parts) != 4 || (parts[0] != "public" && parts[0] != "private") {
		return Facet{}, false
	}
	p, err := strconv.Atoi(parts[2])
	if err != nil {
		return Facet{}, false
	}
	return Facet{Private: parts[0] == "private", Status: bot.Status(parts[1]), Priority: bot.Priority(p), Source: parts[3]}, true
}

// facetsVersion names the marker of a complete facet index: a store that
// finds another value (or none) rebuilds it from the records first.
const facetsVersion = "1"

// BrowseQuery selects incidents for Browse.
type BrowseQuery struct {
	// Facets keeps the incidents whose facet it accepts (the filters but
	// the statuses); nil keeps every facet.
	Facets func(Facet) bool
	// Statuses keeps, for the page and Total, the incidents in any of
	// them; empty keeps all. Counts ignore it.
	Statuses []bot.Status
	// Since and Until keep the incidents created at or after Since and
	// before Until (to the microsecond); zero is unbounded.
	Since, Until time.Time
	// Admit decides, record by record, which private incidents are in the
	// result (the handlers' audience rule); nil admits none.
	Admit func(*bot.Incident) bool
	// AllPrivate says Admit admits every private incident (an admin's
	// view): they are then counted from the index like public ones, and
	// only the page's records are read.
	AllPrivate bool
	// Named, when set, says Admit admits only private incidents that name
	// this person (a role holder or a member, on that platform): only
	// those records are read and judged, not every private incident's.
	Named *Person
	// Offset and Limit cut the page out of the result, newest first.
	Offset, Limit int
}

// Person is someone on a platform.
type Person struct{ Platform, ID string }

// Browsed is one page of what a BrowseQuery selects.
type Browsed struct {
	// Incidents is the page, newest first (by creation time, then ID).
	Incidents []*bot.Incident
	// Total is how many incidents pass the query's statuses.
	Total int
	// Counts is how many pass everything but the statuses, by status.
	Counts map[bot.Status]int
}

// Browse answers the dashboard from the facet indexes: counts with one
// ZCOUNT per selected set, a page with one ranged read per set and one
// pipeline of that page's records. Private incidents are read and passed
// to q.Admit. The page's records are checked against the index; an entry
// that disagrees with its record is repaired and the query asked again,
// so a stale index never shows a wrong incident.
func (s *Store) Browse(ctx context.Context, q BrowseQuery) (Browsed, error) {
	if err := s.ensureFacets(ctx); err != nil {
		return Browsed{}, fmt.Errorf("browse incidents: %w", err)
	}
	for attempt := 0; ; attempt++ {
		res, stale, err := s.browse(ctx, q)
		if err != nil {
			return Browsed{}, fmt.Errorf("browse incidents: %w", err)
		}
		if len(stale) == 0 || attempt == 2 {
			return res, nil
		}
		for _, id := range stale {
			inc, err := s.load(ctx, s.rdb, id)
			if err != nil && !errors.Is(err, bot.ErrNotFound) {
				return Browsed{}, fmt.Errorf("browse incidents: %w", err)
			}
			if err := s.reconcileFacet(ctx, id, nil, inc); err != nil {
				return Browsed{}, fmt.Errorf("browse incidents: %w", err)
			}
		}
	}
}

// browsed is an index entry: its incident, creation score and set.
type browsed struct {
	id    int64
	score float64
	facet Facet
	inc   *bot.Incident // read already (private ones)
}

func (s *Store) browse(ctx context.Context, q BrowseQuery) (Browsed, []int64, error) {
	names, err := s.rdb.SMembers(ctx, s.facetsKey()).Result()
	if err != nil {
		return Browsed{}, nil, unavailable(err)
	}
	var public, private []Facet
	for _, n := range names {
		f, ok := parseFacet(n)
		if !ok || (q.Facets != nil && !q.Facets(f)) {
			continue
		}
		if f.Private && !q.AllPrivate {
			private = append(private, f)
		} else {
			public = append(public, f)
		}
	}
	lo, hi := "-inf", "+inf"
	if !q.Since.IsZero() {
		lo = strconv.FormatInt(q.Since.UnixMicro(), 10)
	}
	if !q.Until.IsZero() {
		hi = "(" + strconv.FormatInt(q.Until.UnixMicro(), 10)
	}
	shows := func(st bot.Status) bool { return len(q.Statuses) == 0 || slices.Contains(q.Statuses, st) }
	want := int64(max(q.Offset, 0) + max(q.Limit, 0))

	// One pipeline: counts of the public sets, the first want entries of
	// those the statuses show, and every entry of the private sets.
	counts := make([]*redis.IntCmd, len(public))
	heads := make([]*redis.ZSliceCmd, len(public))
	privs := make([]*redis.ZSliceCmd, len(private))
	var named *redis.ZSliceCmd
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, f := range public {
			key := s.facetKey(f)
			counts[i] = p.ZCount(ctx, key, lo, hi)
			if shows(f.Status) && want > 0 {
				heads[i] = p.ZRevRangeByScoreWithScores(ctx, key, &redis.ZRangeBy{Min: lo, Max: hi, Count: want})
			}
		}
		switch {
		case q.Admit == nil || q.AllPrivate:
		case q.Named != nil:
			named = p.ZRevRangeByScoreWithScores(ctx, s.namedKey(q.Named.Platform, q.Named.ID), &redis.ZRangeBy{Min: lo, Max: hi})
		default:
			for i, f := range private {
				privs[i] = p.ZRevRangeByScoreWithScores(ctx, s.facetKey(f), &redis.ZRangeBy{Min: lo, Max: hi})
			}
		}
		return nil
	})
	if err != nil {
		return Browsed{}, nil, unavailable(err)
	}
	res := Browsed{Counts: map[bot.Status]int{}}
	var cands []browsed
	for i, f := range public {
		n := int(counts[i].Val())
		if n == 0 {
			continue
		}
		res.Counts[f.Status] += n
		if shows(f.Status) {
			res.Total += n
		}
		if heads[i] != nil {
			cands = appendEntries(cands, heads[i].Val(), f)
		}
	}
	var stale []int64
	var pcands []browsed
	for i, f := range private {
		if privs[i] != nil {
			pcands = appendEntries(pcands, privs[i].Val(), f)
		}
	}
	if named != nil {
		// A person's set holds private incidents of every facet: the
		// record says which, and whether the query selects it.
		pcands = appendEntries(nil, named.Val(), Facet{})
	}
	if len(pcands) > 0 {
		incs, err := s.loadMany(ctx, memberIDs(pcands))
		if err != nil {
			return Browsed{}, nil, err
		}
		for i, inc := range incs {
			c := pcands[i]
			if named != nil {
				if inc == nil {
					continue // records are never deleted; nothing to show
				}
				c.facet = FacetOf(inc)
				if !inc.Private || (q.Facets != nil && !q.Facets(c.facet)) {
					continue
				}
			}
			if inc == nil || FacetOf(inc) != c.facet {
				stale = append(stale, c.id)
				continue
			}
			if !q.Admit(inc) {
				continue
			}
			res.Counts[inc.Status]++
			if shows(inc.Status) {
				res.Total++
				c.inc = inc
				cands = append(cands, c)
			}
		}
	}
	// Newest first; a set's members are zero-padded IDs, so Redis breaks
	// ties of score the same way.
	slices.SortFunc(cands, func(a, b browsed) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(b.id, a.id))
	})
	from := min(max(q.Offset, 0), len(cands))
	page := cands[from:min(from+max(q.Limit, 0), len(cands))]
	var toRead []browsed
	for _, c := range page {
		if c.inc == nil {
			toRead = append(toRead, c)
		}
	}
	incs, err := s.loadMany(ctx, memberIDs(toRead))
	if err != nil {
		return Browsed{}, nil, err
	}
	read := make(map[int64]*bot.Incident, len(toRead))
	for i, inc := range incs {
		if inc == nil || FacetOf(inc) != toRead[i].facet {
			stale = append(stale, toRead[i].id)
			continue
		}
		read[toRead[i].id] = inc
	}
	for _, c := range page {
		inc := c.inc
		if inc == nil {
			inc = read[c.id]
		}
		if inc != nil {
			res.Incidents = append(res.Incidents, inc)
		}
	}
	return res, stale, nil
}

// appendEntries adds a set's entries (zero-padded IDs) to out.
func appendEntries(out []browsed, zs []redis.Z, f Facet) []browsed {
	for _, z := range zs {
		m, _ := z.Member.(string)
		id, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			continue
		}
		out = append(out, browsed{id: id, score: z.Score, facet: f})
	}
	return out
}

// memberIDs are the decimal IDs of entries, as loadMany reads them.
func memberIDs(cs []browsed) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = strconv.FormatInt(c.id, 10)
	}
	return out
}

// indexKeys are the sets that hold inc: its facet's and, for a private
// incident, those of the people it names (BrowseQuery.Named).
func (s *Store) indexKeys(inc *bot.Incident) []string {
	keys := []string{s.facetKey(FacetOf(inc))}
	if !inc.Private {
		return keys
	}
	for _, u := range inc.Roles {
		if u.ID != "" {
			keys = append(keys, s.namedKey(inc.Platform, u.ID))
		}
	}
	for _, id := range inc.Members {
		keys = append(keys, s.namedKey(inc.Platform, id))
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// indexFacet puts inc in its sets (indexKeys) and takes it out of those of
// prev (nil when new) it left, then re-reads the record until they agree,
// as reconcileOpen does for the open index, so racing writers converge.
func (s *Store) indexFacet(ctx context.Context, prev, inc *bot.Incident) error {
	var old []string
	if prev != nil {
		old = s.indexKeys(prev)
	}
	return s.reconcileFacet(ctx, inc.ID, old, inc)
}

// reconcileFacet makes incident id's sets agree with its record inc (nil
// when there is none): it adds the entry to inc's sets, removes it from
// those of old it is not in, re-reads the record and repeats while it
// changed. A reader that found the entry stale passes old = nil: then
// every facet set the registry names loses the entry but the record's.
func (s *Store) reconcileFacet(ctx context.Context, id int64, old []string, inc *bot.Incident) error {
	if old == nil {
		names, err := s.rdb.SMembers(ctx, s.facetsKey()).Result()
		if err != nil {
			return unavailable(err)
		}
		for _, n := range names {
			if f, ok := parseFacet(n); ok {
				old = append(old, s.facetKey(f))
			}
		}
	}
	member := facetMember(id)
	for range 5 {
		var want []string
		if inc != nil {
			want = s.indexKeys(inc)
		}
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			if inc != nil {
				p.SAdd(ctx, s.facetsKey(), FacetOf(inc).String())
				for _, k := range want {
					p.ZAdd(ctx, k, redis.Z{Score: float64(inc.CreatedAt.UnixMicro()), Member: member})
				}
			}
			for _, k := range old {
				if !slices.Contains(want, k) {
					p.ZRem(ctx, k, member)
				}
			}
			return nil
		})
		if err != nil {
			return unavailable(err)
		}
		now, err := s.load(ctx, s.rdb, id)
		if err != nil && !errors.Is(err, bot.ErrNotFound) {
			return err
		}
		if (now == nil && inc == nil) || (now != nil && inc != nil &&
			slices.Equal(s.indexKeys(now), want) && now.CreatedAt.Equal(inc.CreatedAt)) {
			return nil
		}
		old, inc = want, now
	}
	return nil
}

// ensureFacets builds the facet index from the records if its marker is
// missing: incidents written before the index existed then appear in it.
// Concurrent builders and writers are harmless: every entry written is
// checked against a fresh read of its record.
func (s *Store) ensureFacets(ctx context.Context) error {
	return s.ensure(ctx, s.facets())
}

// RebuildFacets indexes every incident of <p>incidents:all by its facet,
// a page at a time, then marks the index complete.
func (s *Store) RebuildFacets(ctx context.Context) error {
	return s.rebuild(ctx, s.facets())
}

// facets is the facet index's backfill.
func (s *Store) facets() backfill {
	return backfill{what: "facet index", marker: s.facetsBuiltKey(), version: facetsVersion, page: s.indexFacets}
}

// indexFacets indexes one page of incidents by their facets.
func (s *Store) indexFacets(ctx context.Context, members []string) error {
	incs, err := s.loadMany(ctx, members)
	if err != nil {
		return err
	}
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, inc := range incs {
			if inc != nil {
				p.SAdd(ctx, s.facetsKey(), FacetOf(inc).String())
				for _, k := range s.indexKeys(inc) {
					p.ZAdd(ctx, k, redis.Z{Score: float64(inc.CreatedAt.UnixMicro()), Member: facetMember(inc.ID)})
				}
			}
		}
		return nil
	}); err != nil {
		return unavailable(err)
	}
	// A writer may have changed a record since it was read: check each
	// against a fresh read and reconcile those that moved.
	again, err := s.loadMany(ctx, members)
	if err != nil {
		return err
	}
	for i, inc := range incs {
		if inc == nil {
			continue
		}
		if now := again[i]; now == nil || !slices.Equal(s.indexKeys(now), s.indexKeys(inc)) || !now.CreatedAt.Equal(inc.CreatedAt) {
			if err := s.reconcileFacet(ctx, inc.ID, s.indexKeys(inc), now); err != nil {
				return err
			}
		}
	}
	return nil
}

// facetMember is id zero-padded to 19 digits, so that a set's members,
// which Redis orders bytewise among equal scores, sort as numbers.
func facetMember(id int64) string { return fmt.Sprintf("%019d", id) }

func (s *Store) facetsKey() string      { return s.prefix + "incidents:facets" }
func (s *Store) facetsBuiltKey() string { return s.prefix + "incidents:facets:built" }
func (s *Store) namedKey(platform, userID string) string {
	return s.prefix + "incidents:named:" + platform + ":" + userID
}
func (s *Store) facetKey(f Facet) string {
	return s.prefix + "incidents:by:" + f.String()
}

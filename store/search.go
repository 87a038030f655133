package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/warroomhq/warroom/bot"
)

// The fields of an incident that Index knows, and what a word found in
// each is worth: a word of the title says more about an incident than a
// word said in passing in its channel.
const (
	FieldTitle       = "title"       // weight 5
	FieldSummary     = "summary"     // weight 3: how it was resolved
	FieldDescription = "description" // weight 3
	FieldNote        = "note"        // weight 2
	FieldUpdate      = "update"      // weight 2: status updates and status changes with text
	FieldMessage     = "message"     // weight 1: channel messages and their edits
	FieldPostmortem  = "postmortem"  // weight 2: the published postmortem's text
)

var fieldWeights = map[string]float64{
	FieldTitle: 5, FieldSummary: 3, FieldDescription: 3, FieldNote: 2, FieldUpdate: 2, FieldMessage: 1, FieldPostmortem: 2,
}

const (
	// searchDepth is how many incidents Search reads per query token (the
	// best by weight): a token in more incidents than that says little.
	searchDepth = 500
	// maxIndexRunes and maxIndexTokens bound what one Index call writes.
	maxIndexRunes  = 20000
	maxIndexTokens = 2000
	// maxTokenBytes truncates very long words (hashes, base64).
	maxTokenBytes = 64
	// maxQueryTokens bounds the ZRANGEs of one Search.
	maxQueryTokens = 64
	// saturation damps repeated mentions: an accumulated weight w counts
	// w·(k+1)/(w+k), so many passing mentions never outweigh much more
	// than twice a title.
	saturation = 10
)

// SearchHit is one incident found by Search: the higher Score, the better.
type SearchHit struct {
	ID    int64
	Score float64
}

// Index adds texts, said in field (FieldTitle, FieldSummary, ...) of
// incident id, to the search index: each distinct token of a text raises
// the incident's weight in that token's sorted set by the field's weight
// (ZINCRBY <p>search:<token>; a token in three of the texts by three
// times the weight, in one command), and the incident remembers its tokens
// (SADD <p>inc:{<id>}:terms) so Unindex can drop it. Every command touches
// one key, sent as one pipeline that a cluster client splits per node, so
// Index works on Redis Cluster. Indexing the same text twice counts it
// twice. Errors wrap bot.ErrUnavailable when Redis failed.
func (s *Store) Index(ctx context.Context, id int64, field string, texts ...string) error {
	w, ok := fieldWeights[field]
	if !ok {
		return fmt.Errorf("index incident %d: unknown field %q", id, field)
	}
	if id <= 0 {
		return fmt.Errorf("index incident %d: id must be positive", id)
	}
	var tokens []string
	count := map[string]int{}
	for _, text := range texts {
		for _, t := range indexTokens(text) {
			if count[t] == 0 {
				tokens = append(tokens, t)
			}
			count[t]++
		}
	}
	if len(tokens) == 0 {
		return nil
	}
	member := strconv.FormatInt(id, 10)
	terms := make([]any, len(tokens))
	for i, t := range tokens {
		terms[i] = t
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, s.termsKey(id), terms...)
		for _, t := range tokens {
			p.ZIncrBy(ctx, s.searchKey(t), w*float64(count[t]), member)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index incident %d: %w", id, unavailable(err))
	}
	return nil
}

// Unindex drops incident id from the search index (a drill, say). Tokens
// an Index running at the same time adds may stay behind.
func (s *Store) Unindex(ctx context.Context, id int64) error {
	key := s.termsKey(id)
	terms, err := s.rdb.SMembers(ctx, key).Result()
	if err != nil {
		return fmt.Errorf("unindex incident %d: %w", id, unavailable(err))
	}
	member := strconv.FormatInt(id, 10)
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, t := range terms {
			p.ZRem(ctx, s.searchKey(t), member)
		}
		p.Del(ctx, key)
		return nil
	})
	if err != nil {
		return fmt.Errorf("unindex incident %d: %w", id, unavailable(err))
	}
	return nil
}

// Search finds the incidents that match every word of query (for a run of
// Japanese text: enough of its character bigrams; see tokenize), best
// first: incidents matching more of the query's tokens first, then by
// score, the sum over matched tokens of the saturated field weight times
// log(1+N/df) (N incidents, df of them with the token), then newest first.
// It returns at most limit hits (limit ≤ 0: 10); an empty query, or one
// of only stopwords, finds nothing. Each token's sorted set is read on its
// own (ZREVRANGE WITHSCORES, the best searchDepth) in one pipeline and the
// sets are combined here, never with a multi-key command, so Search works
// on Redis Cluster.
func (s *Store) Search(ctx context.Context, query string, limit int) ([]SearchHit, error) {
	return s.search(ctx, query, limit, true)
}

// SearchAny is Search for "similar to this text": a hit needs to match
// only a third of the text's words and Japanese runs (at least one), and
// incidents matching more of them come first.
func (s *Store) SearchAny(ctx context.Context, text string, limit int) ([]SearchHit, error) {
	return s.search(ctx, text, limit, false)
}

func (s *Store) search(ctx context.Context, query string, limit int, all bool) ([]SearchHit, error) {
	if limit <= 0 {
		limit = 10
	}
	groups := queryGroups(query)
	var tokens []string
	for _, g := range groups {
		tokens = append(tokens, g...)
	}
	if len(tokens) == 0 {
		return nil, nil
	}
	ranges := make([]*redis.ZSliceCmd, len(tokens))
	cards := make([]*redis.IntCmd, len(tokens))
	var total *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		total = p.ZCard(ctx, s.allKey())
		for i, t := range tokens {
			key := s.searchKey(t)
			ranges[i] = p.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: key, Start: 0, Stop: searchDepth - 1, Rev: true})
			cards[i] = p.ZCard(ctx, key)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("search %q: %w", query, unavailable(err))
	}
	n := float64(total.Val())
	for _, c := range cards {
		n = max(n, float64(c.Val()))
	}

	type acc struct {
		score   float64
		matched []bool // by token
	}
	found := map[int64]*acc{}
	for i, r := range ranges {
		df := float64(cards[i].Val())
		if df == 0 {
			continue
		}
		idf := math.Log(1 + n/df)
		for _, z := range r.Val() {
			m, _ := z.Member.(string)
			id, err := strconv.ParseInt(m, 10, 64)
			if err != nil {
				continue
			}
			a := found[id]
			if a == nil {
				a = &acc{matched: make([]bool, len(tokens))}
				found[id] = a
			}
			a.score += z.Score * (saturation + 1) / (z.Score + saturation) * idf
			a.matched[i] = true
		}
	}

	type hit struct {
		SearchHit
		groups, tokens int
	}
	need := len(groups)
	if !all {
		need = max(1, (len(groups)+2)/3)
	}
	var hits []hit
	for id, a := range found {
		h := hit{SearchHit: SearchHit{ID: id, Score: a.score}}
		i := 0
		for _, g := range groups {
			m := 0
			for range g {
				if a.matched[i] {
					m++
				}
				i++
			}
			h.tokens += m
			if m >= groupNeeds(len(g)) {
				h.groups++
			}
		}
		if h.groups >= need {
			hits = append(hits, h)
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		switch {
		case a.groups != b.groups:
			return b.groups - a.groups
		case a.tokens != b.tokens:
			return b.tokens - a.tokens
		case a.Score != b.Score:
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return int(min(max(b.ID-a.ID, -1), 1))
	})
	out := make([]SearchHit, 0, min(limit, len(hits)))
	for _, h := range hits[:min(limit, len(hits))] {
		out = append(out, h.SearchHit)
	}
	return out, nil
}

// groupNeeds is how many of a query group's n tokens an incident must
// have for the group to match: the one token of a word, half the bigrams
// of a longer Japanese run (at least one).
func groupNeeds(n int) int { return max(1, n/2) }

func (s *Store) searchKey(token string) string { return s.prefix + "search:" + token }
func (s *Store) termsKey(id int64) string      { return s.recordKey(id) + ":terms" }

// Tokenization. Text is folded first: full-width ASCII (ＡＰＩ) becomes
// ASCII and letters are lower-cased. Then it splits into runs:
//
//   - a run of letters and digits of any script other than the ones below
//     is a word (Latin "timeout", "4f2a"); words of one character and a few
//     English stopwords are left out, and long words are cut at 64 bytes;
//   - a run of Japanese and Chinese script (kanji, hiragana, katakana, the
//     long-vowel mark ー, 々 and 〆) has no spaces to split at, so it gives
//     its overlapping character bigrams (タイムアウト → タイ, イム, ムア, アウ,
//     ウト), or itself when it is one character long. Indexing also adds
//     every kanji on its own, so that a one-kanji query finds it;
//   - anything else separates runs.
//
// A query is tokenized the same way into groups, one per word or Japanese
// run.

// queryGroups tokenizes a query: one group per word or Japanese run, in
// order, each token once in the whole query.
func queryGroups(query string) [][]string {
	seen := map[string]bool{}
	var groups [][]string
	count := 0
	scan(query, func(word string) {
		if seen[word] || count >= maxQueryTokens {
			return
		}
		seen[word] = true
		count++
		groups = append(groups, []string{word})
	}, func(run []rune) {
		var g []string
		for _, t := range bigrams(run) {
			if !seen[t] && count < maxQueryTokens {
				seen[t] = true
				count++
				g = append(g, t)
			}
		}
		if len(g) > 0 {
			groups = append(groups, g)
		}
	})
	return groups
}

// indexTokens tokenizes text for the index: its distinct tokens, at most
// maxIndexTokens of them, from its first maxIndexRunes characters.
func indexTokens(text string) []string {
	if utf8.RuneCountInString(text) > maxIndexRunes {
		text = string([]rune(text)[:maxIndexRunes])
	}
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if !seen[t] && len(out) < maxIndexTokens {
			seen[t] = true
			out = append(out, t)
		}
	}
	scan(text, add, func(run []rune) {
		for _, t := range bigrams(run) {
			add(t)
		}
		if len(run) > 1 {
			for _, r := range run {
				if unicode.Is(unicode.Han, r) {
					add(string(r))
				}
			}
		}
	})
	return out
}

// scan folds text and hands its words and Japanese runs, in order, to word
// and cjk.
func scan(text string, word func(string), cjk func([]rune)) {
	var cur []rune
	curCJK := false
	flush := func() {
		switch {
		case len(cur) == 0:
		case curCJK:
			cjk(cur)
		case len(cur) > 1:
			w := string(cur)
			if len(w) > maxTokenBytes {
				w = bot.CutBytes(w, maxTokenBytes)
			}
			if !stopwords[w] {
				word(w)
			}
		}
		cur = cur[:0]
	}
	for _, r := range text {
		r = fold(r)
		switch {
		case isCJK(r):
			if !curCJK {
				flush()
			}
			curCJK = true
			cur = append(cur, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r) || (unicode.IsMark(r) && len(cur) > 0):
			if curCJK {
				flush()
			}
			curCJK = false
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
}

// bigrams are the overlapping character pairs of a run, or the run itself
// when it is a single character.
func bigrams(run []rune) []string {
	if len(run) == 1 {
		return []string{string(run)}
	}
	out := make([]string, 0, len(run)-1)
	for i := 0; i+1 < len(run); i++ {
		out = append(out, string(run[i:i+2]))
	}
	return out
}

func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) || r == 'ー' || r == '々' || r == '〆'
}

// fold maps full-width ASCII to ASCII and lower-cases.
func fold(r rune) rune {
	if r >= '！' && r <= '～' {
		r -= '！' - '!'
	}
	return unicode.ToLower(r)
}

// stopwords are English words too common to find anything with.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields("an the is are was were be been of to in on at for and or by with from as it its this that") {
		m[w] = true
	}
	return m
}()

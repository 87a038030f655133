package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// index adds field texts to incident id's search index.
func indexAll(t *testing.T, s *store.Store, id int64, fieldTexts ...string) {
	t.Helper()
	for i := 0; i+1 < len(fieldTexts); i += 2 {
		require.NoError(t, s.Index(context.Background(), id, fieldTexts[i], fieldTexts[i+1]))
	}
}

func hitIDs(hits []store.SearchHit) []int64 {
	out := make([]int64, 0, len(hits))
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

func searchIDs(t *testing.T, s *store.Store, q string) []int64 {
	t.Helper()
	hits, err := s.Search(context.Background(), q, 10)
	require.NoError(t, err)
	return hitIDs(hits)
}

func TestSearchJapaneseAndEnglish(t *testing.T) {
	s := newStore(t)
	indexAll(t, s, 1, store.FieldTitle, "決済APIのタイムアウト", store.FieldMessage, "データベースの接続数が上限に達した")
	indexAll(t, s, 2, store.FieldTitle, "Checkout latency high", store.FieldSummary, "rolled back deploy 4f2a")
	indexAll(t, s, 3, store.FieldTitle, "メール送信の遅延", store.FieldNote, "SMTP relay queue is full; 送信キューが詰まっている")

	for q, want := range map[string][]int64{
		"接続数":         {1},
		"タイムアウト":      {1},
		"決済":          {1},
		"上限":          {1},
		"データベース 接続":   {1},
		"checkout":    {2},
		"CHECKOUT":    {2},
		"ｃｈｅｃｋｏｕｔ":    {2}, // full-width
		"rolled back": {2},
		"deploy 4f2a": {2},
		"api タイムアウト":  {1},
		"遅延":          {3},
		"送信":          {3},
		"smtp":        {3},
		"決":           {1}, // one kanji
		"checkout 決済": nil, // every word must match
		"nothing":     nil,
	} {
		got := searchIDs(t, s, q)
		if want == nil {
			require.Empty(t, got, q)
			continue
		}
		require.NotEmpty(t, got, q)
		require.Equal(t, want[0], got[0], "%q: %v", q, got)
	}
	for _, q := range []string{"", "   ", "the of", "、。！"} {
		require.Empty(t, searchIDs(t, s, q), "%q", q)
	}
}

func TestSearchRanking(t *testing.T) {
	s := newStore(t)
	indexAll(t, s, 1, store.FieldTitle, "Redis failover")
	indexAll(t, s, 2, store.FieldMessage, "is this a redis problem?")
	indexAll(t, s, 3, store.FieldSummary, "restarted redis")
	indexAll(t, s, 4, store.FieldNote, "redis memory at 95%")
	indexAll(t, s, 5, store.FieldMessage, "redis again")
	require.Equal(t, []int64{1, 3, 4, 5, 2}, searchIDs(t, s, "redis"),
		"title, summary, note, then messages, newest first on ties")

	// A title match outranks a message match, also in Japanese.
	indexAll(t, s, 6, store.FieldMessage, "決済が遅い")
	indexAll(t, s, 7, store.FieldTitle, "決済の障害")
	require.Equal(t, []int64{7, 6}, searchIDs(t, s, "決済"))

	// Matching more of the query beats a higher weight on part of it.
	indexAll(t, s, 8, store.FieldMessage, "redis failover took 3 minutes")
	indexAll(t, s, 9, store.FieldTitle, "Redis failover timeout")
	indexAll(t, s, 10, store.FieldMessage, "redis failover timeout again")
	got := searchIDs(t, s, "redis failover timeout")
	require.Equal(t, []int64{9, 10}, got, "only those with every word")

	hits, err := s.Search(context.Background(), "redis", 2)
	require.NoError(t, err)
	require.Equal(t, []int64{9, 1}, hitIDs(hits), "limit; equal titles, newest first")
	require.Equal(t, hits[0].Score, hits[1].Score)

	// A rare word weighs more than a common one.
	sim, err := s.SearchAny(context.Background(), "redis memory", 10)
	require.NoError(t, err)
	require.Equal(t, int64(4), sim[0].ID, "the only one with both")
	require.Len(t, sim, 8, "every incident mentioning redis or memory")
}

func TestSearchAnyNeedsAThird(t *testing.T) {
	s := newStore(t)
	indexAll(t, s, 1, store.FieldTitle, "Checkout latency high")
	indexAll(t, s, 2, store.FieldTitle, "Checkout is failing")
	indexAll(t, s, 3, store.FieldTitle, "Login page broken")
	hits, err := s.SearchAny(context.Background(), "Checkout errors", 10)
	require.NoError(t, err)
	require.ElementsMatch(t, []int64{1, 2}, hitIDs(hits))
	hits, err = s.SearchAny(context.Background(), "checkout api errors spike everywhere today", 10)
	require.NoError(t, err)
	require.Empty(t, hits, "one word of six is not similar")
}

func TestUnindex(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	indexAll(t, s, 1, store.FieldTitle, "Checkout latency 決済")
	indexAll(t, s, 2, store.FieldTitle, "Checkout failing")
	require.NoError(t, s.Unindex(ctx, 1))
	require.Equal(t, []int64{2}, searchIDs(t, s, "checkout"))
	require.Empty(t, searchIDs(t, s, "決済"))
	n, err := s.Client().Exists(ctx, s.Prefix()+"inc:{1}:terms").Result()
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestIndexRejectsUnknownField(t *testing.T) {
	s := newStore(t)
	require.Error(t, s.Index(context.Background(), 1, "body", "x y"))
	require.Error(t, s.Index(context.Background(), 0, store.FieldTitle, "x y"))
	require.NoError(t, s.Index(context.Background(), 1, store.FieldTitle, "、"), "nothing to index")
}

// TestSearchKeysClusterSafe looks at every key indexing one incident
// wrote: each is a single-key sorted set of one token or lives in the
// incident's slot.
func TestSearchKeysClusterSafe(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inc := create(t, s, bot.StatusInvestigating, bot.P1)
	before := allKeys(t, s)
	indexAll(t, s, inc.ID, store.FieldTitle, "決済APIのタイムアウト", store.FieldMessage, "DB connections maxed out",
		store.FieldSummary, "接続プールを増やした")
	_, err := s.Search(ctx, "決済 タイムアウト connections", 5)
	require.NoError(t, err)

	after := allKeys(t, s)
	incSlot := slot("{" + bot.FormatID(inc.ID)[4:] + "}")
	var tokens, inSlot int
	for _, k := range after {
		if hasKey(before, k) {
			continue
		}
		rest := strings.TrimPrefix(k, s.Prefix())
		typ, err := s.Client().Type(ctx, k).Result()
		require.NoError(t, err)
		switch {
		case strings.HasPrefix(rest, "search:"):
			require.Equal(t, "zset", typ, k)
			require.NotContains(t, rest, "{", "a token never makes a hash tag")
			tokens++
		case rest == "inc:{"+bot.FormatID(inc.ID)[4:]+"}:terms":
			require.Equal(t, "set", typ, k)
			require.Equal(t, incSlot, slot(k), k)
			inSlot++
		default:
			t.Errorf("key %q is not in the documented schema", k)
		}
	}
	require.Equal(t, 1, inSlot)
	require.Greater(t, tokens, 10)
	members, err := s.Client().SMembers(ctx, s.Prefix()+"inc:{"+bot.FormatID(inc.ID)[4:]+"}:terms").Result()
	require.NoError(t, err)
	require.Len(t, members, tokens, "the incident remembers every token it was indexed under")
	require.Contains(t, members, "タイ")
	require.Contains(t, members, "決", "single kanji for one-character queries")
	require.Contains(t, members, "connections")
}

func hasKey(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestSearchUnavailable(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	s, err := store.New(rdb, store.Options{})
	require.NoError(t, err)
	mr.Close()
	ctx := context.Background()
	err = s.Index(ctx, 1, store.FieldTitle, "Checkout down")
	require.True(t, errors.Is(err, bot.ErrUnavailable), "%v", err)
	_, err = s.Search(ctx, "checkout", 5)
	require.True(t, errors.Is(err, bot.ErrUnavailable), "%v", err)
}

// Indexing several texts at once counts a token once per text that holds
// it, as indexing them one by one would.
func TestIndexManyTexts(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	require.NoError(t, s.Index(ctx, 7, store.FieldMessage, "replication lag on db-2", "lag again, lag", "all good", ""))
	require.NoError(t, s.Index(ctx, 7, store.FieldNote, "lag"))
	score, err := s.Client().ZScore(ctx, s.Prefix()+"search:lag", "7").Result()
	require.NoError(t, err)
	require.Equal(t, 1.0+1.0+2.0, score, "two messages (weight 1) and a note (weight 2)")
	score, err = s.Client().ZScore(ctx, s.Prefix()+"search:replication", "7").Result()
	require.NoError(t, err)
	require.Equal(t, 1.0, score)
	terms, err := s.Client().SMembers(ctx, s.Prefix()+"inc:{7}:terms").Result()
	require.NoError(t, err)
	require.Contains(t, terms, "good")
	require.NoError(t, s.Index(ctx, 7, store.FieldMessage), "no text, nothing to do")
}

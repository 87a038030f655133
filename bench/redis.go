package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// Key names the bench reads directly; they follow the store's key schema
// (store/doc.go).
func timelineKey(prefix string, id int64) string {
	return prefix + "inc:{" + strconv.FormatInt(id, 10) + "}:timeline"
}

// alertCounter counts the alert entries on every incident's timeline under
// a prefix, reading each stream only from where it stopped last time.
type alertCounter struct {
	rdb    redis.UniversalClient
	prefix string
	last   map[string]string
	total  int
}

func (c *alertCounter) count(ctx context.Context) (int, error) {
	ids, err := c.rdb.ZRange(ctx, c.prefix+"incidents:all", 0, -1).Result()
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			continue
		}
		key := timelineKey(c.prefix, n)
		start := "-"
		if l, ok := c.last[key]; ok {
			start = "(" + l
		}
		msgs, err := c.rdb.XRange(ctx, key, start, "+").Result()
		if err != nil {
			return 0, err
		}
		for _, m := range msgs {
			if m.Values["kind"] == string(bot.KindAlert) {
				c.total++
			}
			c.last[key] = m.ID
		}
	}
	return c.total, nil
}

// seed writes incidents straight into the store under prefix, as fast as
// the store's API allows: n open incidents of per entries each (the first
// a "declared" entry, then chat messages with now and then a key moment or
// a status change), from 16 writers at once. It returns their IDs.
func seed(ctx context.Context, st *store.Store, n, per int) ([]int64, error) {
	ids := make([]int64, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ids[i], errs[i] = seedIncident(ctx, st, i, per)
		})
	}
	wg.Wait()
	return ids, errors.Join(errs...)
}

// seedIncident creates one open incident with per timeline entries,
// written in transactions of at most 1,000 entries.
func seedIncident(ctx context.Context, st *store.Store, i, per int) (int64, error) {
	id, err := st.NextID(ctx)
	if err != nil {
		return 0, err
	}
	started := time.Now().Add(-time.Duration(per) * time.Second)
	inc := &bot.Incident{
		ID: id, Title: fmt.Sprintf("Seeded incident %d: checkout latency on shard %d", i, i%32),
		Status: bot.StatusInvestigating, Priority: bot.Priority(1 + i%4), Platform: "slack",
		Channel:    bot.Channel{ID: fmt.Sprintf("CSEED%06d", id), Name: fmt.Sprintf("inc-%d-seeded", id)},
		DeclaredBy: bot.User{ID: userID, Name: "bench"}, CreatedAt: started,
		Roles: map[bot.Role]bot.User{"commander": {ID: userID, Name: "bench"}},
	}
	entries := func(from, to int) []bot.TimelineEntry {
		out := make([]bot.TimelineEntry, 0, to-from)
		for k := from; k < to; k++ {
			e := bot.TimelineEntry{At: started.Add(time.Duration(k) * time.Second), Kind: bot.KindMessage,
				Author: bot.User{ID: fmt.Sprintf("U%04d", k%50), Name: fmt.Sprintf("responder%d", k%50)},
				Text:   fmt.Sprintf("message %d: checked db-%d replication lag, it is %dms; rolling back deploy %d next", k, k%7, k%900, k%13),
				Ref:    fmt.Sprintf("%d.%06d", started.Unix()+int64(k), k%1e6)}
			switch {
			case k == 0:
				e.Kind, e.Text, e.Ref = bot.KindDeclared, inc.Title, ""
			case k%1000 == 500:
				e.Kind, e.Ref = bot.KindStatus, ""
				e.Text = "status changed"
				e.Data = map[string]string{"from": "investigating", "to": "identified"}
			case k%250 == 0:
				e.Kind, e.Key = bot.KindNote, true
			}
			out = append(out, e)
		}
		return out
	}
	const batch = 1000
	if err := st.Create(ctx, inc, entries(0, min(per, batch))...); err != nil {
		return 0, err
	}
	for from := batch; from < per; from += batch {
		if _, err := st.Append(ctx, id, entries(from, min(per, from+batch))...); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// cleanup deletes every key under prefix, on every master of a cluster.
func cleanup(ctx context.Context, rdb redis.UniversalClient, prefix string) (int, error) {
	deleted := 0
	scan := func(ctx context.Context, c redis.UniversalClient) error {
		it := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		flush := func() error {
			if len(keys) == 0 {
				return nil
			}
			_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, k := range keys {
					p.Unlink(ctx, k)
				}
				return nil
			})
			deleted += len(keys)
			keys = keys[:0]
			return err
		}
		for it.Next(ctx) {
			keys = append(keys, it.Val())
			if len(keys) == 1000 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := it.Err(); err != nil {
			return err
		}
		return flush()
	}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		var mu sync.Mutex
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			mu.Lock()
			defer mu.Unlock()
			return scan(ctx, c)
		})
		return deleted, err
	}
	return deleted, scan(ctx, rdb)
}

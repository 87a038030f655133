package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// webClients is how many Go HTTP clients follow one incident's live
// timeline (issue 14's target is for 200).
const webClients = 200

// web measures the web pages on the warroom serving the loaded phase's
// prefix: the dashboard and the incident page of the postmortem's
// 50,000-entry incident (the first load, then the median and slowest of
// 19 more), and 200 SSE clients on that incident's live timeline, a
// message said in its channel → every client, with the serve process's
// own memory.
func (b *bench) web(ctx context.Context) error {
	prefix := b.prefix // the loaded phase's, or with -only the first run's
	st, err := store.New(b.rdb, store.Options{Prefix: prefix})
	if err != nil {
		return err
	}
	// A session straight in Redis, where every replica reads sessions:
	// what the sign-in link's POST would have written.
	token, _, err := st.CreateSession(ctx, bot.Session{Viewer: bot.Viewer{Platform: "slack",
		User: bot.User{ID: userID, Name: "bench"}, Lang: bot.English}}, time.Hour)
	if err != nil {
		return err
	}
	cookie := "warroom_session=" + token
	inc, err := st.Get(ctx, b.pmIncident)
	if err != nil {
		return err
	}
	n, _ := st.TimelineLen(ctx, inc.ID)
	total, _ := b.rdb.ZCard(ctx, prefix+"incidents:all").Result()
	progress("web: dashboard (%d incidents), incident page (%d entries), %d SSE clients", total, n, webClients)
	get := func(path string) (time.Duration, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.warroom.base+path, nil)
		req.Header.Set("Cookie", cookie)
		t0 := time.Now()
		res, err := b.wClient.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("GET %s: %d", path, res.StatusCode)
		}
		return time.Since(t0), nil
	}
	// The first load is reported apart: the dashboard's builds its index
	// of the incidents the bench seeded through the store, once. The
	// target is for the loads a person makes after it.
	for _, p := range []struct {
		path, what, target string
		limit              time.Duration
	}{
		{"/", fmt.Sprintf("Dashboard, %s incidents (first load / median / slowest of the next 19)", thousands(int(total))), "p99 < 50 ms", 50 * time.Millisecond},
		{"/incidents/" + inc.Key(), fmt.Sprintf("Incident page, %s-entry timeline (first load / median / slowest of the next 19)", thousands(int(n))), "< 100 ms", 100 * time.Millisecond},
	} {
		var took []time.Duration
		for range 20 {
			d, err := get(p.path)
			if err != nil {
				return err
			}
			took = append(took, d)
		}
		first, next := took[0], took[1:]
		slices.Sort(next)
		median, slowest := next[len(next)/2], next[len(next)-1]
		b.add(row{measure: p.what, warroom: ms(first) + " / " + ms(median) + " / " + ms(slowest), floor: "—", ratio: "—", target: p.target,
			met: ok(slowest < p.limit)})
	}
	return b.live(ctx, inc, cookie)
}

// live has webClients SSE clients follow inc's live timeline, says 10
// messages in its channel through /slack/events, one at a time, and times
// each until every client has it.
func (b *bench) live(ctx context.Context, inc *bot.Incident, cookie string) error {
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tr := &http.Transport{MaxIdleConnsPerHost: webClients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	got := make(chan time.Time, webClients*4)
	var ready, done sync.WaitGroup
	for range webClients {
		req, _ := http.NewRequestWithContext(lctx, http.MethodGet, b.warroom.base+"/incidents/"+inc.Key()+"/events", nil)
		req.Header.Set("Cookie", cookie)
		res, err := c.Do(req)
		if err != nil {
			return err
		}
		if res.StatusCode != http.StatusOK {
			res.Body.Close()
			return fmt.Errorf("GET events: %d", res.StatusCode)
		}
		ready.Add(1)
		done.Go(func() {
			defer res.Body.Close()
			sc := bufio.NewScanner(res.Body)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			first := true
			for sc.Scan() {
				switch line := sc.Text(); {
				case first && strings.HasPrefix(line, "retry:"):
					first = false
					ready.Done()
				case strings.HasPrefix(line, "id: "):
					got <- time.Now()
				}
			}
		})
	}
	ready.Wait()
	time.Sleep(200 * time.Millisecond) // past every catch-up
	var lat []time.Duration
	for i := range 10 {
		rq := signed("/slack/events", "application/json", []byte(signingSecret), eventBody(inc.Channel.ID, 900000+i))
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.warroom.base+rq.path, strings.NewReader(string(rq.body)))
		req.Header = rq.header
		t0 := time.Now()
		res, err := b.wClient.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("POST /slack/events: %d", res.StatusCode)
		}
		for range webClients {
			select {
			case at := <-got:
				lat = append(lat, at.Sub(t0))
			case <-time.After(10 * time.Second):
				return fmt.Errorf("message %d: a client did not get it within 10 s", i)
			}
		}
	}
	m, err := b.warroom.memory()
	if err != nil {
		return err
	}
	cancel()
	done.Wait()
	slices.Sort(lat)
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	b.add(row{measure: fmt.Sprintf("Live timeline: %d SSE clients, a channel message → every client (p50 / p99 of 10)", webClients),
		warroom: ms(p50) + " / " + ms(p99), floor: "—", ratio: "—", target: "p99 < 500 ms", met: ok(p99 < 500*time.Millisecond)})
	b.add(row{measure: fmt.Sprintf("RSS of `warroom serve` alone with %d SSE clients; peak", webClients),
		warroom: m.String() + "; " + mb(m.peak), floor: "—", ratio: "—", target: "< 60 MB", met: ok(m.rss < 60e6)})
	b.note("Web: the session is written to Redis with the store's CreateSession (what the sign-in link's POST writes); the pages are " +
		"read with it as a cookie. The live timeline's clients are Go HTTP clients in the bench process, apart from the serve process whose " +
		"memory is shown (VmRSS, peak VmHWM over its whole run, loaded phase and postmortem included).")
	return nil
}

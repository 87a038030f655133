package web_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/web"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/store"
	"github.com/warroomhq/warroom/store/storetest"
)

// benchWorld is a Warroom for benchmarks: a store, handlers, the web
// interface on a test server, one incident of n entries, and a signed-in
// session cookie.
type benchWorld struct {
	st     *store.Store
	srv    *httptest.Server
	web    *web.Server
	cookie string
	inc    *bot.Incident
}

func newBenchWorld(b *testing.B, n int) *benchWorld {
	b.Helper()
	ctx := context.Background()
	w := &benchWorld{st: storetest.New(b)}
	r := bot.NewRouter(bot.Options{Lang: bot.English})
	svc, err := handlers.New(w.st, r, handlers.Options{PublicURL: "http://127.0.0.1"})
	require.NoError(b, err)
	b.Cleanup(func() { _ = r.Close(ctx); _ = svc.Close(ctx) })
	p := bottest.New("test")
	r.Register(p)
	require.NoError(b, r.Serve(ctx, bot.Event{Kind: bot.EventCommand, Platform: "test", User: alice, Channel: "CGEN", Text: "declare Checkout is failing P2"}))
	incs, err := w.st.List(ctx, store.ListQuery{Limit: 1})
	require.NoError(b, err)
	w.inc = incs[0]
	for done := 0; done < n; {
		var batch []bot.TimelineEntry
		for i := 0; i < 1000 && done < n; i++ {
			kind := bot.KindMessage
			if done%25 == 0 {
				kind = bot.KindNote
			}
			batch = append(batch, bot.TimelineEntry{Kind: kind, Author: bob, Text: fmt.Sprintf("entry %d: payments return 502", done), Ref: "m" + strconv.Itoa(done)})
			done++
		}
		_, err := w.st.Append(ctx, w.inc.ID, batch...)
		require.NoError(b, err)
	}
	w.web, err = web.New(web.Options{PublicURL: "http://127.0.0.1", Sessions: w.st, Incidents: svc, Tail: w.st})
	require.NoError(b, err)
	w.srv = httptest.NewServer(w.web)
	b.Cleanup(func() { w.srv.Close(); _ = w.web.Close(ctx) })
	token, _, err := w.st.CreateSession(ctx, bot.Session{Viewer: bot.Viewer{Platform: "test", User: alice, Lang: bot.English}}, time.Hour)
	require.NoError(b, err)
	w.cookie = "warroom_session=" + token
	return w
}

func (w *benchWorld) get(b *testing.B, c *http.Client, path string) *http.Response {
	req, err := http.NewRequest(http.MethodGet, w.srv.URL+path, nil)
	require.NoError(b, err)
	req.Header.Set("Cookie", w.cookie)
	res, err := c.Do(req)
	require.NoError(b, err)
	return res
}

// BenchmarkWebIncidentFirstPage is the incident page of an incident with
// 50,000 timeline entries: the first (newest) page of its curated
// timeline, reported per page, with its p99.
func BenchmarkWebIncidentFirstPage(b *testing.B) {
	w := newBenchWorld(b, 50000)
	c := w.srv.Client()
	var took []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		res := w.get(b, c, "/incidents/"+w.inc.Key())
		body, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		took = append(took, time.Since(start))
		if err != nil || res.StatusCode != http.StatusOK || !strings.Contains(string(body), "50 entries shown, of 5000") {
			b.Fatalf("status %d: %.300s", res.StatusCode, body)
		}
	}
	b.ReportMetric(float64(percentile(took, 99).Microseconds())/1000, "p99-ms")
}

// BenchmarkWebLive200Clients has 200 Go HTTP clients follow one
// incident's live timeline; each iteration records one message through
// the store and waits until every client got it. It reports the p99 of
// message → client and the process's resident memory.
func BenchmarkWebLive200Clients(b *testing.B) {
	const clients = 200
	w := newBenchWorld(b, 10)
	tr := &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: clients}
	c := &http.Client{Transport: tr}
	b.Cleanup(tr.CloseIdleConnections)
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	got := make(chan time.Time, clients*16)
	var ready sync.WaitGroup
	for range clients {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.srv.URL+"/incidents/"+w.inc.Key()+"/events", nil)
		require.NoError(b, err)
		req.Header.Set("Cookie", w.cookie)
		res, err := c.Do(req)
		require.NoError(b, err)
		require.Equal(b, http.StatusOK, res.StatusCode)
		ready.Add(1)
		go func() {
			defer res.Body.Close()
			sc := bufio.NewScanner(res.Body)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			first := true
			for sc.Scan() {
				if first && strings.HasPrefix(sc.Text(), "retry:") {
					first = false
					ready.Done()
				}
				if strings.HasPrefix(sc.Text(), "id: ") {
					got <- time.Now()
				}
			}
		}()
	}
	ready.Wait()
	time.Sleep(200 * time.Millisecond) // past every catch-up
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		_, err := w.st.Append(ctx, w.inc.ID, bot.TimelineEntry{Kind: bot.KindMessage, Author: bob, Text: "payments return 502"})
		require.NoError(b, err)
		for range clients {
			select {
			case at := <-got:
				lat = append(lat, at.Sub(start))
			case <-time.After(10 * time.Second):
				b.Fatal("a client did not get the message")
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(lat, 99).Microseconds())/1000, "p99-ms")
	if rss := residentMB(); rss > 0 {
		b.ReportMetric(rss, "rss-MB")
	}
	require.Equal(b, 1, w.web.HubCount(), "one reader for 200 pages")
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// residentMB is this process's resident memory (Linux), 0 elsewhere.
func residentMB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err == nil {
				return float64(kb) / 1024
			}
		}
	}
	return 0
}

package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// newClient is a keep-alive HTTP client for c concurrent senders.
func newClient(c int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns: c, MaxIdleConnsPerHost: c, MaxConnsPerHost: c,
			DisableCompression: true, IdleConnTimeout: time.Minute,
		},
	}
}

// request is one request to send: a POST of body to path with headers.
type request struct {
	path   string
	body   []byte
	header http.Header
}

// signed is a Slack-signed form or JSON POST.
func signed(path, contentType string, secret, body []byte) request {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(slackSign(secret, ts, body)))
	return request{path: path, body: body, header: h}
}

// loadResult is what one load run saw.
type loadResult struct {
	n        int
	lat      []time.Duration // of every attempt answered 200, sorted
	elapsed  time.Duration   // from the first request to the last answer
	status   map[int]int     // every attempt's status (0: transport error)
	retries  int             // attempts answered 503 and sent again
	nonEmpty int             // 200 answers with a body (a busy acknowledgement, for commands)
	answered int             // 200 answers carrying the command's reply itself (answered in the ack)
	failed   int             // requests given up on
}

func (r loadResult) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(float64(len(r.lat))*p+0.999999) - 1
	return r.lat[max(0, min(i, len(r.lat)-1))]
}

func (r loadResult) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

// drive sends n requests, made by mk(i, attempt), from clients concurrent
// senders over keep-alive connections. A 503 (busy) is sent again after a
// backoff growing from 10ms to 250ms, as a platform that retries would;
// any other status ends that request.
func drive(ctx context.Context, client *http.Client, base string, n, clients int, mk func(i, attempt int) request) loadResult {
	type local struct {
		lat                       []time.Duration
		status                    map[int]int
		retries, nonEmpty, failed int
		answered                  int
	}
	locals := make([]local, clients)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		l := &locals[c]
		l.status = map[int]int{}
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				backoff := 10 * time.Millisecond
				for attempt := 0; ; attempt++ {
					if ctx.Err() != nil {
						l.failed++
						break
					}
					rq := mk(i, attempt)
					req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+rq.path, bytes.NewReader(rq.body))
					if err != nil {
						panic(err)
					}
					req.Header = rq.header
					t0 := time.Now()
					res, err := client.Do(req)
					if err != nil {
						l.status[0]++
						l.failed++
						break
					}
					body, _ := io.ReadAll(res.Body)
					res.Body.Close()
					d := time.Since(t0)
					l.status[res.StatusCode]++
					if res.StatusCode == http.StatusOK {
						l.lat = append(l.lat, d)
						switch {
						case bytes.Contains(body, []byte(`"blocks"`)):
							l.answered++ // a rendered reply; the busy message has no blocks
						case len(body) > 0:
							l.nonEmpty++
						}
						break
					}
					if res.StatusCode != http.StatusServiceUnavailable || attempt > 2000 {
						l.failed++
						break
					}
					l.retries++
					time.Sleep(backoff)
					backoff = min(2*backoff, 250*time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	r := loadResult{n: n, elapsed: time.Since(start), status: map[int]int{}}
	for _, l := range locals {
		r.lat = append(r.lat, l.lat...)
		r.retries += l.retries
		r.nonEmpty += l.nonEmpty
		r.answered += l.answered
		r.failed += l.failed
		for k, v := range l.status {
			r.status[k] += v
		}
	}
	slices.Sort(r.lat)
	return r
}

func (r loadResult) String() string {
	return fmt.Sprintf("n=%d elapsed=%s p50=%s p99=%s statuses=%v retries=%d busy-acks=%d in-ack=%d failed=%d",
		r.n, r.elapsed.Round(time.Millisecond), r.pct(.50), r.pct(.99), r.status, r.retries, r.nonEmpty, r.answered, r.failed)
}

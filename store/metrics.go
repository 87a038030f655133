package store

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// scrapeTimeout bounds how long a metrics scrape waits for Redis.
const scrapeTimeout = 5 * time.Second

// collector is the Store's prometheus.Collector. Counters are this
// process's own; the open gauge is read from Redis at every scrape.
type collector struct {
	s        *Store
	opened   *prometheus.CounterVec
	resolved *prometheus.CounterVec
	entries  *prometheus.CounterVec
	open     *prometheus.Desc
	// tta and ttr are the response-time histograms, observed by Update.
	tta *prometheus.HistogramVec
	ttr *prometheus.HistogramVec
}

// responseBuckets are the upper bounds, in seconds, of the response-time
// histograms: 30s to 24h.
var responseBuckets = []float64{
	30, 60, 120, 300, 600, 900, 1800, // 30s .. 30m
	3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600, 24 * 3600, // 1h .. 24h
}

var _ prometheus.Collector = (*collector)(nil)

func newCollector(s *Store) *collector {
	c := &collector{
		s: s,
		opened: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warroom_incidents_opened_total",
			Help: "Incidents created, by priority.",
		}, []string{"priority"}),
		resolved: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warroom_incidents_resolved_total",
			Help: "Incidents whose status moved into resolved, by priority.",
		}, []string{"priority"}),
		entries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "warroom_timeline_entries_total",
			Help: "Timeline entries stored, by kind.",
		}, []string{"kind"}),
		open: prometheus.NewDesc("warroom_incidents_open",
			"Open incidents in Redis, by priority.", []string{"priority"}, nil),
		tta: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "warroom_time_to_acknowledge_seconds",
			Help:    "Time from an incident's creation to its acknowledgement, observed when it leaves triage, by priority.",
			Buckets: responseBuckets,
		}, []string{"priority"}),
		ttr: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "warroom_time_to_resolve_seconds",
			Help:    "Time from an incident's creation to its resolution, observed when it moves into resolved, by priority.",
			Buckets: responseBuckets,
		}, []string{"priority"}),
	}
	for _, p := range bot.Priorities {
		c.opened.WithLabelValues(p.String())
		c.resolved.WithLabelValues(p.String())
	}
	return c
}

// Collector returns the Store's Prometheus metrics:
// warroom_incidents_opened_total{priority} (counted by Create),
// warroom_incidents_resolved_total{priority} (counted by Update when the
// status moves into resolved), warroom_timeline_entries_total{kind}
// (every stored entry), the histograms
// warroom_time_to_acknowledge_seconds{priority} and
// warroom_time_to_resolve_seconds{priority} (observed by Update, see
// observeUpdate), and the gauge warroom_incidents_open{priority},
// read from Redis at scrape time so it is right across replicas; when Redis
// fails the gauge has no sample rather than a wrong one. An unset priority
// is labelled "none". Drills (bot.Incident.Drill) are left out of all of
// them but the timeline entries. Register it once per Store.
func (s *Store) Collector() prometheus.Collector { return s.metrics }

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	c.opened.Describe(ch)
	c.resolved.Describe(ch)
	c.entries.Describe(ch)
	c.tta.Describe(ch)
	c.ttr.Describe(ch)
	ch <- c.open
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	c.opened.Collect(ch)
	c.resolved.Collect(ch)
	c.entries.Collect(ch)
	c.tta.Collect(ch)
	c.ttr.Collect(ch)
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	counts, err := c.s.openCounts(ctx)
	if err != nil {
		c.s.log.Warn("collect open incidents", zap.Error(err))
		return
	}
	for label, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(n), label)
	}
}

// observeUpdate counts what an Update changed, prev being the record
// before and cur the record stored: the status moving into resolved
// counts in warroom_incidents_resolved_total and, when cur.ResolvedAt is
// set, observes ResolvedAt − CreatedAt in warroom_time_to_resolve_seconds
// (again after a reopen, like the counter); AckedAt set for the first time
// (the incident left triage) observes AckedAt − CreatedAt in
// warroom_time_to_acknowledge_seconds. Incidents declared by people are
// acknowledged when created, so only alert-opened ones reach that
// histogram. Drills are neither counted nor observed. Negative durations
// (replicas' clocks) count as 0.
func (c *collector) observeUpdate(prev, cur *bot.Incident) {
	label := priorityLabel(cur.Priority)
	resolved := prev.Status != bot.StatusResolved && cur.Status == bot.StatusResolved
	if resolved && !cur.Drill {
		c.resolved.WithLabelValues(label).Inc()
	}
	if cur.Drill || cur.CreatedAt.IsZero() {
		return // a practice run says nothing of real response times
	}
	if prev.AckedAt.IsZero() && !cur.AckedAt.IsZero() {
		c.tta.WithLabelValues(label).Observe(seconds(cur.AckedAt.Sub(cur.CreatedAt)))
	}
	if resolved && !cur.ResolvedAt.IsZero() {
		c.ttr.WithLabelValues(label).Observe(seconds(cur.ResolvedAt.Sub(cur.CreatedAt)))
	}
}

// seconds is d in seconds, never negative.
func seconds(d time.Duration) float64 { return max(d, 0).Seconds() }

// openCounts counts open incidents by priority label from their records
// (not trusting the open index alone); P1..P4 are always present.
func (s *Store) openCounts(ctx context.Context) (map[string]int, error) {
	members, err := s.rdb.ZRange(ctx, s.openKey(), 0, -1).Result()
	if err != nil {
		return nil, unavailable(err)
	}
	incs, err := s.loadMany(ctx, members)
	if err != nil {
		return nil, err
	}
	counts := make(map[string]int, len(bot.Priorities)+1)
	for _, p := range bot.Priorities {
		counts[p.String()] = 0
	}
	for _, inc := range incs {
		if inc != nil && inc.Status.Open() && !inc.Drill {
			counts[priorityLabel(inc.Priority)]++
		}
	}
	return counts, nil
}

// priorityLabel is the metric label of p: "P1".."P4", or "none".
func priorityLabel(p bot.Priority) string {
	if s := p.String(); s != "" {
		return s
	}
	return "none"
}

package app

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/warroomhq/warroom/store"
)

// metrics are what GET /metrics shows: the store's incident counts, the
// time each command takes, the spool's size, the Go runtime and the
// process.
type metrics struct {
	reg     *prometheus.Registry
	latency *prometheus.HistogramVec
}

// newMetrics registers every collector; sp may be nil (no spool).
func newMetrics(st *store.Store, sp *store.Spool) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "warroom_command_duration_seconds",
		Help:    "Time to handle one command, button click, form, message or alert, by command and outcome.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"command", "outcome"})
	m.reg.MustRegister(m.latency, st.Collector(), collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if sp != nil {
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "warroom_spool_entries",
				Help: "Timeline entries waiting in the spool for Redis."}, func() float64 { return float64(sp.Len()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "warroom_spool_bytes",
				Help: "Size of the timeline spool file."}, func() float64 { return float64(sp.Size()) }))
	}
	return m
}

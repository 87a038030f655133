// Package heaptest measures how much heap a piece of code takes, for
// benchmarks that report peak memory beside time.
package heaptest

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// Peak runs f and returns the most heap (live and not yet collected
// objects) it saw above what was in use before, sampled every 100 µs, with
// the collector running at 5% heap growth so that the peak follows what is
// live rather than when the collector happened to run. The figure is a
// sample, so approximate; report it, never assert it.
func Peak(f func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(100 * time.Microsecond)
		defer t.Stop()
		for {
			peak = max(peak, read())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	f()
	close(done)
	wg.Wait()
	return peak - min(peak, base)
}

package postmortem

import (
	"io"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
)

// peakHeap runs f and returns the most heap it saw above what was in use
// before, sampled every 100 µs, with
// the collector running at 5% heap growth.
func peakHeap(f func()) uint64 {
	// Collect often, so that the peak follows what is live rather than
	// when the collector happened to run.
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

// BenchmarkRender50k renders the draft of a 50,000-entry timeline held in
// a slice (what the renderer itself takes, the input aside): streamed to
// a writer (Render), and gathered first then rendered into a string, as
// handlers did before the renderer streamed (Data, then Execute).
func BenchmarkRender50k(b *testing.B) {
	r := newRenderer(b)
	h, entries := story(50_000)
	run := func(b *testing.B, f func()) {
		b.ReportAllocs()
		for b.Loop() {
			f()
		}
		b.ReportMetric(float64(peakHeap(f))/(1<<20), "peak-heap-MB")
	}
	b.Run("streamed", func(b *testing.B) {
		run(b, func() { require.NoError(b, r.Render(io.Discard, h, Entries(entries), bot.English)) })
	})
	b.Run("gathered", func(b *testing.B) {
		run(b, func() {
			d, err := r.Data(h, Entries(entries))
			require.NoError(b, err)
			var s strings.Builder
			require.NoError(b, r.Execute(&s, d, bot.English))
		})
	})
}

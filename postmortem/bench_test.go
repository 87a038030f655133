package postmortem

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/internal/heaptest"
)

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
		b.ReportMetric(float64(heaptest.Peak(f))/(1<<20), "peak-heap-MB")
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

package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/adapters/web"
	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/store/storetest"
)

// BenchmarkStatusPage measures GET /status against real handlers and a
// real store holding an ongoing P1 on Checkout with a public update, as
// visitors reload it (in parallel, each request a full 200 response;
// the page is recomputed every 500 ms). The README's status page row
// quotes it.
func BenchmarkStatusPage(b *testing.B) {
	ctx := context.Background()
	st := storetest.New(b)
	r := bot.NewRouter(bot.Options{Lang: bot.English})
	svc, err := handlers.New(st, r, handlers.Options{StatusPage: handlers.StatusPageOptions{Components: []string{"Checkout", "Login", "API"}}})
	require.NoError(b, err)
	b.Cleanup(func() { _ = r.Close(ctx); _ = svc.Close(ctx) })
	r.Register(bottest.New("test"))
	for _, line := range []string{"declare Checkout is failing P1", "INC-1 components Checkout", "INC-1 update --public ja: 障害 / en: Checkout is failing"} {
		require.NoError(b, r.Serve(ctx, bot.Event{Kind: bot.EventCommand, Platform: "test", User: alice, Channel: "CGEN", Text: line}))
	}
	ws, err := web.New(web.Options{PublicURL: "http://127.0.0.1", Sessions: st, Incidents: svc,
		Status: &web.StatusOptions{Source: svc, Components: []string{"Checkout", "Login", "API"}}})
	require.NoError(b, err)
	srv := httptest.NewServer(ws)
	b.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := client.Get(srv.URL + "/status")
			if err != nil {
				b.Error(err)
				return
			}
			_ = res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

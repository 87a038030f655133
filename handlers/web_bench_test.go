package handlers

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store/storetest"
)

// BenchmarkWebDashboard is the dashboard's query over 10,000 incidents
// (one in ten private, one in five resolved), as a person in none of
// them: the first page, with counts by status.
func BenchmarkWebDashboard(b *testing.B) {
	ctx := context.Background()
	s, err := New(storetest.New(b), newRouter(b), Options{})
	require.NoError(b, err)
	started := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 10000 {
		id, err := s.store.NextID(ctx)
		require.NoError(b, err)
		inc := &bot.Incident{ID: id, Title: fmt.Sprintf("Checkout latency %d", i), Status: bot.StatusInvestigating,
			Priority: bot.Priority(1 + i%4), Platform: "test", Source: "manual", Private: i%10 == 0,
			Roles:     map[bot.Role]bot.User{bot.RoleCommander: {ID: "U1", Name: "alice"}},
			CreatedAt: started.Add(time.Duration(i) * time.Minute)}
		if i%5 == 0 {
			inc.Status = bot.StatusResolved
		}
		require.NoError(b, s.store.Create(ctx, inc))
	}
	v := bot.Viewer{Platform: "test", User: bot.User{ID: "U9", Name: "carol"}}
	b.ResetTimer()
	for b.Loop() {
		page, err := s.Incidents(ctx, v, bot.IncidentQuery{})
		require.NoError(b, err)
		require.Equal(b, 9000, page.Total)
	}
}

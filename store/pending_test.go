package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

func pendingDecl(id int64, at time.Time) store.PendingDeclaration {
	return store.PendingDeclaration{ID: id, Owner: "proc-a", Platform: "slack", User: bot.User{ID: "U1", Name: "alice"},
		Origin: "CGEN", Lang: "ja", Spec: json.RawMessage(`{"Title":"DB down"}`), CreatedAt: at}
}

func TestPendingDeclarations(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	none, err := s.PendingDeclarations(ctx, t0.Add(time.Hour), 10)
	require.NoError(t, err)
	require.Empty(t, none)

	require.NoError(t, s.BeginDeclare(ctx, pendingDecl(2, t0.Add(time.Minute))))
	require.NoError(t, s.BeginDeclare(ctx, pendingDecl(1, t0)))
	got, err := s.PendingDeclarations(ctx, t0.Add(time.Hour), 10)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, int64(1), got[0].ID, "oldest first")
	require.Equal(t, pendingDecl(1, t0).User, got[0].User)
	require.Equal(t, "proc-a", got[0].Owner)
	require.Equal(t, "CGEN", got[0].Origin)
	require.Equal(t, "ja", got[0].Lang)
	require.JSONEq(t, `{"Title":"DB down"}`, string(got[0].Spec))
	require.True(t, t0.Equal(got[0].CreatedAt))
	require.True(t, got[0].Channel.ID == "", "no channel yet")

	older, err := s.PendingDeclarations(ctx, t0.Add(30*time.Second), 10)
	require.NoError(t, err)
	require.Len(t, older, 1, "only those begun before")
	require.Equal(t, int64(1), older[0].ID)

	ch := bot.Channel{ID: "C9", Name: "inc-20250314-1-db-down", URL: "https://chat/C9"}
	require.NoError(t, s.SetPendingChannel(ctx, 1, ch))
	got, err = s.PendingDeclarations(ctx, t0, 10)
	require.NoError(t, err)
	require.Equal(t, ch, got[0].Channel)

	require.NoError(t, s.EndDeclare(ctx, 1))
	require.NoError(t, s.EndDeclare(ctx, 1), "ending twice is fine")
	require.NoError(t, s.SetPendingChannel(ctx, 1, ch), "an ended declaration is left alone")
	got, err = s.PendingDeclarations(ctx, t0.Add(time.Hour), 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, int64(2), got[0].ID)
	exists, err := s.Client().Exists(ctx, s.Prefix()+"pending:{1}").Result()
	require.NoError(t, err)
	require.Zero(t, exists, "not brought back by SetPendingChannel")
}

func TestPendingDeclarationsRepairStaleIndex(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	require.NoError(t, s.BeginDeclare(ctx, pendingDecl(1, t0)))
	// The hash went, the index entry stayed (EndDeclare failed half-way).
	require.NoError(t, s.Client().Del(ctx, s.Prefix()+"pending:{1}").Err())
	got, err := s.PendingDeclarations(ctx, t0.Add(time.Hour), 10)
	require.NoError(t, err)
	require.Empty(t, got)
	n, err := s.Client().ZCard(ctx, s.Prefix()+"pending").Result()
	require.NoError(t, err)
	require.Zero(t, n, "repaired")
}

func TestBeginDeclareNeedsIDAndOwner(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	p := pendingDecl(0, t0)
	require.Error(t, s.BeginDeclare(ctx, p))
	p = pendingDecl(1, t0)
	p.Owner = ""
	require.Error(t, s.BeginDeclare(ctx, p))
}

func TestTakeOverDeclaration(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	require.NoError(t, s.BeginDeclare(ctx, pendingDecl(1, t0)))
	ok, err := s.TakeOverDeclaration(ctx, 1, "proc-a", "proc-b/reconcile")
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = s.TakeOverDeclaration(ctx, 1, "proc-a", "proc-c/reconcile")
	require.NoError(t, err)
	require.False(t, ok, "one replica wins")
	got, err := s.PendingDeclarations(ctx, t0, 10)
	require.NoError(t, err)
	require.Equal(t, "proc-b/reconcile", got[0].Owner)

	require.NoError(t, s.EndDeclare(ctx, 1))
	ok, err = s.TakeOverDeclaration(ctx, 1, "proc-b/reconcile", "proc-c/reconcile")
	require.NoError(t, err)
	require.False(t, ok, "nothing to take over once ended")
}

func TestHeartbeat(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	alive, err := s.Alive(ctx, "proc-a")
	require.NoError(t, err)
	require.False(t, alive)
	require.NoError(t, s.Heartbeat(ctx, "proc-a", time.Minute))
	alive, err = s.Alive(ctx, "proc-a")
	require.NoError(t, err)
	require.True(t, alive)
	ttl, err := s.Client().PTTL(ctx, s.Prefix()+"alive:proc-a").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 50*time.Second, "expires unless renewed")
	require.Error(t, s.Heartbeat(ctx, "", time.Minute))
	require.Error(t, s.Heartbeat(ctx, "proc-a", 0))
}

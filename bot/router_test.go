package bot_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/bot/bottest"
)

func newRouter(t *testing.T, opts bot.Options) (*bot.Router, *bottest.Platform) {
	t.Helper()
	r := bot.NewRouter(opts)
	t.Cleanup(func() { _ = r.Close(context.Background()) })
	p := bottest.New("test")
	r.Register(p)
	return r, p
}

func lastReply(t *testing.T, p *bottest.Platform) string {
	t.Helper()
	c, ok := p.Last("Reply")
	require.True(t, ok, "expected a reply")
	return c.Msg.Text
}

func TestUnknownCommandSuggests(t *testing.T) {
	r, p := newRouter(t, bot.Options{})
	r.Handle(bot.Route{Name: "resolve", Handler: func(context.Context, *bot.Request) error { return nil }})
	err := r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "resolv now"})
	require.Equal(t, bot.CodeUnknownCommand, bot.CodeOf(err))
	require.Contains(t, lastReply(t, p), "Did you mean `resolve`?")
}

func TestClickAndTypeTakeOnePath(t *testing.T) {
	r, _ := newRouter(t, bot.Options{})
	var got []bot.Command
	var mu sync.Mutex
	r.Handle(bot.Route{Name: "priority", Handler: func(_ context.Context, req *bot.Request) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, req.Command)
		return nil
	}})
	ctx := context.Background()
	require.NoError(t, r.Serve(ctx, bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "INC-4 priority P1"}))
	require.NoError(t, r.Serve(ctx, bot.Event{Kind: bot.EventAction, Platform: "test", Action: "priority", Value: "INC-4", Option: "P1"}))
	require.Len(t, got, 2)
	require.Equal(t, got[0], got[1])
	require.Equal(t, int64(4), got[1].Incident)
	require.Equal(t, []string{"P1"}, got[1].Args)
}

func TestPanicBecomesInternalError(t *testing.T) {
	r, p := newRouter(t, bot.Options{Lang: bot.Japanese})
	r.Handle(bot.Route{Name: "boom", Handler: func(context.Context, *bot.Request) error { panic("kaboom") }})
	err := r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "boom"})
	require.Equal(t, bot.CodeInternal, bot.CodeOf(err))
	require.Equal(t, bot.T(bot.Japanese, "err.internal"), lastReply(t, p))
}

func TestUnavailableIsExplained(t *testing.T) {
	r, p := newRouter(t, bot.Options{})
	r.Handle(bot.Route{Name: "list", Handler: func(context.Context, *bot.Request) error {
		return errors.Join(errors.New("dial tcp: refused"), bot.ErrUnavailable)
	}})
	_ = r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "list"})
	reply := lastReply(t, p)
	require.Equal(t, bot.T(bot.English, "err.unavailable"), reply)
	require.NotContains(t, reply, "refused")
}

func TestLocaleFromEvent(t *testing.T) {
	r, p := newRouter(t, bot.Options{Lang: bot.English})
	_ = r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "nope", Locale: "ja-JP"})
	require.Contains(t, lastReply(t, p), "というコマンドはありません")
}

func TestDispatchIsNonBlockingAndBounded(t *testing.T) {
	release := make(chan struct{})
	r, _ := newRouter(t, bot.Options{Workers: 1, Queue: 2})
	var handled atomic.Int32
	r.Handle(bot.Route{Name: "slow", Handler: func(context.Context, *bot.Request) error {
		<-release
		handled.Add(1)
		return nil
	}})
	ev := bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "slow"}
	busy := 0
	for range 10 {
		if err := r.Dispatch(ev); err != nil {
			require.Equal(t, bot.CodeBusy, bot.CodeOf(err))
			busy++
		}
	}
	// One in the worker, two queued, the rest refused at once.
	require.GreaterOrEqual(t, busy, 7)
	close(release)
	require.NoError(t, r.Close(context.Background()))
	require.Equal(t, int32(10-busy), handled.Load())
	require.ErrorIs(t, r.Dispatch(ev), bot.ErrClosed)
}

func TestDuplicateDeliveryDropped(t *testing.T) {
	seen := map[string]bool{}
	var mu sync.Mutex
	r, _ := newRouter(t, bot.Options{Seen: func(_ context.Context, key string) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		first := !seen[key]
		seen[key] = true
		return first, nil
	}})
	var n atomic.Int32
	r.HandleMessages(func(context.Context, *bot.Request) error { n.Add(1); return nil })
	ev := bot.Event{ID: "Ev1", Kind: bot.EventMessage, Platform: "test", Channel: "C1", Text: "hi"}
	require.NoError(t, r.Serve(context.Background(), ev))
	require.NoError(t, r.Serve(context.Background(), ev))
	require.Equal(t, int32(1), n.Load())
}

type fakeResolver struct{ inc *bot.Incident }

func (f fakeResolver) ResolveIncident(_ context.Context, req *bot.Request) (*bot.Incident, error) {
	if f.inc == nil || (req.Command.Incident != 0 && req.Command.Incident != f.inc.ID) {
		return nil, bot.ErrNotFound
	}
	return f.inc, nil
}

type denyAll struct{}

func (denyAll) Authorize(context.Context, *bot.Request, string) error {
	return bot.Errorf(bot.CodeForbidden, "action", "resolve", "who", "the commander (alice)")
}

func TestScopeAndPermission(t *testing.T) {
	inc := &bot.Incident{ID: 3, Title: "db"}
	r, p := newRouter(t, bot.Options{Resolver: fakeResolver{inc: inc}, Authorizer: denyAll{}})
	var got *bot.Incident
	r.Handle(bot.Route{Name: "summary", Scope: bot.NeedsIncident, Handler: func(_ context.Context, req *bot.Request) error {
		got = req.Incident
		return nil
	}})
	r.Handle(bot.Route{Name: "resolve", Scope: bot.NeedsIncident, Permission: "resolve", Handler: func(context.Context, *bot.Request) error {
		t.Fatal("handler ran despite refusal")
		return nil
	}})
	ctx := context.Background()
	require.NoError(t, r.Serve(ctx, bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "summary"}))
	require.Equal(t, inc, got)

	err := r.Serve(ctx, bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "INC-999 summary"})
	require.Equal(t, bot.CodeNotFound, bot.CodeOf(err))
	require.Contains(t, lastReply(t, p), "There is no incident INC-999")

	err = r.Serve(ctx, bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "resolve"})
	require.Equal(t, bot.CodeForbidden, bot.CodeOf(err))
	require.Contains(t, lastReply(t, p), "Who may: the commander (alice)")
}

func TestNoIncidentAnswer(t *testing.T) {
	r, p := newRouter(t, bot.Options{Resolver: fakeResolver{}})
	r.Handle(bot.Route{Name: "ack", Scope: bot.NeedsIncident, Handler: func(context.Context, *bot.Request) error { return nil }})
	err := r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "ack"})
	require.Equal(t, bot.CodeNoIncident, bot.CodeOf(err))
	require.Contains(t, lastReply(t, p), "INC-42 <command>")
}

func TestFormValidationAndDone(t *testing.T) {
	r, _ := newRouter(t, bot.Options{})
	var submitted string
	r.HandleForm("declare", bot.FormRoute{
		Validate: func(lang bot.Lang, sub *bot.FormSubmission) map[string]string {
			if sub.Value("title") == "" {
				return map[string]string{"title": bot.T(lang, "form.err.required")}
			}
			return nil
		},
		Handler: func(_ context.Context, req *bot.Request) error {
			submitted = req.Event.Form.Value("title")
			return nil
		},
	})
	bad := bot.Event{Kind: bot.EventForm, Platform: "test", Locale: "ja", Form: &bot.FormSubmission{ID: "declare"}}
	require.Equal(t, map[string]string{"title": "入力必須です。"}, r.ValidateForm(&bad))

	done := make(chan error, 1)
	good := bot.Event{Kind: bot.EventForm, Platform: "test", Done: func(err error) { done <- err },
		Form: &bot.FormSubmission{ID: "declare", Values: map[string][]string{"title": {"DB down"}}}}
	require.Empty(t, r.ValidateForm(&good))
	require.NoError(t, r.Dispatch(good))
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("form not handled")
	}
	require.Equal(t, "DB down", submitted)
}

func TestObserve(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]error{}
	r, _ := newRouter(t, bot.Options{Observe: func(name string, _ time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		seen[name] = err
	}})
	r.Handle(bot.Route{Name: "ok", Aliases: []string{"k"}, Handler: func(context.Context, *bot.Request) error { return nil }})
	require.NoError(t, r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "k"}))
	require.Contains(t, seen, "ok")
}

func TestChannelMessagesKeepTheirOrder(t *testing.T) {
	r, _ := newRouter(t, bot.Options{Workers: 8, Queue: 4096})
	var mu sync.Mutex
	got := map[string][]string{}
	r.HandleMessages(func(_ context.Context, req *bot.Request) error {
		mu.Lock()
		defer mu.Unlock()
		got[req.Event.Channel] = append(got[req.Event.Channel], req.Event.Text)
		return nil
	})
	want := map[string][]string{}
	for i := range 300 {
		ch := []string{"C1", "C2", "C3"}[i%3]
		text := fmt.Sprint(i)
		want[ch] = append(want[ch], text)
		require.NoError(t, r.Dispatch(bot.Event{Kind: bot.EventMessage, Platform: "test", Channel: ch, Text: text}))
	}
	require.NoError(t, r.Close(context.Background()))
	require.Equal(t, want, got)
}

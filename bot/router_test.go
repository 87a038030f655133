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

func newRouter(t *testing.T, opts bot.Options, h bot.Handlers) (*bot.Router, *bottest.Platform) {
	t.Helper()
	r := bot.NewRouter(opts)
	t.Cleanup(func() { _ = r.Close(context.Background()) })
	require.NoError(t, r.Mount(h))
	p := bottest.New("test")
	r.Register(p)
	return r, p
}

// route is a command route that runs h and nothing else.
func route(name string, h bot.HandlerFunc) bot.Route { return bot.Route{Name: name, Handler: h} }

func lastReply(t *testing.T, p *bottest.Platform) string {
	t.Helper()
	c, ok := p.Last("Reply")
	require.True(t, ok, "expected a reply")
	return c.Msg.Text
}

func TestUnknownCommandSuggests(t *testing.T) {
	r, p := newRouter(t, bot.Options{}, bot.Handlers{Routes: []bot.Route{
		route("resolve", func(context.Context, *bot.Request) error { return nil })}})
	err := r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "resolv now"})
	require.Equal(t, bot.CodeUnknownCommand, bot.CodeOf(err))
	require.Contains(t, lastReply(t, p), "Did you mean `resolve`?")
}

func TestClickAndTypeTakeOnePath(t *testing.T) {
	var got []bot.Command
	var mu sync.Mutex
	r, _ := newRouter(t, bot.Options{}, bot.Handlers{Routes: []bot.Route{route("priority", func(_ context.Context, req *bot.Request) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, req.Command)
		return nil
	})}})
	ctx := context.Background()
	require.NoError(t, r.Serve(ctx, bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "INC-4 priority P1"}))
	require.NoError(t, r.Serve(ctx, bot.Event{Kind: bot.EventAction, Platform: "test", Action: "priority", Value: "INC-4", Option: "P1"}))
	require.Len(t, got, 2)
	require.Equal(t, got[0], got[1])
	require.Equal(t, int64(4), got[1].Incident)
	require.Equal(t, []string{"P1"}, got[1].Args)
}

func TestPanicBecomesInternalError(t *testing.T) {
	r, p := newRouter(t, bot.Options{Lang: bot.Japanese}, bot.Handlers{Routes: []bot.Route{
		route("boom", func(context.Context, *bot.Request) error { panic("kaboom") })}})
	err := r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "boom"})
	require.Equal(t, bot.CodeInternal, bot.CodeOf(err))
	require.Equal(t, bot.T(bot.Japanese, "err.internal"), lastReply(t, p))
}

func TestUnavailableIsExplained(t *testing.T) {
	r, p := newRouter(t, bot.Options{}, bot.Handlers{Routes: []bot.Route{route("list", func(context.Context, *bot.Request) error {
		return errors.Join(errors.New("dial tcp: refused"), bot.ErrUnavailable)
	})}})
	_ = r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "list"})
	reply := lastReply(t, p)
	require.Equal(t, bot.T(bot.English, "err.unavailable"), reply)
	require.NotContains(t, reply, "refused")
}

func TestLocaleFromEvent(t *testing.T) {
	r, p := newRouter(t, bot.Options{Lang: bot.English}, bot.Handlers{})
	_ = r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "nope", Locale: "ja-JP"})
	require.Contains(t, lastReply(t, p), "というコマンドはありません")
}

func TestDispatchIsNonBlockingAndBounded(t *testing.T) {
	release := make(chan struct{})
	var handled atomic.Int32
	r, _ := newRouter(t, bot.Options{Workers: 1, Queue: 2}, bot.Handlers{Routes: []bot.Route{route("slow", func(context.Context, *bot.Request) error {
		<-release
		handled.Add(1)
		return nil
	})}})
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
	var n atomic.Int32
	r, _ := newRouter(t, bot.Options{}, bot.Handlers{Seen: func(_ context.Context, keys []string) ([]bool, error) {
		mu.Lock()
		defer mu.Unlock()
		first := make([]bool, len(keys))
		for i, k := range keys {
			first[i] = !seen[k]
			seen[k] = true
		}
		return first, nil
	}, Messages: func(_ context.Context, reqs []*bot.Request) error { n.Add(int32(len(reqs))); return nil }})
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
	var got *bot.Incident
	r, p := newRouter(t, bot.Options{}, bot.Handlers{Resolver: fakeResolver{inc: inc}, Authorizer: denyAll{}, Routes: []bot.Route{
		{Name: "summary", Scope: bot.NeedsIncident, Handler: func(_ context.Context, req *bot.Request) error {
			got = req.Incident
			return nil
		}},
		{Name: "resolve", Scope: bot.NeedsIncident, Permission: "resolve", Handler: func(context.Context, *bot.Request) error {
			t.Fatal("handler ran despite refusal")
			return nil
		}},
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
	r, p := newRouter(t, bot.Options{}, bot.Handlers{Resolver: fakeResolver{}, Routes: []bot.Route{
		{Name: "ack", Scope: bot.NeedsIncident, Handler: func(context.Context, *bot.Request) error { return nil }}}})
	err := r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "ack"})
	require.Equal(t, bot.CodeNoIncident, bot.CodeOf(err))
	require.Contains(t, lastReply(t, p), "INC-42 <command>")
}

func TestFormValidationAndDone(t *testing.T) {
	var submitted string
	r, _ := newRouter(t, bot.Options{}, bot.Handlers{Forms: map[string]bot.FormRoute{"declare": {
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
	}}})
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
	}}, bot.Handlers{Routes: []bot.Route{
		{Name: "ok", Aliases: []string{"k"}, Handler: func(context.Context, *bot.Request) error { return nil }}}})
	require.NoError(t, r.Serve(context.Background(), bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "k"}))
	require.Contains(t, seen, "ok")
}

func TestChannelMessagesKeepTheirOrder(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]string{}
	r, _ := newRouter(t, bot.Options{Workers: 8, Queue: 4096}, bot.Handlers{Messages: func(_ context.Context, reqs []*bot.Request) error {
		mu.Lock()
		defer mu.Unlock()
		for _, req := range reqs {
			got[req.Event.Channel] = append(got[req.Event.Channel], req.Event.Text)
		}
		return nil
	}})
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

// A worker takes the channel events waiting in its queue in one call to
// the message handler, in order, with duplicates (within the batch and
// seen before) dropped by one call to Seen; a command queued among them is
// handled on its own, after the events before it and before those after.
func TestQueuedChannelEventsAreBatched(t *testing.T) {
	var seenCalls atomic.Int32
	seen := map[string]bool{"test:Ev-old": true}
	var mu sync.Mutex
	var log []string
	var batches []int
	started, release := make(chan struct{}), make(chan struct{})
	r, _ := newRouter(t, bot.Options{Workers: 1, Queue: 64}, bot.Handlers{
		Seen: func(_ context.Context, keys []string) ([]bool, error) {
			seenCalls.Add(1)
			first := make([]bool, len(keys))
			for i, k := range keys {
				first[i] = !seen[k]
				seen[k] = true
			}
			return first, nil
		},
		Routes: []bot.Route{
			route("block", func(context.Context, *bot.Request) error {
				close(started)
				<-release
				return nil
			}),
			route("mark", func(context.Context, *bot.Request) error {
				mu.Lock()
				defer mu.Unlock()
				log = append(log, "mark")
				return nil
			}),
		},
		Messages: func(_ context.Context, reqs []*bot.Request) error {
			mu.Lock()
			defer mu.Unlock()
			batches = append(batches, len(reqs))
			for _, req := range reqs {
				log = append(log, req.Event.Text)
			}
			return nil
		},
	})
	var done atomic.Int32
	msg := func(id, text string) bot.Event {
		return bot.Event{ID: id, Kind: bot.EventMessage, Platform: "test", Channel: "C1", Text: text,
			Done: func(error) { done.Add(1) }}
	}
	require.NoError(t, r.Dispatch(bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "block"}))
	<-started // the worker holds "block": the rest queue up behind it
	for i := range 5 {
		require.NoError(t, r.Dispatch(msg(fmt.Sprint("Ev", i), fmt.Sprint("m", i))))
	}
	require.NoError(t, r.Dispatch(msg("Ev2", "m2 again"))) // a duplicate within the batch
	require.NoError(t, r.Dispatch(msg("Ev-old", "m-old"))) // seen before
	require.NoError(t, r.Dispatch(bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "mark"}))
	require.NoError(t, r.Dispatch(msg("Ev5", "m5")))
	require.NoError(t, r.Dispatch(msg("Ev6", "m6")))
	close(release)
	require.NoError(t, r.Close(context.Background()))
	require.Equal(t, []string{"m0", "m1", "m2", "m3", "m4", "mark", "m5", "m6"}, log)
	require.Equal(t, []int{5, 2}, batches)
	require.Equal(t, int32(9), done.Load(), "every event's Done is called, duplicates too")
	require.Equal(t, int32(2), seenCalls.Load(), "one Seen call per batch")
}

// Alerts waiting in a worker's queue one after another are handed to the
// alert handler in one call, in order, and each gets its own outcome (its
// Done, Serve's error); another kind of event ends the batch.
func TestQueuedAlertsAreBatched(t *testing.T) {
	var mu sync.Mutex
	var log []string
	var batches []int
	started, release := make(chan struct{}), make(chan struct{})
	r, _ := newRouter(t, bot.Options{Workers: 1, Queue: 64}, bot.Handlers{
		Routes: []bot.Route{route("block", func(context.Context, *bot.Request) error {
			close(started)
			<-release
			return nil
		})},
		Messages: func(_ context.Context, reqs []*bot.Request) error {
			mu.Lock()
			defer mu.Unlock()
			log = append(log, reqs[0].Event.Text)
			return nil
		},
		Alerts: func(_ context.Context, reqs []*bot.Request) []error {
			mu.Lock()
			defer mu.Unlock()
			batches = append(batches, len(reqs))
			errs := make([]error, len(reqs))
			for i, req := range reqs {
				log = append(log, req.Event.Alert.DedupKey)
				if req.Event.Alert.DedupKey == "bad" {
					errs[i] = errors.New("bad alert")
				}
			}
			return errs
		},
	})
	outcomes := map[string]string{}
	alert := func(key string) bot.Event {
		return bot.Event{Kind: bot.EventAlert, Alert: &bot.Alert{Source: "am", DedupKey: key}, Done: func(err error) {
			mu.Lock()
			defer mu.Unlock()
			outcomes[key] = fmt.Sprint(err)
		}}
	}
	require.NoError(t, r.Dispatch(bot.Event{Kind: bot.EventCommand, Platform: "test", Text: "block"}))
	<-started // the worker holds "block": the rest queue up behind it
	for _, k := range []string{"g1", "g2", "bad", "g1"} {
		require.NoError(t, r.Dispatch(alert(k)))
	}
	require.NoError(t, r.Dispatch(bot.Event{Kind: bot.EventMessage, Platform: "test", Channel: "C1", Text: "m"}))
	require.NoError(t, r.Dispatch(alert("g3")))
	require.NoError(t, r.Dispatch(alert("g4")))
	close(release)
	require.NoError(t, r.Close(context.Background()))
	require.Equal(t, []string{"g1", "g2", "bad", "g1", "m", "g3", "g4"}, log)
	require.Equal(t, []int{4, 2}, batches)
	require.Equal(t, map[string]string{"g1": "<nil>", "g2": "<nil>", "bad": "bad alert", "g3": "<nil>", "g4": "<nil>"}, outcomes)
}

// An alert served alone goes through the same handler, and its outcome is
// Serve's error; a panicking handler is an internal error, not a crash.
func TestServeAlert(t *testing.T) {
	r, _ := newRouter(t, bot.Options{}, bot.Handlers{Alerts: func(_ context.Context, reqs []*bot.Request) []error {
		switch reqs[0].Event.Alert.DedupKey {
		case "bad":
			return []error{errors.New("bad alert")}
		case "panic":
			panic("boom")
		}
		return nil
	}})
	ev := func(key string) bot.Event {
		return bot.Event{Kind: bot.EventAlert, Alert: &bot.Alert{Source: "am", DedupKey: key}}
	}
	require.NoError(t, r.Serve(context.Background(), ev("ok")))
	require.EqualError(t, r.Serve(context.Background(), ev("bad")), "bad alert")
	require.Equal(t, bot.CodeInternal, bot.CodeOf(r.Serve(context.Background(), ev("panic"))))
}

// Mount refuses, mounting nothing, what would go wrong silently later: a
// second set of handlers, a command named twice, a route that acts on an
// incident with nothing to find it, a permission with nobody to check it.
func TestMountRefusesMistakes(t *testing.T) {
	ok := func(context.Context, *bot.Request) error { return nil }
	for _, tc := range []struct {
		name string
		h    bot.Handlers
		want string
	}{
		{"duplicate alias", bot.Handlers{Routes: []bot.Route{{Name: "a", Handler: ok}, {Name: "b", Aliases: []string{"a"}, Handler: ok}}},
			`bot: command "a" registered twice`},
		{"scope without resolver", bot.Handlers{Authorizer: denyAll{}, Routes: []bot.Route{{Name: "ack", Scope: bot.NeedsIncident, Handler: ok}}},
			"bot: command ack acts on an incident but there is no Resolver"},
		{"form scope without resolver", bot.Handlers{Forms: map[string]bot.FormRoute{"update": {Scope: bot.OptionalIncident, Handler: ok}}},
			"bot: form update acts on an incident but there is no Resolver"},
		{"permission without authorizer", bot.Handlers{Resolver: fakeResolver{}, Routes: []bot.Route{{Name: "resolve", Permission: "resolve", Handler: ok}}},
			`bot: command resolve needs permission "resolve" but there is no Authorizer`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := bot.NewRouter(bot.Options{})
			t.Cleanup(func() { _ = r.Close(context.Background()) })
			require.EqualError(t, r.Mount(tc.h), tc.want)
			require.Empty(t, r.Routes(), "nothing was mounted")
			require.NoError(t, r.Mount(bot.Handlers{Routes: []bot.Route{{Name: "x", Handler: ok}}}), "a failed Mount leaves the router free")
		})
	}
	r, _ := newRouter(t, bot.Options{}, bot.Handlers{Routes: []bot.Route{{Name: "x", Handler: ok}}})
	require.EqualError(t, r.Mount(bot.Handlers{}), "bot: router already has its handlers")
	_, found := r.Lookup("x")
	require.True(t, found, "the first handlers stay")
}

package console

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/handlers"
	"github.com/warroomhq/warroom/store/storetest"
)

// BenchmarkDeclare declares one incident end to end through the console
// platform against Redis (REDIS_URL when set, else the embedded one):
// allocate an ID, create and furnish the channel (card, pin, topic,
// welcome), record the incident and its first timeline entries.
func BenchmarkDeclare(b *testing.B) {
	st := storetest.New(b)
	r := bot.NewRouter(bot.Options{})
	defer r.Close(context.Background())
	if _, err := handlers.New(st, r, handlers.Options{}); err != nil {
		b.Fatal(err)
	}
	c, err := New(Options{In: strings.NewReader(""), Out: io.Discard, User: "alice"})
	if err != nil {
		b.Fatal(err)
	}
	r.Register(c)
	ctx := context.Background()
	ev := bot.Event{Kind: bot.EventCommand, Platform: Name, User: bot.User{ID: "alice", Name: "alice"}, Channel: "C1",
		Text: "declare Checkout is failing for card payments P1"}
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Serve(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
}

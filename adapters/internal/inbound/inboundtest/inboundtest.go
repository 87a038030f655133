// Package inboundtest holds what the tests of the alert adapters share: a
// recording router, fixtures and timestamps.
package inboundtest

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/warroomhq/warroom/bot"
)

// Recorder is a Dispatcher that keeps the events it is given, or refuses
// every one with Err (a full router) when Err is set.
type Recorder struct {
	mu     sync.Mutex
	events []bot.Event
	Err    error
}

// Dispatch implements the adapters' Dispatcher.
func (r *Recorder) Dispatch(ev bot.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Err != nil {
		return r.Err
	}
	r.events = append(r.events, ev)
	return nil
}

// Events returns a copy of the events dispatched so far.
func (r *Recorder) Events() []bot.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Event(nil), r.events...)
}

// Fixture reads testdata/name of the package under test.
func Fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Time parses an RFC 3339 time, in UTC; it panics on a malformed one (a
// broken test).
func Time(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

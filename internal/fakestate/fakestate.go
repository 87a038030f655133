// Package fakestate holds what the fake chat servers (fakeslack,
// faketeams) share: a way for their test helpers to wait until the
// server's state, guarded by its mutex, has changed as a test expects.
package fakestate

import (
	"sync"
	"time"
)

// Changes wakes the waiters of a server whenever its state changes. The
// server calls NotifyLocked after each change, holding its mutex; a
// helper waits with WaitFor.
type Changes struct {
	mu      *sync.Mutex
	changed chan struct{} // closed and replaced on every change
}

// New watches the state that mu guards.
func New(mu *sync.Mutex) *Changes {
	return &Changes{mu: mu, changed: make(chan struct{})}
}

// NotifyLocked wakes everything waiting on a state change. The mutex must
// be held.
func (c *Changes) NotifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// WaitFor calls cond (with the mutex held) on every state change until it
// reports true or timeout passes; it reports whether cond became true.
func (c *Changes) WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		ok := cond()
		ch := c.changed
		c.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			c.mu.Lock()
			defer c.mu.Unlock()
			return cond()
		}
	}
}

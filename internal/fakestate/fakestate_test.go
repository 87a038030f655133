package fakestate

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestWaitFor(t *testing.T) {
	var mu sync.Mutex
	c := New(&mu)
	n := 0
	go func() {
		for range 3 {
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			n++
			c.NotifyLocked()
			mu.Unlock()
		}
	}()
	require.True(t, c.WaitFor(5*time.Second, func() bool { return n == 3 }), "woken by each change")
	require.False(t, c.WaitFor(20*time.Millisecond, func() bool { return n == 4 }), "gives up after the timeout")
}

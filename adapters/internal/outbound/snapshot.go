package outbound

import (
	"sync"
	"time"
)

// Snapshot is the last read of a list a platform answers slowly or under a
// tight rate limit (a workspace's or a team's members): one read serves
// every lookup for a while, and concurrent lookups wait for that one read.
// The zero Snapshot is empty and ready; it must not be copied.
type Snapshot[T any] struct {
	mu    sync.Mutex
	at    time.Time
	items []T // nil until a read succeeded
}

// Get returns the list read less than ttl ago by now, or reads it again
// with read. A failed read keeps nothing: its error is returned, and the
// next Get reads again. A list read as nil is kept as an empty one.
func (s *Snapshot[T]) Get(now func() time.Time, ttl time.Duration, read func() ([]T, error)) ([]T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.items != nil && now().Sub(s.at) < ttl {
		return s.items, nil
	}
	items, err := read()
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []T{}
	}
	s.items, s.at = items, now()
	return items, nil
}

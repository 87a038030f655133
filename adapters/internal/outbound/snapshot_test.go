package outbound

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSnapshot: one read serves every Get for ttl, then the list is read
// again; a failed read keeps nothing and is tried again at the next Get;
// a nil list is kept as an empty one.
func TestSnapshot(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	now := t0
	clock := func() time.Time { return now }
	var s Snapshot[string]
	reads := 0
	list := []string{"ann"}
	var fail error
	read := func() ([]string, error) {
		reads++
		if fail != nil {
			return nil, fail
		}
		return list, nil
	}

	got, err := s.Get(clock, time.Minute, read)
	require.NoError(t, err)
	require.Equal(t, []string{"ann"}, got)
	list = []string{"ann", "bob"}
	now = t0.Add(59 * time.Second)
	got, _ = s.Get(clock, time.Minute, read)
	require.Equal(t, []string{"ann"}, got, "within ttl: the list read before")
	require.Equal(t, 1, reads)

	now = t0.Add(time.Minute)
	got, _ = s.Get(clock, time.Minute, read)
	require.Equal(t, []string{"ann", "bob"}, got, "after ttl: read again")
	require.Equal(t, 2, reads)

	now = now.Add(time.Minute)
	fail = errors.New("users.list: ratelimited")
	_, err = s.Get(clock, time.Minute, read)
	require.ErrorIs(t, err, fail)
	_, err = s.Get(clock, time.Minute, read)
	require.ErrorIs(t, err, fail, "a failed read is not kept")
	require.Equal(t, 4, reads)

	fail, list = nil, nil
	got, err = s.Get(clock, time.Minute, read)
	require.NoError(t, err)
	require.NotNil(t, got)
	require.Empty(t, got)
	_, _ = s.Get(clock, time.Minute, read)
	require.Equal(t, 5, reads, "an empty list is kept too")
}

// TestSnapshotOneReadForConcurrentGets: lookups that arrive while the
// list is being read wait for that read instead of making their own.
func TestSnapshotOneReadForConcurrentGets(t *testing.T) {
	var s Snapshot[int]
	var reads atomic.Int32
	release := make(chan struct{})
	read := func() ([]int, error) {
		reads.Add(1)
		<-release
		return []int{1, 2, 3}, nil
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := s.Get(time.Now, time.Hour, read)
			if err != nil || len(got) != 3 {
				t.Errorf("Get = %v, %v", got, err)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	require.Equal(t, int32(1), reads.Load())
}

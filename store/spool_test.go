package store_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

func spoolRec(channel string, i int) store.SpoolRecord {
	return store.SpoolRecord{
		Platform: "slack", Channel: channel, Thread: "T1",
		Entry: bot.TimelineEntry{
			Kind: bot.KindMessage, At: time.UnixMilli(1_700_000_000_000 + int64(i)).UTC(),
			Author: bot.User{ID: "U1", Name: "alice"}, Text: fmt.Sprintf("m%d", i), Ref: fmt.Sprintf("r%d", i),
			Data: map[string]string{"thread": "T1"},
		},
		Spooled: time.UnixMilli(1_700_000_001_000).UTC(),
	}
}

func openSpool(t *testing.T, path string, max int64) *store.Spool {
	t.Helper()
	sp, err := store.OpenSpool(path, max, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sp.Close() })
	return sp
}

// drain takes n records off the spool, in order.
func drain(t *testing.T, sp *store.Spool, n int) []store.SpoolRecord {
	t.Helper()
	var out []store.SpoolRecord
	for range n {
		rec, ok, err := sp.Peek()
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, sp.Done())
		out = append(out, rec)
	}
	return out
}

func TestSpoolKeepsOrderAndRecords(t *testing.T) {
	sp := openSpool(t, filepath.Join(t.TempDir(), "spool.jsonl"), 1<<20)
	_, ok, err := sp.Peek()
	require.NoError(t, err)
	require.False(t, ok)
	var want []store.SpoolRecord
	for i := range 50 {
		r := spoolRec([]string{"C1", "C2"}[i%2], i)
		if i == 3 {
			r.Incident, r.Tried = 42, true
			r.Entry.Key, r.Entry.RefersTo = true, "r1"
		}
		require.NoError(t, sp.Add(r))
		want = append(want, r)
	}
	require.Equal(t, 50, sp.Len())
	require.True(t, sp.Pending("slack", "C1"))
	require.False(t, sp.Pending("slack", "C3"))
	require.False(t, sp.Pending("teams", "C1"))

	// Peek without Done returns the same record again.
	a, _, _ := sp.Peek()
	b, _, _ := sp.Peek()
	require.Equal(t, a, b)
	require.Equal(t, want, drain(t, sp, 50))
	require.Equal(t, 0, sp.Len())
	require.False(t, sp.Pending("slack", "C1"))
	require.Zero(t, sp.Size(), "a fully replayed spool is truncated")
	fi, err := os.Stat(sp.Path())
	require.NoError(t, err)
	require.Zero(t, fi.Size())
	require.Error(t, sp.Done(), "Done without Peek")
}

func TestSpoolIsBounded(t *testing.T) {
	rec := spoolRec("C1", 1)
	sp := openSpool(t, filepath.Join(t.TempDir(), "spool.jsonl"), 1000)
	n := 0
	for {
		err := sp.Add(rec)
		if err != nil {
			require.ErrorIs(t, err, store.ErrSpoolFull)
			break
		}
		n++
		require.Less(t, n, 1000)
	}
	require.Positive(t, n)
	require.LessOrEqual(t, sp.Size(), int64(1000))
	require.Equal(t, n, sp.Len())
	// Replaying makes room again.
	drain(t, sp, n)
	require.NoError(t, sp.Add(rec))
}

func TestSpoolOffsetSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "spool.jsonl")
	sp, err := store.OpenSpool(path, 1<<20, nil)
	require.NoError(t, err)
	for i := range 10 {
		require.NoError(t, sp.Add(spoolRec("C1", i)))
	}
	got := drain(t, sp, 4)
	require.Equal(t, "m3", got[3].Entry.Text)
	require.NoError(t, sp.Close())

	sp = openSpool(t, path, 1<<20)
	require.Equal(t, 6, sp.Len())
	require.True(t, sp.Pending("slack", "C1"))
	got = drain(t, sp, 6)
	for i, r := range got {
		require.Equal(t, fmt.Sprintf("m%d", i+4), r.Entry.Text)
	}
	require.Zero(t, sp.Len())
}

func TestSpoolIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.jsonl")
	sp := openSpool(t, path, 1<<20)
	_, err := store.OpenSpool(path, 1<<20, nil)
	require.ErrorIs(t, err, store.ErrSpoolLocked)
	require.NoError(t, sp.Close())
	openSpool(t, path, 1<<20) // released by Close
}

func TestSpoolToleratesCorruption(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.jsonl")
	sp, err := store.OpenSpool(path, 1<<20, nil)
	require.NoError(t, err)
	for i := range 3 {
		require.NoError(t, sp.Add(spoolRec("C1", i)))
	}
	require.NoError(t, sp.Close())

	// A line torn by a crash mid-write, after garbage in the middle.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString("not json\n")
	require.NoError(t, err)
	line, err := os.ReadFile(path)
	require.NoError(t, err)
	_, err = f.Write(line[:len(line)/7]) // a prefix of the first record, no newline
	require.NoError(t, err)
	require.NoError(t, f.Close())

	sp = openSpool(t, path, 1<<20)
	require.Equal(t, 3, sp.Len())
	require.NoError(t, sp.Add(spoolRec("C1", 3)), "the torn line is cut off before new records")
	got := drain(t, sp, 4)
	for i, r := range got {
		require.Equal(t, fmt.Sprintf("m%d", i), r.Entry.Text)
	}
	_, ok, err := sp.Peek()
	require.NoError(t, err)
	require.False(t, ok)
}

func TestSpoolOffsetPastEndAfterTruncation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.jsonl")
	// A crash between truncating the file and resetting the offset.
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	require.NoError(t, os.WriteFile(path+".offset", []byte("00000000000000004096\n"), 0o600))
	sp := openSpool(t, path, 1<<20)
	require.NoError(t, sp.Add(spoolRec("C1", 1)))
	require.Equal(t, "m1", drain(t, sp, 1)[0].Entry.Text)

	// An unreadable offset replays from the start.
	require.NoError(t, sp.Add(spoolRec("C1", 2)))
	require.NoError(t, sp.Close())
	require.NoError(t, os.WriteFile(path+".offset", []byte("garbage"), 0o600))
	sp = openSpool(t, path, 1<<20)
	require.Equal(t, 1, sp.Len())
	require.Equal(t, "m2", drain(t, sp, 1)[0].Entry.Text)
}

func TestOpenSpoolRefusesBadArguments(t *testing.T) {
	_, err := store.OpenSpool("", 1, nil)
	require.Error(t, err)
	_, err = store.OpenSpool(filepath.Join(t.TempDir(), "s"), 0, nil)
	require.Error(t, err)
	dir := t.TempDir()
	_, err = store.OpenSpool(dir, 1<<20, nil) // a directory
	require.Error(t, err)
	require.False(t, errors.Is(err, store.ErrSpoolLocked))
}

// TestOpenSpoolIn: each process on the host gets a spool file of its own,
// the first one free, and is refused once all are held.
func TestOpenSpoolIn(t *testing.T) {
	dir := t.TempDir()
	open := func() (*store.Spool, error) { return store.OpenSpoolIn(dir, 2, 1<<20, nil) }
	a, err := open()
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	require.Equal(t, filepath.Join(dir, "warroom-spool.jsonl"), a.Path())
	b, err := open()
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	require.Equal(t, filepath.Join(dir, "warroom-spool-2.jsonl"), b.Path())
	_, err = open()
	require.ErrorIs(t, err, store.ErrSpoolLocked, "both files are held")

	// A file let go is taken again.
	require.NoError(t, a.Close())
	c, err := open()
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.Equal(t, filepath.Join(dir, "warroom-spool.jsonl"), c.Path())
}

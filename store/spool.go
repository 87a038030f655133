package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
)

// ErrSpoolFull is returned (wrapped) by Spool.Add when the record would
// take the spool file past its bound.
var ErrSpoolFull = errors.New("timeline spool is full")

// ErrSpoolLocked is returned (wrapped) by OpenSpool when another process
// holds the spool file.
var ErrSpoolLocked = errors.New("timeline spool is in use by another process")

// SpoolRecord is one timeline entry that could not reach Redis, with what
// is needed to find its incident again once Redis is back.
type SpoolRecord struct {
	// Platform, Channel and Thread locate the incident (by channel, else
	// by thread) when Incident is 0.
	Platform string
	Channel  string
	Thread   string
	// Incident is the incident's ID when it was known before Redis failed.
	Incident int64
	// Entry is the entry to append, with its original At.
	Entry bot.TimelineEntry
	// Tried says an Append of Entry was attempted and failed: it may have
	// reached Redis, so a replay first checks the timeline for it.
	Tried bool
	// Spooled is when the record was written (set by Add when zero).
	Spooled time.Time
}

// spoolLine is a SpoolRecord as one JSON line of the spool file.
type spoolLine struct {
	Platform   string            `json:"platform"`
	Channel    string            `json:"channel"`
	Thread     string            `json:"thread,omitempty"`
	Incident   int64             `json:"incident,omitempty"`
	Kind       string            `json:"kind"`
	At         int64             `json:"at"`
	AuthorID   string            `json:"author_id,omitempty"`
	AuthorName string            `json:"author_name,omitempty"`
	Text       string            `json:"text,omitempty"`
	Ref        string            `json:"ref,omitempty"`
	RefersTo   string            `json:"refers_to,omitempty"`
	Key        bool              `json:"key,omitempty"`
	Data       map[string]string `json:"data,omitempty"`
	Tried      bool              `json:"tried,omitempty"`
	Spooled    int64             `json:"spooled"`
}

func encodeSpoolRecord(r SpoolRecord) ([]byte, error) {
	e := r.Entry
	b, err := json.Marshal(spoolLine{
		Platform: r.Platform, Channel: r.Channel, Thread: r.Thread, Incident: r.Incident,
		Kind: string(e.Kind), At: e.At.UnixMilli(), AuthorID: e.Author.ID, AuthorName: e.Author.Name,
		Text: e.Text, Ref: e.Ref, RefersTo: e.RefersTo, Key: e.Key, Data: e.Data,
		Tried: r.Tried, Spooled: r.Spooled.UnixMilli(),
	})
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func decodeSpoolRecord(line []byte) (SpoolRecord, error) {
	var l spoolLine
	if err := json.Unmarshal(line, &l); err != nil {
		return SpoolRecord{}, err
	}
	if l.Kind == "" || l.Platform == "" || (l.Channel == "" && l.Incident == 0) {
		return SpoolRecord{}, errors.New("incomplete spool record")
	}
	return SpoolRecord{
		Platform: l.Platform, Channel: l.Channel, Thread: l.Thread, Incident: l.Incident,
		Entry: bot.TimelineEntry{
			Kind: bot.EntryKind(l.Kind), At: time.UnixMilli(l.At).UTC(),
			Author: bot.User{ID: l.AuthorID, Name: l.AuthorName},
			Text:   l.Text, Ref: l.Ref, RefersTo: l.RefersTo, Key: l.Key, Data: l.Data,
		},
		Tried: l.Tried, Spooled: time.UnixMilli(l.Spooled).UTC(),
	}, nil
}

// Spool is a bounded, append-only file of timeline entries waiting for
// Redis: one JSON line per entry, fsynced before Add returns, replayed
// oldest first. A second file (path + ".offset") holds the byte offset of
// the oldest entry not yet replayed; when every entry is replayed the spool
// file is truncated. The file is locked (flock) while open, so two
// processes never share one. A Spool is safe for concurrent use.
type Spool struct {
	mu      sync.Mutex
	path    string
	max     int64
	log     *zap.Logger
	data    *os.File
	offFile *os.File
	size    int64 // bytes in the spool file
	off     int64 // where the oldest record not yet replayed starts
	n       int   // records not yet replayed
	pending map[string]int
	head    *spoolHead // the record at off, once read
	closed  bool
	// down is when storage was last seen unavailable (unix nanoseconds),
	// 0 once it answered again.
	down atomic.Int64
}

// outageHold is how long one failure to reach storage keeps StorageDown
// true unless storage answers first (Recovered). The replayer probes every
// second while storage is down, so this only matters without one.
const outageHold = 10 * time.Second

type spoolHead struct {
	rec SpoolRecord
	len int64
}

// OpenSpool opens (creating it and its directory when missing) the spool
// file at path, bounded to maxBytes. A torn last line (a crash in the
// middle of a write) is cut off; other unreadable lines are skipped when
// replayed, with an error logged. It fails with ErrSpoolLocked when another
// process has the file open.
func OpenSpool(path string, maxBytes int64, log *zap.Logger) (*Spool, error) {
	if path == "" {
		return nil, errors.New("open spool: empty path")
	}
	if maxBytes <= 0 {
		return nil, fmt.Errorf("open spool %s: bound %d must be positive", path, maxBytes)
	}
	if log == nil {
		log = zap.NewNop()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open spool: %w", err)
	}
	data, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open spool: %w", err)
	}
	if err := syscall.Flock(int(data.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = data.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("open spool %s: %w", path, ErrSpoolLocked)
		}
		return nil, fmt.Errorf("open spool %s: lock: %w", path, err)
	}
	offFile, err := os.OpenFile(path+".offset", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		_ = data.Close()
		return nil, fmt.Errorf("open spool: %w", err)
	}
	s := &Spool{path: path, max: maxBytes, log: log, data: data, offFile: offFile, pending: map[string]int{}}
	if err := s.load(); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("open spool %s: %w", path, err)
	}
	if s.n > 0 {
		log.Warn("timeline spool holds entries not yet replayed", zap.String("path", path), zap.Int("entries", s.n))
	}
	return s, nil
}

// OpenSpoolIn opens the first of slots spool files in dir that no other
// process holds: warroom-spool.jsonl, then warroom-spool-2.jsonl and on,
// so that several processes on one host each get a spool of their own
// without configuring one. It fails with ErrSpoolLocked when every one of
// them is held, and with OpenSpool's error on any other problem.
func OpenSpoolIn(dir string, slots int, maxBytes int64, log *zap.Logger) (*Spool, error) {
	for i := 1; i <= slots; i++ {
		name := "warroom-spool.jsonl"
		if i > 1 {
			name = fmt.Sprintf("warroom-spool-%d.jsonl", i)
		}
		sp, err := OpenSpool(filepath.Join(dir, name), maxBytes, log)
		if errors.Is(err, ErrSpoolLocked) {
			continue
		}
		return sp, err
	}
	return nil, fmt.Errorf("open spool in %s: all %d files: %w", dir, slots, ErrSpoolLocked)
}

// load reads the offset, cuts a torn last line and counts the records.
func (s *Spool) load() error {
	fi, err := s.data.Stat()
	if err != nil {
		return err
	}
	s.size = fi.Size()
	raw, err := io.ReadAll(io.NewSectionReader(s.offFile, 0, 64))
	if err != nil {
		return fmt.Errorf("read offset: %w", err)
	}
	if t := bytes.TrimSpace(raw); len(t) > 0 {
		off, err := strconv.ParseInt(string(t), 10, 64)
		if err != nil || off < 0 {
			// Replaying from the start is safe: replays are checked against
			// the timeline while they are found on it.
			s.log.Error("timeline spool offset is unreadable; replaying from the start", zap.String("path", s.path))
			off = 0
		}
		s.off = off
	}
	if s.off > s.size {
		// The spool was truncated after a full replay but the offset's
		// reset did not reach the disk.
		s.off = 0
		if err := s.writeOffset(true); err != nil {
			return err
		}
	}
	r := bufio.NewReader(io.NewSectionReader(s.data, s.off, s.size-s.off))
	pos := s.off
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			if len(line) > 0 {
				s.log.Warn("timeline spool ends with a torn line; cutting it off", zap.String("path", s.path),
					zap.Int64("at", pos), zap.Int("bytes", len(line)))
				if err := s.data.Truncate(pos); err != nil {
					return err
				}
				if err := s.data.Sync(); err != nil {
					return err
				}
				s.size = pos
			}
			break
		}
		if err != nil {
			return err
		}
		if rec, err := decodeSpoolRecord(line); err == nil {
			s.n++
			s.pending[spoolKey(rec.Platform, rec.Channel)]++
		}
		pos += int64(len(line))
	}
	if s.n == 0 && s.size > 0 {
		return s.reset()
	}
	return nil
}

func spoolKey(platform, channel string) string { return platform + "\x00" + channel }

// Path is the spool file's path.
func (s *Spool) Path() string { return s.path }

// Add appends r and syncs the file before returning. It fails with an error
// wrapping ErrSpoolFull, writing nothing, when the file would grow past its
// bound.
func (s *Spool) Add(r SpoolRecord) error {
	if r.Spooled.IsZero() {
		r.Spooled = time.Now()
	}
	line, err := encodeSpoolRecord(r)
	if err != nil {
		return fmt.Errorf("spool entry: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("spool entry: spool closed")
	}
	if s.size+int64(len(line)) > s.max {
		return fmt.Errorf("spool entry (%d bytes held, bound %d): %w", s.size, s.max, ErrSpoolFull)
	}
	if _, err := s.data.Write(line); err != nil {
		_ = s.data.Truncate(s.size) // leave no torn line behind
		return fmt.Errorf("spool entry: %w", err)
	}
	if err := s.data.Sync(); err != nil {
		_ = s.data.Truncate(s.size)
		return fmt.Errorf("spool entry: %w", err)
	}
	s.size += int64(len(line))
	s.n++
	s.pending[spoolKey(r.Platform, r.Channel)]++
	return nil
}

// Outage records that storage was just found unavailable: StorageDown is
// true until Recovered, or for ten seconds.
func (s *Spool) Outage() { s.down.Store(time.Now().UnixNano()) }

// Recovered records that storage answered: StorageDown is false.
func (s *Spool) Recovered() { s.down.Store(0) }

// StorageDown reports whether storage was found unavailable and has not
// answered since (for at most ten seconds after the last failure): entries
// then go straight to the spool, without waiting for Redis to fail again.
func (s *Spool) StorageDown() bool {
	d := s.down.Load()
	return d != 0 && time.Since(time.Unix(0, d)) < outageHold
}

// Diverting reports whether a new entry of this channel must be spooled
// without trying Redis: storage is down, or older entries of the channel
// wait in the spool (the new one must not overtake them).
func (s *Spool) Diverting(platform, channel string) bool {
	return s.StorageDown() || s.Pending(platform, channel)
}

// Len is how many records wait to be replayed.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Size is how many bytes the spool file holds (replayed records included,
// until the file is truncated).
func (s *Spool) Size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.size
}

// Pending reports whether records of this channel wait to be replayed: new
// entries of the channel must then be spooled too, behind them.
func (s *Spool) Pending(platform, channel string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending[spoolKey(platform, channel)] > 0
}

// Peek returns the oldest record not yet replayed; ok is false when there
// is none. Unreadable lines are skipped (and logged). The record stays in
// the spool until Done.
func (s *Spool) Peek() (rec SpoolRecord, ok bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.head != nil {
			return s.head.rec, true, nil
		}
		if s.closed || s.n == 0 || s.off >= s.size {
			return SpoolRecord{}, false, nil
		}
		line, err := bufio.NewReader(io.NewSectionReader(s.data, s.off, s.size-s.off)).ReadBytes('\n')
		if err != nil {
			return SpoolRecord{}, false, fmt.Errorf("read spool at %d: %w", s.off, err)
		}
		rec, derr := decodeSpoolRecord(line)
		if derr != nil {
			s.log.Error("unreadable timeline spool line skipped", zap.String("path", s.path),
				zap.Int64("at", s.off), zap.ByteString("line", line), zap.Error(derr))
			if err := s.advance(int64(len(line))); err != nil {
				return SpoolRecord{}, false, err
			}
			continue
		}
		s.head = &spoolHead{rec: rec, len: int64(len(line))}
	}
}

// Done removes the record Peek returned: it is on its timeline, or will
// never be. It persists the new offset, and truncates the file once every
// record is replayed.
func (s *Spool) Done() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.head == nil {
		return errors.New("spool: Done without Peek")
	}
	h := s.head
	s.head = nil
	s.n--
	k := spoolKey(h.rec.Platform, h.rec.Channel)
	if s.pending[k]--; s.pending[k] <= 0 {
		delete(s.pending, k)
	}
	return s.advance(h.len)
}

// advance moves the offset past n bytes. The offset is not synced: should
// it be lost, replaying again is safe (see OpenSpool). Reaching the end
// truncates the file.
func (s *Spool) advance(n int64) error {
	s.off += n
	if s.off >= s.size || s.n == 0 {
		return s.reset()
	}
	return s.writeOffset(false)
}

// reset empties the spool: the file is truncated (and synced) before the
// offset is reset, so a crash in between leaves an offset past the end,
// which OpenSpool takes for 0.
func (s *Spool) reset() error {
	if err := s.data.Truncate(0); err != nil {
		return fmt.Errorf("truncate spool: %w", err)
	}
	if err := s.data.Sync(); err != nil {
		return fmt.Errorf("truncate spool: %w", err)
	}
	s.size, s.off, s.n, s.head = 0, 0, 0, nil
	clear(s.pending)
	return s.writeOffset(true)
}

// writeOffset overwrites the offset file in place with a fixed-width line.
func (s *Spool) writeOffset(sync bool) error {
	if _, err := s.offFile.WriteAt(fmt.Appendf(nil, "%020d\n", s.off), 0); err != nil {
		return fmt.Errorf("write spool offset: %w", err)
	}
	if sync {
		if err := s.offFile.Sync(); err != nil {
			return fmt.Errorf("write spool offset: %w", err)
		}
	}
	return nil
}

// Close syncs and closes the spool, releasing its lock; records not yet
// replayed stay in the file for the next OpenSpool.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return errors.Join(s.offFile.Sync(), s.offFile.Close(), s.data.Sync(), s.data.Close())
}

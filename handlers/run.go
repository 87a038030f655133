package handlers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"
)

// Reminders configures the reminders loop Run keeps.
type Reminders struct {
	// Every is how often the open incidents are looked at (zero: Run
	// sends no reminders).
	Every time.Duration
	// Holder names this replica in the reminders lease and its heartbeat
	// (see remindLoop).
	Holder string
	// Local is for a process that alone serves its platform's incidents
	// (the console): no lease, no heartbeat, no other replica's
	// declarations finished (see remindLocalLoop).
	Local bool
}

// ErrClosed is returned by Run once Close was called.
var ErrClosed = errors.New("handlers: service closed")

// lifetime is the service's background work: Run's loops, the channels
// alerts' incidents wait for (openLater) and drill scripts, all on one
// errgroup. ctx ends at Close, which then waits for the group.
type lifetime struct {
	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex // orders go after Close's wait (sync.WaitGroup's rule)
	closed bool
	run    bool // Run was called
	group  errgroup.Group
}

// goBackground runs fn on the service's errgroup with the service's
// context, which ends at Close; it reports false, running nothing, once
// the service is closed. A panic in fn is logged, not fatal.
func (s *Service) goBackground(what string, fn func(ctx context.Context)) bool {
	l := &s.life
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		s.log.Warn("service closed: not started", zap.String("work", what))
		return false
	}
	l.group.Go(func() error {
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("background work panicked", zap.String("work", what), zap.Any("panic", p))
			}
		}()
		fn(l.ctx)
		return nil
	})
	return true
}

// Run keeps the service's loops: the reminders (Options.Reminders, none
// when its Every is zero) until ctx ends, and the replay of the timeline
// spool (Options.Spool) until Close, so that entries spooled while the
// router drains still reach Redis. It returns once ctx has ended (or
// Close was called) and the reminders have stopped; Close waits for the
// rest. A service whose Run is never called writes nothing to Redis in
// the background but what its handlers start (drills, channels waiting
// for the platform's rate limit). Run may be called once.
func (s *Service) Run(ctx context.Context) error {
	l := &s.life
	l.mu.Lock()
	closed, again := l.closed, l.run
	l.run = true
	l.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if again {
		return errors.New("handlers: Run called twice") // two replayers would replay the same records
	}
	if s.opts.Spool != nil {
		s.goBackground("spool replay", s.replaySpool)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(l.ctx, cancel)()
	r := s.opts.Reminders
	if r.Every <= 0 {
		<-ctx.Done()
		return nil
	}
	done := make(chan struct{})
	started := s.goBackground("reminders", func(context.Context) {
		defer close(done)
		if r.Local {
			s.remindLocalLoop(ctx, r.Every)
		} else {
			s.remindLoop(ctx, r.Holder, r.Every)
		}
	})
	if !started {
		return ErrClosed
	}
	<-done
	return nil
}

// Close stops the service's background work (Run's loops, drill scripts,
// channels still waiting for the platform's rate limit, which hand their
// declarations back to the reconciler) and waits for it, until ctx ends.
// Close the router first: an event it still handles could start work that
// Close would refuse. Calling Close again waits again.
func (s *Service) Close(ctx context.Context) error {
	l := &s.life
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.cancel()
	done := make(chan struct{})
	go func() {
		_ = l.group.Wait() // the functions return nil; panics are logged
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("handlers: background work still running at close: %w", ctx.Err())
	}
}

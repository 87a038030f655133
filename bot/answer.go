package bot

import (
	"context"
	"sync/atomic"
	"time"
)

// Answer states: a slot starts open; the first reply fills it, or the
// adapter's wait ends and closes it. Either move happens once.
const (
	answerOpen int32 = iota
	answerFilled
	answerClosed
)

// Answer is a slot for the first reply to a person's command, offered by
// an adapter whose platform lets the acknowledgement itself carry that
// reply (a Slack slash command's HTTP response). The adapter puts one on
// the Event before Dispatch and waits on it, on its own request's
// goroutine, for a short budget; the platform's Reply fills it instead of
// sending. The router never waits on it: it only closes the slot once the
// event is handled, so that a command that replied nothing lets the
// adapter acknowledge at once.
//
// Exactly one reply can fill the slot, and none once the adapter has
// stopped waiting: a reply that comes too late, and a command's second
// reply, go the platform's usual way. All methods may be called on a nil
// *Answer, which is a slot that never fills.
type Answer struct {
	state atomic.Int32
	msg   Message       // written by the one Fill that won, before done closes
	done  chan struct{} // closed when the slot is filled or closed
}

// NewAnswer returns an open slot.
func NewAnswer() *Answer { return &Answer{done: make(chan struct{})} }

// Fill hands msg to the waiting adapter. It reports false, and keeps
// nothing, when the slot was already filled or closed: the caller then
// sends msg itself.
func (a *Answer) Fill(msg Message) bool {
	if a == nil || !a.state.CompareAndSwap(answerOpen, answerFilled) {
		return false
	}
	a.msg = msg
	close(a.done)
	return true
}

// Close ends the slot without an answer, unless a reply already filled
// it; later Fills report false.
func (a *Answer) Close() {
	if a != nil && a.state.CompareAndSwap(answerOpen, answerClosed) {
		close(a.done)
	}
}

// Wait waits at most d (or until ctx ends) for the first reply, then
// closes the slot. ok is false when there is none: the reply, if one
// comes later, goes the platform's usual way.
func (a *Answer) Wait(ctx context.Context, d time.Duration) (msg Message, ok bool) {
	if a == nil {
		return Message{}, false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-a.done:
	case <-t.C:
	case <-ctx.Done():
	}
	a.Close()
	// Filled (now or by a Fill that won against Close) means done is, or is
	// about to be, closed with msg written.
	if a.state.Load() != answerFilled {
		return Message{}, false
	}
	<-a.done
	return a.msg, true
}

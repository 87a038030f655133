package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Overflow is where a router's worker queue spills when it is full: one
// ordered list of encoded events per shard (worker), outside the process
// (the store keeps it in Redis), so that a burst never grows the process
// and a replica that dies leaves its waiting events for another to adopt.
//
// Push appends events to the end of shard's list, in order, all or none;
// Pop removes and returns up to n events from its head, oldest first, and
// an empty slice when the list is empty. Both must be safe for concurrent
// use.
type Overflow interface {
	Push(ctx context.Context, shard int, events [][]byte) error
	Pop(ctx context.Context, shard int, n int) ([][]byte, error)
}

// ReplyCodec is implemented by platforms whose Event.Reply must survive an
// event's wait in the Overflow: the reply handle (Slack's response URL and
// trigger ID, a Teams conversation) is encoded with the event and decoded
// again by whichever replica handles it. An event whose platform has no
// ReplyCodec, or whose Reply it cannot encode, never waits in the
// Overflow.
type ReplyCodec interface {
	EncodeReply(reply any) ([]byte, error)
	DecodeReply(data []byte) (any, error)
}

// spill is the overflow state of one shard. While on, every channel event
// of the shard goes to the end of the shard's Overflow list rather than to
// its queue, so that none overtakes those already waiting there; the
// worker, once its queue is empty, takes them back in batches and turns
// on off again only when it finds the list empty with mu held and no
// push under way, so that no event can be in between.
//
// Pushes are grouped: the events of concurrent Dispatch calls are
// appended to next in the order they came, and one flusher at a time
// (flushing) writes each group in one Push, so that a burst costs a round
// trip to Redis per group, not per event, and the order is kept.
type spill struct {
	mu       sync.Mutex
	on       bool
	next     *spillGroup
	flushing bool
}

// spillGroup is events waiting to be pushed together; done is closed once
// the Push returned err.
type spillGroup struct {
	events [][]byte
	done   chan struct{}
	err    error
}

// spillRetry is how long a worker waits before trying its Overflow again
// after it failed (Redis is away).
const spillRetry = 200 * time.Millisecond

// wireEvent is an Event as it waits in the Overflow: the event's own
// fields, and its reply handle as its platform's ReplyCodec encoded it.
type wireEvent struct {
	Event *Event          `json:"e"`
	Reply json.RawMessage `json:"r,omitempty"`
}

// errNotSpillable says an event must not wait in the Overflow: it carries a
// Done (a process-local callback) or a reply handle its platform cannot
// encode.
var errNotSpillable = errors.New("event cannot wait in the overflow")

// encode is ev as it waits in the Overflow.
func (r *Router) encode(ev *Event) ([]byte, error) {
	if ev.Done != nil {
		return nil, errNotSpillable
	}
	w := wireEvent{Event: ev}
	if ev.Reply != nil {
		p, _ := r.Platform(ev.Platform)
		c, ok := p.(ReplyCodec)
		if !ok {
			return nil, errNotSpillable
		}
		b, err := c.EncodeReply(ev.Reply)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errNotSpillable, err)
		}
		w.Reply = b
	}
	return json.Marshal(w)
}

// decode is encode's inverse.
func (r *Router) decode(b []byte) (*Event, error) {
	var w wireEvent
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	if w.Event == nil {
		return nil, errors.New("no event")
	}
	if len(w.Reply) > 0 {
		p, _ := r.Platform(w.Event.Platform)
		c, ok := p.(ReplyCodec)
		if !ok {
			return nil, fmt.Errorf("platform %q cannot decode a reply", w.Event.Platform)
		}
		reply, err := c.DecodeReply(w.Reply)
		if err != nil {
			return nil, fmt.Errorf("reply: %w", err)
		}
		w.Event.Reply = reply
	}
	return w.Event, nil
}

// offer queues ev on shard i when the router has an Overflow. Channel
// events keep their order: with the shard's spill on, or its queue full,
// they go to the end of its Overflow list. A person's command, click or
// form goes to the first queue with room, else to the Overflow: nobody is
// told "busy" while Redis takes writes. Alerts are refused busy when their
// shard's queue is full, as without an Overflow: their sources retry by
// themselves. When the Overflow refuses the write too (Redis is away), the
// answer is CodeBusy: Slack delivers an event again later, and a person is
// told to retry (their command could not be handled without Redis
// anyway).
func (r *Router) offer(i int, ev *Event) error {
	switch {
	case ev.Kind == EventAlert:
		// One problem's notifications keep to their shard, in order.
		select {
		case r.queues[i] <- job{ev: ev}:
			return nil
		default:
			return Errorf(CodeBusy)
		}
	case !ev.Kind.channelEvent():
		n := len(r.queues)
		for k := range n {
			select {
			case r.queues[(i+k)%n] <- job{ev: ev}:
				return nil
			default:
			}
		}
	}
	sp := &r.spills[i]
	sp.mu.Lock()
	if !sp.on {
		select {
		case r.queues[i] <- job{ev: ev}:
			sp.mu.Unlock()
			return nil
		default:
		}
	}
	b, err := r.encode(ev)
	if err != nil {
		sp.mu.Unlock()
		if !errors.Is(err, errNotSpillable) {
			r.log.Error("event cannot be encoded for the overflow", zap.String("platform", ev.Platform),
				zap.String("event_kind", string(ev.Kind)), zap.Error(err))
		}
		return Errorf(CodeBusy)
	}
	if sp.next == nil {
		sp.next = &spillGroup{done: make(chan struct{})}
	}
	g := sp.next
	g.events = append(g.events, b)
	sp.on = true
	if !sp.flushing {
		sp.flushing = true
		go r.flush(i)
	}
	sp.mu.Unlock()
	<-g.done
	if g.err != nil {
		r.log.Warn("overflow refused events", zap.Int("shard", i), zap.Int("events", len(g.events)), zap.Error(g.err))
		return Errorf(CodeBusy)
	}
	// The event will be handled from Redis, without its answer slot: the
	// adapter need not wait for it, and its reply goes the usual way.
	ev.Answer.Close()
	return nil
}

// flush pushes shard i's waiting groups, one after another, until none is
// left. The Dispatch calls waiting for them hold the router open, so a
// flush always ends before Close does.
func (r *Router) flush(i int) {
	sp := &r.spills[i]
	sp.mu.Lock()
	for sp.next != nil {
		g := sp.next
		sp.next = nil
		sp.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		g.err = r.overflow.Push(ctx, i, g.events)
		cancel()
		close(g.done)
		sp.mu.Lock()
	}
	sp.flushing = false
	sp.mu.Unlock()
}

// spilled reports whether shard i has events waiting in the Overflow.
func (r *Router) spilled(i int) bool {
	if r.overflow == nil {
		return false
	}
	sp := &r.spills[i]
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return sp.on
}

// unspill takes the next batch of shard i's Overflow and handles it. It
// turns the shard's spill off when the list is empty. It returns false
// when the Overflow failed because the router's base context ended (Close
// gave up waiting): what is left stays in the Overflow for another
// replica to adopt.
func (r *Router) unspill(i int) bool {
	batch, err := r.overflow.Pop(r.base, i, maxBatch)
	if err == nil && len(batch) == 0 {
		sp := &r.spills[i]
		sp.mu.Lock()
		pushing := sp.flushing
		// Events are added to a group with mu held: with no push under
		// way, an empty list now stays empty until sp.on is off.
		if !pushing {
			if batch, err = r.overflow.Pop(r.base, i, maxBatch); err == nil && len(batch) == 0 {
				sp.on = false
			}
		}
		sp.mu.Unlock()
		if pushing {
			time.Sleep(time.Millisecond) // the push under way is one round trip
			return true
		}
	}
	if err != nil {
		if r.base.Err() != nil {
			return false
		}
		r.log.Warn("overflow unavailable", zap.Int("shard", i), zap.Error(err))
		select {
		case <-time.After(spillRetry):
		case <-r.base.Done():
			return false
		}
		return true
	}
	r.run(r.decodeAll(batch))
	return true
}

// decodeAll decodes a batch taken from the Overflow; an event that cannot
// be decoded is logged and dropped (it cannot become readable later).
func (r *Router) decodeAll(batch [][]byte) []*Event {
	evs := make([]*Event, 0, len(batch))
	for _, b := range batch {
		ev, err := r.decode(b)
		if err != nil {
			r.log.Error("unreadable event dropped from the overflow", zap.Int("bytes", len(b)), zap.Error(err))
			continue
		}
		evs = append(evs, ev)
	}
	return evs
}

// run handles events in order: consecutive channel events as one batch,
// consecutive alerts as another, anything else alone.
func (r *Router) run(evs []*Event) {
	for len(evs) > 0 {
		n := 1
		if batchable(evs[0], evs[0]) {
			for n < len(evs) && batchable(evs[0], evs[n]) {
				n++
			}
		}
		r.safely(evs[:n])
		evs = evs[n:]
	}
}

// Adopt dispatches events another router left in its Overflow (a replica
// that died, see store.Overflow's adoption), oldest first, as if they
// had just arrived. It returns how many of them it took; the caller puts
// the rest back. Events that cannot be decoded count as taken (and are
// logged).
func (r *Router) Adopt(batch [][]byte) (int, error) {
	for k, b := range batch {
		ev, err := r.decode(b)
		if err != nil {
			r.log.Error("unreadable event dropped from an adopted overflow", zap.Int("bytes", len(b)), zap.Error(err))
			continue
		}
		if err := r.Dispatch(*ev); err != nil {
			return k, err
		}
	}
	return len(batch), nil
}

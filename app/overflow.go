package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"go.uber.org/zap"

	"github.com/warroomhq/warroom/bot"
	"github.com/warroomhq/warroom/store"
)

// overflowBeat is how often a serving replica renews the heartbeat of its
// router's overflow and looks for the overflows of replicas that died; a
// replica is taken for dead three beats after its last.
const overflowBeat = 5 * time.Second

// overflowKeeper keeps a serving replica's router overflow (bot.Overflow,
// in Redis): it names the replica, sends its heartbeat, and adopts what
// replicas that died left in theirs, dispatching it on this router as if
// it had just arrived.
type overflowKeeper struct {
	st    *store.Store
	owner string
	ov    *store.Overflow
	log   *zap.Logger
	stop  context.CancelFunc
	done  chan struct{}
}

// newOverflowKeeper names this replica and sends its first heartbeat
// before its router can push anything, so that no other replica takes its
// overflow for a dead one's.
func newOverflowKeeper(ctx context.Context, st *store.Store, log *zap.Logger) (*overflowKeeper, error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	owner := "router-" + hex.EncodeToString(b)
	ov, err := st.Overflow(owner)
	if err != nil {
		return nil, err
	}
	k := &overflowKeeper{st: st, owner: owner, ov: ov, log: log.Named("overflow"), stop: func() {}}
	k.beat(ctx)
	return k, nil
}

func (k *overflowKeeper) beat(ctx context.Context) {
	if err := k.st.Heartbeat(ctx, k.owner, 3*overflowBeat); err != nil && ctx.Err() == nil {
		k.log.Warn("overflow heartbeat", zap.Error(err))
	}
}

// run sends the heartbeat and adopts dead replicas' overflows on router,
// every overflowBeat until close.
func (k *overflowKeeper) run(router *bot.Router) {
	ctx, stop := context.WithCancel(context.Background())
	k.stop, k.done = stop, make(chan struct{})
	go func() {
		defer close(k.done)
		t := time.NewTicker(overflowBeat)
		defer t.Stop()
		for {
			k.beat(ctx)
			n, err := k.st.AdoptOverflows(ctx, k.owner, 3*overflowBeat, router.Adopt)
			if n > 0 {
				k.log.Info("adopted the overflow of a replica that stopped", zap.Int("events", n))
			}
			if err != nil && ctx.Err() == nil {
				k.log.Warn("adopt overflows", zap.Error(err))
			}
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
		}
	}()
}

// close stops the heartbeat: once it expires, what the router left in its
// overflow (Close gave up draining it) is adopted by another replica.
func (k *overflowKeeper) close() {
	k.stop()
	if k.done != nil {
		<-k.done
	}
}

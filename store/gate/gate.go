// Package gate is the one admission policy for expensive lists, shared by
// every front end (REST, the web view, XML-RPC): a list no index answers
// (store.PatchQuery.Indexed reports false, or the answer is unbounded)
// waits for one of a few slots and runs for a bounded time. A handful of
// such lists at once would otherwise take the database from everyone
// else; cheap lists never pass here.
package gate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// Defaults for the zero Options.
const (
	DefaultSlots   = 2
	DefaultWait    = time.Second
	DefaultTimeout = 5 * time.Second
)

// The gate's refusals. Both wrap store.ErrUnavailable: the request may
// succeed later, and each front end answers it as its "busy" (HTTP 503
// with Retry-After, an XML-RPC fault).
var (
	// ErrBusy: no slot freed within Options.Wait.
	ErrBusy = fmt.Errorf("too many expensive lists are being built right now: %w", store.ErrUnavailable)
	// ErrTooSlow: the list ran past Options.Timeout.
	ErrTooSlow = fmt.Errorf("the list took too long to build: %w", store.ErrUnavailable)
)

// Options configure a gate; zero members take the defaults.
type Options struct {
	// Slots is how many expensive lists run at once.
	Slots int
	// Wait is how long a request queues for a slot before ErrBusy.
	Wait time.Duration
	// Timeout bounds the queries of one expensive list (of each chunk of
	// a streamed one). A negative value is a limit already past (tests).
	Timeout time.Duration
}

// Gate lets a bounded number of expensive lists run at once. It is safe
// for concurrent use; one Gate serves every front end of a process.
type Gate struct {
	slots   chan struct{}
	wait    time.Duration
	timeout time.Duration
}

// New returns a gate.
func New(o Options) *Gate {
	if o.Slots <= 0 {
		o.Slots = DefaultSlots
	}
	if o.Wait <= 0 {
		o.Wait = DefaultWait
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	return &Gate{slots: make(chan struct{}, o.Slots), wait: o.Wait, timeout: o.Timeout}
}

// Hold takes a slot and returns the function that frees it. It waits at
// most Options.Wait (ErrBusy), or until ctx ends.
func (g *Gate) Hold(ctx context.Context) (release func(), err error) {
	select {
	case g.slots <- struct{}{}:
	default:
		t := time.NewTimer(g.wait)
		defer t.Stop()
		select {
		case g.slots <- struct{}{}:
		case <-t.C:
			return nil, ErrBusy
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return func() { <-g.slots }, nil
}

// Bound limits ctx to the gate's timeout: each query of a list that holds
// a slot (a streamed answer bounds each of its chunks, not the transfer).
func (g *Gate) Bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, g.timeout)
}

// Enter is Hold and Bound together, for a list answered by a few queries:
// the returned context carries the time limit, and leave frees the slot
// and turns an error caused by that limit (not by the caller's own
// context) into ErrTooSlow.
func (g *Gate) Enter(ctx context.Context) (bounded context.Context, leave func(error) error, err error) {
	release, err := g.Hold(ctx)
	if err != nil {
		return nil, nil, err
	}
	bctx, cancel := g.Bound(ctx)
	return bctx, func(err error) error {
		defer release()
		defer cancel()
		return TooSlow(ctx, bctx, err)
	}, nil
}

// TooSlow maps err to ErrTooSlow when bounded's deadline (set by Bound on
// outer) cut it, and outer itself is still alive.
func TooSlow(outer, bounded context.Context, err error) error {
	if err != nil && bounded.Err() != nil && outer.Err() == nil && !errors.Is(err, ErrBusy) {
		return ErrTooSlow
	}
	return err
}

// InUse is how many slots are taken now.
func (g *Gate) InUse() int { return len(g.slots) }

package gate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// TestGate: slots are bounded and freed, a full gate answers ErrBusy
// after its wait, an error its own time limit caused becomes ErrTooSlow
// while one the caller's context caused stays as it was.
func TestGate(t *testing.T) {
	ctx := context.Background()
	g := New(Options{Slots: 2, Wait: time.Millisecond, Timeout: time.Hour})
	r1, err := g.Hold(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, leave, err := g.Enter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g.InUse() != 2 {
		t.Fatalf("%d slots in use, want 2", g.InUse())
	}
	if _, err := g.Hold(ctx); !errors.Is(err, ErrBusy) || !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("a full gate: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := g.Hold(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("a full gate, the caller gone: %v", err)
	}
	boom := errors.New("boom")
	if err := leave(boom); err != boom {
		t.Fatalf("leave kept %v, want boom", err)
	}
	r1()
	if g.InUse() != 0 {
		t.Fatalf("%d slots in use after release", g.InUse())
	}

	past := New(Options{Timeout: -1})
	bctx, leave, err := past.Enter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := leave(bctx.Err()); !errors.Is(err, ErrTooSlow) {
		t.Fatalf("cut by the gate's limit: %v", err)
	}
	outer, cancel := context.WithCancel(ctx)
	_, leave, err = past.Enter(outer)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := leave(context.Canceled); !errors.Is(err, context.Canceled) || errors.Is(err, ErrTooSlow) {
		t.Fatalf("cut by the caller: %v", err)
	}
	if g := New(Options{}); cap(g.slots) != DefaultSlots || g.wait != DefaultWait || g.timeout != DefaultTimeout {
		t.Fatalf("defaults: %d %v %v", cap(g.slots), g.wait, g.timeout)
	}
}

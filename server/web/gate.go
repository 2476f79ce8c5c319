package web

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// Anyone can send a list URL whose query no index answers: a sort by name
// reads and sorts every matching row (0.1-0.3 s at a million patches), a
// deep page of it walks past all the rows before it (up to seconds), and
// a word search scans every name. A handful of such requests at once
// would take the database from everyone else. So these queries pass a
// gate: a few at a time, each for a bounded time, and sorted pages only
// up to a bounded depth; cheap lists (by date, indexed filters, the first
// pages) never wait.
const (
	// defaultExpensive is how many expensive list queries run at once.
	defaultExpensive = 2
	// gateWait is how long a request queues for a slot before it is told
	// to come back later.
	gateWait = time.Second
	// gateTimeout bounds one expensive query.
	gateTimeout = 3 * time.Second
	// deepOffset: from this many rows in, even an indexed order is a walk.
	deepOffset = 10_000
	// maxSortedPages is the deepest page a list sorted by anything but
	// the date shows: beyond it the sort is too expensive to repeat.
	maxSortedPages = 100
)

var (
	errBusy    = errors.New("too many expensive lists are being built right now; please try again in a few seconds, or sort by date or filter the list to make it cheaper")
	errTooSlow = errors.New("this list took too long to build; sort it by date or narrow it with a filter")
	errTooDeep = errors.New("a list this long is shown sorted by anything but the date only for its first pages; sort by date to go further, or narrow the list with a filter")
)

// capitalize upper-cases the first letter of an error message shown as a
// sentence.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// gate lets a bounded number of expensive queries run at once.
type gate struct {
	slots    chan struct{}
	wait     time.Duration
	timeout  time.Duration
	maxPages int // maxSortedPages; tests lower it
}

func newGate(n int) *gate {
	if n <= 0 {
		n = defaultExpensive
	}
	return &gate{slots: make(chan struct{}, n), wait: gateWait, timeout: gateTimeout, maxPages: maxSortedPages}
}

// enter waits for a slot and returns a context bounded by the gate's
// timeout and the function that frees the slot; errBusy when no slot
// frees in time.
func (g *gate) enter(ctx context.Context) (context.Context, func(), error) {
	select {
	case g.slots <- struct{}{}:
	default:
		t := time.NewTimer(g.wait)
		defer t.Stop()
		select {
		case g.slots <- struct{}{}:
		case <-t.C:
			return nil, nil, errBusy
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
	qctx, cancel := context.WithTimeout(ctx, g.timeout)
	return qctx, func() { cancel(); <-g.slots }, nil
}

// expensive reports whether no index answers q: an order other than the
// date, a deep page, or a condition on text or computed values.
func expensive(q store.PatchQuery) bool {
	if q.Order != store.OrderDate || q.Offset >= deepOffset {
		return true
	}
	for _, c := range q.Conds {
		switch c.Field {
		case store.FieldProject, store.FieldState, store.FieldActionRequired, store.FieldArchived,
			store.FieldSubmitter, store.FieldDelegate, store.FieldSeries, store.FieldHash,
			store.FieldMsgID, store.FieldID, store.FieldDate:
		default:
			return true
		}
	}
	return false
}

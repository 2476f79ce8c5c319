package rest

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// Anyone can ask patches/ for an order no index answers (name, submitter,
// check...: every matching row read and sorted, 0.1-0.3 s at a million
// patches, seconds on deep pages), a deep page, or a word search. A
// handful of those at once would take the database from everyone else,
// so they pass a gate: a few at a time, each for a bounded time. The spec
// allows every page of every order (§4.1), so unlike the web view there is
// no depth limit; git-pw and pwclient list by date or id, which never
// wait.
const (
	// defaultExpensive is how many expensive list queries run at once.
	defaultExpensive = 2
	// gateWait is how long a request queues for a slot before a 503.
	gateWait = time.Second
	// gateTimeout bounds one expensive request's queries.
	gateTimeout = 5 * time.Second
	// deepOffset: from this many rows in, even an indexed order is a walk.
	deepOffset = 10_000

	msgBusy    = "Too many expensive lists are being built right now; try again in a few seconds, or order by date or id."
	msgTooSlow = "This list took too long to build; order it by date or id, or narrow it with filters."
)

// gate lets a bounded number of expensive queries run at once.
type gate struct {
	slots   chan struct{}
	wait    time.Duration
	timeout time.Duration
}

func newGate(n int) *gate {
	if n <= 0 {
		n = defaultExpensive
	}
	return &gate{slots: make(chan struct{}, n), wait: gateWait, timeout: gateTimeout}
}

// enter takes a slot for the rest of the call: c.ctx gets the gate's time
// limit, and the returned function frees the slot and turns a query cut
// by that limit into a 503. A request that finds no slot in time gets a
// 503 with Retry-After.
func (c *call) enterGate() (leave func(*error), err error) {
	g := c.h.gate
	select {
	case g.slots <- struct{}{}:
	default:
		t := time.NewTimer(g.wait)
		defer t.Stop()
		select {
		case g.slots <- struct{}{}:
		case <-t.C:
			c.w.Header().Set("Retry-After", "5")
			return nil, detail(http.StatusServiceUnavailable, msgBusy)
		case <-c.ctx.Done():
			return nil, c.ctx.Err()
		}
	}
	outer := c.ctx
	gctx, cancel := context.WithTimeout(outer, g.timeout)
	c.ctx = gctx
	return func(errp *error) {
		if *errp != nil && gctx.Err() != nil && outer.Err() == nil {
			c.w.Header().Set("Retry-After", "5")
			*errp = detail(http.StatusServiceUnavailable, msgTooSlow)
		}
		c.ctx = outer
		cancel()
		<-g.slots
	}, nil
}

// expensivePatchList reports whether no index answers q at the requested
// page: an order other than id or date, a deep page, or a condition on
// text or computed values.
func (c *call) expensivePatchList(q store.PatchQuery) bool {
	if q.Order != store.OrderID && q.Order != store.OrderDate {
		return true
	}
	if v := c.q["page"]; len(v) > 0 {
		p := v[len(v)-1]
		if n, err := strconv.Atoi(p); p == "last" || (err == nil && (n-1)*c.perPage() >= deepOffset) {
			return true
		}
	}
	for _, cd := range q.Conds {
		switch cd.Field {
		case store.FieldProject, store.FieldState, store.FieldActionRequired, store.FieldArchived,
			store.FieldSubmitter, store.FieldDelegate, store.FieldSeries, store.FieldHash,
			store.FieldMsgID, store.FieldID, store.FieldDate:
		default:
			return true
		}
	}
	return false
}

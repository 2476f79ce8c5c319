package rest

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/gate"
)

// Anyone can ask patches/ for an order no index answers (name, submitter,
// check...: every matching row read and sorted, 0.1-0.3 s at a million
// patches, seconds on deep pages), a deep page, or a word search. Those
// pass the shared admission gate (store/gate) that the web view and
// XML-RPC use too. The spec allows every page of every order (§4.1), so
// unlike the web view there is no depth limit; git-pw and pwclient list
// by date or id, which never wait.
const (
	msgBusy    = "Too many expensive lists are being built right now; try again in a few seconds, or order by date or id."
	msgTooSlow = "This list took too long to build; order it by date or id, or narrow it with filters."
)

// enterGate takes a slot for the rest of the call: c.ctx gets the gate's
// time limit, and the returned function frees the slot and turns a query
// cut by that limit into a 503. A request that finds no slot in time gets
// a 503 with Retry-After.
func (c *call) enterGate() (leave func(*error), err error) {
	outer := c.ctx
	gctx, gleave, err := c.h.gate.Enter(outer)
	if err != nil {
		if errors.Is(err, gate.ErrBusy) {
			c.w.Header().Set("Retry-After", "5")
			return nil, detail(http.StatusServiceUnavailable, msgBusy)
		}
		return nil, err
	}
	c.ctx = gctx
	return func(errp *error) {
		c.ctx = outer
		if e := gleave(*errp); errors.Is(e, gate.ErrTooSlow) {
			c.w.Header().Set("Retry-After", "5")
			*errp = detail(http.StatusServiceUnavailable, msgTooSlow)
		}
	}, nil
}

// expensivePatchList reports whether no index answers q at the requested
// page (store.PatchQuery.Indexed, with the offset the page parameter
// asks for; the last page is always a walk).
func (c *call) expensivePatchList(q store.PatchQuery) bool {
	if v := c.q["page"]; len(v) > 0 {
		p := v[len(v)-1]
		if p == "last" {
			return true
		}
		if n, err := strconv.Atoi(p); err == nil && n > 1 {
			q.Offset = (n - 1) * c.perPage()
		}
	}
	return !q.Indexed()
}

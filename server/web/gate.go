package web

import (
	"context"
	"errors"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/gate"
)

// Anyone can send a list URL whose query no index answers: a sort by name
// reads and sorts every matching row (0.1-0.3 s at a million patches), a
// deep page of it walks past all the rows before it (up to seconds), and
// a word search scans every name. These pass the admission gate REST and
// XML-RPC share (store/gate), and pages sorted by anything but the date
// stop at a bounded depth; cheap lists (by date, indexed filters, the
// first pages) never wait.

// maxSortedPages is the deepest page a list sorted by anything but the
// date shows: beyond it the sort is too expensive to repeat.
const maxSortedPages = 100

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

// enterGate waits for a slot and returns a context bounded by the gate's
// timeout and the function that frees the slot and turns an error the
// limit caused into errTooSlow; errBusy when no slot frees in time.
func (h *handler) enterGate(ctx context.Context) (context.Context, func(error) error, error) {
	gctx, leave, err := h.gate.Enter(ctx)
	if errors.Is(err, gate.ErrBusy) {
		return nil, nil, errBusy
	}
	if err != nil {
		return nil, nil, err
	}
	return gctx, func(err error) error {
		if e := leave(err); errors.Is(e, gate.ErrTooSlow) {
			return errTooSlow
		}
		return err
	}, nil
}

// expensive reports whether no index answers q (store.PatchQuery.Indexed).
func expensive(q store.PatchQuery) bool { return !q.Indexed() }

package xmlrpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/gate"
)

// patchList is pwclient's list/search: rows ordered by date then id, the
// max_count rule applied after filtering.
//
// Upstream answers patch_list({}) with every patch of the instance, and
// pwclient list relies on it; at a hundred thousand patches that is
// 150 MB. So every answer that may run past one chunk is a patchStream:
// rows are read chunk by chunk and encoded to the response as they come,
// in bounded memory, and such lists (and those the database cannot answer
// from its indexes) pass the admission gate the other front ends share.
func patchList(r *request, args []any) (any, error) {
	var filt Struct
	switch t := args[0].(type) {
	case nil:
	case Struct:
		filt = t
	default:
		return nil, fault("AttributeError", "'%s' object has no attribute 'keys'", pyTypeName(args[0]))
	}
	f, err := r.parsePatchFilter(filt)
	if err != nil {
		return nil, err
	}
	if f.none {
		return []Struct{}, nil
	}
	c := newPatchCursor(r.store(), f)
	if !c.expensive() {
		rows, err := c.all(r.ctx)
		if err != nil {
			return nil, err
		}
		return r.l.patchDicts(r.ctx, rows)
	}
	release, err := r.h.gate.Hold(r.ctx)
	if err != nil {
		if errors.Is(err, gate.ErrBusy) {
			return nil, errBusy
		}
		return nil, err
	}
	st := &patchStream{r: r, c: c, release: release}
	if f.count < 0 {
		// The newest N, oldest first: collected before the answer starts
		// (pwclient's -N asks for a handful).
		err = st.bounded(func(ctx context.Context) error {
			rows, err := c.all(ctx)
			st.first, c.done = rows, true
			return err
		})
	} else {
		err = st.bounded(func(ctx context.Context) (err error) {
			st.first, err = c.next(ctx)
			return err
		})
	}
	if err != nil {
		st.close()
		return nil, err
	}
	return st, nil
}

// errBusy and errTooSlow are the gate's refusals as faults.
var (
	errBusy    = &Fault{"Exception", "Too many expensive lists are being built right now; try again in a few seconds, or narrow the list with max_count or filters."}
	errTooSlow = &Fault{"Exception", "This list took too long to build; narrow it with max_count or filters."}
)

// patchCursor walks the rows of a patch_list filter in keyset pages of
// scanPage rows, ordered by date then id (descending for a negative
// max_count), applying the row tests the store cannot.
type patchCursor struct {
	s    store.Store
	f    *patchFilter
	q    store.PatchQuery
	want int64 // |max_count|; 0: every row
	got  int64
	done bool
}

func newPatchCursor(s store.Store, f *patchFilter) *patchCursor {
	want := f.count
	if want < 0 {
		want = -want
	}
	// pwclient's patch dicts carry neither tag counts nor checks.
	q := store.PatchQuery{Conds: f.conds, Order: store.OrderDate, Desc: f.count < 0, NoTags: true, NoChecks: true}
	return &patchCursor{s: s, f: f, q: q, want: want}
}

// expensive reports whether the list may take more than one indexed
// query of at most scanPage rows: no max_count, a large one, row tests
// the database cannot evaluate, or conditions its indexes do not answer.
func (c *patchCursor) expensive() bool {
	return c.want == 0 || c.want > scanPage || len(c.f.tests) > 0 || !c.q.Indexed()
}

// next returns the matching rows of the next page (possibly none while
// rows remain); nil and c.done when the list is over. With max_count N
// and no row tests each page asks for just the rows still wanted.
func (c *patchCursor) next(ctx context.Context) ([]store.PatchRow, error) {
	if c.done {
		return nil, nil
	}
	q := c.q
	q.Limit = scanPage
	if len(c.f.tests) == 0 && c.want > 0 {
		q.Limit = int(min(c.want-c.got, scanPage))
	}
	page, err := c.s.ListPatches(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list patches: %w", err)
	}
	out := page[:0]
	for i := range page {
		if c.f.match(&page[i]) {
			out = append(out, page[i])
			c.got++
			if c.want > 0 && c.got == c.want {
				break
			}
		}
	}
	if len(page) < q.Limit || (c.want > 0 && c.got >= c.want) {
		c.done = true
	} else {
		cur := store.CursorOf(page[len(page)-1])
		c.q.After = &cur
	}
	return out, nil
}

// all collects the whole list, in ascending order.
func (c *patchCursor) all(ctx context.Context) ([]store.PatchRow, error) {
	var out []store.PatchRow
	for !c.done {
		rows, err := c.next(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	if c.f.count < 0 {
		slices.Reverse(out)
	}
	return out, nil
}

// patchStream is a patch_list answer written as it is read. It holds a
// gate slot until closed; each chunk's query gets the gate's time limit
// (the transfer itself is bounded by the HTTP server's write timeout).
type patchStream struct {
	r       *request
	c       *patchCursor
	first   []store.PatchRow // read before the answer starts, so that its errors are faults
	release func()
}

// bounded runs fn under the gate's time limit, turning its cut into
// errTooSlow.
func (st *patchStream) bounded(fn func(context.Context) error) error {
	ctx, cancel := st.r.h.gate.Bound(st.r.ctx)
	defer cancel()
	if err := gate.TooSlow(st.r.ctx, ctx, fn(ctx)); err != nil {
		if errors.Is(err, gate.ErrTooSlow) {
			return errTooSlow
		}
		return err
	}
	return nil
}

func (st *patchStream) close() {
	if st.release != nil {
		st.release()
		st.release = nil
	}
}

// streamFlush is how much encoded answer is buffered before it goes to
// the client.
const streamFlush = 64 << 10

// writeTo writes the whole methodResponse, byte for byte what
// EncodeResponse writes for the same rows as a []Struct. An error after
// the first bytes leaves the answer cut short (the client sees malformed
// XML, never a partial list that parses).
func (st *patchStream) writeTo(w io.Writer) error {
	var buf bytes.Buffer
	buf.WriteString(responseHead)
	buf.WriteString("<value><array><data>\n")
	rows := st.first
	st.first = nil
	for {
		for i := range rows {
			d, err := st.r.l.patchDict(st.r.ctx, &rows[i])
			if err != nil {
				return err
			}
			if err := encodeValue(&buf, d, 1); err != nil {
				return err
			}
			if buf.Len() >= streamFlush {
				if _, err := w.Write(buf.Bytes()); err != nil {
					return err
				}
				buf.Reset()
			}
		}
		if st.c.done {
			break
		}
		if err := st.bounded(func(ctx context.Context) (err error) {
			rows, err = st.c.next(ctx)
			return err
		}); err != nil {
			return err
		}
	}
	buf.WriteString("</data></array></value>\n")
	buf.WriteString(responseTail)
	_, err := w.Write(buf.Bytes())
	return err
}

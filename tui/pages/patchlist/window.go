package patchlist

import (
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
)

// The list holds a window of rows around the cursor, fetched with keyset
// pages (OrderDate, newest first): never the whole project. The window is
// at most the visible rows plus a margin on each side.

// loadKind says where a page of rows goes.
type loadKind int

const (
	loadFirst  loadKind = iota // the start of the list
	loadLast                   // the end (G)
	loadAfter                  // append after the window
	loadBefore                 // prepend before the window
	loadAround                 // reload around the cursor's patch
)

// rowsMsg is a loaded page (the value of a common.Loaded: the newest
// load's answer only).
type rowsMsg struct {
	kind   loadKind
	rows   []store.PatchRow
	before []store.PatchRow // loadAround: the rows above the anchor
	anchor int64            // loadAround: the patch to keep the cursor on
	above  int              // loadAround: the rows above the anchor in the whole list
	newer  int              // loadAround: how many of those are new (ids above since)
	maxID  int64            // loadFirst, loadLast: the newest id the query lists
	limit  int
	err    error
}

// margin is how many rows beyond the visible ones we keep on each side.
func (l *List) margin() int { return max(l.visible(), 10) }

func (l *List) pq(extra func(*store.PatchQuery)) store.PatchQuery {
	q := store.PatchQuery{
		Conds: append(slices.Clip(l.base), l.conds...),
		Order: store.OrderDate,
		Desc:  true,
	}
	extra(&q)
	return q
}

// load starts fetching a page; only the newest load's answer is applied.
func (l *List) load(kind loadKind) tea.Cmd {
	l.loading, l.loadKind = true, kind
	c, since := l.c, l.since
	limit := l.visible() + l.margin()
	var q, qBefore store.PatchQuery
	var anchorID int64
	switch kind {
	case loadFirst:
		q = l.pq(func(q *store.PatchQuery) { q.Limit = limit })
	case loadLast:
		// The oldest rows, fetched ascending and reversed below.
		q = l.pq(func(q *store.PatchQuery) { q.Desc = false; q.Limit = limit })
	case loadAfter:
		cur := store.CursorOf(l.rows[len(l.rows)-1])
		limit = l.margin()
		q = l.pq(func(q *store.PatchQuery) { q.After = &cur; q.Limit = limit })
	case loadBefore:
		cur := store.CursorOf(l.rows[0])
		limit = l.margin()
		q = l.pq(func(q *store.PatchQuery) { q.Before = &cur; q.Limit = limit })
	case loadAround:
		if len(l.rows) == 0 {
			return l.load(loadFirst)
		}
		// Rows from the anchor on: "after" a cursor one id above it, so
		// the anchor itself is included (ties break by id); and the rows
		// above it.
		r := l.rows[l.cursor]
		anchorID = r.ID
		l.aroundFrom = l.cursor
		from := store.Cursor{Date: r.Date, ID: r.ID + 1}
		at := store.CursorOf(r)
		q = l.pq(func(q *store.PatchQuery) { q.After = &from; q.Limit = limit })
		qBefore = l.pq(func(q *store.PatchQuery) { q.Before = &at; q.Limit = l.margin() })
	}
	return l.rowsLoad.Start(func() (rowsMsg, error) {
		msg := rowsMsg{kind: kind, limit: limit}
		if kind == loadAround {
			msg.anchor = anchorID
			msg.rows, msg.err = c.Store.ListPatches(c.Ctx, q)
			if msg.err == nil {
				msg.before, msg.err = c.Store.ListPatches(c.Ctx, qBefore)
			}
			if msg.err == nil && len(msg.before) == qBefore.Limit {
				// Not at the start: where the window is, counted, and
				// the new mail above it.
				msg.above, msg.err = c.Store.CountPatches(c.Ctx, qBefore)
				if msg.err == nil && since != 0 {
					qNew := qBefore
					qNew.Conds = append(slices.Clip(qNew.Conds), store.Cond{Field: store.FieldID, Op: store.OpGt, Ints: []int64{since}})
					msg.newer, msg.err = c.Store.CountPatches(c.Ctx, qNew)
				}
			}
			return msg, msg.err
		}
		msg.rows, msg.err = c.Store.ListPatches(c.Ctx, q)
		if kind == loadLast {
			slices.Reverse(msg.rows)
		}
		if msg.err == nil && (kind == loadFirst || kind == loadLast) {
			// The newest id listed: rows above it are new mail.
			var top []store.PatchRow
			top, msg.err = c.Store.ListPatches(c.Ctx, store.PatchQuery{Conds: q.Conds, Order: store.OrderID, Desc: true, Limit: 1,
				NoTags: true, NoChecks: true, Lean: true})
			if len(top) > 0 {
				msg.maxID = top[0].ID
			}
		}
		return msg, msg.err
	})
}

// apply puts a loaded page into the window.
func (l *List) apply(m rowsMsg) {
	l.loading = false
	// Rows already shown may have changed in the store (a reload follows
	// every change): drawnRows draws those again, and forgets the rows
	// the window no longer holds.
	defer func() {
		if l.lines != nil {
			l.lines.loaded(l.rows)
		}
	}()
	keep := l.visible() + 2*l.margin()
	switch m.kind {
	case loadFirst:
		l.since, l.outside = m.maxID, 0
		l.rows, l.cursor, l.offset = m.rows, 0, 0
		l.atStart, l.atEnd = true, len(m.rows) < m.limit
		l.first, l.firstKnown = 0, true
	case loadLast:
		l.since, l.outside = m.maxID, 0
		l.rows = m.rows
		l.cursor = max(len(m.rows)-1, 0)
		l.offset = max(len(m.rows)-l.visible(), 0)
		l.atStart, l.atEnd = len(m.rows) < m.limit, true
		// Known once the total is (totalLoaded), which this load recounts.
		l.firstKnown = l.atStart
		l.first = 0
	case loadAfter:
		l.rows = append(l.rows, m.rows...)
		l.atEnd = len(m.rows) < m.limit
		if drop := len(l.rows) - keep; drop > 0 {
			l.rows = l.rows[drop:]
			l.cursor -= drop
			l.offset = max(l.offset-drop, 0)
			l.atStart = false
			l.first += drop
		}
	case loadBefore:
		n := len(m.rows)
		l.rows = append(slices.Clone(m.rows), l.rows...)
		l.cursor += n
		l.offset += n
		l.atStart = n < m.limit
		l.first -= n
		if l.atStart || l.first < 0 {
			// Rows came or went above the window meanwhile: at the
			// start the position is known again, else not.
			l.first, l.firstKnown = 0, l.atStart
		}
		if len(l.rows) > keep {
			l.rows = l.rows[:keep]
			l.atEnd = false
		}
	case loadAround:
		// Keys pressed while the reload was in flight moved the cursor
		// from where it started (and maybe past the loaded rows):
		// apply the same moves from the anchor.
		moved := l.cursor - l.aroundFrom + l.pending
		l.pending = 0
		// Keep the cursor at the same screen line, unless the screen
		// showed the top of the list: then it still does, with the new
		// rows on it, as long as the cursor stays on screen.
		screen := l.cursor - l.offset
		top := l.atStart && l.offset == 0
		l.rows = append(slices.Clone(m.before), m.rows...)
		l.atStart = len(m.before) < l.margin()
		l.atEnd = len(m.rows) < m.limit
		l.first, l.firstKnown = 0, true
		if !l.atStart {
			l.first = m.above - len(m.before)
		}
		l.cursor = len(m.before)
		for i, r := range l.rows {
			if r.ID == m.anchor {
				l.cursor = i
				break
			}
		}
		// Past the loaded rows, settlePending keeps the rest for later.
		l.cursor += moved
		l.offset = max(min(l.cursor, len(l.rows)-1)-screen, 0)
		if top && l.cursor < l.visible() {
			l.offset = 0
		}
		l.outside = 0
		if !l.atStart && l.since != 0 {
			in := 0
			for _, r := range m.before {
				if r.ID > l.since {
					in++
				}
			}
			l.outside = max(m.newer-in, 0)
		}
		l.settlePending()
		return
	}
	l.clamp()
}

// clamp keeps the cursor inside the window and on screen.
func (l *List) clamp() {
	l.cursor = max(min(l.cursor, len(l.rows)-1), 0)
	vis := l.visible()
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+vis {
		l.offset = l.cursor - vis + 1
	}
	l.offset = max(min(l.offset, len(l.rows)-vis), 0)
}

// edge loads more rows when the cursor nears an end of the window.
func (l *List) edge() tea.Cmd {
	if l.loading || len(l.rows) == 0 {
		return nil
	}
	near := l.visible() / 2
	switch {
	case !l.atEnd && l.cursor >= len(l.rows)-1-near:
		return l.load(loadAfter)
	case !l.atStart && l.cursor <= near:
		return l.load(loadBefore)
	}
	return nil
}

// New mail while watching: rows with ids above since arrived after the
// list first loaded. The info line counts those above the screen ("3 new
// ↑"): the ones in the window by their ids, the ones above it by the
// count each reload makes (outside).

// newAbove counts the new rows above the screen.
func (l *List) newAbove() int {
	if l.since == 0 {
		return 0
	}
	n := l.outside
	for _, r := range l.rows[:min(l.offset, len(l.rows))] {
		if r.ID > l.since {
			n++
		}
	}
	return n
}

// seen forgets the new rows once none is above the screen.
func (l *List) seen() {
	if l.since == 0 || l.newAbove() > 0 {
		return
	}
	for _, r := range l.rows {
		l.since = max(l.since, r.ID)
	}
}

package serieslist

import (
	"fmt"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui/common"
)

// The store pages series by offset only, so the list holds one window of
// rows fetched either from the newest end (asc false) or from the oldest
// end (asc true, after G) and shown newest first either way. When the
// cursor nears an edge, the window is refetched around it.

// window is the loaded part of the list.
type window struct {
	asc     bool // fetched oldest first (then reversed)
	off     int  // offset of the first fetched row in fetch order
	rows    []row
	cursor  int // index into rows
	top     int // first row on screen
	atStart bool
	atEnd   bool
	loaded  bool
	loading bool
	load    common.Load[windowMsg]
	// from is the cursor when the newest load started: moves made while
	// it is in flight are applied again on its rows.
	from int
}

// row is a series with what its row shows.
type row struct {
	s         store.Series
	submitter store.Person
	progress  string // "3/4 Accepted": the state most of its patches are in
}

type windowMsg struct {
	asc    bool
	off    int
	limit  int
	rows   []row
	anchor int64 // keep the cursor on this series; -1: on the last row
}

func (p *Page) visible() int { return max(p.c.Height-2, 1) }

// limit is the window size: three screens.
func (p *Page) limit() int { return 3 * p.visible() }

// Current is the series under the cursor.
func (p *Page) Current() (store.Series, bool) { return p.current() }

func (p *Page) current() (store.Series, bool) {
	w := &p.win
	if w.cursor < 0 || w.cursor >= len(w.rows) {
		return store.Series{}, false
	}
	return w.rows[w.cursor].s, true
}

func (p *Page) currentID() int64 {
	s, _ := p.current()
	return s.ID
}

// load fetches a window; anchor is the series to keep the cursor on.
func (p *Page) load(asc bool, off int, anchor int64) tea.Cmd {
	p.win.loading = true
	p.win.from = p.win.cursor
	c, limit := p.c, p.limit()
	q := p.sq
	q.ProjectID, q.Order, q.Limit, q.Offset = p.project.ID, "-date", limit, off
	if asc {
		q.Order = "date"
	}
	return p.win.load.Start(func() (windowMsg, error) {
		m := windowMsg{asc: asc, off: off, limit: limit, anchor: anchor}
		ss, err := c.Store.ListSeries(c.Ctx, q)
		if err != nil {
			return m, fmt.Errorf("list series: %w", err)
		}
		if asc {
			slices.Reverse(ss)
		}
		ids := make([]int64, len(ss))
		for i, s := range ss {
			ids[i] = s.SubmitterID
		}
		people, err := c.Store.GetPeople(c.Ctx, ids)
		if err != nil {
			return m, fmt.Errorf("submitters: %w", err)
		}
		progress, err := progressOf(c, ss)
		if err != nil {
			return m, err
		}
		m.rows = make([]row, len(ss))
		for i, s := range ss {
			m.rows[i] = row{s: s, submitter: people[s.SubmitterID], progress: progress[s.ID]}
		}
		return m, nil
	})
}

func (p *Page) apply(lm common.Loaded[windowMsg]) tea.Cmd {
	w := &p.win
	if !w.load.Take(lm) {
		return nil
	}
	w.loading = false
	if lm.Err != nil {
		return common.Error(lm.Err)
	}
	m := lm.Value
	screen := w.cursor - w.top
	w.asc, w.off, w.rows, w.loaded = m.asc, m.off, m.rows, true
	full := len(m.rows) == m.limit
	if m.asc {
		w.atEnd, w.atStart = m.off == 0, !full
	} else {
		w.atStart, w.atEnd = m.off == 0, !full
	}
	switch m.anchor {
	case 0:
		w.cursor, screen = 0, 0
	case -1:
		w.cursor, screen = len(w.rows)-1, p.visible()-1
	default:
		moved := w.cursor - w.from
		w.cursor = min(w.cursor, len(w.rows)-1)
		for i, r := range w.rows {
			if r.s.ID == m.anchor {
				w.cursor = i + moved
				break
			}
		}
	}
	w.top = w.cursor - screen
	p.clamp()
	return nil
}

// move moves the cursor by n rows and refetches near an edge.
func (p *Page) move(n int) tea.Cmd {
	w := &p.win
	w.cursor += n
	p.clamp()
	if w.loading || len(w.rows) == 0 {
		return nil
	}
	near := p.visible() / 2
	down := !w.atEnd && w.cursor >= len(w.rows)-1-near
	up := !w.atStart && w.cursor <= near
	if !down && !up {
		return nil
	}
	// Refetch so that the cursor sits one screen below the window's top.
	vis := p.visible()
	if w.asc {
		a := w.off + len(w.rows) - 1 - w.cursor // the cursor's index in fetch order
		return p.load(true, max(a+vis-p.limit()+1, 0), p.currentID())
	}
	return p.load(false, max(w.off+w.cursor-vis, 0), p.currentID())
}

func (p *Page) clamp() {
	w := &p.win
	vis := p.visible()
	w.cursor = max(min(w.cursor, len(w.rows)-1), 0)
	if w.cursor < w.top {
		w.top = w.cursor
	}
	if w.cursor >= w.top+vis {
		w.top = w.cursor - vis + 1
	}
	w.top = max(min(w.top, len(w.rows)-vis), 0)
}

// progressOf reads the states of the series' patches (one query for the
// window) and says, per series, how many of its patches are in the state
// most of them are in: "3/4 Accepted".
func progressOf(c *common.Common, ss []store.Series) (map[int64]string, error) {
	if len(ss) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	rows, err := c.Store.ListPatches(c.Ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldSeries, Ints: ids}},
		Order: store.OrderID, NoTags: true, NoChecks: true, Lean: true})
	if err != nil {
		return nil, fmt.Errorf("patches of the series: %w", err)
	}
	states, err := c.Store.ListStates(c.Ctx)
	if err != nil {
		return nil, fmt.Errorf("states: %w", err)
	}
	counts := map[int64]map[int64]int{} // series → state → patches
	total := map[int64]int{}
	for _, r := range rows {
		if counts[r.SeriesID] == nil {
			counts[r.SeriesID] = map[int64]int{}
		}
		counts[r.SeriesID][r.StateID]++
		total[r.SeriesID]++
	}
	out := map[int64]string{}
	for id, byState := range counts {
		var best store.State
		n := 0
		for _, st := range states { // in the states' order: ties go to the first
			if byState[st.ID] > n {
				best, n = st, byState[st.ID]
			}
		}
		out[id] = fmt.Sprintf("%d/%d %s", n, total[id], best.Name)
	}
	return out, nil
}

// Package patchlist is the patch list page: a project's patches (or a
// to-do list, or a bundle), filtered with the query language, loaded in
// keyset windows around the cursor, with marks and actions.
package patchlist

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
	"github.com/patchwork-go/patchwork/tui/pages/actions"
)

// Options configure a list.
type Options struct {
	Title   string
	Project *store.Project // nil: patches of every project (to-do, bundles)
	Base    []store.Cond   // fixed conditions (project, delegate, bundle ids)
	Query   string         // the initial, editable query
}

// List is the patch list page.
type List struct {
	c       *common.Common
	opts    Options
	base    []store.Cond
	query   string // the applied query text
	conds   []store.Cond
	rows    []store.PatchRow
	cursor  int // index into rows
	pending int // rows a move still has to go once the next page loads
	// aroundFrom is the cursor when a reload around it started: moves
	// made while it is in flight are applied again on its rows.
	aroundFrom int
	offset     int // first row on screen
	atStart    bool
	atEnd      bool
	loading    bool
	loadKind   loadKind // of the load in flight
	loaded     bool
	rowsLoad   common.Load[rowsMsg]
	resolving  bool // a query typed at the prompt is being resolved
	// first is the position of rows[0] in the whole list (total.go).
	first      int
	firstKnown bool
	total      int
	totalKnown bool
	totalLoad  common.Load[totalMsg]
	since      int64 // rows with higher ids are new mail (window.go)
	outside    int   // new rows above the window
	marks      map[int64]bool
	states     []store.State
	tags       []store.Tag // tags shown as columns
	search     searchState
	actions    *actions.Actions
	lines      *drawnRows // nil: draw every row again
	info       struct {   // the last info line drawn, and what it showed
		key  infoKey
		line string
	}
}

// New builds a list; Init starts loading.
func New(c *common.Common, opts Options) *List {
	l := &List{c: c, opts: opts, base: opts.Base, marks: map[int64]bool{}, actions: actions.New(c)}
	l.search.input = components.Input{Prompt: "/", Cursor: c.Styles.DialogCursor}
	l.search.input.SetValue(opts.Query)
	l.query = opts.Query
	return l
}

// metaMsg carries the states and tags the columns need.
type metaMsg struct {
	states []store.State
	tags   []store.Tag
	conds  []store.Cond
	err    error
}

// Init loads states, tags and resolves the initial query, then the rows.
func (l *List) Init() tea.Cmd {
	c, text := l.c, l.query
	return func() tea.Msg {
		m := metaMsg{}
		if m.states, m.err = c.Store.ListStates(c.Ctx); m.err != nil {
			return m
		}
		tags, err := c.Store.ListTags(c.Ctx)
		if err != nil {
			m.err = err
			return m
		}
		for _, t := range tags {
			if t.ShowColumn {
				m.tags = append(m.tags, t)
			}
		}
		m.conds, m.err = resolve(c, text)
		return m
	}
}

// Title implements common.Page.
func (l *List) Title() string { return l.opts.Title }

// Capturing implements common.Page.
func (l *List) Capturing() bool { return l.search.active || l.actions.Active() }

// Reload implements common.Page: reload around the cursor's patch.
func (l *List) Reload() tea.Cmd {
	if !l.loaded {
		return nil
	}
	return l.load(loadAround)
}

// ShortHelp implements common.Page.
func (l *List) ShortHelp() []key.Binding {
	k := l.c.Keys
	return []key.Binding{k.Open, k.Search, k.Mark, k.State, k.Delegate, k.Archive, k.CommitRef, k.Bundle, k.MarkSeries, k.SeriesMode}
}

// visible is the number of rows on screen: the body minus the info line
// and the column header.
func (l *List) visible() int { return max(l.c.Height-2, 1) }

// Update implements common.Page.
func (l *List) Update(msg tea.Msg) tea.Cmd {
	if handled, cmd := l.actions.Update(msg); handled {
		return cmd
	}
	switch msg := msg.(type) {
	case metaMsg:
		if msg.err != nil {
			l.search.err = msg.err.Error()
			l.query, l.conds = "", nil
		} else {
			l.conds = msg.conds
		}
		l.states, l.tags = msg.states, msg.tags
		l.lines = nil
		return l.load(loadFirst)
	case common.Loaded[rowsMsg]:
		if !l.rowsLoad.Take(msg) {
			return nil
		}
		if msg.Err != nil {
			l.loading = false
			return common.Error(fmt.Errorf("list patches: %w", msg.Err))
		}
		return l.rowsLoaded(msg.Value)
	case common.Loaded[totalMsg]:
		return l.totalLoaded(msg)
	case searchMsg:
		return l.applySearch(msg)
	case markMsg:
		for _, id := range msg.ids {
			l.marks[id] = true
		}
		return common.Status(fmt.Sprintf("%d patches of the series marked", len(msg.ids)))
	case actions.DoneMsg:
		if msg.OK > 0 {
			clear(l.marks)
		}
		return actions.Result(msg)
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelDown:
			l.cursor += 3
		case tea.MouseWheelUp:
			l.cursor -= 3
		}
		return l.settle()
	case tea.KeyPressMsg:
		if l.search.active {
			return l.searchKey(msg)
		}
		return l.key(msg)
	}
	return nil
}

func (l *List) key(msg tea.KeyPressMsg) tea.Cmd {
	k := l.c.Keys
	switch {
	case key.Matches(msg, k.Down):
		l.cursor++
	case key.Matches(msg, k.Up):
		l.cursor--
	case key.Matches(msg, k.HalfDown):
		l.cursor += l.visible() / 2
	case key.Matches(msg, k.HalfUp):
		l.cursor -= l.visible() / 2
	case key.Matches(msg, k.PageDown):
		l.cursor += l.visible()
	case key.Matches(msg, k.PageUp):
		l.cursor -= l.visible()
	case key.Matches(msg, k.Top):
		if l.atStart {
			l.cursor = 0
			break
		}
		return l.load(loadFirst)
	case key.Matches(msg, k.Bottom):
		if l.atEnd {
			l.cursor = len(l.rows) - 1
			break
		}
		return l.load(loadLast)
	case key.Matches(msg, k.NextMatch):
		l.jumpAction(1)
	case key.Matches(msg, k.PrevMatch):
		l.jumpAction(-1)
	case key.Matches(msg, k.Search):
		l.search.active = true
		l.search.input.SetValue(l.query)
		return nil
	case key.Matches(msg, k.Open):
		if r, ok := l.current(); ok {
			return l.c.Go(common.OpenPatchMsg{ID: r.ID})
		}
	case key.Matches(msg, k.Mark):
		if r, ok := l.current(); ok {
			l.toggle(r.ID)
			l.cursor++
		}
	case key.Matches(msg, k.MarkSeries):
		return l.markSeries()
	case key.Matches(msg, k.ClearMarks):
		clear(l.marks)
	case key.Matches(msg, k.SeriesMode):
		if l.opts.Project != nil {
			return l.c.Go(common.SwapMsg{Open: common.OpenSeriesListMsg{Project: *l.opts.Project}})
		}
		return common.Status("series mode needs a project")
	case key.Matches(msg, k.State):
		return l.act(actions.SetState)
	case key.Matches(msg, k.Delegate):
		return l.act(actions.SetDelegate)
	case key.Matches(msg, k.Archive):
		return l.act(actions.ToggleArchive)
	case key.Matches(msg, k.CommitRef):
		return l.act(actions.SetCommitRef)
	case key.Matches(msg, k.Bundle):
		return l.act(actions.AddToBundle)
	default:
		cmd, _ := l.stateKey(msg)
		return cmd
	}
	return l.settle()
}

// rowsLoaded applies the answer of the newest load.
func (l *List) rowsLoaded(msg rowsMsg) tea.Cmd {
	l.apply(msg)
	l.loaded = true
	var count tea.Cmd
	if msg.kind == loadFirst || msg.kind == loadLast || msg.kind == loadAround {
		// A new query, or the store changed: count again.
		count = l.countTotal()
	}
	return tea.Batch(count, l.afterRows(msg))
}

// afterRows finishes the moves that waited for msg's rows.
func (l *List) afterRows(msg rowsMsg) tea.Cmd {
	if p := l.pending; (p > 0 && msg.kind == loadAfter) || (p < 0 && msg.kind == loadBefore) {
		l.cursor += p
		return l.settle()
	}
	if msg.kind != loadAround {
		// A reload keeps the moves it could not make yet; edge
		// loads the rows they need.
		l.pending = 0
	}
	return l.edge()
}

// settle keeps the cursor in the window; a move past the loaded rows is
// remembered and finished when the next page arrives, so a page-down
// always moves a full page.
func (l *List) settle() tea.Cmd {
	l.settlePending()
	l.seen()
	return l.edge()
}

// settlePending keeps what a move could not go yet (the rows are not
// loaded) in pending and puts the cursor inside the window.
func (l *List) settlePending() {
	switch {
	case l.cursor >= len(l.rows) && !l.atEnd:
		l.pending = l.cursor - max(len(l.rows)-1, 0)
	case l.cursor < 0 && !l.atStart:
		l.pending = l.cursor
	default:
		l.pending = 0
	}
	l.clamp()
}

// Current is the row under the cursor.
func (l *List) Current() (store.PatchRow, bool) { return l.current() }

func (l *List) current() (store.PatchRow, bool) {
	if l.cursor < 0 || l.cursor >= len(l.rows) {
		return store.PatchRow{}, false
	}
	return l.rows[l.cursor], true
}

func (l *List) toggle(id int64) {
	if l.marks[id] {
		delete(l.marks, id)
	} else {
		l.marks[id] = true
	}
}

// jumpAction moves to the next (or previous) loaded patch whose state needs
// action: the triage "next unreviewed".
func (l *List) jumpAction(dir int) {
	for i := l.cursor + dir; i >= 0 && i < len(l.rows); i += dir {
		if st, ok := store.StateByID(l.states, l.rows[i].StateID); ok && st.ActionRequired {
			l.cursor = i
			return
		}
	}
}

// markSeries marks every patch of the cursor's series (fetched from the
// store: the series may reach beyond the window).
func (l *List) markSeries() tea.Cmd {
	r, ok := l.current()
	if !ok {
		return nil
	}
	if r.SeriesID == 0 {
		l.marks[r.ID] = true
		return nil
	}
	c := l.c
	return func() tea.Msg {
		rows, err := c.Store.SeriesPatches(c.Ctx, r.SeriesID)
		if err != nil {
			return common.ErrorMsg{Err: fmt.Errorf("series %d: %w", r.SeriesID, err)}
		}
		ids := make([]int64, len(rows))
		for i, p := range rows {
			ids[i] = p.ID
		}
		return markMsg{ids: ids}
	}
}

type markMsg struct{ ids []int64 }

// act starts an action on the marked patches, or on the cursor's patch.
func (l *List) act(kind actions.Kind) tea.Cmd {
	t, ok := l.target()
	if !ok {
		return nil
	}
	return l.actions.Start(kind, t)
}

// stateKey runs a one-key state; ok is false for other keys.
func (l *List) stateKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	for _, sk := range l.c.Keys.States {
		if key.Matches(msg, sk.Binding) {
			t, ok := l.target()
			if !ok {
				return nil, true
			}
			return l.actions.SetStateTo(t, sk.Slug), true
		}
	}
	return nil, false
}

// target is what an action applies to: the marked patches, or the
// cursor's patch.
func (l *List) target() (actions.Target, bool) {
	r, ok := l.current()
	if !ok {
		return actions.Target{}, false
	}
	t := actions.Target{IDs: []int64{r.ID}, ProjectID: r.ProjectID, StateID: r.StateID,
		Delegate: r.DelegateID, Archived: r.Archived, CommitRef: r.CommitRef}
	if len(l.marks) > 0 {
		t.IDs = t.IDs[:0]
		for id := range l.marks {
			t.IDs = append(t.IDs, id)
		}
		sortIDs(t.IDs)
		if l.opts.Project != nil {
			t.ProjectID = l.opts.Project.ID
		}
	}
	return t, true
}

// Busy implements common.Busy: keys wait for the list's first rows, for
// a query being resolved, for rows that replace the window (g, G, a new
// query) and for the rows a move still has to go.
func (l *List) Busy() bool {
	return !l.loaded || l.resolving ||
		(l.loading && (l.loadKind == loadFirst || l.loadKind == loadLast || l.pending != 0))
}

// Settled implements common.Followed: its rows are patch rows, and every
// change to a patch, its checks or its comments makes an event.
func (l *List) Settled() bool { return l.loaded && !l.loading }

// ProjectID implements common.ProjectScoped: 0 for lists across projects
// (to-do, bundles).
func (l *List) ProjectID() int64 {
	if l.opts.Project == nil {
		return 0
	}
	return l.opts.Project.ID
}

// Package patchlist is the patch list page: a project's patches (or a
// to-do list, or a bundle), filtered with the query language, loaded in
// keyset windows around the cursor, with marks and actions.
package patchlist

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

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
		return l.marked(msg)
	case targetMsg:
		return l.targeted(msg)
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

// markSeries marks the patches of the cursor's series that the list
// shows (fetched from the store: the series may reach beyond the window),
// and says which ones it does not.
func (l *List) markSeries() tea.Cmd {
	r, ok := l.current()
	if !ok {
		return nil
	}
	if r.SeriesID == 0 {
		l.marks[r.ID] = true
		return common.Status(fmt.Sprintf("#%d has no series: marked alone", r.ID))
	}
	c, conds := l.c, l.listConds()
	return func() tea.Msg {
		rows, err := c.Store.SeriesPatches(c.Ctx, r.SeriesID)
		if err != nil {
			return common.ErrorMsg{Err: fmt.Errorf("series %d: %w", r.SeriesID, err)}
		}
		ids := make([]int64, len(rows))
		for i, p := range rows {
			ids[i] = p.ID
		}
		in, out, err := inList(c, conds, ids)
		if err != nil {
			return common.ErrorMsg{Err: fmt.Errorf("series %d in this list: %w", r.SeriesID, err)}
		}
		m := markMsg{series: r.SeriesID, total: len(ids), outside: out}
		for _, p := range in {
			m.ids = append(m.ids, p.ID)
		}
		return m
	}
}

type markMsg struct {
	series  int64
	ids     []int64 // the series' patches the list shows
	outside []int64 // and those it does not
	total   int
}

// marked applies a series' marks and says what they are.
func (l *List) marked(m markMsg) tea.Cmd {
	for _, id := range m.ids {
		l.marks[id] = true
	}
	if len(m.outside) == 0 {
		return common.Status(fmt.Sprintf("%d patches of series #%d marked", len(m.ids), m.series))
	}
	return common.Status(fmt.Sprintf("%d of %d patches of series #%d marked; not in this list, so not marked: %s",
		len(m.ids), m.total, m.series, ids(m.outside)))
}

// act starts an action on the marked patches, or on the cursor's patch.
func (l *List) act(kind actions.Kind) tea.Cmd {
	return l.withTarget(func(t actions.Target) tea.Cmd { return l.actions.Start(kind, t) })
}

// stateKey runs a one-key state; ok is false for other keys.
func (l *List) stateKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	for _, sk := range l.c.Keys.States {
		if key.Matches(msg, sk.Binding) {
			slug := sk.Slug
			return l.withTarget(func(t actions.Target) tea.Cmd { return l.actions.SetStateTo(t, slug) }), true
		}
	}
	return nil, false
}

// withTarget runs an action on its target: the marked patches that the
// list shows (read again from the store: a mark may be far from the
// window, and a patch may have left the list since it was marked), or
// without marks the cursor's patch. Marks of patches the list no longer
// shows are dropped and named, never acted on.
func (l *List) withTarget(run func(actions.Target) tea.Cmd) tea.Cmd {
	if len(l.marks) == 0 {
		r, ok := l.current()
		if !ok {
			return nil
		}
		return run(actions.TargetOf([]store.PatchRow{r}))
	}
	marked := make([]int64, 0, len(l.marks))
	for id := range l.marks {
		marked = append(marked, id)
	}
	sortIDs(marked)
	c, conds := l.c, l.listConds()
	return func() tea.Msg {
		in, out, err := inList(c, conds, marked)
		if err != nil {
			return common.ErrorMsg{Err: fmt.Errorf("marked patches in this list: %w", err)}
		}
		return targetMsg{run: run, rows: in, outside: out}
	}
}

// targetMsg carries the marked patches an action applies to.
type targetMsg struct {
	run     func(actions.Target) tea.Cmd
	rows    []store.PatchRow
	outside []int64
}

func (l *List) targeted(m targetMsg) tea.Cmd {
	for _, id := range m.outside {
		delete(l.marks, id)
	}
	if len(m.rows) == 0 {
		return common.Error(fmt.Errorf("the marked patches are not in this list (%s): marks dropped, nothing changed", ids(m.outside)))
	}
	t := actions.TargetOf(m.rows)
	t.Left = m.outside
	if l.opts.Project != nil {
		t.ProjectID = l.opts.Project.ID
	}
	return m.run(t)
}

// listConds are the conditions of the list as shown now.
func (l *List) listConds() []store.Cond {
	return append(slices.Clip(l.base), l.conds...)
}

// inList splits ids into the rows the list of conds holds (in id order)
// and the ids it does not.
func inList(c *common.Common, conds []store.Cond, ids []int64) ([]store.PatchRow, []int64, error) {
	q := store.PatchQuery{Conds: append(slices.Clip(conds), store.Cond{Field: store.FieldID, Ints: ids}), Order: store.OrderDate, Limit: len(ids)}
	rows, err := c.Store.ListPatches(c.Ctx, q)
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(rows, func(a, b store.PatchRow) int { return cmp.Compare(a.ID, b.ID) })
	in := make(map[int64]bool, len(rows))
	for _, r := range rows {
		in[r.ID] = true
	}
	var out []int64
	for _, id := range ids {
		if !in[id] {
			out = append(out, id)
		}
	}
	return rows, out, nil
}

// ids lists patch ids: "#1999 #2000".
func ids(list []int64) string {
	parts := make([]string, len(list))
	for i, id := range list {
		parts[i] = fmt.Sprintf("#%d", id)
	}
	if len(parts) > 8 {
		parts = append(parts[:8], fmt.Sprintf("… (%d more)", len(list)-8))
	}
	return strings.Join(parts, " ")
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

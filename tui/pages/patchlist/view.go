package patchlist

import (
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
)

// col names a column of the list.
type col int

const (
	colMark col = iota
	colID
	colName
	colSeries
	colSubmitter
	colDate
	colDelegate
	colState
	colTags
	colChecks
)

// layout is the list's columns for a width and what the window holds:
// upstream's columns, less those with nothing to show (no delegate, no
// tag, no check in the window) and, on narrow terminals, the series and
// date: the patch's name takes the room that is left.
type layout struct {
	width                     int
	idWidth                   int
	delegates, tagged, checks bool
}

func (l *List) layout(w int) layout {
	lo := layout{width: w, idWidth: 2}
	for _, r := range l.rows {
		lo.idWidth = max(lo.idWidth, len(strconv.FormatInt(r.ID, 10)))
		lo.delegates = lo.delegates || r.DelegateID != 0
		lo.checks = lo.checks || r.Checks.Total() > 0
		for _, n := range r.Tags {
			lo.tagged = lo.tagged || n != 0
		}
	}
	return lo
}

func (lo layout) cols() []col {
	cs := []col{colMark, colID, colName}
	if lo.width >= 130 {
		cs = append(cs, colSeries)
	}
	cs = append(cs, colSubmitter)
	if lo.width >= 100 {
		cs = append(cs, colDate)
	}
	if lo.width >= 100 && lo.delegates {
		cs = append(cs, colDelegate)
	}
	cs = append(cs, colState)
	if lo.tagged {
		cs = append(cs, colTags)
	}
	if lo.checks {
		cs = append(cs, colChecks)
	}
	return cs
}

// columns are the table's columns for a layout.
func (l *List) columns(lo layout) []components.Column {
	tagTitle := tagHeader(l.tags)
	wide, mid := lo.width >= 130, lo.width >= 100
	var out []components.Column
	for _, c := range lo.cols() {
		switch c {
		case colMark:
			out = append(out, components.Column{Width: 1})
		case colID:
			out = append(out, components.Column{Title: "ID", Width: lo.idWidth, Right: true})
		case colName:
			out = append(out, components.Column{Title: "Patch"})
		case colSeries:
			out = append(out, components.Column{Title: "Ser", Width: 5})
		case colSubmitter:
			w := 11
			if wide {
				w = 18
			} else if mid {
				w = 12
			}
			out = append(out, components.Column{Title: "Submitter", Width: w})
		case colDate:
			out = append(out, components.Column{Title: "Date", Width: 10})
		case colDelegate:
			w := 8
			if wide {
				w = 10
			}
			out = append(out, components.Column{Title: "Delegate", Width: w})
		case colState:
			w := 12
			if wide {
				w = 14
			}
			out = append(out, components.Column{Title: "State", Width: w})
		case colTags:
			out = append(out, components.Column{Title: tagTitle, Width: max(len(tagTitle), 5)})
		case colChecks:
			out = append(out, components.Column{Title: "S/W/F", Width: 5})
		}
	}
	return out
}

func tagHeader(tags []store.Tag) string {
	if len(tags) == 0 {
		return "Tags"
	}
	ab := make([]string, len(tags))
	for i, t := range tags {
		ab[i] = t.Abbrev
	}
	return strings.Join(ab, "/")
}

func count(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

func (l *List) cells(lo layout, r store.PatchRow) []string {
	st := l.c.Styles
	mark := " "
	if l.marks[r.ID] {
		mark = st.Marked.Render("*")
	}
	state := ""
	if s, ok := store.StateByID(l.states, r.StateID); ok {
		state = s.Name
		if s.ActionRequired {
			state = st.ActionState.Render(state)
		} else {
			state = st.DoneState.Render(state)
		}
	}
	if r.Archived {
		state += st.Muted.Render(" (a)")
	}
	tags := make([]string, len(l.tags))
	for i, t := range l.tags {
		tags[i] = count(r.Tags[t.ID])
	}
	sub := r.Submitter.Name
	if sub == "" {
		sub = r.Submitter.Email
	}
	var out []string
	for _, c := range lo.cols() {
		switch c {
		case colMark:
			out = append(out, mark)
		case colID:
			out = append(out, strconv.FormatInt(r.ID, 10))
		case colName:
			out = append(out, common.Sanitize(r.Name))
		case colSeries:
			ser := ""
			if r.SeriesID != 0 && r.SeriesTotal > 0 {
				ser = fmt.Sprintf("%d/%d", r.Number, r.SeriesTotal)
			}
			out = append(out, ser)
		case colSubmitter:
			out = append(out, common.Sanitize(sub))
		case colDate:
			out = append(out, r.Date.UTC().Format("2006-01-02"))
		case colDelegate:
			out = append(out, r.DelegateUsername)
		case colState:
			out = append(out, state)
		case colTags:
			out = append(out, strings.Join(tags, " "))
		case colChecks:
			out = append(out, l.checkCell(r.Checks))
		}
	}
	return out
}

func (l *List) checkCell(c store.CheckSummary) string {
	if c.Total() == 0 {
		return ""
	}
	st := l.c.Styles
	return st.CheckOK.Render(count(c.Success)) + " " + st.CheckWarn.Render(count(c.Warning)) + " " + st.CheckFail.Render(count(c.Fail))
}

// View implements common.Page.
func (l *List) View() string {
	w, h := l.c.Width, l.c.Height
	if l.actions.Active() {
		return l.actions.View(w, h)
	}
	st := l.c.Styles
	info := l.infoLine()
	d := l.drawn(w)
	end := min(l.offset+l.visible(), len(l.rows))
	var b strings.Builder
	b.WriteString(d.header)
	for i := l.offset; i < end; i++ {
		b.WriteByte('\n')
		b.WriteString(d.row(l, l.rows[i], i == l.cursor))
	}
	body := b.String()
	if l.search.active && l.search.err != "" {
		// The error replaces the column header, with a caret under the
		// column it names.
		lines := strings.SplitN(body, "\n", 2)
		lines[0] = st.Error.Render(l.caret())
		body = strings.Join(lines, "\n")
	}
	if len(l.rows) == 0 {
		msg := "no patches match"
		if !l.loaded {
			msg = "loading…"
		}
		body += "\n" + st.Muted.Render("  "+msg)
	}
	return common.PadLines(info+"\n"+body, w, h)
}

// caret points at the column of a query error: "   ^ col 7: ...".
func (l *List) caret() string {
	col := 0
	if _, err := fmt.Sscanf(l.search.err, "col %d:", &col); err == nil && col > 0 {
		return strings.Repeat(" ", col) + "^ " + l.search.err
	}
	return l.search.err
}

// infoKey is everything the info line shows (outside a search).
type infoKey struct {
	query, err, pos      string
	cursor, rows, marks  int
	fresh                int
	atStart, atEnd, dark bool
}

// infoLine is the query and position line; it is drawn again only when
// what it shows changes (its styles cost more than a row's lines).
func (l *List) infoLine() string {
	if l.search.active {
		return l.search.input.View()
	}
	k := infoKey{query: l.query, err: l.search.err, pos: l.position(), fresh: l.newAbove(), cursor: l.cursor, rows: len(l.rows), marks: len(l.marks),
		atStart: l.atStart, atEnd: l.atEnd, dark: l.c.Styles.IsDark}
	if l.info.line != "" && l.info.key == k {
		return l.info.line
	}
	l.info.key = k
	l.info.line = l.drawInfo()
	return l.info.line
}

func (l *List) drawInfo() string {
	st := l.c.Styles
	var parts []string
	if l.query != "" {
		parts = append(parts, st.Label.Render("query: ")+l.query)
	} else {
		parts = append(parts, st.Muted.Render("all patches"))
	}
	if pos := l.position(); pos != "" {
		parts = append(parts, st.Muted.Render(pos))
	}
	if n := l.info.key.fresh; n > 0 {
		parts = append(parts, st.Status.Render(fmt.Sprintf("%d new ↑", n)))
	}
	if n := len(l.marks); n > 0 {
		parts = append(parts, st.Marked.Render(fmt.Sprintf("%d marked", n)))
	}
	if l.search.err != "" {
		parts = append(parts, st.Error.Render(l.search.err))
	}
	return strings.Join(parts, st.Muted.Render(" · "))
}

// drawnRows keeps the table's drawn lines between frames: scrolling moves
// the cursor over rows that were drawn already, and drawing a row (cell
// styles, measuring and cutting every cell) is most of a frame's cost.
// A row is drawn again when its data or its mark changes: a reload (after
// every change, and each time the list shows again) mostly brings back
// the same rows, which keep their lines. Everything is dropped when the
// states or tags change, or the width or the colours do (reset).
type drawnRows struct {
	lay    layout
	dark   bool
	table  components.Table
	ws     []int
	header string
	rows   map[int64]*drawnRow
	// loads counts the pages of rows applied; a row checked against the
	// window's data since the last one needs no check until the next.
	loads int
}

type drawnRow struct {
	data         store.PatchRow // what line was drawn from
	checked      int            // drawnRows.loads when data was last compared
	marked       bool
	line, cursor string
}

// drawn returns the cache for the current width and colours.
func (l *List) drawn(w int) *drawnRows {
	st := l.c.Styles
	d := l.lines
	lo := l.layout(w)
	if d == nil || d.lay != lo || d.dark != st.IsDark {
		t := components.Table{Columns: l.columns(lo), Header: st.ColHeader, Cursor: st.Cursor}
		ws := t.Widths(w)
		d = &drawnRows{lay: lo, dark: st.IsDark, table: t, ws: ws, header: t.HeaderLine(ws, w),
			rows: make(map[int64]*drawnRow, 2*l.visible())}
		l.lines = d
	}
	return d
}

// loaded is called when rows were applied to the window: it drops the
// lines of rows that left it, so that the cache stays the size of the
// window however far the list scrolls, and has every row compared with
// its new data when next drawn.
func (d *drawnRows) loaded(rows []store.PatchRow) {
	d.loads++
	if len(d.rows) <= len(rows) {
		return
	}
	in := make(map[int64]bool, len(rows))
	for _, r := range rows {
		in[r.ID] = true
	}
	for id := range d.rows {
		if !in[id] {
			delete(d.rows, id)
		}
	}
}

// row is r's line, highlighted when under the cursor.
func (d *drawnRows) row(l *List, r store.PatchRow, cursor bool) string {
	marked := l.marks[r.ID]
	dr := d.rows[r.ID]
	if dr == nil || dr.marked != marked || (dr.checked != d.loads && !sameRow(dr.data, r)) {
		dr = &drawnRow{data: r, marked: marked, line: d.table.RowLine(d.ws, l.cells(d.lay, r), d.lay.width)}
		d.rows[r.ID] = dr
	}
	dr.checked = d.loads
	if !cursor {
		return dr.line
	}
	if dr.cursor == "" {
		dr.cursor = d.table.Highlight(dr.line, d.lay.width)
	}
	return dr.cursor
}

// sameRow reports whether a and b draw the same line: every field equal
// (the dates as instants, the tag counts by value). TestSameRowFields
// fails when PatchRow gains a field this does not compare.
func sameRow(a, b store.PatchRow) bool {
	return a.ID == b.ID && a.ProjectID == b.ProjectID && a.MsgID == b.MsgID && a.Name == b.Name &&
		a.Date.Equal(b.Date) && a.Hash == b.Hash && a.PullURL == b.PullURL && a.CommitRef == b.CommitRef &&
		a.StateID == b.StateID && a.Archived == b.Archived && a.Submitter == b.Submitter &&
		a.DelegateID == b.DelegateID && a.DelegateUsername == b.DelegateUsername &&
		a.SeriesID == b.SeriesID && a.SeriesName == b.SeriesName && a.SeriesVersion == b.SeriesVersion &&
		a.SeriesTotal == b.SeriesTotal && a.Number == b.Number && a.RelatedID == b.RelatedID &&
		maps.Equal(a.Tags, b.Tags) && a.Checks == b.Checks &&
		a.SeriesProjectID == b.SeriesProjectID && a.SeriesDate.Equal(b.SeriesDate) && a.CheckState == b.CheckState
}

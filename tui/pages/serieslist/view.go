package serieslist

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/patchwork-go/patchwork/store/query"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/components"
)

func (p *Page) columns() []components.Column {
	cols := []components.Column{
		{Width: 1}, {Title: "ID", Width: 6, Right: true}, {Title: "Series"}, {Title: "Ver", Width: 3, Right: true},
		{Title: "Patches", Width: 7, Right: true}, {Title: "State", Width: 18}, {Title: "Submitter", Width: 16}, {Title: "Date", Width: 10},
	}
	if p.c.Width < 100 {
		// Narrow: the name keeps the room, the date goes.
		cols[6].Width = 11
		cols = cols[:7]
	}
	return cols
}

func (p *Page) cells(r row) []string {
	st := p.c.Styles
	s := r.s
	got := fmt.Sprintf("%d/%d", s.ReceivedTotal, s.Total)
	if !s.ReceivedAll() {
		got = st.ActionState.Render(got)
	}
	sub := r.submitter.Name
	if sub == "" {
		sub = r.submitter.Email
	}
	mark := " "
	if p.marks[s.ID] {
		mark = st.Marked.Render("*")
	}
	return []string{
		mark, strconv.FormatInt(s.ID, 10), common.Sanitize(s.DisplayName()), "v" + strconv.Itoa(s.Version),
		got, r.progress, common.Sanitize(sub), s.Date.UTC().Format("2006-01-02"),
	}
}

// View implements common.Page.
func (p *Page) View() string {
	w, h := p.c.Width, p.c.Height
	if p.actions.Active() {
		return p.actions.View(w, h)
	}
	st, win := p.c.Styles, &p.win
	t := components.Table{Columns: p.columns(), Header: st.ColHeader, Cursor: st.Cursor}
	end := min(win.top+p.visible(), len(win.rows))
	rows := make([][]string, 0, end-win.top)
	for _, r := range win.rows[win.top:end] {
		rows = append(rows, p.cells(r))
	}
	body := t.Render(w, rows, win.cursor-win.top)
	if len(win.rows) == 0 {
		msg := "no series match"
		if !win.loaded {
			msg = "loading…"
		}
		body += "\n" + st.Muted.Render("  "+msg)
	}
	return common.PadLines(p.info()+"\n"+body, w, h)
}

func (p *Page) info() string {
	st := p.c.Styles
	if p.search {
		if p.err != "" {
			return p.input.View() + "  " + st.Error.Render(p.err)
		}
		return p.input.View() + st.Muted.Render("  ("+query.SeriesTerms+")")
	}
	var parts []string
	if p.query != "" {
		parts = append(parts, st.Label.Render("query: ")+p.query)
	} else {
		parts = append(parts, st.Muted.Render("all series, newest first"))
	}
	if n := len(p.win.rows); n > 0 {
		var pos string
		switch {
		case !p.win.asc:
			pos = fmt.Sprintf("%d", p.win.off+p.win.cursor+1)
			if p.win.atEnd {
				pos += fmt.Sprintf(" of %d", p.win.off+n)
			}
		default:
			pos = fmt.Sprintf("%d from the oldest", p.win.off+n-p.win.cursor)
		}
		parts = append(parts, st.Muted.Render(pos))
	}
	if n := len(p.marks); n > 0 {
		parts = append(parts, st.Marked.Render(fmt.Sprintf("%d marked", n)))
	}
	return strings.Join(parts, st.Muted.Render(" · "))
}

// Package components holds the TUI's reusable widgets: a table, a picker,
// a prompt, a confirmation, the diff renderer and the footer.
package components

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/patchwork-go/patchwork/tui/common"
)

// Column describes one table column. Width 0 means "take the rest".
type Column struct {
	Title string
	Width int
	Right bool
}

// Table renders rows of cells in columns, one row highlighted.
type Table struct {
	Columns []Column
	Header  lipgloss.Style
	Cursor  lipgloss.Style
}

// widths resolves the flexible column against the total width.
func (t Table) widths(total int) []int {
	ws := make([]int, len(t.Columns))
	used, flex := 0, -1
	for i, c := range t.Columns {
		ws[i] = c.Width
		if c.Width == 0 {
			flex = i
		}
		used += c.Width + 1
	}
	if flex >= 0 {
		ws[flex] = max(total-used, 8)
	}
	return ws
}

// Render draws the header and the rows; cursor is the index of the
// highlighted row (-1 for none). Cells may be styled.
func (t Table) Render(width int, rows [][]string, cursor int) string {
	ws := t.Widths(width)
	var b strings.Builder
	b.WriteString(t.HeaderLine(ws, width))
	for i, r := range rows {
		b.WriteByte('\n')
		line := t.RowLine(ws, r, width)
		if i == cursor {
			line = t.Highlight(line, width)
		}
		b.WriteString(line)
	}
	return b.String()
}

// The pieces of Render, for pages that keep drawn rows between frames.

// Widths resolves the columns against the total width.
func (t Table) Widths(total int) []int { return t.widths(total) }

// HeaderLine is the header row as Render draws it.
func (t Table) HeaderLine(ws []int, width int) string {
	return t.Header.Render(common.Fit(t.line(ws, titles(t.Columns)), width))
}

// RowLine is one row as Render draws it away from the cursor.
func (t Table) RowLine(ws []int, cells []string, width int) string {
	return common.Fit(t.line(ws, cells), width)
}

// Highlight turns a RowLine into the row under the cursor.
func (t Table) Highlight(line string, width int) string {
	// Strip cell styles so the highlight is uniform and readable.
	return t.Cursor.Render(common.Fit(stripANSI(line), width))
}

func titles(cs []Column) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Title
	}
	return out
}

func (t Table) line(ws []int, cells []string) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		cell := ""
		if i < len(cells) {
			cell = cells[i]
		}
		if t.Columns[i].Right {
			parts[i] = common.FitRight(cell, w)
		} else {
			parts[i] = common.Fit(cell, w)
		}
	}
	return strings.Join(parts, " ")
}

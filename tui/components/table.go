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
	ws := t.widths(width)
	var b strings.Builder
	b.WriteString(t.Header.Render(common.Fit(t.line(ws, titles(t.Columns)), width)))
	for i, r := range rows {
		b.WriteByte('\n')
		line := common.Fit(t.line(ws, r), width)
		if i == cursor {
			// Strip cell styles so the highlight is uniform and readable.
			line = t.Cursor.Render(common.Fit(stripANSI(line), width))
		}
		b.WriteString(line)
	}
	return b.String()
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

package common

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

// screenOf draws a frame the way bubbletea's renderer does (the styled
// string, drawn by ultraviolet into a cleared cell buffer: here lipgloss's
// canvas) and returns its cells, printed field by field.
func screenOf(frame string, w, h int) [][]string {
	c := lipgloss.NewCanvas(w, h)
	c.Clear()
	c.Compose(lipgloss.NewLayer(frame))
	cells := make([][]string, h)
	for y := range h {
		for x := range w {
			cell := "nil"
			if cl := c.CellAt(x, y); cl != nil {
				cell = fmt.Sprintf("%q/%d/%#v/%#v", cl.Content, cl.Width, cl.Style, cl.Link)
			}
			cells[y] = append(cells[y], cell)
		}
	}
	return cells
}

func TestTrimPadding(t *testing.T) {
	const w, h = 24, 8
	for _, tc := range []struct {
		name, frame, want string
	}{
		{"plain", "abc   \n   \nd", "abc\n\nd"},
		{"reset styles", "\x1b[36;1mkey\x1b[m  \n\x1b[90mx\x1b[0m   ", "\x1b[36;1mkey\x1b[m\n\x1b[90mx\x1b[0m"},
		{"styled spaces stay", "\x1b[97;44;1m row   \x1b[m\n\x1b[44m   ", "\x1b[97;44;1m row   \x1b[m\n\x1b[44m   "},
		{"a style open across lines", "\x1b[4mab  \ncd  \x1b[m  \nef  ", "\x1b[4mab  \ncd  \x1b[m\nef"},
		{"a partial reset keeps spaces", "\x1b[1mab\x1b[22m  ", "\x1b[1mab\x1b[22m  "},
		{"other sequences: untouched", "a  \n\x1b]8;;http://x\x1b\\l\x1b]8;;\x1b\\  ", "a  \n\x1b]8;;http://x\x1b\\l\x1b]8;;\x1b\\  "},
		{"cursor moves: untouched", "a  \x1b[2Cb  ", "a  \x1b[2Cb  "},
		{"wide and combining", "日本  \ne\u0301  ", "日本\ne\u0301"},
	} {
		got := TrimPadding(tc.frame)
		if got != tc.want {
			t.Errorf("%s: TrimPadding(%q) = %q, want %q", tc.name, tc.frame, got, tc.want)
		}
		before, after := screenOf(tc.frame, w, h), screenOf(got, w, h)
		for y := range h {
			for x := range w {
				if before[y][x] != after[y][x] {
					t.Errorf("%s: cell %d,%d: %s, trimmed %s", tc.name, x, y, before[y][x], after[y][x])
				}
			}
		}
	}
}

// TestTrimPaddingFrames checks real frames of the TUI's components: a
// padded table, footer-like key help and a highlighted row.
func TestTrimPaddingFrames(t *testing.T) {
	const w, h = 40, 4
	frame := strings.Join([]string{
		PadLines("\x1b[36;1mFrom      \x1b[m Jane <j@x>", w, 1),
		"\x1b[97;44;1m" + Fit("  12 [PATCH] fix", w) + "\x1b[m",
		Fit("  13 \x1b[33mNew\x1b[m", w),
		Fit("", w),
	}, "\n")
	got := TrimPadding(frame)
	if len(got) >= len(frame) {
		t.Errorf("nothing trimmed from %q", frame)
	}
	before, after := screenOf(frame, w, h), screenOf(got, w, h)
	for y := range h {
		for x := range w {
			if before[y][x] != after[y][x] {
				t.Errorf("cell %d,%d: %s, trimmed %s", x, y, before[y][x], after[y][x])
			}
		}
	}
}

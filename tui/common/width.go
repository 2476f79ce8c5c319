package common

import (
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Measuring text is most of the cost of drawing a frame: ansi.StringWidth
// segments every string into grapheme clusters. Almost everything the TUI
// draws is ASCII (patch names, states, ids, key help) with SGR styling, and
// there every byte outside an escape sequence is one cell, so these count
// bytes instead and fall back to ansi for anything else.

// Width is ansi.StringWidth(s), quicker for styled ASCII.
func Width(s string) int {
	if n, ok := asciiWidth(s); ok {
		return n
	}
	return ansi.StringWidth(s)
}

// asciiWidth counts the cells of s when s is printable ASCII with only CSI
// escape sequences (colours, attributes); ok is false otherwise.
func asciiWidth(s string) (n int, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x7f:
			n++
		case c >= 0xc2 && c <= 0xe2:
			// A few one-cell symbols the TUI itself draws (ellipsis,
			// separators, arrows); any other non-ASCII goes to ansi.
			r, size := utf8.DecodeRuneInString(s[i:])
			if !narrowSymbol(r) || nextJoins(s[i+size:]) {
				return 0, false
			}
			n++
			i += size - 1
		case c == 0x1b && i+1 < len(s) && s[i+1] == '[':
			// CSI: parameter and intermediate bytes, then one final byte.
			j := i + 2
			for j < len(s) && s[j] >= 0x20 && s[j] <= 0x3f {
				j++
			}
			if j >= len(s) || s[j] < 0x40 || s[j] > 0x7e {
				return 0, false
			}
			i = j
		default:
			return 0, false
		}
	}
	return n, true
}

// isPlainASCII reports whether s is printable ASCII without escapes.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// truncate is ansi.Truncate(s, w, "…") for s wider than w cells.
func truncate(s string, w int) string {
	if isPlainASCII(s) {
		// One byte per cell; the ellipsis takes the last one.
		return s[:w-1] + "…"
	}
	return ansi.Truncate(s, w, "…")
}

// narrowSymbol reports the symbols asciiWidth counts as one cell, as
// ansi.StringWidth does (they stand alone as grapheme clusters).
func narrowSymbol(r rune) bool {
	switch r {
	case '…', '›', '•', '·', '↑', '↓', '←', '→', '─', '│':
		return true
	}
	return false
}

// nextJoins reports whether s starts with a byte that may continue a
// grapheme cluster (a non-ASCII combining mark, joiner or selector).
func nextJoins(s string) bool { return len(s) > 0 && s[0] >= 0x80 }

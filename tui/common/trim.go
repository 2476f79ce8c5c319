package common

import "strings"

// TrimPadding drops the spaces that end a line of a frame where no style
// is in effect. The renderer clears its cells before it draws a frame, and
// a cleared cell is exactly such a space: the screen is the same, but the
// renderer no longer decodes and compares a cell for each space that pads
// a line to the width (on the patch view, most of the frame). Spaces drawn
// under a style (a highlighted row's background) stay. A frame with any
// escape sequence but SGR (colours, attributes) is left as it is: the
// renderer passes those through on the next cell, and some (hyperlinks)
// outlive an SGR reset.
func TrimPadding(s string) string {
	if !onlySGR(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	plain := true // no style in effect: none set yet, or the last SGR reset all
	for first := true; ; first = false {
		line, rest, more := strings.Cut(s, "\n")
		if !first {
			b.WriteByte('\n')
		}
		plain = plainAfter(line, plain)
		if plain {
			line = strings.TrimRight(line, " ")
		}
		b.WriteString(line)
		if !more {
			return b.String()
		}
		s = rest
	}
}

// onlySGR reports whether every escape sequence in s is a complete SGR.
func onlySGR(s string) bool {
	for i := strings.IndexByte(s, 0x1b); i >= 0; i = strings.IndexByte(s, 0x1b) {
		end, ok := sgrEnd(s[i:])
		if !ok {
			return false
		}
		s = s[i+end:]
	}
	return true
}

// sgrEnd is the length of the SGR sequence s starts with; ok is false if
// s starts with another sequence.
func sgrEnd(s string) (int, bool) {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0, false
	}
	j := 2
	for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';' || s[j] == ':') {
		j++
	}
	if j >= len(s) || s[j] != 'm' {
		return 0, false
	}
	return j + 1, true
}

// plainAfter reports whether no style is in effect after line (which holds
// SGR sequences only), given whether one was before it.
func plainAfter(line string, plain bool) bool {
	for i := strings.IndexByte(line, 0x1b); i >= 0; i = strings.IndexByte(line, 0x1b) {
		end, _ := sgrEnd(line[i:])
		params := line[i+2 : i+end-1]
		plain = params == "" || params == "0"
		line = line[i+end:]
	}
	return plain
}

package components

import (
	"fmt"
	"strings"

	"github.com/aymanbagabas/go-udiff"
)

// LineDiff compares two texts line by line and returns a unified diff body
// ("@@ -a,n +b,m @@" hunks with context lines; "-", "+" and " " prefixes).
// It returns nil when they are equal. go-udiff's LCS bounds its own work,
// so two huge unrelated versions cannot eat the server's memory.
func LineDiff(a, b []string, context int) []string {
	before, after := joinLines(a), joinLines(b)
	if before == after {
		return nil
	}
	ud, err := udiff.ToUnifiedDiff("a", "b", before, udiff.Lines(before, after), context)
	if err != nil {
		// Only edits out of order or out of range fail, and Lines makes
		// neither; show the whole change rather than nothing.
		return replaceAll(a, b)
	}
	var out []string
	for _, h := range ud.Hunks {
		na, nb := 0, 0
		for _, l := range h.Lines {
			if l.Kind != udiff.Insert {
				na++
			}
			if l.Kind != udiff.Delete {
				nb++
			}
		}
		out = append(out, fmt.Sprintf("@@ -%d,%d +%d,%d @@", h.FromLine, na, h.ToLine, nb))
		for _, l := range h.Lines {
			prefix := " "
			switch l.Kind {
			case udiff.Delete:
				prefix = "-"
			case udiff.Insert:
				prefix = "+"
			}
			out = append(out, prefix+strings.TrimSuffix(l.Content, "\n"))
		}
	}
	return out
}

// joinLines makes the text udiff compares: every line ends in "\n", so the
// last line is not special.
func joinLines(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

func replaceAll(a, b []string) []string {
	out := []string{fmt.Sprintf("@@ -1,%d +1,%d @@", len(a), len(b))}
	for _, l := range a {
		out = append(out, "-"+l)
	}
	for _, l := range b {
		out = append(out, "+"+l)
	}
	return out
}

package components

import (
	"strings"

	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/styles"
)

// DiffLines colours a unified diff line by line: file headers, hunk
// headers, added and removed lines. Control characters from the mail are
// dropped and tabs expanded so that columns stay aligned.
func DiffLines(st *styles.Styles, diff string) []string {
	raw := strings.Split(strings.TrimRight(diff, "\n"), "\n")
	out := make([]string, 0, len(raw))
	for _, l := range raw {
		l = common.Sanitize(expandTabs(l))
		switch {
		case strings.HasPrefix(l, "diff --git"), strings.HasPrefix(l, "+++ "), strings.HasPrefix(l, "--- "),
			strings.HasPrefix(l, "index "), strings.HasPrefix(l, "new file"), strings.HasPrefix(l, "deleted file"),
			strings.HasPrefix(l, "rename "), strings.HasPrefix(l, "similarity "):
			out = append(out, st.DiffFile.Render(l))
		case strings.HasPrefix(l, "@@"):
			out = append(out, st.DiffHunk.Render(l))
		case strings.HasPrefix(l, "+"):
			out = append(out, st.DiffAdd.Render(l))
		case strings.HasPrefix(l, "-"):
			out = append(out, st.DiffDel.Render(l))
		default:
			out = append(out, l)
		}
	}
	return out
}

// TextLines renders mail text: quoted lines muted, control characters
// dropped, tabs expanded.
func TextLines(st *styles.Styles, text string) []string {
	raw := strings.Split(strings.TrimRight(text, "\n"), "\n")
	out := make([]string, 0, len(raw))
	for _, l := range raw {
		l = common.Sanitize(expandTabs(strings.TrimRight(l, "\r")))
		if strings.HasPrefix(l, ">") {
			l = st.Quote.Render(l)
		}
		out = append(out, l)
	}
	return out
}

// expandTabs replaces tabs with spaces to the next multiple of 8.
func expandTabs(s string) string {
	if !strings.Contains(s, "\t") {
		return s
	}
	var b strings.Builder
	col := 0
	for _, r := range s {
		if r == '\t' {
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		}
		b.WriteRune(r)
		col++
	}
	return b.String()
}

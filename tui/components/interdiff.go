package components

import (
	"fmt"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/tui/common"
	"github.com/patchwork-go/patchwork/tui/styles"
)

// Interdiff renders what changed between two versions of a patch: the
// commit message and the diff, each as a diff of the two texts, which is
// what a reviewer wants after "v2: addressed comments".
func Interdiff(st *styles.Styles, old, cur *store.Patch) []string {
	out := []string{
		st.DiffDel.Render(fmt.Sprintf("--- #%d %s", old.ID, common.Sanitize(old.Name))),
		st.DiffAdd.Render(fmt.Sprintf("+++ #%d %s", cur.ID, common.Sanitize(cur.Name))),
	}
	section := func(name, a, b string) {
		d := LineDiff(splitLines(a), splitLines(b), 3)
		if len(d) == 0 {
			out = append(out, st.Muted.Render("  "+name+": unchanged"))
			return
		}
		out = append(out, st.Section.Render(name))
		out = append(out, DiffLines(st, strings.Join(d, "\n"))...)
	}
	section("Commit message", old.Content, cur.Content)
	section("Diff", old.Diff, cur.Diff)
	return out
}

func splitLines(s string) []string {
	s = strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

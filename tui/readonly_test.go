package tui

import (
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestReadOnlyKeys: an anonymous session is shown only the keys it may
// use, in the footer and in the help, and is told why when it presses
// one of the others; a maintainer sees them all.
func TestReadOnlyKeys(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	writes := []string{"space mark", "s state", "d delegate", "a archive", "b to bundle", "u undo", "T my to-do", "v mark series"}

	a := start(t, f.s, nil)
	openList(a)
	footer := lastLine(a.screen())
	for _, w := range writes {
		if strings.Contains(footer, w) {
			t.Errorf("the read-only footer offers %q: %s", w, footer)
		}
	}
	if !strings.Contains(footer, "/ search") {
		t.Errorf("the read-only footer lacks search: %s", footer)
	}
	a.typ("?")
	help := a.waitFor("This session is read-only", "Moving")
	for _, w := range append(writes, "Acting on patches") {
		key, desc, _ := strings.Cut(w, " ")
		for _, l := range strings.Split(help, "\n") {
			if f := strings.Fields(l); len(f) > 1 && f[0] == key && strings.Join(f[1:], " ") == desc || strings.Contains(l, "Acting on patches") {
				t.Errorf("the read-only help lists %q: %q", w, l)
			}
		}
	}
	a.press("esc")
	a.waitFor("1 of 4")
	a.typ("s")
	a.waitFor("permission denied: log in with a registered SSH key")
	a.typ("u")
	a.waitFor("permission denied: log in with a registered SSH key")

	m := start(t, f.s, f.mia)
	openList(m)
	footer = lastLine(m.screen())
	for _, w := range []string{"space mark", "s state", "d delegate"} {
		if !strings.Contains(footer, w) {
			t.Errorf("the maintainer's footer lacks %q: %s", w, footer)
		}
	}
	m.typ("?")
	m.waitFor("Acting on patches", "space      mark")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

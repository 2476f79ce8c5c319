package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

func TestNavigation(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, nil)
	h.waitFor("libuv")
	h.press("enter")
	h.waitFor("libuv › patches", "1 of 4")
	h.typ("jj")
	h.waitFor("3 of 4")
	h.press("enter")
	h.waitFor("patch #4", "[PATCH v2 2/2] unix: loop fix 2", "patch 2 of 2")

	// [ and ] walk the series, < and > its versions, all in place.
	h.typ("[")
	h.waitFor("patch #3", "[PATCH v2 1/2] unix: loop fix 1")
	h.typ("]")
	h.waitFor("patch #4", "[PATCH v2 2/2] unix: loop fix 2")
	h.typ("<")
	h.waitFor("patch #2", "[PATCH 2/2] unix: loop fix 2", "Superseded")
	h.typ(">")
	h.waitFor("patch #4", "[PATCH v2 2/2] unix: loop fix 2")
	h.typ("]")
	h.waitFor("no such patch in this series")

	// Back to the list: the cursor is still on the patch we opened.
	h.typ("q")
	h.waitFor("libuv › patches", "3 of 4")

	// t toggles to the series list and back without growing the stack:
	// one q then leads to the projects page.
	h.typ("t")
	h.waitFor("libuv › series")
	h.typ("t")
	h.waitFor("libuv › patches")
	h.typ("q")
	h.waitFor("patchwork › projects")
}

func TestNavigationSeriesList(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, nil)
	h.waitFor("libuv")
	h.typ("t")
	h.waitFor("libuv › series", "1 of 2")
	h.typ("j")
	h.waitFor("2 of 2")
	h.press("enter")
	h.waitFor("series #1", "[v1 #1] → v2 #2")
	h.typ(">")
	h.waitFor("series #2", "v1 #1 → [v2 #2]", "No cover letter")
	h.press("enter")
	h.waitFor("patch #3")
}

func TestMouseWheel(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, nil)
	h.waitFor("libuv")
	h.press("enter")
	h.waitFor("1 of 4")
	h.tm.Send(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	h.waitFor("4 of 4")
	h.tm.Send(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	h.waitFor("1 of 4")
}

func TestVersionChanges(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, nil, func(o *Options) { o.InitialPatchID = f.v2p[0].ID })
	h.waitFor("patch #3", "Versions   v1 #1")
	h.typ("=")
	s := h.waitFor("changes #1 → #3", "Commit message")
	for _, want := range []string{"-Fix the thing.", "+Fix the thing, now with a zero.", "++  /* done */"} {
		if !strings.Contains(s, want) {
			t.Errorf("interdiff lacks %q:\n%s", want, s)
		}
	}
	h.typ("q")
	h.waitFor("patch #3")

	// The series view compares whole versions, patch by patch.
	h.typ("S")
	h.waitFor("series #2", "v1 #1 → [v2 #2]")
	h.typ("=")
	s = h.waitFor("series #2 vs #1", "Patch 1", "Patch 2")
	if !strings.Contains(s, "Diff: unchanged") {
		t.Errorf("patch 2 did not change between versions, the screen says otherwise:\n%s", s)
	}
}

func TestDiffIsColoured(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, nil, func(o *Options) { o.InitialPatchID = f.v1p[0].ID })
	h.waitFor("+  int r = 0;")
	raw := h.raw()
	add := findLine(raw, "+  int r = 0;")
	del := findLine(raw, "-  int r;")
	hunk := findLine(raw, "@@ -10,7 +10,7 @@")
	if add == "" || del == "" || hunk == "" || add == ansi.Strip(add) || hunk == ansi.Strip(hunk) {
		t.Fatalf("diff lines not styled: add %q del %q hunk %q", add, del, hunk)
	}
	if add[:strings.Index(add, "+")] == del[:strings.Index(del, "-")] {
		t.Errorf("added and removed lines have the same style: %q vs %q", add, del)
	}
}

// findLine returns the styled line whose text contains want.
func findLine(raw, want string) string {
	for _, l := range strings.Split(raw, "\n") {
		if strings.Contains(ansi.Strip(l), want) {
			return strings.TrimRight(l, " ")
		}
	}
	return ""
}

package tui

import (
	"image/color"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// Golden screens: projects, patch list, patch view, series view, series
// list, help. Each also checks the few facts the screen exists for, so a
// blindly refreshed golden file cannot hide a regression.

func TestScreenProjects(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, f.mia)
	s := h.waitFor("libuv", "Other project")
	// libuv: v2 1/2, v2 2/2, fix, doc need action (archived one does not).
	if !strings.Contains(s, "maintainer") {
		t.Errorf("mia maintains libuv, the screen does not say so:\n%s", s)
	}
	h.golden(s)
}

func TestScreenPatchList(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, nil)
	h.waitFor("libuv")
	h.press("enter")
	s := h.waitFor("win: fix handle leak", "1 of 4")
	for _, gone := range []string{"build: bump cmake", "old: archived", "[PATCH 1/2] unix"} {
		if strings.Contains(s, gone) {
			t.Errorf("the default query lists %q:\n%s", gone, s)
		}
	}
	h.golden(s)
}

func TestScreenPatch(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, nil, func(o *Options) { o.InitialPatchID = f.v2p[0].ID })
	s := h.waitFor("Checks", "[fail]", "https://ci.example.org/2", "Versions   v1 #1")
	h.golden(s)
	// The reply sits under the comment it answers, one level deeper.
	h.typ("G")
	s = h.waitFor("Comments (2)", "Because it is read")
	if !strings.Contains(s, "    Because it is read") || !strings.Contains(s, "\n  Why zero?") {
		t.Errorf("comments not threaded:\n%s", s)
	}
}

func TestScreenSeries(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, nil, func(o *Options) { o.InitialPatchID = f.v1p[0].ID })
	h.waitFor("Diff", "patch 1 of 2")
	h.typ("S")
	s := h.waitFor("series #", "This series fixes two loop bugs")
	h.golden(s)
}

func TestScreenSeriesList(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, nil)
	h.waitFor("libuv")
	h.typ("t")
	s := h.waitFor("libuv › series", "unix: loop fixes")
	if strings.Count(s, "unix: loop fixes") != 2 {
		t.Errorf("want both versions of the series listed:\n%s", s)
	}
	h.golden(s)
}

func TestScreenHelp(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, f.mia)
	h.waitFor("libuv")
	h.typ("?")
	s := h.waitFor("Moving", "Acting on patches")
	h.golden(s)
	h.press("esc")
	h.waitFor("Action req.")
}

// TestBackgroundColour: without a fixed background the session asks the
// terminal and restyles when it answers; a light terminal gets dark text.
func TestBackgroundColour(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, nil, func(o *Options) { o.IsDark = nil })
	h.waitFor("libuv")
	dark := findLine(h.raw(), "Action req.")
	h.tm.Send(tea.BackgroundColorMsg{Color: color.White})
	light := h.waitUntil("restyled header", func(string) bool { return findLine(h.raw(), "Action req.") != dark })
	if !strings.Contains(light, "Action req.") {
		t.Fatalf("screen lost its content:\n%s", light)
	}
}

// TestScreenSmall: the list and the patch view in 80×24.
func TestScreenSmall(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, f.mia, size(80, 24))
	h.waitFor("libuv")
	h.press("enter")
	s := h.waitFor("1 of 4", "win: fix handle leak")
	for _, l := range strings.Split(s, "\n") {
		if w := len([]rune(l)); w > 80 {
			t.Fatalf("line of %d cells in 80 columns: %q", w, l)
		}
	}
	h.golden(s)
}

package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
	"github.com/patchwork-go/patchwork/tui/styles"
)

// manyPatches adds n New patches to the fixture's project, one a minute
// from 2026-01-01 on (older than the fixture's), and returns them newest
// first, as the default list shows them after the fixture's four.
func manyPatches(t *testing.T, f *fixture, n int) []*store.Patch {
	t.Helper()
	ctx := context.Background()
	out := make([]*store.Patch, n)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		p := &store.Patch{ProjectID: f.libuv.ID, MsgID: fmt.Sprintf("<many.%d@example.org>", i),
			Name: fmt.Sprintf("[PATCH] many: patch %03d", i), Date: start.Add(time.Duration(i) * time.Minute),
			SubmitterID: f.jane.ID, StateID: f.states["new"].ID, Content: "x\n", Diff: sampleDiff, Hash: fmt.Sprintf("m%039d", i)}
		check(t, f.s.CreatePatch(ctx, p, nil))
		out[n-1-i] = p
	}
	return out
}

// highlighted is the text of the row drawn in the cursor's style.
func (h *harness) highlighted() string {
	h.t.Helper()
	cursor := styles.New(true).Cursor.Render("x")
	prefix := cursor[:strings.Index(cursor, "x")]
	for _, l := range strings.Split(h.raw(), "\n") {
		if strings.HasPrefix(l, prefix) {
			return ansi.Strip(l)
		}
	}
	return ""
}

// TestTypeAheadEnterSlash: `/` typed right after enter searches the patch
// enter opened (it went to the list before: the patch opened through a
// command, and the list took the key meanwhile).
func TestTypeAheadEnterSlash(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, nil)
	openList(h)
	h.press("enter", "/")
	h.typ("int r")
	h.press("enter")
	h.waitFor("patch #", `"int r": match 1 of`)
}

// TestTypeAheadQueryEnter: a query and the enter that opens its first
// patch, typed in one go: the second enter waits for the query's rows.
func TestTypeAheadQueryEnter(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, nil)
	openList(h)
	h.press("/", "ctrl+u")
	h.typ("series:" + itoa(f.v1.ID))
	h.press("enter", "enter")
	h.waitFor("patch #"+itoa(f.v1p[1].ID), "[PATCH 2/2] unix: loop fix 2")
}

// TestTypeAheadMoves: 150 j in one burst land 150 rows down, though the
// window holds fewer rows and loads more on the way.
func TestTypeAheadMoves(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	many := manyPatches(t, f, 300)
	h := start(t, f.s, nil, size(100, 20))
	h.waitFor("libuv")
	h.press("enter")
	h.waitFor("doc: typo")
	h.typ(strings.Repeat("j", 150))
	// The fixture's four patches first, then the many, newest first.
	want := many[150-4].Name
	s := h.waitFor("151 of 304")
	if row := h.highlighted(); !strings.Contains(row, want) {
		t.Fatalf("after 150 j the cursor is on %q, want %q:\n%s", row, want, s)
	}
}

// TestCountPrefix: 5j moves five rows; 1 then 2 then j moves twelve.
func TestCountPrefix(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	many := manyPatches(t, f, 30)
	h := start(t, f.s, nil)
	h.waitFor("libuv")
	h.press("enter")
	h.waitFor("doc: typo")
	h.typ("5j")
	h.waitFor("6 of 34")
	if row := h.highlighted(); !strings.Contains(row, many[1].Name) {
		t.Fatalf("after 5j the cursor is on %q, want %q", row, many[1].Name)
	}
	h.typ("12j")
	h.waitFor("18 of 34")
	if row := h.highlighted(); !strings.Contains(row, many[13].Name) {
		t.Fatalf("after 12j the cursor is on %q, want %q", row, many[13].Name)
	}
}

// TestQuitAsks: esc never ends the session, q on the top screen asks
// (anything but y keeps it), ctrl+c quits at once.
func TestQuitAsks(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, nil)
	h.waitFor("patchwork › projects", "libuv")
	h.press("esc")
	h.waitFor("q quits, ctrl+c at once")
	h.press("enter")
	h.waitFor("libuv › patches")
	h.press("esc", "esc", "esc")
	h.waitFor("patchwork › projects", "q quits")
	h.typ("q")
	h.waitFor("Quit patchwork? y/n")
	h.typ("n")
	h.waitGone("Quit patchwork?")
	h.typ("qy")
	h.tm.WaitFinished(t, teatest.WithFinalTimeout(waitLimit))
}

func TestCtrlCQuits(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, nil, func(o *Options) { o.InitialPatchID = f.doc.ID })
	h.waitFor("doc: typo in README", "Message-ID")
	h.press("ctrl+c")
	h.tm.WaitFinished(t, teatest.WithFinalTimeout(waitLimit))
}

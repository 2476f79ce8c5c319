package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// search replaces the list's query.
func (h *harness) search(q string) {
	h.t.Helper()
	h.typ("/")
	h.waitFor("\n/")
	h.press("ctrl+u")
	h.typ(q)
	h.press("enter")
	h.waitFor("query: " + q)
}

// TestMarksOutsideTheList: a mark on a patch the list no longer shows is
// never acted on. A new query drops it and says so; the action then
// applies to the cursor's patch, which its dialog and the status line
// name. A marked patch that leaves the list by someone else's change is
// left out of the action, and the dialog names it.
func TestMarksOutsideTheList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, f.mia)
	openList(h)

	// Mark the fix (Bob's), then list Jane's patches only.
	h.typ("j")
	h.waitUntil("the cursor on the fix", func(s string) bool { return strings.Contains(cursorRow(s), "win: fix handle leak") })
	h.press("space")
	h.waitFor("1 marked")
	h.search("from:jane")
	h.waitFor("mark of #" + itoa(f.fix.ID) + " dropped: not in this list")
	if s := h.screen(); strings.Contains(s, "marked") {
		t.Errorf("the dropped mark is still counted:\n%s", s)
	}
	// The cursor is on the doc patch: s changes it, and only it.
	h.waitUntil("the cursor on the doc", func(s string) bool { return strings.Contains(cursorRow(s), "doc: typo") })
	h.typ("s")
	h.waitFor("State of #" + itoa(f.doc.ID) + " doc: typo in README")
	pickState(h, f, "new", "rfc")
	h.waitFor("#" + itoa(f.doc.ID) + " doc: typo in README → RFC")
	if p := must(f.s.GetPatch(ctx, f.doc.ID))(t); p.StateID != f.states["rfc"].ID {
		t.Errorf("the cursor's patch: state %d, want RFC", p.StateID)
	}
	if p := must(f.s.GetPatch(ctx, f.fix.ID))(t); p.StateID != f.states["under-review"].ID {
		t.Errorf("the patch whose mark was dropped changed: state %d", p.StateID)
	}

	// Mark both v2 patches; someone else archives one of them, which
	// leaves the list: archiving the marks leaves it out, and says so.
	v1, v2 := f.v2p[0], f.v2p[1]
	h.search("from:jane -is:archived series:" + itoa(f.v2.ID))
	h.waitFor("1 of 2")
	h.press("space", "space")
	h.waitFor("2 marked")
	yes := true
	if _, err := f.s.UpdatePatch(ctx, v2.ID, store.PatchUpdate{Archived: &yes}, f.oscar.ID); err != nil {
		t.Fatal(err)
	}
	h.typ("a")
	h.waitFor(fmt.Sprintf("Archive #%d unix: loop fix 1 (left out, not in this list: #%d)?", v1.ID, v2.ID))
	h.typ("y")
	h.waitFor(fmt.Sprintf("#%d unix: loop fix 1 archived (left out, not in this list: #%d)", v1.ID, v2.ID))
	if p := must(f.s.GetPatch(ctx, v1.ID))(t); !p.Archived {
		t.Errorf("#%d not archived", v1.ID)
	}
	for _, ev := range events(t, f.s, v2.ID) {
		if ev.ActorID == f.mia.ID {
			t.Errorf("the patch left out was changed by mia: %+v", ev)
		}
	}

	// Every mark outside the list: nothing happens.
	h.search("from:jane -is:archived")
	h.waitUntil("the cursor on the doc", func(s string) bool { return strings.Contains(cursorRow(s), "doc: typo") })
	h.press("space")
	h.waitFor("1 marked")
	if _, err := f.s.UpdatePatch(ctx, f.doc.ID, store.PatchUpdate{Archived: &yes}, f.oscar.ID); err != nil {
		t.Fatal(err)
	}
	h.typ("s")
	h.waitFor("the marked patches are not in this list (#" + itoa(f.doc.ID) + "): marks dropped, nothing changed")
}

// TestMarkSeriesOutsideTheList: v marks the patches of the series that
// the list shows and names the others.
func TestMarkSeriesOutsideTheList(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, f.mia)
	openList(h)
	v1, v2 := f.v2p[0], f.v2p[1]
	h.search("-id:" + itoa(v2.ID) + " series:" + itoa(f.v2.ID))
	h.waitFor("1 of 1")
	h.typ("v")
	h.waitFor(fmt.Sprintf("1 of 2 patches of series #%d marked; not in this list, so not marked: #%d", f.v2.ID, v2.ID), "1 marked")
	h.typ("s")
	h.waitFor(fmt.Sprintf("State of #%d unix: loop fix 1", v1.ID))

	// All of it shown: all marked, nothing named.
	h.press("esc")
	h.search("series:" + itoa(f.v2.ID))
	h.typ("x")
	h.typ("v")
	h.waitFor(fmt.Sprintf("2 patches of series #%d marked", f.v2.ID), "2 marked")
}

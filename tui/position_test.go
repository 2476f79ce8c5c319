package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestTruePosition: the info line shows the cursor's position in the
// whole list and the list's total, also far from the start (the window
// then holds a slice of the list), after G, and after new mail arrives
// above the cursor.
func TestTruePosition(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := seed(t, sqltest.SQLite(t))
	many := manyPatches(t, f, 300)
	h := start(t, f.s, nil, size(100, 20))
	h.waitFor("libuv")
	h.press("enter")
	h.waitFor("1 of 304", "doc: typo")
	h.typ("G")
	h.waitFor("304 of 304", many[len(many)-1].Name)
	h.typ("k")
	h.waitFor("303 of 304")
	for range 8 {
		h.press("pgdown")
	}
	h.typ("g")
	h.waitFor("1 of 304")
	for range 6 { // 15 rows a page
		h.press("pgdown")
	}
	s := h.waitFor("91 of 304")
	if row := h.highlighted(); !strings.Contains(row, many[90-4].Name) {
		t.Fatalf("the cursor is on %q, want %q:\n%s", row, many[90-4].Name, s)
	}

	// New mail, newest of all: the cursor's patch moved one down.
	p := &store.Patch{ProjectID: f.libuv.ID, MsgID: "<late@example.org>", Name: "[PATCH] late: new mail",
		Date: time.Date(2026, 2, 28, 9, 0, 0, 0, time.UTC), SubmitterID: f.bob.ID, StateID: f.states["new"].ID,
		Diff: sampleDiff, Content: "late\n"}
	check(t, f.s.InTx(ctx, func(tx store.Store) error {
		if err := tx.CreatePatch(ctx, p, nil); err != nil {
			return err
		}
		return tx.CreateEvent(ctx, &store.Event{Category: store.EventPatchCreated, ProjectID: f.libuv.ID, PatchID: p.ID, Date: p.Date})
	}))
	h.waitFor("92 of 305")
	if row := h.highlighted(); !strings.Contains(row, many[90-4].Name) {
		t.Fatalf("after new mail the cursor is on %q, want %q", row, many[90-4].Name)
	}
}

// addNewest stores patches newer than every listed one, with their events,
// as mailin does.
func addNewest(t *testing.T, f *fixture, names ...string) {
	t.Helper()
	ctx := context.Background()
	check(t, f.s.InTx(ctx, func(tx store.Store) error {
		for i, name := range names {
			p := &store.Patch{ProjectID: f.libuv.ID, MsgID: "<" + store.Slugify(name) + "@example.org>", Name: name,
				Date: time.Date(2026, 2, 28, 9, i, 0, 0, time.UTC), SubmitterID: f.bob.ID, StateID: f.states["new"].ID,
				Diff: sampleDiff, Content: "new\n"}
			if err := tx.CreatePatch(ctx, p, nil); err != nil {
				return err
			}
			if err := tx.CreateEvent(ctx, &store.Event{Category: store.EventPatchCreated, ProjectID: f.libuv.ID, PatchID: p.ID, Date: p.Date}); err != nil {
				return err
			}
		}
		return nil
	}))
}

// TestNewMailAbove: mail that arrives above a scrolled list is announced
// ("3 new ↑") until scrolled into view; at the top of the list it shows
// on the screen instead of above it.
func TestNewMailAbove(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	many := manyPatches(t, f, 40)
	h := start(t, f.s, nil, size(100, 20))
	h.waitFor("libuv")
	h.press("enter")
	h.waitFor("1 of 44", "doc: typo")

	// At the top, cursor on the second row: the new rows show on screen.
	h.typ("j")
	h.waitFor("2 of 44")
	addNewest(t, f, "[PATCH] top: first new")
	s := h.waitFor("3 of 45", "top: first new")
	if strings.Contains(s, "new ↑") {
		t.Errorf("the new row shows, yet is announced as above:\n%s", s)
	}

	// Scrolled down: three new rows above the screen are announced.
	h.typ("20j")
	h.waitFor("23 of 45")
	addNewest(t, f, "[PATCH] top: second new", "[PATCH] top: third new", "[PATCH] top: fourth new")
	s = h.waitFor("26 of 48", "3 new ↑")
	if row := h.highlighted(); !strings.Contains(row, many[23-1-5].Name) {
		t.Errorf("the cursor left its patch for %q:\n%s", row, s)
	}
	h.typ("g")
	h.waitFor("1 of 48", "top: fourth new")
	h.waitGone("new ↑")
}

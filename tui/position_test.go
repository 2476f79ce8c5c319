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

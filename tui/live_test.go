package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestLiveUpdate: another writer (as parsemail or another session would)
// adds a patch and changes one; open screens show it without a key press,
// and the list keeps its cursor on the same patch.
func TestLiveUpdate(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := seed(t, s)
		h := start(t, s, f.mia)
		openList(h)
		h.typ("j")
		h.waitFor("2 of 4")
		if row := cursorRow(h.screen()); !strings.Contains(row, "win: fix handle leak") {
			t.Fatalf("cursor on %q", row)
		}

		// A new mail, newer than every listed patch, as mailin stores it.
		p := &store.Patch{ProjectID: f.libuv.ID, MsgID: "<late@example.org>", Name: "[PATCH] late: new mail",
			Date: time.Date(2026, 2, 28, 9, 0, 0, 0, time.UTC), SubmitterID: f.bob.ID, Diff: sampleDiff, Content: "late\n"}
		check(t, s.InTx(ctx, func(tx store.Store) error {
			if err := tx.CreatePatch(ctx, p, nil); err != nil {
				return err
			}
			return tx.CreateEvent(ctx, &store.Event{Category: store.EventPatchCreated, ProjectID: f.libuv.ID, PatchID: p.ID, Date: p.Date})
		}))
		sc := h.waitFor("late: new mail", "3 of 5")
		if row := cursorRow(sc); !strings.Contains(row, "win: fix handle leak") {
			t.Errorf("the cursor moved off its patch: %q", row)
		}

		// Another maintainer's change shows in an open patch view.
		h.press("enter")
		h.waitFor("patch #"+itoa(f.fix.ID), "Under Review")
		st := f.states["changes-requested"].ID
		if st == 0 {
			st = f.states["rejected"].ID
		}
		_, err := service.New(s, service.Options{}).EditPatch(ctx, f.mia, f.fix.ID, store.PatchUpdate{StateID: &st}, service.UpstreamPolicy)
		check(t, err)
		want, _ := store.StateByID(must(s.ListStates(ctx))(t), st)
		h.waitFor("State      " + want.Name)
	})
}

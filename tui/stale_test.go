package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestStateDialogRefusesStaleOverwrite: a state picked in a dialog is not
// written over a change someone else made since the dialog opened. The
// user is shown the patch's new state and asked again: no keeps the other
// change (and the list shows it), yes writes over it knowingly.
func TestStateDialogRefusesStaleOverwrite(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := seed(t, s)
		target := f.doc
		h := start(t, s, f.mia)
		openList(h)
		h.typ("s")
		h.waitFor("State of #" + itoa(target.ID) + " doc: typo in README")
		// Someone else accepts the patch while mia's picker is open.
		acc := f.states["accepted"].ID
		if _, err := s.UpdatePatch(ctx, target.ID, store.PatchUpdate{StateID: &acc}, f.oscar.ID); err != nil {
			t.Fatal(err)
		}
		pickState(h, f, "new", "under-review")
		h.waitFor("Changed by someone else since this dialog opened",
			"#"+itoa(target.ID)+" doc: typo in README: state now Accepted (you saw New)", "Set it to Under Review anyway?")
		if p := must(s.GetPatch(ctx, target.ID))(t); p.StateID != acc {
			t.Fatalf("mia's stale choice overwrote the state: %d", p.StateID)
		}
		h.typ("n")
		h.waitGone("anyway?")
		if p := must(s.GetPatch(ctx, target.ID))(t); p.StateID != acc {
			t.Fatalf("a refused re-confirmation wrote the state: %d", p.StateID)
		}
		if n := len(events(t, s, target.ID)); n != 1 {
			t.Fatalf("%d events, want only the other change's", n)
		}
		// The list reloads: accepted, the patch left the action-required
		// list mia is looking at.
		h.waitFor("1 of 3")
		if strings.Contains(h.screen(), "doc: typo") {
			t.Errorf("the accepted patch is still listed:\n%s", h.screen())
		}

		// Again on the fix, and this time mia confirms over the change.
		fix := f.fix
		h.waitUntil("the cursor on the fix", func(s string) bool { return strings.Contains(cursorRow(s), "win: fix handle leak") })
		h.typ("s")
		h.waitFor("State of #" + itoa(fix.ID) + " win: fix handle leak")
		rej := f.states["rejected"].ID
		if _, err := s.UpdatePatch(ctx, fix.ID, store.PatchUpdate{StateID: &rej}, f.oscar.ID); err != nil {
			t.Fatal(err)
		}
		pickState(h, f, "under-review", "accepted")
		h.waitFor("#"+itoa(fix.ID)+" win: fix handle leak: state now Rejected (you saw Under Review)", "Set it to Accepted anyway?")
		h.typ("y")
		h.waitFor("#" + itoa(fix.ID) + " win: fix handle leak → Accepted")
		if p := must(s.GetPatch(ctx, fix.ID))(t); p.StateID != acc {
			t.Fatalf("the re-confirmed state was not written: %d", p.StateID)
		}
		evs := events(t, s, fix.ID)
		if len(evs) != 2 || evs[0].ActorID != f.mia.ID || evs[0].PreviousStateID != rej || evs[0].CurrentStateID != acc {
			t.Fatalf("events of the fix: %+v", evs)
		}
	})
}

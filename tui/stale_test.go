package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestStateDialogRefusesStaleOverwrite: a state picked in a dialog is not
// written over a change someone else made since the dialog opened; the
// user is told and the list shows the other change.
func TestStateDialogRefusesStaleOverwrite(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := seed(t, s)
		target := f.doc
		h := start(t, s, f.mia)
		openList(h)
		h.typ("s")
		h.waitFor("State of 1 patch")
		// Someone else accepts the patch while mia's picker is open.
		acc := f.states["accepted"].ID
		if _, err := s.UpdatePatch(ctx, target.ID, store.PatchUpdate{StateID: &acc}, f.oscar.ID); err != nil {
			t.Fatal(err)
		}
		pickState(h, f, "new", "under-review")
		h.waitFor("someone else changed it")
		if p := must(s.GetPatch(ctx, target.ID))(t); p.StateID != acc {
			t.Fatalf("mia's stale choice overwrote the state: %d", p.StateID)
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
	})
}

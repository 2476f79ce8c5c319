package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestUndo: u takes back the session's last change (state, delegate,
// archive, commit ref, bundle add) on exactly the patches it touched,
// through the service (an event each), and says what it restored; it
// leaves alone a patch changed again since.
func TestUndo(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := seed(t, s)
		h := start(t, s, f.mia)
		openList(h)
		doc := "#" + itoa(f.doc.ID) + " doc: typo in README"

		h.typ("u")
		h.waitFor("nothing to undo")

		// State.
		h.typ("s")
		h.waitFor("State of " + doc)
		pickState(h, f, "new", "under-review")
		h.waitFor(doc + " → Under Review")
		h.typ("u")
		h.waitFor("undone: " + doc + " state back to New")
		got := must(s.GetPatch(ctx, f.doc.ID))(t)
		if got.StateID != f.states["new"].ID {
			t.Fatalf("state after undo: %d", got.StateID)
		}
		if evs := events(t, s, f.doc.ID); len(evs) != 2 || evs[0].ActorID != f.mia.ID || evs[0].CurrentStateID != f.states["new"].ID {
			t.Fatalf("events after undo: %+v", evs)
		}
		h.typ("u")
		h.waitFor("nothing to undo")

		// Delegate, then commit ref (only the last one is undone).
		h.typ("d")
		h.waitFor("Delegate " + doc + " to")
		h.typ("j")
		h.press("enter")
		h.waitFor(doc + " delegated to mia")
		h.typ("c")
		h.waitFor("Commit ref for " + doc)
		h.typ("cafe")
		h.press("enter")
		h.waitFor(doc + " commit ref set to cafe")
		h.typ("u")
		h.waitFor("undone: " + doc + " commit ref cleared")
		got = must(s.GetPatch(ctx, f.doc.ID))(t)
		if got.CommitRef != "" || got.DelegateID != f.mia.ID {
			t.Fatalf("after undoing the commit ref: ref %q, delegate %d", got.CommitRef, got.DelegateID)
		}

		// Archive two marked patches: both come back.
		h.typ("jj")
		h.waitFor("3 of 4")
		h.press("space", "space")
		h.typ("a")
		h.waitFor("Archive 2 patches:")
		h.typ("y")
		h.waitFor("2 patches archived:")
		h.typ("u")
		h.waitFor(fmt.Sprintf("undone: 2 patches unarchived: #%d #%d", f.v2p[0].ID, f.v2p[1].ID))
		for _, p := range f.v2p {
			if got := must(s.GetPatch(ctx, p.ID))(t); got.Archived {
				t.Errorf("#%d still archived after undo", p.ID)
			}
		}

		// A bundle made by the addition goes with its undo; a second
		// addition's undo takes out only what it added.
		h.typ("g")
		h.waitUntil("the cursor on the doc", func(s string) bool { return strings.Contains(cursorRow(s), "doc: typo") })
		h.typ("b")
		h.waitFor("Add " + doc + " to bundle")
		h.typ("review")
		h.press("enter")
		h.waitFor(doc + ` added to bundle "review"`)
		h.typ("u")
		h.waitFor(`undone: bundle "review" deleted`)
		if _, err := s.GetBundleByName(ctx, f.mia.ID, "review"); err == nil {
			t.Fatal("the bundle the addition made survives its undo")
		}
		h.typ("b")
		h.waitFor("Add " + doc + " to bundle")
		h.typ("review")
		h.press("enter")
		h.waitFor(doc + ` added to bundle "review"`)
		h.typ("j")
		h.typ("b")
		h.waitFor("Add #" + itoa(f.fix.ID) + " win: fix handle leak to bundle (yours: review)")
		h.typ("review")
		h.press("enter")
		h.waitFor(`win: fix handle leak added to bundle "review"`)
		h.typ("u")
		h.waitFor("undone: #" + itoa(f.fix.ID) + ` win: fix handle leak taken out of bundle "review"`)
		b := must(s.GetBundleByName(ctx, f.mia.ID, "review"))(t)
		if ids := must(s.BundlePatchIDs(ctx, b.ID))(t); len(ids) != 1 || ids[0] != f.doc.ID {
			t.Fatalf("bundle after undo holds %v, want just the doc", ids)
		}

		// Changed again by someone else: the undo leaves it alone.
		h.typ("s")
		h.waitFor("State of #" + itoa(f.fix.ID))
		pickState(h, f, "under-review", "accepted")
		h.waitFor("win: fix handle leak → Accepted")
		rej := f.states["rejected"].ID
		if _, err := s.UpdatePatch(ctx, f.fix.ID, store.PatchUpdate{StateID: &rej}, f.oscar.ID); err != nil {
			t.Fatal(err)
		}
		h.typ("u")
		h.waitFor("not undone: #" + itoa(f.fix.ID) + ": changed again since, left as it is")
		if got := must(s.GetPatch(ctx, f.fix.ID))(t); got.StateID != rej {
			t.Fatalf("the undo overwrote the later change: %d", got.StateID)
		}
	})
}

// TestUndoFromPatchView: the undo of a change made in the patch view
// works from the list it returns to.
func TestUndoFromPatchView(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, f.mia, func(o *Options) { o.InitialPatchID = f.doc.ID })
	h.waitFor("Message-ID")
	h.typ("a")
	h.waitFor("#" + itoa(f.doc.ID) + " doc: typo in README archived")
	h.typ("q")
	h.typ("u")
	h.waitFor("undone: #" + itoa(f.doc.ID) + " doc: typo in README unarchived")
	if got := must(f.s.GetPatch(ctx, f.doc.ID))(t); got.Archived {
		t.Fatal("still archived after undo")
	}
}

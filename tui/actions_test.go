package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// openList opens libuv's list with the default query.
func openList(h *harness) {
	h.t.Helper()
	h.waitFor("libuv")
	h.press("enter")
	h.waitFor("1 of 4", "doc: typo")
}

// cursorRow reads the name of the row the info line says the cursor is on.
func cursorRow(s string) string {
	lines := strings.Split(s, "\n")
	var n int
	for _, f := range strings.Fields(lines[1]) {
		if v, err := strconv.Atoi(f); err == nil && n == 0 {
			n = v
		}
	}
	if n == 0 || 2+n >= len(lines) {
		return ""
	}
	return lines[2+n]
}

func events(t *testing.T, s store.Store, patchID int64) []store.Event {
	t.Helper()
	evs, err := s.ListEvents(context.Background(), store.EventQuery{PatchID: patchID})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// pick moves a picker's cursor from the current item to the one labelled
// to, in the store's state order, and chooses it.
func pickState(h *harness, f *fixture, from, to string) {
	h.t.Helper()
	states := must(f.s.ListStates(context.Background()))(h.t)
	var i, j int
	for k, st := range states {
		if st.Slug == from {
			i = k
		}
		if st.Slug == to {
			j = k
		}
	}
	for ; i < j; i++ {
		h.typ("j")
	}
	for ; i > j; i-- {
		h.typ("k")
	}
	h.press("enter")
}

func TestStatePermission(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := seed(t, s)
		target := f.doc

		// Anonymous: refused at once, nothing written.
		h := start(t, s, nil)
		openList(h)
		h.typ("s")
		h.waitFor("permission denied: log in with a registered SSH key")
		if n := len(events(t, s, target.ID)); n != 0 {
			t.Fatalf("anonymous attempt recorded %d events", n)
		}

		// A maintainer of another project: the store refuses.
		// A maintainer of another project: told before any menu opens.
		h = start(t, s, f.oscar)
		openList(h)
		h.typ("s")
		if scr := h.waitFor("permission denied: oscar may not change #" + itoa(target.ID) + " doc: typo in README (only libuv's maintainers"); strings.Contains(scr, "State of") {
			t.Fatalf("the state menu opened for oscar:\n%s", scr)
		}
		if p := must(s.GetPatch(ctx, target.ID))(t); p.StateID != f.states["new"].ID {
			t.Fatalf("oscar changed the state to %d", p.StateID)
		}
		if n := len(events(t, s, target.ID)); n != 0 {
			t.Fatalf("a refused change recorded %d events", n)
		}

		// The maintainer: changed, one event with her as the actor, and
		// the list shows it.
		h = start(t, s, f.mia)
		openList(h)
		h.typ("s")
		h.waitFor("State of #" + itoa(target.ID) + " doc: typo in README")
		pickState(h, f, "new", "under-review")
		h.waitFor("#" + itoa(target.ID) + " doc: typo in README → Under Review")
		if p := must(s.GetPatch(ctx, target.ID))(t); p.StateID != f.states["under-review"].ID {
			t.Fatalf("state is %d, want under-review", p.StateID)
		}
		evs := events(t, s, target.ID)
		if len(evs) != 1 || evs[0].Category != store.EventPatchStateChanged || evs[0].ActorID != f.mia.ID ||
			evs[0].PreviousStateID != f.states["new"].ID || evs[0].CurrentStateID != f.states["under-review"].ID {
			t.Fatalf("events: %+v", evs)
		}
		// The list reloads with the cursor on the changed patch.
		h.waitUntil("the cursor row to show the new state", func(s string) bool {
			row := cursorRow(s)
			return strings.Contains(row, "doc: typo") && strings.Contains(row, "Under Review")
		})
	})
}

func TestActionsOnMarkedPatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, f.mia)
	openList(h)
	// Mark the two v2 patches (rows 3 and 4), archive both after a
	// confirmation: they leave the default list.
	h.typ("jj")
	h.waitFor("3 of 4")
	h.press("space", "space")
	h.waitFor("2 marked")
	h.typ("a")
	h.waitFor(fmt.Sprintf("Archive 2 patches: #%d #%d?", f.v2p[0].ID, f.v2p[1].ID))
	h.typ("y")
	h.waitFor("2 patches archived", "2 of 2")
	for _, p := range f.v2p {
		if got := must(f.s.GetPatch(ctx, p.ID))(t); !got.Archived {
			t.Errorf("patch %d not archived", p.ID)
		}
	}
	if strings.Contains(h.screen(), "marked") {
		t.Error("marks survive a successful action")
	}

	// Delegate the first row, set a commit ref on it.
	h.typ("g")
	h.typ("d")
	h.waitFor("Delegate #"+itoa(f.doc.ID)+" doc: typo in README to", "(nobody)", "mia")
	h.typ("j")
	h.press("enter")
	h.waitFor("#" + itoa(f.doc.ID) + " doc: typo in README delegated to mia")
	h.typ("c")
	h.waitFor("Commit ref for #" + itoa(f.doc.ID) + " doc: typo in README")
	h.typ("deadbeef")
	h.press("enter")
	h.waitFor("#" + itoa(f.doc.ID) + " doc: typo in README commit ref set to deadbeef")
	got := must(f.s.GetPatch(ctx, f.doc.ID))(t)
	if got.DelegateID != f.mia.ID || got.CommitRef != "deadbeef" {
		t.Errorf("doc patch: delegate %d, commit ref %q", got.DelegateID, got.CommitRef)
	}

	// A cancelled confirmation changes nothing.
	h.press("space")
	h.typ("j")
	h.press("space")
	h.waitFor("2 marked")
	h.typ("a")
	h.waitFor("Archive 2 patches: #")
	h.typ("n")
	h.waitGone("Archive 2 patches: #")
	if got := must(f.s.GetPatch(ctx, f.doc.ID))(t); got.Archived {
		t.Error("archived after the confirmation was refused")
	}
}

func TestSeriesAction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, f.mia, func(o *Options) { o.InitialPatchID = f.v2p[0].ID })
	h.waitFor("Versions   v1 #1")
	h.typ("S")
	h.waitFor("series #2", "actions apply to the whole series")
	h.typ("s")
	h.waitFor(fmt.Sprintf("State of 2 patches: #%d #%d", f.v2p[0].ID, f.v2p[1].ID))
	pickState(h, f, "new", "accepted")
	h.waitFor(fmt.Sprintf("Set 2 patches to Accepted: #%d #%d?", f.v2p[0].ID, f.v2p[1].ID))
	h.typ("y")
	h.waitFor("2 patches → Accepted")
	for _, p := range f.v2p {
		if got := must(f.s.GetPatch(ctx, p.ID))(t); got.StateID != f.states["accepted"].ID {
			t.Errorf("patch %d: state %d", p.ID, got.StateID)
		}
	}
}

func TestBundlesAndTodo(t *testing.T) {
	t.Parallel()
	f := seed(t, sqltest.SQLite(t))
	h := start(t, f.s, f.mia)
	openList(h)
	h.typ("j")
	h.waitFor("2 of 4")
	h.typ("b")
	h.waitFor("Add #" + itoa(f.fix.ID) + " win: fix handle leak to bundle")
	h.typ("review")
	h.press("enter")
	h.waitFor("#" + itoa(f.fix.ID) + ` win: fix handle leak added to bundle "review"`)

	h.typ("B")
	h.waitFor("patchwork › bundles", "review", "mia")
	h.press("enter")
	h.waitFor("bundle review", "win: fix handle leak", "1 of 1")
	h.typ("q")
	h.waitFor("patchwork › bundles")
	h.typ("p")
	h.waitFor(`bundle "review" is now public`)
	h.typ("D")
	h.waitFor(`Delete bundle "review"?`)
	h.typ("y")
	h.waitFor(`bundle "review" deleted`, "no bundles yet")
	// The last change (the deletion) cannot be undone: u does not reach
	// back to the addition before it.
	h.typ("u")
	h.waitFor("nothing to undo")

	// The to-do list: patches delegated to mia that need action.
	h.typ("T")
	h.waitFor("my to-do", "win: fix handle leak", "1 of 1")

	// Anonymous sessions have neither.
	a := start(t, f.s, nil)
	a.waitFor("libuv")
	a.typ("T")
	a.waitFor("the to-do list needs a registered SSH key")
}

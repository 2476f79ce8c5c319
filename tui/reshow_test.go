package tui

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// listCounter counts the patch list queries of a session.
type listCounter struct {
	store.Store
	lists atomic.Int64
}

func (s *listCounter) ListPatches(ctx context.Context, q store.PatchQuery) ([]store.PatchRow, error) {
	s.lists.Add(1)
	return s.Store.ListPatches(ctx, q)
}

// rowOf is the screen line that names patch.
func rowOf(screen, patch string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, patch) {
			return l
		}
	}
	return ""
}

// TestBackReloadsOnChange: going back from a patch to the list reads the
// list again when the event log moved for its project meanwhile (another
// writer's change) or when the session changed something itself, and
// shows the rows it holds as they are otherwise. Polling is off, so only
// going back can reload the list.
func TestBackReloadsOnChange(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := seed(t, s)
		cs := &listCounter{Store: s}
		h := start(t, cs, f.mia, func(o *Options) { o.PollInterval = time.Hour })
		openList(h)
		doc := "patch #" + itoa(f.doc.ID)

		// Nothing changed: no query.
		before := cs.lists.Load()
		h.press("enter")
		h.waitFor(doc, "Message-ID")
		h.typ("q")
		h.waitFor("1 of 4", "doc: typo")
		time.Sleep(200 * time.Millisecond) // the event log check's answer
		if n := cs.lists.Load() - before; n != 0 {
			t.Errorf("back to an unchanged list: %d list queries, want 0", n)
		}

		// Another writer changes a listed patch while the patch shows.
		h.press("enter")
		h.waitFor(doc, "Message-ID")
		st := f.states["new"].ID
		_, err := store.EditPatch(ctx, s, f.mia, f.fix.ID, store.PatchUpdate{StateID: &st}, false)
		check(t, err)
		h.typ("q")
		h.waitUntil("the fix's row to show New", func(s string) bool {
			row := rowOf(s, "win: fix handle leak")
			return strings.Contains(row, "New") && !strings.Contains(row, "Under Review")
		})

		// The session changes the patch it shows.
		h.waitFor("1 of 4")
		h.press("enter")
		h.waitFor(doc, "Message-ID")
		h.typ("s")
		h.waitFor("State of 1 patch")
		pickState(h, f, "new", "under-review")
		h.waitFor("1 patch → Under Review")
		h.typ("q")
		h.waitUntil("the doc's row to show Under Review", func(s string) bool {
			return strings.Contains(rowOf(s, "doc: typo"), "Under Review")
		})
	})
}

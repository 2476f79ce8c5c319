package tui

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
	"github.com/patchwork-go/patchwork/tui/common"
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
		_, err := service.New(s, service.Options{}).EditPatch(ctx, f.mia, f.fix.ID, store.PatchUpdate{StateID: &st}, service.UpstreamPolicy)
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
		h.waitFor("State of #" + itoa(f.doc.ID) + " doc: typo")
		pickState(h, f, "new", "under-review")
		h.waitFor("doc: typo in README → Under Review")
		h.typ("q")
		h.waitUntil("the doc's row to show Under Review", func(s string) bool {
			return strings.Contains(rowOf(s, "doc: typo"), "Under Review")
		})
	})
}

// TestBackCheckRace: a list shown again is covered again before the event
// log's answer arrives; the answer (the list is stale) must still make it
// reload when it shows the next time, although the session's baseline
// moved past the change meanwhile.
func TestBackCheckRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := sqltest.SQLite(t)
	f := seed(t, s)
	se := newSession(t, s, termW, termH, func(o *Options) { o.User = f.mia })
	listed := func(sc string) bool { return strings.Contains(sc, "1 of 4") && strings.Contains(sc, "doc: typo") }
	se.until("the projects", contains("libuv"))
	se.press(keyMsg("enter"), "the list", listed)
	se.settle()
	opened := func(sc string) bool { return strings.Contains(sc, "Message-ID") && !strings.Contains(sc, "loading…") }
	se.press(keyMsg("enter"), "the patch", opened)
	se.settle()

	// Another writer changes a listed patch; a poll while the patch shows
	// moves the session's baseline past it.
	st := f.states["new"].ID
	_, err := service.New(s, service.Options{}).EditPatch(ctx, f.mia, f.fix.ID, store.PatchUpdate{StateID: &st}, service.UpstreamPolicy)
	check(t, err)
	_, poll := se.m.Update(tickMsg{})
	_, cmd := se.m.Update(poll())
	se.run(cmd)
	se.timers++ // the poll's next tick
	se.settle()

	// Back (its check held), and into the patch again at once.
	check := se.key(keyMsg("q"))
	open := se.key(keyMsg("enter"))
	_, cmd = se.m.Update(open())
	se.run(cmd)
	se.until("the patch", opened)
	se.settle()
	_, cmd = se.m.Update(check())
	se.run(cmd)
	se.settle()

	se.press(keyMsg("q"), "the fix's row showing New", func(sc string) bool {
		row := rowOf(sc, "win: fix handle leak")
		return strings.Contains(row, "New") && !strings.Contains(row, "Under Review")
	})
}

// TestBackAfterLostLoad: the list starts loading more rows while its
// event log check runs, and is covered before either answers; the rows'
// answer goes to the page on top and is lost. Going back must reload the
// list, or it would wait for those rows for ever (its cursor stuck at the
// window's end).
func TestBackAfterLostLoad(t *testing.T) {
	t.Parallel()
	s, _ := sqltest.Seeded(t, "sqlite", 2000)
	se := newSession(t, s, termW, termH)
	listed := func(sc string) bool { return strings.Contains(sc, "query: ") && strings.Contains(sc, " of ") }
	opened := func(sc string) bool { return strings.Contains(sc, "Message-ID") && !strings.Contains(sc, "loading…") }
	se.until("the projects", contains("bench"))
	se.press(keyMsg("enter"), "the list", listed)
	se.settle()
	se.press(keyMsg("enter"), "the patch", opened)
	se.settle()

	// Back, its check held; the list scrolls to its window's end, which
	// starts a load (held too); into a patch again.
	check := se.key(keyMsg("q"))
	var load tea.Cmd
	for load == nil {
		load = se.key(keyMsg("ctrl+d"))
	}
	open := se.key(keyMsg("enter"))
	_, cmd := se.m.Update(open())
	se.run(cmd)
	se.until("the patch", opened)
	se.settle()
	se.m.Update(load()) // to the patch page: lost
	_, cmd = se.m.Update(check())
	se.run(cmd)
	se.settle()

	cmd = se.key(keyMsg("q"))
	se.run(cmd)
	se.until("the list", listed)
	se.settle()
	if l := se.m.(*Model).top().(common.Followed); !l.Settled() {
		t.Fatal("the list still waits for the rows whose answer was lost")
	}
}

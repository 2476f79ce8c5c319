package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestWatcher: a page of one project learns of that project's events only;
// pages across projects learn of all; one reading serves every poll within
// maxAge.
func TestWatcher(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ps := twoProjects(t, s)
		event := func(p *store.Project) {
			t.Helper()
			check(t, s.CreateEvent(ctx, &store.Event{Category: store.EventSeriesCreated, ProjectID: p.ID, Date: time.Now()}))
		}
		event(ps[0]) // before the watcher: part of its baseline

		clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		w := store.NewWatcher(s, time.Second, func() time.Time { return clock })
		base, changed, err := w.Check(ctx, 0, ps[0].ID)
		check(t, err)
		if base == 0 || changed {
			t.Fatalf("baseline: latest %d changed %v, want the first event and no change", base, changed)
		}

		event(ps[1])
		// Within maxAge the reading is reused: nothing new yet.
		if id, ch, err := w.Check(ctx, base, 0); err != nil || id != base || ch {
			t.Fatalf("within maxAge: %d %v %v, want the old reading", id, ch, err)
		}
		clock = clock.Add(time.Second)
		id, ch, err := w.Check(ctx, base, ps[0].ID)
		check(t, err)
		if id <= base || ch {
			t.Fatalf("alpha after an event of beta: latest %d changed %v, want a newer id and no change", id, ch)
		}
		if _, ch, _ := w.Check(ctx, base, ps[1].ID); !ch {
			t.Fatal("beta's page did not learn of beta's event")
		}
		if _, ch, _ := w.Check(ctx, base, 0); !ch {
			t.Fatal("a page across projects did not learn of beta's event")
		}

		event(ps[0])
		clock = clock.Add(time.Second)
		id2, ch, err := w.Check(ctx, id, ps[0].ID)
		check(t, err)
		if id2 <= id || !ch {
			t.Fatalf("alpha after its own event: latest %d changed %v", id2, ch)
		}
		if _, ch, _ := w.Check(ctx, id2, ps[1].ID); ch {
			t.Fatal("beta's page saw a change after its last event")
		}
	})
}

// TestWatcherCounts: sessions share one count per project, made again only
// after an event of that project.
func TestWatcherCounts(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ps := twoProjects(t, s)
		who, err := s.UpsertPerson(ctx, "dev@example.org", "Dev", false)
		check(t, err)
		n := 0
		patch := func(p *store.Project, withEvent bool) {
			t.Helper()
			n++
			x := &store.Patch{ProjectID: p.ID, MsgID: fmt.Sprintf("<%d@count>", n), Name: "p", Date: time.Now(), SubmitterID: who.ID}
			check(t, s.CreatePatch(ctx, x, nil))
			if withEvent {
				check(t, s.CreateEvent(ctx, &store.Event{Category: store.EventPatchCreated, ProjectID: p.ID, PatchID: x.ID, Date: time.Now()}))
			}
		}
		clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		w := store.NewWatcher(s, time.Second, func() time.Time { return clock })
		poll := func() {
			t.Helper()
			clock = clock.Add(time.Second)
			_, _, err := w.Check(ctx, 0, 0)
			check(t, err)
		}
		total := func() int {
			t.Helper()
			m, err := w.Counts(ctx, ps[0].ID, false)
			check(t, err)
			sum := 0
			for _, v := range m {
				sum += v
			}
			return sum
		}
		poll()
		patch(ps[0], true)
		poll()
		if got := total(); got != 1 {
			t.Fatalf("first count %d, want 1", got)
		}
		// Without an event the count is not made again (a patch written
		// behind the store's back shows it).
		patch(ps[0], false)
		poll()
		if got := total(); got != 1 {
			t.Fatalf("count without an event of alpha: %d, want the shared 1", got)
		}
		patch(ps[1], true)
		poll()
		if got := total(); got != 1 {
			t.Fatalf("count after an event of beta: %d, want the shared 1", got)
		}
		patch(ps[0], true)
		poll()
		if got := total(); got != 3 {
			t.Fatalf("count after an event of alpha: %d, want 3", got)
		}
	})
}

// twoProjects creates the projects alpha and beta.
func twoProjects(t *testing.T, s store.Store) [2]*store.Project {
	t.Helper()
	var ps [2]*store.Project
	for k, name := range []string{"alpha", "beta"} {
		ps[k] = &store.Project{LinkName: name, Name: name, ListID: name + ".example.org", ListEmail: name + "@example.org"}
		check(t, s.CreateProject(context.Background(), ps[k]))
	}
	return ps
}

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

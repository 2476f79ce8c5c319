package tui

import (
	"context"
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
		var ps [2]*store.Project
		for k, name := range []string{"alpha", "beta"} {
			ps[k] = &store.Project{LinkName: name, Name: name, ListID: name + ".example.org", ListEmail: name + "@example.org"}
			check(t, s.CreateProject(ctx, ps[k]))
		}
		event := func(p *store.Project) {
			t.Helper()
			check(t, s.CreateEvent(ctx, &store.Event{Category: store.EventSeriesCreated, ProjectID: p.ID, Date: time.Now()}))
		}
		event(ps[0]) // before the watcher: part of its baseline

		clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		w := NewWatcher(s, time.Second)
		w.now = func() time.Time { return clock }
		base, changed, err := w.check(ctx, 0, ps[0].ID)
		check(t, err)
		if base == 0 || changed {
			t.Fatalf("baseline: latest %d changed %v, want the first event and no change", base, changed)
		}

		event(ps[1])
		// Within maxAge the reading is reused: nothing new yet.
		if id, ch, err := w.check(ctx, base, 0); err != nil || id != base || ch {
			t.Fatalf("within maxAge: %d %v %v, want the old reading", id, ch, err)
		}
		clock = clock.Add(time.Second)
		id, ch, err := w.check(ctx, base, ps[0].ID)
		check(t, err)
		if id <= base || ch {
			t.Fatalf("alpha after an event of beta: latest %d changed %v, want a newer id and no change", id, ch)
		}
		if _, ch, _ := w.check(ctx, base, ps[1].ID); !ch {
			t.Fatal("beta's page did not learn of beta's event")
		}
		if _, ch, _ := w.check(ctx, base, 0); !ch {
			t.Fatal("a page across projects did not learn of beta's event")
		}

		event(ps[0])
		clock = clock.Add(time.Second)
		id2, ch, err := w.check(ctx, id, ps[0].ID)
		check(t, err)
		if id2 <= id || !ch {
			t.Fatalf("alpha after its own event: latest %d changed %v", id2, ch)
		}
		if _, ch, _ := w.check(ctx, id2, ps[1].ID); ch {
			t.Fatal("beta's page saw a change after its last event")
		}
	})
}

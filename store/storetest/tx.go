package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

func testTransactions(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	current, err := s.SchemaCurrent(ctx)
	must(t, err)
	eq(t, "SchemaCurrent", current, true)

	// Commit on nil: the writes stay, and reads inside see them.
	var made *store.Project
	err = s.InTx(ctx, func(tx store.Store) error {
		made = &store.Project{LinkName: "in-tx", Name: "In Tx", ListID: "tx.example.org", ListEmail: "tx@example.org"}
		if err := tx.CreateProject(ctx, made); err != nil {
			return err
		}
		got, err := tx.GetProjectByLinkName(ctx, "in-tx")
		if err != nil || got.ID != made.ID {
			return fmt.Errorf("read in the transaction: %v %v", got, err)
		}
		return nil
	})
	must(t, err)
	_, err = s.GetProject(ctx, made.ID)
	must(t, err)

	// Roll back on an error, which InTx returns; nested calls are part of
	// the outer transaction.
	boom := errors.New("boom")
	p := f.patch(t, nil)
	st := f.stAccepted
	err = s.InTx(ctx, func(tx store.Store) error {
		if err := tx.InTx(ctx, func(inner store.Store) error {
			return inner.CreateProject(ctx, &store.Project{LinkName: "nested", Name: "Nested", ListID: "n", ListEmail: "n@n"})
		}); err != nil {
			return err
		}
		if _, err := tx.UpdatePatch(ctx, p.ID, store.PatchUpdate{StateID: &st}, 0); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v, want the callback's error", err)
	}
	_, err = s.GetProjectByLinkName(ctx, "nested")
	wantErr(t, "a nested write of a rolled back transaction", err, store.ErrNotFound)
	got, err := s.GetPatch(ctx, p.ID)
	must(t, err)
	eq(t, "state after the rollback", got.StateID, f.stNew)
	n, err := s.CountEvents(ctx, store.EventQuery{PatchID: p.ID})
	must(t, err)
	eq(t, "events after the rollback", n, 0)

	// LockProject is a no-op outside a transaction.
	must(t, s.LockProject(ctx, f.proj.ID))

	// LockProject serialises the project's writers until their
	// transactions end: each reads the count and writes the next number,
	// which only works one at a time.
	const writers, rounds = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				errs <- s.InTx(ctx, func(tx store.Store) error {
					if err := tx.LockProject(ctx, f.proj2.ID); err != nil {
						return err
					}
					n, err := tx.CountPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{f.proj2.ID}}}})
					if err != nil {
						return err
					}
					time.Sleep(time.Millisecond) // widen the window a missing lock leaves
					return tx.CreatePatch(ctx, &store.Patch{ProjectID: f.proj2.ID, MsgID: fmt.Sprintf("<lock-%d@example.org>", n),
						Name: fmt.Sprintf("writer %d round %d", w, r), Date: at(n), SubmitterID: f.bob.ID, StateID: f.stNew}, nil)
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a locked writer: %v", err)
		}
	}
	n, err = s.CountPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{f.proj2.ID}}}})
	must(t, err)
	eq(t, "patches of the locked writers", n, writers*rounds)
}

// testTimeRoundTrip: times come back as the same instant in UTC, to the
// microsecond, whatever zone they were given in.
func testTimeRoundTrip(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	zone := time.FixedZone("IST", 5*3600+1800)
	in := time.Date(2024, 2, 29, 23, 59, 59, 999999999, zone) // 18:29:59.999999 UTC, the same day
	want := in.UTC().Truncate(time.Microsecond)
	p := f.patch(t, func(p *store.Patch) { p.Date = in })
	got, err := s.GetPatch(ctx, p.ID)
	must(t, err)
	if !got.Date.Equal(want) || got.Date.Location() != time.UTC {
		t.Errorf("patch date %v (%v), want %v UTC", got.Date, got.Date.Location(), want)
	}
	rows, err := s.ListPatches(ctx, store.PatchQuery{Order: store.OrderDate, Lean: true})
	must(t, err)
	if len(rows) != 1 || !rows[0].Date.Equal(want) || rows[0].Date.Location() != time.UTC {
		t.Errorf("lean row date %v", rows)
	}
	// The same instant found by the date conditions, on its UTC day.
	for _, c := range []store.Cond{
		{Field: store.FieldDate, Op: store.OpEq, Time: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{Field: store.FieldDate, Op: store.OpGe, Time: want},
		{Field: store.FieldDate, Op: store.OpLe, Time: want.In(zone)},
	} {
		n, err := s.CountPatches(ctx, store.PatchQuery{Conds: []store.Cond{c}})
		must(t, err)
		if n != 1 {
			t.Errorf("date condition %+v: %d patches", c, n)
		}
	}
	e := &store.Event{Category: store.EventPatchCreated, ProjectID: f.proj.ID, Date: in, PatchID: p.ID}
	must(t, s.CreateEvent(ctx, e))
	ev, err := s.ListEvents(ctx, store.EventQuery{PatchID: p.ID})
	must(t, err)
	if len(ev) != 1 || !ev[0].Date.Equal(want) || ev[0].Date.Location() != time.UTC {
		t.Errorf("event date %v", ev)
	}
	u := &store.User{Username: "tz", Email: "tz@example.org", DateJoined: in}
	must(t, s.CreateUser(ctx, u))
	gu, err := s.GetUser(ctx, u.ID)
	must(t, err)
	if !gu.DateJoined.Equal(want) || gu.DateJoined.Location() != time.UTC {
		t.Errorf("user joined %v", gu.DateJoined)
	}
}

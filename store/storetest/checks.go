package storetest

import (
	"testing"

	"github.com/patchwork-go/patchwork/store"
)

func testChecks(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	p := f.patch(t, nil)
	q := f.patch(t, nil)

	// Round trip; the context defaults to "default"; check-created is
	// recorded; the patch's combined state follows (fail wins).
	c1 := &store.Check{PatchID: p.ID, UserID: f.maint.ID, Date: at(1), State: store.CheckSuccess,
		TargetURL: "https://ci.example.org/1", Context: "build", Description: "built"}
	must(t, s.CreateCheck(ctx, c1))
	if c1.ID == 0 {
		t.Fatal("CreateCheck set no id")
	}
	got, err := s.GetCheck(ctx, c1.ID)
	must(t, err)
	eq(t, "GetCheck", *got, *c1)
	c2 := &store.Check{PatchID: p.ID, UserID: f.maint.ID, Date: at(2), State: store.CheckFail, Context: "build"}
	c3 := &store.Check{PatchID: p.ID, UserID: f.dev.ID, Date: at(3), State: store.CheckWarning}
	c4 := &store.Check{PatchID: p.ID, UserID: f.maint.ID, Date: at(4), State: store.CheckPending, Context: "lint"}
	c5 := &store.Check{PatchID: q.ID, UserID: f.maint.ID, Date: at(5), State: store.CheckSuccess}
	for _, c := range []*store.Check{c2, c3, c4, c5} {
		must(t, s.CreateCheck(ctx, c))
	}
	eq(t, "default context", c3.Context, "default")
	wantErr(t, "CreateCheck bad state", s.CreateCheck(ctx, &store.Check{PatchID: p.ID, UserID: f.maint.ID, State: store.CheckState(7)}), store.ErrInvalid)
	wantErr(t, "CreateCheck unknown patch", s.CreateCheck(ctx, &store.Check{PatchID: 999999, UserID: f.maint.ID}), store.ErrNotFound)
	_, err = s.GetCheck(ctx, 999999)
	wantErr(t, "GetCheck unknown", err, store.ErrNotFound)

	uniq, err := s.UniqueChecks(ctx, p.ID)
	must(t, err)
	eq(t, "UniqueChecks (newest per user and context, by id)", ids(uniq, func(c store.Check) int64 { return c.ID }), []int64{c2.ID, c3.ID, c4.ID})
	rows, err := s.GetPatchRows(ctx, []int64{p.ID, q.ID})
	must(t, err)
	eq(t, "check summary", rows[0].Checks, store.CheckSummary{Fail: 1, Warning: 1, Pending: 1})
	eq(t, "combined", rows[0].Checks.Combined(), store.CheckFail)
	eq(t, "summary of q", rows[1].Checks, store.CheckSummary{Success: 1})
	byState, err := s.ListPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldCheck, Ints: []int64{int64(store.CheckFail)}}}})
	must(t, err)
	eq(t, "stored combined state", rowIDs(byState), []int64{p.ID})
	ev, err := s.ListEvents(ctx, store.EventQuery{Categories: []string{store.EventCheckCreated}, PatchID: p.ID, Asc: true})
	must(t, err)
	if len(ev) != 4 || ev[0].CheckID != c1.ID || ev[0].ActorID != f.maint.ID || !ev[0].Date.Equal(c1.Date) || ev[0].ProjectID != f.proj.ID {
		t.Errorf("check events: %+v", ev)
	}

	list := func(what string, q store.CheckQuery, want ...*store.Check) {
		t.Helper()
		got, err := s.ListChecks(ctx, q)
		must(t, err)
		eq(t, what, ids(got, func(c store.Check) int64 { return c.ID }), ids(want, func(c *store.Check) int64 { return c.ID }))
	}
	list("of a patch", store.CheckQuery{PatchID: p.ID}, c1, c2, c3, c4)
	list("by user", store.CheckQuery{PatchID: p.ID, UserID: []int64{f.dev.ID}}, c3)
	list("by state", store.CheckQuery{PatchID: p.ID, State: []store.CheckState{store.CheckFail, store.CheckPending}}, c2, c4)
	list("by context", store.CheckQuery{PatchID: p.ID, Context: "build"}, c1, c2)
	list("since", store.CheckQuery{PatchID: p.ID, Since: at(3)}, c3, c4)
	list("before", store.CheckQuery{PatchID: p.ID, Before: at(3)}, c1, c2)
	list("by -state", store.CheckQuery{PatchID: p.ID, Order: "-state"}, c2, c3, c1, c4)
	list("by context then id", store.CheckQuery{PatchID: p.ID, Order: "context"}, c1, c2, c3, c4)
	list("page", store.CheckQuery{PatchID: p.ID, Order: "-date", Limit: 2, Offset: 1}, c3, c2)
	list("of a patch without", store.CheckQuery{PatchID: 999999})
}

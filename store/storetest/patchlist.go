package storetest

import (
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

func testPatchList(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	tags, err := s.ListTags(ctx)
	must(t, err)
	acked := tags[0].ID
	ser := &store.Series{ProjectID: f.proj.ID, Name: "S", Date: at(3), SubmitterID: f.jane.ID, Total: 1}
	must(t, s.CreateSeries(ctx, ser))

	p1 := f.patch(t, func(p *store.Patch) { p.Name = "b: alpha" })
	p2 := f.patch(t, func(p *store.Patch) {
		p.Name, p.StateID, p.SubmitterID, p.DelegateID, p.Archived = "a: beta", f.stReview, f.bob.ID, f.maint.ID, true
	})
	p3 := f.patch(t, func(p *store.Patch) {
		p.Name, p.StateID, p.SeriesID, p.Number, p.CommitRef = "c: gamma", f.stAccepted, ser.ID, 1, "deadbeef"
	})
	p4 := f.patch(t, func(p *store.Patch) {
		p.Name, p.Date, p.PullURL = "d: alpha beta", p3.Date, "git://example.org/x main"
		p.Diff = "--- a/drivers/x.c\n+++ b/drivers/x.c\n@@ -1 +1 @@\n-a\n+b\n"
	})
	p5 := f.patch(t, func(p *store.Patch) {
		p.Name, p.StateID, p.Archived, p.Date = "e: delta", f.stSuperseded, true, t0.Add(48*time.Hour)
	})
	p6 := &store.Patch{ProjectID: f.proj2.ID, MsgID: "<p6@example.org>", Name: "f: alpha", Date: at(0), SubmitterID: f.bob.ID, StateID: f.stNew}
	must(t, s.CreatePatch(ctx, p6, nil))
	must(t, s.AddTagCounts(ctx, p3.ID, store.TagCounts{acked: 2}))
	must(t, s.CreateCheck(ctx, &store.Check{PatchID: p1.ID, UserID: f.maint.ID, Date: at(10), State: store.CheckFail, Context: "ci"}))
	must(t, s.CreateCheck(ctx, &store.Check{PatchID: p3.ID, UserID: f.maint.ID, Date: at(10), State: store.CheckSuccess, Context: "ci"}))

	proj := store.Cond{Field: store.FieldProject, Ints: []int64{f.proj.ID}}
	list := func(what string, q store.PatchQuery, want ...*store.Patch) {
		t.Helper()
		rows, err := s.ListPatches(ctx, q)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		eq(t, what, rowIDs(rows), ids(want, func(p *store.Patch) int64 { return p.ID }))
		if q.Limit == 0 && q.Offset == 0 && q.After == nil && q.Before == nil {
			n, err := s.CountPatches(ctx, q)
			if err != nil {
				t.Errorf("%s: count: %v", what, err)
			} else if n != len(want) {
				t.Errorf("%s: CountPatches %d, want %d", what, n, len(want))
			}
		}
	}
	in := func(c ...store.Cond) store.PatchQuery {
		return store.PatchQuery{Conds: append([]store.Cond{proj}, c...)}
	}
	not := func(c store.Cond) store.Cond { c.Not = true; return c }

	// Every condition.
	list("no conditions", store.PatchQuery{}, p1, p2, p3, p4, p5, p6)
	list("project", in(), p1, p2, p3, p4, p5)
	list("project of none", store.PatchQuery{Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{999999}}}})
	list("state", in(store.Cond{Field: store.FieldState, Ints: []int64{f.stNew}}), p1, p4)
	list("not state", in(not(store.Cond{Field: store.FieldState, Ints: []int64{f.stNew}})), p2, p3, p5)
	list("state of two", in(store.Cond{Field: store.FieldState, Ints: []int64{f.stNew, f.stAccepted}}), p1, p3, p4)
	list("action required", in(store.Cond{Field: store.FieldActionRequired, Bool: true}), p1, p2, p4)
	list("archived", in(store.Cond{Field: store.FieldArchived, Bool: true}), p2, p5)
	list("not archived", in(store.Cond{Field: store.FieldArchived, Bool: false}), p1, p3, p4)
	list("submitter", store.PatchQuery{Conds: []store.Cond{{Field: store.FieldSubmitter, Ints: []int64{f.bob.ID}}}}, p2, p6)
	list("submitter text", in(store.Cond{Field: store.FieldSubmitterText, Strs: []string{"BOB@"}}), p2)
	list("submitter text by name", in(store.Cond{Field: store.FieldSubmitterText, Strs: []string{"jane d"}}), p1, p3, p4, p5)
	list("delegate", in(store.Cond{Field: store.FieldDelegate, Ints: []int64{f.maint.ID}}), p2)
	list("no delegate", in(store.Cond{Field: store.FieldDelegate, Ints: []int64{0}}), p1, p3, p4, p5)
	list("not no delegate", in(not(store.Cond{Field: store.FieldDelegate, Ints: []int64{0}})), p2)
	list("series", in(store.Cond{Field: store.FieldSeries, Ints: []int64{ser.ID}}), p3)
	list("not series (NULL-safe)", in(not(store.Cond{Field: store.FieldSeries, Ints: []int64{ser.ID}})), p1, p2, p4, p5)
	list("hash, case-insensitive", in(store.Cond{Field: store.FieldHash, Strs: []string{"0000000000000000000000000000000000000003"}}), p3)
	list("msgid", in(store.Cond{Field: store.FieldMsgID, Strs: []string{p4.MsgID, "<none@x>"}}), p4)
	list("name word", in(store.Cond{Field: store.FieldName, Strs: []string{"ALPHA"}}), p1, p4)
	list("name words all", in(store.Cond{Field: store.FieldName, Strs: []string{"alpha", "beta"}}), p4)
	list("name with LIKE wildcards", in(store.Cond{Field: store.FieldName, Strs: []string{"%"}}))
	list("date same day", store.PatchQuery{Conds: []store.Cond{{Field: store.FieldDate, Op: store.OpEq, Time: t0.Add(48 * time.Hour)}}}, p5)
	list("date after", in(store.Cond{Field: store.FieldDate, Op: store.OpGt, Time: p2.Date}), p3, p4, p5)
	list("date at or after", in(store.Cond{Field: store.FieldDate, Op: store.OpGe, Time: p2.Date}), p2, p3, p4, p5)
	list("date before", in(store.Cond{Field: store.FieldDate, Op: store.OpLt, Time: p3.Date}), p1, p2)
	list("date at or before", in(store.Cond{Field: store.FieldDate, Op: store.OpLe, Time: p3.Date}), p1, p2, p3, p4)
	list("has tag", in(store.Cond{Field: store.FieldHasTag, Ints: []int64{acked}}), p3)
	list("check fail", in(store.Cond{Field: store.FieldCheck, Ints: []int64{int64(store.CheckFail)}}), p1)
	list("check pending (none)", in(store.Cond{Field: store.FieldCheck, Ints: []int64{int64(store.CheckPending)}}), p2, p4, p5)
	list("file glob", in(store.Cond{Field: store.FieldFile, Strs: []string{"drivers/*"}}), p4)
	list("file exact", in(store.Cond{Field: store.FieldFile, Strs: []string{"net/f1.c"}}), p1)
	list("file ?", in(store.Cond{Field: store.FieldFile, Strs: []string{"net/f?.c"}}), p1, p2, p3, p5)
	list("ids", store.PatchQuery{Conds: []store.Cond{{Field: store.FieldID, Ints: []int64{p4.ID, p2.ID, 999999}}}}, p2, p4)
	list("id range", in(store.Cond{Field: store.FieldID, Op: store.OpGe, Ints: []int64{p4.ID}}), p4, p5)
	list("id below", in(store.Cond{Field: store.FieldID, Op: store.OpLt, Ints: []int64{p2.ID}}), p1)
	list("commit ref", in(store.Cond{Field: store.FieldHasCommitRef, Bool: true}), p3)
	list("no commit ref", in(store.Cond{Field: store.FieldHasCommitRef, Bool: false}), p1, p2, p4, p5)
	list("pull", in(store.Cond{Field: store.FieldIsPull, Bool: true}), p4)
	list("two projects", store.PatchQuery{Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{f.proj.ID, f.proj2.ID}},
		{Field: store.FieldName, Strs: []string{"alpha"}}}}, p1, p4, p6)

	// Every order; ties by id in the same direction.
	ord := func(o store.Order, desc bool) store.PatchQuery { q := in(); q.Order, q.Desc = o, desc; return q }
	list("by date", ord(store.OrderDate, false), p1, p2, p3, p4, p5)
	list("by date desc", ord(store.OrderDate, true), p5, p4, p3, p2, p1)
	list("by id desc", ord(store.OrderID, true), p5, p4, p3, p2, p1)
	list("by name", ord(store.OrderName, false), p2, p1, p3, p4, p5)
	list("by state", ord(store.OrderState, false), p1, p4, p2, p3, p5)
	list("by state desc", ord(store.OrderState, true), p5, p3, p2, p4, p1)
	list("by submitter", ord(store.OrderSubmitter, false), p1, p3, p4, p5, p2)
	list("by archived", ord(store.OrderArchived, false), p1, p3, p4, p2, p5)
	list("by check", ord(store.OrderCheck, false), p2, p4, p5, p3, p1)
	list("by delegate", ord(store.OrderDelegate, false), p1, p3, p4, p5, p2)
	list("by project", store.PatchQuery{Order: store.OrderProject, Desc: true}, p6, p5, p4, p3, p2, p1)

	// Pages: limit, keyset after and before (in the query's order), offset.
	page := func(q store.PatchQuery, limit int, after, before *store.Patch, offset int) store.PatchQuery {
		q.Limit, q.Offset = limit, offset
		if after != nil {
			c := store.Cursor{Date: after.Date, ID: after.ID}
			q.After = &c
		}
		if before != nil {
			c := store.Cursor{Date: before.Date, ID: before.ID}
			q.Before = &c
		}
		return q
	}
	byDate := ord(store.OrderDate, false)
	list("first page", page(byDate, 2, nil, nil, 0), p1, p2)
	list("after p2", page(byDate, 2, p2, nil, 0), p3, p4)
	list("after p3 (a date tie)", page(byDate, 2, p3, nil, 0), p4, p5)
	list("after the last", page(byDate, 2, p5, nil, 0))
	list("before p4", page(byDate, 2, nil, p4, 0), p2, p3)
	list("before p2", page(byDate, 2, nil, p2, 0), p1)
	list("desc after p4", page(ord(store.OrderDate, true), 2, p4, nil, 0), p3, p2)
	list("desc before p2", page(ord(store.OrderDate, true), 2, nil, p2, 0), p4, p3)
	list("by id after p3", page(ord(store.OrderID, false), 0, p3, nil, 0), p4, p5)
	list("by name, offset", page(ord(store.OrderName, false), 2, nil, nil, 1), p1, p3)
	list("offset past the end", page(byDate, 2, nil, nil, 10))
	// The (state, archived) partitions of one project's list by date.
	part := in(store.Cond{Field: store.FieldState, Ints: []int64{f.stNew, f.stReview}}, store.Cond{Field: store.FieldArchived, Bool: false})
	part.Order = store.OrderDate
	list("partitioned", part, p1, p4)
	list("partitioned page", page(part, 1, nil, nil, 0), p1)
	list("partitioned after", page(part, 1, p1, nil, 0), p4)
	list("partitioned desc", func() store.PatchQuery { q := page(part, 5, nil, nil, 0); q.Desc = true; return q }(), p4, p1)
	none := in(store.Cond{Field: store.FieldState, Ints: []int64{f.stNew}}, not(store.Cond{Field: store.FieldState, Ints: []int64{f.stNew}}))
	none.Order, none.Limit = store.OrderDate, 5
	list("partitions of no state", none)

	// Rows: full rows carry tags and checks, lean rows their own members.
	rows, err := s.ListPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldID, Ints: []int64{p3.ID}}}})
	must(t, err)
	if len(rows) != 1 || rows[0].Tags[acked] != 2 || rows[0].Checks != (store.CheckSummary{Success: 1}) || rows[0].SeriesName != "S" ||
		rows[0].SeriesTotal != 1 || rows[0].Number != 1 || rows[0].CommitRef != "deadbeef" {
		t.Errorf("full row: %+v", rows)
	}
	rows, err = s.ListPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldID, Ints: []int64{p3.ID}}}, NoTags: true, NoChecks: true})
	must(t, err)
	if len(rows) != 1 || len(rows[0].Tags) != 0 || rows[0].Checks.Total() != 0 {
		t.Errorf("row without tags and checks: %+v", rows)
	}
	rows, err = s.ListPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldID, Ints: []int64{p3.ID, p1.ID}}},
		Order: store.OrderDate, Lean: true, NoTags: true, NoChecks: true})
	must(t, err)
	if len(rows) != 2 || rows[1].ID != p3.ID || rows[1].CheckState != store.CheckSuccess || rows[0].CheckState != store.CheckFail ||
		rows[1].SeriesProjectID != f.proj.ID || !rows[1].SeriesDate.Equal(ser.Date) || rows[1].SeriesName != "S" ||
		rows[1].Submitter.Email != "jane@example.org" || rows[1].Tags != nil {
		t.Errorf("lean rows: %+v", rows)
	}

	// Bad queries.
	_, err = s.ListPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.Field(999)}}})
	wantErr(t, "unknown field", err, store.ErrInvalid)
	_, err = s.CountPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.Field(999)}}})
	wantErr(t, "count with an unknown field", err, store.ErrInvalid)
	_, err = s.ListPatches(ctx, store.PatchQuery{Order: store.Order(999)})
	wantErr(t, "unknown order", err, store.ErrInvalid)
	_, err = s.ListPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldID, Op: store.OpGt, Ints: []int64{1, 2}}}})
	wantErr(t, "id range of two ids", err, store.ErrInvalid)
}

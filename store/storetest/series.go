package storetest

import (
	"testing"

	"github.com/patchwork-go/patchwork/store"
)

func testSeries(t *testing.T, s store.Store) {
	f := newFixture(t, s)

	// Round trip; version defaults to 1; computed members.
	v1 := &store.Series{ProjectID: f.proj.ID, Name: "net: fixes", Date: at(1), SubmitterID: f.jane.ID, Total: 3}
	must(t, s.CreateSeries(ctx, v1))
	if v1.ID == 0 || v1.Version != 1 {
		t.Fatalf("CreateSeries: %+v", v1)
	}
	got, err := s.GetSeries(ctx, v1.ID)
	must(t, err)
	eq(t, "GetSeries", *got, *v1)
	if got.ReceivedAll() || got.DisplayName() != "net: fixes" {
		t.Errorf("series helpers: %+v", got)
	}
	unnamed := &store.Series{ProjectID: f.proj2.ID, Date: at(2), SubmitterID: f.bob.ID, Version: 1, Total: 1}
	must(t, s.CreateSeries(ctx, unnamed))
	got, err = s.GetSeries(ctx, unnamed.ID)
	must(t, err)
	eq(t, "unnamed series", got.Name, "")
	_, err = s.GetSeries(ctx, 999999)
	wantErr(t, "GetSeries unknown", err, store.ErrNotFound)

	// Patches count towards ReceivedTotal, and are listed by number.
	p3 := f.patch(t, func(p *store.Patch) { p.SeriesID, p.Number, p.Date = v1.ID, 3, at(3) })
	p1 := f.patch(t, func(p *store.Patch) { p.SeriesID, p.Number, p.Date = v1.ID, 1, at(9) })
	p1b := f.patch(t, func(p *store.Patch) { p.SeriesID, p.Number, p.Date = v1.ID, 1, at(2) })
	rows, err := s.SeriesPatches(ctx, v1.ID)
	must(t, err)
	eq(t, "SeriesPatches by number, date, id", rowIDs(rows), []int64{p1b.ID, p1.ID, p3.ID})
	nums, err := s.SeriesNumbers(ctx, v1.ID)
	must(t, err)
	eq(t, "SeriesNumbers", nums, []int{1, 3})
	got, err = s.GetSeries(ctx, v1.ID)
	must(t, err)
	if got.ReceivedTotal != 3 || !got.ReceivedAll() {
		t.Errorf("received: %+v", got)
	}
	rows, err = s.SeriesPatches(ctx, unnamed.ID)
	must(t, err)
	eq(t, "SeriesPatches of none", len(rows), 0)

	// Versions: v2 names v1 as previous; v1 learns its next.
	cv := &store.Cover{ProjectID: f.proj.ID, MsgID: "<v2-0@example.org>", Name: "[v2,0/2] net: fixes", Date: at(20), SubmitterID: f.jane.ID}
	must(t, s.CreateCover(ctx, cv))
	v2 := &store.Series{ProjectID: f.proj.ID, Name: "net: fixes", Date: at(20), SubmitterID: f.jane.ID, Version: 2, Total: 2}
	must(t, s.CreateSeries(ctx, v2))
	v2.PreviousID, v2.CoverID, v2.Name, v2.Total = v1.ID, cv.ID, "net: fixes v2", 4
	must(t, s.UpdateSeries(ctx, v2))
	v3 := &store.Series{ProjectID: f.proj.ID, Name: "net: fixes", Date: at(30), SubmitterID: f.jane.ID, Version: 3, Total: 2, PreviousID: v2.ID}
	must(t, s.CreateSeries(ctx, v3))
	got, err = s.GetSeries(ctx, v2.ID)
	must(t, err)
	v2.NextID = v3.ID
	eq(t, "after UpdateSeries", *got, *v2)
	got, err = s.GetSeries(ctx, v1.ID)
	must(t, err)
	eq(t, "NextID", got.NextID, v2.ID)
	for _, id := range []int64{v1.ID, v2.ID, v3.ID} {
		chain, err := s.SeriesVersions(ctx, id)
		must(t, err)
		eq(t, "SeriesVersions", ids(chain, func(x store.Series) int64 { return x.ID }), []int64{v1.ID, v2.ID, v3.ID})
	}
	chain, err := s.SeriesVersions(ctx, unnamed.ID)
	must(t, err)
	eq(t, "SeriesVersions alone", ids(chain, func(x store.Series) int64 { return x.ID }), []int64{unnamed.ID})
	_, err = s.SeriesVersions(ctx, 999999)
	wantErr(t, "SeriesVersions unknown", err, store.ErrNotFound)
	self := *v3
	self.PreviousID = v3.ID
	wantErr(t, "UpdateSeries preceding itself", s.UpdateSeries(ctx, &self), store.ErrInvalid)
	wantErr(t, "UpdateSeries unknown", s.UpdateSeries(ctx, &store.Series{ID: 999999, Version: 1}), store.ErrNotFound)

	// Many at once.
	many, err := s.GetSeriesByIDs(ctx, []int64{v1.ID, v3.ID, 999999, v1.ID})
	must(t, err)
	if len(many) != 2 || many[v1.ID].ReceivedTotal != 3 || many[v3.ID].PreviousID != v2.ID {
		t.Errorf("GetSeriesByIDs: %+v", many)
	}
	many, err = s.GetSeriesByIDs(ctx, nil)
	must(t, err)
	eq(t, "GetSeriesByIDs of none", len(many), 0)

	// ListSeries and CountSeries: filters, value lists, orders, pages.
	list := func(what string, q store.SeriesQuery, want ...*store.Series) {
		t.Helper()
		got, err := s.ListSeries(ctx, q)
		must(t, err)
		eq(t, what, ids(got, func(x store.Series) int64 { return x.ID }), ids(want, func(x *store.Series) int64 { return x.ID }))
		if q.Limit == 0 && q.Offset == 0 {
			n, err := s.CountSeries(ctx, q)
			must(t, err)
			eq(t, what+" (count)", n, len(want))
		}
	}
	list("all", store.SeriesQuery{}, v1, unnamed, v2, v3)
	list("project", store.SeriesQuery{ProjectID: f.proj.ID}, v1, v2, v3)
	list("projects", store.SeriesQuery{ProjectIDs: []int64{f.proj.ID, f.proj2.ID}}, v1, unnamed, v2, v3)
	list("project and projects", store.SeriesQuery{ProjectID: f.proj.ID, ProjectIDs: []int64{f.proj2.ID}})
	list("submitter", store.SeriesQuery{SubmitterID: []int64{f.bob.ID}}, unnamed)
	list("since", store.SeriesQuery{Since: at(20)}, v2, v3)
	list("before", store.SeriesQuery{Before: at(20)}, v1, unnamed)
	list("name", store.SeriesQuery{NameLike: "V2"}, v2)
	list("name terms", store.SeriesQuery{NameLike: "net", NameTerms: []string{"FIXES", "v2"}}, v2)
	list("name terms, none matches all", store.SeriesQuery{NameTerms: []string{"net", "zzz"}})
	list("by -date", store.SeriesQuery{Order: "-date"}, v3, v2, unnamed, v1)
	list("by name", store.SeriesQuery{Order: "name"}, unnamed, v1, v3, v2)
	list("by submitter", store.SeriesQuery{Order: "submitter"}, v1, v2, v3, unnamed)
	list("by received_all", store.SeriesQuery{Order: "received_all", ProjectID: f.proj.ID}, v2, v3, v1)
	list("unknown order is by id", store.SeriesQuery{Order: "bogus"}, v1, unnamed, v2, v3)
	list("page", store.SeriesQuery{Order: "-id", Limit: 2, Offset: 1}, v2, unnamed)

	// SeriesNamesOf: id, submitter and name of the submitters' series.
	names, err := s.SeriesNamesOf(ctx, f.proj.ID, []int64{f.jane.ID, f.bob.ID})
	must(t, err)
	eq(t, "SeriesNamesOf", names, []store.SeriesName{{ID: v1.ID, SubmitterID: f.jane.ID, Name: "net: fixes"}, {ID: v2.ID, SubmitterID: f.jane.ID, Name: "net: fixes v2"}, {ID: v3.ID, SubmitterID: f.jane.ID, Name: "net: fixes"}})
	names, err = s.SeriesNamesOf(ctx, f.proj.ID, []int64{f.bob.ID})
	must(t, err)
	eq(t, "SeriesNamesOf of none", len(names), 0)

	// SeriesByMarkers: submitter, version, total, dates within [from, to], newest first.
	v1b := &store.Series{ProjectID: f.proj.ID, Name: "again", Date: at(5), SubmitterID: f.jane.ID, Version: 1, Total: 3}
	must(t, s.CreateSeries(ctx, v1b))
	marked, err := s.SeriesByMarkers(ctx, f.proj.ID, f.jane.ID, 1, 3, at(1), at(5))
	must(t, err)
	eq(t, "SeriesByMarkers", ids(marked, func(x store.Series) int64 { return x.ID }), []int64{v1b.ID, v1.ID})
	marked, err = s.SeriesByMarkers(ctx, f.proj.ID, f.jane.ID, 1, 3, at(2), at(4))
	must(t, err)
	eq(t, "SeriesByMarkers outside the dates", len(marked), 0)
	marked, err = s.SeriesByMarkers(ctx, f.proj.ID, f.jane.ID, 2, 4, at(0), at(100))
	must(t, err)
	eq(t, "SeriesByMarkers v2", ids(marked, func(x store.Series) int64 { return x.ID }), []int64{v2.ID})

	// References: first recorder wins; pairs recorded once; in order.
	added, err := s.AddSeriesReference(ctx, f.proj.ID, v1.ID, "<ref-a@example.org>")
	must(t, err)
	eq(t, "AddSeriesReference new", added, true)
	added, err = s.AddSeriesReference(ctx, f.proj.ID, v1.ID, "<ref-a@example.org>")
	must(t, err)
	eq(t, "AddSeriesReference again", added, false)
	added, err = s.AddSeriesReference(ctx, f.proj.ID, v2.ID, "<ref-a@example.org>")
	must(t, err)
	eq(t, "AddSeriesReference by another series", added, true)
	must(t, s.AddSeriesReferences(ctx, f.proj.ID, []store.SeriesRef{{SeriesID: v3.ID, MsgID: "<ref-b@example.org>"}, {SeriesID: v2.ID, MsgID: "<ref-b@example.org>"},
		{SeriesID: v3.ID, MsgID: "<ref-b@example.org>"}, {SeriesID: v3.ID, MsgID: "<ref-a@example.org>"}}))
	must(t, s.AddSeriesReferences(ctx, f.proj.ID, nil))
	got, err = s.SeriesByReference(ctx, f.proj.ID, "<ref-a@example.org>")
	must(t, err)
	eq(t, "SeriesByReference first", got.ID, v1.ID)
	got, err = s.SeriesByReference(ctx, f.proj.ID, "<ref-b@example.org>")
	must(t, err)
	eq(t, "SeriesByReference of a batch", got.ID, v3.ID)
	_, err = s.SeriesByReference(ctx, f.proj2.ID, "<ref-a@example.org>")
	wantErr(t, "SeriesByReference in another project", err, store.ErrNotFound)
	refs, err := s.SeriesRefsIn(ctx, f.proj.ID, []string{"<ref-a@example.org>", "<ref-b@example.org>", "<none@example.org>"})
	must(t, err)
	eq(t, "SeriesRefsIn", refs, map[string][]int64{"<ref-a@example.org>": {v1.ID, v2.ID, v3.ID}, "<ref-b@example.org>": {v3.ID, v2.ID}})

	// Dependencies, both ways, ascending; idempotent; never on itself.
	must(t, s.AddSeriesDependency(ctx, v3.ID, v1b.ID))
	must(t, s.AddSeriesDependency(ctx, v3.ID, v1.ID))
	must(t, s.AddSeriesDependency(ctx, v3.ID, v1.ID))
	must(t, s.AddSeriesDependency(ctx, v2.ID, v1.ID))
	wantErr(t, "depending on itself", s.AddSeriesDependency(ctx, v2.ID, v2.ID), store.ErrInvalid)
	deps, err := s.SeriesDependencies(ctx, v3.ID)
	must(t, err)
	eq(t, "SeriesDependencies", deps, []int64{v1.ID, v1b.ID})
	deps, err = s.SeriesDependents(ctx, v1.ID)
	must(t, err)
	eq(t, "SeriesDependents", deps, []int64{v2.ID, v3.ID})
	deps, err = s.SeriesDependents(ctx, v3.ID)
	must(t, err)
	eq(t, "SeriesDependents of none", len(deps), 0)
}

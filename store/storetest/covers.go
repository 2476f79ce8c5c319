package storetest

import (
	"testing"

	"github.com/patchwork-go/patchwork/store"
)

func testCovers(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	ser := &store.Series{ProjectID: f.proj.ID, Name: "s", Date: at(1), SubmitterID: f.jane.ID, Total: 2}
	must(t, s.CreateSeries(ctx, ser))
	c1 := &store.Cover{ProjectID: f.proj.ID, MsgID: "<c1@example.org>", Name: "[0/2] net: widgets", Date: at(1),
		SubmitterID: f.jane.ID, Headers: "Subject: [PATCH 0/2] net: widgets\n", Content: "Cover letter.\n", SeriesID: ser.ID}
	must(t, s.CreateCover(ctx, c1))
	if c1.ID == 0 {
		t.Fatal("CreateCover set no id")
	}
	got, err := s.GetCover(ctx, c1.ID)
	must(t, err)
	eq(t, "GetCover", *got, *c1)
	c2 := &store.Cover{ProjectID: f.proj.ID, MsgID: "<c2@example.org>", Name: "[0/3] fs: gadgets", Date: at(3), SubmitterID: f.bob.ID}
	must(t, s.CreateCover(ctx, c2))
	c3 := &store.Cover{ProjectID: f.proj2.ID, MsgID: "<c1@example.org>", Name: "[0/2] net: widgets", Date: at(2), SubmitterID: f.bob.ID}
	must(t, s.CreateCover(ctx, c3))
	dup := *c1
	dup.ID = 0
	wantErr(t, "CreateCover duplicate msgid", s.CreateCover(ctx, &dup), store.ErrConflict)

	_, err = s.GetCover(ctx, 999999)
	wantErr(t, "GetCover unknown", err, store.ErrNotFound)
	got, err = s.GetCoverByMsgID(ctx, f.proj2.ID, "<c1@example.org>")
	must(t, err)
	eq(t, "GetCoverByMsgID", got.ID, c3.ID)
	_, err = s.GetCoverByMsgID(ctx, f.proj2.ID, "<c2@example.org>")
	wantErr(t, "GetCoverByMsgID in another project", err, store.ErrNotFound)
	found, err := s.FindCoversByMsgID(ctx, "<c1@example.org>")
	must(t, err)
	eq(t, "FindCoversByMsgID", ids(found, func(c store.Cover) int64 { return c.ID }), []int64{c1.ID, c3.ID})
	n, err := s.CountCoversNamed(ctx, "[0/2] net: widgets")
	must(t, err)
	eq(t, "CountCoversNamed", n, 2)
	n, err = s.CountCoversNamed(ctx, "[0/2] net: widgets ")
	must(t, err)
	eq(t, "CountCoversNamed is exact (trailing space)", n, 0)
	n, err = s.CountCoversNamed(ctx, "[0/2] NET: widgets")
	must(t, err)
	eq(t, "CountCoversNamed is exact (case)", n, 0)

	list := func(what string, q store.CoverQuery, want ...*store.Cover) {
		t.Helper()
		got, err := s.ListCovers(ctx, q)
		must(t, err)
		eq(t, what, ids(got, func(c store.Cover) int64 { return c.ID }), ids(want, func(c *store.Cover) int64 { return c.ID }))
		if q.Limit == 0 && q.Offset == 0 {
			n, err := s.CountCovers(ctx, q)
			must(t, err)
			eq(t, what+" (count)", n, len(want))
		}
	}
	list("all", store.CoverQuery{}, c1, c2, c3)
	list("project", store.CoverQuery{ProjectID: f.proj.ID}, c1, c2)
	list("projects", store.CoverQuery{ProjectIDs: []int64{f.proj2.ID, f.proj.ID}}, c1, c2, c3)
	list("series", store.CoverQuery{SeriesID: ser.ID}, c1)
	list("series list", store.CoverQuery{SeriesIDs: []int64{ser.ID, 999999}}, c1)
	list("submitter", store.CoverQuery{SubmitterID: []int64{f.bob.ID}}, c2, c3)
	list("msgid", store.CoverQuery{MsgID: "<c1@example.org>"}, c1, c3)
	list("since", store.CoverQuery{Since: at(2)}, c2, c3)
	list("before", store.CoverQuery{Before: at(2)}, c1)
	list("name", store.CoverQuery{NameLike: "WIDGETS"}, c1, c3)
	list("name terms", store.CoverQuery{NameTerms: []string{"0/", "gadget"}}, c2)
	list("by -date", store.CoverQuery{Order: "-date"}, c2, c3, c1)
	list("by name", store.CoverQuery{Order: "name"}, c1, c3, c2)
	list("by submitter desc", store.CoverQuery{Order: "-submitter"}, c3, c2, c1)
	list("page", store.CoverQuery{Limit: 1, Offset: 1}, c2)
}

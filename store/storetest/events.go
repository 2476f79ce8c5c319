package storetest

import (
	"testing"

	"github.com/patchwork-go/patchwork/store"
)

func testEvents(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	id, err := s.LatestEventID(ctx)
	must(t, err)
	eq(t, "LatestEventID of an empty log", id, int64(0))
	p := f.patch(t, nil)
	ser := &store.Series{ProjectID: f.proj.ID, Date: at(0), SubmitterID: f.jane.ID, Total: 1}
	must(t, s.CreateSeries(ctx, ser))
	cv := &store.Cover{ProjectID: f.proj.ID, MsgID: "<cv@example.org>", Name: "c", Date: at(0), SubmitterID: f.jane.ID}
	must(t, s.CreateCover(ctx, cv))

	e1 := &store.Event{Category: store.EventPatchCreated, ProjectID: f.proj.ID, Date: at(1), PatchID: p.ID, SeriesID: ser.ID}
	must(t, s.CreateEvent(ctx, e1))
	if e1.ID == 0 {
		t.Fatal("CreateEvent set no id")
	}
	e2 := &store.Event{Category: store.EventPatchStateChanged, ProjectID: f.proj.ID, Date: at(3), PatchID: p.ID, ActorID: f.maint.ID,
		PreviousStateID: f.stNew, CurrentStateID: f.stAccepted, PreviousDelegateID: 0, CurrentDelegateID: f.maint.ID,
		PreviousRelationID: 0, CurrentRelationID: 0}
	must(t, s.CreateEvent(ctx, e2))
	wantErr(t, "CreateEvent without category", s.CreateEvent(ctx, &store.Event{ProjectID: f.proj.ID}), store.ErrInvalid)
	wantErr(t, "CreateEvent without project", s.CreateEvent(ctx, &store.Event{Category: store.EventPatchCreated}), store.ErrInvalid)

	// CreateEvents: in order, as many as given.
	batch := []store.Event{
		{Category: store.EventCoverCreated, ProjectID: f.proj.ID, Date: at(2), CoverID: cv.ID},
		{Category: store.EventSeriesCreated, ProjectID: f.proj2.ID, Date: at(2), SeriesID: ser.ID},
		{Category: store.EventPatchCompleted, ProjectID: f.proj.ID, Date: at(3), PatchID: p.ID, CommentID: 7, CheckID: 8},
	}
	must(t, s.CreateEvents(ctx, batch))
	must(t, s.CreateEvents(ctx, nil))
	wantErr(t, "CreateEvents with a bad one", s.CreateEvents(ctx, []store.Event{{Category: "x"}}), store.ErrInvalid)

	all, err := s.ListEvents(ctx, store.EventQuery{Asc: true})
	must(t, err)
	if len(all) != 5 {
		t.Fatalf("ListEvents: %+v", all)
	}
	e2r := all[3]
	e2.ID = e2r.ID
	eq(t, "event round trip", e2r, *e2)
	latest, err := s.LatestEventID(ctx)
	must(t, err)
	eq(t, "LatestEventID", latest, all[4].ID)
	if all[4].Category != store.EventPatchCompleted || all[4].CommentID != 7 || all[4].CheckID != 8 {
		t.Errorf("batch event: %+v", all[4])
	}

	list := func(what string, q store.EventQuery, want ...string) {
		t.Helper()
		got, err := s.ListEvents(ctx, q)
		must(t, err)
		var cats []string
		for _, e := range got {
			cats = append(cats, e.Category)
		}
		eq(t, what, cats, want)
		if q.Limit == 0 && q.Offset == 0 {
			n, err := s.CountEvents(ctx, q)
			must(t, err)
			eq(t, what+" (count)", n, len(want))
		}
	}
	// Newest first, ties by id; the same ascending.
	list("newest first", store.EventQuery{}, store.EventPatchCompleted, store.EventPatchStateChanged, store.EventSeriesCreated,
		store.EventCoverCreated, store.EventPatchCreated)
	list("project", store.EventQuery{ProjectID: f.proj2.ID}, store.EventSeriesCreated)
	list("projects", store.EventQuery{ProjectIDs: []int64{f.proj2.ID, f.proj.ID}, Asc: true}, store.EventPatchCreated,
		store.EventCoverCreated, store.EventSeriesCreated, store.EventPatchStateChanged, store.EventPatchCompleted)
	list("categories", store.EventQuery{Categories: []string{store.EventCoverCreated, store.EventSeriesCreated}, Asc: true},
		store.EventCoverCreated, store.EventSeriesCreated)
	list("series", store.EventQuery{SeriesID: ser.ID, Asc: true}, store.EventPatchCreated, store.EventSeriesCreated)
	list("series list", store.EventQuery{SeriesIDs: []int64{ser.ID, 999999}, ProjectID: f.proj.ID}, store.EventPatchCreated)
	list("patch", store.EventQuery{PatchID: p.ID, Asc: true}, store.EventPatchCreated, store.EventPatchStateChanged, store.EventPatchCompleted)
	list("patches and covers", store.EventQuery{PatchIDs: []int64{p.ID}, CoverIDs: []int64{cv.ID}})
	list("cover list", store.EventQuery{CoverIDs: []int64{cv.ID}}, store.EventCoverCreated)
	list("cover", store.EventQuery{CoverID: cv.ID}, store.EventCoverCreated)
	list("actor", store.EventQuery{ActorID: []int64{f.maint.ID}}, store.EventPatchStateChanged)
	list("since", store.EventQuery{Since: at(3)}, store.EventPatchCompleted, store.EventPatchStateChanged)
	list("before", store.EventQuery{Before: at(2)}, store.EventPatchCreated)
	list("after id", store.EventQuery{AfterID: e1.ID, Asc: true}, store.EventCoverCreated, store.EventSeriesCreated,
		store.EventPatchStateChanged, store.EventPatchCompleted)
	list("page", store.EventQuery{Limit: 2, Offset: 1}, store.EventPatchStateChanged, store.EventSeriesCreated)

	since, err := s.EventProjectsSince(ctx, all[0].ID)
	must(t, err)
	eq(t, "EventProjectsSince", since, map[int64]int64{f.proj.ID: all[4].ID, f.proj2.ID: all[2].ID})
	since, err = s.EventProjectsSince(ctx, latest)
	must(t, err)
	eq(t, "EventProjectsSince the newest", len(since), 0)
}

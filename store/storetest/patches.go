package storetest

import (
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

func testPatches(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	tags, err := s.ListTags(ctx)
	must(t, err)
	acked, reviewed := tags[0].ID, tags[1].ID

	// Round trip of every field; the tag counts go with the patch.
	ser := &store.Series{ProjectID: f.proj.ID, Name: "net fixes", Date: at(1), SubmitterID: f.jane.ID, Total: 2}
	must(t, s.CreateSeries(ctx, ser))
	p1 := &store.Patch{ProjectID: f.proj.ID, MsgID: "<p1@example.org>", Name: "[1/2] net: fix <x> & y", Date: at(1),
		SubmitterID: f.jane.ID, Headers: "Subject: [PATCH 1/2] net: fix\nX-Mailer: git\n", Content: "Body ünïcode\n\nAcked-by: B <b@example.org>\n",
		Diff: "--- a/net/core.c\n+++ b/net/core.c\n@@ -1 +1 @@\n-a\n+b\n", Hash: "aaaa000000000000000000000000000000000001",
		StateID: f.stReview, Archived: true, DelegateID: f.maint.ID, CommitRef: "cafe", SeriesID: ser.ID, Number: 1}
	must(t, s.CreatePatch(ctx, p1, store.TagCounts{acked: 1, reviewed: 0}))
	if p1.ID == 0 {
		t.Fatal("CreatePatch set no id")
	}
	got, err := s.GetPatch(ctx, p1.ID)
	must(t, err)
	eq(t, "GetPatch", *got, *p1)
	tc, err := s.GetTagCounts(ctx, p1.ID)
	must(t, err)
	eq(t, "GetTagCounts (zero counts left out)", tc, store.TagCounts{acked: 1})

	pull := f.patch(t, func(p *store.Patch) {
		p.Diff, p.Hash, p.PullURL, p.Name = "", "", "git://example.org/repo main", "[GIT PULL] fixes"
	})
	got, err = s.GetPatch(ctx, pull.ID)
	must(t, err)
	eq(t, "pull request round trip", *got, *pull)
	tc, err = s.GetTagCounts(ctx, pull.ID)
	must(t, err)
	eq(t, "GetTagCounts of none", tc, store.TagCounts{})

	// The same message id: a conflict in one project, allowed in another.
	dup := *p1
	dup.ID = 0
	wantErr(t, "CreatePatch duplicate msgid", s.CreatePatch(ctx, &dup, nil), store.ErrConflict)
	other := *p1
	other.ID, other.ProjectID, other.SeriesID, other.DelegateID, other.Date = 0, f.proj2.ID, 0, 0, at(5)
	must(t, s.CreatePatch(ctx, &other, nil))

	_, err = s.GetPatch(ctx, 999999)
	wantErr(t, "GetPatch unknown", err, store.ErrNotFound)
	got, err = s.GetPatchByMsgID(ctx, f.proj2.ID, "<p1@example.org>")
	must(t, err)
	eq(t, "GetPatchByMsgID", got.ID, other.ID)
	_, err = s.GetPatchByMsgID(ctx, f.proj.ID, "<nope@example.org>")
	wantErr(t, "GetPatchByMsgID unknown", err, store.ErrNotFound)
	found, err := s.FindPatchesByMsgID(ctx, "<p1@example.org>")
	must(t, err)
	eq(t, "FindPatchesByMsgID by id", ids(found, func(p store.Patch) int64 { return p.ID }), []int64{p1.ID, other.ID})
	found, err = s.FindPatchesByMsgID(ctx, "<nope@example.org>")
	must(t, err)
	eq(t, "FindPatchesByMsgID none", len(found), 0)

	// GetPatchesByHash: one project, newest first, case-insensitive.
	same := f.patch(t, func(p *store.Patch) { p.Hash = p1.Hash; p.Date = at(30) })
	sameOld := f.patch(t, func(p *store.Patch) { p.Hash = p1.Hash; p.Date = at(0) })
	byHash, err := s.GetPatchesByHash(ctx, f.proj.ID, "AAAA000000000000000000000000000000000001")
	must(t, err)
	eq(t, "GetPatchesByHash", ids(byHash, func(p store.Patch) int64 { return p.ID }), []int64{same.ID, p1.ID, sameOld.ID})
	byHash, err = s.GetPatchesByHash(ctx, f.proj.ID, "ffff")
	must(t, err)
	eq(t, "GetPatchesByHash none", len(byHash), 0)

	// GetPatchRows: in the order asked, unknown ids left out, with what
	// a list row shows.
	rows, err := s.GetPatchRows(ctx, []int64{pull.ID, 999999, p1.ID})
	must(t, err)
	eq(t, "GetPatchRows order", rowIDs(rows), []int64{pull.ID, p1.ID})
	r := rows[1]
	if r.Name != p1.Name || r.MsgID != p1.MsgID || !r.Date.Equal(p1.Date) || r.Hash != p1.Hash || r.StateID != f.stReview ||
		!r.Archived || r.CommitRef != "cafe" || r.DelegateID != f.maint.ID || r.DelegateUsername != "maint" ||
		r.SeriesID != ser.ID || r.SeriesName != "net fixes" || r.SeriesVersion != 1 || r.SeriesTotal != 2 || r.Number != 1 ||
		r.ProjectID != f.proj.ID || r.Submitter != *f.jane || r.Tags[acked] != 1 {
		t.Errorf("GetPatchRows row: %+v", r)
	}
	if rows[0].PullURL != pull.PullURL {
		t.Errorf("pull row: %+v", rows[0])
	}
	rows, err = s.GetPatchRows(ctx, nil)
	must(t, err)
	eq(t, "GetPatchRows of none", len(rows), 0)

	// MsgIDOwners: the patch, the cover and the newest comment of each id.
	cv := &store.Cover{ProjectID: f.proj.ID, MsgID: "<p1@example.org>", Name: "cover", Date: at(1), SubmitterID: f.jane.ID}
	must(t, s.CreateCover(ctx, cv))
	c1 := &store.Comment{PatchID: pull.ID, ProjectID: f.proj.ID, MsgID: "<re@example.org>", Date: at(50), SubmitterID: f.bob.ID}
	c2 := &store.Comment{PatchID: p1.ID, ProjectID: f.proj.ID, MsgID: "<re@example.org>", Date: at(40), SubmitterID: f.bob.ID}
	must(t, s.CreateComment(ctx, c1))
	must(t, s.CreateComment(ctx, c2))
	owners, err := s.MsgIDOwners(ctx, f.proj.ID, []string{"<p1@example.org>", "<re@example.org>", "<none@example.org>", "<p1@example.org>"})
	must(t, err)
	eq(t, "MsgIDOwners", owners, map[string]store.MsgIDOwner{
		"<p1@example.org>": {PatchID: p1.ID, CoverID: cv.ID},
		"<re@example.org>": {CommentID: c1.ID, CommentPatchID: pull.ID, CommentDate: at(50)},
	})

	// Tag counts add up, per patch and many at once.
	must(t, s.AddTagCounts(ctx, p1.ID, store.TagCounts{acked: 2, reviewed: 1}))
	must(t, s.AddTagCountsMany(ctx, map[int64]store.TagCounts{p1.ID: {reviewed: 1}, pull.ID: {acked: 1, reviewed: 0}}))
	must(t, s.AddTagCountsMany(ctx, nil))
	tc, err = s.GetTagCounts(ctx, p1.ID)
	must(t, err)
	eq(t, "tags of p1", tc, store.TagCounts{acked: 3, reviewed: 2})
	tc, err = s.GetTagCounts(ctx, pull.ID)
	must(t, err)
	eq(t, "tags of pull", tc, store.TagCounts{acked: 1})

	// CountByState, all or by archived flag.
	counts, err := s.CountByState(ctx, f.proj.ID, nil)
	must(t, err)
	eq(t, "CountByState", counts, map[int64]int{f.stReview: 1, f.stNew: 3})
	no := false
	counts, err = s.CountByState(ctx, f.proj.ID, &no)
	must(t, err)
	eq(t, "CountByState not archived", counts, map[int64]int{f.stNew: 3})
	counts, err = s.CountByState(ctx, 999999, nil)
	must(t, err)
	eq(t, "CountByState of no project", len(counts), 0)

	// Relations: set, grow into a new one, leave, dissolve.
	a, b, c := same, sameOld, pull
	must(t, s.SetRelated(ctx, []int64{a.ID, b.ID}, f.maint.ID))
	rel, err := s.RelatedPatches(ctx, a.ID)
	must(t, err)
	eq(t, "RelatedPatches", rowIDs(rel), []int64{b.ID})
	must(t, s.SetRelated(ctx, []int64{a.ID, c.ID}, f.maint.ID)) // b is left alone: its relation dissolves
	rel, err = s.RelatedPatches(ctx, a.ID)
	must(t, err)
	eq(t, "RelatedPatches after regrouping", rowIDs(rel), []int64{c.ID})
	rel, err = s.RelatedPatches(ctx, b.ID)
	must(t, err)
	eq(t, "the left-over patch is in no relation", len(rel), 0)
	gb, err := s.GetPatch(ctx, b.ID)
	must(t, err)
	eq(t, "its related id", gb.RelatedID, int64(0))
	must(t, s.SetRelated(ctx, []int64{c.ID}, f.maint.ID))
	rel, err = s.RelatedPatches(ctx, a.ID)
	must(t, err)
	eq(t, "after leaving, a pair dissolves", len(rel), 0)
	wantErr(t, "SetRelated none", s.SetRelated(ctx, nil, 0), store.ErrInvalid)
	wantErr(t, "SetRelated unknown patch", s.SetRelated(ctx, []int64{a.ID, 999999}, 0), store.ErrNotFound)
	ev, err := s.ListEvents(ctx, store.EventQuery{Categories: []string{store.EventPatchRelationChanged}, PatchID: b.ID, Asc: true})
	must(t, err)
	if len(ev) != 2 || ev[0].PreviousRelationID != 0 || ev[0].CurrentRelationID == 0 || ev[1].PreviousRelationID != ev[0].CurrentRelationID ||
		ev[1].CurrentRelationID != 0 || ev[0].ActorID != 0 || ev[1].ActorID != 0 {
		t.Errorf("relation events of b (not the edited patch: no actor): %+v", ev)
	}
	// The edited patch (ids[0]) names the actor, on the last event written.
	ev, err = s.ListEvents(ctx, store.EventQuery{Categories: []string{store.EventPatchRelationChanged}, Asc: true})
	must(t, err)
	if len(ev) < 2 || ev[0].PatchID != b.ID || ev[1].PatchID != a.ID || ev[1].ActorID != f.maint.ID || ev[1].ID < ev[0].ID {
		t.Errorf("relation events of the first SetRelated: %+v", ev[:min(2, len(ev))])
	}
}

func testPatchUpdates(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	p := f.patch(t, nil)
	before := time.Now().Add(-time.Minute)

	// A state and delegate change: the patch as it is after, one event
	// each, a queued notification (the project sends them).
	st, del := f.stAccepted, f.maint.ID
	got, err := s.UpdatePatch(ctx, p.ID, store.PatchUpdate{StateID: &st, DelegateID: &del}, f.maint.ID)
	must(t, err)
	want := *p
	want.StateID, want.DelegateID = st, del
	eq(t, "UpdatePatch result", *got, want)
	stored, err := s.GetPatch(ctx, p.ID)
	must(t, err)
	eq(t, "UpdatePatch stored", *stored, want)
	ev, err := s.ListEvents(ctx, store.EventQuery{PatchID: p.ID, Asc: true})
	must(t, err)
	if len(ev) != 2 || ev[0].Category != store.EventPatchStateChanged || ev[0].PreviousStateID != f.stNew || ev[0].CurrentStateID != st ||
		ev[0].ActorID != f.maint.ID || ev[0].ProjectID != f.proj.ID || ev[0].Date.Before(before) ||
		ev[1].Category != store.EventPatchDelegated || ev[1].PreviousDelegateID != 0 || ev[1].CurrentDelegateID != del {
		t.Fatalf("events of the update: %+v", ev)
	}
	notes, err := s.PendingNotifications(ctx, time.Now().Add(time.Hour))
	must(t, err)
	if len(notes) != 1 || notes[0].PatchID != p.ID || notes[0].OrigStateID != f.stNew {
		t.Fatalf("notifications: %+v", notes)
	}

	// A second state change keeps the first unsent change's original state.
	st2 := f.stSuperseded
	_, err = s.UpdatePatch(ctx, p.ID, store.PatchUpdate{StateID: &st2}, 0)
	must(t, err)
	notes, err = s.PendingNotifications(ctx, time.Now().Add(time.Hour))
	must(t, err)
	if len(notes) != 1 || notes[0].OrigStateID != f.stNew {
		t.Fatalf("notifications after a second change: %+v", notes)
	}

	// Other fields: one patch-updated event; clearing with zero values;
	// nothing for an update that changes nothing.
	yes, ref, pull, name, none := true, "abc123", "git://x main", "renamed", int64(0)
	got, err = s.UpdatePatch(ctx, p.ID, store.PatchUpdate{Archived: &yes, CommitRef: &ref, PullURL: &pull, Name: &name, DelegateID: &none}, f.dev.ID)
	must(t, err)
	if !got.Archived || got.CommitRef != ref || got.PullURL != pull || got.Name != name || got.DelegateID != 0 || got.StateID != st2 {
		t.Fatalf("after the update of other fields: %+v", got)
	}
	empty := ""
	got, err = s.UpdatePatch(ctx, p.ID, store.PatchUpdate{CommitRef: &empty, PullURL: &empty}, f.dev.ID)
	must(t, err)
	if got.CommitRef != "" || got.PullURL != "" {
		t.Fatalf("cleared: %+v", got)
	}
	_, err = s.UpdatePatch(ctx, p.ID, store.PatchUpdate{StateID: &st2, Archived: &yes}, f.dev.ID)
	must(t, err)
	ev, err = s.ListEvents(ctx, store.EventQuery{PatchID: p.ID, Asc: true})
	must(t, err)
	var cats []string
	for _, e := range ev {
		cats = append(cats, e.Category)
	}
	eq(t, "event categories", cats, []string{store.EventPatchStateChanged, store.EventPatchDelegated, store.EventPatchStateChanged,
		store.EventPatchUpdated, store.EventPatchDelegated, store.EventPatchUpdated})

	_, err = s.UpdatePatch(ctx, 999999, store.PatchUpdate{StateID: &st}, 0)
	wantErr(t, "UpdatePatch unknown", err, store.ErrNotFound)

	// No notification in a project that sends none.
	q := &store.Patch{ProjectID: f.proj2.ID, MsgID: "<q@example.org>", Name: "q", Date: at(3), SubmitterID: f.bob.ID, StateID: f.stNew}
	must(t, s.CreatePatch(ctx, q, nil))
	_, err = s.UpdatePatch(ctx, q.ID, store.PatchUpdate{StateID: &st}, 0)
	must(t, err)
	notes, err = s.PendingNotifications(ctx, time.Now().Add(time.Hour))
	must(t, err)
	eq(t, "notifications of both projects", len(notes), 1)
}

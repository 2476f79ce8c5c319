package storetest

import (
	"fmt"
	"testing"

	"github.com/patchwork-go/patchwork/store"
)

// testDeferredWrites: a transaction's store that defers writes
// (store.WriteDeferrer) gives every row its id at once, reads see the
// held rows, the commit writes what a plain transaction writes, and a
// held write that fails fails the transaction and leaves nothing.
func testDeferredWrites(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	tags, err := s.ListTags(ctx)
	must(t, err)
	acked := tags[0].ID
	var ser store.Series
	var cv store.Cover
	var ps []*store.Patch
	var who *store.Person
	var cm store.Comment
	err = s.InTx(ctx, func(tx store.Store) error {
		d, ok := tx.(store.WriteDeferrer)
		if !ok {
			t.Skip("the store does not defer writes")
		}
		// Fewer patches than it writes: the others take ids one by one.
		d.DeferWrites(store.RowCounts{Patches: 1, Series: 1, Covers: 1, Comments: 1, People: 1})
		if err := tx.LockProject(ctx, f.proj.ID); err != nil {
			return err
		}
		ser = store.Series{ProjectID: f.proj.ID, Name: "deferred", Date: at(0), SubmitterID: f.jane.ID, Total: 3}
		if err := tx.CreateSeries(ctx, &ser); err != nil {
			return err
		}
		cv = store.Cover{ProjectID: f.proj.ID, MsgID: "<d-0@example.org>", Name: "[0/3] it's 'quoted'", Date: at(0),
			SubmitterID: f.jane.ID, Headers: "Subject: $1 ?\n", Content: "ünïcode \\ \x01", SeriesID: ser.ID}
		if err := tx.CreateCover(ctx, &cv); err != nil {
			return err
		}
		for n := 1; n <= 3; n++ {
			p := &store.Patch{ProjectID: f.proj.ID, MsgID: fmt.Sprintf("<d-%d@example.org>", n), Name: fmt.Sprintf("[%d/3] $%d ? '%d'", n, n, n),
				Date: at(n), SubmitterID: f.jane.ID, Headers: "Subject: x\n", Content: "-- \\N\n", Diff: "--- a/f\n+++ b/f\n",
				Hash: fmt.Sprintf("%040x", n), StateID: f.stNew, SeriesID: ser.ID, Number: n}
			if err := tx.CreatePatch(ctx, p, store.TagCounts{acked: n}); err != nil {
				return err
			}
			if p.ID == 0 {
				return fmt.Errorf("patch %d has no id", n)
			}
			ps = append(ps, p)
		}
		ser.Name, ser.CoverID = "deferred, renamed", cv.ID
		if err := tx.UpdateSeries(ctx, &ser); err != nil {
			return err
		}
		var err error
		if who, err = tx.InsertPerson(ctx, "new@example.org", "New Person", true); err != nil {
			return err
		}
		cm = store.Comment{PatchID: ps[1].ID, ProjectID: f.proj.ID, MsgID: "<d-reply@example.org>", Date: at(9), SubmitterID: who.ID}
		if err := tx.CreateComment(ctx, &cm); err != nil {
			return err
		}
		if err := tx.AddSeriesReferences(ctx, f.proj.ID, []store.SeriesRef{{SeriesID: ser.ID, MsgID: "<d-1@example.org>"}}); err != nil {
			return err
		}
		if err := tx.AddTagCountsMany(ctx, map[int64]store.TagCounts{ps[0].ID: {acked: 10}}); err != nil {
			return err
		}
		if err := tx.CreateEvents(ctx, []store.Event{{Category: store.EventSeriesCreated, ProjectID: f.proj.ID, Date: at(0), SeriesID: ser.ID},
			{Category: store.EventPatchCreated, ProjectID: f.proj.ID, Date: at(1), PatchID: ps[0].ID}}); err != nil {
			return err
		}
		// Reads in the transaction see the held rows.
		got, err := tx.GetPatchByMsgID(ctx, f.proj.ID, ps[2].MsgID)
		if err != nil {
			return err
		}
		if got.ID != ps[2].ID || got.Name != ps[2].Name || got.Content != ps[2].Content {
			return fmt.Errorf("read in the transaction: %+v", got)
		}
		owners, err := tx.MsgIDOwners(ctx, f.proj.ID, []string{"<d-0@example.org>", "<d-reply@example.org>"})
		if err != nil {
			return err
		}
		if owners["<d-0@example.org>"].CoverID != cv.ID || owners["<d-reply@example.org>"].CommentPatchID != ps[1].ID {
			return fmt.Errorf("owners in the transaction: %+v", owners)
		}
		return nil
	})
	must(t, err)

	gotSer, err := s.GetSeries(ctx, ser.ID)
	must(t, err)
	if gotSer.Name != "deferred, renamed" || gotSer.ReceivedTotal != 3 || gotSer.CoverID != cv.ID {
		t.Errorf("series after commit: %+v", gotSer)
	}
	gotCv, err := s.GetCover(ctx, cv.ID)
	must(t, err)
	eq(t, "cover after commit", *gotCv, cv)
	for _, p := range ps {
		got, err := s.GetPatch(ctx, p.ID)
		must(t, err)
		eq(t, "patch after commit", *got, *p)
	}
	tc, err := s.GetTagCounts(ctx, ps[0].ID)
	must(t, err)
	eq(t, "tag counts after commit", tc, store.TagCounts{acked: 11})
	if pid, _, err := s.FindCommentParent(ctx, f.proj.ID, cm.MsgID); err != nil || pid != ps[1].ID {
		t.Errorf("comment parent: %d %v", pid, err)
	}
	gotWho, err := s.GetPerson(ctx, who.ID)
	must(t, err)
	eq(t, "person after commit", *gotWho, store.Person{ID: who.ID, Name: "New Person", Email: "new@example.org"})
	bySer, err := s.SeriesByReference(ctx, f.proj.ID, "<d-1@example.org>")
	must(t, err)
	eq(t, "reference after commit", bySer.ID, ser.ID)
	n, err := s.CountEvents(ctx, store.EventQuery{SeriesID: ser.ID})
	must(t, err)
	eq(t, "events after commit", n, 1)

	// A duplicate fails at its insert or, held back, at the commit: the
	// transaction leaves nothing either way.
	err = s.InTx(ctx, func(tx store.Store) error {
		tx.(store.WriteDeferrer).DeferWrites(store.RowCounts{Patches: 2})
		if err := tx.CreatePatch(ctx, &store.Patch{ProjectID: f.proj.ID, MsgID: "<d-new@example.org>", Name: "new", Date: at(20),
			SubmitterID: f.jane.ID, StateID: f.stNew}, nil); err != nil {
			return err
		}
		return tx.CreatePatch(ctx, &store.Patch{ProjectID: f.proj.ID, MsgID: ps[0].MsgID, Name: "dup", Date: at(21),
			SubmitterID: f.jane.ID, StateID: f.stNew}, nil)
	})
	wantErr(t, "a held duplicate", err, store.ErrConflict)
	_, err = s.GetPatchByMsgID(ctx, f.proj.ID, "<d-new@example.org>")
	wantErr(t, "a patch of the failed transaction", err, store.ErrNotFound)
}

package storetest

import (
	"sort"
	"testing"

	"github.com/patchwork-go/patchwork/store"
)

// testLockAndRead: a store that reads along with the project lock
// (store.LockReader) answers, inside a transaction, what the separate
// calls answer: HasHeldMails, MsgIDOwners, SeriesRefsIn, PeopleByEmails,
// SeriesNamesOf of the addresses' people, and the rows and patch numbers
// of the series the ids were recorded by (a series without patches too).
func testLockAndRead(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	v1 := &store.Series{ProjectID: f.proj.ID, Name: "net: fixes", Date: at(1), SubmitterID: f.jane.ID, Version: 1, Total: 3}
	v2 := &store.Series{ProjectID: f.proj.ID, Name: "net: fixes v2", Date: at(2), SubmitterID: f.jane.ID, Version: 2, Total: 3}
	other := &store.Series{ProjectID: f.proj2.ID, Name: "zlib", Date: at(3), SubmitterID: f.bob.ID, Version: 1, Total: 1}
	for _, x := range []*store.Series{v1, v2, other} {
		must(t, s.CreateSeries(ctx, x))
	}
	p1 := f.patch(t, func(p *store.Patch) { p.SeriesID, p.Number = v1.ID, 3 })
	p2 := f.patch(t, func(p *store.Patch) { p.SeriesID, p.Number = v1.ID, 1 })
	f.patch(t, func(p *store.Patch) { p.SeriesID, p.Number = v1.ID, 1 }) // a number twice
	cv := &store.Cover{ProjectID: f.proj.ID, MsgID: "<cover@example.org>", Name: "[0/3] net: fixes", Date: at(4), SubmitterID: f.jane.ID, SeriesID: v1.ID}
	must(t, s.CreateCover(ctx, cv))
	cm := &store.Comment{PatchID: p2.ID, ProjectID: f.proj.ID, MsgID: p1.MsgID, Date: at(5), SubmitterID: f.bob.ID, Content: "same id as patch 1"}
	must(t, s.CreateComment(ctx, cm))
	must(t, s.AddSeriesReferences(ctx, f.proj.ID, []store.SeriesRef{{SeriesID: v1.ID, MsgID: cv.MsgID}, {SeriesID: v2.ID, MsgID: cv.MsgID},
		{SeriesID: v2.ID, MsgID: "<elsewhere@example.org>"}}))
	must(t, s.AddSeriesReferences(ctx, f.proj2.ID, []store.SeriesRef{{SeriesID: other.ID, MsgID: cv.MsgID}}))
	_, err := s.HoldMail(ctx, &store.HeldMail{ProjectID: f.proj.ID, MsgID: "<held@example.org>", References: []string{cv.MsgID}, Received: at(6), Raw: []byte("raw")})
	must(t, err)

	msgids := []string{cv.MsgID, p1.MsgID, p2.MsgID, "<none@example.org>", cv.MsgID}
	emails := []string{"JANE@example.org", "nobody@example.org", " bob@example.org "}
	for _, proj := range []*store.Project{f.proj, f.proj2} {
		err := s.InTx(ctx, func(tx store.Store) error {
			lr, ok := tx.(store.LockReader)
			if !ok {
				t.Skip("the store does not read along with the lock")
			}
			got, err := lr.LockAndRead(ctx, store.LockRead{ProjectID: proj.ID, Held: true, MsgIDs: msgids, Emails: emails, SeriesOf: emails, RefSeries: true})
			if err != nil {
				return err
			}
			var want store.LockedReads
			if want.Held, err = tx.HasHeldMails(ctx, proj.ID); err != nil {
				return err
			}
			if want.Owners, err = tx.MsgIDOwners(ctx, proj.ID, msgids); err != nil {
				return err
			}
			if want.Refs, err = tx.SeriesRefsIn(ctx, proj.ID, msgids); err != nil {
				return err
			}
			if want.People, err = tx.PeopleByEmails(ctx, emails); err != nil {
				return err
			}
			var subs []int64
			for _, p := range want.People {
				subs = append(subs, p.ID)
			}
			if want.SeriesNames, err = tx.SeriesNamesOf(ctx, proj.ID, subs); err != nil {
				return err
			}
			var sids []int64
			for _, ss := range want.Refs {
				sids = append(sids, ss...)
			}
			if want.Series, err = tx.GetSeriesByIDs(ctx, sids); err != nil {
				return err
			}
			want.Numbers = map[int64][]int{}
			for id := range want.Series {
				if want.Numbers[id], err = tx.SeriesNumbers(ctx, id); err != nil {
					return err
				}
			}
			sortNames := func(ns []store.SeriesName) {
				sort.Slice(ns, func(a, b int) bool { return ns[a].ID < ns[b].ID })
			}
			sortNames(got.SeriesNames)
			sortNames(want.SeriesNames)
			eq(t, proj.LinkName+": LockAndRead", got, want)
			return nil
		})
		must(t, err)
	}
	// What it was found to answer, spelled out once.
	err = s.InTx(ctx, func(tx store.Store) error {
		got, err := tx.(store.LockReader).LockAndRead(ctx, store.LockRead{ProjectID: f.proj.ID, Held: true, MsgIDs: msgids, RefSeries: true})
		if err != nil {
			return err
		}
		eq(t, "held", got.Held, true)
		eq(t, "owner of the cover's id", got.Owners[cv.MsgID], store.MsgIDOwner{CoverID: cv.ID})
		eq(t, "owner of patch 1's id", got.Owners[p1.MsgID].PatchID, p1.ID)
		eq(t, "comment with patch 1's id", got.Owners[p1.MsgID].CommentPatchID, p2.ID)
		eq(t, "recorded by", got.Refs[cv.MsgID], []int64{v1.ID, v2.ID})
		eq(t, "series read", len(got.Series), 2)
		eq(t, "received", got.Series[v1.ID].ReceivedTotal, 3)
		eq(t, "numbers", got.Numbers[v1.ID], []int{1, 3})
		eq(t, "numbers of a series without patches", got.Numbers[v2.ID], []int(nil))
		if _, ok := got.Numbers[v2.ID]; !ok {
			t.Error("no numbers entry for the series without patches")
		}
		empty, err := tx.(store.LockReader).LockAndRead(ctx, store.LockRead{ProjectID: f.proj2.ID})
		if err != nil {
			return err
		}
		eq(t, "nothing asked", empty, store.LockedReads{Owners: map[string]store.MsgIDOwner{}, Refs: map[string][]int64{}, People: map[string]store.Person{}})
		return nil
	})
	must(t, err)
}

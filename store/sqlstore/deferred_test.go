package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestDeferWrites: a deferring transaction's rows have their ids at once,
// its reads see them, what it wrote is what a plain transaction writes,
// and a held insert that fails fails the commit and leaves nothing behind.
// (Only PostgreSQL holds writes back; elsewhere the same must hold.)
func TestDeferWrites(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
		patch := func(n int, seriesID int64) *store.Patch {
			return &store.Patch{ProjectID: f.proj.ID, MsgID: fmt.Sprintf("<d-%d@example.org>", n), Name: fmt.Sprintf("[%d/3] it's 'quoted' \\ %d", n, n),
				Date: base.Add(time.Duration(n) * time.Minute), SubmitterID: f.sub.ID, Headers: "Subject: x\n",
				Content: "$1 ? $2 -- not a placeholder\n", Diff: "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n",
				Hash: fmt.Sprintf("%040x", n), StateID: state(t, f, "new"), SeriesID: seriesID, Number: n}
		}
		var ser store.Series
		var ps []*store.Patch
		err := s.InTx(ctx, func(tx store.Store) error {
			d, ok := tx.(store.WriteDeferrer)
			if !ok {
				t.Fatal("a transaction's store does not defer writes")
			}
			// One patch fewer than it writes: the last takes its id alone.
			d.DeferWrites(store.RowCounts{Patches: 2, Series: 1, Comments: 1, People: 1})
			ser = store.Series{ProjectID: f.proj.ID, Name: "deferred", Date: base, SubmitterID: f.sub.ID, Total: 3}
			if err := tx.CreateSeries(ctx, &ser); err != nil {
				return err
			}
			for n := 1; n <= 3; n++ {
				p := patch(n, ser.ID)
				if err := tx.CreatePatch(ctx, p, nil); err != nil {
					return err
				}
				if p.ID == 0 {
					t.Fatalf("patch %d has no id", n)
				}
				ps = append(ps, p)
			}
			ser.Name = "deferred, renamed"
			if err := tx.UpdateSeries(ctx, &ser); err != nil {
				return err
			}
			who, err := tx.InsertPerson(ctx, "new@example.org", "New Person", true)
			if err != nil {
				return err
			}
			c := &store.Comment{PatchID: ps[1].ID, ProjectID: f.proj.ID, MsgID: "<d-reply@example.org>", Date: base, SubmitterID: who.ID}
			if err := tx.CreateComment(ctx, c); err != nil {
				return err
			}
			// A read in the transaction sees the held rows.
			got, err := tx.GetPatchByMsgID(ctx, f.proj.ID, ps[2].MsgID)
			if err != nil {
				return err
			}
			if got.ID != ps[2].ID || got.SeriesID != ser.ID || got.Name != ps[2].Name || got.Content != ps[2].Content {
				t.Fatalf("read in the transaction: %+v", got)
			}
			return nil
		})
		must(t, err)
		// As many ids as rows: no gaps.
		if ps[1].ID != ps[0].ID+1 || ps[2].ID != ps[1].ID+1 {
			t.Fatalf("patch ids %d %d %d, want consecutive", ps[0].ID, ps[1].ID, ps[2].ID)
		}
		got, err := s.GetSeries(ctx, ser.ID)
		must(t, err)
		if got.Name != "deferred, renamed" || got.ReceivedTotal != 3 {
			t.Fatalf("series after commit: %+v", got)
		}
		rows, err := s.SeriesPatches(ctx, ser.ID)
		must(t, err)
		if len(rows) != 3 || rows[0].ID != ps[0].ID || rows[2].Name != ps[2].Name {
			t.Fatalf("series patches: %+v", rows)
		}
		if pid, _, err := s.FindCommentParent(ctx, f.proj.ID, "<d-reply@example.org>"); err != nil || pid != ps[1].ID {
			t.Fatalf("comment parent: %d %v", pid, err)
		}

		// A duplicate message id fails at the insert or, held back, at the
		// commit: either way the transaction leaves nothing.
		err = s.InTx(ctx, func(tx store.Store) error {
			tx.(store.WriteDeferrer).DeferWrites(store.RowCounts{})
			if err := tx.CreatePatch(ctx, patch(4, 0), nil); err != nil {
				return err
			}
			return tx.CreatePatch(ctx, patch(1, 0), nil)
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate held insert: %v, want a conflict", err)
		}
		if _, err := s.GetPatchByMsgID(ctx, f.proj.ID, "<d-4@example.org>"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("patch of the failed transaction: %v", err)
		}
		if who, err := s.PeopleByEmails(ctx, []string{"new@example.org"}); err != nil || who["new@example.org"].Name != "New Person" {
			t.Fatalf("person of the first transaction: %+v %v", who, err)
		}
	})
}

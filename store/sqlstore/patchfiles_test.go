package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/query"
	"github.com/patchwork-go/patchwork/store/sqlstore"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

func diffOf(paths ...string) string {
	d := ""
	for _, p := range paths {
		d += "diff --git a/" + p + " b/" + p + "\n--- a/" + p + "\n+++ b/" + p + "\n@@ -1 +1 @@\n-old\n+new\n"
	}
	return d
}

// TestFileFilter: file: matches each path of a diff on its own, the same
// on every dialect: a glob that would match across two file names of one
// diff matches nothing (it did when it ran over the whole diff text).
func TestFileFilter(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		pr := &store.Project{LinkName: "libuv", Name: "libuv", ListID: "libuv.example.org"}
		if err := s.CreateProject(ctx, pr); err != nil {
			t.Fatal(err)
		}
		who, err := s.UpsertPerson(ctx, "dev@example.org", "Dev", false)
		if err != nil {
			t.Fatal(err)
		}
		add := func(name string, diff string) int64 {
			p := &store.Patch{ProjectID: pr.ID, MsgID: "<" + name + "@x>", Name: name, Date: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
				SubmitterID: who.ID, Diff: diff, Content: "x\n"}
			if err := s.CreatePatch(ctx, p, nil); err != nil {
				t.Fatal(err)
			}
			return p.ID
		}
		header := add("header", diffOf("src/win/fs-fd-hash-inl.h", "test/test-fs.c"))
		source := add("source", diffOf("src/win/fs-fd-hash.c"))
		renamed := add("renamed", "diff --git a/old/Name.C b/new/name.c\nsimilarity index 90%\nrename from old/Name.C\nrename to new/name.c\n--- a/old/Name.C\n+++ b/new/name.c\n@@ -1 +1 @@\n-a\n+b\n")
		added := add("added", "diff --git a/doc/x.md b/doc/x.md\nnew file mode 100644\n--- /dev/null\n+++ b/doc/x.md\n@@ -0,0 +1 @@\n+x\n")
		for _, c := range []struct {
			q    string
			want []int64
		}{
			{"file:src/win/fs-fd-hash*.c", []int64{source}},
			{"file:src/win/fs-fd-hash*", []int64{header, source}},
			{"file:*.h", []int64{header}},
			{"file:test/*", []int64{header}},
			{"file:old/name.c", []int64{renamed}},
			{"file:new/name.c", []int64{renamed}},
			{"file:doc/x.md", []int64{added}},
			{"file:dev/null", nil},
			{"-file:*.c", []int64{added}},
			{"file:src/win/fs-fd-hash?inl.h", []int64{header}},
		} {
			q, err := query.Parse(c.q)
			if err != nil {
				t.Fatal(err)
			}
			conds, err := q.Conds(ctx, query.StoreResolver(s, nil))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := s.ListPatches(ctx, store.PatchQuery{Conds: conds, Order: store.OrderID})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, r := range rows {
				got = append(got, r.ID)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("%s: patches %v, want %v", c.q, got, c.want)
			}
		}
	})
}

// TestPatchFilesBackfill: migrating to version 5 fills the paths of the
// patches stored before it.
func TestPatchFilesBackfill(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ss := s.(*sqlstore.Store)
		pr := &store.Project{LinkName: "p", Name: "p", ListID: "p.example.org"}
		if err := s.CreateProject(ctx, pr); err != nil {
			t.Fatal(err)
		}
		who, _ := s.UpsertPerson(ctx, "dev@example.org", "Dev", false)
		p := &store.Patch{ProjectID: pr.ID, MsgID: "<a@x>", Name: "a", SubmitterID: who.ID, Diff: diffOf("a/b.c"), Content: "x\n"}
		if err := s.CreatePatch(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
		// Back to before version 5 and up again: the table is made anew,
		// empty, and the migration fills it.
		if err := ss.MigrateTo(ctx, 4); err != nil {
			t.Fatal(err)
		}
		if err := ss.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		rows, err := s.ListPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldFile, Strs: []string{"a/b.c"}}}})
		if err != nil || len(rows) != 1 || rows[0].ID != p.ID {
			t.Fatalf("after the backfill file:a/b.c lists %v (%v), want patch %d", rows, err, p.ID)
		}
	})
}

// fileMatches lists the patches the filter file:glob finds.
func fileMatches(t *testing.T, s store.Store, glob string) []int64 {
	t.Helper()
	rows, err := s.ListPatches(context.Background(), store.PatchQuery{Conds: []store.Cond{{Field: store.FieldFile, Strs: []string{glob}}}, Order: store.OrderID})
	if err != nil {
		t.Fatalf("file:%s: %v", glob, err)
	}
	var got []int64
	for _, r := range rows {
		got = append(got, r.ID)
	}
	return got
}

// writer is the pool that takes raw writes (SQLite's single writer).
func writer(ss *sqlstore.Store) *sql.DB {
	pools := ss.Pools()
	if w, ok := pools["patchwork-write"]; ok {
		return w
	}
	return pools["patchwork"]
}

func countRows(t *testing.T, ss *sqlstore.Store, q string) int {
	t.Helper()
	var n int
	if err := writer(ss).QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestFileFilterHunkLines: a hunk's removed and added lines that look like
// file headers ("--- old comment", a 5,000-byte "+++ " line) are neither
// paths nor a reason to lose the mail; a header path over the cap is left
// out and the patch still stored.
func TestFileFilterHunkLines(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ss := s.(*sqlstore.Store)
		pr := &store.Project{LinkName: "p", Name: "p", ListID: "p.example.org"}
		if err := s.CreateProject(ctx, pr); err != nil {
			t.Fatal(err)
		}
		who, err := s.UpsertPerson(ctx, "dev@example.org", "Dev", false)
		if err != nil {
			t.Fatal(err)
		}
		// Not compressible, so PostgreSQL cannot shrink it under its
		// index row limit.
		var b strings.Builder
		for h := sha256.Sum256(nil); b.Len() < 5000; h = sha256.Sum256(h[:]) {
			b.WriteString(hex.EncodeToString(h[:]))
		}
		long := b.String()[:5000]
		diff := "diff --git a/x.sql b/x.sql\n--- a/x.sql\n+++ b/x.sql\n@@ -1,2 +1,3 @@\n--- old comment\n+++ new thing\n+++ " + long + "\n context\n" +
			"--- a/" + long + "\n+++ b/" + long + "\n@@ -1 +1 @@\n-a\n+b\n"
		p := &store.Patch{ProjectID: pr.ID, MsgID: "<long@x>", Name: "long", SubmitterID: who.ID, Diff: diff, Content: "x\n"}
		if err := s.CreatePatch(ctx, p, nil); err != nil {
			t.Fatalf("patch with a long hunk line not stored: %v", err)
		}
		if got := fileMatches(t, s, "x.sql"); !slices.Equal(got, []int64{p.ID}) {
			t.Errorf("file:x.sql lists %v, want [%d]", got, p.ID)
		}
		for _, g := range []string{"*comment*", "*thing*", "*" + long[:64] + "*", "old comment"} {
			if got := fileMatches(t, s, g); got != nil {
				t.Errorf("file:%s lists %v, want none", g, got)
			}
		}
		if n := countRows(t, ss, "SELECT COUNT(*) FROM patch_files"); n != 1 {
			t.Errorf("%d patch_files rows, want 1 (x.sql)", n)
		}
	})
}

// TestPatchFilesBackfillResumes: a backfill cut short after its first
// batch was committed (the rows of the later patches missing, its marker
// left) is finished by the next Migrate, without doubling the rows of a
// patch stored in between, and then leaves no marker.
func TestPatchFilesBackfillResumes(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		ss := s.(*sqlstore.Store)
		pr := &store.Project{LinkName: "p", Name: "p", ListID: "p.example.org"}
		if err := s.CreateProject(ctx, pr); err != nil {
			t.Fatal(err)
		}
		who, err := s.UpsertPerson(ctx, "dev@example.org", "Dev", false)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, name := range []string{"one", "two", "three"} {
			p := &store.Patch{ProjectID: pr.ID, MsgID: "<" + name + "@x>", Name: name, SubmitterID: who.ID, Diff: diffOf(name + ".c"), Content: "x\n"}
			if err := s.CreatePatch(ctx, p, nil); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		if n := countRows(t, ss, "SELECT COUNT(*) FROM patch_files_backfill"); n != 0 {
			t.Fatalf("%d backfill markers after Migrate, want 0", n)
		}
		// What a process killed after the first batch leaves: the first
		// patch filled, the marker at the second, the rest empty.
		w := writer(ss)
		for _, q := range []string{
			fmt.Sprintf("DELETE FROM patch_files WHERE patch_id >= %d", ids[1]),
			fmt.Sprintf("INSERT INTO patch_files_backfill (next_id) VALUES (%d)", ids[1]),
		} {
			if _, err := w.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		// A patch stored before the backfill resumes has its rows already.
		p := &store.Patch{ProjectID: pr.ID, MsgID: "<four@x>", Name: "four", SubmitterID: who.ID, Diff: diffOf("four.c"), Content: "x\n"}
		if err := s.CreatePatch(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
		if got := fileMatches(t, s, "two.c"); got != nil {
			t.Fatalf("file:two.c lists %v before the resumed backfill, want none", got)
		}
		if err := ss.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		for i, name := range []string{"one", "two", "three", "four"} {
			if got := fileMatches(t, s, name+".c"); !slices.Equal(got, []int64{ids[i]}) {
				t.Errorf("after the resumed backfill file:%s.c lists %v, want [%d]", name, got, ids[i])
			}
		}
		if n := countRows(t, ss, "SELECT COUNT(*) FROM patch_files"); n != 4 {
			t.Errorf("%d patch_files rows, want 4", n)
		}
		if n := countRows(t, ss, "SELECT COUNT(*) FROM patch_files_backfill"); n != 0 {
			t.Errorf("%d backfill markers after the resumed backfill, want 0", n)
		}
	})
}

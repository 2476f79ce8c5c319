package sqlstore_test

import (
	"context"
	"slices"
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

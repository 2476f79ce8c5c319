package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// emptyDB returns the URL of a database of the dialect with no schema at
// all, as an operator's new database would be.
func emptyDB(t *testing.T, dialect string) string {
	t.Helper()
	if dialect == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "new.db")
	}
	url := sqltest.URL(t, dialect)
	if err := openDB(t, url).MigrateDown(context.Background()); err != nil {
		t.Fatalf("empty the %s database: %v", dialect, err)
	}
	return url
}

// TestMigrateConcurrently starts several migrations of one new database at
// once (several serve processes starting together behind a load balancer)
// and checks that every one succeeds and the schema comes out whole.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := emptyDB(t, d)

			// Before any migration, commands refuse with EX_TEMPFAIL.
			r := pw(t, db, nil, "", "project", "list")
			if r.code != 75 || !strings.Contains(r.stderr, "run `patchworkd migrate`") {
				t.Fatalf("project list on an empty database: exit %d, %q; want 75 and a hint", r.code, r.stderr)
			}
			r = pw(t, db, nil, "", "migrate", "status")
			if r.code != 0 || !strings.Contains(r.stdout, "schema out of date") {
				t.Fatalf("migrate status on an empty database: exit %d, %q %q", r.code, r.stdout, r.stderr)
			}

			const n = 4
			var wg sync.WaitGroup
			results := make([]result, n)
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i] = pw(t, db, nil, "", "migrate")
				}()
			}
			close(start)
			wg.Wait()
			for i, r := range results {
				if r.code != 0 || !strings.Contains(r.stdout, "schema up to date") {
					t.Errorf("migration %d of %d: exit %d\nstdout: %s\nstderr: %s", i+1, n, r.code, r.stdout, r.stderr)
				}
			}

			// Idempotent, and the seeded states arrive exactly once.
			mustPW(t, db, nil, "", "migrate")
			var states []stateJSON
			if err := json.Unmarshal([]byte(mustPW(t, db, nil, "", "state", "list", "--json")), &states); err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, st := range states {
				names = append(names, st.Name)
			}
			want := "New,Under Review,Accepted,Rejected,RFC,Not Applicable,Changes Requested,Awaiting Upstream,Superseded,Deferred"
			if got := strings.Join(names, ","); got != want {
				t.Errorf("states after concurrent migrations:\n got %s\nwant %s", got, want)
			}
			if out := mustPW(t, db, nil, "", "migrate", "status"); !strings.Contains(out, "schema up to date") {
				t.Errorf("migrate status: %s", out)
			}
		})
	}
}

func TestSQLitePath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"sqlite:pw.db":                     "pw.db",
		"sqlite:/var/lib/pw/pw.db":         "/var/lib/pw/pw.db",
		"sqlite:///var/lib/pw/pw.db":       "/var/lib/pw/pw.db",
		"sqlite:pw.db?_pragma=cache(1000)": "pw.db",
	} {
		if got := sqlitePath(in); got != want {
			t.Errorf("sqlitePath(%q) = %q, want %q", in, got, want)
		}
	}
}

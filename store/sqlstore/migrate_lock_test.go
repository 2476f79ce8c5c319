package sqlstore_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/patchwork-go/patchwork/store/sqlstore"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestMigrateLockEveryDialect migrates one new database from several
// stores at once, each with its own pool, as several daemons starting
// together would: Store.Migrate itself must serialise them on every
// dialect (the CLI used to take SQLite's and MySQL's locks, so other
// callers of Migrate got none), and the schema must come out whole.
func TestMigrateLockEveryDialect(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			var url string
			if d == "sqlite" {
				url = "sqlite:" + filepath.Join(t.TempDir(), "new.db")
			} else {
				url = sqltest.URL(t, d)
				s, err := sqlstore.Open(ctx, url, nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.MigrateDown(ctx); err != nil {
					t.Fatalf("empty the database: %v", err)
				}
				s.Close()
			}
			const n = 6
			stores := make([]*sqlstore.Store, n)
			for i := range stores {
				s, err := sqlstore.Open(ctx, url, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				stores[i] = s
			}
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, s := range stores {
				wg.Go(func() {
					<-start
					errs[i] = s.Migrate(ctx)
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("migration %d of %d: %v", i+1, n, err)
				}
			}
			ok, err := stores[0].SchemaCurrent(ctx)
			if err != nil || !ok {
				t.Fatalf("schema current after concurrent migrations: %v, %v", ok, err)
			}
			if _, err := stores[0].ListProjects(ctx); err != nil {
				t.Fatalf("list projects on the migrated schema: %v", err)
			}
		})
	}
}

// TestMigrateOutOfOrder: a version that lands after a higher one (branches
// take numbers as they are written) is applied to a database that already
// has the higher one, and until then the schema is not current.
func TestMigrateOutOfOrder(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			s, err := sqlstore.Open(ctx, sqltest.URL(t, d), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			// As a database migrated by a binary that did not have
			// version 5 yet would be.
			for _, q := range []string{"DROP TABLE patch_files", "DROP TABLE patch_files_backfill", "DELETE FROM goose_db_version WHERE version_id = 5"} {
				if _, err := s.DB().ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if ok, err := s.SchemaCurrent(ctx); err != nil || ok {
				t.Fatalf("SchemaCurrent without version 5 = %v, %v; want false", ok, err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("migrate with version 5 missing below the current version: %v", err)
			}
			if ok, err := s.SchemaCurrent(ctx); err != nil || !ok {
				t.Fatalf("SchemaCurrent after migrating = %v, %v; want true", ok, err)
			}
			if _, err := s.DB().ExecContext(ctx, "SELECT COUNT(*) FROM patch_files"); err != nil {
				t.Fatalf("patch_files after migrating: %v", err)
			}
		})
	}
}

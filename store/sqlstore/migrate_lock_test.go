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

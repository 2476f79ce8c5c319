package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pressly/goose/v3"

	"github.com/patchwork-go/patchwork/migrations"
	"github.com/patchwork-go/patchwork/store"
)

func (s *Store) provider() (*goose.Provider, error) {
	fsys, err := migrations.FS(s.d.name)
	if err != nil {
		return nil, err
	}
	var gd goose.Dialect
	var opts []goose.ProviderOption
	switch s.d.name {
	case "sqlite":
		gd = goose.DialectSQLite3
	case "postgres":
		gd = goose.DialectPostgres
	case "mysql":
		gd = goose.DialectMySQL
	}
	l, err := s.locker()
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	if l != nil {
		opts = append(opts, goose.WithSessionLocker(l))
	}
	// Versions are taken by branches as they are written and land in any
	// order: a database that has 6 and 9 still gets 5 when a binary brings
	// it (our migrations never depend on a higher-numbered one).
	opts = append(opts, goose.WithSlog(s.logger), goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true))
	return goose.NewProvider(gd, s.wdb, fsys, opts...)
}

// Migrate applies every pending migration. Running it again is a no-op.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.d.name, err)
	}
	_, err = p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", s.d.name, mapErr(err))
	}
	// Every run, not only the one that applies version 5: a backfill cut
	// short (an error, a killed process) resumes where it stopped. Once it
	// has finished this is one read of an empty table.
	if err := s.backfillPatchFiles(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", s.d.name, err)
	}
	s.cache.mu.Lock()
	s.cache.states = nil
	s.cache.mu.Unlock()
	return nil
}

// MigrateDown rolls every migration back (tests and "migrate down").
func (s *Store) MigrateDown(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("migrate down %s: %w", s.d.name, err)
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		return fmt.Errorf("migrate down %s: %w", s.d.name, mapErr(err))
	}
	return nil
}

// MigrateTo rolls the migrations newer than version back.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("migrate down %s: %w", s.d.name, err)
	}
	if _, err := p.DownTo(ctx, version); err != nil {
		return fmt.Errorf("migrate down %s to %d: %w", s.d.name, version, mapErr(err))
	}
	return nil
}

// SchemaVersion returns the database's migration version and the newest
// version this binary embeds (0 when the database was never migrated).
func (s *Store) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	p, err := s.provider()
	if err != nil {
		return 0, 0, err
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		latest = srcs[len(srcs)-1].Version
	}
	// Read the version table directly: goose would create it on an empty
	// database, and checking must not write.
	var v *int64
	var n nullInt64Ptr
	n.p = &v
	err = s.db.QueryRowContext(ctx, "SELECT MAX(version_id) FROM goose_db_version").Scan(n)
	if err != nil {
		if isMissingTable(err) {
			return 0, latest, nil
		}
		return 0, latest, fmt.Errorf("schema version: %w", mapErr(err))
	}
	if v != nil {
		current = *v
	}
	return current, latest, nil
}

// SchemaCurrent reports whether every embedded migration has been applied
// (a database migrated by a newer binary also counts as current). Every
// version is checked, not the highest: one that landed after a higher one
// may still be missing.
func (s *Store) SchemaCurrent(ctx context.Context) (bool, error) {
	p, err := s.provider()
	if err != nil {
		return false, err
	}
	// Read the version table directly: goose would create it on an empty
	// database, and checking must not write.
	rows, err := s.db.QueryContext(ctx, "SELECT version_id, is_applied FROM goose_db_version ORDER BY id")
	if err != nil {
		if isMissingTable(err) {
			return false, nil
		}
		return false, fmt.Errorf("schema versions: %w", mapErr(err))
	}
	defer rows.Close()
	applied := map[int64]bool{}
	for rows.Next() {
		var v int64
		var ok bool
		if err := rows.Scan(&v, &ok); err != nil {
			return false, fmt.Errorf("schema versions: %w", mapErr(err))
		}
		applied[v] = ok // the newest row of a version says
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("schema versions: %w", mapErr(err))
	}
	for _, src := range p.ListSources() {
		if !applied[src.Version] {
			return false, nil
		}
	}
	return true, nil
}

type nullInt64Ptr struct{ p **int64 }

func (n nullInt64Ptr) Scan(v any) error {
	if v == nil {
		*n.p = nil
		return nil
	}
	var i int64
	if err := (nullInt64{&i}).Scan(v); err != nil {
		return err
	}
	*n.p = &i
	return nil
}

// errBackfillMoved rolls back a backfill batch another process has done.
var errBackfillMoved = errors.New("patch files backfill moved on")

// backfillPatchFiles fills patch_files for the patches stored before the
// table was made, a thousand patches per transaction. Each transaction
// also moves patch_files_backfill's next id past its patches, and the row
// is deleted when no patch is left, so a backfill interrupted at any
// point resumes from the first patch it had not committed. A patch stored
// by CreatePatch while the backfill is unfinished already has its rows:
// they are replaced by the same ones, never doubled.
func (s *Store) backfillPatchFiles(ctx context.Context) error {
	total := 0
	for {
		var next int64
		err := s.queryRow(ctx, "SELECT next_id FROM patch_files_backfill").Scan(&next)
		if errors.Is(err, sql.ErrNoRows) || (err != nil && isMissingTable(err)) {
			if total > 0 {
				s.logger.Info("patch files filled in", "patches", total)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("backfill patch files: %w", mapErr(err))
		}
		diffs := map[int64]string{}
		var last int64
		rows, err := s.query(ctx, "SELECT id, diff FROM patches WHERE id >= ? AND diff IS NOT NULL ORDER BY id"+s.d.limit(1000, 0), next)
		if err != nil {
			return fmt.Errorf("backfill patch files: %w", err)
		}
		for rows.Next() {
			var id int64
			var diff string
			if err := rows.Scan(&id, &diff); err != nil {
				rows.Close()
				return fmt.Errorf("backfill patch files: %w", err)
			}
			diffs[id], last = diff, id
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("backfill patch files: %w", err)
		}
		// The marker moves first and only from the value read: its row lock
		// makes a second process backfilling at the same time (two daemons
		// migrating at once) wait, find the marker moved, and skip the batch
		// rather than store its rows twice.
		err = s.InTx(ctx, func(tx store.Store) error {
			t := tx.(*Store)
			q := "UPDATE patch_files_backfill SET next_id = ? WHERE next_id = ?"
			args := []any{last + 1, next}
			if len(diffs) == 0 {
				q, args = "DELETE FROM patch_files_backfill WHERE next_id = ?", []any{next}
			}
			res, err := t.exec(ctx, q, args...)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return errBackfillMoved
			}
			if len(diffs) == 0 {
				return nil
			}
			if err := t.execWrite(ctx, "DELETE FROM patch_files WHERE patch_id >= ? AND patch_id <= ?", next, last); err != nil {
				return err
			}
			return t.addPatchFiles(ctx, diffs)
		})
		if errors.Is(err, errBackfillMoved) {
			continue
		}
		if err != nil {
			return fmt.Errorf("backfill patch files: %w", err)
		}
		total += len(diffs)
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore"
)

// errSchemaOld says the database needs `patchworkd migrate` before this
// binary may use it.
var errSchemaOld = errors.New("database schema is older than this binary: run `patchworkd migrate`")

// openStore opens the database at url and, when migrate is set, brings its
// schema up to date first. Migration is serialised between processes (two
// serve processes starting together on one database, or serve and an
// operator's migrate) so that the second waits and then finds nothing to do.
func openStore(ctx context.Context, url string, migrate bool, logger *slog.Logger) (store.Store, func() error, error) {
	if dbScheme(url) == "sqlite" {
		// SQLite's own message for this is "unable to open database file".
		dir := filepath.Dir(sqlitePath(url))
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, nil, fmt.Errorf("directory %s of the SQLite file does not exist", dir)
		}
	}
	s, err := sqlstore.Open(ctx, url, logger)
	if err != nil {
		return nil, nil, err
	}
	if migrate {
		if err := migrateLocked(ctx, s, url); err != nil {
			_ = s.Close()
			return nil, nil, err
		}
	}
	return s, s.Close, nil
}

// migrateLocked runs Migrate under a lock that other processes respect.
// PostgreSQL needs none of ours: sqlstore's goose provider takes an advisory
// session lock. SQLite and MySQL get one here.
func migrateLocked(ctx context.Context, s *sqlstore.Store, url string) error {
	switch s.Dialect() {
	case "sqlite":
		unlock, err := lockFile(sqlitePath(url) + ".migrate-lock")
		if err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer unlock()
	case "mysql":
		unlock, err := mysqlLock(ctx, s)
		if err != nil {
			return err
		}
		defer unlock()
	}
	return s.Migrate(ctx)
}

// mysqlLock takes a named server lock on one connection of the store's pool
// and holds it (and that connection) until unlock. The server drops it
// by itself if this process dies.
func mysqlLock(ctx context.Context, s *sqlstore.Store) (func(), error) {
	conn, err := s.DB().Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	var got *int64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('patchwork_migrate', 300)").Scan(&got); err != nil {
		conn.Close()
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	if got == nil || *got != 1 {
		conn.Close()
		return nil, errors.New("migration lock: another process held it for 5 minutes")
	}
	return func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK('patchwork_migrate')")
		conn.Close()
	}, nil
}

// sqlitePath is the file of a sqlite:PATH URL (the same forms sqlstore
// accepts).
func sqlitePath(url string) string {
	_, rest, _ := strings.Cut(url, ":")
	rest = strings.TrimPrefix(rest, "//")
	path, _, _ := strings.Cut(rest, "?")
	return path
}

// lockFile holds an exclusive advisory lock on path (created if missing)
// until the returned function is called.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := flock(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"github.com/pressly/goose/v3/lock"
)

// locker returns the goose session locker that makes two processes
// migrating one database take turns (two serve processes starting together,
// or serve and an operator's `migrate`): the second waits, then finds
// nothing to do. Every caller of Migrate gets it, not only the CLI.
func (s *Store) locker() (lock.SessionLocker, error) {
	switch s.d.name {
	case "postgres":
		return lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	case "mysql":
		return mysqlLocker{name: "patchwork_migrate", timeout: 300}, nil
	case "sqlite":
		if s.path == "" {
			return nil, nil // in-memory: no other process can see it
		}
		return &fileLocker{path: s.path + ".migrate-lock"}, nil
	}
	return nil, nil
}

// mysqlLocker holds a named server lock on the migrating connection. The
// server drops it by itself when the connection or the process dies, so a
// killed migration never leaves it behind (goose's MySQL table locker
// would, for its lease, and polls every 5 s).
type mysqlLocker struct {
	name    string
	timeout int // seconds
}

func (l mysqlLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, ?)", l.name, l.timeout).Scan(&got); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	if !got.Valid || got.Int64 != 1 {
		return fmt.Errorf("migration lock: another process held %s for %d s", l.name, l.timeout)
	}
	return nil
}

func (l mysqlLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "SELECT RELEASE_LOCK(?)", l.name); err != nil {
		return fmt.Errorf("migration unlock: %w", err)
	}
	return nil
}

// fileLocker holds an exclusive advisory lock on a file beside the SQLite
// database: SQLite's own locks cover one statement or transaction, not a
// whole migration run. The kernel releases it when the process dies.
type fileLocker struct {
	path string
	f    *os.File
}

func (l *fileLocker) SessionLock(ctx context.Context, _ *sql.Conn) error {
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	if err := flock(f); err != nil {
		f.Close()
		return fmt.Errorf("migration lock %s: %w", l.path, err)
	}
	l.f = f
	return nil
}

func (l *fileLocker) SessionUnlock(context.Context, *sql.Conn) error {
	if l.f == nil {
		return errors.New("migration unlock: not locked")
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Package sqlstore implements store.Store on SQLite, PostgreSQL and MySQL
// (MariaDB) through database/sql. Queries are written once with '?'
// placeholders; everything that differs between the databases lives in
// dialect.go, and driver errors become store sentinels in errors.go.
package sqlstore

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"

	"github.com/patchwork-go/patchwork/store"
)

var (
	_ store.Store         = (*Store)(nil)
	_ store.CheckSearcher = (*Store)(nil)
)

// Store is the SQL implementation of store.Store. A Store returned by Open
// owns its pools; the Store handed to an InTx callback shares them and runs
// every statement inside the transaction.
type Store struct {
	d      dialect
	db     *sql.DB // reads outside transactions
	wdb    *sql.DB // writes and transactions; on SQLite a one-connection pool
	tx     *sql.Tx // non-nil inside InTx
	logger *slog.Logger
	cache  *stateCache
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// stateCache keeps the seeded states: no Store method changes them, and the
// patch list resolves "action required" to state ids on every query.
type stateCache struct {
	mu     sync.Mutex
	states []store.State
}

// Dialect names the database: "sqlite", "postgres" or "mysql".
func (s *Store) Dialect() string { return s.d.name }

// DB returns the read pool (for tools and tests that need raw SQL).
func (s *Store) DB() *sql.DB { return s.db }

// Close releases the connection pools.
func (s *Store) Close() error {
	if s.tx != nil {
		return nil
	}
	err := s.db.Close()
	if s.wdb != s.db {
		if werr := s.wdb.Close(); err == nil {
			err = werr
		}
	}
	return err
}

func (s *Store) reader() querier {
	if s.tx != nil {
		return s.tx
	}
	return s.db
}

func (s *Store) writer() querier {
	if s.tx != nil {
		return s.tx
	}
	return s.wdb
}

// exec runs a write statement.
func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := s.writer().ExecContext(ctx, s.d.rebind(q), s.d.args(args)...)
	return res, mapErr(err)
}

// query runs a read statement.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	rows, err := s.reader().QueryContext(ctx, s.d.rebind(q), s.d.args(args)...)
	return rows, mapErr(err)
}

// queryRow runs a read statement returning one row; scan it with scanRow.
func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.reader().QueryRowContext(ctx, s.d.rebind(q), s.d.args(args)...)
}

// scanRow scans a row and maps the error (sql.ErrNoRows → store.ErrNotFound).
func scanRow(r *sql.Row, dest ...any) error {
	return mapErr(r.Scan(dest...))
}

// insert runs an INSERT and returns the new row's id.
func (s *Store) insert(ctx context.Context, q string, args ...any) (int64, error) {
	if s.d.returning {
		var id int64
		err := s.writer().QueryRowContext(ctx, s.d.rebind(q+" RETURNING id"), s.d.args(args)...).Scan(&id)
		return id, mapErr(err)
	}
	res, err := s.exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	return id, mapErr(err)
}

// write runs fn in a transaction unless one is already open, so multi-step
// writes are atomic whether or not the caller used InTx.
func (s *Store) write(ctx context.Context, fn func(*Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	return s.inTx(ctx, fn)
}

// collect runs a query and scans every row with scan.
func collect[T any](ctx context.Context, s *Store, scan func(*sql.Rows) (T, error), q string, args ...any) ([]T, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, v)
	}
	return out, mapErr(rows.Err())
}

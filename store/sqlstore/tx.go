package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/patchwork-go/patchwork/store"
)

// InTx runs fn in one transaction; nested calls join the outer one.
func (s *Store) InTx(ctx context.Context, fn func(store.Store) error) error {
	return s.write(ctx, func(tx *Store) error { return fn(tx) })
}

// inTx begins a transaction on the writer pool and runs fn with a Store bound
// to it, committing on nil and rolling back otherwise (also on panic).
func (s *Store) inTx(ctx context.Context, fn func(*Store) error) (err error) {
	// MySQL's default REPEATABLE READ fixes a snapshot at the first read, so
	// a row another writer committed while we waited on LockProject (a
	// person, a series) would stay invisible; READ COMMITTED, PostgreSQL's
	// default, lets the project lock serialise writers as intended.
	var opts *sql.TxOptions
	if s.d.name == "mysql" {
		opts = &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	// On PostgreSQL the transaction's connection is kept: held-back writes
	// (deferred.go) are sent through the driver's own pipeline on it.
	var conn *sql.Conn
	var tx *sql.Tx
	if s.d.name == "postgres" {
		if conn, err = s.wdb.Conn(ctx); err != nil {
			return fmt.Errorf("begin transaction: %w", mapErr(err))
		}
		defer conn.Close() // after the transaction ends
		tx, err = conn.BeginTx(ctx, opts)
	} else {
		tx, err = s.wdb.BeginTx(ctx, opts)
	}
	if err != nil {
		return fmt.Errorf("begin transaction: %w", mapErr(err))
	}
	child := *s
	child.tx, child.conn = tx, conn
	if s.stmts != nil {
		child.txStmts = &txStmtCache{m: map[string]*sql.Stmt{}}
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(&child); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := child.flush(ctx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	return nil
}

// LockProject takes a row lock on the project until the transaction ends.
// SQLite transactions are immediate and already hold the write lock.
func (s *Store) LockProject(ctx context.Context, projectID int64) error {
	if s.tx == nil || s.d.name == "sqlite" {
		return nil
	}
	var id int64
	err := scanRow(s.queryRow(ctx, "SELECT id FROM projects WHERE id = ?"+s.d.forUpdate(), projectID), &id)
	if err != nil {
		return fmt.Errorf("lock project %d: %w", projectID, err)
	}
	return nil
}

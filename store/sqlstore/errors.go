package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/patchwork-go/patchwork/store"
)

// mapErr is the one place where driver errors become store sentinels. The
// returned error matches the sentinel with errors.Is and keeps the driver's
// message for logs.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) ||
		errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrUnavailable) ||
		errors.Is(err, store.ErrForbidden) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if s := sentinel(err); s != nil {
		return fmt.Errorf("%w: %w", s, err)
	}
	return err
}

func sentinel(err error) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case pg.Code == "23505":
			return store.ErrConflict
		case pg.Code == "23503", pg.Code == "23502", pg.Code == "22001", pg.Code == "23514", pg.Code == "22P02":
			// foreign key, not null, value too long, check, bad text
			return store.ErrInvalid
		case pg.Code == "3D000", pg.Code == "42P01", pg.Code == "28P01", pg.Code == "28000",
			strings.HasPrefix(pg.Code, "08"), pg.Code == "57P01", pg.Code == "57P03":
			// unknown database, missing table, auth failure, connection
			// problems, shutdown: the database is not usable right now
			return store.ErrUnavailable
		}
		return nil
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		switch my.Number {
		case 1062, 1586:
			return store.ErrConflict
		case 1451, 1452, 1048, 1406, 1366, 1364:
			return store.ErrInvalid
		case 1049, 1146, 1045, 1044, 1040, 2002, 2003, 2006, 2013:
			return store.ErrUnavailable
		}
		return nil
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		switch lite.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return store.ErrConflict
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_CHECK:
			return store.ErrInvalid
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_READONLY:
			return store.ErrUnavailable
		}
		if strings.Contains(lite.Error(), "no such table") {
			return store.ErrUnavailable
		}
		return nil
	}
	var ce *pgconn.ConnectError
	var op *net.OpError
	if errors.As(err, &ce) || errors.As(err, &op) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) {
		return store.ErrUnavailable
	}
	return nil
}

// IsTooManyConnections reports whether err is the server refusing a new
// connection because all are in use (PostgreSQL 53300, MySQL 1040): a
// moment later one may be free.
func IsTooManyConnections(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "53300"
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		return my.Number == 1040
	}
	return false
}

// isMissingTable reports whether err says a table does not exist.
func isMissingTable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "42P01"
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		return my.Number == 1146
	}
	return strings.Contains(err.Error(), "no such table")
}

package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// readQuery is one read of a readMany: its rows go to scan, one by one.
type readQuery struct {
	q    string
	args []any
	scan func(rowScanner) error
}

// readMany runs reads that do not depend on each other in one round trip
// where the database allows it: on PostgreSQL, inside a transaction, as
// one pipelined batch on the transaction's connection; on MariaDB as one
// multi-statement request (its result sets in order); elsewhere one after
// the other. The statements run in order, each seeing what the ones before
// it did (a lock taken by the first is held by the others). A mail that
// comes alone to the daemon waits on each of its round trips, so they are
// what bounds one MTA connection's mails per second.
func (s *Store) readMany(ctx context.Context, qs []readQuery) error {
	if err := s.flush(ctx); err != nil {
		return err
	}
	switch {
	case len(qs) == 1:
	case s.d.name == "postgres" && s.conn != nil:
		return s.readManyPG(ctx, qs)
	case s.d.name == "mysql":
		return s.readManyMySQL(ctx, qs)
	}
	for _, r := range qs {
		if err := s.readOne(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) readOne(ctx context.Context, r readQuery) error {
	rows, err := s.query(ctx, r.q, r.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return mapErr(err)
		}
	}
	return mapErr(rows.Err())
}

// readManyPG sends the reads as one pgx batch: pgx encodes the arguments
// and scans into the same destinations database/sql does (sql.Scanner
// included), and prepares each text once per connection.
func (s *Store) readManyPG(ctx context.Context, qs []readQuery) error {
	return mapErr(s.conn.Raw(func(dc any) error {
		c, ok := dc.(interface{ Conn() *pgx.Conn })
		if !ok {
			return fmt.Errorf("driver connection %T is not pgx's", dc)
		}
		var b pgx.Batch
		for _, r := range qs {
			b.Queue(s.bind(r.q), s.d.args(r.args)...)
		}
		br := c.Conn().SendBatch(ctx, &b)
		for _, r := range qs {
			rows, err := br.Query()
			if err != nil {
				br.Close()
				return err
			}
			for rows.Next() {
				if err := r.scan(rows); err != nil {
					rows.Close()
					br.Close()
					return err
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				br.Close()
				return err
			}
		}
		return br.Close()
	}))
}

// readManyMySQL sends the reads as one multi-statement request (the DSN
// allows them; the driver interpolates the arguments, as for every query).
func (s *Store) readManyMySQL(ctx context.Context, qs []readQuery) error {
	texts := make([]string, len(qs))
	var args []any
	for k, r := range qs {
		texts[k] = r.q
		args = append(args, s.d.args(r.args)...)
	}
	rows, err := s.on(s.db).QueryContext(ctx, strings.Join(texts, ";\n"), args...)
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	for k, r := range qs {
		if k > 0 && !rows.NextResultSet() {
			if err := rows.Err(); err != nil {
				return mapErr(err)
			}
			return fmt.Errorf("read %d of %d: %w", k+1, len(qs), sql.ErrNoRows)
		}
		for rows.Next() {
			if err := r.scan(rows); err != nil {
				return mapErr(err)
			}
		}
		if err := rows.Err(); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

package upstream

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// source is upstream's database: Django's tables, read the same way on
// each dialect.
type source struct {
	db      *sql.DB
	dialect string
}

// q quotes an identifier that is a reserved word ("order").
func (s source) q(ident string) string {
	if s.dialect == "mysql" {
		return "`" + ident + "`"
	}
	return `"` + ident + `"`
}

// bind turns '?' placeholders into PostgreSQL's $n.
func (s source) bind(q string) string {
	if s.dialect != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// each runs query and calls fn with each row's scanner.
func (s source) each(ctx context.Context, what, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := s.db.QueryContext(ctx, s.bind(query), args...)
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return fmt.Errorf("read %s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	return nil
}

// tcol scans Django's naive datetimes (UTC in patchwork's data): time
// values on PostgreSQL and MySQL, text on SQLite.
type tcol struct{ t *time.Time }

var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999Z07:00",
}

func (c tcol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.t = time.Time{}
	case time.Time:
		// Naive columns come back as UTC wall times; keep the wall clock.
		*c.t = time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), x.Nanosecond(), time.UTC)
	case []byte:
		return c.Scan(string(x))
	case string:
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, x); err == nil {
				*c.t = t.UTC()
				return nil
			}
		}
		return fmt.Errorf("unreadable time %q", x)
	default:
		return fmt.Errorf("unreadable time of type %T", v)
	}
	return nil
}

// str scans a nullable text column as "" for NULL.
type str struct{ s *string }

func (c str) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.s = ""
	case string:
		*c.s = x
	case []byte:
		*c.s = string(x)
	default:
		*c.s = fmt.Sprint(x)
	}
	return nil
}

// num scans a nullable integer column as 0 for NULL.
type num struct{ n *int64 }

func (c num) Scan(v any) error {
	var n sql.NullInt64
	if err := n.Scan(v); err != nil {
		return err
	}
	*c.n = n.Int64
	return nil
}

// flag scans a boolean (0/1 on SQLite and MySQL).
type flag struct{ b *bool }

func (c flag) Scan(v any) error {
	var b sql.NullBool
	if err := b.Scan(v); err != nil {
		return err
	}
	*c.b = b.Bool
	return nil
}

// optFlag scans a nullable boolean into a pointer (nil for NULL).
type optFlag struct{ b **bool }

func (c optFlag) Scan(v any) error {
	var b sql.NullBool
	if err := b.Scan(v); err != nil {
		return err
	}
	if b.Valid {
		x := b.Bool
		*c.b = &x
	} else {
		*c.b = nil
	}
	return nil
}

package sqlstore

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// dialect holds everything that differs between the three databases. Query
// text is written once with '?' placeholders and passed through rebind; the
// other members are asked for the few clauses that have no portable form.
type dialect struct {
	name string
	// returning: the INSERT ... RETURNING id form is how new ids come back
	// (pgx's stdlib has no LastInsertId).
	returning bool
}

var (
	dialectSQLite   = dialect{name: "sqlite"}
	dialectPostgres = dialect{name: "postgres", returning: true}
	dialectMySQL    = dialect{name: "mysql"}
)

// sqliteTime is how SQLite stores times: fixed width, UTC, microseconds, so
// text order is time order and round trips are exact.
const sqliteTime = "2006-01-02 15:04:05.000000"

// rebind turns '?' placeholders into $1..$n for PostgreSQL. Our queries never
// contain '?' inside string literals, but quoted text is skipped anyway.
func (d dialect) rebind(q string) string {
	if d.name != "postgres" || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// args makes values safe at the store boundary: strings lose NUL bytes
// (PostgreSQL TEXT cannot hold them; we strip them everywhere so that all
// dialects store the same text) and invalid UTF-8 becomes U+FFFD (valid
// 4-byte characters such as emoji are kept); times become UTC with
// microsecond precision (SQLite gets fixed-width text).
func (d dialect) args(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case string:
			args[i] = cleanString(v)
		case time.Time:
			args[i] = d.timeArg(v)
		}
	}
	return args
}

func (d dialect) timeArg(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d.name == "sqlite" {
		return t.Format(sqliteTime)
	}
	return t
}

// cleanString removes NUL bytes and replaces invalid UTF-8.
func cleanString(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// onConflict completes an INSERT so that a row colliding on the unique key
// conflictCols updates the columns in update (each set from the new row), or
// is left alone when update is empty.
func (d dialect) onConflict(conflictCols string, update ...string) string {
	if d.name == "mysql" {
		if len(update) == 0 {
			if conflictCols == "" {
				return " ON DUPLICATE KEY UPDATE id = id"
			}
			first, _, _ := strings.Cut(conflictCols, ",")
			first = strings.TrimSpace(first)
			return " ON DUPLICATE KEY UPDATE " + first + " = " + first
		}
		sets := make([]string, len(update))
		for i, c := range update {
			sets[i] = c + " = VALUES(" + c + ")"
		}
		return " ON DUPLICATE KEY UPDATE " + strings.Join(sets, ", ")
	}
	if len(update) == 0 {
		if conflictCols == "" {
			return " ON CONFLICT DO NOTHING"
		}
		return " ON CONFLICT (" + conflictCols + ") DO NOTHING"
	}
	sets := make([]string, len(update))
	for i, c := range update {
		sets[i] = c + " = excluded." + c
	}
	return " ON CONFLICT (" + conflictCols + ") DO UPDATE SET " + strings.Join(sets, ", ")
}

// onConflictAdd completes an INSERT so that a row colliding on conflictCols
// adds the new value of col to the stored one (counters).
func (d dialect) onConflictAdd(conflictCols, table, col string) string {
	if d.name == "mysql" {
		return " ON DUPLICATE KEY UPDATE " + col + " = " + col + " + VALUES(" + col + ")"
	}
	return " ON CONFLICT (" + conflictCols + ") DO UPDATE SET " + col + " = " + table + "." + col + " + excluded." + col
}

// forUpdate is the row-lock suffix; SQLite's immediate transactions already
// hold the database write lock.
func (d dialect) forUpdate() string {
	if d.name == "sqlite" {
		return ""
	}
	return " FOR UPDATE"
}

// ciEqual compares a column with a parameter case-insensitively in a way
// that uses the column's index: MySQL columns holding e-mail addresses have
// a case-insensitive collation; SQLite and PostgreSQL index LOWER(col).
func (d dialect) ciEqual(col string) string {
	if d.name == "mysql" {
		return col + " = ?"
	}
	return "LOWER(" + col + ") = LOWER(?)"
}

// limit renders LIMIT/OFFSET (0 limit: none).
func (d dialect) limit(limit, offset int) string {
	var b strings.Builder
	if limit > 0 {
		b.WriteString(" LIMIT ")
		b.WriteString(strconv.Itoa(limit))
	} else if offset > 0 {
		// SQLite and MySQL need a LIMIT before OFFSET.
		switch d.name {
		case "sqlite":
			b.WriteString(" LIMIT -1")
		case "mysql":
			b.WriteString(" LIMIT 18446744073709551615")
		}
	}
	if offset > 0 {
		b.WriteString(" OFFSET ")
		b.WriteString(strconv.Itoa(offset))
	}
	return b.String()
}

// likeEscape escapes a literal for LIKE with the portable escape '!'.
func likeEscape(s string) string {
	r := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	return r.Replace(s)
}

// contains is a case-insensitive substring test on col.
func contains(col string) string {
	return "LOWER(" + col + ") LIKE LOWER(?) ESCAPE '!'"
}

// containsArg is the parameter for contains.
func containsArg(s string) string { return "%" + likeEscape(s) + "%" }

// placeholders returns "?, ?, ?" for n values, or "NULL" for none, so that
// "x IN (NULL)" matches nothing.
func placeholders(n int) string {
	if n == 0 {
		return "NULL"
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// argsOf turns values (ids, message ids) into query arguments.
// inList is "col IN (?, ...)" and its arguments, or on PostgreSQL "col =
// ANY(?)" with one array: the same statement for any count, which pgx
// prepares once instead of once per length (a prepare is a round trip and
// a plan of the whole list).
func inList[T string | int64](d dialect, col string, vals []T) (string, []any) {
	if d.name != "postgres" || len(vals) == 0 {
		return col + " IN (" + placeholders(len(vals)) + ")", argsOf(vals)
	}
	if ss, ok := any(vals).([]string); ok {
		clean := make([]string, len(ss))
		for k, v := range ss {
			clean[k] = cleanString(v)
		}
		return col + " = ANY(?)", []any{clean}
	}
	return col + " = ANY(?)", []any{vals}
}

func argsOf[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/patchwork-go/patchwork/store"
)

// deferredTables are the tables whose inserts a deferring transaction holds
// back: the rows of mail in, whose ids come from their sequences in
// advance so that the caller has one at once.
var deferredTables = []string{"patches", "series", "covers", "comments", "people"}

// deferred is a transaction's pending writes (PostgreSQL, MariaDB). An
// archive import spent its time waiting on one round trip per statement;
// held back, the writes of many mails travel together, consecutive rows of
// one table as one multi-row INSERT: on PostgreSQL all of them in one
// pipelined batch, on MariaDB (whose driver has no pipeline) as
// multi-statement requests of up to mysqlFlushBytes each. Every other
// statement of the transaction sends them first, so nothing reads around
// them and their order is kept.
type deferred struct {
	ids map[string][]int64
	// left is how many more rows of each table the caller expects: ids
	// are taken for as many at once (an unused one is a gap in the ids).
	left  map[string]int
	stmts []pendingStmt
	// link lists the people inserted since the last send, to be linked
	// to the users of their addresses by one statement at the next send.
	link []int64
	err  error // the first failed send; the transaction is aborted
	// next is, on MariaDB, the id the table's next held row takes (see
	// nextIDMySQL); 0 until the table's counter was read.
	next map[string]int64
	// rowsNow sends inserts of rows at once (see mysqlHeldRowsMin).
	rowsNow bool
}

// pendingStmt is one held-back statement: head plus, for an INSERT, one
// row group (so that rows of one head can share a statement).
type pendingStmt struct {
	head string // "INSERT INTO t (cols) VALUES " or a whole statement
	row  string // "(?, ...)" or "" for a statement that is not an INSERT
	args []any
	rank int // flushRank of a held row's table; len(flushRank) otherwise
}

// flushRank orders the held rows of a flush by table, each table's rows
// in the order they were held, so that a batch's rows go as one
// multi-row INSERT per table instead of one per run of rows (an import
// interleaves people, series, covers, patches and comments: MariaDB took
// 641 INSERTs for the 2,000 patches of the libuv archive). A table comes
// after those its rows may reference (people; series, whose cover_id has
// no foreign key; covers; patches; comments). The other held statements
// (events, series references, tag counts, series updates) name their rows
// by key and follow all the rows, in their order.
var flushRank = map[string]int{"people": 0, "series": 1, "covers": 2, "patches": 3, "comments": 4}

// DeferWrites makes this transaction hold back the inserts of mail rows
// and series updates until its next read or its commit (PostgreSQL and
// MariaDB; on SQLite a round trip costs nothing and nothing changes). expect is how
// many rows the caller thinks it will insert: ids are taken for them in
// one round trip, one at a time beyond. Errors of held writes come from a
// later call, not from the one that made them, so only callers that redo
// the whole transaction on any error should ask for it.
func (s *Store) DeferWrites(expect store.RowCounts) {
	if s.tx == nil || (s.d.name != "postgres" && s.d.name != "mysql") || s.pend != nil {
		return
	}
	s.pend = &deferred{ids: map[string][]int64{}, next: map[string]int64{}, left: map[string]int{
		"patches": expect.Patches, "series": expect.Series, "covers": expect.Covers,
		"comments": expect.Comments, "people": expect.People,
	}}
	if s.d.name == "mysql" && expect.Patches+expect.Series+expect.Covers+expect.Comments+expect.People < mysqlHeldRowsMin {
		s.pend.rowsNow = true
	}
}

// mysqlHeldRowsMin is the fewest rows for which MariaDB holds inserts
// back. Held rows need the tables' AUTO_INCREMENT counters, read from
// information_schema: about 0.6 ms of the server's time on the machine
// measured, a few inserts' worth, and a mail alone inserts one to three
// rows. Fewer go at once; the statements whose results nobody reads
// (events, series references, tag counts, series updates) are held back
// all the same.
const mysqlHeldRowsMin = 4

// nextID is a fresh id of table taken from its sequence. When table has
// none left, it and every other table still expecting rows are given ids
// for them in one round trip.
func (s *Store) nextID(ctx context.Context, table string) (int64, error) {
	if s.d.name == "mysql" {
		return s.nextIDMySQL(ctx, table)
	}
	p := s.pend
	if len(p.ids[table]) == 0 {
		var q strings.Builder
		var args []any
		for _, t := range deferredTables {
			n := p.left[t]
			if t == table {
				n = max(n, 1)
			}
			if n <= 0 || len(p.ids[t]) > 0 {
				continue
			}
			if q.Len() > 0 {
				q.WriteString(" UNION ALL ")
			}
			fmt.Fprintf(&q, "SELECT $%d::text, nextval(pg_get_serial_sequence($%d, 'id')) FROM generate_series(1, $%d)",
				len(args)+1, len(args)+1, len(args)+2)
			args = append(args, t, n)
		}
		rows, err := s.tx.QueryContext(ctx, q.String(), args...)
		if err != nil {
			return 0, fmt.Errorf("ids of %s: %w", table, mapErr(err))
		}
		defer rows.Close()
		for rows.Next() {
			var t string
			var id int64
			if err := rows.Scan(&t, &id); err != nil {
				return 0, fmt.Errorf("ids of %s: %w", table, mapErr(err))
			}
			p.ids[t] = append(p.ids[t], id)
		}
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("ids of %s: %w", table, mapErr(err))
		}
		if len(p.ids[table]) == 0 {
			return 0, fmt.Errorf("ids of %s: the sequence gave none", table)
		}
	}
	ids := p.ids[table]
	p.ids[table] = ids[1:]
	p.left[table]--
	return ids[0], nil
}

// insertLater holds back an INSERT of q ("INSERT INTO t (cols) VALUES
// (?, ...)") with a preallocated id; ok is false when q's table is not one
// that is held back.
func (s *Store) insertLater(ctx context.Context, q string, args []any) (id int64, ok bool, err error) {
	if s.pend.rowsNow {
		return 0, false, nil
	}
	rest, found := strings.CutPrefix(q, "INSERT INTO ")
	if !found {
		return 0, false, nil
	}
	table, cols, found := strings.Cut(rest, " (")
	if !found || !slices.Contains(deferredTables, table) {
		return 0, false, nil
	}
	cols, row, found := strings.Cut(cols, "VALUES (")
	if row = strings.TrimSpace(row); !found || !strings.HasSuffix(row, ")") || strings.Contains(row, "(") {
		return 0, false, nil // not one plain row (ON CONFLICT, a subquery): sent now
	}
	if id, err = s.nextID(ctx, table); err != nil {
		return 0, true, err
	}
	s.pend.stmts = append(s.pend.stmts, pendingStmt{
		head: "INSERT INTO " + table + " (id, " + strings.TrimSpace(cols) + " VALUES ",
		row:  "(?, " + row,
		args: append([]any{id}, s.d.args(args)...),
		rank: flushRank[table],
	})
	return id, true, nil
}

// queueLinks holds back, behind the held inserts, the statement linking
// the people they insert to the users of their addresses (one per send:
// one per person would split the multi-row INSERTs).
func (s *Store) queueLinks() {
	p := s.pend
	for ids := range slices.Chunk(p.link, 5000) {
		head := "UPDATE people SET user_id = u.id FROM users u WHERE LOWER(u.email) = LOWER(people.email) AND people.id IN ("
		if s.d.name == "mysql" {
			// E-mail columns compare case-insensitively by their collation.
			head = "UPDATE people JOIN users u ON u.email = people.email SET people.user_id = u.id WHERE people.id IN ("
		}
		p.stmts = append(p.stmts, pendingStmt{head: head + placeholders(len(ids)) + ")", args: argsOf(ids), rank: len(flushRank)})
	}
	p.link = p.link[:0]
}

// execLater holds back a statement whose result nobody reads.
func (s *Store) execLater(q string, args ...any) {
	s.pend.stmts = append(s.pend.stmts, pendingStmt{head: q, args: s.d.args(args), rank: len(flushRank)})
}

// execWrite runs a write whose result nobody reads: held back in a
// deferring transaction, else at once.
func (s *Store) execWrite(ctx context.Context, q string, args ...any) error {
	if s.pend != nil {
		s.execLater(q, args...)
		return nil
	}
	_, err := s.exec(ctx, q, args...)
	return err
}

// flush sends the held-back writes, if any, in one round trip: one
// pipelined batch of statements, values as text parameters (nothing to
// quote into the SQL, no statement to prepare).
func (s *Store) flush(ctx context.Context) error {
	p := s.pend
	if p == nil || len(p.stmts) == 0 && len(p.link) == 0 {
		if p != nil {
			return p.err
		}
		return nil
	}
	s.queueLinks()
	slices.SortStableFunc(p.stmts, func(a, b pendingStmt) int { return a.rank - b.rank })
	if s.d.name == "mysql" {
		return s.flushMySQL(ctx)
	}
	var stmts []pgHeld
	var q strings.Builder
	var args []any
	rows := 0
	add := func() error {
		if q.Len() == 0 {
			return nil
		}
		params := make([][]byte, len(args))
		for k, a := range args {
			v, err := pgText(a)
			if err != nil {
				return err
			}
			params[k] = v
		}
		stmts = append(stmts, pgHeld{sql: s.d.rebind(q.String()), params: params, rows: rows})
		q.Reset()
		args, rows = args[:0:0], 0
		return nil
	}
	var err error
	for k, st := range p.stmts {
		// PostgreSQL takes up to 65,535 parameters per statement.
		if k > 0 && st.row != "" && p.stmts[k-1].head == st.head && p.stmts[k-1].row == st.row && len(args)+len(st.args) <= 65535 {
			q.WriteString(", ")
		} else {
			if err = add(); err != nil {
				break
			}
			q.WriteString(st.head)
		}
		q.WriteString(st.row)
		args = append(args, st.args...)
		rows++
	}
	if err == nil {
		err = add()
	}
	p.stmts = p.stmts[:0]
	if err == nil {
		err = s.conn.Raw(func(dc any) error {
			c, ok := dc.(interface{ Conn() *pgx.Conn })
			if !ok {
				return fmt.Errorf("driver connection %T is not pgx's", dc)
			}
			var batch pgconn.Batch
			for _, st := range stmts {
				if st.rows > pgPreparedRows {
					batch.ExecParams(st.sql, st.params, nil, nil, nil)
					continue
				}
				// Prepared once per connection (pgx keeps it by name):
				// the few texts of a mail alone come back mail after mail,
				// and each otherwise costs the server a parse and a plan.
				sum := sha256.Sum256([]byte(st.sql))
				name := "pw_held_" + hex.EncodeToString(sum[:12])
				if _, err := c.Conn().Prepare(ctx, name, st.sql); err != nil {
					return err
				}
				batch.ExecPrepared(name, st.params, nil, nil)
			}
			_, err := c.Conn().PgConn().ExecBatch(ctx, &batch).ReadAll()
			return err
		})
	}
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("held-back writes: %w", mapErr(err))
	}
	return p.err
}

// pgHeld is one statement of a PostgreSQL flush; rows is how many row
// groups an INSERT holds (1 for any other statement).
type pgHeld struct {
	sql    string
	params [][]byte
	rows   int
}

// pgPreparedRows is the most rows a held statement may have and still be
// prepared: a bounded set of texts per connection (an import's long
// multi-row INSERTs vary in length and are sent unprepared).
const pgPreparedRows = 4

// pgText is a value in PostgreSQL's text format (nil is NULL).
func pgText(v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []byte(v), nil
	case int64:
		return strconv.AppendInt(nil, v, 10), nil
	case int:
		return strconv.AppendInt(nil, int64(v), 10), nil
	case bool:
		if v {
			return []byte("t"), nil
		}
		return []byte("f"), nil
	case time.Time:
		return v.UTC().AppendFormat(nil, "2006-01-02 15:04:05.999999Z07:00"), nil
	}
	return nil, fmt.Errorf("held-back write: no text form for %T", v)
}

// nextIDMySQL is a fresh id of table on MariaDB, which has no sequence to
// take ids from in advance. The table's AUTO_INCREMENT counter is read
// once (live, not a snapshot: it counts other transactions' rows too), and
// the transaction's rows take the ids from there on, one by one, so that
// they get exactly the ids the same inserts would get one at a time. The
// counter moves only when the rows are sent: another writer inserting
// into the table meanwhile takes an id this transaction gave out, and the
// held insert then fails as a duplicate, which a deferring caller redoes
// without deferral (mail in locks its project, so only writers of other
// projects, or people rows, can meet it).
func (s *Store) nextIDMySQL(ctx context.Context, table string) (int64, error) {
	p := s.pend
	if p.next[table] == 0 {
		// Every table still expecting rows is read in the same round trip.
		var names []any
		var marks []string
		for _, t := range deferredTables {
			if t == table || (p.left[t] > 0 && p.next[t] == 0) {
				names = append(names, t)
				marks = append(marks, "?")
			}
		}
		rows, err := s.tx.QueryContext(ctx, countersQuery+" IN ("+strings.Join(marks, ", ")+")", names...)
		if err != nil {
			return 0, fmt.Errorf("ids of %s: %w", table, mapErr(err))
		}
		defer rows.Close()
		for rows.Next() {
			var t string
			var next sql.NullInt64
			if err := rows.Scan(&t, &next); err != nil {
				return 0, fmt.Errorf("ids of %s: %w", table, mapErr(err))
			}
			p.next[t] = max(next.Int64, 1)
		}
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("ids of %s: %w", table, mapErr(err))
		}
		if p.next[table] == 0 {
			return 0, fmt.Errorf("ids of %s: no AUTO_INCREMENT counter", table)
		}
	}
	id := p.next[table]
	p.next[table]++
	p.left[table]--
	return id, nil
}

// countersQuery reads AUTO_INCREMENT counters of the tables named by the
// IN list that follows it: live values, not a snapshot.
const countersQuery = "SELECT TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME"

// mysqlFlushBytes bounds one multi-statement request of held writes, well
// under MariaDB's default max_allowed_packet (16 MiB).
const mysqlFlushBytes = 4 << 20

// flushMySQL sends the held-back writes as few multi-statement requests
// (the DSN allows them; arguments are interpolated by the driver, as for
// every query here), consecutive rows of one table as one INSERT.
func (s *Store) flushMySQL(ctx context.Context) error {
	p := s.pend
	var q strings.Builder
	var args []any
	size := 0
	send := func() error {
		if q.Len() == 0 {
			return nil
		}
		_, err := s.tx.ExecContext(ctx, q.String(), args...)
		q.Reset()
		args, size = args[:0:0], 0
		return err
	}
	var err error
	for k, st := range p.stmts {
		n := len(st.head) + len(st.row)
		for _, a := range st.args {
			if v, ok := a.(string); ok {
				n += 2 * len(v) // escaped at worst
			} else {
				n += 32
			}
		}
		if size > 0 && size+n > mysqlFlushBytes {
			if err = send(); err != nil {
				break
			}
		}
		if size > 0 && st.row != "" && p.stmts[k-1].head == st.head && p.stmts[k-1].row == st.row {
			q.WriteString(", ")
		} else {
			if size > 0 {
				q.WriteString(";\n")
			}
			q.WriteString(st.head)
		}
		q.WriteString(st.row)
		args = append(args, st.args...)
		size += n
	}
	if err == nil {
		err = send()
	}
	p.stmts = p.stmts[:0]
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("held-back writes: %w", mapErr(err))
	}
	return p.err
}

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
	"sync/atomic"

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
	// path is the SQLite file ("" elsewhere and in memory): migrations
	// lock a file beside it.
	path string
	// stmts keeps prepared statements on SQLite, nil elsewhere (pgx
	// caches them itself). The driver would otherwise parse every query's
	// SQL on every call, a third of the CPU of a mail import.
	stmts *stmtCache
	// rebound keeps PostgreSQL's $n form of each query text (nil
	// elsewhere): rewriting every query on every call showed in profiles.
	rebound *reboundCache
	// txStmts are the statements prepared in this transaction (SQLite);
	// database/sql closes them when it ends.
	txStmts *txStmtCache
	// pend holds the writes a transaction defers (DeferWrites), nil
	// otherwise; conn is a PostgreSQL transaction's connection.
	pend *deferred
	conn *sql.Conn
	// origin is shared by every Store derived from one Open (nil in
	// tests' hand-built Stores); share names the pool of a Store that
	// Share returned ("" otherwise).
	origin *origin
	share  string
	// maxBundle is how many patches a bundle may hold (0:
	// store.DefaultMaxBundlePatches); SetMaxBundlePatches sets it.
	maxBundle int
}

// SetMaxBundlePatches sets how many patches one bundle may hold; 0 or less
// means store.DefaultMaxBundlePatches. Call it before the store is shared.
func (s *Store) SetMaxBundlePatches(n int) { s.maxBundle = n }

// MaxBundlePatches is how many patches one bundle may hold.
func (s *Store) MaxBundlePatches() int {
	if s.maxBundle <= 0 {
		return store.DefaultMaxBundlePatches
	}
	return s.maxBundle
}

// bundleFits refuses a bundle that would hold more than the limit.
func (s *Store) bundleFits(n int) error {
	if limit := s.MaxBundlePatches(); n > limit {
		return store.BundleTooLarge(limit, n)
	}
	return nil
}

// reboundCache maps query texts to their rebound form, up to
// maxRebound texts (list queries built from filters vary).
type reboundCache struct {
	m sync.Map
	n atomic.Int64
}

const maxRebound = 4096

// bind is the query in the dialect's placeholder form.
func (s *Store) bind(q string) string {
	c := s.rebound
	if c == nil {
		return s.d.rebind(q)
	}
	if r, ok := c.m.Load(q); ok {
		return r.(string)
	}
	r := s.d.rebind(q)
	if c.n.Load() < maxRebound {
		if _, loaded := c.m.LoadOrStore(q, r); !loaded {
			c.n.Add(1)
		}
	}
	return r
}

// txStmtCache is one transaction's prepared statements.
type txStmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// stmtCache holds prepared statements by query text, per pool. Query texts
// are the package's own constants plus list queries built from filters;
// once a pool has maxCachedStmts, further texts run unprepared as before
// (evicting would mean closing a statement another goroutine may be about
// to use).
type stmtCache struct {
	mu   sync.Mutex
	byDB map[*sql.DB]map[string]*sql.Stmt
}

const maxCachedStmts = 1024

// get returns db's prepared statement for q, preparing it on first use, or
// nil when the cache is full or the statement does not prepare (the caller
// then runs q directly and meets the error there). It never holds the lock
// while preparing: that waits for a free connection, and the goroutines
// holding the connections may be waiting for the lock.
func (c *stmtCache) get(ctx context.Context, db *sql.DB, q string) *sql.Stmt {
	c.mu.Lock()
	st, full := c.byDB[db][q], len(c.byDB[db]) >= maxCachedStmts
	c.mu.Unlock()
	if st != nil || full {
		return st
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.byDB[db][q]; old != nil {
		_ = st.Close() // prepared twice at once; nobody else has ours
		return old
	}
	if c.byDB == nil {
		c.byDB = map[*sql.DB]map[string]*sql.Stmt{}
	}
	if c.byDB[db] == nil {
		c.byDB[db] = map[string]*sql.Stmt{}
	}
	c.byDB[db][q] = st
	return st
}

// closePool closes the statements prepared on one pool.
func (c *stmtCache) closePool(db *sql.DB) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.byDB[db] {
		_ = st.Close()
	}
	delete(c.byDB, db)
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.byDB {
		for _, st := range m {
			_ = st.Close()
		}
	}
	c.byDB = nil
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// stateCache keeps the seeded states and tags: no Store method changes
// them, the patch list resolves "action required" to state ids on every
// query, and every patch view lists both.
type stateCache struct {
	mu     sync.Mutex
	states []store.State
	tags   []store.Tag
}

// Dialect names the database: "sqlite", "postgres" or "mysql".
func (s *Store) Dialect() string { return s.d.name }

// DB returns the read pool (for tools and tests that need raw SQL).
func (s *Store) DB() *sql.DB { return s.db }

// Pools names the connection pools, for their statistics: one on
// PostgreSQL and MySQL; on SQLite the readers' and the single writer's.
// A share adds its own pool (see Share); the Store that Open returned
// lists its shares' pools too.
func (s *Store) Pools() map[string]*sql.DB {
	if s.share != "" {
		return map[string]*sql.DB{s.share: s.db}
	}
	pools := map[string]*sql.DB{"patchwork-read": s.db, "patchwork-write": s.wdb}
	if s.wdb == s.db {
		pools = map[string]*sql.DB{"patchwork": s.db}
	}
	for name, db := range s.sharePools() {
		pools[name] = db
	}
	return pools
}

// Close releases the connection pools.
func (s *Store) Close() error {
	if s.tx != nil {
		return nil
	}
	if s.share != "" {
		return s.closeShare()
	}
	if s.stmts != nil {
		s.stmts.close()
	}
	err := s.db.Close()
	if s.wdb != s.db {
		if werr := s.wdb.Close(); err == nil {
			err = werr
		}
	}
	return err
}

// stmtQuerier runs queries through cached prepared statements.
type stmtQuerier struct {
	s    *Store
	pool *sql.DB
	next querier
}

// on returns the querier for pool (s.db for reads, s.wdb for writes; in a
// transaction both mean the transaction).
func (s *Store) on(pool *sql.DB) querier {
	if s.tx != nil {
		if s.txStmts == nil {
			return s.tx
		}
		return stmtQuerier{s: s, next: s.tx}
	}
	if s.stmts == nil {
		return pool
	}
	return stmtQuerier{s: s, pool: pool, next: pool}
}

// stmt is the prepared statement for text, or nil. In a transaction it is
// prepared on the transaction and kept until it ends (an archive import
// runs each of its statements a hundred times in one transaction; the
// pool's statements cannot be used there, preparing one would wait for the
// single SQLite writer connection that the transaction holds).
func (q stmtQuerier) stmt(ctx context.Context, text string) *sql.Stmt {
	if q.s.tx == nil {
		return q.s.stmts.get(ctx, q.pool, text)
	}
	c := q.s.txStmts
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.m[text]; st != nil {
		return st
	}
	if len(c.m) >= maxCachedStmts {
		return nil
	}
	st, err := q.s.tx.PrepareContext(ctx, text)
	if err != nil {
		return nil
	}
	c.m[text] = st
	return st
}

func (q stmtQuerier) ExecContext(ctx context.Context, text string, args ...any) (sql.Result, error) {
	if st := q.stmt(ctx, text); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.next.ExecContext(ctx, text, args...)
}

func (q stmtQuerier) QueryContext(ctx context.Context, text string, args ...any) (*sql.Rows, error) {
	if st := q.stmt(ctx, text); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.next.QueryContext(ctx, text, args...)
}

func (q stmtQuerier) QueryRowContext(ctx context.Context, text string, args ...any) *sql.Row {
	if st := q.stmt(ctx, text); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.next.QueryRowContext(ctx, text, args...)
}

// exec runs a write statement.
func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := s.flush(ctx); err != nil {
		return nil, err
	}
	res, err := s.on(s.wdb).ExecContext(ctx, s.bind(q), s.d.args(args)...)
	return res, mapErr(err)
}

// query runs a read statement.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := s.flush(ctx); err != nil {
		return nil, err
	}
	rows, err := s.on(s.db).QueryContext(ctx, s.bind(q), s.d.args(args)...)
	return rows, mapErr(err)
}

// queryRow runs a read statement returning one row; scan it with scanRow.
func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	// A failed flush aborts the transaction: the query then fails too, and
	// the commit reports the flush's error.
	_ = s.flush(ctx)
	return s.on(s.db).QueryRowContext(ctx, s.bind(q), s.d.args(args)...)
}

// scanRow scans a row and maps the error (sql.ErrNoRows → store.ErrNotFound).
func scanRow(r *sql.Row, dest ...any) error {
	return mapErr(r.Scan(dest...))
}

// insert runs an INSERT and returns the new row's id.
func (s *Store) insert(ctx context.Context, q string, args ...any) (int64, error) {
	if s.pend != nil {
		if id, ok, err := s.insertLater(ctx, q, args); ok {
			return id, err
		}
		if err := s.flush(ctx); err != nil {
			return 0, err
		}
	}
	if s.d.returning {
		var id int64
		err := s.on(s.wdb).QueryRowContext(ctx, s.bind(q+" RETURNING id"), s.d.args(args)...).Scan(&id)
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

// Package sqltest hands tests a real, migrated, empty database of each
// dialect: SQLite always, PostgreSQL and MySQL/MariaDB when
// PATCHWORK_TEST_POSTGRES / PATCHWORK_TEST_MYSQL name a server (an admin
// URL: the package creates and drops its own databases there). With CI set,
// a missing server URL fails the test instead of skipping it, so a broken
// CI configuration cannot pass silently.
//
// Server databases are pooled per test process: creating and migrating a
// MariaDB database costs seconds, emptying one costs milliseconds, so a
// database is emptied when its test ends and handed to the next test.
package sqltest

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore"
)

// Env names the variables holding the admin URLs of the servers.
var Env = map[string]string{
	"postgres": "PATCHWORK_TEST_POSTGRES",
	"mysql":    "PATCHWORK_TEST_MYSQL",
}

// all is the order subtests run in.
var all = []string{"sqlite", "postgres", "mysql"}

// Dialects lists the dialects this run can test (sqlite always).
func Dialects() []string {
	out := []string{"sqlite"}
	for _, d := range all[1:] {
		if os.Getenv(Env[d]) != "" {
			out = append(out, d)
		}
	}
	return out
}

// Each runs fn once per dialect as subtests named "sqlite", "postgres" and
// "mysql", each with its own empty migrated store.
func Each(t *testing.T, fn func(t *testing.T, s store.Store)) {
	t.Helper()
	for _, d := range all {
		t.Run(d, func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// SQLite returns an empty migrated SQLite store in t.TempDir().
func SQLite(t testing.TB) *sqlstore.Store {
	t.Helper()
	return Open(t, "sqlite")
}

// Open returns an empty migrated store of the dialect, closed when the test
// ends. It skips (or, under CI, fails) when the dialect's server is not
// configured.
func Open(t testing.TB, dialect string) *sqlstore.Store {
	t.Helper()
	u := URL(t, dialect)
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, u, nil)
	if err != nil {
		t.Fatalf("open %s store: %v", dialect, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// URL returns the URL of an empty migrated database of the dialect that
// belongs to the test until it ends (for tests that start other processes).
func URL(t testing.TB, dialect string) string {
	t.Helper()
	if dialect == "sqlite" {
		u := "sqlite:" + filepath.Join(t.TempDir(), "patchwork.db")
		migrate(t, u)
		return u
	}
	env, ok := Env[dialect]
	if !ok {
		t.Fatalf("sqltest: unknown dialect %q", dialect)
	}
	admin := os.Getenv(env)
	if admin == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: the %s tests cannot run in CI", env, dialect)
		}
		t.Skipf("%s not set: skipping the %s test (set it to an admin URL to run it)", env, dialect)
	}
	p := pools.get(dialect, admin)
	name, err := p.acquire(t)
	if err != nil {
		t.Fatalf("sqltest: %s database: %v", dialect, err)
	}
	t.Cleanup(func() { p.release(name) })
	return p.url(name)
}

func migrate(t testing.TB, u string) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, u, nil)
	if err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", u, err)
	}
}

// poolSet holds one pool per dialect for this test process. It is the
// package's only shared state: the databases outlive single tests by design.
type poolSet struct {
	mu sync.Mutex
	m  map[string]*pool
}

var pools = &poolSet{m: map[string]*pool{}}

func (ps *poolSet) get(dialect, admin string) *pool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := ps.m[dialect]
	if p == nil {
		p = &pool{dialect: dialect, admin: admin, prefix: prefix()}
		ps.m[dialect] = p
	}
	return p
}

// prefix names this process's databases: the package directory (so
// packages tested in parallel don't meet) and the pid (so two runs of one
// package don't either).
func prefix() string {
	wd, _ := os.Getwd()
	h := sha1.Sum([]byte(wd))
	return "pwtest_" + hex.EncodeToString(h[:4]) + "_" + strconv.Itoa(os.Getpid()) + "_"
}

type pool struct {
	dialect, admin, prefix string

	mu      sync.Mutex
	db      *sql.DB // admin connection
	swept   bool
	free    []string
	n       int
	tables  []string // tables to empty between tests
	initErr error
}

func (p *pool) url(name string) string {
	u, err := url.Parse(p.admin)
	if err != nil {
		return p.admin
	}
	u.Path = "/" + name
	return u.String()
}

func (p *pool) open() error {
	if p.db != nil || p.initErr != nil {
		return p.initErr
	}
	driver, dsn := "pgx", p.admin
	if p.dialect == "mysql" {
		s, err := sqlstore.Open(context.Background(), p.admin, nil)
		if err != nil {
			p.initErr = err
			return err
		}
		p.db = s.DB()
		return nil
	}
	s, err := sqlstore.Open(context.Background(), dsn, nil)
	if err != nil {
		p.initErr = fmt.Errorf("%s admin connection: %w", driver, err)
		return p.initErr
	}
	p.db = s.DB()
	return nil
}

// sweep drops databases left by earlier runs of this package whose process
// is gone.
func (p *pool) sweep(ctx context.Context) {
	if p.swept {
		return
	}
	p.swept = true
	q := "SELECT datname FROM pg_database WHERE datname LIKE 'pwtest!_%' ESCAPE '!'"
	if p.dialect == "mysql" {
		q = "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'pwtest!_%' ESCAPE '!'"
	}
	rows, err := p.db.QueryContext(ctx, q)
	if err != nil {
		return
	}
	var names []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			names = append(names, n)
		}
	}
	rows.Close()
	for _, n := range names {
		parts := strings.Split(n, "_")
		if len(parts) != 4 {
			continue
		}
		if pid, err := strconv.Atoi(parts[2]); err == nil {
			if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
				continue // its process still runs
			}
		}
		_, _ = p.db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+n)
	}
}

func (p *pool) acquire(t testing.TB) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p.mu.Lock()
	if err := p.open(); err != nil {
		p.mu.Unlock()
		return "", err
	}
	p.sweep(ctx)
	if n := len(p.free); n > 0 {
		name := p.free[n-1]
		p.free = p.free[:n-1]
		p.mu.Unlock()
		return name, nil
	}
	p.n++
	name := p.prefix + strconv.Itoa(p.n)
	p.mu.Unlock()

	if _, err := p.db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
		return "", fmt.Errorf("drop %s: %w", name, err)
	}
	create := "CREATE DATABASE " + name
	if p.dialect == "mysql" {
		create += " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
	}
	if _, err := p.db.ExecContext(ctx, create); err != nil {
		return "", fmt.Errorf("create %s: %w", name, err)
	}
	s, err := sqlstore.Open(ctx, p.url(name), nil)
	if err != nil {
		return "", err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return "", err
	}
	if err := p.loadTables(ctx, s.DB(), name); err != nil {
		return "", err
	}
	return name, nil
}

// loadTables learns, once, which tables to empty between tests: all but the
// seeded ones and the migration bookkeeping.
func (p *pool) loadTables(ctx context.Context, db *sql.DB, name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tables != nil {
		return nil
	}
	q := "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
	if p.dialect == "mysql" {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = '" + name + "' AND table_type = 'BASE TABLE'"
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		switch n {
		case "states", "tags", "goose_db_version":
		default:
			p.tables = append(p.tables, n)
		}
	}
	return rows.Err()
}

// release empties the database and returns it to the pool; a database that
// cannot be emptied is dropped instead.
func (p *pool) release(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.reset(ctx, name); err != nil {
		_, _ = p.db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name)
		return
	}
	p.mu.Lock()
	p.free = append(p.free, name)
	p.mu.Unlock()
}

func (p *pool) reset(ctx context.Context, name string) error {
	s, err := sqlstore.Open(ctx, p.url(name), nil)
	if err != nil {
		return err
	}
	defer s.Close()
	conn, err := s.DB().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if p.dialect == "postgres" {
		_, err := conn.ExecContext(ctx, "TRUNCATE "+strings.Join(p.tables, ", ")+" RESTART IDENTITY CASCADE")
		return err
	}
	if _, err := conn.ExecContext(ctx, "SET FOREIGN_KEY_CHECKS = 0"); err != nil {
		return err
	}
	for _, tb := range p.tables {
		if _, err := conn.ExecContext(ctx, "TRUNCATE TABLE "+tb); err != nil {
			return err
		}
	}
	_, err = conn.ExecContext(ctx, "SET FOREIGN_KEY_CHECKS = 1")
	return err
}

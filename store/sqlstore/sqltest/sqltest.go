// Package sqltest hands tests a real, migrated, empty database of each
// dialect: SQLite always, PostgreSQL and MySQL/MariaDB when
// PATCHWORK_TEST_POSTGRES / PATCHWORK_TEST_MYSQL name a server (an admin
// URL: the package creates and drops its own databases there). With CI set,
// a missing server URL fails the test instead of skipping it, so a broken
// CI configuration cannot pass silently.
//
// Every test gets a database of its own, created and migrated when it asks
// and dropped when it ends (a few hundred milliseconds on either server);
// databases left behind by a killed test process are dropped by the next
// run.
package sqltest

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/migrations"
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

// poolSet holds one admin connection and a name counter per dialect for
// this test process: the package's only shared state.
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
	n       int
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
		q := "DROP DATABASE IF EXISTS " + n
		if p.dialect == "postgres" {
			q += " WITH (FORCE)"
		}
		_, _ = p.db.ExecContext(ctx, q)
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
	return name, nil
}

// release drops the test's database. PostgreSQL drops it even while a
// process the test started still holds a connection.
func (p *pool) release(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	q := "DROP DATABASE IF EXISTS " + name
	if p.dialect == "postgres" {
		q += " WITH (FORCE)"
	}
	_, _ = p.db.ExecContext(ctx, q)
}

// schemaTag names the schema the migrations build, so a kept benchmark
// database made by an older schema (the initial migration may still change
// before the first release) is never reused.
func schemaTag(t testing.TB) string {
	t.Helper()
	h := sha1.New()
	for _, d := range all {
		fsys, err := migrations.FS(d)
		if err != nil {
			t.Fatal(err)
		}
		err = fs.WalkDir(fsys, ".", func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := fs.ReadFile(fsys, path)
			h.Write([]byte(path))
			h.Write(b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:4])
}

// Seeded returns a store holding the project "bench" filled with n
// synthetic patches by sqlstore.Seed (statistics refreshed), for
// benchmarks. Seeding a million patches takes minutes, so the database is
// kept between runs and reused when it already holds exactly n patches:
// SQLite in $TMPDIR/patchwork-bench/, the servers as database
// pwbench_N_SCHEMA (a new schema gets a new database).
// Benchmarks must only read from it.
func Seeded(t testing.TB, dialect string, n int) (*sqlstore.Store, *store.Project) {
	t.Helper()
	ctx := context.Background()
	u := SeededURL(t, dialect, n)
	switch dialect {
	case "sqlite":
		if err := os.MkdirAll(filepath.Join(os.TempDir(), "patchwork-bench"), 0o755); err != nil {
			t.Fatal(err)
		}
	default:
		env, ok := Env[dialect]
		if !ok {
			t.Fatalf("sqltest: unknown dialect %q", dialect)
		}
		admin := os.Getenv(env)
		if admin == "" {
			t.Skipf("%s not set: skipping the %s benchmark", env, dialect)
		}
		p := pools.get(dialect, admin)
		p.mu.Lock()
		err := p.open()
		p.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		name := seededName(t, n)
		create := "CREATE DATABASE " + name
		if dialect == "mysql" {
			create += " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
		}
		if _, err := p.db.ExecContext(ctx, create); err != nil && !strings.Contains(strings.ToLower(err.Error()), "exist") {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	lockDir := filepath.Join(os.TempDir(), "patchwork-bench")
	if err := os.MkdirAll(lockDir, 0o755); err != nil {
		t.Fatal(err)
	}
	unlock, err := lockSeeding(filepath.Join(lockDir, dialect+"-"+strconv.Itoa(n)+"-"+schemaTag(t)+".lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	s, err := sqlstore.Open(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	proj, err := s.GetProjectByLinkName(ctx, "bench")
	if err == nil {
		have, err := s.CountPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{proj.ID}}}})
		if err == nil && have == n {
			return s, proj
		}
		// A seeding that was cut off: start again from an empty schema.
		if err := s.MigrateDown(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.Seed(ctx, sqlstore.SeedOptions{LinkName: "bench", Patches: n, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: seeded %d patches in %s (%.0f patches/s); kept for later runs", dialect, n,
		res.Duration.Round(time.Millisecond), float64(n)/res.Duration.Seconds())
	return s, res.Project
}

// SeededURL is the URL of the database Seeded(t, dialect, n) uses, for a
// daemon started on it.
func SeededURL(t testing.TB, dialect string, n int) string {
	t.Helper()
	if dialect == "sqlite" {
		return "sqlite:" + filepath.Join(os.TempDir(), "patchwork-bench", strconv.Itoa(n)+"-"+schemaTag(t)+".db")
	}
	env, ok := Env[dialect]
	if !ok {
		t.Fatalf("sqltest: unknown dialect %q", dialect)
	}
	admin := os.Getenv(env)
	if admin == "" {
		t.Skipf("%s not set: skipping the %s benchmark", env, dialect)
	}
	return pools.get(dialect, admin).url(seededName(t, n))
}

func seededName(t testing.TB, n int) string {
	return "pwbench_" + strconv.Itoa(n) + "_" + schemaTag(t)
}

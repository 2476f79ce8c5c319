package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"

	"github.com/patchwork-go/patchwork/store"
)

// Open connects to the database named by url and checks that it answers:
//
//	sqlite:PATH                          (file created when missing)
//	postgres://user:pass@host:port/db?sslmode=disable   (also postgresql://)
//	mysql://user:pass@host:port/db
//
// It does not migrate; call Migrate. An unreachable database or wrong
// credentials give an error matching store.ErrUnavailable.
func Open(ctx context.Context, rawURL string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d, driverName, dsn, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if d.name == "sqlite" {
		if err := createPrivate(sqliteFile(rawURL)); err != nil {
			return nil, err
		}
	}
	db, err := openDB(driverName, dsn, logger)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", d.name, err)
	}
	s := &Store{d: d, db: db, wdb: db, logger: logger, cache: &stateCache{}, origin: &origin{driver: driverName, dsn: dsn}}
	switch d.name {
	case "sqlite":
		s.path = sqliteFile(rawURL)
		// One writer connection: writers in this process queue in the pool
		// instead of meeting SQLITE_BUSY; other processes wait on the busy
		// timeout. Readers use their own pool (WAL lets them run alongside).
		w, err := openDB(driverName, dsn, logger)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("open sqlite database: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxIdleTime(0)
		s.wdb = w
		s.stmts = &stmtCache{}
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	default:
		if d.name == "postgres" {
			s.rebound = &reboundCache{}
		}
		// As many kept idle as may be open: database/sql closes a returned
		// connection when the idle pool is full, so after each burst of
		// TUI sessions the next one would open connections again (a
		// forked backend each on PostgreSQL).
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(20)
		db.SetConnMaxLifetime(30 * time.Minute)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := connect(pctx, s.wdb, d); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to %s database %s: %w", d.name, redact(rawURL), unavailable(err))
	}
	return s, nil
}

// connect opens a first connection, so that a database that cannot be
// reached is reported at once. On PostgreSQL it sends no query: pgx pings a
// connection the first time the pool hands it out again anyway, and a
// second ping was a round trip of every parsemail.
func connect(ctx context.Context, db *sql.DB, d dialect) error {
	if d.name != "postgres" {
		return db.PingContext(ctx)
	}
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	return c.Close()
}

// unavailable marks connection failures as store.ErrUnavailable.
func unavailable(err error) error {
	if m := mapErr(err); m != err {
		return m
	}
	return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
}

// redact hides the password of a URL for error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

// sqliteFile is the file of a sqlite:PATH URL, "" for an in-memory
// database.
func sqliteFile(raw string) string {
	_, rest, _ := strings.Cut(raw, ":")
	path, extra, _ := strings.Cut(strings.TrimPrefix(rest, "//"), "?")
	if path == ":memory:" || strings.HasPrefix(path, ":memory:") || strings.Contains(extra, "mode=memory") {
		return ""
	}
	return path
}

// parseURL turns one of our URL forms into a driver name and DSN.
func parseURL(raw string) (dialect, string, string, error) {
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok {
		return dialect{}, "", "", fmt.Errorf("database URL %q: want sqlite:PATH, postgres://... or mysql://...: %w", raw, store.ErrInvalid)
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3", "file":
		path := strings.TrimPrefix(rest, "//")
		var extra string
		path, extra, _ = strings.Cut(path, "?")
		if path == "" {
			return dialect{}, "", "", fmt.Errorf("database URL %q: empty SQLite path: %w", raw, store.ErrInvalid)
		}
		q := url.Values{}
		if extra != "" {
			if q, _ = url.ParseQuery(extra); q == nil {
				q = url.Values{}
			}
		}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
		return dialectSQLite, "sqlite", "file:" + path + "?" + q.Encode(), nil
	case "postgres", "postgresql":
		return dialectPostgres, "pgx", raw, nil
	case "mysql", "mariadb":
		u, err := url.Parse(raw)
		if err != nil {
			return dialect{}, "", "", fmt.Errorf("database URL: %w: %w", store.ErrInvalid, err)
		}
		cfg := mysql.NewConfig()
		if u.User != nil {
			cfg.User = u.User.Username()
			cfg.Passwd, _ = u.User.Password()
		}
		cfg.Net = "tcp"
		cfg.Addr = u.Host
		if u.Port() == "" {
			cfg.Addr = u.Hostname() + ":3306"
		}
		cfg.DBName = strings.TrimPrefix(u.Path, "/")
		cfg.ParseTime = true
		cfg.Loc = time.UTC
		// Arguments are interpolated by the driver (safe with utf8mb4)
		// instead of a prepare, execute and close per query: one round
		// trip instead of three.
		cfg.InterpolateParams = true
		// Held-back writes of an archive import (deferred.go) travel as
		// one request of many statements: MariaDB's driver has no
		// pipeline. Every query binds its values as arguments, which the
		// driver escapes, so no text of ours can start a statement.
		cfg.MultiStatements = true
		cfg.Params = map[string]string{}
		for k, v := range u.Query() {
			cfg.Params[k] = v[0]
		}
		// Strict mode: oversized values fail instead of being truncated.
		cfg.Params["sql_mode"] = "'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"
		cfg.Params["time_zone"] = "'+00:00'"
		if err := cfg.Apply(mysql.Charset("utf8mb4", "utf8mb4_bin")); err != nil {
			return dialect{}, "", "", fmt.Errorf("mysql config: %w", err)
		}
		return dialectMySQL, "mysql", cfg.FormatDSN(), nil
	}
	return dialect{}, "", "", fmt.Errorf("database URL %q: unknown scheme %q (want sqlite, postgres or mysql): %w", raw, scheme, store.ErrInvalid)
}

// openDB opens a pool. The MySQL driver would print its own connection
// errors to stderr (three extra lines per failed parsemail during an
// outage); its log goes to ours at debug level instead, the error itself
// reaching the caller as usual.
func openDB(driverName, dsn string, logger *slog.Logger) (*sql.DB, error) {
	if driverName != "mysql" {
		return sql.Open(driverName, dsn)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	cfg.Logger = mysqlLogger{logger}
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

type mysqlLogger struct{ l *slog.Logger }

func (m mysqlLogger) Print(v ...any) {
	m.l.Debug("mysql driver", "msg", strings.TrimSpace(fmt.Sprint(v...)))
}

// OneShotURL is url tuned for a process that runs a handful of queries
// and exits (parsemail, the CLI). On PostgreSQL, pgx's default prepares and
// caches each statement: two round trips for every query that a fresh
// connection sees for the first time, which is all of them in such a
// process. The exec mode sends each query in one round trip. Other dialects
// and URLs that choose a mode themselves are returned unchanged.
func OneShotURL(raw string) string {
	scheme, _, _ := strings.Cut(raw, ":")
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
	default:
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	if q.Has("default_query_exec_mode") {
		return raw
	}
	q.Set("default_query_exec_mode", "exec")
	u.RawQuery = q.Encode()
	return u.String()
}

// LimitConns caps the connection pools at n each. Short-lived commands
// (one parsemail per mail, hundreds at once when a list is busy) take one
// or two connections instead of a server's pool, so a burst of deliveries
// cannot exhaust PostgreSQL's max_connections.
func (s *Store) LimitConns(n int) {
	if n < 1 {
		n = 1
	}
	// On SQLite s.wdb is a separate pool already limited to one.
	s.db.SetMaxOpenConns(n)
	s.db.SetMaxIdleConns(n)
}

// OpenForeign opens another application's database (an upstream Patchwork
// being imported) by a URL of our forms, for reading only: a SQLite file
// is opened read-only and keeps its journal mode, and no migration or
// pool tuning of ours applies. It returns the pool and the dialect name.
func OpenForeign(ctx context.Context, rawURL string) (*sql.DB, string, error) {
	d, driverName, dsn, err := parseURL(rawURL)
	if err != nil {
		return nil, "", err
	}
	if d.name == "sqlite" {
		path := strings.TrimPrefix(strings.SplitN(rawURL, ":", 2)[1], "//")
		path, _, _ = strings.Cut(path, "?")
		dsn = "file:" + path + "?mode=ro&_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, "", fmt.Errorf("open %s database: %w", d.name, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, "", fmt.Errorf("connect to %s database %s: %w", d.name, redact(rawURL), unavailable(err))
	}
	return db, d.name, nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore"
)

// App holds what every command shares: the process environment, the loaded
// configuration, the logger and, once opened, the store. It is built per run
// (no global state), so tests run commands in-process side by side.
type App struct {
	Config Config
	Logger *slog.Logger

	env    map[string]string // the process environment (PATCHWORK_* read from here)
	stdin  io.Reader
	stderr io.Writer

	store  store.Store
	closer func() error
}

func newApp(env map[string]string, stdin io.Reader, stderr io.Writer) *App {
	return &App{
		Config: DefaultConfig(),
		Logger: slog.New(slog.NewTextHandler(stderr, nil)),
		env:    env,
		stdin:  stdin,
		stderr: stderr,
	}
}

func (a *App) close() {
	if a.closer != nil {
		_ = a.closer()
		a.closer, a.store = nil, nil
	}
}

// bindFlags declares the flags every command accepts.
func (a *App) bindFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.String("config", "", "TOML configuration file (env PATCHWORK_CONFIG)")
	f.String("db", "", "database URL: sqlite:PATH, postgres://..., mysql://... (env PATCHWORK_DB)")
	f.String("log-level", "", "log level: debug, info, warn, error (env PATCHWORK_LOG_LEVEL)")
	f.String("log-format", "", "log format: text or json (env PATCHWORK_LOG_FORMAT)")
}

// flagTargets maps flags that override configuration to the field they set.
// Command-specific flags (serve --ssh-addr) are listed here too: load sees
// the flags of whichever command runs.
func flagTargets(c *Config) map[string]*string {
	return map[string]*string{
		"db":           &c.DB,
		"log-level":    &c.Log.Level,
		"log-format":   &c.Log.Format,
		"ssh-addr":     &c.SSH.Addr,
		"http-addr":    &c.HTTP.Addr,
		"base-url":     &c.BaseURL,
		"mail-socket":  &c.MailSocket,
		"metrics-addr": &c.MetricsAddr,
		"lmtp-addr":    &c.LMTPAddr,
	}
}

// load builds the configuration (defaults, file, environment, flags),
// validates it and sets up the logger. It runs before every command.
func (a *App) load(cmd *cobra.Command) error {
	path := a.env["PATCHWORK_CONFIG"]
	if f := cmd.Flags().Lookup("config"); f != nil && f.Changed {
		path = f.Value.String()
	}
	cfg, err := LoadConfig(path, a.env)
	if err != nil {
		return err
	}
	for name, dst := range flagTargets(&cfg) {
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
			*dst = f.Value.String()
		}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	a.Config = cfg
	a.Logger = newLogger(a.stderr, cfg.Log)
	return nil
}

// newLogger builds the one slog handler of the process.
func newLogger(w io.Writer, lc LogConfig) *slog.Logger {
	var level slog.Level
	switch strings.ToLower(lc.Level) {
	case "debug":
		level = slog.LevelDebug
	case "warn", "warning":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	if lc.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Store opens the configured database once. migrate says whether to bring
// the schema up to date first (serve and migrate do; parsemail never does).
// Without migrate, a database whose schema is older than the binary is
// refused with exit status 75 (EX_TEMPFAIL): an MTA keeps the mail and
// retries, and the operator is told to run migrate.
func (a *App) Store(cmd *cobra.Command, migrate bool) (store.Store, error) {
	s, err := a.StoreAnySchema(cmd, migrate)
	if err != nil || migrate {
		return s, err
	}
	cur, err := s.SchemaCurrent(ctxOf(cmd))
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", redactURL(a.Config.DB), err)
	}
	if !cur {
		return nil, &exitError{code: 75, err: fmt.Errorf("database %s: %w", redactURL(a.Config.DB), errSchemaOld)}
	}
	return s, nil
}

// StoreAnySchema opens the database like Store but accepts any schema
// version (migrate status reports it).
func (a *App) StoreAnySchema(cmd *cobra.Command, migrate bool) (store.Store, error) {
	if a.store != nil {
		return a.store, nil
	}
	u := a.Config.DB
	switch cmd.Name() {
	case "serve", "parsearchive", "import-upstream":
		// Long runs: each statement is prepared once and reused.
	default:
		u = sqlstore.OneShotURL(u)
	}
	s, closer, err := openStore(ctxOf(cmd), u, migrate, a.Logger)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", redactURL(a.Config.DB), err)
	}
	// Only serve needs a pool; a command (parsemail runs once per mail,
	// many at once) holds two connections at most.
	if l, ok := s.(interface{ LimitConns(int) }); ok && cmd.Name() != "serve" {
		l.LimitConns(2)
	}
	if l, ok := s.(interface{ SetMaxBundlePatches(int) }); ok {
		l.SetMaxBundlePatches(a.Config.MaxBundlePatches)
	}
	a.store, a.closer = s, closer
	return s, nil
}

func ctxOf(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

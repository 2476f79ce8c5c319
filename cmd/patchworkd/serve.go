package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/patchwork-go/patchwork/mailin"
	httpserver "github.com/patchwork-go/patchwork/server/http"
	"github.com/patchwork-go/patchwork/server/lmtp"
	sshserver "github.com/patchwork-go/patchwork/server/ssh"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/gate"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore"
)

func newServeCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve [--ssh-addr ADDR] [--http-addr ADDR]",
		Short: "Run the SSH TUI and the HTTP server (web, REST, XML-RPC)",
		Long: "serve migrates the database, then serves the SSH TUI (default :2222) and\n" +
			"HTTP (default :8000: the web view at /, the REST API at /api/, XML-RPC at\n" +
			"/xmlrpc/ and /healthz; Prometheus metrics only on metrics_addr) until\n" +
			"SIGTERM or SIGINT, when it stops accepting connections and lets open\n" +
			"requests and sessions finish.",
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.String("ssh-addr", "", "SSH listen address (env PATCHWORK_SSH_ADDR, default :2222)")
	f.String("http-addr", "", "HTTP listen address (env PATCHWORK_HTTP_ADDR, default :8000)")
	f.String("base-url", "", "public URL of the HTTP server (env PATCHWORK_BASE_URL)")
	f.String("mail-socket", "", "Unix socket on which to take mail over LMTP, from the mail server or parsemail (env PATCHWORK_MAIL_SOCKET)")
	f.String("lmtp-addr", "", "TCP address on which to take mail over LMTP, e.g. 127.0.0.1:2424 (env PATCHWORK_LMTP_ADDR)")
	f.String("metrics-addr", "", "address of Prometheus /metrics, kept off the public port (env PATCHWORK_METRICS_ADDR; off by default)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		s, err := app.Store(cmd, true)
		if err != nil {
			return err
		}
		return serve(ctxOf(cmd), app, s)
	}
	return cmd
}

// serve binds both listeners first (a taken port fails before anything
// runs), serves until ctx ends or a server fails, then shuts both down.
func serve(ctx context.Context, app *App, s store.Store) error {
	cfg, logger := &app.Config, app.Logger
	// Before any listener: each connection is a descriptor.
	if n, err := raiseOpenFiles(); err != nil {
		logger.Warn("cannot raise the open files limit", "error", err, "limit", n)
	} else if n > 0 {
		logger.Debug("open files limit", "limit", n)
	}
	mailer, err := cfg.newMailer(cfg.SMTP.DefaultFromEmail)
	if err != nil {
		return err
	}
	// One service for every front end: the same rules, the same clock,
	// the same outgoing mail.
	limits := cfg.Auth.Limits()
	svc := service.New(s, service.Options{Mail: cfg.mailOptions(mailer), Limits: &limits})

	// Without a configured base_url the HTTP front ends build links from
	// each request's Host, which is right behind any name or port.
	hs := httpserver.New(httpserver.Options{
		Addr:         cfg.HTTP.Addr,
		Store:        s,
		Service:      svc,
		Logger:       logger,
		BaseURL:      cfg.BaseURL,
		XMLRPC:       cfg.HTTP.XMLRPC,
		Version:      buildVersion().Version,
		ReadTimeout:  cfg.HTTP.ReadTimeout,
		WriteTimeout: cfg.HTTP.WriteTimeout,
		IdleTimeout:  cfg.HTTP.IdleTimeout,
		MaxBodyBytes: cfg.HTTP.MaxBodyBytes,
		MetricsAddr:  cfg.MetricsAddr,
		Expensive: gate.Options{
			Slots: cfg.HTTP.Expensive.Slots, Wait: cfg.HTTP.Expensive.Wait, Timeout: cfg.HTTP.Expensive.Timeout,
		},
	})
	if err := hs.Listen(); err != nil {
		return err
	}
	// The SSH front end (hundreds of TUI sessions, each load a handful of
	// queries) gets connections of its own: it then waits for its own
	// when busy, never the HTTP requests and mails for theirs.
	sshStore := s
	if sh, ok := s.(interface {
		Share(name string, maxConns int) (*sqlstore.Store, error)
	}); ok {
		tui, err := sh.Share("ssh", cfg.SSH.DBConnections)
		if err != nil {
			logger.Warn("the SSH front end shares the main connection pool", "error", err)
		} else {
			defer tui.Close()
			sshStore = tui
		}
	}
	// Connection pool statistics (go_sql_*{db_name=...}): how often and
	// how long requests and sessions waited for a connection.
	if p, ok := s.(interface{ Pools() map[string]*sql.DB }); ok {
		for name, db := range p.Pools() {
			hs.Registry().MustRegister(collectors.NewDBStatsCollector(db, name))
		}
	}
	// The password work strangers cause: bcrypt runs, logins served from
	// the cache, logins refused as too many.
	for _, c := range []struct {
		name, help string
		read       func(service.AuthStats) uint64
	}{
		{"patchwork_password_checks_total", "Slow password hash comparisons run (bcrypt or upstream's), for unknown users too.", func(a service.AuthStats) uint64 { return a.HashChecks }},
		{"patchwork_login_cache_hits_total", "Password logins answered from the cache of recent successes.", func(a service.AuthStats) uint64 { return a.CacheHits }},
		{"patchwork_logins_limited_total", "Password logins refused as too many failures or too busy.", func(a service.AuthStats) uint64 { return a.Limited }},
	} {
		hs.Registry().MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: c.name, Help: c.help},
			func() float64 { return float64(c.read(svc.AuthStats())) }))
	}
	// SSH output has no request to learn the host from: derive the URL
	// from the bound address (the real port when configured as :0).
	derived := *cfg
	derived.HTTP.Addr = hs.Addr()
	if _, port := splitAddr(cfg.HTTP.Addr); port != "0" {
		derived.HTTP.Addr = cfg.HTTP.Addr
	}
	base := derived.PublicURL()
	sshOpts := sshserver.Options{
		Addr:                        cfg.SSH.Addr,
		HostKeyPath:                 cfg.SSH.HostKeyPath,
		Store:                       sshStore,
		Service:                     svc.With(sshStore),
		Logger:                      logger,
		BaseURL:                     base,
		AllowAnonymous:              cfg.SSH.AllowAnonymous,
		IdleTimeout:                 cfg.SSH.IdleTimeout,
		AnonymousIdleTimeout:        cfg.SSH.AnonymousIdleTimeout,
		MaxSessions:                 cfg.SSH.MaxSessions,
		MaxSessionsPerUser:          cfg.SSH.MaxSessionsPerUser,
		MaxAnonymousSessions:        cfg.SSH.MaxAnonymousSessions,
		MaxAnonymousSessionsPerAddr: cfg.SSH.MaxAnonymousSessionsPerAddr,
		MaxConnsPerAddr:             cfg.SSH.MaxConnectionsPerAddr,
		MaxChannelsPerConn:          cfg.SSH.MaxChannelsPerConnection,
		SSHCommand:                  cfg.SSH.Command,
		StateKeys:                   cfg.SSH.StateKeys,
		TUISlots:                    cfg.SSH.TUISlots,
	}
	if mailer != nil {
		sshOpts.Mailer = mailer
	}
	ss, err := sshserver.New(sshOpts)
	if err != nil {
		_ = hs.Shutdown(ctx)
		return err
	}
	sshLn, err := net.Listen("tcp", cfg.SSH.Addr)
	if err != nil {
		_ = hs.Shutdown(ctx)
		return fmt.Errorf("ssh listen %s: %w", cfg.SSH.Addr, err)
	}

	if cfg.PprofAddr != "" {
		stop, err := servePprof(cfg.PprofAddr, logger)
		if err != nil {
			_ = hs.Shutdown(ctx)
			_ = sshLn.Close()
			return err
		}
		defer stop()
	}

	var ms *lmtp.Server
	lmtpAddrs := []string{}
	if cfg.MailSocket != "" || cfg.LMTPAddr != "" {
		ings := &ingesters{s: s, logger: logger, cfg: cfg}
		ms, err = lmtp.Listen(lmtp.Options{Socket: cfg.MailSocket, Addr: cfg.LMTPAddr,
			MaxBytes: cfg.LMTPMaxBytes, Logger: logger,
			Deliver: func(ctx context.Context, mails []lmtp.Mail) []lmtp.Answer {
				return deliverMails(ctx, ings, logger, mails)
			},
			Keep: func(ctx context.Context, m lmtp.Mail, reason string) (string, error) {
				id, err := mailin.KeepFailed(ctx, s, m.Raw, reason)
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("kept as failed mail %d", id), nil
			}})
		if err == nil {
			lmtpAddrs = ms.Addrs()
		}
		if err != nil {
			_ = hs.Shutdown(ctx)
			_ = sshLn.Close()
			return err
		}
	}

	// Stopped and waited for before the store closes.
	heldCtx, stopHeld := context.WithCancel(ctx)
	heldDone := make(chan struct{})
	go func() { defer close(heldDone); placeHeldPeriodically(heldCtx, s, logger, cfg) }()
	defer func() { stopHeld(); <-heldDone }()

	errc := make(chan error, 3)
	running := 2
	go func() { errc <- hs.Serve() }()
	if ms != nil {
		running++
		go func() { errc <- ms.Serve() }()
	}
	go func() {
		err := ss.Serve(sshLn)
		if errors.Is(err, sshserver.ErrServerClosed) {
			err = nil
		}
		errc <- err
	}()
	logger.Info("patchworkd serving",
		"http", hs.Addr(), "ssh", sshLn.Addr().String(), "base_url", base,
		"db", redactURL(cfg.DB), "dialect", dialectOf(s, cfg.DB), "xmlrpc", cfg.HTTP.XMLRPC,
		"lmtp", strings.Join(lmtpAddrs, ","), "metrics", hs.MetricsAddr())

	var first error
	select {
	case <-ctx.Done():
		logger.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	case first = <-errc:
		running--
		logger.Error("server failed, shutting down", "error", first)
	}

	// The signal context is done; shutdown gets a fresh deadline.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		logger.Warn("http shutdown", "error", err)
	}
	if err := ss.Shutdown(sctx); err != nil && !errors.Is(err, sshserver.ErrServerClosed) {
		logger.Warn("ssh shutdown", "error", err)
	}
	if ms != nil {
		if err := ms.Shutdown(sctx); err != nil {
			logger.Warn("lmtp shutdown", "error", err)
		}
	}
	for ; running > 0; running-- {
		select {
		case err := <-errc:
			if first == nil {
				first = err
			}
		case <-time.After(cfg.ShutdownTimeout + time.Second):
			return errors.New("servers did not stop in time")
		}
	}
	if first != nil {
		return first
	}
	logger.Info("stopped")
	return nil
}

// ingesterLife is how long the daemon's mail in keeps what it read of the
// projects, states, tags and delegation rules: an admin's change made in
// another process (patchworkd project ...) applies to mails from then on.
// Within it, a busy MTA connection's mails do not re-read them each (two
// to three round trips of a mail's dozen).
const ingesterLife = time.Second

// ingesters hands out the daemon's current Ingester (safe for concurrent
// use), a fresh one once the last is ingesterLife old.
type ingesters struct {
	s      store.Store
	logger *slog.Logger
	cfg    *Config
	mu     sync.Mutex
	cur    *mailin.Ingester
	born   time.Time
}

// get returns the current Ingester and whether it was made just now; a
// fresh one when fresh is asked for.
func (g *ingesters) get(fresh bool) (*mailin.Ingester, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if fresh || g.cur == nil || time.Since(g.born) > ingesterLife {
		g.cur, g.born = newIngester(g.s, g.logger, g.cfg), time.Now()
		return g.cur, true
	}
	return g.cur, false
}

// noProject tells a mail dropped because no project matched its list id:
// with a cached project list, that may be a project added since.
func noProject(d mailin.Delivery) bool {
	return d.Result.Kind == mailin.Dropped && strings.HasPrefix(d.Result.Reason, "no project")
}

// deliverMails takes in the mails the LMTP server handed over together:
// one transaction per list id (parsemail --list-id, or the recipient's
// +extension).
func deliverMails(ctx context.Context, ings *ingesters, logger *slog.Logger, mails []lmtp.Mail) []lmtp.Answer {
	out := make([]lmtp.Answer, len(mails))
	byList := map[string][]int{}
	var lists []string
	for k, m := range mails {
		if _, ok := byList[m.ListID]; !ok {
			lists = append(lists, m.ListID)
		}
		byList[m.ListID] = append(byList[m.ListID], k)
	}
	for _, list := range lists {
		at := byList[list]
		raws := make([][]byte, len(at))
		for n, k := range at {
			raws[n] = mails[k].Raw
		}
		ing, fresh := ings.get(false)
		ds := ing.DeliverBatch(ctx, raws, list)
		if !fresh && slices.ContainsFunc(ds, noProject) {
			var again [][]byte
			var where []int
			for n, d := range ds {
				if noProject(d) {
					again, where = append(again, raws[n]), append(where, n)
				}
			}
			ing, _ = ings.get(true)
			for k, d := range ing.DeliverBatch(ctx, again, list) {
				ds[where[k]] = d
			}
		}
		for n, d := range ds {
			out[at[n]] = lmtp.Answer{Temporary: d.Temporary, Message: logDelivery(logger, d)}
		}
	}
	return out
}

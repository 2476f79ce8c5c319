// Package http is the one HTTP server of patchworkd: it mounts the XML-RPC
// endpoint (/xmlrpc/), the REST API (/api/), the web view (/) and a health
// check (/healthz) on one port, behind middleware for panic recovery,
// request-body limits, access logs and metrics, with timeouts and graceful
// shutdown. Prometheus metrics (/metrics) are served on a port of their own
// (Options.MetricsAddr), never on the public one: they show internals.
package http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/gate"
	"github.com/patchwork-go/patchwork/store/service"
)

// Options configures a Server. Zero durations and sizes take the defaults
// noted on each field.
type Options struct {
	Addr  string // listen address, e.g. ":8000"
	Store store.Store
	// Service makes every change, for all three front ends (nil: each
	// makes one over Store).
	Service *service.Service
	Logger  *slog.Logger
	BaseURL string // public scheme://host[:port], passed to the front ends
	// XMLRPC mounts /xmlrpc/ for pwclient; when false the path is 404.
	XMLRPC bool
	// Version of the binary, shown by the web view.
	Version string
	// MetricsAddr, when set, serves /metrics on that address, apart from
	// the public one (e.g. "127.0.0.1:9100"); "" serves no metrics.
	MetricsAddr string

	ReadHeaderTimeout time.Duration // default 10s
	ReadTimeout       time.Duration // default 30s
	WriteTimeout      time.Duration // default 120s (mbox downloads of big series)
	IdleTimeout       time.Duration // default 120s
	MaxBodyBytes      int64         // default 10 MiB
	// Expensive configures the one admission gate REST, the web view and
	// XML-RPC share for lists no index answers.
	Expensive gate.Options
}

func (o *Options) setDefaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.ReadHeaderTimeout, 10*time.Second)
	def(&o.ReadTimeout, 30*time.Second)
	def(&o.WriteTimeout, 120*time.Second)
	def(&o.IdleTimeout, 120*time.Second)
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 10 << 20
	}
}

// Server is the HTTP server. Build it with New, start it with
// ListenAndServe (or Listen then Serve) and stop it with Shutdown.
type Server struct {
	opts    Options
	logger  *slog.Logger
	mux     *http.ServeMux
	srv     *http.Server
	reg     *prometheus.Registry
	metrics *metrics

	// metricsSrv serves /metrics on Options.MetricsAddr.
	metricsSrv *http.Server

	mu        sync.Mutex
	ln        net.Listener
	metricsLn net.Listener
}

// New builds the server and mounts every front end that is enabled.
func New(opts Options) *Server {
	opts.setDefaults()
	s := &Server{
		opts:   opts,
		logger: opts.Logger.With("component", "http"),
		mux:    http.NewServeMux(),
		reg:    prometheus.NewRegistry(),
	}
	s.metrics = newMetrics(s.reg)
	s.routes()
	s.srv = &http.Server{
		Addr:              opts.Addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		ReadTimeout:       opts.ReadTimeout,
		WriteTimeout:      opts.WriteTimeout,
		IdleTimeout:       opts.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	mm := http.NewServeMux()
	mm.Handle("GET /metrics", s.MetricsHandler())
	s.metricsSrv = &http.Server{
		Handler:           mm,
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		ReadTimeout:       opts.ReadTimeout,
		WriteTimeout:      opts.WriteTimeout,
		IdleTimeout:       opts.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	return s
}

// Handler is the full handler (middleware and routes), for tests and for
// embedding in another server.
func (s *Server) Handler() http.Handler {
	return s.observe(s.recoverPanics(s.limitBody(noSniff(s.mux))))
}

// Registry is the server's own metrics registry (not the global one), so
// that callers can add collectors, and two servers in one process (tests)
// do not clash.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// Listen binds the address (and the metrics address, when set); Addr and
// MetricsAddr then report the real ports (":0").
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("http listen %s: %w", s.opts.Addr, err)
	}
	var mln net.Listener
	if s.opts.MetricsAddr != "" {
		if mln, err = net.Listen("tcp", s.opts.MetricsAddr); err != nil {
			_ = ln.Close()
			return fmt.Errorf("metrics listen %s: %w", s.opts.MetricsAddr, err)
		}
	}
	s.mu.Lock()
	s.ln, s.metricsLn = ln, mln
	s.mu.Unlock()
	return nil
}

// MetricsAddr is the bound metrics address, "" when metrics are off.
func (s *Server) MetricsAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.metricsLn != nil {
		return s.metricsLn.Addr().String()
	}
	return s.opts.MetricsAddr
}

// Addr is the bound address once listening, else the configured one.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return s.ln.Addr().String()
	}
	return s.opts.Addr
}

// Serve serves on the listener bound by Listen until Shutdown; it returns
// nil after a clean shutdown.
func (s *Server) Serve() error {
	s.mu.Lock()
	ln, mln := s.ln, s.metricsLn
	s.mu.Unlock()
	if ln == nil {
		return errors.New("http: Serve before Listen")
	}
	if mln != nil {
		go func() {
			if err := s.metricsSrv.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.logger.Error("metrics server failed", "error", err)
			}
		}()
	}
	if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http serve: %w", err)
	}
	return nil
}

// ListenAndServe binds and serves.
func (s *Server) ListenAndServe() error {
	if err := s.Listen(); err != nil {
		return err
	}
	return s.Serve()
}

// Shutdown stops accepting connections and waits for requests in flight
// until ctx ends; then it closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	// Scrapes are short: no need to let them finish.
	_ = s.metricsSrv.Close()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}

package http

import (
	"context"
	"database/sql"
	"net/http"
	"time"
)

// ping checks that the database answers, with the cheapest means the
// store offers: a Ping method, the connection pool, or a schema query.
func (s *Server) ping(ctx context.Context) error {
	st := s.opts.Store
	switch p := st.(type) {
	case interface{ Ping(context.Context) error }:
		return p.Ping(ctx)
	case interface{ DB() *sql.DB }:
		return p.DB().PingContext(ctx)
	}
	_, err := st.SchemaCurrent(ctx)
	return err
}

// healthz answers 200 "ok" when the database answers within two seconds,
// else 503; load balancers take an instance out on 503.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.opts.Store == nil {
		http.Error(w, "no store", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.ping(ctx); err != nil {
		s.logger.Warn("health check failed", "error", err)
		// The cause stays in the log: probes are often public.
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

package http

// routes mounts the health check and the front ends. Each front end gets
// the full request path. /metrics is not here: it has its own listener.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mountFrontends()
}

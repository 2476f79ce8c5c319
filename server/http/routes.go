package http

// routes mounts the operator endpoints and the front ends. Each front end
// gets the full request path.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.Handle("GET /metrics", s.metricsHandler())
	s.mountFrontends()
}

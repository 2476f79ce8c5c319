package http

import (
	"github.com/patchwork-go/patchwork/server/rest"
	"github.com/patchwork-go/patchwork/server/web"
)

// mountFrontends mounts XML-RPC (/xmlrpc/, when Options.XMLRPC), REST
// (/api/) and the web view (/). Each gets the full request path.
func (s *Server) mountFrontends() {
	o := s.opts
	api := rest.New(rest.Options{Store: o.Store, Logger: o.Logger, BaseURL: o.BaseURL})
	s.mux.Handle("/api/", api)
	s.mux.Handle("/api", api)

	s.mux.Handle("/", web.New(web.Options{
		Store: o.Store, Logger: o.Logger, BaseURL: o.BaseURL,
		Version: o.Version, XMLRPC: o.XMLRPC,
	}))
}

package http

import (
	"net/http"

	"github.com/patchwork-go/patchwork/server/rest"
	"github.com/patchwork-go/patchwork/server/web"
	"github.com/patchwork-go/patchwork/server/xmlrpc"
)

// mountFrontends mounts XML-RPC (/xmlrpc/, when Options.XMLRPC), REST
// (/api/) and the web view (/). Each gets the full request path.
func (s *Server) mountFrontends() {
	o := s.opts
	if o.XMLRPC {
		// Both forms: pwclient posts to whatever URL its config names, and a
		// 301 from the web view's slash rule would turn its POST into a GET.
		// Its GET answer is an HTML page: it gets the web view's
		// Content-Security-Policy and friends.
		xh := xmlrpc.New(xmlrpc.Options{Store: o.Store, Logger: o.Logger, BaseURL: o.BaseURL})
		x := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			web.SecurityHeaders(w.Header())
			xh.ServeHTTP(w, r)
		})
		s.mux.Handle("/xmlrpc/", x)
		s.mux.Handle("/xmlrpc", x)
	}
	api := rest.New(rest.Options{Store: o.Store, Logger: o.Logger, BaseURL: o.BaseURL})
	s.mux.Handle("/api/", api)
	s.mux.Handle("/api", api)

	s.mux.Handle("/", web.New(web.Options{
		Store: o.Store, Logger: o.Logger, BaseURL: o.BaseURL,
		Version: o.Version, XMLRPC: o.XMLRPC,
	}))
}

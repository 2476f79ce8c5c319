package http

import (
	"net/http"

	"github.com/patchwork-go/patchwork/server/rest"
	"github.com/patchwork-go/patchwork/server/web"
	"github.com/patchwork-go/patchwork/server/xmlrpc"
	"github.com/patchwork-go/patchwork/store/gate"
)

// mountFrontends mounts XML-RPC (/xmlrpc/, when Options.XMLRPC), REST
// (/api/) and the web view (/). Each gets the full request path.
func (s *Server) mountFrontends() {
	o := s.opts
	// One gate for all three: an expensive list costs the database the
	// same whichever front end asked for it.
	g := gate.New(o.Expensive)
	if o.XMLRPC {
		// Both forms: pwclient posts to whatever URL its config names, and a
		// 301 from the web view's slash rule would turn its POST into a GET.
		// Its GET answer is an HTML page: it gets the web view's
		// Content-Security-Policy and friends.
		xh := xmlrpc.New(xmlrpc.Options{Store: o.Store, Service: o.Service, Logger: o.Logger, BaseURL: o.BaseURL, Gate: g})
		x := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			web.SecurityHeaders(w.Header())
			xh.ServeHTTP(w, r)
		})
		s.mux.Handle("/xmlrpc/", x)
		s.mux.Handle("/xmlrpc", x)
	}
	api := rest.New(rest.Options{Store: o.Store, Service: o.Service, Logger: o.Logger, BaseURL: o.BaseURL, Gate: g})
	s.mux.Handle("/api/", api)
	s.mux.Handle("/api", api)

	s.mux.Handle("/", web.New(web.Options{
		Store: o.Store, Service: o.Service, Logger: o.Logger, BaseURL: o.BaseURL,
		Version: o.Version, XMLRPC: o.XMLRPC, Gate: g,
	}))
}

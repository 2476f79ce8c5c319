// Package web is the read-only web view of patchwork-go (spec web.md): the
// project list, patch lists, patch, cover, series and bundle pages, the
// old-style id redirects and the downloads (mbox, raw diff, series and
// bundle mboxes, pwclientrc), on the exact URL space that links pasted into
// commit messages, mails and bug trackers depend on.
//
// Pages are html/template templates and one stylesheet, embedded; there is
// no JavaScript. Every response carries a strict Content-Security-Policy.
// Mbox downloads are written by server/mbox, shared with REST, XML-RPC and
// SSH.
package web

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/server/mbox"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/gate"
	"github.com/patchwork-go/patchwork/store/service"
)

// Options configures the web view.
type Options struct {
	Store store.Store
	// Service makes the changes (nil: one over Store, on Now's clock).
	Service *service.Service
	Logger  *slog.Logger
	// BaseURL is the public scheme and host ("https://patchwork.example.org"),
	// used for absolute URLs (pwclientrc, API hints). Empty: taken from the
	// request.
	BaseURL string
	// Version is shown on the about page.
	Version string
	// NoREST says the REST API is disabled: pwclientrc then points pwclient
	// at XML-RPC.
	NoREST bool
	// XMLRPC says the XML-RPC API is enabled (about page).
	XMLRPC bool
	// Gate admits the patch lists no index answers (sorted by anything
	// but the date, deep pages, word searches); share one with the other
	// front ends. Nil: a gate of its own with the defaults.
	Gate *gate.Gate
	// ConfirmationValidity is how long a registration link works; 0 means
	// 7 days (upstream's CONFIRMATION_VALIDITY_DAYS).
	ConfirmationValidity time.Duration
	// Now is the clock (tests fix it); nil means time.Now.
	Now func() time.Time
}

// handler serves every web URL.
type handler struct {
	opts  Options
	store store.Store
	svc   *service.Service
	log   *slog.Logger
	mbox  mbox.Writer
	tmpl  *templates
	gate  *gate.Gate
	// maxPages is the deepest page of a list not sorted by date
	// (maxSortedPages; tests lower it).
	maxPages int
	// watcher shares the project page's counts (a full count at a
	// million patches takes ~100 ms) among requests until the project
	// has events; it reads the event log on every request (maxAge 0), so
	// the counts are always exact.
	watcher *store.Watcher
}

// New returns the web view, to be mounted at "/".
func New(opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	if opts.ConfirmationValidity <= 0 {
		opts.ConfirmationValidity = 7 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	g := opts.Gate
	if g == nil {
		g = gate.New(gate.Options{})
	}
	return &handler{
		opts:     opts,
		store:    opts.Store,
		svc:      service.Or(opts.Service, opts.Store, opts.Now),
		watcher:  store.NewWatcher(opts.Store, 0, nil),
		log:      opts.Logger,
		mbox:     mbox.Writer{Store: opts.Store},
		tmpl:     mustParseTemplates(),
		gate:     g,
		maxPages: maxSortedPages,
	}
}

// SecurityHeaders sets the headers every response of ours carries, pages
// and downloads alike (the HTTP server gives XML-RPC's page the same).
func SecurityHeaders(h http.Header) { securityHeaders(h) }

func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w.Header())
	// The registration link is the one route that changes anything; it
	// checks its methods and origin itself.
	if strings.HasPrefix(r.URL.EscapedPath(), "/confirm/") {
		h.confirm(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.errorPage(w, r, http.StatusMethodNotAllowed, "This site is read-only.")
		return
	}
	path := r.URL.EscapedPath()
	if serveStatic(w, r, path) {
		return
	}
	if !strings.HasSuffix(path, "/") {
		target := path + "/"
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", target)
		w.WriteHeader(http.StatusMovedPermanently)
		return
	}
	h.route(w, r, splitPath(path))
}

// splitPath splits the escaped path into its segments, still escaped, so that
// a %2F inside a Message-ID is not mistaken for a separator.
func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// route dispatches on the escaped path segments.
func (h *handler) route(w http.ResponseWriter, r *http.Request, seg []string) {
	n := len(seg)
	switch {
	case n == 0:
		h.home(w, r)
		return
	case seg[0] == "project" && n >= 2:
		h.routeProject(w, r, seg[1], seg[2:])
		return
	case seg[0] == "patch" && (n == 2 || n == 3):
		h.patchByID(w, r, seg[1], seg[2:])
		return
	case seg[0] == "cover" && (n == 2 || n == 3):
		h.coverByID(w, r, seg[1], seg[2:])
		return
	case seg[0] == "comment" && n == 2:
		h.commentByID(w, r, seg[1])
		return
	case seg[0] == "series" && n == 3 && seg[2] == "mbox":
		h.seriesMbox(w, r, seg[1])
		return
	case seg[0] == "bundle" && (n == 3 || n == 4 && seg[3] == "mbox"):
		h.bundle(w, r, seg[1], seg[2], n == 4)
		return
	case seg[0] == "user" && n >= 3 && seg[1] == "bundle" && (n == 3 || n == 4 && seg[3] == "mbox"):
		h.legacyBundle(w, r, seg[2], n == 4)
		return
	case seg[0] == "about" && n == 1:
		h.about(w, r)
		return
	case seg[0] == "help" && (n == 1 || n == 2 && (seg[1] == "about" || seg[1] == "pwclient")):
		h.redirect(w, r, "/about/")
		return
	case seg[0] == "submitter" && n == 1:
		h.submitterComplete(w, r)
		return
	case seg[0] == "delegate" && n == 1:
		h.delegateComplete(w, r)
		return
	}
	h.notFound(w, r)
}

// routeProject handles /project/<linkname>/...; rest is what follows the
// linkname.
func (h *handler) routeProject(w http.ResponseWriter, r *http.Request, linkSeg string, rest []string) {
	linkname, ok := unescapeSegment(linkSeg)
	if !ok {
		h.notFound(w, r)
		return
	}
	switch {
	case len(rest) == 0:
		h.project(w, r, linkname)
	case len(rest) == 1 && rest[0] == "list":
		h.list(w, r, linkname)
	case len(rest) == 1 && rest[0] == "pwclientrc":
		h.pwclientrc(w, r, linkname)
	case len(rest) >= 2 && (rest[0] == "patch" || rest[0] == "cover"):
		msgSegs, action := splitAction(rest[1:])
		if len(msgSegs) == 0 {
			h.notFound(w, r)
			return
		}
		// A raw '/' inside a Message-ID arrives as several segments; they
		// are joined back (upstream accepts this for covers; we also do for
		// patches).
		msgid, err := mbox.UnescapeMsgID(strings.Join(msgSegs, "%2F"))
		if err != nil {
			h.notFound(w, r)
			return
		}
		if rest[0] == "patch" {
			h.patchPage(w, r, linkname, msgid, action)
		} else {
			h.coverPage(w, r, linkname, msgid, action)
		}
	default:
		h.notFound(w, r)
	}
}

// splitAction separates a trailing "mbox" or "raw" segment from the
// Message-ID segments.
func splitAction(segs []string) ([]string, string) {
	if len(segs) >= 2 {
		if last := segs[len(segs)-1]; last == "mbox" || last == "raw" {
			return segs[:len(segs)-1], last
		}
	}
	return segs, ""
}

func unescapeSegment(s string) (string, bool) {
	u, err := pathUnescape(s)
	if err != nil || u == "" {
		return "", false
	}
	return u, true
}

// redirect answers 302 to a path-only Location, carrying the query string
// over (spec web.md §1 [fix]).
func (h *handler) redirect(w http.ResponseWriter, r *http.Request, path string) {
	if r.URL.RawQuery != "" {
		if i := strings.IndexByte(path, '#'); i >= 0 {
			path = path[:i] + "?" + r.URL.RawQuery + path[i:]
		} else {
			path += "?" + r.URL.RawQuery
		}
	}
	// Set Location ourselves: http.Redirect would clean the path and could
	// touch the escaping of a Message-ID.
	w.Header().Set("Location", path)
	w.WriteHeader(http.StatusFound)
}

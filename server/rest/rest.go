// Package rest serves Patchwork's REST API (versions 1.0 to 1.4) at /api/
// for git-pw, pwclient's REST backend, CI bots and scripts.
//
// The wire format follows upstream Patchwork exactly (see the shared spec
// rest.md): field names and order per version, absolute URLs, the Link
// header, filters, error bodies. Beyond upstream, PATCH on a series detail
// changes the state, archived flag or delegate of every patch of the series
// in one request (see seriesUpdate).
package rest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/gate"
	"github.com/patchwork-go/patchwork/store/service"
)

// Options configure the REST handler.
type Options struct {
	Store store.Store
	// Service makes every change (nil: one over Store).
	Service *service.Service
	Logger  *slog.Logger
	// BaseURL is the public scheme://host[:port] used in absolute URLs,
	// e.g. "http://localhost:8000". Empty: taken from each request.
	BaseURL string
	// Gate admits the patch lists no index answers (ordered by name,
	// submitter..., deep pages, word searches); share one with the other
	// front ends. Nil: a gate of its own with the defaults.
	Gate *gate.Gate
}

// Handler is the REST API. It expects the full request path (/api/...).
type Handler struct {
	store   store.Store
	svc     *service.Service
	logger  *slog.Logger
	baseURL string
	mux     *http.ServeMux
	counts  *countCache
	gate    *gate.Gate
	bufs    sync.Pool // *bytes.Buffer for answers
}

// New builds the REST API handler; mount it at /api/.
func New(opts Options) http.Handler {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{
		store:   opts.Store,
		svc:     service.Or(opts.Service, opts.Store, nil),
		logger:  logger.With("component", "rest"),
		baseURL: strings.TrimRight(opts.BaseURL, "/"),
		mux:     http.NewServeMux(),
		counts:  newCountCache(),
		gate:    opts.Gate,
	}
	if h.gate == nil {
		h.gate = gate.New(gate.Options{})
	}
	h.routes()
	return h
}

// methods maps an HTTP method to its handler on one path.
type methods map[string]func(*call) error

// call is one request: the writer, the request, its API version, the
// authenticated user (nil: anonymous) and a per-request lookup cache.
type call struct {
	h    *Handler
	w    http.ResponseWriter
	r    *http.Request
	ctx  context.Context
	ver  version
	user *store.User
	base string // public scheme://host
	q    url.Values
	c    *cache
}

// route registers pattern (relative to the version prefix) under every
// version prefix from minMinor on; older versions get 404.
func (h *Handler) route(pattern string, minMinor int, m methods) {
	for _, v := range versions {
		if v.minor < minMinor {
			continue
		}
		h.mux.Handle(v.prefix()+pattern, h.wrap(v, m))
	}
}

func (h *Handler) wrap(v version, m methods) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &call{h: h, w: w, r: r, ctx: r.Context(), ver: v, q: r.URL.Query(), c: newCache()}
		c.base = h.baseURL
		if c.base == "" {
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			c.base = scheme + "://" + r.Host
		}
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		fn := m[method]
		if fn == nil {
			c.fail(methodNotAllowed(r.Method))
			return
		}
		// Bounded before any work: a search the database would refuse is
		// the client's error.
		var fe *store.FieldError
		if err := store.ValidateSearchText(c.last("q")); errors.As(err, &fe) {
			c.refused("search too large", "err", err)
			c.fail(fieldError(fe.Field, fe.Message))
			return
		}
		user, aerr := h.authenticate(c.ctx, r)
		if aerr != nil {
			c.fail(aerr)
			return
		}
		c.user = user
		err := fn(c)
		if errors.Is(err, errEmpty) {
			err = c.emptyList()
		}
		if err != nil {
			c.fail(c.errorResponse(err))
		}
	})
}

// ServeHTTP handles the missing trailing slash (GET/HEAD: 301 to the slash
// form; other methods: served as if it were there, so write bodies are not
// lost) and then routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/") {
		r2 := r.Clone(r.Context())
		r2.URL.Path += "/"
		r2.URL.RawPath = ""
		if _, pattern := h.mux.Handler(r2); pattern != "" && pattern != "/" {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				target := r2.URL.Path
				if r.URL.RawQuery != "" {
					target += "?" + r.URL.RawQuery
				}
				http.Redirect(w, r, target, http.StatusMovedPermanently)
				return
			}
			r = r2
		}
	}
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) routes() {
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.writeJSON(w, r, http.StatusNotFound, notFound().body)
	})
	h.route("{$}", 0, methods{"GET": (*call).index})
	h.route("projects/{$}", 0, methods{"GET": (*call).projectList})
	h.route("projects/{id}/{$}", 0, methods{"GET": (*call).projectDetail, "PUT": (*call).projectUpdate, "PATCH": (*call).projectUpdate})
	h.route("people/{$}", 0, methods{"GET": (*call).personList})
	h.route("people/{id}/{$}", 0, methods{"GET": (*call).personDetail})
	h.route("users/{$}", 0, methods{"GET": (*call).userList})
	h.route("users/{id}/{$}", 0, methods{"GET": (*call).userDetail, "PUT": (*call).userUpdate, "PATCH": (*call).userUpdate})
	h.route("patches/{$}", 0, methods{"GET": (*call).patchList})
	h.route("patches/{id}/{$}", 0, methods{"GET": (*call).patchDetail, "PUT": (*call).patchUpdate, "PATCH": (*call).patchUpdate})
	h.route("patches/{id}/checks/{$}", 0, methods{"GET": (*call).checkList, "POST": (*call).checkCreate})
	h.route("patches/{id}/checks/{cid}/{$}", 0, methods{"GET": (*call).checkDetail})
	h.route("patches/{id}/comments/{$}", 1, methods{"GET": (*call).patchCommentList})
	h.route("patches/{id}/comments/{cid}/{$}", 3, methods{"GET": (*call).patchCommentDetail, "PUT": (*call).patchCommentUpdate, "PATCH": (*call).patchCommentUpdate})
	h.route("covers/{$}", 0, methods{"GET": (*call).coverList})
	h.route("covers/{id}/{$}", 0, methods{"GET": (*call).coverDetail})
	h.route("covers/{id}/comments/{$}", 1, methods{"GET": (*call).coverCommentList})
	h.route("covers/{id}/comments/{cid}/{$}", 3, methods{"GET": (*call).coverCommentDetail, "PUT": (*call).coverCommentUpdate, "PATCH": (*call).coverCommentUpdate})
	h.route("series/{$}", 0, methods{"GET": (*call).seriesList})
	h.route("series/{id}/{$}", 0, methods{"GET": (*call).seriesDetail, "PATCH": (*call).seriesUpdate})
	h.route("events/{$}", 0, methods{"GET": (*call).eventList})
	for _, v := range versions {
		bl, bd := methods{"GET": (*call).bundleList}, methods{"GET": (*call).bundleDetail}
		if v.minor >= 2 {
			bl["POST"] = (*call).bundleCreate
			bd["PUT"] = (*call).bundleUpdate
			bd["PATCH"] = (*call).bundleUpdate
			bd["DELETE"] = (*call).bundleDelete
		}
		h.mux.Handle(v.prefix()+"bundles/{$}", h.wrap(v, bl))
		h.mux.Handle(v.prefix()+"bundles/{id}/{$}", h.wrap(v, bd))
	}
}

// index answers the API root: the collection URLs of this version.
func (c *call) index() error {
	o := obj{}
	for _, k := range []string{"projects", "users", "people", "patches", "covers", "series", "events", "bundles"} {
		o = o.add(k, c.api(k+"/"))
	}
	c.ok(o)
	return nil
}

// ok writes a 200 JSON answer.
func (c *call) ok(v any) { c.h.writeJSON(c.w, c.r, http.StatusOK, v) }

// fail writes an error answer.
func (c *call) fail(e *apiError) {
	if e.retryAfter > 0 {
		c.w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	c.h.writeJSON(c.w, c.r, e.status, e.body)
}

func (h *Handler) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b := h.buffer()
	encode(b, v)
	h.send(w, r, status, b)
}

// buffer returns an empty answer buffer. A list page is a few hundred
// kilobytes: growing a fresh buffer to that size on every request showed
// in profiles, so buffers are reused.
func (h *Handler) buffer() *bytes.Buffer {
	b, _ := h.bufs.Get().(*bytes.Buffer)
	if b == nil {
		b = new(bytes.Buffer)
	}
	b.Reset()
	return b
}

// release gives a buffer back for reuse.
func (h *Handler) release(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuffer {
		h.bufs.Put(b)
	}
}

// send writes the JSON answer in b and releases b.
func (h *Handler) send(w http.ResponseWriter, r *http.Request, status int, b *bytes.Buffer) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Vary", "Accept, Authorization")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b.Bytes())
	}
	h.release(b)
}

// maxPooledBuffer keeps an occasional huge answer from being held for
// good.
const maxPooledBuffer = 4 << 20

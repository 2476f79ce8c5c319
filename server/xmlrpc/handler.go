package xmlrpc

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/gate"
	"github.com/patchwork-go/patchwork/store/service"
)

// Options configure the XML-RPC handler.
type Options struct {
	Store store.Store
	// Service makes the changes (nil: one over Store, on Now's clock).
	Service *service.Service
	Logger  *slog.Logger
	BaseURL string // e.g. "http://localhost:8000"; shown on the GET page
	// Limits bound request decoding; zero members take DefaultLimits.
	Limits Limits
	// Now is the clock for check dates; nil means time.Now.
	Now func() time.Time
	// Gate admits the expensive lists (an unbounded patch_list, filters
	// no index answers); share one with the other front ends. Nil: a
	// gate of its own with the defaults.
	Gate *gate.Gate
}

// Handler serves /xmlrpc/.
type Handler struct {
	store   store.Store
	svc     *service.Service
	log     *slog.Logger
	baseURL string
	limits  Limits
	now     func() time.Time
	methods map[string]*method
	gate    *gate.Gate
}

// New returns the handler to mount at /xmlrpc/ (and /xmlrpc). It serves
// whatever path it is mounted on except sub-paths, which are 404.
func New(opts Options) http.Handler {
	h := &Handler{
		store:   opts.Store,
		log:     opts.Logger,
		baseURL: opts.BaseURL,
		limits:  opts.Limits,
		now:     opts.Now,
		gate:    opts.Gate,
	}
	if h.gate == nil {
		h.gate = gate.New(gate.Options{})
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.log = h.log.With("component", "xmlrpc")
	if h.limits.MaxBytes <= 0 {
		h.limits.MaxBytes = DefaultLimits.MaxBytes
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.svc = service.Or(opts.Service, h.store, h.now)
	h.methods = h.methodTable()
	return h
}

// ServeHTTP routes on the parsed path only: pwclient sends an absolute-form
// request target ("POST http://host:port/xmlrpc/"), which Go has already
// parsed into r.URL.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/xmlrpc/", "/xmlrpc", "/", "":
	default:
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodPost:
		h.serveRPC(w, r)
	case http.MethodGet, http.MethodHead:
		h.serveDoc(w, r)
	default:
		http.Redirect(w, r, "/", http.StatusFound)
	}
}

func (h *Handler) serveRPC(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	body := http.MaxBytesReader(w, r.Body, h.limits.MaxBytes)
	var buf bytes.Buffer
	call, err := DecodeCall(body, h.limits)
	method := ""
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = errRequestTooLarge
		}
	} else {
		method = call.Method
		var result any
		result, err = h.dispatch(r.Context(), r, call)
		if st, ok := result.(*patchStream); ok && err == nil {
			defer st.close()
			h.serveStream(w, r, st, start)
			return
		}
		if err == nil {
			if encErr := EncodeResponse(&buf, result); encErr != nil {
				buf.Reset()
				err = encErr
			}
		}
	}
	if err != nil {
		f, deliberate := asFault(err)
		var ref *refusal
		switch {
		case !deliberate:
			h.log.ErrorContext(r.Context(), "xmlrpc call failed", "method", method, "err", err)
		case errors.As(err, &ref):
			h.log.WarnContext(r.Context(), "xmlrpc call refused", "method", method, "reason", ref.reason)
		}
		buf.Reset()
		EncodeFault(&buf, 1, f.String())
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	h.log.DebugContext(r.Context(), "xmlrpc", "method", method, "fault", err != nil, "dur", time.Since(start))
}

// serveStream writes a streamed answer: no Content-Length (the server
// sends it chunked), and an error past the first bytes can only cut it
// short, so it is logged.
func (h *Handler) serveStream(w http.ResponseWriter, r *http.Request, st *patchStream, start time.Time) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if err := st.writeTo(w); err != nil && r.Context().Err() == nil {
		h.log.ErrorContext(r.Context(), "xmlrpc answer cut short", "method", "patch_list", "err", err)
	}
	h.log.DebugContext(r.Context(), "xmlrpc", "method", "patch_list", "stream", true, "dur", time.Since(start))
}

// dispatch runs one call: method look-up, authentication (before the
// argument count, as upstream), argument count, then the method.
func (h *Handler) dispatch(ctx context.Context, r *http.Request, c *Call) (any, error) {
	m, ok := h.methods[c.Method]
	if !ok {
		return nil, fault("Exception", "method %q is not supported", c.Method)
	}
	req := &request{ctx: ctx, h: h, l: newLookups(h.store)}
	given := len(c.Params)
	if m.auth {
		u, err := h.authenticate(ctx, r.Header.Get("Authorization"), r.RemoteAddr)
		if err != nil {
			return nil, err
		}
		req.user = u
		given++ // upstream passes the user as the first argument
	}
	if given < len(m.params)-m.optional || given > len(m.params) {
		return nil, typeError(m.name, m.params, m.optional, given)
	}
	n := len(m.params)
	if m.auth {
		n-- // the user is not an argument of ours
	}
	args := make([]any, n) // omitted optional arguments stay nil: their default
	copy(args, c.Params)
	return m.fn(req, args)
}

// request is what a method sees of its call.
type request struct {
	ctx  context.Context
	h    *Handler
	l    *lookups
	user *store.User // set for authenticated methods
}

func (r *request) store() store.Store { return r.h.store }

package http

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs a real server on a free port with extra test routes and
// returns its base URL and log; it is shut down at the end of the test.
func start(t testing.TB, opts Options, extra map[string]http.HandlerFunc) (*Server, string, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	opts.Addr = "127.0.0.1:0"
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := New(opts)
	for p, h := range extra {
		s.mux.HandleFunc(p, h)
	}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	t.Cleanup(func() {
		// Generous: under a loaded CI machine a flood test's last
		// requests can still be in their bcrypt queue.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return s, "http://" + s.Addr(), logs
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestPanicIsLoggedAnd500WithoutStack(t *testing.T) {
	_, base, logs := start(t, Options{}, map[string]http.HandlerFunc{
		"/boom": func(http.ResponseWriter, *http.Request) { panic("kaboom secret detail") },
	})
	code, body := get(t, base+"/boom")
	if code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", code)
	}
	if body != "internal server error\n" {
		t.Errorf("body %q leaks more than a plain message", body)
	}
	for _, leak := range []string{"goroutine", "kaboom", ".go:"} {
		if strings.Contains(body, leak) {
			t.Errorf("body contains %q", leak)
		}
	}
	l := logs.String()
	if !strings.Contains(l, "panic in handler") || !strings.Contains(l, "kaboom secret detail") || !strings.Contains(l, "goroutine") {
		t.Errorf("panic not logged with its value and stack:\n%s", l)
	}
	if !strings.Contains(l, "path=/boom") || !strings.Contains(l, "status=500") {
		t.Errorf("access log lacks the 500:\n%s", l)
	}
	// The server survives.
	if code, _ := get(t, base+"/healthz"); code != http.StatusServiceUnavailable {
		t.Errorf("after panic: healthz status %d, want 503 (no store)", code)
	}
}

func TestBodyLimit(t *testing.T) {
	echo := func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprintf(w, "%d", len(b))
	}
	_, base, _ := start(t, Options{MaxBodyBytes: 1000}, map[string]http.HandlerFunc{"/echo": echo})

	post := func(body io.Reader) (int, string) {
		resp, err := http.Post(base+"/echo", "text/plain", body)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(strings.NewReader(strings.Repeat("a", 1000))); code != 200 || body != "1000" {
		t.Errorf("at the limit: %d %q", code, body)
	}
	// Declared length over the limit: refused before the handler runs.
	if code, body := post(strings.NewReader(strings.Repeat("a", 1001))); code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "limit 1000") {
		t.Errorf("declared oversize: %d %q", code, body)
	}
	// Chunked (no declared length): the handler's read fails at the limit.
	if code, _ := post(io.MultiReader(strings.NewReader(strings.Repeat("b", 3000)))); code != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked oversize: %d, want 413", code)
	}
}

func TestMetricsCountByRouteClass(t *testing.T) {
	teapot := func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }
	srv, base, _ := start(t, Options{MetricsAddr: "127.0.0.1:0"}, map[string]http.HandlerFunc{"/static/teapot": teapot})
	// A second server in the same process must not clash on registration.
	start(t, Options{MetricsAddr: "127.0.0.1:0"}, nil)

	get(t, base+"/static/teapot")
	get(t, base+"/static/teapot")
	get(t, base+"/healthz") // 503: no store
	code, body := get(t, "http://"+srv.MetricsAddr()+"/metrics")
	if code != 200 {
		t.Fatalf("metrics status %d", code)
	}
	for _, want := range []string{
		`patchwork_http_requests_total{class="static",code="418",method="GET"} 2`,
		`patchwork_http_requests_total{class="healthz",code="503",method="GET"} 1`,
		`patchwork_http_request_duration_seconds_bucket{class="static",le="+Inf"} 2`,
		`patchwork_http_requests_in_flight 0`, // scrapes are not public requests
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	logs := &syncBuffer{}
	s := New(Options{Addr: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(logs, nil))})
	// The request stays in flight until Shutdown has begun: no sleeps.
	s.srv.RegisterOnShutdown(func() { close(release) })
	s.mux.HandleFunc("/slow", func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		<-release
		_, _ = w.Write([]byte("done"))
	})
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()

	type result struct {
		code int
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + s.Addr() + "/slow")
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		res <- result{resp.StatusCode, string(b), err}
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if err := <-served; err != nil {
		t.Fatalf("serve returned %v after clean shutdown", err)
	}
	r := <-res
	if r.err != nil || r.code != 200 || r.body != "done" {
		t.Fatalf("in-flight request: %+v", r)
	}
	if _, err := http.Get("http://" + s.Addr() + "/slow"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

func TestRouteClass(t *testing.T) {
	for path, want := range map[string]string{
		"/xmlrpc/": "xmlrpc", "/xmlrpc": "xmlrpc", "/xmlrpcx": "web",
		"/api/1.3/patches/": "api", "/api": "api", "/apix": "web",
		"/healthz": "healthz", "/metrics": "metrics", "/static/a.css": "static",
		"/": "web", "/project/foo/list/": "web",
	} {
		if got := routeClass(path); got != want {
			t.Errorf("routeClass(%q) = %q, want %q", path, got, want)
		}
	}
}

// TestOperatorEndpointsNotPublic: metrics and profiles are never served on
// the public port, only metrics on their own address; XML-RPC's HTML page
// carries the web view's Content-Security-Policy.
func TestOperatorEndpointsNotPublic(t *testing.T) {
	srv, base, _ := start(t, Options{MetricsAddr: "127.0.0.1:0", XMLRPC: true}, nil)
	for _, p := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/cmdline", "/debug/vars"} {
		if code, body := get(t, base+p); code == 200 || strings.Contains(body, "go_goroutines") {
			t.Errorf("public %s: %d %.200s", p, code, body)
		}
	}
	if code, body := get(t, "http://"+srv.MetricsAddr()+"/metrics"); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics address: %d %.200s", code, body)
	}
	_, off, _ := start(t, Options{}, nil)
	if code, _ := get(t, off+"/metrics"); code == 200 {
		t.Errorf("/metrics served without a metrics address")
	}

	resp, err := http.Get(base + "/xmlrpc/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(csp, "default-src 'none'") || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("/xmlrpc/ page: %s, CSP %q, headers %v", resp.Header.Get("Content-Type"), csp, resp.Header)
	}
}

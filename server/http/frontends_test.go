package http

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

type answer struct {
	code   int
	header http.Header
	body   string
}

func do(t *testing.T, method, url, ctype, body string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

const rpcVersion = `<?xml version="1.0"?><methodCall><methodName>pw_rpc_version</methodName><params></params></methodCall>`

// TestFrontendsOnOnePort drives the whole server (middleware, XML-RPC,
// REST, web, health, metrics) over real HTTP on each database.
func TestFrontendsOnOnePort(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		if err := s.CreateProject(ctx, &store.Project{LinkName: "test", Name: "Test", ListID: "test.example.com", ListEmail: "test@example.com"}); err != nil {
			t.Fatal(err)
		}
		srv, base, logs := start(t, Options{Store: s, XMLRPC: true, BaseURL: "https://pw.example.org", MetricsAddr: "127.0.0.1:0"}, nil)

		if a := do(t, "GET", base+"/healthz", "", ""); a.code != 200 || a.body != "ok\n" || a.header.Get("Cache-Control") != "no-store" {
			t.Errorf("healthz: %d %q %v", a.code, a.body, a.header)
		}
		a := do(t, "GET", base+"/project/test/list/", "", "")
		if a.code != 200 || !strings.Contains(a.body, "Test patches") || !strings.Contains(a.header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("web list through the server: %d %v\n%.300s", a.code, a.header, a.body)
		}
		if a := do(t, "GET", base+"/", "", ""); a.code != http.StatusFound || a.header.Get("Location") != "/project/test/list/" {
			t.Errorf("home: %d %q", a.code, a.header.Get("Location"))
		}
		if a := do(t, "GET", base+"/api/projects/", "", ""); a.code != 200 || !strings.Contains(a.body, `"link_name": "test"`) || a.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("REST projects: %d %v %.300s", a.code, a.header, a.body)
		}
		for _, p := range []string{"/xmlrpc/", "/xmlrpc"} {
			a := do(t, "POST", base+p, "text/xml", rpcVersion)
			if a.code != 200 || !strings.Contains(a.body, "<methodResponse>") || strings.Contains(a.body, "<fault>") {
				t.Errorf("XML-RPC at %s: %d %.300s", p, a.code, a.body)
			}
		}
		// The web view is read-only, whatever the path.
		if a := do(t, "POST", base+"/project/test/list/", "text/plain", "x"); a.code != http.StatusMethodNotAllowed {
			t.Errorf("POST to the web view: %d", a.code)
		}

		m := do(t, "GET", "http://"+srv.MetricsAddr()+"/metrics", "", "")
		for _, want := range []string{
			`patchwork_http_requests_total{class="web",code="200",method="GET"} 1`,
			`patchwork_http_requests_total{class="web",code="302",method="GET"} 1`,
			`patchwork_http_requests_total{class="web",code="405",method="POST"} 1`,
			`patchwork_http_requests_total{class="api",code="200",method="GET"} 1`,
			`patchwork_http_requests_total{class="xmlrpc",code="200",method="POST"} 2`,
			`patchwork_http_requests_total{class="healthz",code="200",method="GET"} 1`,
		} {
			if !strings.Contains(m.body, want) {
				t.Errorf("metrics lack %q", want)
			}
		}
		if !strings.Contains(logs.String(), "path=/project/test/list/") {
			t.Errorf("no access log line for the list:\n%s", logs.String())
		}

		// A database that stops answering takes the instance out.
		if err := s.(io.Closer).Close(); err != nil {
			t.Fatal(err)
		}
		if a := do(t, "GET", base+"/healthz", "", ""); a.code != http.StatusServiceUnavailable || strings.Contains(a.body, "closed") {
			t.Errorf("healthz on a closed database: %d %q", a.code, a.body)
		}
		if !strings.Contains(logs.String(), "health check failed") {
			t.Error("failed health check not logged")
		}
	})
}

func TestXMLRPCCanBeDisabled(t *testing.T) {
	s := sqltest.SQLite(t)
	_, base, _ := start(t, Options{Store: s}, nil)
	if a := do(t, "POST", base+"/xmlrpc/", "text/xml", rpcVersion); a.code == 200 && strings.Contains(a.body, "<methodResponse>") {
		t.Error("XML-RPC answers although disabled")
	}
	if a := do(t, "GET", base+"/xmlrpc/", "", ""); a.code != http.StatusNotFound {
		t.Errorf("GET /xmlrpc/ disabled: %d, want 404", a.code)
	}
}

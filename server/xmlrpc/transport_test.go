package xmlrpc

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// rawRequest writes a request by hand on a TCP connection, so that the
// request line is exactly what pwclient sends, and returns the response.
func rawRequest(t *testing.T, ts *testServer, head string, body []byte) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "%sContent-Length: %d\r\nConnection: close\r\n\r\n", head, len(body)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, out
}

func TestTransport(t *testing.T) {
	s := sqltest.SQLite(t)
	f := newFixture(t, s)
	ts := newTestServer(t, s)
	host := ts.Listener.Addr().String()
	call := encodeCall("patch_get", f.a.ID)

	t.Run("absolute-form target", func(t *testing.T) {
		// pwclient: POST http://host:port/xmlrpc/ HTTP/1.1, with Basic auth
		// for updates.
		head := "POST http://" + host + "/xmlrpc/ HTTP/1.1\r\nHost: " + host + "\r\n" +
			"Accept-Encoding: gzip\r\nContent-Type: text/xml\r\nUser-Agent: Python-xmlrpc/3.12\r\n" +
			"Authorization: " + basic("maint:maint-pw") + "\r\n"
		resp, body := rawRequest(t, ts, head, encodeCall("patch_set", f.c.ID, Struct{{"archived", true}}))
		if resp.StatusCode != 200 {
			t.Fatalf("HTTP %d: %s", resp.StatusCode, body)
		}
		v, fs, err := decodeResponse(body)
		if err != nil || fs != "" || v != true {
			t.Fatalf("patch_set over absolute form: %v %q %v", v, fs, err)
		}
		if g := member(t, ts.get(t, "patch_get", f.c.ID), "archived"); g != true {
			t.Errorf("archived = %v", g)
		}
		// A different host in the target is still routed on the path.
		resp, body = rawRequest(t, ts, "POST http://patchwork.example.org:8000/xmlrpc/ HTTP/1.1\r\nHost: "+host+"\r\n", call)
		if v, fs, err := decodeResponse(body); resp.StatusCode != 200 || err != nil || fs != "" || member(t, v.(Struct), "id") != f.a.ID {
			t.Errorf("foreign host target: HTTP %d %v %q %v", resp.StatusCode, v, fs, err)
		}
	})

	t.Run("no trailing slash", func(t *testing.T) {
		resp, body := rawRequest(t, ts, "POST /xmlrpc HTTP/1.1\r\nHost: "+host+"\r\n", call)
		if v, fs, err := decodeResponse(body); resp.StatusCode != 200 || err != nil || fs != "" || member(t, v.(Struct), "id") != f.a.ID {
			t.Errorf("POST /xmlrpc: HTTP %d %v %q %v", resp.StatusCode, v, fs, err)
		}
	})

	t.Run("GET lists methods", func(t *testing.T) {
		for _, path := range []string{"/xmlrpc/", "/xmlrpc"} {
			resp, err := ts.Client().Get(ts.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Errorf("GET %s: %d %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			for _, m := range []string{"pw_rpc_version()", "project_list(search_str, max_count)", "patch_list(filt)",
				"patch_set(patch_id, params)", "check_create(patch_id, context, state, target_url, description)",
				"patch_get_by_project_hash(project, hash)", "patch_check_get(patch_id)"} {
				if !bytes.Contains(body, []byte(m)) {
					t.Errorf("GET %s page lacks %q", path, m)
				}
			}
			if n := bytes.Count(body, []byte("<dt>")); n != 18 {
				t.Errorf("GET %s documents %d methods, want 18", path, n)
			}
		}
	})

	t.Run("other methods redirect", func(t *testing.T) {
		resp, _ := rawRequest(t, ts, "PUT /xmlrpc/ HTTP/1.1\r\nHost: "+host+"\r\n", nil)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
			t.Errorf("PUT: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("sub-paths are not ours", func(t *testing.T) {
		resp, _ := rawRequest(t, ts, "POST /xmlrpc/extra HTTP/1.1\r\nHost: "+host+"\r\n", call)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST /xmlrpc/extra: %d", resp.StatusCode)
		}
	})

	t.Run("malformed XML is a fault with HTTP 200", func(t *testing.T) {
		for _, body := range []string{
			"",
			"<methodCall><methodName>patch_get</methodName>",
			"not xml at all",
			`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><methodCall><methodName>&a;</methodName></methodCall>`,
		} {
			fs := ts.post(t, creds{}, []byte(body))
			_, f, err := decodeResponse(fs)
			if err != nil || !strings.HasPrefix(f, "<class 'xml.parsers.expat.ExpatError'>:") {
				t.Errorf("body %q: fault %q, err %v", body, f, err)
			}
		}
	})

	t.Run("oversized body is a fault", func(t *testing.T) {
		big := strings.Repeat("x", 2<<20)
		_, f, err := decodeResponse(ts.post(t, creds{}, encodeCall("person_list", big, 0)))
		if err != nil || f == "" {
			t.Errorf("2 MiB request: fault %q, err %v", f, err)
		}
	})

	t.Run("nil arguments", func(t *testing.T) {
		// pwclient's proxy uses allow_none: None travels as <nil/>.
		if g := ts.list(t, "project_list", nil, nil); len(g) != 2 {
			t.Errorf("project_list(None, None) = %d", len(g))
		}
	})

	t.Run("UTF-8 written raw", func(t *testing.T) {
		body := ts.post(t, creds{}, encodeCall("patch_get", f.d.ID))
		if !bytes.Contains(body, []byte("<string>Rafał: ça marche</string>")) {
			t.Errorf("name not written raw:\n%s", body)
		}
		if !bytes.HasPrefix(body, []byte("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>id</name>\n")) {
			t.Errorf("layout differs from Python's:\n%.200s", body)
		}
	})
}

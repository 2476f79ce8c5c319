package xmlrpc

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// The Go side of the tests talks to the handler over real HTTP, the way
// pwclient does: one POST per call with an XML-RPC body, Basic auth only
// when a test gives credentials.

// testServer serves the handler at /xmlrpc/ and /xmlrpc like the HTTP
// server does, with a clock the tests can read.
type testServer struct {
	*httptest.Server
	h   http.Handler
	now time.Time

	mu      sync.Mutex
	targets []string // request targets as sent (RequestURI)
}

// requestTargets returns the request targets seen so far.
func (ts *testServer) requestTargets() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), ts.targets...)
}

func newTestServer(t testing.TB, s store.Store) *testServer {
	t.Helper()
	ts := &testServer{now: time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)}
	ts.h = New(Options{
		Store:   s,
		Logger:  slog.New(slog.DiscardHandler),
		BaseURL: "http://patchwork.example.org",
		Now:     func() time.Time { return ts.now },
	})
	mux := http.NewServeMux()
	mux.Handle("/xmlrpc/", ts.h)
	mux.Handle("/xmlrpc", ts.h)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "web", http.StatusTeapot)
	})
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		ts.targets = append(ts.targets, r.RequestURI)
		ts.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// creds are HTTP Basic credentials; the zero value sends no header. header,
// when set, is sent verbatim as the Authorization header instead.
type creds struct{ user, password, header string }

// encodeCall writes a methodCall; nil params become <nil/> as Python's
// client sends them with allow_none.
func encodeCall(method string, params ...any) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version='1.0'?>\n<methodCall>\n<methodName>")
	xml.EscapeText(&b, []byte(method))
	b.WriteString("</methodName>\n<params>\n")
	for _, p := range params {
		b.WriteString("<param>\n")
		if err := encodeTestValue(&b, p); err != nil {
			panic(err)
		}
		b.WriteString("</param>\n")
	}
	b.WriteString("</params>\n</methodCall>\n")
	return b.Bytes()
}

func encodeTestValue(b *bytes.Buffer, v any) error {
	switch t := v.(type) {
	case nil:
		b.WriteString("<value><nil/></value>\n")
		return nil
	case Struct:
		b.WriteString("<value><struct>\n")
		for _, m := range t {
			b.WriteString("<member>\n<name>")
			writeEscaped(b, m.Name)
			b.WriteString("</name>\n")
			if err := encodeTestValue(b, m.Value); err != nil {
				return err
			}
			b.WriteString("</member>\n")
		}
		b.WriteString("</struct></value>\n")
		return nil
	case []any:
		b.WriteString("<value><array><data>\n")
		for _, e := range t {
			if err := encodeTestValue(b, e); err != nil {
				return err
			}
		}
		b.WriteString("</data></array></value>\n")
		return nil
	}
	return encodeValue(b, v, 0)
}

// decodeResponse parses a methodResponse with the package's own decoder
// machinery: the result, or the fault string.
func decodeResponse(body []byte) (result any, faultString string, err error) {
	x := xml.NewDecoder(bytes.NewReader(body))
	x.Strict = true
	d := &decoder{x: x, lim: DefaultLimits}
	root, err := d.startSkippingSpace()
	if err != nil || root.Name.Local != "methodResponse" {
		return nil, "", fmt.Errorf("not a methodResponse (%v): %.200s", err, body)
	}
	se, err := d.startSkippingSpace()
	if err != nil {
		return nil, "", err
	}
	switch se.Name.Local {
	case "params":
		ps, err := d.params()
		if err != nil {
			return nil, "", err
		}
		if len(ps) != 1 {
			return nil, "", fmt.Errorf("%d params in a response", len(ps))
		}
		return ps[0], "", nil
	case "fault":
		v, err := d.valueIn("fault")
		if err != nil {
			return nil, "", err
		}
		st, ok := v.(Struct)
		if !ok {
			return nil, "", fmt.Errorf("fault value %#v", v)
		}
		code, _ := st.Get("faultCode")
		msg, _ := st.Get("faultString")
		if code != int64(1) {
			return nil, "", fmt.Errorf("faultCode %v, want 1", code)
		}
		s, _ := msg.(string)
		return nil, s, nil
	}
	return nil, "", fmt.Errorf("unexpected <%s>", se.Name.Local)
}

// post sends a raw body and checks what every XML-RPC answer must be:
// HTTP 200, text/xml.
func (ts *testServer) post(t testing.TB, c creds, body []byte) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.URL+"/xmlrpc/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml")
	switch {
	case c.header != "":
		req.Header.Set("Authorization", c.header)
	case c.user != "" || c.password != "":
		req.SetBasicAuth(c.user, c.password)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d: %s", resp.StatusCode, out)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	return out
}

// call makes one call that must succeed.
func (ts *testServer) call(t testing.TB, method string, params ...any) any {
	t.Helper()
	return ts.callAs(t, creds{}, method, params...)
}

func (ts *testServer) callAs(t testing.TB, c creds, method string, params ...any) any {
	t.Helper()
	body := ts.post(t, c, encodeCall(method, params...))
	v, f, err := decodeResponse(body)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	if f != "" {
		t.Fatalf("%s%s: fault %s", method, pyValueRepr(params), f)
	}
	return v
}

// fault makes one call that must fail and returns the fault string.
func (ts *testServer) fault(t testing.TB, c creds, method string, params ...any) string {
	t.Helper()
	body := ts.post(t, c, encodeCall(method, params...))
	v, f, err := decodeResponse(body)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	if f == "" {
		t.Fatalf("%s: no fault, got %s", method, pyValueRepr(v))
	}
	return f
}

// list calls a method that returns an array of structs.
func (ts *testServer) list(t testing.TB, method string, params ...any) []Struct {
	t.Helper()
	v := ts.call(t, method, params...)
	arr, ok := v.([]any)
	if !ok {
		t.Fatalf("%s: %T, want array", method, v)
	}
	out := make([]Struct, len(arr))
	for i, e := range arr {
		if out[i], ok = e.(Struct); !ok {
			t.Fatalf("%s: element %d is %T", method, i, e)
		}
	}
	return out
}

// get calls a method that returns one struct.
func (ts *testServer) get(t testing.TB, method string, params ...any) Struct {
	t.Helper()
	v := ts.call(t, method, params...)
	st, ok := v.(Struct)
	if !ok {
		t.Fatalf("%s: %T, want struct", method, v)
	}
	return st
}

// ids extracts the "id" members of a list.
func ids(t testing.TB, list []Struct) []int64 {
	t.Helper()
	out := []int64{}
	for _, d := range list {
		v, _ := d.Get("id")
		id, ok := v.(int64)
		if !ok {
			t.Fatalf("id %#v", v)
		}
		out = append(out, id)
	}
	return out
}

func keysOf(s Struct) string {
	k := make([]string, len(s))
	for i, m := range s {
		k[i] = m.Name
	}
	return strings.Join(k, ",")
}

// member returns a struct member, failing the test when it is missing.
func member(t testing.TB, s Struct, name string) any {
	t.Helper()
	v, ok := s.Get(name)
	if !ok {
		t.Fatalf("no member %q in %s", name, keysOf(s))
	}
	return v
}

// wantMembers compares the members of s (names, order, Go types and
// values) with want.
func wantMembers(t testing.TB, what string, s Struct, want Struct) {
	t.Helper()
	if keysOf(s) != keysOf(want) {
		t.Errorf("%s keys = %s\nwant %s", what, keysOf(s), keysOf(want))
		return
	}
	for i := range want {
		if !reflect.DeepEqual(s[i].Value, want[i].Value) {
			t.Errorf("%s[%s] = %s (%T), want %s (%T)", what, want[i].Name,
				pyValueRepr(s[i].Value), s[i].Value, pyValueRepr(want[i].Value), want[i].Value)
		}
	}
}

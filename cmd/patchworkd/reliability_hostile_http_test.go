package main

// Hostile requests to a real serve process (issue 9): REST and XML-RPC get
// malformed, huge, deeply nested and wrongly typed bodies, SQL-looking
// filter values and unknown fields, from a maintainer who could write; the
// web gets path tricks and message ids built to escape. Every answer must
// be a clear client error (or a harmless success), never a 500 or a stack
// trace, and nothing may be written.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// relRequest is one hostile request and what it may answer.
type relRequest struct {
	name, method, path, ctype string
	body                      []byte
	ok                        func(status int) bool
}

func relClientError(status int) bool { return status >= 400 && status < 500 }
func relNot5xx(status int) bool      { return status < 500 }

// relDo sends req as user u (token, and Basic for XML-RPC) and checks the
// answer.
func relDo(t *testing.T, d *relDaemon, u relUser, password string, req relRequest) {
	t.Helper()
	r, err := http.NewRequest(req.method, "http://"+d.http+req.path, bytes.NewReader(req.body))
	if err != nil {
		t.Fatalf("%s: %v", req.name, err)
	}
	if req.ctype != "" {
		r.Header.Set("Content-Type", req.ctype)
	}
	if strings.HasPrefix(req.path, "/xmlrpc") {
		r.SetBasicAuth(u.name, password)
	} else {
		r.Header.Set("Authorization", "Token "+u.token)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		// A server that hangs up on a huge body has answered clearly
		// enough; one that crashed is caught by the next request.
		t.Logf("%s: %v", req.name, err)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if !req.ok(resp.StatusCode) {
		t.Errorf("%s: status %d\n%.500s", req.name, resp.StatusCode, body)
	}
	for _, leak := range []string{"goroutine ", "panic", "runtime error", ".go:", "SQLSTATE", "syntax error at", "sql: "} {
		if bytes.Contains(body, []byte(leak)) {
			t.Errorf("%s: the answer leaks internals (%q):\n%.500s", req.name, leak, body)
		}
	}
}

func TestReliabilityHostileHTTP(t *testing.T) {
	db := relNewDB(t, "sqlite")
	alice := relAddMaintainer(t, db, "alice")
	const password = "correct horse battery staple"
	relRun(t, relCmd(t, db, "user", "set-password", "alice", "--password-stdin"), []byte(password+"\n"))
	corpus := relCorpus(t)
	relParsearchive(t, db, relWriteMbox(t, "some.mbox", corpus[:40]))
	d := relServe(t, db, relHostKey(t))
	before := relSnapshot(t, db)
	id := "1"

	deep := func(open, close string, n int) []byte {
		return []byte(strings.Repeat(open, n) + strings.Repeat(close, n))
	}
	huge := bytes.Repeat([]byte("a"), 12<<20) // over the 10 MiB body cap
	xmlCall := func(method, params string) []byte {
		return []byte(`<?xml version="1.0"?><methodCall><methodName>` + method + `</methodName><params>` + params + `</params></methodCall>`)
	}
	sqlish := []string{"' OR '1'='1", "1; DROP TABLE patches; --", "1 UNION SELECT password_hash FROM users", `\'; --`, "%' --", "\x00"}

	reqs := []relRequest{
		// REST writes.
		{"REST malformed JSON", "PATCH", "/api/patches/" + id + "/", "application/json", []byte(`{"state": "accepted"`), relClientError},
		{"REST huge body", "PATCH", "/api/patches/" + id + "/", "application/json", append(append([]byte(`{"state":"accepted","x":"`), huge...), '"', '}'), relClientError},
		{"REST deep nesting", "PATCH", "/api/patches/" + id + "/", "application/json", deep("[", "]", 1000000), relClientError},
		{"REST deep object", "PATCH", "/api/patches/" + id + "/", "application/json", []byte(`{"state":` + string(deep(`{"a":`, "}", 200000)) + `}`), relClientError},
		{"REST state of the wrong type", "PATCH", "/api/patches/" + id + "/", "application/json", []byte(`{"state": 5}`), relClientError},
		{"REST archived of the wrong type", "PATCH", "/api/patches/" + id + "/", "application/json", []byte(`{"archived": "perhaps"}`), relClientError},
		{"REST delegate of the wrong type", "PATCH", "/api/patches/" + id + "/", "application/json", []byte(`{"delegate": [1, 2]}`), relClientError},
		{"REST unknown state", "PATCH", "/api/patches/" + id + "/", "application/json", []byte(`{"state": "' OR 1=1 --"}`), relClientError},
		{"REST unknown fields only", "PATCH", "/api/patches/" + id + "/", "application/json", []byte(`{"no_such_field": 1, "id": 999, "hash": "x"}`), relNot5xx},
		{"REST form garbage", "PATCH", "/api/patches/" + id + "/", "application/x-www-form-urlencoded", []byte("state=%ZZ&&=&archived=%"), relClientError},
		{"REST wrong content type", "PATCH", "/api/patches/" + id + "/", "image/png", []byte("\x89PNG\r\n"), relClientError},
		{"REST bundle bad body", "POST", "/api/bundles/", "application/json", []byte(`{"name": {"x": 1}, "patches": "all"}`), relClientError},
		{"REST check bad body", "POST", "/api/patches/" + id + "/checks/", "application/json", []byte(`{"state": "maybe", "context": []}`), relClientError},
		{"REST NUL in JSON", "PATCH", "/api/patches/" + id + "/", "application/json", []byte("{\"state\": \"accepted\x00\"}"), relClientError},
		// XML-RPC.
		{"XML-RPC malformed", "POST", "/xmlrpc/", "text/xml", []byte(`<?xml version="1.0"?><methodCall><methodName>patch_set</methodName><params>`), relNot5xx},
		{"XML-RPC not XML", "POST", "/xmlrpc/", "text/xml", []byte("SELECT * FROM users"), relNot5xx},
		{"XML-RPC huge body", "POST", "/xmlrpc/", "text/xml", append(xmlCall("pw_rpc_version", "<param><value><string>"), huge...), relNot5xx},
		{"XML-RPC deep nesting", "POST", "/xmlrpc/", "text/xml", xmlCall("patch_list", "<param>"+string(deep("<value><array><data>", "</data></array></value>", 100000))+"</param>"), relNot5xx},
		{"XML-RPC entity bomb", "POST", "/xmlrpc/", "text/xml", []byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><methodCall><methodName>&d;</methodName></methodCall>`), relNot5xx},
		{"XML-RPC wrong types", "POST", "/xmlrpc/", "text/xml", xmlCall("patch_set", `<param><value><string>one</string></value></param><param><value><array><data/></array></value></param>`), relNot5xx},
		{"XML-RPC set state to a struct", "POST", "/xmlrpc/", "text/xml", xmlCall("patch_set", `<param><value><int>`+id+`</int></value></param><param><value><struct><member><name>state</name><value><struct/></value></member></struct></value></param>`), relNot5xx},
		{"XML-RPC unknown method", "POST", "/xmlrpc/", "text/xml", xmlCall("system.shutdown", ""), relNot5xx},
		{"XML-RPC huge int", "POST", "/xmlrpc/", "text/xml", xmlCall("patch_get", `<param><value><int>99999999999999999999999</int></value></param>`), relNot5xx},
	}
	for _, s := range sqlish {
		q := url.QueryEscape(s)
		reqs = append(reqs,
			relRequest{"REST filter " + s, "GET", "/api/patches/?project=" + q + "&submitter=" + q + "&state=" + q + "&q=" + q + "&order=" + q, "", nil, relNot5xx},
			relRequest{"REST hash " + s, "GET", "/api/patches/?hash=" + q + "&msgid=" + q, "", nil, relNot5xx},
			relRequest{"REST series filter " + s, "GET", "/api/series/?project=" + q + "&q=" + q + "&since=" + q, "", nil, relNot5xx},
			relRequest{"XML-RPC filter " + s, "POST", "/xmlrpc/", "text/xml", xmlCall("patch_list", `<param><value><struct>`+
				`<member><name>name__icontains</name><value><string>`+xmlEscape(s)+`</string></value></member>`+
				`<member><name>project_id</name><value><string>`+xmlEscape(s)+`</string></value></member>`+
				`<member><name>`+xmlEscape(s)+`</name><value><string>x</string></value></member>`+
				`</struct></value></param>`), relNot5xx},
			relRequest{"web search " + s, "GET", "/project/test/list/?q=" + q + "&order=" + q + "&submitter=" + q + "&state=" + q, "", nil, relNot5xx},
		)
	}
	for _, r := range reqs {
		relDo(t, d, alice, password, r)
	}

	// The daemon is still up and nothing was written.
	resp, err := http.Get("http://" + d.http + "/healthz")
	if err != nil {
		t.Fatalf("healthz after the hostile requests: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz after the hostile requests: %d", resp.StatusCode)
	}
	after := relSnapshot(t, db)
	if d := relDiff(after.lines, before.lines); d != "" {
		t.Errorf("hostile requests changed the database:\n%s", d)
	}
	var bundles, checks int
	sdb := relOpen(t, db).DB()
	for q, n := range map[string]*int{"SELECT COUNT(*) FROM bundles": &bundles, "SELECT COUNT(*) FROM checks": &checks} {
		if err := sdb.QueryRow(q).Scan(n); err != nil {
			t.Fatal(err)
		}
	}
	if bundles != 0 || checks != 0 {
		t.Errorf("hostile requests wrote %d bundles and %d checks", bundles, checks)
	}
	if log := d.log.String(); strings.Contains(log, "panic") {
		t.Errorf("the daemon logged a panic:\n%s", relTail(log))
	}
}

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case 0:
			b.WriteString("&#0;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestReliabilityHostileMessageIDs: message ids made to escape paths and
// markup are stored, and every web address built from them answers with
// the right patch, escaped; path tricks find nothing outside the site.
func TestReliabilityHostileMessageIDs(t *testing.T) {
	db := relNewDB(t, "sqlite")
	ids := []string{
		"<../../../../etc/passwd>",
		"<a/b/../../c@x>",
		"<%2e%2e%2f%2e%2e%2fsecret@x>",
		`<"><script>alert(1)</script>@x>`,
		"<x?y=1#frag@x>",
		"<sp ace@x>",
	}
	for i, id := range ids {
		m := relMarkerMail(fmt.Sprintf("msgid trick %d <script>alert(%d)</script>", i, i), id)
		if r := relParsemail(t, db, m); r.code != 0 {
			t.Fatalf("parsemail %s: exit %d %s", id, r.code, r.stderr)
		}
	}
	d := relServe(t, db, relHostKey(t))
	// Requests are written by hand: net/http refuses to send some of
	// these paths, and would clean others.
	get := func(path string) (int, string) {
		t.Helper()
		c, err := net.Dial("tcp", d.http)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, d.http)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	for i, id := range ids {
		bare := strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
		path := "/project/test/patch/" + url.PathEscape(bare) + "/"
		status, body := get(path)
		if status >= 500 {
			t.Errorf("%s: %d", path, status)
		}
		if strings.Contains(body, "<script>alert(") {
			t.Errorf("%s: unescaped script in the page", path)
		}
		if status == http.StatusOK && !strings.Contains(body, fmt.Sprintf("msgid trick %d", i)) {
			t.Errorf("%s: 200 but not the patch of %s", path, id)
		}
	}
	status, body := get("/project/test/list/")
	if status != http.StatusOK || strings.Contains(body, "<script>alert(") {
		t.Errorf("list page: %d, unescaped script: %v", status, strings.Contains(body, "<script>alert("))
	}
	for _, p := range []string{
		"/project/test/patch/..%2F..%2F..%2F..%2Fetc%2Fpasswd/",
		"/project/test/patch/../../../../etc/passwd/raw/",
		"/static/../../../../etc/passwd",
		"/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
		"/project/..%2F..%2Fetc/list/",
		"/patch/1%00/",
		"/patch/-1/",
		"/patch/99999999999999999999999/",
		"/project/test/patch/%ZZ/",
	} {
		status, body := get(p)
		if status >= 500 || strings.Contains(body, "root:x:0:0") {
			t.Errorf("%s: status %d, passwd served: %v", p, status, strings.Contains(body, "root:x:0:0"))
		}
	}
}

package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/server/mbox"
	"github.com/patchwork-go/patchwork/server/web"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// env is a running web view over a real store.
type env struct {
	t   *testing.T
	s   store.Store
	srv *httptest.Server
	f   *fixture
}

func newEnv(t *testing.T, s store.Store) *env {
	f := newFixture(t, s)
	srv := httptest.NewServer(web.New(web.Options{Store: s, BaseURL: "https://pw.example.org"}))
	t.Cleanup(srv.Close)
	return &env{t: t, s: s, srv: srv, f: f}
}

type resp struct {
	status int
	header http.Header
	body   string
}

// do sends a request without following redirects.
func (e *env) do(method, path string, hdr ...string) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+"/", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	// Send the path exactly as written, escapes and bad escapes included:
	// an Opaque URL goes on the request line unchanged.
	req.URL.Path, req.URL.Opaque, req.URL.RawQuery, _ = "", path, "", false
	if p, q, ok := strings.Cut(path, "?"); ok {
		req.URL.Opaque, req.URL.RawQuery = p, q
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (e *env) get(path string, hdr ...string) resp {
	e.t.Helper()
	return e.do(http.MethodGet, path, hdr...)
}

// expect checks a status and the security headers every answer carries.
func (e *env) expect(r resp, path string, status int) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("GET %s: status %d, want %d\n%.600s", path, r.status, status, r.body)
	}
	for k, v := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
	} {
		if got := r.header.Get(k); got != v {
			e.t.Errorf("GET %s: %s = %q, want %q", path, k, got, v)
		}
	}
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			e.t.Errorf("GET %s: CSP %q lacks %q", path, csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
		e.t.Errorf("GET %s: CSP allows scripts: %q", path, csp)
	}
	if r.header.Get("Referrer-Policy") == "" {
		e.t.Errorf("GET %s: no Referrer-Policy", path)
	}
}

func (e *env) page(path string, hdr ...string) string {
	e.t.Helper()
	r := e.get(path, hdr...)
	e.expect(r, path, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		e.t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	return r.body
}

func (e *env) redirectsTo(path, location string) {
	e.t.Helper()
	r := e.get(path)
	e.expect(r, path, http.StatusFound)
	if got := r.header.Get("Location"); got != location {
		e.t.Errorf("GET %s: Location %q, want %q", path, got, location)
	}
}

func (e *env) notFound(paths ...string) {
	e.t.Helper()
	for _, p := range paths {
		e.expect(e.get(p), p, http.StatusNotFound)
	}
}

func contains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: missing %q", what, w)
		}
	}
}

func lacks(t *testing.T, what, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			t.Errorf("%s: must not contain %q", what, b)
		}
	}
}

func mboxOf(t *testing.T, s store.Store, fn func(w io.Writer) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := fn(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestWeb(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		t.Run("home", e.testHome)
		t.Run("project", e.testProject)
		t.Run("list", e.testList)
		t.Run("patch", e.testPatch)
		t.Run("oddMsgID", e.testOddMsgID)
		t.Run("redirects", e.testRedirects)
		t.Run("downloads", e.testDownloads)
		t.Run("seriesDeps", e.testSeriesDeps)
		t.Run("cover", e.testCover)
		t.Run("bundles", e.testBundles)
		t.Run("pwclientrc", e.testPwclientrc)
		t.Run("autocomplete", e.testAutocomplete)
		t.Run("methods", e.testMethods)
		t.Run("xss", e.testXSS)
	})
}

func (e *env) sub(t *testing.T) *env { c := *e; c.t = t; return &c }

func (e *env) testHome(t *testing.T) {
	e = e.sub(t)
	// One project: straight to its list.
	e.redirectsTo("/", "/project/test/list/")
	other := &store.Project{LinkName: "other", Name: "Other <b>Project</b>", ListID: "other.example.com", ListEmail: "other@example.com"}
	if err := e.s.CreateProject(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	body := e.page("/")
	contains(t, "home", body, `href="/project/test/list/"`, "Test Project", "test@example.com", `href="/project/other/list/"`, "Other &lt;b&gt;Project&lt;/b&gt;")
	e.expect(e.get("/static/style.css"), "/static/style.css", http.StatusOK)
}

func (e *env) testProject(t *testing.T) {
	e = e.sub(t)
	body := e.page("/project/test/")
	contains(t, "project page", body, "Test Project", "test@example.com", "test.example.com", "maint", "/project/test/pwclientrc/", "https://pw.example.org/api/")
	// javascript: URLs from the project configuration are neutralised.
	lacks(t, "project page", body, `href="javascript:`)
	e.notFound("/project/nope/", "/project/nope/list/", "/project/test/bogus/")
}

func (e *env) testList(t *testing.T) {
	e = e.sub(t)
	f := e.f
	body := e.page("/project/test/list/")
	// Default: action required, not archived: p3 (accepted, archived) hidden.
	contains(t, "list", body, f.p1.Name, f.p2.Name, "odd: message id", "frob: fixes", "Jane Doe", "maint")
	hasLink(t, "list", parseHTML(t, body), mbox.PatchPath("test", f.odd.MsgID), "/project/test/list/?series="+fmt.Sprint(f.series.ID))
	lacks(t, "list", body, f.p3.Name)
	// Newest first by default.
	if strings.Index(body, f.p2.Name) > strings.Index(body, f.p1.Name) {
		t.Error("default order is not newest first")
	}
	body = e.page("/project/test/list/?order=date")
	if strings.Index(body, f.p2.Name) < strings.Index(body, f.p1.Name) {
		t.Error("order=date is not oldest first")
	}
	body = e.page("/project/test/list/?state=*&archive=both")
	contains(t, "list all", body, f.p3.Name)
	body = e.page(fmt.Sprintf("/project/test/list/?state=%d&archive=true", f.stateAccepted.ID))
	contains(t, "list accepted archived", body, f.p3.Name)
	lacks(t, "list accepted archived", body, f.p1.Name)
	body = e.page(fmt.Sprintf("/project/test/list/?series=%d", f.series.ID))
	contains(t, "list series", body, f.p1.Name, f.p2.Name)
	lacks(t, "list series", body, f.p3.Name, "odd: message id")
	body = e.page("/project/test/list/?q=two")
	contains(t, "list q", body, f.p2.Name)
	lacks(t, "list q", body, f.p1.Name)
	body = e.page("/project/test/list/?q=state:accepted+is:archived")
	contains(t, "list query language", body, f.p3.Name)
	lacks(t, "list query language", body, f.p1.Name)
	body = e.page("/project/test/list/?delegate=maint")
	contains(t, "list delegate", body, f.p1.Name)
	lacks(t, "list delegate", body, f.p2.Name)
	body = e.page("/project/test/list/?delegate=Nobody")
	lacks(t, "list no delegate", body, f.p1.Name)
	contains(t, "list no delegate", body, f.p2.Name)
	body = e.page(fmt.Sprintf("/project/test/list/?submitter=%d", f.evil.ID))
	contains(t, "list submitter id", body, "xss ")
	lacks(t, "list submitter id", body, f.p1.Name)
	body = e.page("/project/test/list/?submitter=jane")
	contains(t, "list submitter text", body, f.p1.Name)
	body = e.page("/project/test/list/?page=99&order=name")
	contains(t, "list beyond the end", body, f.p1.Name)
	// Unknown parameters and junk values are ignored.
	e.page("/project/test/list/?state=junk&archive=junk&order=junk&page=junk&series=junk&bogus=1")
	// A bad query is explained, not a crash.
	r := e.get("/project/test/list/?q=state:neww")
	e.expect(r, "bad q", http.StatusBadRequest)
	contains(t, "bad q", r.body, "col 7: unknown state &#34;neww&#34;")
}

func (e *env) testPatch(t *testing.T) {
	e = e.sub(t)
	f := e.f
	path := mbox.PatchPath("test", f.p1.MsgID)
	body := e.page(path)
	contains(t, "patch page", body, f.p1.Name, "p1@example.org", "https://lore.example.org/r/p1@example.org", "New", "maint",
		"frob: fixes", mbox.PatchPath("test", f.p2.MsgID), mbox.CoverPath("test", f.cover.MsgID),
		"Reviewed-by: John Roe", `id="`+fmt.Sprint(f.patchComment.ID)+`"`,
		`href="`+path+`mbox/"`, `href="`+path+`raw/"`, fmt.Sprintf(`href="/series/%d/mbox/"`, f.series.ID),
		"maint/ci/build", "success", `class="da"`, `class="dd"`, `class="dk"`, `class="dh"`, "Description of")
	// Cover Message-ID under /patch/ redirects to the cover page.
	e.redirectsTo(mbox.PatchPath("test", f.cover.MsgID), mbox.CoverPath("test", f.cover.MsgID))
	// Pull request without diff, state and commit.
	body = e.page(mbox.PatchPath("test", f.lone.MsgID))
	contains(t, "pull page", body, "[GIT PULL] lone pull request")
	e.notFound("/project/test/patch/nope@example.org/", "/project/other/patch/p1@example.org/",
		"/project/test/patch/p1@example.org/bogus/", "/project/test/patch/%25zz/", "/project/%25zz/list/")
	// A malformed escape never reaches us: net/http refuses the request line.
	if r := e.get("/project/test/patch/%zz/"); r.status != http.StatusBadRequest {
		t.Errorf("malformed escape: status %d, want 400", r.status)
	}
}

func (e *env) testOddMsgID(t *testing.T) {
	e = e.sub(t)
	f := e.f
	seg := mbox.EscapeMsgID(f.odd.MsgID)
	if seg != "odd%252Fslash+%5Bbot%5D%20x%25y@example.org" {
		t.Fatalf("escaped msgid %q", seg)
	}
	for _, p := range []string{
		"/project/test/patch/" + seg + "/",                               // upstream form
		"/project/test/patch/odd%2Fslash+%5Bbot%5D%20x%25y@example.org/", // plain %2F
		"/project/test/patch/odd/slash+%5Bbot%5D%20x%25y@example.org/",   // raw '/'
	} {
		contains(t, p, e.page(p), "odd: message id")
	}
	r := e.get("/project/test/patch/odd/slash+%5Bbot%5D%20x%25y@example.org/mbox/")
	e.expect(r, "odd mbox", http.StatusOK)
	contains(t, "odd mbox", r.body, "X-Patchwork-Id: "+fmt.Sprint(f.odd.ID))
	for _, p := range []string{"/project/test/cover/odd%252Fcover@example.org/", "/project/test/cover/odd%2Fcover@example.org/", "/project/test/cover/odd/cover@example.org/"} {
		contains(t, p, e.page(p), "odd cover")
	}
	e.expect(e.get("/project/test/cover/odd/cover@example.org/mbox/"), "odd cover mbox", http.StatusOK)
	// Links we emit use the upstream form.
	body := e.page("/project/test/list/")
	hasLink(t, "list links", parseHTML(t, body), "/project/test/patch/"+seg+"/")
}

func (e *env) testRedirects(t *testing.T) {
	e = e.sub(t)
	f := e.f
	pp, cp := mbox.PatchPath("test", f.p1.MsgID), mbox.CoverPath("test", f.cover.MsgID)
	e.redirectsTo(fmt.Sprintf("/patch/%d/", f.p1.ID), pp)
	e.redirectsTo(fmt.Sprintf("/patch/%d/mbox/", f.p1.ID), pp+"mbox/")
	e.redirectsTo(fmt.Sprintf("/patch/%d/mbox/?series=*", f.p1.ID), pp+"mbox/?series=*")
	e.redirectsTo(fmt.Sprintf("/patch/%d/raw/", f.p1.ID), pp+"raw/")
	e.redirectsTo(fmt.Sprintf("/patch/%d/", f.odd.ID), "/project/test/patch/odd%252Fslash+%5Bbot%5D%20x%25y@example.org/")
	e.redirectsTo(fmt.Sprintf("/cover/%d/", f.cover.ID), cp)
	e.redirectsTo(fmt.Sprintf("/cover/%d/mbox/", f.cover.ID), cp+"mbox/")
	e.redirectsTo(fmt.Sprintf("/comment/%d/", f.patchComment.ID), pp+"#"+fmt.Sprint(f.patchComment.ID))
	e.redirectsTo(fmt.Sprintf("/comment/%d/", f.coverComment.ID), cp+"#"+fmt.Sprint(f.coverComment.ID))
	e.redirectsTo("/help/", "/about/")
	e.redirectsTo("/help/pwclient/", "/about/")
	contains(t, "about", e.page("/about/"), "https://pw.example.org/api/")
	// Missing trailing slash: 301 to the slash form, query kept.
	r := e.get("/project/test/list?state=*")
	e.expect(r, "no slash", http.StatusMovedPermanently)
	if got := r.header.Get("Location"); got != "/project/test/list/?state=*" {
		t.Errorf("slash redirect Location %q", got)
	}
	e.notFound("/patch/999999/", "/patch/abc/", "/patch/0/", "/cover/999999/", "/comment/999999/", "/patch/1/bogus/",
		"/user/", "/register/", "/admin/", "/mail/", "/series/999999/mbox/", "/series/x/mbox/")
}

func (e *env) testDownloads(t *testing.T) {
	e = e.sub(t)
	f := e.f
	ctx := context.Background()
	pp := mbox.PatchPath("test", f.p1.MsgID)
	r := e.get(pp + "mbox/")
	e.expect(r, "mbox", http.StatusOK)
	want := mboxOf(t, e.s, func(w io.Writer) error { return mbox.WritePatch(ctx, w, e.s, f.p1.ID) })
	if r.body != want {
		t.Errorf("mbox body differs from mbox.WritePatch:\n%s\n---\n%s", r.body, want)
	}
	wantHeaders(t, r, "text/plain; charset=utf-8", "attachment; filename=PATCH-v2-1-3-frob-one.patch")
	contains(t, "mbox", r.body, "From patchwork Tue Sep 13 08:16:00 2016\n", "X-Patchwork-Delegate: maint@example.org\n",
		"Signed-off-by: Jane Doe <jane@example.org>\nReviewed-by: John Roe <john@example.org>\n---\n v2: reworded\n\ndiff --git a/f.c b/f.c\n")
	lacks(t, "mbox", r.body, "Acked-by: quoted")

	r = e.get(pp + "raw/")
	e.expect(r, "raw", http.StatusOK)
	wantHeaders(t, r, "text/x-patch", "attachment; filename=PATCH-v2-1-3-frob-one.diff")
	if r.body != f.p1.Diff {
		t.Errorf("raw body %q, want the diff", r.body)
	}
	r = e.get(mbox.PatchPath("test", f.lone.MsgID) + "raw/")
	e.expect(r, "raw no diff", http.StatusOK)
	if r.body != "" {
		t.Errorf("raw of a pull request without diff: %q, want empty", r.body)
	}
	// A token, valid or not, never breaks a download.
	e.expect(e.get(pp+"mbox/", "Authorization", "Token nonsense"), "mbox bad token", http.StatusOK)
	e.expect(e.get(pp+"mbox/", "Authorization", "Token "+f.token), "mbox good token", http.StatusOK)

	r = e.get(fmt.Sprintf("/series/%d/mbox/", f.series.ID))
	e.expect(r, "series mbox", http.StatusOK)
	wantHeaders(t, r, "text/plain; charset=utf-8", "attachment; filename=frob-fixes.patch")
	want = mboxOf(t, e.s, func(w io.Writer) error { return mbox.WritePatch(ctx, w, e.s, f.p1.ID) }) + "\n" +
		mboxOf(t, e.s, func(w io.Writer) error { return mbox.WritePatch(ctx, w, e.s, f.p2.ID) }) + "\n" +
		mboxOf(t, e.s, func(w io.Writer) error { return mbox.WritePatch(ctx, w, e.s, f.p3.ID) })
	if r.body != want {
		t.Errorf("series mbox is not the patches by number joined with \\n")
	}
	lacks(t, "series mbox", r.body, "This fixes frob.")

	r = e.get(mbox.CoverPath("test", f.cover.MsgID) + "mbox/")
	e.expect(r, "cover mbox", http.StatusOK)
	wantHeaders(t, r, "text/plain; charset=utf-8", "attachment; filename=PATCH-v2-0-3-frob-fixes.mbox")
	contains(t, "cover mbox", r.body, "X-Patchwork-Id: "+fmt.Sprint(f.cover.ID), "Tested-by: Tess <t@example.org>\n")
	e.notFound(mbox.CoverPath("test", f.cover.MsgID)+"raw/", "/project/test/patch/nope@x/mbox/", "/project/test/cover/nope@x/mbox/")

	// A series without a name, with a patch without a name.
	untitled := &store.Series{ProjectID: f.proj.ID, Date: f.p1.Date, SubmitterID: f.jane.ID, Version: 1, Total: 1}
	if err := e.s.CreateSeries(ctx, untitled); err != nil {
		t.Fatal(err)
	}
	nameless := &store.Patch{ProjectID: f.proj.ID, MsgID: "<nameless@example.org>", Date: f.p1.Date, SubmitterID: f.jane.ID,
		StateID: f.stateNew.ID, SeriesID: untitled.ID, Number: 1, Diff: f.p1.Diff, Headers: "Subject: \nMessage-Id: <nameless@example.org>"}
	if err := e.s.CreatePatch(ctx, nameless, nil); err != nil {
		t.Fatal(err)
	}
	r = e.get(fmt.Sprintf("/series/%d/mbox/", untitled.ID))
	e.expect(r, "untitled series mbox", http.StatusOK)
	wantHeaders(t, r, "text/plain; charset=utf-8", fmt.Sprintf("attachment; filename=Untitled-series-%d.patch", untitled.ID))
	r = e.get(mbox.PatchPath("test", nameless.MsgID) + "mbox/")
	e.expect(r, "nameless patch mbox", http.StatusOK)
	wantHeaders(t, r, "text/plain; charset=utf-8", "attachment; filename=.patch")

	// HEAD answers like GET without a body.
	h := e.do(http.MethodHead, pp+"mbox/")
	e.expect(h, "HEAD mbox", http.StatusOK)
	if h.body != "" || h.header.Get("Content-Disposition") == "" {
		t.Errorf("HEAD: body %q, disposition %q", h.body, h.header.Get("Content-Disposition"))
	}
}

func wantHeaders(t *testing.T, r resp, ctype, disp string) {
	t.Helper()
	if got := r.header.Get("Content-Type"); got != ctype {
		t.Errorf("Content-Type %q, want %q", got, ctype)
	}
	if got := r.header.Get("Content-Disposition"); got != disp {
		t.Errorf("Content-Disposition %q, want %q", got, disp)
	}
}

func (e *env) testSeriesDeps(t *testing.T) {
	e = e.sub(t)
	f := e.f
	ctx := context.Background()
	p3 := mbox.PatchPath("test", f.p3.MsgID) + "mbox/"
	want := mboxOf(t, e.s, func(w io.Writer) error { return mbox.WritePatch(ctx, w, e.s, f.p1.ID) }) + "\n" +
		mboxOf(t, e.s, func(w io.Writer) error { return mbox.WritePatch(ctx, w, e.s, f.p2.ID) }) + "\n" +
		mboxOf(t, e.s, func(w io.Writer) error { return mbox.WritePatch(ctx, w, e.s, f.p3.ID) })
	for _, q := range []string{"?series=*", "?series=%2A", fmt.Sprintf("?series=%d", f.series.ID)} {
		r := e.get(p3 + q)
		e.expect(r, q, http.StatusOK)
		if r.body != want {
			t.Errorf("%s: not patches 1..3", q)
		}
		wantHeaders(t, r, "text/plain; charset=utf-8", "attachment; filename=PATCH-v2-3-3-frob-three.patch")
	}
	r := e.get(p3 + "?series=")
	e.expect(r, "empty series", http.StatusOK)
	if strings.Count(r.body, "From patchwork ") != 1 {
		t.Error("?series= (empty) must be the patch alone")
	}
	e.notFound(p3+"?series=999999", p3+"?series=junk", p3+"?series=-1",
		mbox.PatchPath("test", f.odd.MsgID)+"mbox/?series=*", mbox.PatchPath("test", f.odd.MsgID)+"mbox/?series=1")
}

func (e *env) testCover(t *testing.T) {
	e = e.sub(t)
	f := e.f
	body := e.page(mbox.CoverPath("test", f.cover.MsgID))
	contains(t, "cover page", body, "[PATCH v2 0/3] frob: fixes", "cover-1@example.org", "This fixes frob.", "Tested-by: Tess",
		mbox.PatchPath("test", f.p1.MsgID), mbox.CoverPath("test", f.cover.MsgID)+"mbox/", `id="`+fmt.Sprint(f.coverComment.ID)+`"`)
	e.redirectsTo(mbox.CoverPath("test", f.p1.MsgID), mbox.PatchPath("test", f.p1.MsgID))
	e.notFound("/project/test/cover/nope@example.org/")
}

func (e *env) testBundles(t *testing.T) {
	e = e.sub(t)
	f := e.f
	ctx := context.Background()
	body := e.page("/bundle/owner/my%20stuff/")
	contains(t, "bundle page", body, "my stuff", "owner", f.p1.Name, f.p2.Name, `href="/bundle/owner/my%20stuff/mbox/"`)
	if strings.Index(body, f.p2.Name) > strings.Index(body, f.p1.Name) {
		t.Error("bundle page not in bundle order")
	}
	r := e.get("/bundle/owner/my%20stuff/mbox/", "Authorization", "Token wrong")
	e.expect(r, "bundle mbox", http.StatusOK)
	wantHeaders(t, r, "text/plain; charset=utf-8", fmt.Sprintf("attachment; filename=bundle-%d-my stuff.mbox", f.public.ID))
	want := mboxOf(t, e.s, func(w io.Writer) error { return mbox.WritePatch(ctx, w, e.s, f.p2.ID) }) + "\n" +
		mboxOf(t, e.s, func(w io.Writer) error { return mbox.WritePatch(ctx, w, e.s, f.p1.ID) })
	if r.body != want {
		t.Error("bundle mbox is not the patches in bundle order")
	}
	// Private: 404 unless the owner's credentials come along.
	e.notFound("/bundle/owner/secret/", "/bundle/owner/secret/mbox/", "/bundle/owner/nope/", "/bundle/nobody/secret/")
	e.expect(e.get("/bundle/owner/secret/", "Authorization", "Token wrong"), "bad token", http.StatusNotFound)
	e.expect(e.get("/bundle/owner/secret/", "Authorization", "Token "+f.token), "owner token", http.StatusOK)
	basic := func(u, p string) string {
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth(u, p)
		return req.Header.Get("Authorization")
	}
	e.expect(e.get("/bundle/owner/secret/mbox/", "Authorization", basic("owner", password)), "owner basic", http.StatusOK)
	e.expect(e.get("/bundle/owner/secret/", "Authorization", basic("owner", "wrong")), "wrong password", http.StatusNotFound)
	e.expect(e.get("/bundle/owner/secret/", "Authorization", basic("maint", password)), "other user", http.StatusNotFound)
	// Legacy URLs: owner only.
	r = e.get(fmt.Sprintf("/user/bundle/%d/mbox/", f.private.ID), "Authorization", "Token "+f.token)
	e.expect(r, "legacy bundle", http.StatusFound)
	if got := r.header.Get("Location"); got != "/bundle/owner/secret/mbox/" {
		t.Errorf("legacy bundle Location %q", got)
	}
	e.notFound(fmt.Sprintf("/user/bundle/%d/", f.private.ID), fmt.Sprintf("/user/bundle/%d/", f.public.ID))
}

func (e *env) testPwclientrc(t *testing.T) {
	e = e.sub(t)
	r := e.get("/project/test/pwclientrc/")
	e.expect(r, "pwclientrc", http.StatusOK)
	wantHeaders(t, r, "text/plain; charset=utf-8", "attachment; filename=.pwclientrc")
	want := `# Sample .pwclientrc file for the test project,
# running on pw.example.org.
#
# Just append this file to your existing ~/.pwclientrc
# If you do not already have a ~/.pwclientrc, then copy this file to
# ~/.pwclientrc, and uncomment the following two lines:
# [options]
# default=test

[test]
backend = rest
url = https://pw.example.org/api/
`
	if r.body != want {
		t.Errorf("pwclientrc:\n%s\nwant:\n%s", r.body, want)
	}
	e.notFound("/project/nope/pwclientrc/")

	// Without a configured base URL: scheme and host of the request; REST
	// disabled: pwclient is pointed at XML-RPC.
	h := web.New(web.Options{Store: e.s, NoREST: true})
	for _, srv := range []*httptest.Server{httptest.NewServer(h), httptest.NewTLSServer(h)} {
		res, err := srv.Client().Get(srv.URL + "/project/test/pwclientrc/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		srv.Close()
		host := strings.TrimPrefix(strings.TrimPrefix(srv.URL, "http://"), "https://")
		contains(t, "pwclientrc "+srv.URL, string(b), "# running on "+host+".\n", "\n[test]\nbackend = xmlrpc\nurl = "+srv.URL+"/xmlrpc/\n")
	}
}

func (e *env) testAutocomplete(t *testing.T) {
	e = e.sub(t)
	r := e.get("/submitter/?q=jan")
	e.expect(r, "submitter", http.StatusOK)
	var people []struct {
		PK    int64   `json:"pk"`
		Name  *string `json:"name"`
		Email string  `json:"email"`
	}
	if err := json.Unmarshal([]byte(r.body), &people); err != nil {
		t.Fatalf("submitter JSON %q: %v", r.body, err)
	}
	if len(people) != 1 || people[0].Email != "jane@example.org" || people[0].Name == nil || *people[0].Name != "Jane Doe" {
		t.Errorf("submitter autocomplete: %s", r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if r := e.get("/submitter/?q=ja"); r.body != "" {
		t.Errorf("short text must give an empty body: %q", r.body)
	}
	r = e.get("/delegate/?q=mai&l=1")
	if !strings.Contains(r.body, `"name":"maint"`) {
		t.Errorf("delegate autocomplete: %s", r.body)
	}
}

func (e *env) testMethods(t *testing.T) {
	e = e.sub(t)
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		r := e.do(m, "/project/test/list/")
		e.expect(r, m, http.StatusMethodNotAllowed)
	}
	h := e.do(http.MethodHead, "/project/test/list/")
	e.expect(h, "HEAD list", http.StatusOK)
}

func (e *env) testXSS(t *testing.T) {
	e = e.sub(t)
	f := e.f
	pages := map[string]string{
		"list":    e.page("/project/test/list/"),
		"patch":   e.page(mbox.PatchPath("test", f.xss.MsgID)),
		"project": e.page("/project/test/"),
		"search":  e.page("/project/test/list/?q=%22%3Cscript%3E%22"),
		"bundle":  e.page("/bundle/owner/my%20stuff/"),
		"cover":   e.page(mbox.CoverPath("test", f.xssCover.MsgID)),
		"about":   e.page("/about/"),
	}
	pages["bad query"] = e.get("/project/test/list/?q=%22%3Cscript%3E").body
	pages["submitter filter"] = e.page("/project/test/list/?submitter=%3Cscript%3Ealert(1)%3C/script%3E")
	pages["not found"] = e.get("/project/test/patch/%3Cscript%3E@x/").body
	docs := map[string]doc{}
	for name, body := range pages {
		docs[name] = parseHTML(t, body)
		inert(t, name, docs[name])
	}
	// The attack strings are shown to the reader as text, not dropped.
	contains(t, "patch text", docs["patch"].Text, f.xss.Name, xssScript+"</pre>"+xssAttr, "+"+xssScript, xssAttr+xssScript)
	contains(t, "list text", docs["list"].Text, f.xss.Name, xssAttr+xssScript)
	contains(t, "cover text", docs["cover"].Text, f.xssCover.Name, xssAttr+xssScript, xssQuote)
	contains(t, "bad query text", docs["bad query"].Text, `"<script>`)
	// A javascript: check target is neutralised by html/template.
	hasLink(t, "patch", docs["patch"], "#ZgotmplZ")
}

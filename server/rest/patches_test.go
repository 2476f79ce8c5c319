package rest_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

func TestPatchListFields(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		l := e.getOK("/api/1.3/patches/?project=test", "")
		eqIDs(t, ids(t, l), f.p1.ID, f.p2.ID, f.p3.ID)
		p := at(t, l, 0)
		want := []string{"id", "url", "web_url", "project", "msgid", "list_archive_url", "date", "name", "commit_ref", "pull_url",
			"state", "archived", "hash", "submitter", "delegate", "mbox", "series", "comments", "check", "checks", "tags", "related"}
		for _, k := range want {
			if !has(p, k) {
				t.Errorf("1.3 list patch lacks %q", k)
			}
		}
		if len(p.(map[string]any)) != len(want) {
			t.Errorf("1.3 list patch has %d keys, want %d: %v", len(p.(map[string]any)), len(want), p)
		}
		id := itoa(f.p1.ID)
		checks := map[string]any{
			"url":              e.url + "/api/1.3/patches/" + id + "/",
			"web_url":          e.url + "/project/test/patch/p1%252Fx@example.com/",
			"mbox":             e.url + "/project/test/patch/p1%252Fx@example.com/mbox/",
			"msgid":            "<p1/x@example.com>",
			"list_archive_url": "https://lore.example.com/r/p1/x@example.com",
			"date":             "2024-03-01T10:00:00",
			"name":             "[v2,1/2] frob: add widget",
			"commit_ref":       nil,
			"pull_url":         nil,
			"state":            "new",
			"archived":         false,
			"hash":             "0123456789abcdef0123456789abcdef01234567",
			"delegate":         nil,
			"comments":         e.url + "/api/patches/" + id + "/comments/",
			"checks":           e.url + "/api/patches/" + id + "/checks/",
			"check":            "success",
		}
		for k, v := range checks {
			if got := at(t, p, k); got != v {
				t.Errorf("%s = %#v, want %#v", k, got, v)
			}
		}
		if got := at(t, p, "tags"); len(got.(map[string]any)) != 0 {
			t.Errorf("tags %v", got)
		}
		if got := at(t, p, "submitter", "email"); got != "jane@example.com" {
			t.Errorf("submitter %v", got)
		}
		if got := at(t, p, "submitter", "url"); got != e.url+"/api/1.3/people/"+itoa(f.person.ID)+"/" {
			t.Errorf("submitter url %v", got)
		}
		if got := at(t, p, "project", "link_name"); got != "test" {
			t.Errorf("project %v", got)
		}
		if got := at(t, p, "series", 0, "id"); got != float64(f.series.ID) {
			t.Errorf("series %v", got)
		}
		if got := at(t, p, "series", 0, "mbox"); got != e.url+"/series/"+itoa(f.series.ID)+"/mbox/" {
			t.Errorf("series mbox %v", got)
		}
		if got := at(t, p, "series", 0, "web_url"); got != e.url+"/project/test/list/?series="+itoa(f.series.ID) {
			t.Errorf("series web_url %v", got)
		}
		if got := at(t, e.getOK("/api/1.3/patches/?project=test", ""), 2, "delegate", "username"); got != "maint" {
			t.Errorf("delegate %v", got)
		}
		if got := at(t, e.getOK("/api/1.3/patches/?project=test", ""), 1, "series", 0, "name"); got != "frob widgets" {
			t.Errorf("series name %v", got)
		}

		// Versions: 1.0 has no web_url/comments/related/list_archive_url.
		p0 := at(t, e.getOK("/api/1.0/patches/?project=test", ""), 0)
		for _, k := range []string{"web_url", "comments", "related", "list_archive_url"} {
			if has(p0, k) {
				t.Errorf("1.0 patch has %q", k)
			}
		}
		if has(at(t, p0, "project"), "list_archive_url") || has(at(t, p0, "series", 0), "web_url") {
			t.Errorf("1.0 embedded objects have later fields: %v", p0)
		}
		p1 := at(t, e.getOK("/api/1.1/patches/?project=test", ""), 0)
		if !has(p1, "web_url") || has(p1, "related") {
			t.Errorf("1.1 fields wrong: %v", p1)
		}
		// Unversioned URLs under /api/.
		if got := at(t, e.getOK("/api/patches/?project=test", ""), 0, "url"); got != e.url+"/api/patches/"+id+"/" {
			t.Errorf("unversioned url %v", got)
		}
	})
}

func TestPatchFilters(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		cases := []struct {
			query string
			want  []int64
		}{
			{"", []int64{f.p1.ID, f.p2.ID, f.p3.ID, f.p4.ID}},
			{"project=", []int64{f.p1.ID, f.p2.ID, f.p3.ID, f.p4.ID}},
			{"project=TEST", []int64{f.p1.ID, f.p2.ID, f.p3.ID}},
			{"project=" + itoa(f.proj2.ID), []int64{f.p4.ID}},
			{"project=test&project=other", []int64{f.p1.ID, f.p2.ID, f.p3.ID, f.p4.ID}},
			{"project=nope", nil},
			{"state=new", []int64{f.p1.ID, f.p4.ID}},
			{"state=under-review&state=accepted", []int64{f.p2.ID, f.p3.ID}},
			{"state=Under Review", []int64{f.p2.ID}},
			{"state=" + itoa(f.states["accepted"]), []int64{f.p3.ID}},
			{"state=bogus", nil},
			{"archived=true", []int64{f.p3.ID}},
			{"archived=False", []int64{f.p1.ID, f.p2.ID, f.p4.ID}},
			{"archived=maybe", []int64{f.p1.ID, f.p2.ID, f.p3.ID, f.p4.ID}},
			{"submitter=" + itoa(f.person.ID), []int64{f.p1.ID, f.p2.ID}},
			{"submitter=JANE@example.com", []int64{f.p1.ID, f.p2.ID}},
			{"submitter=nobody@example.com", nil},
			{"delegate=maint", []int64{f.p3.ID}},
			{"delegate=" + itoa(f.maint.ID), []int64{f.p3.ID}},
			{"delegate=nosuchuser", nil},
			{"series=" + itoa(f.series.ID), []int64{f.p1.ID, f.p2.ID}},
			{"series=abc", nil},
			{"hash=0123456789ABCDEF0123456789abcdef01234567", []int64{f.p1.ID}},
			{"msgid=p2@example.com", []int64{f.p2.ID}},
			{"msgid=<p2@example.com>", []int64{f.p2.ID}},
			{"since=2024-03-02", []int64{f.p2.ID, f.p3.ID, f.p4.ID}},
			{"before=2024-03-02T11:30:00", []int64{f.p1.ID}},
			{"since=2024-03-02T13:30:00+02:00", []int64{f.p2.ID, f.p3.ID, f.p4.ID}},
			{"since=2024-03-02 11:30:01Z", []int64{f.p3.ID}},
			{"since=yesterday", nil},
			{"q=frob", []int64{f.p1.ID, f.p2.ID}},
			{"q=frob,widget use", []int64{f.p2.ID}},
			{"q=state:accepted", []int64{f.p3.ID}},
			{"q=frob -state:new", []int64{f.p2.ID}},
			{"q=state:neverheard", nil},
			{"unknown=1", []int64{f.p1.ID, f.p2.ID, f.p3.ID, f.p4.ID}},
			{"order=-date", []int64{f.p3.ID, f.p2.ID, f.p4.ID, f.p1.ID}},
			{"series=" + itoa(f.series.ID) + "&order=-name", []int64{f.p2.ID, f.p1.ID}},
			{"order=state,id", []int64{f.p1.ID, f.p4.ID, f.p2.ID, f.p3.ID}},
			{"order=-id", []int64{f.p4.ID, f.p3.ID, f.p2.ID, f.p1.ID}},
			{"order=bogus", []int64{f.p1.ID, f.p2.ID, f.p3.ID, f.p4.ID}},
		}
		for _, c := range cases {
			r := e.get("/api/1.3/patches/?"+strings.ReplaceAll(c.query, " ", "%20"), "")
			if r.status != 200 {
				t.Fatalf("%s: %d %s", c.query, r.status, r.body)
			}
			got := ids(t, r.json(t))
			if len(got) != len(c.want) || (len(got) > 0 && itoaList(got) != itoaList(c.want)) {
				t.Errorf("?%s: %v, want %v", c.query, got, c.want)
			}
		}
		// hash and msgid are 1.2 filters: ignored before.
		eqIDs(t, ids(t, e.getOK("/api/1.1/patches/?project=test&hash=nomatch", "")), f.p1.ID, f.p2.ID, f.p3.ID)
		// Query language errors say why.
		if r := e.get("/api/1.3/patches/?q=state:neverheard", ""); r.header.Get("X-Patchwork-Query-Error") == "" {
			t.Errorf("no query error header")
		}
	})
}

func itoaList(v []int64) string {
	var b strings.Builder
	for _, x := range v {
		b.WriteString(itoa(x) + ",")
	}
	return b.String()
}

func TestPagination(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		base := e.url + "/api/1.3/patches/"
		r := e.get("/api/1.3/patches/?project=test&per_page=1&page=2", "")
		e.expect(r, 200, "")
		eqIDs(t, ids(t, r.json(t)), f.p2.ID)
		want := "<" + base + "?page=3&per_page=1&project=test>; rel=\"next\", <" + base + "?per_page=1&project=test>; rel=\"prev\", <" +
			base + "?page=1&per_page=1&project=test>; rel=\"first\", <" + base + "?page=3&per_page=1&project=test>; rel=\"last\""
		if got := r.header.Get("Link"); got != want {
			t.Errorf("Link\n%s\nwant\n%s", got, want)
		}
		r = e.get("/api/1.3/patches/?project=test&per_page=1", "")
		eqIDs(t, ids(t, r.json(t)), f.p1.ID)
		if got := r.header.Get("Link"); !strings.HasPrefix(got, "<"+base+"?page=2&per_page=1&project=test>; rel=\"next\", <"+base+"?page=1&") || strings.Contains(got, "prev") {
			t.Errorf("page 1 Link %s", got)
		}
		r = e.get("/api/1.3/patches/?project=test&per_page=1&page=last", "")
		eqIDs(t, ids(t, r.json(t)), f.p3.ID)
		if got := r.header.Get("Link"); strings.Contains(got, "next") || !strings.Contains(got, "?page=2&per_page=1&project=test>; rel=\"prev\"") {
			t.Errorf("last page Link %s", got)
		}
		e.expect(e.get("/api/1.3/patches/?project=test&per_page=1&page=4", ""), 404, `{"detail": "Invalid page."}`)
		e.expect(e.get("/api/1.3/patches/?page=0", ""), 404, `{"detail": "Invalid page."}`)
		e.expect(e.get("/api/1.3/patches/?page=x", ""), 404, `{"detail": "Invalid page."}`)
		// Empty results have one page; per_page 0/garbage = 30; repeated keys and encoding kept.
		r = e.get("/api/1.3/patches/?project=nope&per_page=0", "")
		e.expect(r, 200, "[]")
		if got := r.header.Get("Link"); got != "<"+e.url+"/api/1.3/patches/?page=1&per_page=0&project=nope>; rel=\"first\", <"+e.url+"/api/1.3/patches/?page=1&per_page=0&project=nope>; rel=\"last\"" {
			t.Errorf("empty Link %s", got)
		}
		r = e.get("/api/1.3/patches/?state=new&state=accepted&per_page=1&q="+url.QueryEscape("a,b"), "")
		if got := r.header.Get("Link"); got != "<"+e.url+"/api/1.3/patches/?page=1&per_page=1&q=a%2Cb&state=new&state=accepted>; rel=\"first\", <"+e.url+"/api/1.3/patches/?page=1&per_page=1&q=a%2Cb&state=new&state=accepted>; rel=\"last\"" {
			t.Errorf("encoded Link %s", got)
		}
		if n := len(list(t, e.getOK("/api/1.3/patches/?per_page=abc", ""))); n != 4 {
			t.Errorf("per_page=abc gave %d", n)
		}
	})
}

func TestPatchDetail(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		d := e.getOK("/api/1.3/patches/"+itoa(f.p1.ID)+"/", "")
		for _, k := range []string{"headers", "content", "diff", "prefixes", "related"} {
			if !has(d, k) {
				t.Errorf("detail lacks %q", k)
			}
		}
		if got := at(t, d, "headers", "Subject"); got != "[PATCH v2 1/2] frob:\n add widget" {
			t.Errorf("folded Subject %q", got)
		}
		if got := at(t, d, "headers", "Received"); len(list(t, got)) != 2 {
			t.Errorf("repeated header %v", got)
		}
		if got := at(t, d, "content"); got != "Adds a widget.\n\nSigned-off-by: Jane Doe <jane@example.com>" {
			t.Errorf("content %q", got)
		}
		if got := at(t, d, "diff"); got != f.p1.Diff {
			t.Errorf("diff %q", got)
		}
		if got := at(t, d, "prefixes"); len(list(t, got)) != 2 || list(t, got)[0] != "v2" || list(t, got)[1] != "1/2" {
			t.Errorf("prefixes %v", got)
		}
		if got := at(t, e.getOK("/api/1.3/patches/"+itoa(f.p2.ID)+"/", ""), "content"); got != nil {
			t.Errorf("empty content = %v, want null", got)
		}
		d3 := e.getOK("/api/1.3/patches/"+itoa(f.p3.ID)+"/", "")
		if at(t, d3, "commit_ref") != "deadbeef" || at(t, d3, "archived") != true || at(t, d3, "state") != "accepted" {
			t.Errorf("p3 detail %v", d3)
		}
		if got := at(t, d3, "series"); len(list(t, got)) != 0 {
			t.Errorf("no series = %v", got)
		}
	})
}

package rest_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

const stateList = "new, under-review, accepted, rejected, rfc, not-applicable, changes-requested, awaiting-upstream, superseded, deferred"

func TestPatchUpdate(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		ctx := context.Background()
		path := "/api/1.3/patches/" + itoa(f.p1.ID) + "/"
		maint := tokenAuth(f.tokMaint)

		// git-pw: form body, Python booleans, field order commit_ref, state, archived, delegate.
		r := e.form("PATCH", path, maint, "commit_ref=8aad18&state=changes-requested&archived=True&delegate="+itoa(f.maint.ID))
		e.expect(r, 200, "")
		d := r.json(t)
		if at(t, d, "state") != "changes-requested" || at(t, d, "archived") != true || at(t, d, "commit_ref") != "8aad18" ||
			at(t, d, "delegate", "username") != "maint" || !has(d, "diff") {
			t.Fatalf("after update: %s", r.body)
		}
		// pwclient: JSON with boolean strings.
		r = e.jsonReq("PATCH", path, maint, `{"state": "under-review", "archived": "no"}`)
		e.expect(r, 200, "")
		if at(t, r.json(t), "state") != "under-review" || at(t, r.json(t), "archived") != false {
			t.Fatalf("after JSON update: %s", r.body)
		}
		// Human spelling is slugified.
		e.expect(e.jsonReq("PATCH", path, maint, `{"state": "Not Applicable"}`), 200, "")
		// Events recorded with the actor.
		evs, err := s.ListEvents(ctx, store.EventQuery{PatchID: f.p1.ID, Categories: []string{store.EventPatchStateChanged}})
		must(t, err)
		if len(evs) != 3 || evs[0].ActorID != f.maint.ID {
			t.Errorf("state events %+v", evs)
		}
		evs, err = s.ListEvents(ctx, store.EventQuery{PatchID: f.p1.ID, Categories: []string{store.EventPatchDelegated}})
		must(t, err)
		if len(evs) != 1 {
			t.Errorf("delegate events %+v", evs)
		}

		// Validation errors, verbatim.
		e.expect(e.form("PATCH", path, maint, "state=bogus%20state"), 400, `{"state": ["Invalid state bogus-state. Expected one of: `+stateList+`."]}`)
		e.expect(e.jsonReq("PATCH", path, maint, `{"state": 3}`), 400, `{"state": ["Incorrect type. Expected string value, received int."]}`)
		e.expect(e.form("PATCH", path, maint, "archived=maybe"), 400, `{"archived": ["Must be a valid boolean."]}`)
		e.expect(e.form("PATCH", path, maint, "delegate=99999"), 400, `{"delegate": ["Invalid pk \"99999\" - object does not exist."]}`)
		e.expect(e.form("PATCH", path, maint, "delegate=abc"), 400, `{"delegate": ["Incorrect type. Expected pk value, received str."]}`)
		e.expect(e.form("PATCH", path, maint, "delegate="+itoa(f.stranger.ID)), 400, `{"delegate": ["User 'stranger' is not a maintainer for project 'Test Project'"]}`)
		e.expect(e.form("PUT", path, maint, "archived=false"), 400, `{"state": ["This field is required."], "delegate": ["This field is required."]}`)
		e.expect(e.req("PATCH", path, maint, "text/plain", "state=new"), 415, `{"detail": "Unsupported media type \"text/plain\" in request."}`)
		r = e.jsonReq("PATCH", path, maint, `{"state": `)
		if r.status != 400 || !strings.Contains(string(r.body), `"JSON parse error - `) {
			t.Errorf("bad JSON: %d %s", r.status, r.body)
		}
		// Clearing the delegate; PUT with both required fields.
		r = e.jsonReq("PUT", path, maint, `{"state": "new", "delegate": null}`)
		e.expect(r, 200, "")
		if at(t, r.json(t), "delegate") != nil {
			t.Errorf("delegate not cleared: %s", r.body)
		}
		// Nothing changed by the failed requests.
		p, err := s.GetPatch(ctx, f.p1.ID)
		must(t, err)
		if p.StateID != f.states["new"] || p.DelegateID != 0 {
			t.Errorf("patch after failures: %+v", p)
		}

		// Permissions: submitter's linked user may; stranger may not; anonymous told to log in.
		e.expect(e.form("PATCH", path, tokenAuth(f.tokSub), "state=rfc"), 200, "")
		e.expect(e.form("PATCH", path, basic("jane", password), "state=rfc"), 200, "")
		e.expect(e.form("PATCH", path, tokenAuth(f.tokStranger), "state=rfc"), 403, `{"detail": "You do not have permission to perform this action."}`)
		e.expect(e.form("PATCH", path, "", "state=rfc"), 403, `{"detail": "Authentication credentials were not provided."}`)
		e.expect(e.form("PATCH", "/api/1.3/patches/999999/", maint, "state=rfc"), 404, `{"detail": "Not found."}`)
		// The delegate may edit.
		must(t, s.AddMaintainer(ctx, f.proj2.ID, f.stranger.ID))
		e.expect(e.form("PATCH", "/api/1.3/patches/"+itoa(f.p4.ID)+"/", tokenAuth(f.tokStranger), "delegate="+itoa(f.stranger.ID)), 200, "")

		// pull_url is saved (1.0 on), shown in the answer, the detail and
		// the list; null clears it; a refused request leaves it alone.
		pull := "git://git.example.com/frob.git widgets-v2"
		pullURL := func() string {
			p, err := s.GetPatch(ctx, f.p1.ID)
			must(t, err)
			return p.PullURL
		}
		r = e.form("PATCH", "/api/1.0/patches/"+itoa(f.p1.ID)+"/", maint, "pull_url="+url.QueryEscape(pull))
		e.expect(r, 200, "")
		if at(t, r.json(t), "pull_url") != pull || pullURL() != pull {
			t.Errorf("pull_url not saved: answer %v, store %q", at(t, r.json(t), "pull_url"), pullURL())
		}
		if got := at(t, e.getOK(path, ""), "pull_url"); got != pull {
			t.Errorf("detail pull_url %v", got)
		}
		if got := at(t, e.getOK("/api/1.3/patches/?project=test&order=id", ""), 0, "pull_url"); got != pull {
			t.Errorf("list pull_url %v", got)
		}
		e.expect(e.form("PATCH", path, maint, "pull_url="+strings.Repeat("u", 256)), 400, `{"pull_url": ["Ensure this field has no more than 255 characters."]}`)
		e.expect(e.jsonReq("PATCH", path, tokenAuth(f.tokStranger), `{"pull_url": "git://evil"}`), 403, "")
		e.expect(e.jsonReq("PATCH", path, "", `{"pull_url": "git://evil"}`), 403, "")
		if got := pullURL(); got != pull {
			t.Errorf("refused requests changed pull_url to %q", got)
		}
		r = e.jsonReq("PUT", path, maint, `{"state": "new", "delegate": null, "pull_url": "https://git.example.com/frob.git"}`)
		e.expect(r, 200, "")
		if pullURL() != "https://git.example.com/frob.git" {
			t.Errorf("PUT pull_url: store %q", pullURL())
		}
		r = e.jsonReq("PATCH", path, maint, `{"pull_url": null}`)
		e.expect(r, 200, "")
		if at(t, r.json(t), "pull_url") != nil || pullURL() != "" {
			t.Errorf("pull_url not cleared: answer %v, store %q", at(t, r.json(t), "pull_url"), pullURL())
		}
	})
}

func TestPatchRelations(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		maint := tokenAuth(f.tokMaint)
		p1 := "/api/1.3/patches/" + itoa(f.p1.ID) + "/"
		r := e.jsonReq("PATCH", p1, maint, `{"related": [`+itoa(f.p2.ID)+`]}`)
		e.expect(r, 200, "")
		eqIDs(t, ids(t, at(t, r.json(t), "related")), f.p2.ID)
		eqIDs(t, ids(t, at(t, e.getOK("/api/1.3/patches/"+itoa(f.p2.ID)+"/", ""), "related")), f.p1.ID)
		// Adding joins the existing relation (form: repeated key).
		r = e.form("PATCH", p1, maint, "related="+itoa(f.p3.ID))
		e.expect(r, 200, "")
		eqIDs(t, ids(t, at(t, r.json(t), "related")), f.p2.ID, f.p3.ID)
		// In the list too (one query per relation).
		l := e.getOK("/api/1.3/patches/?project=test", "")
		eqIDs(t, ids(t, at(t, l, 2, "related")), f.p1.ID, f.p2.ID)
		// Not shown before 1.2.
		if has(at(t, e.getOK("/api/1.1/patches/"+itoa(f.p1.ID)+"/", ""), nil...), "related") {
			t.Errorf("related in 1.1")
		}
		// A patch of a project the requester does not maintain.
		e.expect(e.jsonReq("PATCH", p1, maint, `{"related": [`+itoa(f.p4.ID)+`]}`), 403,
			`{"detail": "At least one patch is part of a project you are not maintaining."}`)
		e.expect(e.jsonReq("PATCH", p1, maint, `{"related": [999999]}`), 400, `{"related": ["Invalid pk \"999999\" - object does not exist."]}`)
		// [] removes this patch.
		r = e.jsonReq("PATCH", p1, maint, `{"related": []}`)
		e.expect(r, 200, "")
		eqIDs(t, ids(t, at(t, r.json(t), "related")))
		eqIDs(t, ids(t, at(t, e.getOK("/api/1.3/patches/"+itoa(f.p2.ID)+"/", ""), "related")), f.p3.ID)
		// Merging two relations is a conflict: p1+p4 (as admin of both) vs p2+p3.
		ctx := context.Background()
		must(t, s.AddMaintainer(ctx, f.proj2.ID, f.maint.ID))
		e.expect(e.jsonReq("PATCH", p1, maint, `{"related": [`+itoa(f.p4.ID)+`]}`), 200, "")
		e.expect(e.jsonReq("PATCH", p1, maint, `{"related": [`+itoa(f.p2.ID)+`]}`), 409,
			`{"detail": "At least one patch is already part of another relation. You have to explicitly remove a patch from its existing relation before moving it to this one."}`)
	})
}

func TestChecks(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		base := "/api/1.3/patches/" + itoa(f.p1.ID) + "/checks/"
		l := e.getOK(base, "")
		eqIDs(t, ids(t, l), f.check.ID)
		c := at(t, l, 0)
		if at(t, c, "url") != e.url+base+itoa(f.check.ID)+"/" || at(t, c, "user", "username") != "maint" ||
			at(t, c, "state") != "success" || at(t, c, "context") != "build" || at(t, c, "date") != "2024-03-02T11:30:00" {
			t.Errorf("check %v", c)
		}
		e.expect(e.get(base+itoa(f.check.ID)+"/", ""), 200, "")
		e.expect(e.get("/api/1.3/patches/"+itoa(f.p2.ID)+"/checks/"+itoa(f.check.ID)+"/", ""), 404, `{"detail": "Not found."}`)
		e.expect(e.get("/api/1.3/patches/999999/checks/", ""), 404, `{"detail": "Not found."}`)

		// Create (pwclient JSON); user in body ignored.
		r := e.jsonReq("POST", base, tokenAuth(f.tokSub), `{"context": "ci-lint", "state": "fail", "target_url": "", "description": "", "user": `+itoa(f.maint.ID)+`}`)
		e.expect(r, 201, "")
		nc := r.json(t)
		if at(t, nc, "user", "username") != "jane" || at(t, nc, "state") != "fail" || r.header.Get("Location") != at(t, nc, "url") {
			t.Errorf("created %s (Location %q)", r.body, r.header.Get("Location"))
		}
		// Form create, state by number, default context.
		r = e.form("POST", base, tokenAuth(f.tokMaint), "state=2&target_url=https://ci.example.com/x")
		e.expect(r, 201, "")
		if at(t, r.json(t), "context") != "default" || at(t, r.json(t), "state") != "warning" {
			t.Errorf("form check %s", r.body)
		}
		// Combined state now fail.
		if got := at(t, e.getOK("/api/1.3/patches/"+itoa(f.p1.ID)+"/", ""), "check"); got != "fail" {
			t.Errorf("combined %v", got)
		}
		// Errors.
		e.expect(e.form("POST", base, tokenAuth(f.tokMaint), "context=x"), 400, `{"state": ["A check must have a state."]}`)
		e.expect(e.form("POST", base, tokenAuth(f.tokMaint), "state=bogus"), 400, `{"state": ["\"bogus\" is not a valid choice."]}`)
		e.expect(e.form("POST", base, tokenAuth(f.tokMaint), "state=success&context=ci/build"), 400,
			`{"context": ["Enter a valid \"slug\" consisting of letters, numbers, underscores or hyphens."]}`)
		e.expect(e.form("POST", base, tokenAuth(f.tokMaint), "state=success&target_url=notaurl"), 400, `{"target_url": ["Enter a valid URL."]}`)
		e.expect(e.form("POST", base, "", "state=success"), 403, `{"detail": "You do not have permission to perform this action."}`)
		e.expect(e.form("POST", base, tokenAuth(f.tokStranger), "state=success"), 403, `{"detail": "You do not have permission to perform this action."}`)
		// Filters.
		eqIDs(t, ids(t, e.getOK(base+"?user=jane", "")), int64(at(t, nc, "id").(float64)))
		eqIDs(t, ids(t, e.getOK(base+"?state=success", "")), f.check.ID)
		eqIDs(t, ids(t, e.getOK(base+"?state=1", "")), f.check.ID)
		eqIDs(t, ids(t, e.getOK(base+"?context=build", "")), f.check.ID)
		eqIDs(t, ids(t, e.getOK(base+"?state=bogus", "")))
		if n := len(list(t, e.getOK(base+"?order=-id", ""))); n != 3 {
			t.Errorf("%d checks", n)
		}
		// check-created event with the requester as actor.
		evs, err := s.ListEvents(context.Background(), store.EventQuery{PatchID: f.p1.ID, Categories: []string{store.EventCheckCreated}})
		must(t, err)
		if len(evs) < 3 {
			t.Errorf("check events %+v", evs)
		}
	})
}

func TestBodies(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		ctx := context.Background()
		path := "/api/1.3/patches/" + itoa(f.p1.ID) + "/"
		maint := tokenAuth(f.tokMaint)
		archived := func() bool {
			t.Helper()
			p, err := s.GetPatch(ctx, f.p1.ID)
			must(t, err)
			return p.Archived
		}
		// Every accepted spelling of a boolean, form and JSON.
		for _, c := range []struct {
			body string
			want bool
		}{
			{"archived=True", true}, {"archived=False", false}, {"archived=yes", true}, {"archived=NO", false},
			{"archived=On", true}, {"archived=off", false}, {"archived=t", true}, {"archived=F", false},
			{"archived=1", true}, {"archived=0", false}, {"archived=Y", true}, {"archived=n", false},
		} {
			e.expect(e.form("PATCH", path, maint, c.body), 200, "")
			if archived() != c.want {
				t.Errorf("%s: archived=%v", c.body, !c.want)
			}
		}
		for _, c := range []struct {
			body string
			want bool
		}{
			{`{"archived": true}`, true}, {`{"archived": false}`, false}, {`{"archived": 1}`, true},
			{`{"archived": 0}`, false}, {`{"archived": "TRUE"}`, true}, {`{"archived": "no"}`, false},
		} {
			e.expect(e.jsonReq("PATCH", path, maint, c.body), 200, "")
			if archived() != c.want {
				t.Errorf("%s: archived=%v", c.body, !c.want)
			}
		}
		for _, bad := range []string{`{"archived": "tRUE"}`, `{"archived": 2}`, `{"archived": null}`, `{"archived": "maybe"}`} {
			e.expect(e.jsonReq("PATCH", path, maint, bad), 400, `{"archived": ["Must be a valid boolean."]}`)
		}
		// multipart/form-data.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		must(t, mw.WriteField("state", "rfc"))
		must(t, mw.WriteField("archived", "True"))
		must(t, mw.Close())
		r := e.req("PATCH", path, maint, mw.FormDataContentType(), buf.String())
		e.expect(r, 200, "")
		if at(t, r.json(t), "state") != "rfc" || at(t, r.json(t), "archived") != true {
			t.Errorf("multipart: %s", r.body)
		}
		// Read-only and unknown fields are ignored.
		r = e.jsonReq("PATCH", path, maint, `{"name": "renamed", "msgid": "<x>", "bogus": 1, "commit_ref": ""}`)
		e.expect(r, 200, "")
		if at(t, r.json(t), "name") != "[v2,1/2] frob: add widget" {
			t.Errorf("read-only name changed: %s", r.body)
		}
		// A JSON body that is not an object.
		e.expect(e.jsonReq("PATCH", path, maint, `[1, 2]`), 400, `{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}`)
		e.expect(e.req("PATCH", path, maint, "application/xml", "<x/>"), 415, `{"detail": "Unsupported media type \"application/xml\" in request."}`)
		// commit_ref length.
		e.expect(e.form("PATCH", path, maint, "commit_ref="+strings.Repeat("a", 256)), 400, `{"commit_ref": ["Ensure this field has no more than 255 characters."]}`)
		// An empty body changes nothing and answers the patch.
		e.expect(e.req("PATCH", path, maint, "", ""), 200, "")
	})
}

func TestListPagingEverywhere(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		tok := tokenAuth(f.tokSub)
		// Every list honours per_page and page and sends Link.
		for _, p := range []string{"projects/", "people/", "users/", "patches/", "covers/", "series/", "bundles/", "events/",
			"patches/" + itoa(f.p1.ID) + "/checks/", "patches/" + itoa(f.p1.ID) + "/comments/", "covers/" + itoa(f.cover.ID) + "/comments/"} {
			path := "/api/1.3/" + p + "?per_page=1"
			r := e.get(path, tok)
			if r.status != 200 {
				t.Errorf("%s: %d %s", path, r.status, r.body)
				continue
			}
			link := r.header.Get("Link")
			if n := len(list(t, r.json(t))); n > 1 {
				t.Errorf("%s: %d items on a page of 1", path, n)
			}
			if !strings.Contains(link, `?page=1&per_page=1>; rel="first", <`) || !strings.HasSuffix(link, `>; rel="last"`) {
				t.Errorf("%s: Link %s", path, link)
			}
			e.expect(e.get("/api/1.3/"+p+"?page=99", tok), 404, `{"detail": "Invalid page."}`)
		}
		// per_page above 250 is clamped.
		ctx := context.Background()
		for i := 0; i < 260; i++ {
			// Linked: people/ lists only senders and linked people.
			addr := "p" + itoa(int64(i)) + "@example.net"
			_, err := s.UpsertPerson(ctx, addr, "", false)
			must(t, err)
			must(t, s.LinkPerson(ctx, addr, f.stranger.ID))
		}
		r := e.getRaw("/api/1.3/people/?per_page=1000", tok)
		if n := len(list(t, r.json(t))); n != 250 {
			t.Errorf("per_page=1000 gave %d", n)
		}
		if link := r.header.Get("Link"); !strings.HasPrefix(link, "<"+e.url+"/api/1.3/people/?page=2&per_page=1000>; rel=\"next\"") {
			t.Errorf("clamped Link %s", link)
		}
		if n := len(list(t, e.getOK("/api/1.3/people/?per_page=-5", tok))); n != 30 {
			t.Errorf("per_page=-5 gave %d", n)
		}
		// page=last with HEAD.
		r = e.req("HEAD", "/api/1.3/people/?page=last", tok, "", "")
		if r.status != 200 || len(r.body) != 0 || strings.Contains(r.header.Get("Link"), "next") {
			t.Errorf("HEAD last: %d %q %s", r.status, r.body, r.header.Get("Link"))
		}
	})
}

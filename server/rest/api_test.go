package rest_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

func TestIndexAndRouting(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		idx := e.getOK("/api/1.3/", "")
		if got := at(t, idx, "patches"); got != e.url+"/api/1.3/patches/" {
			t.Errorf("1.3 patches URL %v", got)
		}
		if got := at(t, e.getOK("/api/", ""), "bundles"); got != e.url+"/api/bundles/" {
			t.Errorf("unversioned bundles URL %v", got)
		}
		r := e.get("/api/1.3/", "")
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
		if want := `{"projects": "` + e.url + `/api/1.3/projects/", "users": "` + e.url + `/api/1.3/users/", "people": "` +
			e.url + `/api/1.3/people/", "patches": "` + e.url + `/api/1.3/patches/", "covers": "` + e.url + `/api/1.3/covers/", "series": "` +
			e.url + `/api/1.3/series/", "events": "` + e.url + `/api/1.3/events/", "bundles": "` + e.url + `/api/1.3/bundles/"}`; string(r.body) != want {
			t.Errorf("index body (key order)\n%s\nwant\n%s", r.body, want)
		}
		e.expect(e.get("/api/1.5/", ""), 404, `{"detail": "Not found."}`)
		e.expect(e.get("/api/2.0/patches/", ""), 404, `{"detail": "Not found."}`)
		e.expect(e.get("/api/1.3/nope/", ""), 404, `{"detail": "Not found."}`)
		e.expect(e.get("/api/1.3/patches/999999/", ""), 404, `{"detail": "Not found."}`)
		e.expect(e.get("/api/1.3/patches/abc/", ""), 404, `{"detail": "Not found."}`)
		// Missing trailing slash: GET redirects, writes are served.
		r = e.get("/api/1.3/patches?project=test", "")
		if r.status != 301 || r.header.Get("Location") != "/api/1.3/patches/?project=test" {
			t.Errorf("redirect: %d %q", r.status, r.header.Get("Location"))
		}
		r = e.form("PATCH", "/api/1.3/patches/"+itoa(e.f.p1.ID), tokenAuth(e.f.tokMaint), "archived=True")
		e.expect(r, 200, "")
		if at(t, r.json(t), "archived") != true {
			t.Errorf("write without slash not applied: %s", r.body)
		}
		// Methods.
		e.expect(e.req("POST", "/api/1.3/patches/", tokenAuth(e.f.tokMaint), "", ""), 405, `{"detail": "Method \"POST\" not allowed."}`)
		e.expect(e.req("DELETE", "/api/1.3/patches/"+itoa(e.f.p1.ID)+"/", "", "", ""), 405, `{"detail": "Method \"DELETE\" not allowed."}`)
		r = e.req("HEAD", "/api/1.3/patches/", "", "", "")
		if r.status != 200 || len(r.body) != 0 || r.header.Get("Link") == "" {
			t.Errorf("HEAD: %d %q link %q", r.status, r.body, r.header.Get("Link"))
		}
		// Version gates: comments from 1.1, comment detail from 1.3.
		e.expect(e.get("/api/1.0/patches/"+itoa(e.f.p1.ID)+"/comments/", ""), 404, "")
		e.expect(e.get("/api/1.1/patches/"+itoa(e.f.p1.ID)+"/comments/", ""), 200, "")
		e.expect(e.get("/api/1.2/patches/"+itoa(e.f.p1.ID)+"/comments/"+itoa(e.f.patchComment.ID)+"/", ""), 404, "")
		e.expect(e.get("/api/1.3/patches/"+itoa(e.f.p1.ID)+"/comments/"+itoa(e.f.patchComment.ID)+"/", ""), 200, "")
	})
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		cases := []struct {
			auth, want string
		}{
			{"Token " + strings.Repeat("f", 40), "Invalid token."},
			{"Token", "Invalid token header. No credentials provided."},
			{"Token a b", "Invalid token header. Token string should not contain spaces."},
			{"token " + strings.Repeat("f", 40), "Invalid token."},
			{"Basic", "Invalid basic header. No credentials provided."},
			{"Basic a b", "Invalid basic header. Credentials string should not contain spaces."},
			{"Basic !!!notbase64", "Invalid basic header. Credentials not correctly base64 encoded."},
			{basic("maint", "wrong"), "Invalid username/password."},
			{basic("nobody", password), "Invalid username/password."},
			{"Basic " + base64.StdEncoding.EncodeToString([]byte("maint")), "Invalid username/password."},
			{tokenAuth(e.f.tokInactive), "User inactive or deleted."},
			{basic("gone", password), "User inactive or deleted."},
		}
		for _, c := range cases {
			// A bad credential fails even a public GET.
			e.expect(e.get("/api/1.3/projects/", c.auth), 403, `{"detail": "`+c.want+`"}`)
		}
		// Other schemes are anonymous.
		e.expect(e.get("/api/1.3/projects/", "Bearer xyz"), 200, "")
		// Valid credentials.
		e.expect(e.get("/api/1.3/people/", tokenAuth(e.f.tokMaint)), 200, "")
		e.expect(e.get("/api/1.3/people/", basic("maint", password)), 200, "")
		// Login required.
		for _, p := range []string{"/api/1.3/people/", "/api/1.3/users/", "/api/1.3/people/" + itoa(e.f.person.ID) + "/", "/api/1.3/users/" + itoa(e.f.maint.ID) + "/"} {
			e.expect(e.get(p, ""), 403, `{"detail": "Authentication credentials were not provided."}`)
		}
		// Anonymous and unauthorised writes.
		p := "/api/1.3/patches/" + itoa(e.f.p1.ID) + "/"
		e.expect(e.form("PATCH", p, "", "state=accepted"), 403, `{"detail": "Authentication credentials were not provided."}`)
		e.expect(e.form("PATCH", p, tokenAuth(e.f.tokStranger), "state=accepted"), 403, `{"detail": "You do not have permission to perform this action."}`)
	})
}

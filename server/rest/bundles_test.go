package rest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

func TestBundleRead(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		jane, stranger := tokenAuth(f.tokSub), tokenAuth(f.tokStranger)
		pub, priv := f.bundlePub.ID, f.bundlePriv.ID

		// Visibility: public ones, plus one's own.
		e.listIDs("/api/1.3/bundles/", "", pub)
		e.listIDs("/api/1.3/bundles/", stranger, pub)
		e.listIDs("/api/1.3/bundles/", jane, pub, priv)
		e.expect(e.get("/api/1.3/bundles/"+itoa(priv)+"/", ""), 404, `{"detail": "Not found."}`)
		e.expect(e.get("/api/1.3/bundles/"+itoa(priv)+"/", stranger), 404, `{"detail": "Not found."}`)
		e.expect(e.get("/api/1.3/bundles/"+itoa(priv)+"/", jane), 200, "")
		e.expect(e.get("/api/1.3/bundles/999999/", jane), 404, `{"detail": "Not found."}`)

		r := e.getRaw("/api/1.3/bundles/"+itoa(pub)+"/", "")
		eqKeys(t, "1.3 bundle", r.body, "id", "url", "web_url", "project", "name", "owner", "patches", "public", "mbox")
		eqKeys(t, "1.0 bundle", e.getRaw("/api/1.0/bundles/", "").body, "id", "url", "project", "name", "owner", "patches", "public", "mbox")
		b := r.json(t)
		want := map[string]any{
			"url": e.url + "/api/1.3/bundles/" + itoa(pub) + "/", "web_url": e.url + "/bundle/jane/pub/",
			"mbox": e.url + "/bundle/jane/pub/mbox/", "name": "pub", "public": true,
		}
		for k, v := range want {
			if got := at(t, b, k); got != v {
				t.Errorf("bundle %s = %#v, want %#v", k, got, v)
			}
		}
		if at(t, b, "owner", "username") != "jane" || at(t, b, "project", "link_name") != "test" {
			t.Errorf("bundle %v", b)
		}
		// Patches by date, not bundle order.
		eqIDs(t, ids(t, at(t, b, "patches")), f.p1.ID, f.p2.ID)

		for _, c := range []struct {
			q    string
			want []int64
		}{
			{"owner=jane", []int64{pub, priv}},
			{"owner=JANE", []int64{pub, priv}},
			{"owner=" + itoa(f.sub.ID), []int64{pub, priv}},
			{"owner=maint", nil},
			{"owner=nobody", nil},
			{"public=false", []int64{priv}},
			{"public=TRUE", []int64{pub}},
			{"public=whatever", []int64{pub, priv}},
			{"project=test", []int64{pub, priv}},
			{"project=other", nil},
			{"q=pu", []int64{pub}},
			{"q=p", []int64{pub, priv}},
			{"q=zzz", nil},
			{"order=-name", []int64{pub, priv}},
			{"order=name", []int64{priv, pub}},
			// git-pw bundle list / bundle show NAME.
			{"owner=jane&q=priv&order=name&project=test", []int64{priv}},
			{"q=pub&project=test", []int64{pub}},
		} {
			e.listIDs("/api/1.3/bundles/?"+c.q, jane, c.want...)
		}
	})
}

func TestBundleWrite(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		ctx := context.Background()
		jane, stranger := tokenAuth(f.tokSub), tokenAuth(f.tokStranger)
		p1, p2, p3, p4 := itoa(f.p1.ID), itoa(f.p2.ID), itoa(f.p3.ID), itoa(f.p4.ID)

		// Writes exist from 1.2 only; checked before anything else.
		for _, v := range []string{"1.0", "1.1"} {
			e.expect(e.form("POST", "/api/"+v+"/bundles/", "", "name=x"), 405, `{"detail": "Method \"POST\" not allowed."}`)
			e.expect(e.form("PATCH", "/api/"+v+"/bundles/"+itoa(f.bundlePub.ID)+"/", jane, "name=x"), 405, `{"detail": "Method \"PATCH\" not allowed."}`)
			e.expect(e.req("DELETE", "/api/"+v+"/bundles/"+itoa(f.bundlePub.ID)+"/", jane, "", ""), 405, `{"detail": "Method \"DELETE\" not allowed."}`)
		}

		// Create: git-pw's form body.
		e.expect(e.form("POST", "/api/1.2/bundles/", "", "name=x&patches="+p1), 403, `{"detail": "Authentication credentials were not provided."}`)
		r := e.form("POST", "/api/1.2/bundles/", stranger, "name=exercise-bundle&patches="+p2+"&patches="+p1+"&patches="+p2+"&public=True")
		e.expect(r, 201, "")
		nb := r.json(t)
		id := int64(at(t, nb, "id").(float64))
		if r.header.Get("Location") != e.url+"/api/1.2/bundles/"+itoa(id)+"/" || at(t, nb, "owner", "username") != "stranger" ||
			at(t, nb, "public") != true || at(t, nb, "name") != "exercise-bundle" || at(t, nb, "project", "id") != float64(f.proj.ID) {
			t.Errorf("created %s (Location %q)", r.body, r.header.Get("Location"))
		}
		order, err := s.BundlePatchIDs(ctx, id)
		must(t, err)
		if itoaList(order) != itoaList([]int64{f.p2.ID, f.p1.ID}) {
			t.Errorf("bundle order %v", order)
		}
		// JSON body, private by default.
		r = e.jsonReq("POST", "/api/1.3/bundles/", stranger, `{"name": "json one", "patches": [`+p4+`]}`)
		e.expect(r, 201, "")
		if at(t, r.json(t), "public") != false || at(t, r.json(t), "project", "link_name") != "other" {
			t.Errorf("JSON create %s", r.body)
		}

		for _, c := range []struct{ body, want string }{
			{"patches=" + p1, `{"name": ["This field is required."]}`},
			{"name=&patches=" + p1, `{"name": ["This field may not be blank."]}`},
			{"name=%20%20&patches=" + p1, `{"name": ["This field may not be blank."]}`},
			{"name=" + strings.Repeat("n", 51) + "&patches=" + p1, `{"name": ["Ensure this field has no more than 50 characters."]}`},
			{"name=a/b&patches=" + p1, `{"name": ["Bundle names can't contain slashes."]}`},
			{"name=x", `{"patches": ["This field is required."]}`},
			{"name=x&patches=" + p1 + "&patches=" + p4, `{"patches": ["Bundle patches must belong to the same project"]}`},
			{"name=x&patches=999999", `{"patches": ["Invalid pk \"999999\" - object does not exist."]}`},
			{"name=x&patches=abc", `{"patches": ["Incorrect type. Expected pk value, received str."]}`},
			{"name=exercise-bundle&patches=" + p1, `{"name": ["A bundle with this name already exists."]}`},
			{"name=x&patches=" + p1 + "&public=perhaps", `{"public": ["Must be a valid boolean."]}`},
		} {
			e.expect(e.form("POST", "/api/1.2/bundles/", stranger, c.body), 400, c.want)
		}
		e.expect(e.jsonReq("POST", "/api/1.2/bundles/", stranger, `{"name": "x", "patches": []}`), 400, `{"patches": ["Bundles cannot be empty"]}`)
		// Another owner may reuse a name.
		e.expect(e.form("POST", "/api/1.2/bundles/", jane, "name=exercise-bundle&patches="+p3), 201, "")

		// Update by the owner: git-pw bundle add sends new ids then the old ones.
		path := "/api/1.2/bundles/" + itoa(id) + "/"
		r = e.form("PATCH", path, stranger, "patches="+p3+"&patches="+p2+"&patches="+p1)
		e.expect(r, 200, "")
		eqIDs(t, ids(t, at(t, r.json(t), "patches")), f.p1.ID, f.p2.ID, f.p3.ID)
		order, err = s.BundlePatchIDs(ctx, id)
		must(t, err)
		if itoaList(order) != itoaList([]int64{f.p3.ID, f.p2.ID, f.p1.ID}) {
			t.Errorf("bundle order after add %v", order)
		}
		// bundle update --name N --private.
		r = e.form("PATCH", path, stranger, "name=renamed&public=False")
		e.expect(r, 200, "")
		if at(t, r.json(t), "name") != "renamed" || at(t, r.json(t), "public") != false || at(t, r.json(t), "web_url") != e.url+"/bundle/stranger/renamed/" {
			t.Errorf("after rename %s", r.body)
		}
		// Replacing the patches moves the bundle to their project.
		r = e.jsonReq("PUT", path, stranger, `{"patches": [`+p4+`]}`)
		e.expect(r, 200, "")
		if at(t, r.json(t), "project", "link_name") != "other" {
			t.Errorf("project not reset: %s", r.body)
		}
		e.expect(e.jsonReq("PATCH", path, stranger, `{"patches": []}`), 400, `{"patches": ["Bundles cannot be empty"]}`)
		e.expect(e.form("PATCH", path, stranger, "name=json%20one"), 400, `{"name": ["A bundle with this name already exists."]}`)
		// Keeping its own name is fine.
		e.expect(e.form("PATCH", path, stranger, "name=renamed"), 200, "")

		// Someone else's bundles: private → 404, public → 403.
		e.expect(e.form("PATCH", path, jane, "name=mine"), 404, `{"detail": "Not found."}`)
		pub := "/api/1.2/bundles/" + itoa(f.bundlePub.ID) + "/"
		e.expect(e.form("PATCH", pub, stranger, "name=mine"), 403, `{"detail": "You do not have permission to perform this action."}`)
		e.expect(e.form("PATCH", pub, "", "name=mine"), 403, `{"detail": "Authentication credentials were not provided."}`)
		e.expect(e.req("DELETE", pub, stranger, "", ""), 403, `{"detail": "You do not have permission to perform this action."}`)
		e.expect(e.req("DELETE", "/api/1.2/bundles/"+itoa(f.bundlePriv.ID)+"/", stranger, "", ""), 404, `{"detail": "Not found."}`)

		// Delete.
		r = e.req("DELETE", path, stranger, "", "")
		if r.status != 204 || len(r.body) != 0 {
			t.Errorf("delete: %d %q", r.status, r.body)
		}
		e.expect(e.get(path, stranger), 404, `{"detail": "Not found."}`)
		if _, err := s.GetBundle(ctx, id); err == nil {
			t.Errorf("bundle still stored")
		}
	})
}

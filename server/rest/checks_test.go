package rest_test

import (
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// A check's target URL and description read back as sent: "" as "",
// left out or null as null (issue 22.1); the URL follows upstream's
// URLValidator (22.5); JSON of another type for a string field is a 400,
// not its Go formatting stored (16.8).
func TestCheckCreateFields(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		base := "/api/1.3/patches/" + itoa(f.p1.ID) + "/checks/"
		auth := tokenAuth(f.tokMaint)

		r := e.jsonReq("POST", base, auth, `{"state": "success", "target_url": "", "description": ""}`)
		e.expect(r, 201, "")
		if c := r.json(t); at(t, c, "target_url") != "" || at(t, c, "description") != "" {
			t.Errorf(`"" fields read back as %s`, r.body)
		}
		r = e.jsonReq("POST", base, auth, `{"state": "success", "target_url": null}`)
		e.expect(r, 201, "")
		if c := r.json(t); at(t, c, "target_url") != nil || at(t, c, "description") != nil {
			t.Errorf("null/absent fields read back as %s", r.body)
		}

		for _, bad := range []string{"http://ci/2", "javascript:alert(1)", "http://example.com/a b", "ftp:/x"} {
			e.expect(e.form("POST", base, auth, "state=success&target_url="+bad), 400, `{"target_url": ["Enter a valid URL."]}`)
		}
		e.expect(e.form("POST", base, auth, "state=success&target_url=https://"+strings.Repeat("a", 200)+".org"), 400,
			`{"target_url": ["Ensure this field has no more than 200 characters."]}`)
		e.expect(e.form("POST", base, auth, "state=success&target_url=http://localhost:8080/job/2"), 201, "")

		e.expect(e.jsonReq("POST", base, auth, `{"state": "success", "context": {"a": 1}, "description": ["x"]}`), 400,
			`{"context": ["Not a valid string."], "description": ["Not a valid string."]}`)
		e.expect(e.jsonReq("POST", base, auth, `{"state": "success", "target_url": true}`), 400,
			`{"target_url": ["Not a valid string."]}`)
		p1 := "/api/1.3/patches/" + itoa(f.p1.ID) + "/"
		e.expect(e.jsonReq("PATCH", p1, auth, `{"commit_ref": {"a": 1}}`), 400, `{"commit_ref": ["Not a valid string."]}`)
		p, err := s.GetPatch(t.Context(), f.p1.ID)
		must(t, err)
		if strings.Contains(p.CommitRef, "map[") {
			t.Errorf("commit_ref stored %q", p.CommitRef)
		}
		e.expect(e.jsonReq("POST", "/api/1.3/bundles/", auth, `{"name": ["b"], "patches": [`+itoa(f.p1.ID)+`]}`), 400,
			`{"name": ["Not a valid string."]}`)
		e.expect(e.jsonReq("PATCH", "/api/1.3/users/"+itoa(f.maint.ID)+"/", auth, `{"first_name": {"a": 1}}`), 400,
			`{"first_name": ["Not a valid string."]}`)
	})
}

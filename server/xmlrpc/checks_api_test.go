package xmlrpc

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/server/rest"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// restGet fetches a REST path from a REST handler over the same store and
// decodes its JSON.
func restGet(t *testing.T, s store.Store, path string) any {
	t.Helper()
	srv := httptest.NewServer(rest.New(rest.Options{Store: s, BaseURL: "http://patchwork.example.org"}))
	defer srv.Close()
	res, err := http.Get(srv.URL + path)
	must(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(t, err)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	var v any
	must(t, json.Unmarshal(b, &v))
	return v
}

// A check created over XML-RPC without target URL or description reads
// back over REST, and in its check-created event, as "" (upstream stores
// the defaults ""), not null (issue 22.1).
func TestCheckCreateEmptyFieldsReadBackOverREST(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		ts := newTestServer(t, s)
		if v := ts.callAs(t, f.creds(f.maint), "check_create", f.b.ID, "ci/build", "success"); v != true {
			t.Fatalf("check_create = %s", pyValueRepr(v))
		}
		pid := strconv.FormatInt(f.b.ID, 10)
		checks, _ := restGet(t, s, "/api/patches/"+pid+"/checks/").([]any)
		if len(checks) != 1 {
			t.Fatalf("checks %v", checks)
		}
		c := checks[0].(map[string]any)
		if tu, ok := c["target_url"].(string); !ok || tu != "" {
			t.Errorf("target_url = %#v, want \"\"", c["target_url"])
		}
		if d, ok := c["description"].(string); !ok || d != "" {
			t.Errorf("description = %#v, want \"\"", c["description"])
		}
		evs, _ := restGet(t, s, "/api/events/?category=check-created&patch="+pid).([]any)
		if len(evs) != 1 {
			t.Fatalf("events %v", evs)
		}
		chk := evs[0].(map[string]any)["payload"].(map[string]any)["check"].(map[string]any)
		if tu, ok := chk["target_url"].(string); !ok || tu != "" {
			t.Errorf("event target_url = %#v, want \"\"", chk["target_url"])
		}
	})
}

// check_create applies the target URL rule REST applies (upstream's
// URLValidator): no javascript: or other schemes, no dotless host (issue
// 22.5, 16.10), while contexts that are no slug stay accepted.
func TestCheckCreateValidatesTargetURL(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		ts := newTestServer(t, s)
		for _, bad := range []string{"javascript:alert(1)", "http://ci/2", "data:text/html,x", "ftp:/x", "http://ex ample.org/", "https://" + strings.Repeat("a", 200) + ".org/"} {
			got := ts.fault(t, f.creds(f.maint), "check_create", f.b.ID, "ci/build", "fail", bad, "")
			want := "<class 'django.core.exceptions.ValidationError'>:{'target_url': ['Enter a valid URL.']}"
			if len(bad) > store.MaxCheckTargetURL {
				want = "<class 'django.core.exceptions.ValidationError'>:{'target_url': ['Ensure this field has no more than 200 characters.']}"
			}
			if got != want {
				t.Errorf("check_create(%q) fault %q, want %q", bad, got, want)
			}
		}
		checks, err := s.ListChecks(t.Context(), store.CheckQuery{PatchID: f.b.ID})
		must(t, err)
		if len(checks) != 0 {
			t.Fatalf("refused checks stored: %+v", checks)
		}
		for _, good := range []string{"", "http://localhost:8080/x", "https://ci.example.org/b?x=1#y", "http://10.0.0.1/2", "http://[::1]/", "FTP://Example.COM"} {
			if v := ts.callAs(t, f.creds(f.maint), "check_create", f.b.ID, "ci/build", "success", good, ""); v != true {
				t.Errorf("check_create(%q) = %s", good, pyValueRepr(v))
			}
		}
	})
}

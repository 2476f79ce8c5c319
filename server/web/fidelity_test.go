package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/server/web"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// listOrder returns the patch message ids in the order a list page shows
// them (each id appears in its row's link).
func listOrder(t *testing.T, body string, ids ...string) []string {
	t.Helper()
	type pos struct {
		id string
		at int
	}
	var ps []pos
	for _, id := range ids {
		if i := strings.Index(body, "/patch/"+id+"/"); i >= 0 {
			ps = append(ps, pos{id, i})
		}
	}
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			if ps[j].at < ps[i].at {
				ps[i], ps[j] = ps[j], ps[i]
			}
		}
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.id
	}
	return out
}

// Web list fidelity to upstream (issue 22.6, 22.7): order=submitter sorts
// by name, ties of a non-date order go by date the other way round;
// ?submitter=TEXT matches names only and a text naming nobody filters
// nothing; ?q= with plain words is one substring, as upstream's search box
// means it, while a query of our language still works.
func TestListUpstreamSemantics(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ctx := context.Background()
		proj := &store.Project{LinkName: "ord", Name: "Ord", ListID: "ord.example.com", ListEmail: "ord@example.com"}
		must(t, s.CreateProject(ctx, proj))
		// Zed has the lower id, Amy the name that sorts first.
		zed := mustT(s.UpsertPerson(ctx, "zed@example.org", "Zed Zulu", false))(t)
		amy := mustT(s.UpsertPerson(ctx, "amy@example.org", "Amy Alpha", false))(t)
		day := func(d int) time.Time { return time.Date(2024, 1, d, 12, 0, 0, 0, time.UTC) }
		mk := func(id string, who *store.Person, name string, d int) {
			p := &store.Patch{ProjectID: proj.ID, MsgID: "<" + id + "@x>", Name: name, Date: day(d), SubmitterID: who.ID,
				StateID: e.f.stateNew.ID, Headers: "Subject: " + name + "\n", Diff: "--- a/f\n+++ b/f\n"}
			must(t, s.CreatePatch(ctx, p, nil))
		}
		mk("z1", zed, "fix build system", 1)
		mk("z2", zed, "same name", 2)
		mk("a1", amy, "same name", 3)
		mk("a2", amy, "build: fix", 4)
		ids := []string{"z1@x", "z2@x", "a1@x", "a2@x"}
		order := func(query string) string {
			t.Helper()
			return strings.Join(listOrder(t, e.page("/project/ord/list/?"+query), ids...), " ")
		}
		for _, c := range []struct{ query, want string }{
			{"order=submitter", "a2@x a1@x z2@x z1@x"},  // Amy first, ties newest first
			{"order=-submitter", "z1@x z2@x a1@x a2@x"}, // Zed first, ties oldest first
			{"order=name", "a2@x z1@x a1@x z2@x"},       // "same name" twice: newest first
			{"order=-name", "z2@x a1@x z1@x a2@x"},      // ... oldest first
			{"order=state", "a2@x a1@x z2@x z1@x"},      // one state: all ties, newest first
			{"order=-state", "z1@x z2@x a1@x a2@x"},
			{"order=delegate", "a2@x a1@x z2@x z1@x"}, // nobody delegated
			{"submitter=amy", "a2@x a1@x"},
			{"submitter=zed@example", "a2@x a1@x z2@x z1@x"}, // an e-mail matches no name: ignored
			{"submitter=nobody-at-all", "a2@x a1@x z2@x z1@x"},
			{"q=fix+build", "z1@x"},                  // upstream: one substring
			{"q=%22fix%22+%22build%22", "a2@x z1@x"}, // ours: every quoted word
			{"q=fix+-system", "a2@x"},                // ours: negation
			{"q=build+from:amy", "a2@x"},             // ours: a key
			{fmt.Sprintf("submitter=%d", zed.ID), "z2@x z1@x"},
		} {
			if got := order(c.query); got != c.want {
				t.Errorf("?%s: rows %s, want %s", c.query, got, c.want)
			}
		}
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// pwclientrc points pwclient at XML-RPC whenever XML-RPC is on, as
// upstream 3.1.3 does, with the REST form as a comment (issue 22.9); the
// REST form alone is the file only when XML-RPC is off.
func TestPwclientrcXMLRPCByDefault(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		newFixture(t, s)
		srv := httptest.NewServer(web.New(web.Options{Store: s, BaseURL: "https://pw.example.org", XMLRPC: true}))
		defer srv.Close()
		res, err := http.Get(srv.URL + "/project/test/pwclientrc/")
		must(t, err)
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		must(t, err)
		want := `# Sample .pwclientrc file for the test project,
# running on pw.example.org.
#
# Just append this file to your existing ~/.pwclientrc
# If you do not already have a ~/.pwclientrc, then copy this file to
# ~/.pwclientrc, and uncomment the following two lines:
# [options]
# default=test

[test]
backend = xmlrpc
url = https://pw.example.org/xmlrpc/
# pwclient's REST backend instead (no -n/-N, states or check-list without a project):
# backend = rest
# url = https://pw.example.org/api/
`
		if string(b) != want {
			t.Errorf("pwclientrc:\n%s\nwant:\n%s", b, want)
		}
		// Python's configparser (pwclient's reader) sees the XML-RPC form.
		if py, err := exec.LookPath("python3"); err == nil {
			cmd := exec.Command(py, "-c", `import configparser,sys
c = configparser.ConfigParser(); c.read_string(sys.stdin.read())
print(c.get("test", "backend"), c.get("test", "url"))`)
			cmd.Stdin = strings.NewReader(string(b))
			out, err := cmd.CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "xmlrpc https://pw.example.org/xmlrpc/" {
				t.Errorf("configparser: %v %s", err, out)
			}
		}
	})
}

// A bundle page shows 100 patches a page with links to the others, as
// upstream pages it like a patch list, instead of every patch at once
// (issue 16.9).
func TestBundlePagePaginated(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ctx := context.Background()
		ids := make([]int64, 0, 205)
		err := s.InTx(ctx, func(tx store.Store) error {
			for i := range 205 {
				p := &store.Patch{ProjectID: e.f.proj.ID, MsgID: fmt.Sprintf("<bp%03d@x>", i), Name: fmt.Sprintf("bundled %03d", i),
					Date: time.Date(2024, 3, 1, 0, i, 0, 0, time.UTC), SubmitterID: e.f.jane.ID, StateID: e.f.stateNew.ID, Headers: "Subject: x\n"}
				if err := tx.CreatePatch(ctx, p, nil); err != nil {
					return err
				}
				ids = append(ids, p.ID)
			}
			return nil
		})
		must(t, err)
		b := &store.Bundle{OwnerID: e.f.owner.ID, ProjectID: e.f.proj.ID, Name: "many", Public: true}
		must(t, s.CreateBundle(ctx, b))
		must(t, s.SetBundlePatches(ctx, b.ID, ids))
		base := "/bundle/" + e.f.owner.Username + "/many/"
		count := func(body string) int { return strings.Count(body, "bundled ") }
		p1 := e.page(base)
		if n := count(p1); n != 100 || !strings.Contains(p1, `href="`+base+`?page=2"`) || strings.Contains(p1, `rel="prev"`) {
			t.Errorf("page 1: %d patches, links %v", n, strings.Contains(p1, "?page=2"))
		}
		p2 := e.page(base + "?page=2")
		if n := count(p2); n != 100 || !strings.Contains(p2, "bundled 100") || !strings.Contains(p2, `href="`+base+`?page=3"`) ||
			!strings.Contains(p2, `href="`+base+`?page=1"`) {
			t.Errorf("page 2: %d patches", n)
		}
		for _, path := range []string{base + "?page=3", base + "?page=99"} {
			if p := e.page(path); count(p) != 5 || !strings.Contains(p, "bundled 204") || strings.Contains(p, `rel="next"`) {
				t.Errorf("%s: %d patches", path, count(p))
			}
		}
		// The mbox still has every patch.
		if n := strings.Count(e.get(base+"mbox/").body, "\nFrom patchwork "); n != 204 {
			t.Errorf("mbox: %d messages after the first", n)
		}
	})
}

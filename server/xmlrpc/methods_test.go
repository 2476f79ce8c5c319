package xmlrpc

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/server/mbox"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestReadMethods calls every read method of the spec over HTTP against a
// real store of each dialect.
func TestReadMethods(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		ts := newTestServer(t, s)
		t.Run("version", func(t *testing.T) { testVersion(t, ts) })
		t.Run("projects", func(t *testing.T) { testProjects(t, ts, f) })
		t.Run("people", func(t *testing.T) { testPeople(t, ts, f) })
		t.Run("states", func(t *testing.T) { testStates(t, ts, f) })
		t.Run("patch_get", func(t *testing.T) { testPatchGet(t, ts, f) })
		t.Run("patch_get_by_hash", func(t *testing.T) { testPatchByHash(t, ts, f) })
		t.Run("patch_get_mbox_diff", func(t *testing.T) { testMboxDiff(t, ts, f) })
		t.Run("patch_list", func(t *testing.T) { testPatchList(t, ts, f) })
		t.Run("check_list", func(t *testing.T) { testCheckList(t, ts, f) })
		t.Run("check_get", func(t *testing.T) { testCheckGet(t, ts, f) })
		t.Run("patch_check_get", func(t *testing.T) { testPatchCheckGet(t, ts, f) })
		t.Run("faults", func(t *testing.T) { testReadFaults(t, ts, f) })
	})
}

func testVersion(t *testing.T, ts *testServer) {
	v := ts.call(t, "pw_rpc_version")
	if !reflect.DeepEqual(v, []any{int64(1), int64(3), int64(0)}) {
		t.Errorf("pw_rpc_version = %s", pyValueRepr(v))
	}
}

func testProjects(t *testing.T, ts *testServer, f *fixture) {
	libuv := Struct{{"id", f.libuv.ID}, {"linkname", "libuv"}, {"name", "libuv project"}}
	zlib := Struct{{"id", f.zlib.ID}, {"linkname", "zlib"}, {"name", "zlib"}}
	for _, tc := range []struct {
		args []any
		want []Struct
	}{
		{[]any{"", 0}, []Struct{libuv, zlib}}, // pwclient projects; by linkname, not id
		{nil, []Struct{libuv, zlib}},
		{[]any{nil}, []Struct{libuv, zlib}},
		{[]any{"UV", 0}, []Struct{libuv}}, // contains, case-insensitive
		{[]any{"libuv project", 0}, []Struct{}},
		{[]any{"lib", 0}, []Struct{libuv, zlib}},
		{[]any{"", 1}, []Struct{libuv}},
		{[]any{"", -1}, []Struct{zlib}},
		{[]any{"", -5}, []Struct{libuv, zlib}},
		{[]any{"nothing", 0}, []Struct{}},
	} {
		got := ts.list(t, "project_list", tc.args...)
		if len(got) != len(tc.want) {
			t.Errorf("project_list%s = %d projects, want %d", pyValueRepr(tc.args), len(got), len(tc.want))
			continue
		}
		for i := range got {
			wantMembers(t, "project_list"+pyValueRepr(tc.args), got[i], tc.want[i])
		}
	}
	wantMembers(t, "project_get", ts.get(t, "project_get", f.zlib.ID), zlib)
	wantMembers(t, "project_get(str)", ts.get(t, "project_get", strconv.FormatInt(f.zlib.ID, 10)), zlib)
	wantMembers(t, "project_get(miss)", ts.get(t, "project_get", 99999), Struct{})
}

func testPeople(t *testing.T, ts *testServer, f *fixture) {
	jane := Struct{{"id", f.jane.ID}, {"email", "jane@example.org"}, {"name", "Jane Doe"}, {"user", Binary("sub")}}
	anon := Struct{{"id", f.anon.ID}, {"email", "anon@example.org"}, {"name", "anon@example.org"}, {"user", Binary("None")}}
	rafal := Struct{{"id", f.rafal.ID}, {"email", "rafal@example.org"}, {"name", "Rafał Miłecki"}, {"user", Binary("None")}}
	nameless := Struct{{"id", f.nameless.ID}, {"email", "nameless@example.org"}, {"name", "nameless@example.org"}, {"user", Binary("other")}}

	got := ts.list(t, "person_list", "JANE", 0) // pwclient list -w jane
	if len(got) != 1 {
		t.Fatalf("person_list(JANE) = %d", len(got))
	}
	wantMembers(t, "person_list(JANE)", got[0], jane)
	got = ts.list(t, "person_list", "Miłecki", 0)
	if len(got) != 1 {
		t.Fatalf("person_list(Miłecki) = %d", len(got))
	}
	wantMembers(t, "person_list(Miłecki)", got[0], rafal)

	all := []int64{f.jane.ID, f.anon.ID, f.rafal.ID, f.maintPerson.ID, f.delePerson.ID, f.nameless.ID}
	if g := ids(t, ts.list(t, "person_list", "example.org", 0)); !reflect.DeepEqual(g, all) {
		t.Errorf("person_list(example.org) ids = %v, want %v (by id)", g, all)
	}
	if g := ids(t, ts.list(t, "person_list")); !reflect.DeepEqual(g, all) {
		t.Errorf("person_list() ids = %v", g)
	}
	if g := ids(t, ts.list(t, "person_list", "", 2)); !reflect.DeepEqual(g, all[:2]) {
		t.Errorf("person_list('', 2) ids = %v", g)
	}
	if g := ids(t, ts.list(t, "person_list", "", -2)); !reflect.DeepEqual(g, all[4:]) {
		t.Errorf("person_list('', -2) ids = %v", g)
	}
	if g := ts.list(t, "person_list", "nobody-here", 0); len(g) != 0 {
		t.Errorf("person_list(miss) = %d", len(g))
	}

	wantMembers(t, "person_get(anon)", ts.get(t, "person_get", f.anon.ID), anon)
	wantMembers(t, "person_get(nameless)", ts.get(t, "person_get", f.nameless.ID), nameless)
	wantMembers(t, "person_get(miss)", ts.get(t, "person_get", 99999), Struct{})
}

func testStates(t *testing.T, ts *testServer, f *fixture) {
	states, err := f.s.ListStates(context.Background())
	must(t, err)
	got := ts.list(t, "state_list", "", 0)
	if len(got) != len(states) {
		t.Fatalf("state_list = %d states, want %d", len(got), len(states))
	}
	for i, st := range states { // in the store's ordering, which pwclient depends on
		wantMembers(t, "state_list", got[i], Struct{{"id", st.ID}, {"name", st.Name}})
	}
	for i := 1; i < len(states); i++ {
		if states[i-1].Ordering > states[i].Ordering {
			t.Errorf("states not in ordering: %v", states)
		}
	}
	acc := f.states["Accepted"]
	got = ts.list(t, "state_list", "ccep", 0)
	if len(got) != 1 {
		t.Fatalf("state_list(ccep) = %d", len(got))
	}
	wantMembers(t, "state_list(ccep)", got[0], Struct{{"id", acc.ID}, {"name", "Accepted"}})
	if g := ts.list(t, "state_list", "REVIEW", 0); len(g) != 1 || member(t, g[0], "name") != "Under Review" {
		t.Errorf("state_list(REVIEW) = %s", pyValueRepr(toAny(g)))
	}
	if g := ts.list(t, "state_list", "", 1); len(g) != 1 || member(t, g[0], "id") != states[0].ID {
		t.Errorf("state_list('', 1) = %s", pyValueRepr(toAny(g)))
	}
	if g := ts.list(t, "state_list", "", -1); len(g) != 1 || member(t, g[0], "id") != states[len(states)-1].ID {
		t.Errorf("state_list('', -1) = %s", pyValueRepr(toAny(g)))
	}
	wantMembers(t, "state_get", ts.get(t, "state_get", acc.ID), Struct{{"id", acc.ID}, {"name", "Accepted"}})
	wantMembers(t, "state_get(miss)", ts.get(t, "state_get", 99999), Struct{})
}

func toAny(l []Struct) []any {
	out := make([]any, len(l))
	for i := range l {
		out[i] = l[i]
	}
	return out
}

// patchWant is the dict the spec (§4.3) says a patch has.
func (f *fixture) patchWant(p *store.Patch) Struct {
	ctx := context.Background()
	proj := f.libuv
	if p.ProjectID == f.zlib.ID {
		proj = f.zlib
	}
	sub, _ := f.s.GetPerson(ctx, p.SubmitterID)
	submitter := sub.Email
	if sub.Name != "" {
		submitter = sub.Name + " <" + sub.Email + ">"
	}
	delegate := "None"
	if p.DelegateID != 0 {
		u, _ := f.s.GetUser(ctx, p.DelegateID)
		delegate = u.Username
	}
	stateName := ""
	for name, st := range f.states {
		if st.ID == p.StateID {
			stateName = name
		}
	}
	return Struct{
		{"id", p.ID},
		{"date", Binary(pyDate(p.Date))},
		{"filename", mbox.Filename(p.Name)},
		{"msgid", p.MsgID},
		{"name", p.Name},
		{"project", Binary(proj.Name)},
		{"project_id", proj.ID},
		{"state", Binary(stateName)},
		{"state_id", p.StateID},
		{"archived", p.Archived},
		{"submitter", Binary(submitter)},
		{"submitter_id", p.SubmitterID},
		{"delegate", Binary(delegate)},
		{"delegate_id", p.DelegateID},
		{"commit_ref", p.CommitRef},
		{"hash", p.Hash},
	}
}

func testPatchGet(t *testing.T, ts *testServer, f *fixture) {
	// The spec's excerpt, literally.
	a := ts.get(t, "patch_get", f.a.ID)
	wantMembers(t, "patch_get(a)", a, Struct{
		{"id", f.a.ID},
		{"date", Binary("2016-09-11 22:22:03")},
		{"filename", "1-2-test-Add-some-lorem-ipsum"},
		{"msgid", "<1473632524-8585-2-git-send-email-jane@example.org>"},
		{"name", "[1/2] test: Add some lorem ipsum"},
		{"project", Binary("libuv project")},
		{"project_id", f.libuv.ID},
		{"state", Binary("New")},
		{"state_id", f.states["New"].ID},
		{"archived", false},
		{"submitter", Binary("Jane Doe <jane@example.org>")},
		{"submitter_id", f.jane.ID},
		{"delegate", Binary("dele")},
		{"delegate_id", f.dele.ID},
		{"commit_ref", ""},
		{"hash", hashA},
	})
	for _, p := range []*store.Patch{f.b, f.c, f.d, f.pull, f.z} {
		wantMembers(t, "patch_get("+p.Name+")", ts.get(t, "patch_get", p.ID), f.patchWant(p))
	}
	pull := ts.get(t, "patch_get", f.pull.ID)
	if member(t, pull, "hash") != "" || member(t, pull, "delegate_id") != int64(0) ||
		!reflect.DeepEqual(member(t, pull, "delegate"), Binary("None")) {
		t.Errorf("pull request dict: %s", pyValueRepr(pull))
	}
	if g := member(t, ts.get(t, "patch_get", f.d.ID), "filename"); g != "Rafa-a-marche" {
		t.Errorf("filename of d = %q", g)
	}
	if g := member(t, ts.get(t, "patch_get", f.c.ID), "submitter"); !reflect.DeepEqual(g, Binary("anon@example.org")) {
		t.Errorf("nameless submitter = %s", pyValueRepr(g))
	}
	// Ids as decimal strings (pwclient passes command-line ids through int(),
	// other scripts do not).
	wantMembers(t, "patch_get(str)", ts.get(t, "patch_get", strconv.FormatInt(f.b.ID, 10)), f.patchWant(f.b))
	wantMembers(t, "patch_get(miss)", ts.get(t, "patch_get", 99999), Struct{})
	wantMembers(t, "patch_get(nil)", ts.get(t, "patch_get", nil), Struct{})
}

func testPatchByHash(t *testing.T, ts *testServer, f *fixture) {
	// a, c and d share a hash; c and d share the newest date: the highest id wins.
	wantMembers(t, "patch_get_by_hash", ts.get(t, "patch_get_by_hash", hashA), f.patchWant(f.d))
	wantMembers(t, "patch_get_by_hash(z)", ts.get(t, "patch_get_by_hash", hashZ), f.patchWant(f.z))
	wantMembers(t, "patch_get_by_hash(upper)", ts.get(t, "patch_get_by_hash", strings.ToUpper(hashA)), Struct{})
	wantMembers(t, "patch_get_by_hash(miss)", ts.get(t, "patch_get_by_hash", strings.Repeat("0", 40)), Struct{})
	wantMembers(t, "patch_get_by_hash('')", ts.get(t, "patch_get_by_hash", ""), Struct{})

	wantMembers(t, "by_project_hash", ts.get(t, "patch_get_by_project_hash", "libuv", hashA), f.patchWant(f.d))
	wantMembers(t, "by_project_hash(zlib)", ts.get(t, "patch_get_by_project_hash", "zlib", hashZ), f.patchWant(f.z))
	wantMembers(t, "by_project_hash(other project)", ts.get(t, "patch_get_by_project_hash", "zlib", hashA), Struct{})
	wantMembers(t, "by_project_hash(name, not linkname)", ts.get(t, "patch_get_by_project_hash", "libuv project", hashA), Struct{})
	wantMembers(t, "by_project_hash(no project)", ts.get(t, "patch_get_by_project_hash", "nope", hashA), Struct{})
}

func testMboxDiff(t *testing.T, ts *testServer, f *fixture) {
	ctx := context.Background()
	want, err := mbox.PatchString(ctx, f.s, f.a.ID)
	must(t, err)
	got := ts.call(t, "patch_get_mbox", f.a.ID)
	if got != want {
		t.Errorf("patch_get_mbox differs from the web mbox:\n%v\nwant\n%s", got, want)
	}
	for _, s := range []string{"Subject: [1/2] test: Add some lorem ipsum", "Message-Id: <1473632524-8585-2-git-send-email-jane@example.org>", "+ipsum\n"} {
		if !strings.Contains(want, s) {
			t.Errorf("mbox lacks %q:\n%s", s, want)
		}
	}
	if g := ts.call(t, "patch_get_mbox", 99999); g != "" {
		t.Errorf("patch_get_mbox(miss) = %q", g)
	}
	if g := ts.call(t, "patch_get_diff", f.a.ID); g != f.a.Diff {
		t.Errorf("patch_get_diff = %q", g)
	}
	if g := ts.call(t, "patch_get_diff", f.pull.ID); g != "" {
		t.Errorf("patch_get_diff(pull) = %q", g)
	}
	if g := ts.call(t, "patch_get_diff", 99999); g != "" {
		t.Errorf("patch_get_diff(miss) = %q", g)
	}
}

func testPatchList(t *testing.T, ts *testServer, f *fixture) {
	id := func(ps ...*store.Patch) []int64 {
		out := []int64{}
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	sid := func(n int64) string { return strconv.FormatInt(n, 10) }
	libuv := Member{"project_id", f.libuv.ID}
	everything := id(f.z, f.a, f.b, f.c, f.d, f.pull) // date, then id
	for _, tc := range []struct {
		filt any
		want []int64
	}{
		{nil, everything},
		{Struct{}, everything},
		{Struct{libuv}, id(f.a, f.b, f.c, f.d, f.pull)},
		{Struct{{"project_id", sid(f.zlib.ID)}}, id(f.z)},
		{Struct{{"project_id", 99999}}, id()},
		{Struct{{"project_id__gt", f.libuv.ID}}, id(f.a, f.b, f.c, f.d, f.pull)}, // suffix ignored
		// max_count: first N, last N in list order, too many = all.
		{Struct{{"max_count", 2}, libuv}, id(f.a, f.b)},
		{Struct{{"max_count", -2}, libuv}, id(f.d, f.pull)},
		{Struct{{"max_count", -100}, libuv}, id(f.a, f.b, f.c, f.d, f.pull)},
		{Struct{{"max_count", 100}}, everything},
		{Struct{{"max_count", 0}}, everything},
		{Struct{{"max_count", 1}, {"name__icontains", "IPSUM"}}, id(f.a)},
		{Struct{{"max_count", -1}, {"name__icontains", "IPSUM"}}, id(f.b)},
		// states, archived
		{Struct{{"state_id", f.states["Accepted"].ID}, libuv}, id(f.b)},
		{Struct{{"state_id", f.states["Under Review"].ID}}, id(f.d)},
		{Struct{{"state_id", 99999}}, id()},
		{Struct{{"archived", true}}, id(f.b)},
		{Struct{{"archived", false}, libuv}, id(f.a, f.c, f.d, f.pull)},
		{Struct{{"archived", "False"}, libuv}, id(f.a, f.c, f.d, f.pull)},
		{Struct{{"archived", "t"}}, id(f.b)},
		{Struct{{"archived", 1}}, id(f.b)},
		// people
		{Struct{{"submitter_id", f.jane.ID}}, id(f.z, f.a, f.b)},
		{Struct{{"submitter_id", f.jane.ID}, libuv}, id(f.a, f.b)},
		{Struct{{"submitter_id", 99999}}, id()},
		{Struct{{"delegate_id", f.delePerson.ID}}, id(f.a)}, // [fix] a Person id
		{Struct{{"delegate_id", f.jane.ID}}, id()},          // linked to sub, who delegates nothing
		{Struct{{"delegate_id", f.anon.ID}}, id()},          // not linked to a user
		{Struct{{"delegate_id", 99999}}, id()},
		// series [fix]: pwclient list -S sends a string
		{Struct{{"series", sid(f.series.ID)}}, id(f.a, f.b)},
		{Struct{{"series", f.series.ID}, {"state_id", f.states["New"].ID}}, id(f.a)},
		{Struct{{"series__in", []any{f.series.ID, 99999}}}, id(f.a, f.b)},
		{Struct{{"series", 99999}}, id()},
		// text fields
		{Struct{{"msgid", f.a.MsgID}}, id(f.a)},
		{Struct{{"msgid", strings.Trim(f.a.MsgID, "<>")}}, id()},
		{Struct{{"msgid__contains", "git-send-email"}}, id(f.a, f.b)},
		{Struct{{"hash", hashA}}, id(f.a, f.c, f.d)},
		{Struct{{"hash", hashA}, {"max_count", -1}}, id(f.d)},
		{Struct{{"hash", strings.ToUpper(hashA)}}, id()}, // exact is case-sensitive
		{Struct{{"hash__iexact", strings.ToUpper(hashA)}}, id(f.a, f.c, f.d)},
		{Struct{{"hash__isnull", true}}, id(f.pull)},
		{Struct{{"hash__startswith", "9c8b"}}, id(f.z)},
		{Struct{{"name__icontains", "LOREM"}}, id(f.a)},
		{Struct{{"name__icontains", "ça"}}, id(f.d)},
		{Struct{{"name", "Rafał: ça marche"}}, id(f.d)},
		{Struct{{"name", "rafał: ça marche"}}, id()},
		{Struct{{"name__iexact", "RAFAŁ: ÇA MARCHE"}}, id(f.d)},
		{Struct{{"name__contains", "Add"}}, id(f.a, f.b)},
		{Struct{{"name__contains", "add"}}, id()},
		{Struct{{"name__startswith", "[GIT"}}, id(f.pull)},
		{Struct{{"name__iendswith", "IPSUM"}}, id(f.a, f.b)},
		{Struct{{"name__in", []any{f.c.Name, f.z.Name}}}, id(f.z, f.c)},
		{Struct{{"commit_ref", "abc123def"}}, id(f.b)},
		{Struct{{"commit_ref__startswith", "abc"}}, id(f.b)},
		{Struct{{"commit_ref__isnull", false}}, id(f.b)},
		{Struct{{"commit_ref__isnull", true}, libuv}, id(f.a, f.c, f.d, f.pull)},
		{Struct{{"commit_ref__gt", ""}}, id(f.b)}, // null never matches a comparison
		// ids
		{Struct{{"id", f.c.ID}}, id(f.c)},
		{Struct{{"id", sid(f.c.ID)}}, id(f.c)},
		{Struct{{"id__in", []any{f.c.ID, f.a.ID, 99999}}}, id(f.a, f.c)},
		{Struct{{"id__gt", f.d.ID}}, id(f.z, f.pull)}, // ids follow creation, the list follows dates
		{Struct{{"id__gte", f.a.ID}, {"id__lt", f.c.ID}}, id(f.a, f.b)},
		{Struct{{"id__range", []any{f.a.ID, f.b.ID}}}, id(f.a, f.b)},
		// dates (UTC)
		{Struct{{"date__gt", "2017-01-01"}}, id(f.c, f.d, f.pull)},
		{Struct{{"date__gte", "2016-09-11 22:22:04"}}, id(f.b, f.c, f.d, f.pull)},
		{Struct{{"date__lt", "2016-09-11 22:22:04"}}, id(f.z, f.a)},
		{Struct{{"date__range", []any{"2016-09-11 22:22:03", "2016-09-11 22:22:04"}}}, id(f.a, f.b)},
		{Struct{{"date__year", 2016}}, id(f.a, f.b)},
		{Struct{{"date__month", 1}}, id(f.c, f.d)},
		{Struct{{"date__day", 11}}, id(f.a, f.b)},
		{Struct{{"date", "2017-01-02 03:04:05"}}, id(f.c, f.d)},
		{Struct{{"date__startswith", "2018-03"}}, id(f.pull)},
		// unknown keys, lookups and double lookups: [] rather than a fault
		{Struct{{"foo", 1}}, id()},
		{Struct{{"name__regex", "x"}}, id()},
		{Struct{{"name__exact", f.d.Name}}, id()},
		{Struct{{"date__lte", "2030-01-01"}}, id()},
		{Struct{{"date__year__gt", 2000}}, id()},
		{Struct{{"project", "libuv"}}, id()},
	} {
		var got []Struct
		if tc.filt == nil {
			got = ts.list(t, "patch_list", nil)
		} else {
			got = ts.list(t, "patch_list", tc.filt)
		}
		if g := ids(t, got); !reflect.DeepEqual(g, tc.want) {
			t.Errorf("patch_list(%s) = %v, want %v", pyValueRepr(tc.filt), g, tc.want)
		}
	}
	// No argument at all is the same as None.
	if g := ids(t, ts.list(t, "patch_list")); !reflect.DeepEqual(g, everything) {
		t.Errorf("patch_list() = %v", g)
	}
	// List entries are whole patch dicts.
	got := ts.list(t, "patch_list", Struct{{"id", f.a.ID}})
	wantMembers(t, "patch_list entry", got[0], f.patchWant(f.a))
}

func (f *fixture) checkWant(c *store.Check) Struct {
	ctx := context.Background()
	p, _ := f.s.GetPatch(ctx, c.PatchID)
	u, _ := f.s.GetUser(ctx, c.UserID)
	return Struct{
		{"id", c.ID},
		{"date", Binary(pyDate(c.Date))},
		{"patch", Binary(p.Name)},
		{"patch_id", c.PatchID},
		{"user", Binary(u.Username)},
		{"user_id", c.UserID},
		{"state", c.State.String()},
		{"target_url", c.TargetURL},
		{"description", c.Description},
		{"context", c.Context},
	}
}

func testCheckList(t *testing.T, ts *testServer, f *fixture) {
	cid := func(cs ...*store.Check) []int64 {
		out := []int64{}
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	all := cid(f.chkOld, f.chkNew, f.chkLint, f.chkZ)
	for _, tc := range []struct {
		filt any
		want []int64
	}{
		{nil, all},
		{Struct{}, all}, // pwclient check-list
		{Struct{{"patch_id", f.a.ID}}, cid(f.chkOld, f.chkNew, f.chkLint)}, // check-list ID: every check, not only unique ones
		{Struct{{"patch_id", strconv.FormatInt(f.z.ID, 10)}}, cid(f.chkZ)},
		{Struct{{"patch_id", f.b.ID}}, cid()},
		{Struct{{"patch_id", 99999}}, cid()},   // [fix] upstream: IndexError
		{Struct{{"project_id", 99999}}, cid()}, // [fix] idem
		{Struct{{"project_id", f.zlib.ID}}, cid(f.chkZ)},
		{Struct{{"project_id", f.libuv.ID}, {"user", "other"}}, cid(f.chkLint)},
		{Struct{{"user", "maint"}}, cid(f.chkOld, f.chkNew)}, // [fix] check-list -u NAME
		{Struct{{"user", f.maint.ID}}, cid(f.chkOld, f.chkNew)},
		{Struct{{"user", strconv.FormatInt(f.dele.ID, 10)}}, cid(f.chkZ)},
		{Struct{{"user", "nobody"}}, cid()},
		{Struct{{"user", 99999}}, cid()},
		{Struct{{"user__in", []any{f.other.ID, f.dele.ID}}}, cid(f.chkLint, f.chkZ)},
		{Struct{{"id", f.chkNew.ID}}, cid(f.chkNew)},
		{Struct{{"id__gt", f.chkNew.ID}}, cid(f.chkLint, f.chkZ)},
		{Struct{{"max_count", 1}}, cid(f.chkOld)},
		{Struct{{"max_count", -1}}, cid(f.chkZ)},
		{Struct{{"max_count", -10}, {"patch_id", f.a.ID}}, cid(f.chkOld, f.chkNew, f.chkLint)},
		{Struct{{"state", "fail"}}, cid()},
		{Struct{{"id__foo", 1}}, cid()},
	} {
		var got []Struct
		if tc.filt == nil {
			got = ts.list(t, "check_list", nil)
		} else {
			got = ts.list(t, "check_list", tc.filt)
		}
		if g := ids(t, got); !reflect.DeepEqual(g, tc.want) {
			t.Errorf("check_list(%s) = %v, want %v", pyValueRepr(tc.filt), g, tc.want)
		}
	}
	got := ts.list(t, "check_list", Struct{{"patch_id", f.a.ID}})
	for i, c := range []*store.Check{f.chkOld, f.chkNew, f.chkLint} {
		wantMembers(t, "check_list entry", got[i], f.checkWant(c))
	}
}

func testCheckGet(t *testing.T, ts *testServer, f *fixture) {
	wantMembers(t, "check_get", ts.get(t, "check_get", f.chkOld.ID), Struct{
		{"id", f.chkOld.ID},
		{"date", Binary("2020-01-01 10:00:00.250000")},
		{"patch", Binary("[1/2] test: Add some lorem ipsum")},
		{"patch_id", f.a.ID},
		{"user", Binary("maint")},
		{"user_id", f.maint.ID},
		{"state", "success"},
		{"target_url", "https://ci.example.org/1"},
		{"description", "Build passed"},
		{"context", "ci/build"},
	})
	// No URL nor description: '' (upstream faults on null); whole seconds
	// without microseconds.
	wantMembers(t, "check_get(lint)", ts.get(t, "check_get", f.chkLint.ID), Struct{
		{"id", f.chkLint.ID},
		{"date", Binary("2020-01-03 10:00:00")},
		{"patch", Binary("[1/2] test: Add some lorem ipsum")},
		{"patch_id", f.a.ID},
		{"user", Binary("other")},
		{"user_id", f.other.ID},
		{"state", "pending"},
		{"target_url", ""},
		{"description", ""},
		{"context", "lint"},
	})
	wantMembers(t, "check_get(z)", ts.get(t, "check_get", f.chkZ.ID), f.checkWant(f.chkZ))
	if g := member(t, ts.get(t, "check_get", f.chkZ.ID), "date"); !reflect.DeepEqual(g, Binary("2020-02-01 00:00:00.000001")) {
		t.Errorf("check date = %s", pyValueRepr(g))
	}
	wantMembers(t, "check_get(miss)", ts.get(t, "check_get", 99999), Struct{})
}

func testPatchCheckGet(t *testing.T, ts *testServer, f *fixture) {
	got := ts.get(t, "patch_check_get", f.a.ID)
	if keysOf(got) != "state,total,checks" {
		t.Fatalf("patch_check_get keys %s", keysOf(got))
	}
	// The newest ci/build check fails; the older success does not count.
	if member(t, got, "state") != "fail" || member(t, got, "total") != int64(2) {
		t.Errorf("patch_check_get(a) = %s", pyValueRepr(got))
	}
	checks, _ := member(t, got, "checks").([]any)
	if len(checks) != 2 {
		t.Fatalf("checks = %s", pyValueRepr(checks))
	}
	wantMembers(t, "unique check 0", checks[0].(Struct), f.checkWant(f.chkNew))
	wantMembers(t, "unique check 1", checks[1].(Struct), f.checkWant(f.chkLint))

	got = ts.get(t, "patch_check_get", f.z.ID)
	if member(t, got, "state") != "warning" || member(t, got, "total") != int64(1) {
		t.Errorf("patch_check_get(z) = %s", pyValueRepr(got))
	}
	got = ts.get(t, "patch_check_get", f.b.ID) // no checks: pending
	wantMembers(t, "patch_check_get(b)", got, Struct{{"state", "pending"}, {"total", int64(0)}, {"checks", []any{}}})
	wantMembers(t, "patch_check_get(miss)", ts.get(t, "patch_check_get", 99999), Struct{})
}

func testReadFaults(t *testing.T, ts *testServer, f *fixture) {
	for _, tc := range []struct {
		method string
		args   []any
		want   string
	}{
		{"nope", nil, `<class 'Exception'>:method "nope" is not supported`},
		{"Patch_get", []any{1}, `<class 'Exception'>:method "Patch_get" is not supported`},
		{"patch_get", nil, "<class 'TypeError'>:patch_get() missing 1 required positional argument: 'patch_id'"},
		{"project_list", []any{"", 0, 1}, "<class 'TypeError'>:project_list() takes from 0 to 2 positional arguments but 3 were given"},
		{"patch_get_by_project_hash", []any{"libuv"}, "<class 'TypeError'>:patch_get_by_project_hash() missing 1 required positional argument: 'hash'"},
		{"pw_rpc_version", []any{1}, "<class 'TypeError'>:pw_rpc_version() takes 0 positional arguments but 1 was given"},
		{"patch_get", []any{"abc"}, "<class 'ValueError'>:Field 'id' expected a number but got 'abc'."},
		{"patch_list", []any{Struct{{"id", "x"}}}, "<class 'ValueError'>:Field 'id' expected a number but got 'x'."},
		{"check_get", []any{"1x"}, "<class 'ValueError'>:Field 'id' expected a number but got '1x'."},
	} {
		if got := ts.fault(t, creds{}, tc.method, tc.args...); got != tc.want {
			t.Errorf("%s%s fault = %q\nwant %q", tc.method, pyValueRepr(tc.args), got, tc.want)
		}
	}
	// A lookup that makes no sense for its field: FieldError (text free).
	if got := ts.fault(t, creds{}, "patch_list", Struct{{"name__year", 2016}}); !strings.HasPrefix(got, "<class 'django.core.exceptions.FieldError'>:") {
		t.Errorf("name__year fault = %q", got)
	}
	// Reads ignore credentials, even wrong ones.
	if g := ts.callAs(t, creds{user: "maint", password: "wrong"}, "patch_get", f.a.ID); member(t, g.(Struct), "id") != f.a.ID {
		t.Errorf("patch_get with bad credentials = %s", pyValueRepr(g))
	}
}

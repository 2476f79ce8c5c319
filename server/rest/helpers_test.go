package rest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/patchwork-go/patchwork/server/rest"
	"github.com/patchwork-go/patchwork/store"
)

// env is a REST server over a real store, reached over real HTTP.
type env struct {
	t   *testing.T
	s   store.Store
	srv *httptest.Server
	url string // base URL, no trailing slash
	f   *fixture
}

func newEnv(t *testing.T, s store.Store) *env {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	mux.Handle("/api/", rest.New(rest.Options{Store: s, BaseURL: srv.URL}))
	e := &env{t: t, s: s, srv: srv, url: srv.URL}
	e.f = newFixture(t, s)
	return e
}

// resp is one HTTP answer.
type resp struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body; it fails the test when the body is not JSON.
func (r resp) json(t *testing.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body is not JSON (%v): %q", err, r.body)
	}
	return v
}

// req sends a request. auth is a full Authorization value or "".
func (e *env) req(method, path, auth, contentType, body string) resp {
	e.t.Helper()
	r, err := http.NewRequestWithContext(context.Background(), method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(r)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, b}
}

func (e *env) get(path, auth string) resp { return e.req("GET", path, auth, "", "") }

// getOK fetches path and returns its decoded JSON, failing unless 200.
func (e *env) getOK(path, auth string) any {
	e.t.Helper()
	r := e.get(path, auth)
	if r.status != 200 {
		e.t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	return r.json(e.t)
}

func (e *env) form(method, path, auth, body string) resp {
	return e.req(method, path, auth, "application/x-www-form-urlencoded", body)
}

func (e *env) jsonReq(method, path, auth, body string) resp {
	return e.req(method, path, auth, "application/json", body)
}

// expect checks status and, when want is not "", the exact JSON body.
func (e *env) expect(r resp, status int, want string) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if want == "" {
		return
	}
	var got, exp any
	if err := json.Unmarshal(r.body, &got); err != nil {
		e.t.Fatalf("body not JSON: %q", r.body)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		e.t.Fatalf("bad expectation %q: %v", want, err)
	}
	if fmt.Sprint(got) != fmt.Sprint(exp) {
		e.t.Fatalf("body %s\nwant %s", r.body, want)
	}
}

// at walks decoded JSON: string keys index objects, ints index arrays.
func at(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: %T is not an object", path, v)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("at %v: no key %q in %v", path, k, m)
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("at %v: cannot index %d into %v", path, k, v)
			}
			v = a[k]
		}
	}
	return v
}

func has(v any, key string) bool {
	_, ok := v.(map[string]any)[key]
	return ok
}

func list(t *testing.T, v any) []any {
	t.Helper()
	a, ok := v.([]any)
	if !ok {
		t.Fatalf("not a list: %v", v)
	}
	return a
}

// ids returns the "id" of each element of a list.
func ids(t *testing.T, v any) []int64 {
	t.Helper()
	var out []int64
	for _, x := range list(t, v) {
		out = append(out, int64(at(t, x, "id").(float64)))
	}
	return out
}

func eqIDs(t *testing.T, got []int64, want ...int64) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) && !(len(got) == 0 && len(want) == 0) {
		t.Fatalf("ids %v, want %v", got, want)
	}
}

func tokenAuth(tok string) string { return "Token " + tok }

// fixture is a small, fully known data set made with store methods.
type fixture struct {
	proj, proj2                    *store.Project
	maint, sub, stranger, inactive *store.User
	tokMaint, tokSub, tokStranger  string
	tokInactive                    string
	person, person2                *store.Person
	states                         map[string]int64
	series, series2                *store.Series
	cover                          *store.Cover
	p1, p2, p3, p4                 *store.Patch
	patchComment, coverComment     *store.Comment
	check                          *store.Check
	bundlePub, bundlePriv          *store.Bundle
	date1, date2, date3            time.Time
}

const password = "s3cret-pw"

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newFixture(t *testing.T, s store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{states: map[string]int64{}}
	states, err := s.ListStates(ctx)
	must(t, err)
	for _, st := range states {
		f.states[st.Slug] = st.ID
	}
	f.proj = &store.Project{LinkName: "test", Name: "Test Project", ListID: "test.example.com",
		ListEmail: "test@example.com", WebURL: "http://web.example.com", ListArchiveURLFormat: "https://lore.example.com/r/{}",
		ShowDependencies: true}
	must(t, s.CreateProject(ctx, f.proj))
	f.proj2 = &store.Project{LinkName: "other", Name: "Other", ListID: "other.example.com", ListEmail: "other@example.com"}
	must(t, s.CreateProject(ctx, f.proj2))

	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	must(t, err)
	mkUser := func(name string, active bool, tok string) *store.User {
		u := &store.User{Username: name, Email: name + "@example.com", FirstName: strings.ToUpper(name[:1]) + name[1:],
			LastName: "Doe", PasswordHash: string(hash), Active: active, DateJoined: time.Now().UTC(), ItemsPerPage: 100}
		must(t, s.CreateUser(ctx, u))
		must(t, s.SetToken(ctx, u.ID, tok))
		return u
	}
	f.tokMaint = strings.Repeat("a", 40)
	f.tokSub = strings.Repeat("b", 40)
	f.tokStranger = strings.Repeat("c", 40)
	f.tokInactive = strings.Repeat("d", 40)
	f.maint = mkUser("maint", true, f.tokMaint)
	f.sub = mkUser("jane", true, f.tokSub)
	f.stranger = mkUser("stranger", true, f.tokStranger)
	f.inactive = mkUser("gone", false, f.tokInactive)
	must(t, s.AddMaintainer(ctx, f.proj.ID, f.maint.ID))

	f.person, err = s.UpsertPerson(ctx, "jane@example.com", "Jane Doe", false)
	must(t, err)
	must(t, s.LinkPerson(ctx, "jane@example.com", f.sub.ID))
	f.person, err = s.GetPerson(ctx, f.person.ID)
	must(t, err)
	f.person2, err = s.UpsertPerson(ctx, "bob@example.org", "", false)
	must(t, err)

	f.date1 = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	f.date2 = time.Date(2024, 3, 2, 11, 30, 0, 0, time.UTC)
	f.date3 = time.Date(2024, 4, 5, 8, 0, 0, 0, time.UTC)

	f.series = &store.Series{ProjectID: f.proj.ID, Name: "frob widgets", Date: f.date1, SubmitterID: f.person.ID, Version: 2, Total: 2}
	must(t, s.CreateSeries(ctx, f.series))
	f.series2 = &store.Series{ProjectID: f.proj.ID, Name: "", Date: f.date3, SubmitterID: f.person2.ID, Version: 1, Total: 3}
	must(t, s.CreateSeries(ctx, f.series2))
	must(t, s.AddSeriesDependency(ctx, f.series2.ID, f.series.ID))

	f.cover = &store.Cover{ProjectID: f.proj.ID, MsgID: "<cover-0@example.com>", Name: "[v2,0/2] frob widgets", Date: f.date1,
		SubmitterID: f.person.ID, Headers: "From: Jane Doe <jane@example.com>\nSubject: [PATCH v2 0/2] frob widgets\n",
		Content: "This series frobs.", SeriesID: f.series.ID}
	must(t, s.CreateCover(ctx, f.cover))
	f.series.CoverID = f.cover.ID
	must(t, s.UpdateSeries(ctx, f.series))

	mkPatch := func(p *store.Patch) *store.Patch {
		if p.StateID == 0 {
			p.StateID = f.states["new"]
		}
		must(t, s.CreatePatch(ctx, p, nil))
		return p
	}
	f.p1 = mkPatch(&store.Patch{ProjectID: f.proj.ID, MsgID: "<p1/x@example.com>", Name: "[v2,1/2] frob: add widget", Date: f.date1,
		SubmitterID: f.person.ID, Headers: "From: Jane Doe <jane@example.com>\nSubject: [PATCH v2 1/2] frob:\n add widget\nReceived: a\nReceived: b\n",
		Content: "Adds a widget.\n\nSigned-off-by: Jane Doe <jane@example.com>", Diff: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
		Hash: "0123456789abcdef0123456789abcdef01234567", SeriesID: f.series.ID, Number: 1})
	f.p2 = mkPatch(&store.Patch{ProjectID: f.proj.ID, MsgID: "<p2@example.com>", Name: "[v2,2/2] frob: use widget", Date: f.date2,
		SubmitterID: f.person.ID, Headers: "Subject: [PATCH v2 2/2] frob: use widget\n", Diff: "--- a/y\n+++ b/y\n",
		StateID: f.states["under-review"], SeriesID: f.series.ID, Number: 2})
	f.p3 = mkPatch(&store.Patch{ProjectID: f.proj.ID, MsgID: "<p3@example.org>", Name: "[RFC] unrelated thing", Date: f.date3,
		SubmitterID: f.person2.ID, Headers: "Subject: [RFC PATCH] unrelated thing\n", Diff: "--- a/z\n+++ b/z\n",
		StateID: f.states["accepted"], Archived: true, DelegateID: f.maint.ID, CommitRef: "deadbeef"})
	f.p4 = mkPatch(&store.Patch{ProjectID: f.proj2.ID, MsgID: "<p4@example.org>", Name: "other project patch", Date: f.date2,
		SubmitterID: f.person2.ID, Headers: "Subject: other project patch\n", Diff: "--- a/o\n+++ b/o\n"})

	yes := true
	f.patchComment = &store.Comment{PatchID: f.p1.ID, ProjectID: f.proj.ID, MsgID: "<c1@example.org>", Date: f.date2,
		SubmitterID: f.person2.ID, Headers: "Subject: Re: [PATCH v2 1/2] frob: add widget\n", Content: "Reviewed-by: Bob <bob@example.org>"}
	must(t, s.CreateComment(ctx, f.patchComment))
	f.coverComment = &store.Comment{CoverID: f.cover.ID, ProjectID: f.proj.ID, MsgID: "<c2@example.org>", Date: f.date2,
		SubmitterID: f.person2.ID, Headers: "Subject: Re: [PATCH v2 0/2] frob widgets\n", Content: "Nice series.", Addressed: &yes}
	must(t, s.CreateComment(ctx, f.coverComment))

	f.check = &store.Check{PatchID: f.p1.ID, UserID: f.maint.ID, Date: f.date2, State: store.CheckSuccess,
		TargetURL: "https://ci.example.com/1", Context: "build", Description: "built"}
	must(t, s.CreateCheck(ctx, f.check))

	f.bundlePub = &store.Bundle{OwnerID: f.sub.ID, ProjectID: f.proj.ID, Name: "pub", Public: true}
	must(t, s.CreateBundle(ctx, f.bundlePub))
	must(t, s.SetBundlePatches(ctx, f.bundlePub.ID, []int64{f.p2.ID, f.p1.ID}))
	f.bundlePriv = &store.Bundle{OwnerID: f.sub.ID, ProjectID: f.proj.ID, Name: "priv"}
	must(t, s.CreateBundle(ctx, f.bundlePriv))
	must(t, s.SetBundlePatches(ctx, f.bundlePriv.ID, []int64{f.p3.ID}))
	return f
}

func itoa(n int64) string { return fmt.Sprint(n) }

// keyOrder returns the keys of a JSON object in the order they were sent
// (of the first element when body is a list): the spec fixes the order.
func keyOrder(t *testing.T, body []byte) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(body)))
	tok, err := dec.Token()
	if err != nil {
		t.Fatalf("key order of %q: %v", body, err)
	}
	if tok == json.Delim('[') {
		if tok, err = dec.Token(); err != nil {
			t.Fatalf("key order of %q: %v", body, err)
		}
	}
	if tok != json.Delim('{') {
		t.Fatalf("key order: %q is not an object", body)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// eqKeys checks the exact key order of an object.
func eqKeys(t *testing.T, what string, body []byte, want ...string) {
	t.Helper()
	if got := keyOrder(t, body); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s keys\n got %v\nwant %v", what, got, want)
	}
}

// getRaw fetches path and fails unless 200.
func (e *env) getRaw(path, auth string) resp {
	e.t.Helper()
	r := e.get(path, auth)
	if r.status != 200 {
		e.t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	return r
}

// listIDs fetches a list and checks its ids.
func (e *env) listIDs(path, auth string, want ...int64) {
	e.t.Helper()
	got := ids(e.t, e.getOK(path, auth))
	if fmt.Sprint(got) != fmt.Sprint(want) && !(len(got) == 0 && len(want) == 0) {
		e.t.Errorf("GET %s: ids %v, want %v", path, got, want)
	}
}

// Package storetest is the conformance suite of store.Store, in the
// manner of dex's storage/conformance: every method's contract stated
// once, as a test that any implementation must pass. An implementation
// runs it with a function that hands each test a new, empty, migrated
// store:
//
//	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
//
// store/sqlstore runs it on SQLite, PostgreSQL and MariaDB. The tests
// assert concrete values: ids and fields read back, ErrNotFound for
// unknown ids, ErrConflict for duplicates, orders, counts and pages.
//
// Import it from _test.go files only.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// NewStore returns an empty migrated store that lives until t ends.
type NewStore func(t *testing.T) store.Store

// Run runs every group of the suite, each on a store of its own.
func Run(t *testing.T, newStore NewStore) {
	for _, g := range []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Projects", testProjects},
		{"People", testPeople},
		{"Users", testUsers},
		{"Confirmations", testConfirmations},
		{"StatesTags", testStatesTags},
		{"Patches", testPatches},
		{"PatchUpdates", testPatchUpdates},
		{"PatchList", testPatchList},
		{"Series", testSeries},
		{"Covers", testCovers},
		{"Comments", testComments},
		{"Checks", testChecks},
		{"Bundles", testBundles},
		{"Events", testEvents},
		{"FailedMail", testFailedMail},
		{"HeldMail", testHeldMail},
		{"Notifications", testNotifications},
		{"Transactions", testTransactions},
		{"DeferredWrites", testDeferredWrites},
		{"LockAndRead", testLockAndRead},
		{"TimeRoundTrip", testTimeRoundTrip},
	} {
		t.Run(g.name, func(t *testing.T) { g.fn(t, newStore(t)) })
	}
}

var ctx = context.Background()

// t0 is the fixture's epoch: microseconds, which every dialect keeps.
var t0 = time.Date(2024, 3, 1, 10, 0, 0, 123456000, time.UTC)

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr fails unless err is (wraps) want.
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

// eq fails unless got and want are deeply equal.
func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// fixture is what most groups start from: two projects (linknames in
// the opposite order of their ids), a maintainer, a developer with a
// linked person, an unlinked person, and the seeded states.
type fixture struct {
	s            store.Store
	proj, proj2  *store.Project
	maint, dev   *store.User
	jane, bob    *store.Person
	states       []store.State
	stNew        int64
	stReview     int64
	stAccepted   int64
	stSuperseded int64
	n            int // patches made so far
}

func newFixture(t *testing.T, s store.Store) *fixture {
	t.Helper()
	f := &fixture{s: s}
	f.proj2 = &store.Project{LinkName: "zlib", Name: "zlib", ListID: "zlib.example.org", ListEmail: "zlib@example.org"}
	must(t, s.CreateProject(ctx, f.proj2))
	f.proj = &store.Project{LinkName: "linux", Name: "Linux", ListID: "linux.example.org", ListEmail: "linux@example.org",
		SendNotifications: true, UseTags: true}
	must(t, s.CreateProject(ctx, f.proj))
	f.maint = &store.User{Username: "maint", Email: "maint@example.org", Active: true, DateJoined: t0}
	must(t, s.CreateUser(ctx, f.maint))
	f.dev = &store.User{Username: "dev", Email: "dev@example.org", Active: true, DateJoined: t0}
	must(t, s.CreateUser(ctx, f.dev))
	must(t, s.AddMaintainer(ctx, f.proj.ID, f.maint.ID))
	var err error
	f.jane, err = s.UpsertPerson(ctx, "jane@example.org", "Jane Doe", false)
	must(t, err)
	must(t, s.LinkPerson(ctx, "jane@example.org", f.dev.ID))
	f.jane.UserID = f.dev.ID
	f.bob, err = s.UpsertPerson(ctx, "bob@example.org", "Bob", false)
	must(t, err)
	f.states, err = s.ListStates(ctx)
	must(t, err)
	f.stNew = f.state(t, "new")
	f.stReview = f.state(t, "under-review")
	f.stAccepted = f.state(t, "accepted")
	f.stSuperseded = f.state(t, "superseded")
	return f
}

func (f *fixture) state(t *testing.T, slug string) int64 {
	t.Helper()
	st, ok := store.FindState(f.states, slug)
	if !ok {
		t.Fatalf("no state %q", slug)
	}
	return st.ID
}

// patch creates the next patch of f.proj by jane, dated at(n), then
// applied to edit.
func (f *fixture) patch(t *testing.T, edit func(p *store.Patch)) *store.Patch {
	t.Helper()
	f.n++
	n := f.n
	p := &store.Patch{ProjectID: f.proj.ID, MsgID: fmt.Sprintf("<patch-%d@example.org>", n),
		Name: fmt.Sprintf("[%d/9] net: fix thing %d", n, n), Date: at(n), SubmitterID: f.jane.ID,
		Headers: "Subject: x\n", Content: "Signed-off-by: Jane <jane@example.org>\n",
		Diff: fmt.Sprintf("--- a/net/f%d.c\n+++ b/net/f%d.c\n@@ -1 +1 @@\n-a\n+b\n", n, n),
		Hash: fmt.Sprintf("%040x", n), StateID: f.stNew}
	if edit != nil {
		edit(p)
	}
	must(t, f.s.CreatePatch(ctx, p, nil))
	return p
}

func ids[T any](list []T, id func(T) int64) []int64 {
	out := []int64{}
	for _, x := range list {
		out = append(out, id(x))
	}
	return out
}

func rowIDs(rows []store.PatchRow) []int64 {
	return ids(rows, func(r store.PatchRow) int64 { return r.ID })
}

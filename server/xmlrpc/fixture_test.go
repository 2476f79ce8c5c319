package xmlrpc

import (
	"context"
	"mime"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/patchwork-go/patchwork/store"
)

// fixture is a small instance built through the store: two projects, people
// with and without names, users in every role pwclient's writes care about,
// patches with duplicate hashes, a pull request without diff, a series, and
// checks (two from one user and context, so the unique set differs).
type fixture struct {
	s store.Store

	libuv, zlib *store.Project

	// Users; every password is the username + "-pw".
	maint, dele, sub, other, gone, nopw, admin *store.User

	jane, anon, rafal, nameless *store.Person // submitters (jane linked to sub)
	maintPerson, delePerson     *store.Person // the users' own people

	series *store.Series

	// a, b: series of two by jane (a delegated to dele); c, d: same hash as
	// a, c and d on the same date (d the newest by id); pull: no diff, no
	// hash; z: in zlib.
	a, b, c, d, pull, z *store.Patch

	states map[string]store.State // by name

	// Checks of a: maint ci/build success then fail (same context: only
	// the fail is unique), other lint pending with empty URL and text.
	chkOld, chkNew, chkLint, chkZ *store.Check
}

const (
	hashA = "2d5a5e0e7d5d0f9f1c5f0c9a0ab4d1f6e2f7c3a1"
	hashZ = "9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b"
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newFixture(t testing.TB, s store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{s: s, states: map[string]store.State{}}
	states, err := s.ListStates(ctx)
	must(t, err)
	for _, st := range states {
		f.states[st.Name] = st
	}
	for _, name := range []string{"New", "Under Review", "Accepted", "Superseded", "Changes Requested"} {
		if _, ok := f.states[name]; !ok {
			t.Fatalf("no state %q after migration", name)
		}
	}

	// zlib first, so that ordering by linkname differs from id order.
	f.zlib = &store.Project{LinkName: "zlib", Name: "zlib", ListID: "zlib.example.org", ListEmail: "zlib@example.org"}
	must(t, s.CreateProject(ctx, f.zlib))
	f.libuv = &store.Project{LinkName: "libuv", Name: "libuv project", ListID: "libuv.example.org", ListEmail: "libuv@example.org"}
	must(t, s.CreateProject(ctx, f.libuv))

	user := func(name string, active bool, password bool) *store.User {
		u := &store.User{Username: name, Email: name + "@example.org", Active: active}
		if password {
			h, err := bcrypt.GenerateFromPassword([]byte(name+"-pw"), bcrypt.MinCost)
			must(t, err)
			u.PasswordHash = string(h)
		}
		must(t, s.CreateUser(ctx, u))
		return u
	}
	f.maint = user("maint", true, true)
	f.dele = user("dele", true, true)
	f.sub = user("sub", true, true)
	f.other = user("other", true, true)
	f.gone = user("gone", false, true)
	f.nopw = user("nopw", true, false)
	f.admin = user("admin", true, true)
	f.admin.IsAdmin = true
	must(t, s.UpdateUser(ctx, f.admin))
	for _, u := range []*store.User{f.maint, f.gone, f.nopw} {
		must(t, s.AddMaintainer(ctx, f.libuv.ID, u.ID))
	}
	must(t, s.AddMaintainer(ctx, f.zlib.ID, f.dele.ID))

	person := func(email, name string, u *store.User) *store.Person {
		p, err := s.UpsertPerson(ctx, email, name, false)
		must(t, err)
		if u != nil {
			must(t, s.LinkPerson(ctx, email, u.ID))
			p.UserID = u.ID
		}
		return p
	}
	f.jane = person("jane@example.org", "Jane Doe", f.sub)
	f.anon = person("anon@example.org", "", nil)
	f.rafal = person("rafal@example.org", "Rafał Miłecki", nil)
	f.maintPerson = person("maint@example.org", "Mae Maintainer", f.maint)
	f.delePerson = person("dele@example.org", "Del Egate", f.dele)
	f.nameless = person("nameless@example.org", "", f.other)

	f.series = &store.Series{ProjectID: f.libuv.ID, Name: "test: lorem ipsum", Date: date("2016-09-11 22:22:03"),
		SubmitterID: f.jane.ID, Version: 1, Total: 2}
	must(t, s.CreateSeries(ctx, f.series))

	patch := func(p *store.Patch) *store.Patch {
		if p.ProjectID == 0 {
			p.ProjectID = f.libuv.ID
		}
		if p.Headers == "" {
			// As a mail stored them: the mbox is built from these.
			sub, err := s.GetPerson(ctx, p.SubmitterID)
			must(t, err)
			from := sub.Email
			if sub.Name != "" {
				from = mime.QEncoding.Encode("utf-8", sub.Name) + " <" + sub.Email + ">"
			}
			p.Headers = "From: " + from + "\nDate: " + p.Date.Format(time.RFC1123Z) +
				"\nMessage-Id: " + p.MsgID + "\nSubject: " + mime.QEncoding.Encode("utf-8", p.Name) + "\n"
		}
		if p.Content == "" {
			p.Content = "Some text about " + p.Name + "\n"
		}
		must(t, s.CreatePatch(ctx, p, nil))
		return p
	}
	diff := "diff --git a/README b/README\n--- a/README\n+++ b/README\n@@ -1 +1,2 @@\n lorem\n+ipsum\n"
	f.a = patch(&store.Patch{MsgID: "<1473632524-8585-2-git-send-email-jane@example.org>",
		Name: "[1/2] test: Add some lorem ipsum", Date: date("2016-09-11 22:22:03"), SubmitterID: f.jane.ID,
		Diff: diff, Hash: hashA, DelegateID: f.dele.ID, SeriesID: f.series.ID, Number: 1})
	f.b = patch(&store.Patch{MsgID: "<1473632524-8585-3-git-send-email-jane@example.org>",
		Name: "[2/2] test: Add more ipsum", Date: date("2016-09-11 22:22:04"), SubmitterID: f.jane.ID,
		Diff: diff, Hash: "1111111111111111111111111111111111111111", CommitRef: "abc123def",
		StateID: f.states["Accepted"].ID, Archived: true, SeriesID: f.series.ID, Number: 2})
	f.c = patch(&store.Patch{MsgID: "<c@example.org>",
		Name: "win: shrink fd hash table from 2592k to 162k (#4869)", Date: date("2017-01-02 03:04:05"),
		SubmitterID: f.anon.ID, Diff: diff, Hash: hashA})
	f.d = patch(&store.Patch{MsgID: "<d@example.org>", Name: "Rafał: ça marche", Date: date("2017-01-02 03:04:05"),
		SubmitterID: f.rafal.ID, Diff: diff, Hash: hashA, StateID: f.states["Under Review"].ID})
	f.pull = patch(&store.Patch{MsgID: "<pull@example.org>", Name: "[GIT PULL] fixes for 1.x",
		Date: date("2018-03-04 05:06:07"), SubmitterID: f.rafal.ID, PullURL: "https://git.example.org/libuv fixes"})
	f.z = patch(&store.Patch{ProjectID: f.zlib.ID, MsgID: "<z@example.org>", Name: "zlib: fix <inflate> & co",
		Date: date("2015-06-07 08:09:10"), SubmitterID: f.jane.ID, Diff: diff, Hash: hashZ})

	check := func(c *store.Check) *store.Check {
		must(t, s.CreateCheck(ctx, c))
		return c
	}
	f.chkOld = check(&store.Check{PatchID: f.a.ID, UserID: f.maint.ID, Date: date("2020-01-01 10:00:00.250000"),
		State: store.CheckSuccess, TargetURL: "https://ci.example.org/1", Context: "ci/build", Description: "Build passed"})
	f.chkNew = check(&store.Check{PatchID: f.a.ID, UserID: f.maint.ID, Date: date("2020-01-02 10:00:00.500000"),
		State: store.CheckFail, TargetURL: "https://ci.example.org/2", Context: "ci/build", Description: "Build failed"})
	f.chkLint = check(&store.Check{PatchID: f.a.ID, UserID: f.other.ID, Date: date("2020-01-03 10:00:00"),
		State: store.CheckPending, Context: "lint"})
	f.chkZ = check(&store.Check{PatchID: f.z.ID, UserID: f.dele.ID, Date: date("2020-02-01 00:00:00.000001"),
		State: store.CheckWarning, TargetURL: "https://ci.example.org/z", Context: "zlib-ci", Description: "meh"})
	return f
}

// date parses a UTC time in the form the patch dicts use.
func date(s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05.000000", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	panic("bad date " + s)
}

func (f *fixture) creds(u *store.User) creds {
	return creds{user: u.Username, password: u.Username + "-pw"}
}

package tui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// now is the fixed session clock of every test.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is a small but complete project: a series in two versions with
// a cover letter, standalone patches in several states, comments in a
// thread, tags, checks, a delegate; plus a second project and users with
// different rights.
type fixture struct {
	s              store.Store
	libuv, other   *store.Project
	mia            *store.User // maintains libuv
	oscar          *store.User // maintains other only
	jane, bob      *store.Person
	states         map[string]store.State // by slug
	tags           map[string]store.Tag   // by name
	v1, v2         *store.Series
	v1p, v2p       []*store.Patch // by number - 1
	fix, doc, acc  *store.Patch   // standalone patches
	archived       *store.Patch
	cover          *store.Cover
	comment, reply *store.Comment
}

const sampleDiff = `diff --git a/src/unix/core.c b/src/unix/core.c
index 1111111..2222222 100644
--- a/src/unix/core.c
+++ b/src/unix/core.c
@@ -10,7 +10,7 @@ int uv__loop_alive(const uv_loop_t* loop) {
 int uv_run(uv_loop_t* loop, uv_run_mode mode) {
   int timeout;
-  int r;
+  int r = 0;
   int can_sleep;
 
   r = uv__loop_alive(loop);
`

func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func seed(t testing.TB, s store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{s: s, states: map[string]store.State{}, tags: map[string]store.Tag{}}
	for _, st := range must(s.ListStates(ctx))(t) {
		f.states[st.Slug] = st
	}
	for _, tg := range must(s.ListTags(ctx))(t) {
		f.tags[tg.Name] = tg
	}
	f.libuv = &store.Project{LinkName: "libuv", Name: "libuv", ListID: "libuv.lists.example.org", ListEmail: "libuv@lists.example.org",
		CommitURLFormat: "https://github.com/libuv/libuv/commit/{}"}
	check(t, s.CreateProject(ctx, f.libuv))
	f.other = &store.Project{LinkName: "other", Name: "Other project", ListID: "other.lists.example.org", ListEmail: "other@lists.example.org"}
	check(t, s.CreateProject(ctx, f.other))

	f.mia = &store.User{Username: "mia", Email: "mia@example.org", Active: true}
	check(t, s.CreateUser(ctx, f.mia))
	f.oscar = &store.User{Username: "oscar", Email: "oscar@example.org", Active: true}
	check(t, s.CreateUser(ctx, f.oscar))
	check(t, s.AddMaintainer(ctx, f.libuv.ID, f.mia.ID))
	check(t, s.AddMaintainer(ctx, f.other.ID, f.oscar.ID))
	f.jane = must(s.UpsertPerson(ctx, "jane@example.org", "Jane Dev", false))(t)
	f.bob = must(s.UpsertPerson(ctx, "bob@example.org", "Bob Reviewer", false))(t)

	day := func(d int) time.Time { return time.Date(2026, 2, d, 10, 0, 0, 0, time.UTC) }
	newPatch := func(name string, date time.Time, state string, tags store.TagCounts, mod func(*store.Patch)) *store.Patch {
		p := &store.Patch{
			ProjectID: f.libuv.ID, MsgID: fmt.Sprintf("<%d.%s@example.org>", date.Unix(), store.Slugify(name)),
			Name: name, Date: date, SubmitterID: f.jane.ID, StateID: f.states[state].ID,
			Headers: "From: Jane Dev <jane@example.org>\n",
			Content: "Fix the thing.\n\nSigned-off-by: Jane Dev <jane@example.org>\n", Diff: sampleDiff,
			Hash: fmt.Sprintf("%040x", date.Unix()),
		}
		if mod != nil {
			mod(p)
		}
		check(t, s.CreatePatch(ctx, p, tags))
		return p
	}

	// Series v1 (2 patches, cover) and v2 (2 patches) in one version chain.
	f.v1 = &store.Series{ProjectID: f.libuv.ID, Name: "unix: loop fixes", Date: day(10), SubmitterID: f.jane.ID, Version: 1, Total: 2}
	check(t, s.CreateSeries(ctx, f.v1))
	f.cover = &store.Cover{ProjectID: f.libuv.ID, MsgID: "<cover.v1@example.org>", Name: "[PATCH 0/2] unix: loop fixes",
		Date: day(10), SubmitterID: f.jane.ID, Content: "This series fixes two loop bugs.\n\nJane\n", SeriesID: f.v1.ID}
	check(t, s.CreateCover(ctx, f.cover))
	f.v1.CoverID = f.cover.ID
	check(t, s.UpdateSeries(ctx, f.v1))
	for i := 1; i <= 2; i++ {
		f.v1p = append(f.v1p, newPatch(fmt.Sprintf("[PATCH %d/2] unix: loop fix %d", i, i),
			day(10).Add(time.Duration(i)*time.Minute), "superseded", nil, func(p *store.Patch) {
				p.SeriesID, p.Number = f.v1.ID, i
			}))
	}
	f.v2 = &store.Series{ProjectID: f.libuv.ID, Name: "unix: loop fixes", Date: day(15), SubmitterID: f.jane.ID, Version: 2, Total: 2, PreviousID: f.v1.ID}
	check(t, s.CreateSeries(ctx, f.v2))
	for i := 1; i <= 2; i++ {
		f.v2p = append(f.v2p, newPatch(fmt.Sprintf("[PATCH v2 %d/2] unix: loop fix %d", i, i),
			day(15).Add(time.Duration(i)*time.Minute), "new", store.TagCounts{f.tags["Reviewed-by"].ID: 1}, func(p *store.Patch) {
				p.SeriesID, p.Number = f.v2.ID, i
				if i == 1 {
					p.Content = "Fix the thing, now with a zero.\n\nSigned-off-by: Jane Dev <jane@example.org>\n"
					p.Diff = sampleDiff + "@@ -40,3 +40,4 @@\n   return r;\n+  /* done */\n }\n"
				}
			}))
	}

	f.fix = newPatch("[PATCH] win: fix handle leak", day(18), "under-review", store.TagCounts{f.tags["Acked-by"].ID: 2}, func(p *store.Patch) {
		p.SubmitterID = f.bob.ID
		p.DelegateID = f.mia.ID
	})
	f.doc = newPatch("[PATCH] doc: typo in README", day(19), "new", nil, nil)
	f.acc = newPatch("[PATCH] build: bump cmake minimum", day(5), "accepted", nil, func(p *store.Patch) { p.CommitRef = "abc1234" })
	f.archived = newPatch("[PATCH] old: archived patch", day(1), "new", nil, func(p *store.Patch) { p.Archived = true })

	// A comment on the first v2 patch and a reply to it, and two checks.
	p := f.v2p[0]
	f.comment = &store.Comment{PatchID: p.ID, ProjectID: f.libuv.ID, MsgID: "<c1@example.org>", Date: day(16), SubmitterID: f.bob.ID,
		Headers: "In-Reply-To: " + p.MsgID + "\n", Content: "> +  int r = 0;\nWhy zero?\n\nReviewed-by: Bob Reviewer <bob@example.org>\n"}
	check(t, s.CreateComment(ctx, f.comment))
	f.reply = &store.Comment{PatchID: p.ID, ProjectID: f.libuv.ID, MsgID: "<c2@example.org>", Date: day(17), SubmitterID: f.jane.ID,
		Headers: "In-Reply-To: <c1@example.org>\n", Content: "Because it is read before it is set.\n"}
	check(t, s.CreateComment(ctx, f.reply))
	check(t, s.CreateCheck(ctx, &store.Check{PatchID: p.ID, UserID: f.oscar.ID, Date: day(16), State: store.CheckSuccess,
		Context: "build", TargetURL: "https://ci.example.org/1", Description: "builds on linux"}))
	check(t, s.CreateCheck(ctx, &store.Check{PatchID: p.ID, UserID: f.oscar.ID, Date: day(16), State: store.CheckFail,
		Context: "test", TargetURL: "https://ci.example.org/2", Description: "3 tests failed"}))
	return f
}

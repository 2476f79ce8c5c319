package web_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/patchwork-go/patchwork/store"
)

// xss is the attack corpus put into every mail-derived field.
const (
	xssScript = `<script>alert("x")</script>`
	xssAttr   = `"><img src=x onerror=alert(1)>`
	xssQuote  = `' onmouseover='alert(1)`
)

// fixture is a small but complete data set built through store methods.
type fixture struct {
	proj                       *store.Project
	jane, evil                 *store.Person
	maint, owner               *store.User
	token                      string
	series                     *store.Series
	cover                      *store.Cover
	p1, p2, p3                 *store.Patch // series patches 1..3 (p3 archived, accepted)
	odd                        *store.Patch // Message-ID with a '/' and odd characters
	oddCover                   *store.Cover // cover with a '/' in its Message-ID
	xssCover                   *store.Cover
	lone                       *store.Patch // no series, no diff (pull request)
	xss                        *store.Patch
	patchComment, coverComment *store.Comment
	public, private            *store.Bundle
	stateNew, stateAccepted    store.State
	xssComment                 *store.Comment
}

const password = "s3cret-pass"

// mustT lets a two-value store call be used inline: mustT(s.X(ctx))(t).
func mustT[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func newFixture(t testing.TB, s store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{}
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	states := mustT(s.ListStates(ctx))(t)
	var ok bool
	if f.stateNew, ok = store.FindState(states, "new"); !ok {
		t.Fatal("no New state seeded")
	}
	if f.stateAccepted, ok = store.FindState(states, "accepted"); !ok {
		t.Fatal("no Accepted state seeded")
	}
	tags := mustT(s.ListTags(ctx))(t)
	acked, _ := findTag(tags, "Acked-by")

	f.proj = &store.Project{LinkName: "test", Name: "Test Project", ListID: "test.example.com", ListEmail: "test@example.com",
		ListArchiveURLFormat: "https://lore.example.org/r/{}", CommitURLFormat: "https://git.example.org/c/{}",
		WebURL: "javascript:alert(1)", UseTags: true}
	check(s.CreateProject(ctx, f.proj))

	hash, _ := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	f.maint = &store.User{Username: "maint", Email: "maint@example.org", FirstName: "Mai", LastName: "Ntainer", Active: true, PasswordHash: string(hash), DateJoined: time.Now().UTC()}
	check(s.CreateUser(ctx, f.maint))
	check(s.AddMaintainer(ctx, f.proj.ID, f.maint.ID))
	f.owner = &store.User{Username: "owner", Email: "owner@example.org", Active: true, PasswordHash: string(hash), DateJoined: time.Now().UTC()}
	check(s.CreateUser(ctx, f.owner))
	f.token = "0123456789abcdef0123456789abcdef01234567"
	check(s.SetToken(ctx, f.owner.ID, f.token))

	f.jane = mustT(s.UpsertPerson(ctx, "jane@example.org", "Jane Doe", false))(t)
	f.evil = mustT(s.UpsertPerson(ctx, "evil@example.org", xssAttr+xssScript, false))(t)

	date := time.Date(2016, 9, 13, 8, 15, 0, 0, time.UTC)
	f.series = &store.Series{ProjectID: f.proj.ID, Name: "frob: fixes", Date: date, SubmitterID: f.jane.ID, Version: 2, Total: 3}
	check(s.CreateSeries(ctx, f.series))
	f.cover = &store.Cover{ProjectID: f.proj.ID, MsgID: "<cover-1@example.org>", Name: "[PATCH v2 0/3] frob: fixes", Date: date,
		SubmitterID: f.jane.ID, SeriesID: f.series.ID, Content: "This fixes frob.\n\nAcked-by: Cover Acker <c@example.org>",
		Headers: "From: Jane Doe <jane@example.org>\nSubject: [PATCH v2 0/3] frob: fixes\nMessage-Id: <cover-1@example.org>"}
	check(s.CreateCover(ctx, f.cover))
	f.series.CoverID = f.cover.ID
	check(s.UpdateSeries(ctx, f.series))

	mk := func(msgid, name string, n int, seriesID int64, diff string, d time.Duration) *store.Patch {
		p := &store.Patch{ProjectID: f.proj.ID, MsgID: msgid, Name: name, Date: date.Add(d), SubmitterID: f.jane.ID,
			Headers: "From: Jane Doe <jane@example.org>\nSubject: " + name + "\nMessage-Id: " + msgid,
			Content: "Description of " + name + "\n\nSigned-off-by: Jane Doe <jane@example.org>\n---\n v2: reworded", Diff: diff,
			StateID: f.stateNew.ID, SeriesID: seriesID, Number: n, Hash: ""}
		check(s.CreatePatch(ctx, p, nil))
		return p
	}
	diff := "diff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-old\n+new\n"
	f.p1 = mk("<p1@example.org>", "[PATCH v2 1/3] frob: one", 1, f.series.ID, diff, time.Minute)
	f.p2 = mk("<p2@example.org>", "[PATCH v2 2/3] frob: two", 2, f.series.ID, diff, 2*time.Minute)
	f.p3 = mk("<p3@example.org>", "[PATCH v2 3/3] frob: three", 3, f.series.ID, diff, 3*time.Minute)
	accepted, archived := f.stateAccepted.ID, true
	f.p3 = mustT(s.UpdatePatch(ctx, f.p3.ID, store.PatchUpdate{StateID: &accepted, Archived: &archived}, 0))(t)
	f.odd = mk("<odd/slash+[bot] x%y@example.org>", "odd: message id", 0, 0, diff, 4*time.Minute)
	f.lone = mk("<pull@example.org>", "[GIT PULL] lone pull request", 0, 0, "", 5*time.Minute)
	f.xss = &store.Patch{ProjectID: f.proj.ID, MsgID: "<x\"><script>@example.org>", Name: "xss " + xssScript + xssAttr + xssQuote,
		Date: date.Add(6 * time.Minute), SubmitterID: f.evil.ID, StateID: f.stateNew.ID,
		Headers: "From: evil <evil@example.org>\nSubject: " + xssScript + "\nX-Evil: " + xssAttr,
		Content: "body " + xssScript + "</pre>" + xssAttr, Diff: "diff --git a/x b/x\n+" + xssScript + "\n-" + xssAttr + "\n",
		CommitRef: xssAttr, PullURL: "javascript:alert(2)"}
	check(s.CreatePatch(ctx, f.xss, store.TagCounts{acked: 1}))
	delegate := f.maint.ID
	f.p1 = mustT(s.UpdatePatch(ctx, f.p1.ID, store.PatchUpdate{DelegateID: &delegate}, 0))(t)

	f.oddCover = &store.Cover{ProjectID: f.proj.ID, MsgID: "<odd/cover@example.org>", Name: "odd cover", Date: date, SubmitterID: f.jane.ID, Content: "cover text"}
	check(s.CreateCover(ctx, f.oddCover))
	f.xssCover = &store.Cover{ProjectID: f.proj.ID, MsgID: "<xss-cover@example.org>", Name: "cover " + xssScript + xssAttr, Date: date,
		SubmitterID: f.evil.ID, Content: xssAttr + xssScript, Headers: "Subject: " + xssQuote}
	check(s.CreateCover(ctx, f.xssCover))

	f.patchComment = &store.Comment{PatchID: f.p1.ID, ProjectID: f.proj.ID, MsgID: "<c1@example.org>", Date: date.Add(time.Hour),
		SubmitterID: f.jane.ID, Content: "Looks good.\n\nReviewed-by: John Roe <john@example.org>\n> Acked-by: quoted <q@x>"}
	check(s.CreateComment(ctx, f.patchComment))
	f.coverComment = &store.Comment{CoverID: f.cover.ID, ProjectID: f.proj.ID, MsgID: "<c2@example.org>", Date: date.Add(time.Hour),
		SubmitterID: f.jane.ID, Content: "Tested-by: Tess <t@example.org>"}
	check(s.CreateComment(ctx, f.coverComment))
	f.xssComment = &store.Comment{PatchID: f.xss.ID, ProjectID: f.proj.ID, MsgID: "<c3@example.org>", Date: date.Add(time.Hour),
		SubmitterID: f.evil.ID, Content: xssScript + xssAttr}
	check(s.CreateComment(ctx, f.xssComment))

	check(s.CreateCheck(ctx, &store.Check{PatchID: f.xss.ID, UserID: f.maint.ID, Date: date, State: store.CheckFail,
		TargetURL: "javascript:alert(3)", Context: xssAttr, Description: xssScript}))
	check(s.CreateCheck(ctx, &store.Check{PatchID: f.p1.ID, UserID: f.maint.ID, Date: date, State: store.CheckSuccess,
		TargetURL: "https://ci.example.org/1", Context: "ci/build", Description: "all good"}))

	f.public = &store.Bundle{OwnerID: f.owner.ID, ProjectID: f.proj.ID, Name: "my stuff", Public: true}
	check(s.CreateBundle(ctx, f.public))
	check(s.SetBundlePatches(ctx, f.public.ID, []int64{f.p2.ID, f.p1.ID}))
	f.private = &store.Bundle{OwnerID: f.owner.ID, ProjectID: f.proj.ID, Name: "secret", Public: false}
	check(s.CreateBundle(ctx, f.private))
	check(s.SetBundlePatches(ctx, f.private.ID, []int64{f.p1.ID}))
	return f
}

func findTag(tags []store.Tag, name string) (int64, bool) {
	for _, t := range tags {
		if t.Name == name {
			return t.ID, true
		}
	}
	return 0, false
}

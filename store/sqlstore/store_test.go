package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// fixture is a small project with people, a maintainer and patches.
type fixture struct {
	proj   *store.Project
	sub    *store.Person
	maint  *store.User
	states []store.State
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func state(t *testing.T, f fixture, slug string) int64 {
	t.Helper()
	st, ok := store.FindState(f.states, slug)
	if !ok {
		t.Fatalf("no state %q", slug)
	}
	return st.ID
}

func setup(t *testing.T, s store.Store) fixture {
	t.Helper()
	ctx := context.Background()
	p := &store.Project{LinkName: "linux", Name: "Linux", ListID: "linux.example.org", ListEmail: "linux@example.org",
		SendNotifications: true, UseTags: true}
	must(t, s.CreateProject(ctx, p))
	sub, err := s.UpsertPerson(ctx, "Dev@Example.org", "A Developer", false)
	must(t, err)
	u := &store.User{Username: "maint", Email: "maint@example.org", Active: true, DateJoined: time.Now()}
	must(t, s.CreateUser(ctx, u))
	must(t, s.AddMaintainer(ctx, p.ID, u.ID))
	states, err := s.ListStates(ctx)
	must(t, err)
	return fixture{proj: p, sub: sub, maint: u, states: states}
}

func addPatch(t *testing.T, s store.Store, f fixture, n int, date time.Time) *store.Patch {
	t.Helper()
	p := &store.Patch{ProjectID: f.proj.ID, MsgID: fmt.Sprintf("<patch-%d@example.org>", n),
		Name: fmt.Sprintf("[%d/9] net: fix thing %d", n, n), Date: date, SubmitterID: f.sub.ID,
		Headers: "Subject: x\n", Content: "Signed-off-by: A <a@example.org>\n", Diff: "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n",
		Hash: fmt.Sprintf("%040x", n), StateID: state(t, f, "new")}
	must(t, s.CreatePatch(context.Background(), p, store.TagCounts{}))
	return p
}

func TestProjectsPeopleUsers(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		dup := &store.Project{LinkName: "linux", Name: "Other", ListID: "x", ListEmail: "x@x"}
		if err := s.CreateProject(ctx, dup); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate linkname: got %v, want ErrConflict", err)
		}
		got, err := s.GetProjectByLinkName(ctx, "linux")
		must(t, err)
		if got.ID != f.proj.ID || !got.SendNotifications || got.ListID != "linux.example.org" {
			t.Fatalf("project round trip: %+v", got)
		}
		if _, err := s.GetProject(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown project: %v", err)
		}
		// E-mail addresses compare case-insensitively; a name fills a blank.
		p2, err := s.UpsertPerson(ctx, "dev@example.ORG", "Other Name", false)
		must(t, err)
		if p2.ID != f.sub.ID || p2.Name != "A Developer" {
			t.Fatalf("upsert same address: %+v vs %+v", p2, f.sub)
		}
		// InsertPerson creates in one go, and on a known address (another
		// writer was first) behaves as UpsertPerson.
		np, err := s.InsertPerson(ctx, " New@Example.org", "New One", false)
		must(t, err)
		if byMail, err := s.GetPersonByEmail(ctx, "new@example.org"); err != nil || *byMail != *np || np.ID == 0 {
			t.Fatalf("insert person: %+v, stored %+v (%v)", np, byMail, err)
		}
		again, err := s.InsertPerson(ctx, "DEV@example.org", "Third Name", true)
		must(t, err)
		if again.ID != f.sub.ID || again.Name != "Third Name" {
			t.Fatalf("insert known person: %+v", again)
		}
		byMail, err := s.PeopleByEmails(ctx, []string{"dev@EXAMPLE.org", "New@example.org ", "nobody@example.org", ""})
		must(t, err)
		if len(byMail) != 2 || byMail["dev@example.org"].ID != f.sub.ID || byMail["new@example.org"].ID != np.ID {
			t.Fatalf("people by e-mail: %+v", byMail)
		}
		if _, err := s.UpsertPerson(ctx, "dev@example.org", "A Developer", true); err != nil {
			t.Fatal(err)
		}
		ok, err := s.IsMaintainer(ctx, f.proj.ID, f.maint.ID)
		must(t, err)
		if !ok {
			t.Fatal("maintainer not recorded")
		}
		must(t, s.AddMaintainer(ctx, f.proj.ID, f.maint.ID)) // idempotent
		if u := (&store.User{Username: "maint", Email: "other@example.org", DateJoined: time.Now()}); !errors.Is(s.CreateUser(ctx, u), store.ErrConflict) {
			t.Fatal("duplicate username accepted")
		}
		k := &store.SSHKey{UserID: f.maint.ID, Type: "ssh-ed25519", Fingerprint: "SHA256:abc", Key: "ssh-ed25519 AAAA", Created: time.Now()}
		must(t, s.AddSSHKey(ctx, k))
		if err := s.AddSSHKey(ctx, &store.SSHKey{UserID: f.maint.ID, Type: "ssh-ed25519", Fingerprint: "SHA256:abc", Key: "k", Created: time.Now()}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate fingerprint: %v", err)
		}
		byKey, err := s.UserBySSHKey(ctx, "SHA256:abc")
		must(t, err)
		if byKey.ID != f.maint.ID {
			t.Fatal("key owner wrong")
		}
		must(t, s.SetToken(ctx, f.maint.ID, "tok1"))
		must(t, s.SetToken(ctx, f.maint.ID, "tok2"))
		if _, err := s.UserByToken(ctx, "tok1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("replaced token still valid: %v", err)
		}
		byTok, err := s.UserByToken(ctx, "tok2")
		must(t, err)
		if byTok.ID != f.maint.ID {
			t.Fatal("token owner wrong")
		}
		must(t, s.SetOptOut(ctx, "Dev@example.org", true))
		out, err := s.IsOptedOut(ctx, "dev@EXAMPLE.org")
		must(t, err)
		if !out {
			t.Fatal("opt-out not case-insensitive")
		}
	})
}

func TestPatchLifecycle(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
		var ids []int64
		for i := 1; i <= 5; i++ {
			ids = append(ids, addPatch(t, s, f, i, base.Add(time.Duration(i)*time.Hour)).ID)
		}
		dup := &store.Patch{ProjectID: f.proj.ID, MsgID: "<patch-1@example.org>", Name: "x", Date: base, SubmitterID: f.sub.ID, StateID: state(t, f, "new")}
		if err := s.CreatePatch(ctx, dup, nil); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate msgid: %v", err)
		}
		// NUL bytes and 4-byte UTF-8 survive (NUL stripped) on every database.
		odd := &store.Patch{ProjectID: f.proj.ID, MsgID: "<odd@example.org>", Name: "emoji \U0001F600 name", Date: base,
			SubmitterID: f.sub.ID, Content: "nul\x00byte \U0001F680", StateID: state(t, f, "new")}
		must(t, s.CreatePatch(ctx, odd, nil))
		got, err := s.GetPatch(ctx, odd.ID)
		must(t, err)
		if got.Name != "emoji \U0001F600 name" || got.Content != "nulbyte \U0001F680" {
			t.Fatalf("odd text: %q %q", got.Name, got.Content)
		}
		if !got.Date.Equal(base) {
			t.Fatalf("date round trip: %v vs %v", got.Date, base)
		}

		// Keyset paging walks the whole list without gaps or repeats.
		q := store.PatchQuery{Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{f.proj.ID}}}, Order: store.OrderDate, Limit: 2}
		var seen []int64
		for {
			rows, err := s.ListPatches(ctx, q)
			must(t, err)
			for _, r := range rows {
				seen = append(seen, r.ID)
			}
			if len(rows) < 2 {
				break
			}
			c := store.CursorOf(rows[len(rows)-1])
			q.After = &c
		}
		if len(seen) != 6 {
			t.Fatalf("paged %d patches, want 6: %v", len(seen), seen)
		}
		n, err := s.CountPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldName, Strs: []string{"FIX THING"}}}})
		must(t, err)
		if n != 5 {
			t.Fatalf("name search counted %d, want 5", n)
		}

		// A state change records an event and queues one notification.
		accepted := state(t, f, "accepted")
		ref := "abc123"
		p, err := s.UpdatePatch(ctx, ids[0], store.PatchUpdate{StateID: &accepted, CommitRef: &ref, DelegateID: &f.maint.ID}, f.maint.ID)
		must(t, err)
		if p.StateID != accepted || p.CommitRef != ref || p.DelegateID != f.maint.ID {
			t.Fatalf("update: %+v", p)
		}
		evs, err := s.ListEvents(ctx, store.EventQuery{PatchID: ids[0], Categories: []string{store.EventPatchStateChanged, store.EventPatchDelegated}})
		must(t, err)
		if len(evs) != 2 {
			t.Fatalf("events: %+v", evs)
		}
		pend, err := s.PendingNotifications(ctx, time.Now().Add(time.Minute))
		must(t, err)
		if len(pend) != 1 || pend[0].PatchID != ids[0] || pend[0].OrigStateID != state(t, f, "new") {
			t.Fatalf("notifications: %+v", pend)
		}
		// A second change before cron keeps the original state and stays
		// queued when the first read is deleted.
		rejected := state(t, f, "rejected")
		_, err = s.UpdatePatch(ctx, ids[0], store.PatchUpdate{StateID: &rejected}, f.maint.ID)
		must(t, err)
		must(t, s.DeleteNotifications(ctx, pend))
		pend2, err := s.PendingNotifications(ctx, time.Now().Add(time.Minute))
		must(t, err)
		if len(pend2) != 1 || pend2[0].OrigStateID != state(t, f, "new") {
			t.Fatalf("newer change lost: %+v", pend2)
		}
		must(t, s.DeleteNotifications(ctx, pend2))
		if pend3, _ := s.PendingNotifications(ctx, time.Now().Add(time.Minute)); len(pend3) != 0 {
			t.Fatalf("sent notification still queued: %+v", pend3)
		}
		counts, err := s.CountByState(ctx, f.proj.ID, nil)
		must(t, err)
		if counts[state(t, f, "new")] != 5 || counts[rejected] != 1 {
			t.Fatalf("counts by state: %v", counts)
		}
		byHash, err := s.GetPatchesByHash(ctx, f.proj.ID, fmt.Sprintf("%040x", 2))
		must(t, err)
		if len(byHash) != 1 || byHash[0].ID != ids[1] {
			t.Fatalf("by hash: %+v", byHash)
		}
		last, err := s.LatestEventID(ctx)
		must(t, err)
		if last == 0 {
			t.Fatal("no latest event id")
		}
	})
}

func TestSeriesCommentsChecksBundles(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		base := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
		ser := &store.Series{ProjectID: f.proj.ID, Name: "net fixes", Date: base, SubmitterID: f.sub.ID, Version: 1, Total: 2}
		must(t, s.CreateSeries(ctx, ser))
		var ps []*store.Patch
		for i := 1; i <= 2; i++ {
			p := &store.Patch{ProjectID: f.proj.ID, MsgID: fmt.Sprintf("<s%d@example.org>", i), Name: "p", Date: base,
				SubmitterID: f.sub.ID, StateID: state(t, f, "new"), SeriesID: ser.ID, Number: i}
			must(t, s.CreatePatch(ctx, p, store.TagCounts{}))
			ps = append(ps, p)
		}
		got, err := s.GetSeries(ctx, ser.ID)
		must(t, err)
		if got.ReceivedTotal != 2 || !got.ReceivedAll() {
			t.Fatalf("series received: %+v", got)
		}
		added, err := s.AddSeriesReference(ctx, f.proj.ID, ser.ID, "<s1@example.org>")
		must(t, err)
		again, err := s.AddSeriesReference(ctx, f.proj.ID, ser.ID, "<s1@example.org>")
		must(t, err)
		if !added || again {
			t.Fatalf("reference added=%v again=%v", added, again)
		}
		byRef, err := s.SeriesByReference(ctx, f.proj.ID, "<s1@example.org>")
		must(t, err)
		if byRef.ID != ser.ID {
			t.Fatal("series by reference")
		}
		v2 := &store.Series{ProjectID: f.proj.ID, Name: "net fixes", Date: base.Add(time.Hour), SubmitterID: f.sub.ID, Version: 2, Total: 2, PreviousID: ser.ID}
		must(t, s.CreateSeries(ctx, v2))
		// A v2 threaded to the v1 mail shares the id; the first keeps
		// SeriesByReference, both are listed in recording order.
		shared, err := s.AddSeriesReference(ctx, f.proj.ID, v2.ID, "<s1@example.org>")
		must(t, err)
		byRef, err = s.SeriesByReference(ctx, f.proj.ID, "<s1@example.org>")
		must(t, err)
		allRefs, err := s.SeriesRefsIn(ctx, f.proj.ID, []string{"<s1@example.org>"})
		must(t, err)
		if all := allRefs["<s1@example.org>"]; !shared || byRef.ID != ser.ID || !slices.Equal(all, []int64{ser.ID, v2.ID}) {
			t.Fatalf("shared reference: added %v, first %d, all %+v", shared, byRef.ID, allRefs)
		}
		vers, err := s.SeriesVersions(ctx, v2.ID)
		must(t, err)
		if len(vers) != 2 || vers[0].ID != ser.ID || vers[1].ID != v2.ID {
			t.Fatalf("versions: %+v", vers)
		}

		c := &store.Comment{PatchID: ps[0].ID, ProjectID: f.proj.ID, MsgID: "<reply@example.org>", Date: base.Add(time.Minute),
			SubmitterID: f.sub.ID, Content: "Acked-by: X <x@example.org>"}
		must(t, s.CreateComment(ctx, c))
		if err := s.CreateComment(ctx, &store.Comment{PatchID: ps[0].ID, ProjectID: f.proj.ID, MsgID: "<reply@example.org>", Date: base, SubmitterID: f.sub.ID}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate comment: %v", err)
		}
		pid, cid, err := s.FindCommentParent(ctx, f.proj.ID, "<reply@example.org>")
		must(t, err)
		if pid != ps[0].ID || cid != 0 {
			t.Fatalf("comment parent %d %d", pid, cid)
		}
		tags, err := s.ListTags(ctx)
		must(t, err)
		must(t, s.AddTagCounts(ctx, ps[0].ID, store.TagCounts{tags[0].ID: 1}))
		must(t, s.AddTagCounts(ctx, ps[0].ID, store.TagCounts{tags[0].ID: 2}))
		tc, err := s.GetTagCounts(ctx, ps[0].ID)
		must(t, err)
		if tc[tags[0].ID] != 3 {
			t.Fatalf("tag counts %v", tc)
		}
		// Many patches at once, added to what they had.
		many := map[int64]store.TagCounts{ps[0].ID: {tags[0].ID: 4, tags[1].ID: 1}, ps[1].ID: {tags[1].ID: 2, tags[2].ID: 0}}
		must(t, s.AddTagCountsMany(ctx, many))
		for _, want := range []struct {
			patch int64
			tc    store.TagCounts
		}{{ps[0].ID, store.TagCounts{tags[0].ID: 7, tags[1].ID: 1}}, {ps[1].ID, store.TagCounts{tags[1].ID: 2}}} {
			got, err := s.GetTagCounts(ctx, want.patch)
			must(t, err)
			for tag, n := range want.tc {
				if got[tag] != n {
					t.Fatalf("patch %d tag counts %v, want %v", want.patch, got, want.tc)
				}
			}
		}
		must(t, s.AddTagCounts(ctx, ps[0].ID, store.TagCounts{tags[0].ID: -4, tags[1].ID: -1}))

		bot := &store.User{Username: "ci-bot", Email: "ci@example.org", Active: true, DateJoined: time.Now()}
		must(t, s.CreateUser(ctx, bot))
		for i, st := range []store.CheckState{store.CheckPending, store.CheckFail} {
			must(t, s.CreateCheck(ctx, &store.Check{PatchID: ps[0].ID, UserID: bot.ID, State: st, Context: "build",
				Date: base.Add(time.Duration(i) * time.Minute)}))
		}
		uc, err := s.UniqueChecks(ctx, ps[0].ID)
		must(t, err)
		if len(uc) != 1 || uc[0].State != store.CheckFail {
			t.Fatalf("unique checks: %+v", uc)
		}
		rows, err := s.GetPatchRows(ctx, []int64{ps[1].ID, ps[0].ID})
		must(t, err)
		if len(rows) != 2 || rows[0].ID != ps[1].ID || rows[1].Checks.Fail != 1 || rows[1].Tags[tags[0].ID] != 3 {
			t.Fatalf("patch rows: %+v", rows)
		}
		failing, err := s.ListPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldCheck, Ints: []int64{int64(store.CheckFail)}}}})
		must(t, err)
		if len(failing) != 1 || failing[0].ID != ps[0].ID {
			t.Fatalf("check filter: %+v", failing)
		}
		for _, q := range []store.PatchQuery{{}, {NoTags: true}, {NoChecks: true}, {NoTags: true, NoChecks: true}} {
			q.Conds = []store.Cond{{Field: store.FieldProject, Ints: []int64{f.proj.ID}}}
			rows, err := s.ListPatches(ctx, q)
			must(t, err)
			var r0 store.PatchRow
			for _, r := range rows {
				if r.ID == ps[0].ID {
					r0 = r
				}
			}
			if gotTags, gotChecks := r0.Tags[tags[0].ID] == 3, r0.Checks.Fail == 1; gotTags == q.NoTags || gotChecks == q.NoChecks || r0.Tags == nil {
				t.Fatalf("list NoTags=%v NoChecks=%v: tags %v, checks %+v", q.NoTags, q.NoChecks, r0.Tags, r0.Checks)
			}
		}
		// The series' numbers and references, several at once.
		var refs []store.SeriesRef
		for _, id := range []string{"<s2@example.org>", "<s1@example.org>", "<s2@example.org>", "<v2@example.org>"} {
			refs = append(refs, store.SeriesRef{SeriesID: v2.ID, MsgID: id})
		}
		must(t, s.AddSeriesReferences(ctx, f.proj.ID, refs))
		ids, err := s.SeriesRefsIn(ctx, f.proj.ID, []string{"<s1@example.org>", "<s2@example.org>", "<v2@example.org>", "<none@example.org>"})
		must(t, err)
		if len(ids) != 3 || !slices.Equal(ids["<s1@example.org>"], []int64{ser.ID, v2.ID}) || !slices.Equal(ids["<s2@example.org>"], []int64{v2.ID}) ||
			!slices.Equal(ids["<v2@example.org>"], []int64{v2.ID}) {
			t.Fatalf("series refs in: %v", ids)
		}
		must(t, s.CreateCover(ctx, &store.Cover{ProjectID: f.proj.ID, MsgID: "<cover@example.org>", Name: "cover", Date: base, SubmitterID: f.sub.ID}))
		cover, err := s.GetCoverByMsgID(ctx, f.proj.ID, "<cover@example.org>")
		must(t, err)
		// The same id answering the cover, older than the reply to the
		// patch: the patch's stays the newest until a later one comes.
		older := &store.Comment{CoverID: cover.ID, ProjectID: f.proj.ID, MsgID: "<reply@example.org>", Date: base, SubmitterID: f.sub.ID}
		must(t, s.CreateComment(ctx, older))
		own, err := s.MsgIDOwners(ctx, f.proj.ID, []string{"<s1@example.org>", "<reply@example.org>", "<nope@example.org>", "<cover@example.org>"})
		must(t, err)
		want := map[string]store.MsgIDOwner{
			"<s1@example.org>":    {PatchID: ps[0].ID},
			"<cover@example.org>": {CoverID: cover.ID},
			"<reply@example.org>": {CommentID: c.ID, CommentPatchID: ps[0].ID, CommentDate: c.Date},
		}
		if len(own) != len(want) {
			t.Fatalf("owners: %+v", own)
		}
		for id, w := range want {
			if g := own[id]; g.PatchID != w.PatchID || g.CoverID != w.CoverID || g.CommentID != w.CommentID ||
				g.CommentPatchID != w.CommentPatchID || g.CommentCoverID != w.CommentCoverID || !g.CommentDate.Equal(w.CommentDate) {
				t.Fatalf("owner of %s: %+v, want %+v", id, g, w)
			}
		}
		later := &store.Comment{PatchID: ps[1].ID, ProjectID: f.proj.ID, MsgID: "<reply@example.org>", Date: c.Date, SubmitterID: f.sub.ID}
		must(t, s.CreateComment(ctx, later))
		own, err = s.MsgIDOwners(ctx, f.proj.ID, []string{"<reply@example.org>"})
		must(t, err)
		pid, cid, err = s.FindCommentParent(ctx, f.proj.ID, "<reply@example.org>")
		must(t, err)
		if o := own["<reply@example.org>"]; o.CommentID != later.ID || o.CommentPatchID != ps[1].ID || o.CommentCoverID != 0 || pid != ps[1].ID || cid != 0 {
			t.Fatalf("as late, higher id: owners %+v, FindCommentParent %d %d", o, pid, cid)
		}
		if cs, ok := s.(store.CheckSearcher); !ok {
			t.Fatal("store does not search checks")
		} else if all, err := cs.FindChecks(ctx, store.CheckSearch{ProjectID: f.proj.ID}); err != nil || len(all) != 2 {
			t.Fatalf("find checks: %v %d", err, len(all))
		}

		b, err := service.New(s, service.Options{}).AddToBundle(ctx, f.maint, f.proj.ID, "todo", []int64{ps[1].ID, ps[0].ID})
		must(t, err)
		must(t, s.AddBundlePatches(ctx, b.ID, []int64{ps[0].ID}))
		bids, err := s.BundlePatchIDs(ctx, b.ID)
		must(t, err)
		if len(bids) != 2 || bids[0] != ps[1].ID {
			t.Fatalf("bundle order: %v", bids)
		}
		must(t, s.DeleteBundle(ctx, b.ID))
		if _, err := s.GetBundle(ctx, b.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted bundle: %v", err)
		}

		must(t, s.SetRelated(ctx, []int64{ps[0].ID, ps[1].ID}, f.maint.ID))
		rel, err := s.RelatedPatches(ctx, ps[0].ID)
		must(t, err)
		if len(rel) != 1 || rel[0].ID != ps[1].ID {
			t.Fatalf("related: %+v", rel)
		}
	})
}

func TestTransactionsAndFailedMail(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx store.Store) error {
			must(t, tx.LockProject(ctx, f.proj.ID))
			if _, err := tx.UpsertPerson(ctx, "rolled@back.example", "", false); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error: %v", err)
		}
		if _, err := s.GetPersonByEmail(ctx, "rolled@back.example"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rolled back write is visible: %v", err)
		}
		raw := []byte("From: x\n\n\x00\xff binary \xfe")
		m := &store.FailedMail{Error: "no project", Raw: raw}
		must(t, s.SaveFailedMail(ctx, m))
		ms, err := s.ListFailedMails(ctx)
		must(t, err)
		if len(ms) != 1 || string(ms[0].Raw) != string(raw) || !strings.Contains(ms[0].Error, "project") {
			t.Fatalf("failed mails: %+v", ms)
		}
		must(t, s.DeleteFailedMail(ctx, m.ID))
		if err := s.DeleteFailedMail(ctx, m.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}

		h := &store.HeldMail{ProjectID: f.proj.ID, MsgID: "<reply@x>", References: []string{"<p@x>", "<c@x>", "<p@x>"}, Raw: raw}
		added, err := s.HoldMail(ctx, h)
		must(t, err)
		again, err := s.HoldMail(ctx, &store.HeldMail{ProjectID: f.proj.ID, MsgID: "<reply@x>", References: []string{"<p@x>"}, Raw: raw})
		must(t, err)
		if !added || again || h.ID == 0 {
			t.Fatalf("hold: added %v, again %v, id %d", added, again, h.ID)
		}
		byRef, err := s.HeldMailsReferencing(ctx, f.proj.ID, "<c@x>")
		must(t, err)
		if len(byRef) != 1 || byRef[0].ID != h.ID || string(byRef[0].Raw) != string(raw) ||
			strings.Join(byRef[0].References, " ") != "<c@x> <p@x>" {
			t.Fatalf("held by reference: %+v", byRef)
		}
		none, err := s.HeldMailsReferencing(ctx, f.proj.ID, "<reply@x>")
		must(t, err)
		all, err := s.ListHeldMails(ctx, 0)
		must(t, err)
		mine, err := s.ListHeldMails(ctx, f.proj.ID)
		must(t, err)
		if len(none) != 0 || len(all) != 1 || len(mine) != 1 {
			t.Fatalf("held lists: by own id %d, all %d, project %d", len(none), len(all), len(mine))
		}
		must(t, s.DeleteHeldMail(ctx, h.ID))
		if err := s.DeleteHeldMail(ctx, h.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete of a held mail: %v", err)
		}
		if left, err := s.HeldMailsReferencing(ctx, f.proj.ID, "<p@x>"); err != nil || len(left) != 0 {
			t.Fatalf("references outlive the held mail: %v %v", left, err)
		}
	})
}

func TestIDRange(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		var ids []int64
		for i := 1; i <= 4; i++ {
			ids = append(ids, addPatch(t, s, f, i, time.Date(2024, 1, i, 0, 0, 0, 0, time.UTC)).ID)
		}
		for _, tc := range []struct {
			op   store.Op
			want int
		}{{store.OpGt, 2}, {store.OpGe, 3}, {store.OpLt, 1}, {store.OpLe, 2}} {
			n, err := s.CountPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldID, Op: tc.op, Ints: []int64{ids[1]}}}})
			must(t, err)
			if n != tc.want {
				t.Errorf("op %d: %d patches, want %d", tc.op, n, tc.want)
			}
		}
		if _, err := s.CountPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldID, Op: store.OpGt}}}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("range without id: %v", err)
		}
	})
}

func TestCountsAndPullURL(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		base := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
		for i := 0; i < 3; i++ {
			x := &store.Series{ProjectID: f.proj.ID, Name: fmt.Sprintf("series %d", i), Date: base, SubmitterID: f.sub.ID, Total: 1}
			must(t, s.CreateSeries(ctx, x))
			must(t, s.CreateCover(ctx, &store.Cover{ProjectID: f.proj.ID, MsgID: fmt.Sprintf("<c%d@x>", i), Name: "cover", Date: base, SubmitterID: f.sub.ID, SeriesID: x.ID}))
		}
		p := addPatch(t, s, f, 1, base)
		n, err := s.CountSeries(ctx, store.SeriesQuery{ProjectID: f.proj.ID, NameLike: "SERIES 1"})
		must(t, err)
		if n != 1 {
			t.Errorf("count series: %d", n)
		}
		names, err := s.SeriesNamesOf(ctx, f.proj.ID, []int64{f.sub.ID, f.sub.ID + 1000})
		must(t, err)
		if len(names) != 3 || names[0].Name == "" || names[0].SubmitterID != f.sub.ID {
			t.Errorf("series names of: %+v", names)
		}
		if n, err = s.CountCovers(ctx, store.CoverQuery{ProjectID: f.proj.ID}); err != nil || n != 3 {
			t.Errorf("count covers: %d %v", n, err)
		}
		for name, want := range map[string]int{"cover": 3, "Cover": 0, "cover ": 0, "cove": 0} {
			if n, err := s.CountCoversNamed(ctx, name); err != nil || n != want {
				t.Errorf("covers named %q: %d %v, want %d", name, n, err, want)
			}
		}
		url := "git://example.org/repo.git main"
		got, err := s.UpdatePatch(ctx, p.ID, store.PatchUpdate{PullURL: &url}, f.maint.ID)
		must(t, err)
		if got.PullURL != url {
			t.Errorf("pull url: %q", got.PullURL)
		}
		new := state(t, f, "rejected")
		_, err = s.UpdatePatch(ctx, p.ID, store.PatchUpdate{StateID: &new}, f.maint.ID)
		must(t, err)
		if n, err = s.CountEvents(ctx, store.EventQuery{ProjectID: f.proj.ID, Categories: []string{store.EventPatchStateChanged}}); err != nil || n != 1 {
			t.Errorf("count events: %d %v", n, err)
		}
	})
}

func TestOtherChangesAreLogged(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		p := addPatch(t, s, f, 1, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
		before, err := s.LatestEventID(ctx)
		must(t, err)
		yes := true
		_, err = s.UpdatePatch(ctx, p.ID, store.PatchUpdate{Archived: &yes}, f.maint.ID)
		must(t, err)
		after, err := s.LatestEventID(ctx)
		must(t, err)
		if after <= before {
			t.Fatalf("archiving left the event log at %d", after)
		}
		evs, err := s.ListEvents(ctx, store.EventQuery{PatchID: p.ID, Categories: []string{store.EventPatchUpdated}})
		must(t, err)
		if len(evs) != 1 || evs[0].ActorID != f.maint.ID {
			t.Fatalf("patch-updated events: %+v", evs)
		}
		// A state change alone records only its own event.
		st := state(t, f, "accepted")
		_, err = s.UpdatePatch(ctx, p.ID, store.PatchUpdate{StateID: &st, Archived: &yes}, f.maint.ID)
		must(t, err)
		if n, _ := s.CountEvents(ctx, store.EventQuery{PatchID: p.ID, Categories: []string{store.EventPatchUpdated}}); n != 1 {
			t.Fatalf("state change also logged patch-updated: %d", n)
		}
	})
}

func TestGetSeriesByIDs(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := setup(t, s)
		var ids []int64
		for i := 0; i < 3; i++ {
			x := &store.Series{ProjectID: f.proj.ID, Name: fmt.Sprintf("s%d", i), Date: time.Now(), SubmitterID: f.sub.ID, Total: 2}
			must(t, s.CreateSeries(ctx, x))
			ids = append(ids, x.ID)
		}
		p := &store.Patch{ProjectID: f.proj.ID, MsgID: "<in-series@x>", Name: "p", SubmitterID: f.sub.ID, SeriesID: ids[1], Number: 1}
		must(t, s.CreatePatch(ctx, p, nil))
		got, err := s.GetSeriesByIDs(ctx, []int64{ids[1], ids[2], 999999, ids[1]})
		must(t, err)
		if len(got) != 2 || got[ids[1]].Name != "s1" || got[ids[1]].ReceivedTotal != 1 || got[ids[2]].ReceivedTotal != 0 {
			t.Fatalf("series by ids: %+v", got)
		}
	})
}

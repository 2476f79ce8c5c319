package mailin

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// ingestTo ingests m as coming from listID.
func ingestTo(t testing.TB, ing *Ingester, listID string, m testMail) Result {
	t.Helper()
	res, err := ing.Ingest(context.Background(), m.bytes(), listID)
	if err != nil {
		t.Fatalf("ingest %s: %v", m.MsgID, err)
	}
	return res
}

// commentIDs lists the message ids of a patch's or cover's comments.
func commentIDs(t testing.TB, s store.Store, patchID, coverID int64) []string {
	t.Helper()
	cs, err := s.ListComments(context.Background(), store.CommentQuery{PatchID: patchID, CoverID: coverID})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		out = append(out, c.MsgID)
	}
	sort.Strings(out)
	return out
}

func heldIDs(t testing.TB, s store.Store, projectID int64) []string {
	t.Helper()
	hs, err := s.ListHeldMails(context.Background(), projectID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hs {
		out = append(out, h.MsgID)
	}
	return out
}

// tagsOf is a patch's tag counts by tag name.
func tagsOf(t testing.TB, s store.Store, patchID int64) map[string]int {
	t.Helper()
	ctx := context.Background()
	tags, err := s.ListTags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	counts, err := s.GetTagCounts(ctx, patchID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, tg := range tags {
		if counts[tg.ID] > 0 {
			out[tg.Name] = counts[tg.ID]
		}
	}
	return out
}

// TestHeldRepliesPlacedOnArrival: replies, and replies to replies, that
// arrive before the patch or cover they answer are held, then stored as
// comments in the transaction of the mail they wait for, with their tags
// counted and their events recorded, as if they had come after it.
func TestHeldRepliesPlacedOnArrival(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		proj := newProject(t, s, testLinkName, testListID)
		ing := NewIngester(s, nil)
		patch := testMail{Subject: "[PATCH] widget: frob", MsgID: "<p@x>", Body: patchBody("src/w.c", "x")}
		// r1 answers the patch; r2 answers r1 and names both; r3 answers
		// r2 and names only r2, so only r2's placement can place it.
		r1 := testMail{Subject: "Re: [PATCH] widget: frob", MsgID: "<r1@x>", InReplyTo: "<p@x>",
			From: "Rev <rev@example.org>", Body: "Acked-by: Rev <rev@example.org>\n"}
		r2 := testMail{Subject: "Re: [PATCH] widget: frob", MsgID: "<r2@x>", InReplyTo: "<r1@x>",
			References: "<p@x> <r1@x>", From: "Tess <tess@example.org>", Body: "Tested-by: Tess <tess@example.org>\n"}
		r3 := testMail{Subject: "Re: [PATCH] widget: frob", MsgID: "<r3@x>", InReplyTo: "<r2@x>",
			From: "Rob <rob@example.org>", Body: "Reviewed-by: Rob <rob@example.org>\n"}
		for _, m := range []testMail{r3, r2, r1} {
			if res := mustIngest(t, ing, m); res.Kind != Held {
				t.Fatalf("%s before its parent: %v (%s), want held", m.MsgID, res.Kind, res.Reason)
			}
		}
		if res := mustIngest(t, ing, r1); res.Kind != Held || res.Reason != "already held" {
			t.Errorf("r1 again: %v (%s)", res.Kind, res.Reason)
		}
		if got := heldIDs(t, s, proj.ID); len(got) != 3 {
			t.Fatalf("held %v, want 3", got)
		}
		p := mustIngest(t, ing, patch)
		if p.Kind != StoredPatch {
			t.Fatalf("patch: %+v", p)
		}
		if got := commentIDs(t, s, p.PatchID, 0); fmt.Sprint(got) != "[<r1@x> <r2@x> <r3@x>]" {
			t.Errorf("comments of the patch %v, want r1, r2, r3", got)
		}
		if got := heldIDs(t, s, proj.ID); len(got) != 0 {
			t.Errorf("still held after the patch came: %v", got)
		}
		if got := tagsOf(t, s, p.PatchID); fmt.Sprint(got) != "map[Acked-by:1 Reviewed-by:1 Tested-by:1]" {
			t.Errorf("tags %v, want one each of Acked-by, Reviewed-by, Tested-by", got)
		}
		evs, err := s.ListEvents(ctx, store.EventQuery{ProjectID: proj.ID, Categories: []string{store.EventPatchCommentCreated}})
		if err != nil {
			t.Fatal(err)
		}
		var evComments []string
		for _, e := range evs {
			c, err := s.GetComment(ctx, e.CommentID)
			if err != nil {
				t.Fatal(err)
			}
			if e.PatchID != p.PatchID {
				t.Errorf("event for %s names patch %d, want %d", c.MsgID, e.PatchID, p.PatchID)
			}
			evComments = append(evComments, c.MsgID)
		}
		sort.Strings(evComments)
		if fmt.Sprint(evComments) != "[<r1@x> <r2@x> <r3@x>]" {
			t.Errorf("patch-comment-created events for %v, want r1, r2, r3", evComments)
		}
		// A placed reply delivered again is a duplicate, not a second comment.
		if res := mustIngest(t, ing, r2); res.Kind != Duplicate {
			t.Errorf("r2 again: %v", res.Kind)
		}

		// A reply to a cover letter that comes before the cover.
		series := postSeries("cv", 1, 1, "", "")
		rc := testMail{Subject: "Re: [PATCH 0/1] Frobnicate the widgets", MsgID: "<rc@x>", InReplyTo: series[0].MsgID,
			Body: "Nice series.\n"}
		if res := mustIngest(t, ing, rc); res.Kind != Held {
			t.Fatalf("cover reply first: %v", res.Kind)
		}
		cv := mustIngest(t, ing, series[0])
		if cv.Kind != StoredCover {
			t.Fatalf("cover: %+v", cv)
		}
		if got := commentIDs(t, s, 0, cv.CoverID); fmt.Sprint(got) != "[<rc@x>]" {
			t.Errorf("comments of the cover %v, want rc", got)
		}
		if n := eventCounts(t, s, proj.ID)[store.EventCoverCommentCreated]; n != 1 {
			t.Errorf("%d cover-comment-created events, want 1", n)
		}

		// A mail that names nothing and carries no patch can never be
		// placed: dropped (as upstream does), not held for ever.
		lone := testMail{Subject: "Question about widgets", MsgID: "<lone@x>", Body: "How do I frob?\n"}
		if res := mustIngest(t, ing, lone); res.Kind != Dropped {
			t.Errorf("a lone mail: %v, want dropped", res.Kind)
		}
		if got := heldIDs(t, s, proj.ID); len(got) != 0 {
			t.Errorf("held %v, want none", got)
		}
	})
}

// TestPlaceHeld: `held place` puts a reply whose direct parent never came
// on another stored mail it names (a patch before a cover), with the
// replies waiting for it; replies naming nothing stored stay held under
// their id; other projects are left alone; running it again changes
// nothing.
func TestPlaceHeld(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		a := newProject(t, s, "alpha", "alpha.example.com")
		b := newProject(t, s, "beta", "beta.example.com")
		ing := NewIngester(s, nil)
		series := postSeries("ph", 1, 1, "", "")
		var patchID, coverID int64
		for _, m := range series {
			res := ingestTo(t, ing, "alpha.example.com", m)
			patchID, coverID = max(patchID, res.PatchID), max(coverID, res.CoverID)
		}
		// r1 answers an off-list mail in the patch's thread; r2 answers r1.
		r1 := testMail{Subject: "Re: [PATCH 1/1] widget: step 1", MsgID: "<r1@x>", InReplyTo: "<offlist@x>",
			References: "<ph-0@example.org> <ph-1@example.org> <offlist@x>", Body: "Acked-by: Rev <rev@example.org>\n"}
		r2 := testMail{Subject: "Re: [PATCH 1/1] widget: step 1", MsgID: "<r2@x>", InReplyTo: "<r1@x>",
			References: "<ph-0@example.org> <ph-1@example.org> <offlist@x> <r1@x>", Body: "Indeed.\n"}
		rc := testMail{Subject: "Re: [PATCH 0/1] Frobnicate the widgets", MsgID: "<rc@x>", InReplyTo: "<offlist2@x>",
			References: "<ph-0@example.org> <offlist2@x>", Body: "Why?\n"}
		orphan := testMail{Subject: "Re: something else", MsgID: "<orphan@x>", InReplyTo: "<nowhere@x>", Body: "Agreed.\n"}
		for _, m := range []testMail{r1, r2, rc, orphan} {
			if res := ingestTo(t, ing, "alpha.example.com", m); res.Kind != Held {
				t.Fatalf("%s: %v (%s), want held", m.MsgID, res.Kind, res.Reason)
			}
		}
		// beta holds a reply that could be placed too.
		if res := ingestTo(t, ing, "beta.example.com", series[1]); res.Kind != StoredPatch {
			t.Fatalf("beta patch: %v", res.Kind)
		}
		if res := ingestTo(t, ing, "beta.example.com", r1); res.Kind != Held {
			t.Fatalf("beta r1: %v", res.Kind)
		}
		before, err := s.ListHeldMails(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}

		rep, err := ing.PlaceHeld(ctx, HeldSelect{ProjectID: a.ID})
		if err != nil {
			t.Fatalf("place held: %v", err)
		}
		got := map[string]Kind{}
		for _, r := range rep.Results {
			got[r.MsgID] = r.Kind
		}
		want := map[string]Kind{"<r1@x>": StoredPatchComment, "<r2@x>": StoredPatchComment, "<rc@x>": StoredCoverComment, "<orphan@x>": Held}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("results %v, want %v (r2 is placed with r1)", got, want)
		}
		if rep.Placed != 3 || rep.StillHeld != 1 || rep.Failed != 0 {
			t.Errorf("report: placed %d, still held %d, failed %d; want 3, 1, 0", rep.Placed, rep.StillHeld, rep.Failed)
		}
		if c := commentIDs(t, s, patchID, 0); fmt.Sprint(c) != "[<r1@x> <r2@x>]" {
			t.Errorf("comments of the patch %v, want r1 and r2", c)
		}
		if c := commentIDs(t, s, 0, coverID); fmt.Sprint(c) != "[<rc@x>]" {
			t.Errorf("comments of the cover %v, want rc", c)
		}
		if tg := tagsOf(t, s, patchID); tg["Acked-by"] != 1 {
			t.Errorf("tags %v, want r1's Acked-by", tg)
		}
		after, err := s.ListHeldMails(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		k := slices.IndexFunc(before, func(h store.HeldMail) bool { return h.MsgID == "<orphan@x>" })
		if len(after) != 1 || after[0].MsgID != "<orphan@x>" || k < 0 || after[0].ID != before[k].ID {
			t.Errorf("held after placing %v, want the orphan under its id", heldIDs(t, s, a.ID))
		}
		if h := heldIDs(t, s, b.ID); fmt.Sprint(h) != "[<r1@x>]" {
			t.Errorf("beta's held %v: placing alpha's must not touch it", h)
		}

		// Again: nothing more to place, nothing doubled.
		rep, err = ing.PlaceHeld(ctx, HeldSelect{ProjectID: a.ID})
		if err != nil || len(rep.Results) != 1 || rep.Results[0].Kind != Held {
			t.Errorf("second run: %+v (%v)", rep.Results, err)
		}
		if c := commentIDs(t, s, patchID, 0); len(c) != 2 {
			t.Errorf("comments after a second run %v", c)
		}
		// Every project.
		if _, err := ing.PlaceHeld(ctx, HeldSelect{}); err != nil {
			t.Fatal(err)
		}
		if h := heldIDs(t, s, 0); fmt.Sprint(h) != "[<orphan@x>]" {
			t.Errorf("held everywhere %v, want only the orphan", h)
		}
		if n := eventCounts(t, s, b.ID)[store.EventPatchCommentCreated]; n != 1 {
			t.Errorf("beta: %d patch-comment-created events, want 1", n)
		}
	})
}

// snapshot describes what a project holds, without row ids and in an
// order independent of arrival: two deliveries of one thread compare
// equal when they stored the same.
func snapshot(t testing.TB, s store.Store, proj *store.Project) string {
	t.Helper()
	ctx := context.Background()
	series, err := s.ListSeries(ctx, store.SeriesQuery{ProjectID: proj.ID})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	names := map[int64]string{} // row ids to message ids
	label := map[int64]string{}
	for _, x := range series {
		var cover string
		if x.CoverID != 0 {
			c, err := s.GetCover(ctx, x.CoverID)
			if err != nil {
				t.Fatal(err)
			}
			cover = c.MsgID
			names[-c.ID] = c.MsgID
		}
		rows, err := s.SeriesPatches(ctx, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ps []string
		for _, r := range rows {
			names[r.ID] = r.MsgID
			ps = append(ps, fmt.Sprintf("%d:%s:%s:%d:%s", r.Number, r.MsgID, r.Name, r.StateID, r.Hash))
		}
		label[x.ID] = fmt.Sprintf("series[%s %s]", cover, strings.Join(ps, ","))
	}
	var lines []string
	for _, x := range series {
		lines = append(lines, fmt.Sprintf("%s name=%q v%d %d/%d all=%v prev=%s next=%s", label[x.ID], x.Name,
			x.Version, x.ReceivedTotal, x.Total, x.ReceivedAll(), label[x.PreviousID], label[x.NextID]))
	}
	for id, msgid := range names {
		var cs []store.Comment
		if id > 0 {
			cs, err = s.ListComments(ctx, store.CommentQuery{PatchID: id})
		} else {
			cs, err = s.ListComments(ctx, store.CommentQuery{CoverID: -id})
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			lines = append(lines, fmt.Sprintf("comment %s on %s: %q", c.MsgID, msgid, c.Content))
		}
		if id > 0 {
			lines = append(lines, fmt.Sprintf("tags of %s: %v", msgid, tagsOf(t, s, id)))
		}
	}
	evs, err := s.ListEvents(ctx, store.EventQuery{ProjectID: proj.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		what := e.Category
		if e.PatchID != 0 {
			what += " patch " + names[e.PatchID]
		}
		if e.CoverID != 0 {
			what += " cover " + names[-e.CoverID]
		}
		if e.SeriesID != 0 {
			what += " " + label[e.SeriesID]
		}
		if e.CommentID != 0 {
			c, err := s.GetComment(ctx, e.CommentID)
			if err != nil {
				t.Fatal(err)
			}
			what += " comment " + c.MsgID
		}
		lines = append(lines, "event "+what)
	}
	held, err := s.ListHeldMails(ctx, proj.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range held {
		lines = append(lines, "held "+h.MsgID)
	}
	sort.Strings(lines)
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// thread is a cover, three patches and replies to a patch, to a reply and
// to the cover, posted as git send-email threads them.
func thread(tag string, version int, inReplyTo string) []testMail {
	ms := postSeries(tag, version, 3, "", inReplyTo)
	for k := 1; k < len(ms); k++ {
		if inReplyTo != "" {
			ms[k].References = inReplyTo + " " + ms[0].MsgID
		}
	}
	p2, c := ms[2].MsgID, ms[0].MsgID
	return append(ms,
		testMail{Subject: "Re: " + ms[2].Subject, MsgID: "<" + tag + "-r1@x>", InReplyTo: p2,
			References: c + " " + p2, From: "Rev <rev@example.org>", Body: "Tested-by: Rev <rev@example.org>\n"},
		testMail{Subject: "Re: " + ms[2].Subject, MsgID: "<" + tag + "-r2@x>", InReplyTo: "<" + tag + "-r1@x>",
			References: c + " " + p2 + " <" + tag + "-r1@x>", Body: "Acked-by: Ada <ada@example.org>\n"},
		testMail{Subject: "Re: " + ms[0].Subject, MsgID: "<" + tag + "-rc@x>", InReplyTo: c, Body: "Why?\n"})
}

// TestSeriesAnyOrder: a thread delivered in order, backwards (replies
// first, patches in reverse, the cover last), patches before the cover,
// and shuffled, stores the same series, comments, tags and events.
func TestSeriesAnyOrder(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		mails := thread("ord", 1, "")
		orders := map[string][]int{
			"in order":               {0, 1, 2, 3, 4, 5, 6},
			"backwards":              {6, 5, 4, 3, 2, 1, 0},
			"patches reversed first": {3, 2, 1, 0, 4, 5, 6},
			"shuffled":               {5, 2, 6, 0, 4, 3, 1},
		}
		keys := []string{"in order", "backwards", "patches reversed first", "shuffled"}
		var want string
		for n, name := range keys {
			link := fmt.Sprintf("order%d", n)
			proj := newProject(t, s, link, link+".example.com")
			ing := NewIngester(s, nil)
			for _, k := range orders[name] {
				ingestTo(t, ing, link+".example.com", mails[k])
			}
			got := snapshot(t, s, proj)
			if n == 0 {
				want = got
				if strings.Count(got, "series[") == 0 || strings.Count(got, "comment <") < 3 {
					t.Fatalf("in-order delivery stored too little:\n%s", got)
				}
				continue
			}
			if got != want {
				t.Errorf("%s differs from in-order delivery:\n got\n%s\nwant\n%s", name, got, want)
			}
		}
	})
}

// TestSeriesVersionsInterleaved: the mails of v1 and of a v2 threaded to
// v1's cover arrive interleaved, v2 first; they stay two series, each
// with its own cover and patches, linked v1 → v2; the same for a v2 sent
// as a new thread.
func TestSeriesVersionsInterleaved(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		for _, threaded := range []bool{true, false} {
			link := fmt.Sprintf("inter-%v", threaded)
			proj := newProject(t, s, link, link+".example.com")
			ing := NewIngester(s, nil)
			v1 := postSeries("iv1", 1, 2, "Mon, 02 Jun 2025 10:00:00 +0000", "")
			parent := ""
			if threaded {
				parent = v1[0].MsgID
			}
			v2 := postSeries("iv2", 2, 2, "Tue, 03 Jun 2025 10:00:00 +0000", parent)
			if threaded {
				for k := 1; k < len(v2); k++ {
					v2[k].References = parent + " " + v2[0].MsgID
				}
			}
			for _, m := range []testMail{v2[1], v1[2], v2[0], v1[1], v2[2], v1[0]} {
				if res := ingestTo(t, ing, link+".example.com", m); !res.Kind.Stored() {
					t.Fatalf("%s: %v (%s)", m.MsgID, res.Kind, res.Reason)
				}
			}
			series, err := s.ListSeries(ctx, store.SeriesQuery{ProjectID: proj.ID, Order: "date"})
			if err != nil {
				t.Fatal(err)
			}
			if len(series) != 2 {
				t.Fatalf("threaded=%v: %d series, want 2", threaded, len(series))
			}
			for k, want := range [][]testMail{v1, v2} {
				x := series[k]
				got := snapshotSeries(t, s, x)
				exp := fmt.Sprintf("v%d cover=%s patches=[%s %s] complete", k+1, want[0].MsgID, want[1].MsgID, want[2].MsgID)
				if got != exp {
					t.Errorf("threaded=%v: series %d is %s, want %s", threaded, k, got, exp)
				}
			}
			if series[0].PreviousID != 0 || series[1].PreviousID != series[0].ID || series[0].NextID != series[1].ID {
				t.Errorf("threaded=%v: v1 %d (previous %d, next %d), v2 %d (previous %d): want v1 → v2", threaded,
					series[0].ID, series[0].PreviousID, series[0].NextID, series[1].ID, series[1].PreviousID)
			}
		}
	})
}

func snapshotSeries(t testing.TB, s store.Store, x store.Series) string {
	t.Helper()
	ctx := context.Background()
	cover := ""
	if x.CoverID != 0 {
		c, err := s.GetCover(ctx, x.CoverID)
		if err != nil {
			t.Fatal(err)
		}
		cover = c.MsgID
	}
	rows, err := s.SeriesPatches(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ps []string
	for _, r := range rows {
		ps = append(ps, r.MsgID)
	}
	complete := "incomplete"
	if x.ReceivedAll() {
		complete = "complete"
	}
	return fmt.Sprintf("v%d cover=%s patches=%v %s", x.Version, cover, ps, complete)
}

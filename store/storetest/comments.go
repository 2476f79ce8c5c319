package storetest

import (
	"testing"

	"github.com/patchwork-go/patchwork/store"
)

func testComments(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	p := f.patch(t, nil)
	cv := &store.Cover{ProjectID: f.proj.ID, MsgID: "<cv@example.org>", Name: "cover", Date: at(1), SubmitterID: f.jane.ID}
	must(t, s.CreateCover(ctx, cv))
	yes := true
	c1 := &store.Comment{PatchID: p.ID, ProjectID: f.proj.ID, MsgID: "<r1@example.org>", Date: at(20), SubmitterID: f.bob.ID,
		Headers: "Subject: Re: [PATCH] net: fix\n", Content: "Looks good.\n\nAcked-by: Bob <bob@example.org>\n", Addressed: &yes}
	c2 := &store.Comment{PatchID: p.ID, ProjectID: f.proj.ID, MsgID: "<r2@example.org>", Date: at(10), SubmitterID: f.jane.ID,
		Headers: "Subject: Re: something else\n", Content: "Thanks."}
	c3 := &store.Comment{CoverID: cv.ID, ProjectID: f.proj.ID, MsgID: "<r1@example.org>", Date: at(5), SubmitterID: f.bob.ID}
	for _, c := range []*store.Comment{c1, c2, c3} {
		must(t, s.CreateComment(ctx, c))
		if c.ID == 0 {
			t.Fatal("CreateComment set no id")
		}
	}
	got, err := s.GetComment(ctx, c1.ID)
	must(t, err)
	eq(t, "GetComment", *got, *c1)
	got, err = s.GetComment(ctx, c3.ID)
	must(t, err)
	eq(t, "GetComment of a cover", *got, *c3)
	_, err = s.GetComment(ctx, 999999)
	wantErr(t, "GetComment unknown", err, store.ErrNotFound)
	// Numbers: a comment's id under its own parent only; /comment/N/
	// finds either kind.
	got, err = s.CommentByNumber(ctx, p.ID, 0, c1.ID)
	must(t, err)
	eq(t, "CommentByNumber of a patch", *got, *c1)
	got, err = s.CommentByNumber(ctx, 0, cv.ID, c3.ID)
	must(t, err)
	eq(t, "CommentByNumber of a cover", *got, *c3)
	_, err = s.CommentByNumber(ctx, p.ID, 0, c3.ID)
	wantErr(t, "CommentByNumber under another parent", err, store.ErrNotFound)
	_, err = s.CommentByNumber(ctx, 0, cv.ID, c1.ID)
	wantErr(t, "CommentByNumber of a patch comment under a cover", err, store.ErrNotFound)
	for _, c := range []*store.Comment{c1, c3} {
		got, err = s.ResolveComment(ctx, c.Number())
		must(t, err)
		eq(t, "ResolveComment", got.ID, c.ID)
	}
	_, err = s.ResolveComment(ctx, 999999)
	wantErr(t, "ResolveComment unknown", err, store.ErrNotFound)
	dup := *c1
	dup.ID = 0
	wantErr(t, "CreateComment duplicate under one parent", s.CreateComment(ctx, &dup), store.ErrConflict)
	wantErr(t, "CreateComment on both", s.CreateComment(ctx, &store.Comment{PatchID: p.ID, CoverID: cv.ID, ProjectID: f.proj.ID, MsgID: "<x@x>", SubmitterID: f.bob.ID}), store.ErrInvalid)
	wantErr(t, "CreateComment on neither", s.CreateComment(ctx, &store.Comment{ProjectID: f.proj.ID, MsgID: "<y@y>", SubmitterID: f.bob.ID}), store.ErrInvalid)

	list := func(what string, q store.CommentQuery, want ...*store.Comment) {
		t.Helper()
		got, err := s.ListComments(ctx, q)
		must(t, err)
		eq(t, what, ids(got, func(c store.Comment) int64 { return c.ID }), ids(want, func(c *store.Comment) int64 { return c.ID }))
	}
	list("of a patch, by date", store.CommentQuery{PatchID: p.ID}, c2, c1)
	list("of a cover", store.CommentQuery{CoverID: cv.ID}, c3)
	list("by id", store.CommentQuery{PatchID: p.ID, Order: "id"}, c1, c2)
	list("by -submitter", store.CommentQuery{PatchID: p.ID, Order: "-submitter"}, c1, c2)
	list("subject", store.CommentQuery{PatchID: p.ID, SubjectLike: "NET: FIX"}, c1)
	list("page", store.CommentQuery{PatchID: p.ID, Limit: 1, Offset: 1}, c1)
	_, err = s.ListComments(ctx, store.CommentQuery{})
	wantErr(t, "ListComments of nothing", err, store.ErrInvalid)

	// FindCommentParent: the newest comment with the id wins.
	pid, cid, err := s.FindCommentParent(ctx, f.proj.ID, "<r1@example.org>")
	must(t, err)
	if pid != p.ID || cid != 0 {
		t.Errorf("FindCommentParent: %d %d", pid, cid)
	}
	cv2 := &store.Cover{ProjectID: f.proj.ID, MsgID: "<cv2@example.org>", Name: "cover 2", Date: at(1), SubmitterID: f.jane.ID}
	must(t, s.CreateCover(ctx, cv2))
	c4 := &store.Comment{CoverID: cv2.ID, ProjectID: f.proj.ID, MsgID: "<r1@example.org>", Date: at(30), SubmitterID: f.jane.ID}
	must(t, s.CreateComment(ctx, c4))
	pid, cid, err = s.FindCommentParent(ctx, f.proj.ID, "<r1@example.org>")
	must(t, err)
	if pid != 0 || cid != cv2.ID {
		t.Errorf("FindCommentParent newest: %d %d", pid, cid)
	}
	_, _, err = s.FindCommentParent(ctx, f.proj2.ID, "<r1@example.org>")
	wantErr(t, "FindCommentParent in another project", err, store.ErrNotFound)

	// SetAddressed: set, clear to untracked.
	no := false
	must(t, s.SetAddressed(ctx, c2.ID, &no))
	got, err = s.GetComment(ctx, c2.ID)
	must(t, err)
	if got.Addressed == nil || *got.Addressed {
		t.Errorf("addressed false: %v", got.Addressed)
	}
	must(t, s.SetAddressed(ctx, c1.ID, nil))
	got, err = s.GetComment(ctx, c1.ID)
	must(t, err)
	if got.Addressed != nil {
		t.Errorf("addressed cleared: %v", *got.Addressed)
	}
	wantErr(t, "SetAddressed unknown", s.SetAddressed(ctx, 999999, &yes), store.ErrNotFound)
}

package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

func testFailedMail(t *testing.T, s store.Store) {
	raw := []byte("From: x\r\nSubject: \xff\xfe broken\r\n\r\nbody\x00")
	m1 := &store.FailedMail{Received: at(1), Error: "no List-Id", Raw: raw}
	m2 := &store.FailedMail{Received: at(2), Error: "too deep"}
	must(t, s.SaveFailedMail(ctx, m1))
	must(t, s.SaveFailedMail(ctx, m2))
	if m1.ID == 0 || m2.ID == 0 {
		t.Fatal("SaveFailedMail set no id")
	}
	list, err := s.ListFailedMails(ctx)
	must(t, err)
	if len(list) != 2 || list[0].ID != m1.ID || !bytes.Equal(list[0].Raw, raw) || list[0].Error != "no List-Id" ||
		!list[0].Received.Equal(at(1)) || list[1].ID != m2.ID || len(list[1].Raw) != 0 {
		t.Fatalf("ListFailedMails: %+v", list)
	}
	must(t, s.DeleteFailedMail(ctx, m1.ID))
	wantErr(t, "DeleteFailedMail twice", s.DeleteFailedMail(ctx, m1.ID), store.ErrNotFound)
	list, err = s.ListFailedMails(ctx)
	must(t, err)
	eq(t, "failed mails left", ids(list, func(m store.FailedMail) int64 { return m.ID }), []int64{m2.ID})
}

func testHeldMail(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	has, err := s.HasHeldMails(ctx, f.proj.ID)
	must(t, err)
	eq(t, "HasHeldMails before", has, false)

	h1 := &store.HeldMail{ProjectID: f.proj.ID, MsgID: "<r1@example.org>", References: []string{"<p@example.org>", "<c@example.org>", "<p@example.org>"},
		Received: at(1), Raw: []byte("raw one")}
	ok, err := s.HoldMail(ctx, h1)
	must(t, err)
	if !ok || h1.ID == 0 {
		t.Fatalf("HoldMail: %v %+v", ok, h1)
	}
	again := *h1
	again.ID = 0
	ok, err = s.HoldMail(ctx, &again)
	must(t, err)
	eq(t, "HoldMail of a held msgid", ok, false)
	h2 := &store.HeldMail{ProjectID: f.proj.ID, MsgID: "<r2@example.org>", References: []string{"<p@example.org>"}, Received: at(5), Raw: []byte("raw two")}
	h3 := &store.HeldMail{ProjectID: f.proj2.ID, MsgID: "<r1@example.org>", References: []string{"<p@example.org>"}, Received: at(2), Raw: []byte("raw three")}
	for _, h := range []*store.HeldMail{h2, h3} {
		ok, err := s.HoldMail(ctx, h)
		must(t, err)
		eq(t, "HoldMail "+h.MsgID, ok, true)
	}
	has, err = s.HasHeldMails(ctx, f.proj.ID)
	must(t, err)
	eq(t, "HasHeldMails", has, true)

	got, err := s.HeldMailsReferencing(ctx, f.proj.ID, "<p@example.org>")
	must(t, err)
	want1 := *h1
	want1.References = []string{"<c@example.org>", "<p@example.org>"} // once each, sorted
	eq(t, "HeldMailsReferencing", got, []store.HeldMail{want1, *h2})
	got, err = s.HeldMailsReferencing(ctx, f.proj.ID, "<c@example.org>")
	must(t, err)
	eq(t, "HeldMailsReferencing one", ids(got, func(h store.HeldMail) int64 { return h.ID }), []int64{h1.ID})
	got, err = s.HeldMailsReferencing(ctx, f.proj.ID, "<none@example.org>")
	must(t, err)
	eq(t, "HeldMailsReferencing none", len(got), 0)
	got, err = s.ListHeldMails(ctx, 0)
	must(t, err)
	eq(t, "ListHeldMails of all", ids(got, func(h store.HeldMail) int64 { return h.ID }), []int64{h1.ID, h2.ID, h3.ID})
	got, err = s.ListHeldMails(ctx, f.proj2.ID)
	must(t, err)
	eq(t, "ListHeldMails of a project", got, []store.HeldMail{*h3})

	must(t, s.DeleteHeldMail(ctx, h2.ID))
	wantErr(t, "DeleteHeldMail twice", s.DeleteHeldMail(ctx, h2.ID), store.ErrNotFound)
	n, err := s.ExpireHeldMails(ctx, at(2))
	must(t, err)
	eq(t, "ExpireHeldMails", n, 1)
	got, err = s.ListHeldMails(ctx, 0)
	must(t, err)
	eq(t, "held mails left", ids(got, func(h store.HeldMail) int64 { return h.ID }), []int64{h3.ID})
	got, err = s.HeldMailsReferencing(ctx, f.proj.ID, "<p@example.org>")
	must(t, err)
	eq(t, "references of expired mails", len(got), 0)
	has, err = s.HasHeldMails(ctx, f.proj.ID)
	must(t, err)
	eq(t, "HasHeldMails after", has, false)
	// A deleted mail's msgid can be held again.
	ok, err = s.HoldMail(ctx, &store.HeldMail{ProjectID: f.proj.ID, MsgID: "<r1@example.org>", Received: at(9)})
	must(t, err)
	eq(t, "held again", ok, true)
}

func testNotifications(t *testing.T, s store.Store) {
	f := newFixture(t, s)
	p, q := f.patch(t, nil), f.patch(t, nil)
	st := f.stAccepted
	_, err := s.UpdatePatch(ctx, p.ID, store.PatchUpdate{StateID: &st}, f.maint.ID)
	must(t, err)
	_, err = s.UpdatePatch(ctx, q.ID, store.PatchUpdate{StateID: &st}, f.maint.ID)
	must(t, err)
	past := time.Now().Add(-time.Hour)
	notes, err := s.PendingNotifications(ctx, past)
	must(t, err)
	eq(t, "nothing modified before an hour ago", len(notes), 0)
	notes, err = s.PendingNotifications(ctx, time.Now().Add(time.Hour))
	must(t, err)
	if len(notes) != 2 || notes[0].PatchID != p.ID || notes[1].PatchID != q.ID || notes[0].OrigStateID != f.stNew ||
		notes[0].LastModified.After(notes[1].LastModified) {
		t.Fatalf("PendingNotifications: %+v", notes)
	}
	// A change after the read keeps q's notification queued.
	st2 := f.stReview
	_, err = s.UpdatePatch(ctx, q.ID, store.PatchUpdate{StateID: &st2}, f.maint.ID)
	must(t, err)
	must(t, s.DeleteNotifications(ctx, notes))
	must(t, s.DeleteNotifications(ctx, nil))
	left, err := s.PendingNotifications(ctx, time.Now().Add(time.Hour))
	must(t, err)
	if len(left) != 1 || left[0].PatchID != q.ID || left[0].OrigStateID != f.stNew || !left[0].LastModified.After(notes[1].LastModified) {
		t.Fatalf("notifications left: %+v", left)
	}
}

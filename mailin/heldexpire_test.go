package mailin

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestExpireHeld: expiry first places what can be placed; a reply naming
// nothing stored is kept as a failed mail (with its reason, and `failed
// retry` takes it again) when its thread holds stored mail, and dropped,
// counted, only when nothing of its thread is stored. Before the cut-off
// nothing is touched.
func TestExpireHeld(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		newProject(t, s, testLinkName, testListID)
		ing := NewIngester(s, nil)
		patch := mustIngest(t, ing, testMail{Subject: "[PATCH] widget: frob", MsgID: "<p@x>", Body: patchBody("w.c", "x")})
		// A patch answering an off-list cover <cover@x>: its thread is
		// stored, though no mail but the patch itself.
		mustIngest(t, ing, testMail{Subject: "[PATCH 1/1] gadget", MsgID: "<g@x>", InReplyTo: "<cover@x>", Body: patchBody("g.c", "x")})
		placeable := testMail{Subject: "Re: [PATCH] widget: frob", MsgID: "<r@x>", InReplyTo: "<off@x>",
			References: "<p@x> <off@x>", Body: "Acked-by: Rev <rev@example.org>\n"}
		threaded := testMail{Subject: "Re: [PATCH 0/1] gadget", MsgID: "<c@x>", InReplyTo: "<cover@x>", Body: "Why?\n"}
		orphan := testMail{Subject: "Re: lunch", MsgID: "<o@x>", InReplyTo: "<nowhere@x>", Body: "Yes.\n"}
		for _, m := range []testMail{placeable, threaded, orphan} {
			if r := mustIngest(t, ing, m); r.Kind != Held {
				t.Fatalf("%s: %v (%s), want held", m.MsgID, r.Kind, r.Reason)
			}
		}
		rep, err := ing.ExpireHeld(ctx, time.Now().Add(-time.Hour))
		if err != nil || rep.Placed.Placed+rep.Failed+rep.Dropped != 0 || len(heldIDs(t, s, 0)) != 3 {
			t.Fatalf("before the cut-off: %+v (%v), held %v", rep, err, heldIDs(t, s, 0))
		}
		rep, err = ing.ExpireHeld(ctx, time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Placed.Placed != 1 || rep.Failed != 1 || rep.Dropped != 1 {
			t.Errorf("expiry: placed %d, failed %d, dropped %d; want 1 each", rep.Placed.Placed, rep.Failed, rep.Dropped)
		}
		if h := heldIDs(t, s, 0); len(h) != 0 {
			t.Errorf("still held after expiry: %v", h)
		}
		if c := commentIDs(t, s, patch.PatchID, 0); len(c) != 1 || c[0] != "<r@x>" {
			t.Errorf("comments of the patch %v, want <r@x>", c)
		}
		fms, err := s.ListFailedMails(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(fms) != 1 || string(fms[0].Raw) != string(threaded.bytes()) || !strings.Contains(fms[0].Error, "held reply expired unplaced") {
			t.Fatalf("failed mails %+v, want the threaded reply with its reason", fms)
		}
		// Retried, it is held again (its thread may be complete by now).
		rs, err := ing.RetryFailed(ctx, fms, "")
		if err != nil || len(rs) != 1 || rs[0].Still || rs[0].Result.Kind != Held {
			t.Errorf("retry: %+v (%v)", rs, err)
		}
		if h := heldIDs(t, s, 0); len(h) != 1 || h[0] != "<c@x>" {
			t.Errorf("held after retry %v", h)
		}
		if fms, _ := s.ListFailedMails(ctx); len(fms) != 0 {
			t.Errorf("failed mails after retry %+v", fms)
		}
	})
}

// TestHeldSenderRecordedOnArrival: a reply held because the mail it
// answers is off-list, though it names a stored patch, records its sender
// on arrival as upstream stores it then: a later mail's spelling of the
// name wins, and a bad From is refused at once.
func TestHeldSenderRecordedOnArrival(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		newProject(t, s, testLinkName, testListID)
		ing := NewIngester(s, nil)
		mustIngest(t, ing, testMail{Subject: "[PATCH] widget: frob", MsgID: "<p@x>", Body: patchBody("w.c", "x")})
		r := mustIngest(t, ing, testMail{From: "Tess <tess@example.org>", Subject: "Re: [PATCH] widget: frob", MsgID: "<r@x>",
			InReplyTo: "<off@x>", References: "<p@x> <off@x>", Body: "Agreed.\n"})
		if r.Kind != Held {
			t.Fatalf("reply: %v", r.Kind)
		}
		if p, err := s.GetPersonByEmail(ctx, "tess@example.org"); err != nil || p.Name != "Tess" {
			t.Fatalf("person on arrival %+v (%v), want Tess", p, err)
		}
		mustIngest(t, ing, testMail{From: "Tess Ter <tess@example.org>", Subject: "[PATCH] gadget", MsgID: "<p2@x>", Body: patchBody("g.c", "x")})
		if rep, err := ing.PlaceHeld(ctx, HeldSelect{}); err != nil || rep.Placed != 1 {
			t.Fatalf("place: %+v (%v)", rep, err)
		}
		if p, err := s.GetPersonByEmail(ctx, "tess@example.org"); err != nil || p.Name != "Tess Ter" {
			t.Errorf("person after placing %+v (%v), want the later spelling Tess Ter", p, err)
		}
		bad := mustIngest(t, ing, testMail{From: "not an address", Subject: "Re: [PATCH] widget: frob", MsgID: "<bad@x>",
			InReplyTo: "<off@x>", References: "<p@x> <off@x>", Body: "Hm.\n"})
		if bad.Kind != Rejected {
			t.Errorf("reply with a bad From naming a stored patch: %v, want rejected as upstream", bad.Kind)
		}
	})
}

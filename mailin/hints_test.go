package mailin

import (
	"context"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestHintHeadersTrust: X-Patchwork-State and X-Patchwork-Delegate count
// only from senders the project trusts: a stranger's patch arrives New
// and undelegated; a maintainer's (by the user's address, or by an
// address linked to the user) and a listed hint sender's are honoured.
func TestHintHeadersTrust(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		proj := newProject(t, s, testLinkName, testListID)
		maint := &store.User{Username: "maint", Email: "maint@example.org", Active: true}
		other := &store.User{Username: "other", Email: "other@example.org", Active: true}
		for _, u := range []*store.User{maint, other} {
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AddMaintainer(ctx, proj.ID, maint.ID); err != nil {
			t.Fatal(err)
		}
		// The maintainer also writes from a second address, linked to the
		// account; "other" has an account but maintains nothing.
		if _, err := s.UpsertPerson(ctx, "m.aint@work.example", "Maint", true); err != nil {
			t.Fatal(err)
		}
		if err := s.LinkPerson(ctx, "m.aint@work.example", maint.ID); err != nil {
			t.Fatal(err)
		}
		proj.HintSenders = "ci@bots.example"
		if err := s.UpdateProject(ctx, proj); err != nil {
			t.Fatal(err)
		}
		ing := NewIngester(s, nil)
		hints := []string{"X-Patchwork-State: Accepted", "X-Patchwork-Delegate: other@example.org"}
		cases := []struct {
			from    string
			trusted bool
		}{
			{"Mallory <mallory@example.net>", false},
			{"Other <other@example.org>", false},
			{"Maint <MAINT@example.org>", true},
			{"Maint <m.aint@work.example>", true},
			{"CI <ci@bots.example>", true},
		}
		sts, err := s.ListStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k, c := range cases {
			id := "<hint" + string(rune('a'+k)) + "@x>"
			res := mustIngest(t, ing, testMail{From: c.from, Subject: "[PATCH] hinted " + id, MsgID: id,
				Body: patchBody("src/h.c", "h"), Extra: hints})
			if res.Kind != StoredPatch {
				t.Fatalf("%s: %v (%s)", c.from, res.Kind, res.Reason)
			}
			p, err := s.GetPatch(ctx, res.PatchID)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := store.StateByID(sts, p.StateID)
			wantState, wantDelegate := "New", int64(0)
			if c.trusted {
				wantState, wantDelegate = "Accepted", other.ID
			}
			if st.Name != wantState || p.DelegateID != wantDelegate {
				t.Errorf("patch from %s: state %s, delegate %d; want %s, %d", c.from, st.Name, p.DelegateID, wantState, wantDelegate)
			}
		}
	})
}

// TestParseHintSenders: the list is bare addresses, lower-cased once.
func TestParseHintSenders(t *testing.T) {
	got, err := store.ParseHintSenders("CI@bots.example, a@b.example  ci@bots.example")
	if err != nil || len(got) != 2 || got[0] != "ci@bots.example" || got[1] != "a@b.example" {
		t.Errorf("got %q, %v", got, err)
	}
	for _, bad := range []string{"not-an-address", "Name <a@b.example>"} {
		if _, err := store.ParseHintSenders(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

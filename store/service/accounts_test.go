package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

func TestCreateUser(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		key := newKey(t, "carol")
		for _, tc := range []struct {
			name  string
			actor *store.User
			in    service.NewUser
			want  error
		}{
			{"anonymous", nil, service.NewUser{Username: "x", Email: "x@example.org"}, store.ErrForbidden},
			{"not an admin", w.maint, service.NewUser{Username: "x", Email: "x@example.org"}, store.ErrForbidden},
			{"inactive admin", &store.User{ID: w.admin.ID, IsAdmin: true}, service.NewUser{Username: "x", Email: "x@example.org"}, store.ErrForbidden},
			{"bad name", w.admin, service.NewUser{Username: "a/b", Email: "x@example.org"}, store.ErrInvalid},
			{"bad address", w.admin, service.NewUser{Username: "x", Email: "X <x@example.org>"}, store.ErrInvalid},
			{"bad key", w.admin, service.NewUser{Username: "x", Email: "x@example.org", Keys: []string{"ssh-ed25519 nope"}}, store.ErrInvalid},
			{"short password", w.admin, service.NewUser{Username: "x", Email: "x@example.org", Password: "short"}, store.ErrInvalid},
			{"taken name", w.admin, service.NewUser{Username: "maint", Email: "new@example.org"}, store.ErrConflict},
			{"taken address", w.admin, service.NewUser{Username: "new", Email: "MAINT@example.com"}, store.ErrConflict},
			{"admin", w.admin, service.NewUser{Username: "carol", Email: "carol@example.org", Keys: []string{key}, Password: "long enough"}, nil},
			{"local admin", service.LocalAdmin(), service.NewUser{Username: "dave", Email: "dave@example.org"}, nil},
			{"key taken", w.admin, service.NewUser{Username: "erin", Email: "erin@example.org", Keys: []string{key}}, store.ErrConflict},
		} {
			u, keys, err := w.svc.CreateUser(ctx, tc.actor, tc.in)
			wantErr(t, tc.name, err, tc.want)
			if tc.want != nil {
				if _, gerr := s.GetUserByName(ctx, tc.in.Username); tc.in.Username != "maint" && gerr == nil {
					t.Errorf("%s: the refused user %q exists", tc.name, tc.in.Username)
				}
				continue
			}
			if err != nil {
				continue
			}
			got, err := s.GetUser(ctx, u.ID)
			must(t, err)
			if got.SendEmail != service.DefaultSendEmail || got.ItemsPerPage != service.DefaultItemsPerPage || !got.Active || !got.DateJoined.Equal(clock) {
				t.Errorf("%s: settings %+v", tc.name, got)
			}
			if ok, _ := w.svc.VerifyPassword(ctx, got, tc.in.Password); tc.in.Password != "" && !ok {
				t.Errorf("%s: password not set", tc.name)
			}
			stored, err := s.ListSSHKeys(ctx, u.ID)
			must(t, err)
			if len(stored) != len(tc.in.Keys) || len(keys) != len(tc.in.Keys) {
				t.Errorf("%s: keys %v", tc.name, stored)
			}
			// Issue 22 item 8: an account is no person until its address
			// sends mail.
			if p, err := s.GetPersonByEmail(ctx, tc.in.Email); err == nil {
				t.Errorf("%s: user add made person %+v", tc.name, p)
			}
		}
	})
}

// TestAccountLinksPeople: a user made for an address that already sent
// mail owns that person; mail from an account's address arriving later
// makes a person that the account owns.
func TestAccountLinksPeople(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		before, err := s.UpsertPerson(ctx, "Early@Example.org", "Early Bird", false)
		must(t, err)
		early, _, err := w.svc.CreateUser(ctx, w.admin, service.NewUser{Username: "early", Email: "early@example.org"})
		must(t, err)
		p, err := s.GetPerson(ctx, before.ID)
		must(t, err)
		if p.UserID != early.ID {
			t.Errorf("existing person not linked: %+v", p)
		}
		for i, insert := range []func(context.Context, string, string, bool) (*store.Person, error){s.UpsertPerson, s.InsertPerson} {
			name := []string{"late", "later"}[i]
			acct, _, err := w.svc.CreateUser(ctx, w.admin, service.NewUser{Username: name, Email: name + "@example.org"})
			must(t, err)
			addr := strings.ToUpper(name) + "@example.org"
			if p, err := s.GetPersonByEmail(ctx, addr); err == nil {
				t.Fatalf("person before any mail: %+v", p)
			}
			p, err := insert(ctx, addr, name, false)
			must(t, err)
			stored, err := s.GetPerson(ctx, p.ID)
			must(t, err)
			if p.UserID != acct.ID || stored.UserID != acct.ID {
				t.Errorf("mail from %s: person %+v, stored %+v, want user %d", addr, p, stored, acct.ID)
			}
		}
		// Mail ingest holds its inserts back on PostgreSQL (deferred
		// writes): the link travels with them.
		held, _, err := w.svc.CreateUser(ctx, w.admin, service.NewUser{Username: "held", Email: "held@example.org"})
		must(t, err)
		var heldPerson int64
		must(t, s.InTx(ctx, func(tx store.Store) error {
			if d, ok := tx.(store.WriteDeferrer); ok {
				d.DeferWrites(store.RowCounts{People: 2})
			}
			p, err := tx.InsertPerson(ctx, "Held@Example.org", "Held", false)
			if err != nil {
				return err
			}
			heldPerson = p.ID
			_, err = tx.InsertPerson(ctx, "stranger-to-all@example.org", "", false)
			return err
		}))
		if p, err := s.GetPerson(ctx, heldPerson); err != nil || p.UserID != held.ID {
			t.Errorf("person of a deferred insert: %+v, %v; want user %d", p, err, held.ID)
		}
		// A person of an address without an account stays unlinked.
		nobody, err := s.UpsertPerson(ctx, "nobody@example.org", "", false)
		must(t, err)
		if nobody.UserID != 0 {
			t.Errorf("nobody linked to %d", nobody.UserID)
		}
	})
}

// TestPeopleListed: people lists show those who sent something and those
// linked to a user, not bare addresses (issue 22 item 8).
func TestPeopleListed(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		bare, err := s.UpsertPerson(ctx, "bare@example.org", "Bare", false)
		must(t, err)
		commenter, err := s.UpsertPerson(ctx, "commenter@example.org", "Commenter", false)
		must(t, err)
		must(t, s.CreateComment(ctx, &store.Comment{PatchID: w.patch.ID, ProjectID: w.proj.ID, MsgID: "<c@example.org>",
			Date: clock, SubmitterID: commenter.ID, Headers: "Subject: Re\n", Content: "ok"}))
		coverer, err := s.UpsertPerson(ctx, "coverer@example.org", "", false)
		must(t, err)
		must(t, s.CreateCover(ctx, &store.Cover{ProjectID: w.proj.ID, MsgID: "<cv@example.org>", Name: "cover", Date: clock,
			SubmitterID: coverer.ID, Headers: "Subject: cover\n"}))
		linked, err := s.UpsertPerson(ctx, "linked@example.org", "", false)
		must(t, err)
		must(t, s.LinkPerson(ctx, "linked@example.org", w.stranger.ID))

		people, err := w.svc.People(ctx, store.PersonQuery{Order: "id"})
		must(t, err)
		got := map[int64]bool{}
		for _, p := range people {
			got[p.ID] = true
		}
		for _, p := range []*store.Person{w.subPerson, commenter, coverer, linked} {
			if !got[p.ID] {
				t.Errorf("%s missing from people", p.Email)
			}
		}
		if got[bare.ID] || len(people) != 4 {
			t.Errorf("people %v: want the 4 who sent or are linked, not %s", people, bare.Email)
		}
		one, err := w.svc.People(ctx, store.PersonQuery{Text: "comm"})
		must(t, err)
		if len(one) != 1 || one[0].ID != commenter.ID {
			t.Errorf("search: %v", one)
		}
		all, err := s.ListPeople(ctx, store.PersonQuery{})
		must(t, err)
		if len(all) != 5 {
			t.Errorf("the store without Listed: %d people, want 5", len(all))
		}
	})
}

func TestRegistration(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		key := newKey(t, "reg")
		for _, tc := range []struct {
			name string
			in   service.Registration
			want error
		}{
			{"bad address", service.Registration{Email: "nope", PublicKey: key}, store.ErrInvalid},
			{"named address", service.Registration{Email: "Reg <reg@example.org>", PublicKey: key}, store.ErrInvalid},
			{"bad derived name", service.Registration{Email: "-x@example.org", PublicKey: key}, store.ErrInvalid},
			{"bad key", service.Registration{Email: "reg@example.org", PublicKey: "ssh-ed25519"}, store.ErrInvalid},
			{"address has an account", service.Registration{Email: "maint@example.com", Username: "fresh", PublicKey: key}, store.ErrConflict},
			{"name taken", service.Registration{Email: "fresh@example.org", Username: "maint", PublicKey: key}, store.ErrConflict},
		} {
			_, err := w.svc.StartRegistration(ctx, tc.in)
			wantErr(t, tc.name, err, tc.want)
		}
		conf, err := w.svc.StartRegistration(ctx, service.Registration{Email: "Reg@example.org", PublicKey: key})
		must(t, err)
		if conf.Username != "reg" || len(conf.Key) != 40 || conf.Type != store.ConfirmationRegistration {
			t.Errorf("confirmation %+v", conf)
		}
		if _, _, err := w.svc.ConfirmRegistration(ctx, "0000", service.ConfirmationValidity); !errorsIsNotFound(err) {
			t.Errorf("unknown token: %v", err)
		}
		u, k, err := w.svc.ConfirmRegistration(ctx, conf.Key, service.ConfirmationValidity)
		must(t, err)
		got, err := s.GetUser(ctx, u.ID)
		must(t, err)
		// The same defaults as user add: one SendEmail default.
		if got.SendEmail != service.DefaultSendEmail || got.ItemsPerPage != service.DefaultItemsPerPage || !got.Active {
			t.Errorf("registered user %+v", got)
		}
		if owner, err := s.UserBySSHKey(ctx, k.Fingerprint); err != nil || owner.ID != u.ID {
			t.Errorf("key owner %v, %v", owner, err)
		}
		// Registration links the address's person, creating it (upstream).
		p, err := s.GetPersonByEmail(ctx, "reg@example.org")
		must(t, err)
		if p.UserID != u.ID {
			t.Errorf("person %+v not linked to %d", p, u.ID)
		}
		if _, _, err := w.svc.ConfirmRegistration(ctx, conf.Key, service.ConfirmationValidity); !errorsIsNotFound(err) {
			t.Errorf("used token: %v", err)
		}
		old, err := w.svc.StartRegistration(ctx, service.Registration{Email: "old@example.org", PublicKey: newKey(t, "old")})
		must(t, err)
		later := service.New(s, service.Options{Now: func() time.Time { return clock.Add(service.ConfirmationValidity + time.Minute) }})
		if _, _, err := later.ConfirmRegistration(ctx, old.Key, service.ConfirmationValidity); !errorsIsNotFound(err) {
			t.Errorf("expired token: %v", err)
		}
	})
}

func errorsIsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func TestKeysTokensPasswords(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		k1, k2 := newKey(t, "one"), newKey(t, "two")
		_, err := w.svc.AddKey(ctx, w.stranger, w.sub, k1)
		wantErr(t, "someone else's account", err, store.ErrForbidden)
		a, err := w.svc.AddKey(ctx, w.sub, w.sub, k1)
		must(t, err)
		if !a.Created.Equal(clock) || a.UserID != w.sub.ID {
			t.Errorf("key %+v", a)
		}
		_, err = w.svc.AddKey(ctx, w.admin, w.maint, k1)
		wantErr(t, "a key taken", err, store.ErrConflict)
		_, err = w.svc.RemoveKey(ctx, w.sub, w.sub, a.Fingerprint)
		wantErr(t, "the only key", err, store.ErrInvalid)
		_, err = w.svc.RemoveKey(ctx, w.sub, w.sub, "SHA256:nope")
		wantErr(t, "an unknown key", err, store.ErrNotFound)
		b, err := w.svc.AddKey(ctx, w.sub, w.sub, k2)
		must(t, err)
		fp, err := w.svc.RemoveKey(ctx, w.sub, w.sub, b.Fingerprint[len("SHA256:"):])
		must(t, err)
		if fp != b.Fingerprint {
			t.Errorf("removed %s, want %s", fp, b.Fingerprint)
		}
		// An admin may take another user's last key.
		_, err = w.svc.RemoveKey(ctx, w.admin, w.sub, a.Fingerprint)
		must(t, err)
		if keys, _ := s.ListSSHKeys(ctx, w.sub.ID); len(keys) != 0 {
			t.Errorf("keys left: %v", keys)
		}

		_, err = w.svc.Token(ctx, w.stranger, w.sub, false)
		wantErr(t, "someone else's token", err, store.ErrForbidden)
		t1, err := w.svc.Token(ctx, w.sub, w.sub, false)
		must(t, err)
		_, err = w.svc.Token(ctx, w.sub, w.sub, false)
		wantErr(t, "a second token without regenerate", err, store.ErrTokenExists)
		t3, err := w.svc.Token(ctx, w.admin, w.sub, true)
		must(t, err)
		if len(t1) != 40 || t3 == t1 {
			t.Errorf("tokens %q %q", t1, t3)
		}
		if _, err := s.UserByToken(ctx, t1); err == nil {
			t.Error("the replaced token still works")
		}
		if u, err := s.UserByToken(ctx, t3); err != nil || u.ID != w.sub.ID {
			t.Errorf("renewed token: %v %v", u, err)
		}

		wantErr(t, "short password", w.svc.SetPassword(ctx, w.sub, w.sub, "short"), store.ErrInvalid)
		wantErr(t, "someone else's password", w.svc.SetPassword(ctx, w.stranger, w.sub, "long enough"), store.ErrForbidden)
		must(t, w.svc.SetPassword(ctx, w.sub, w.sub, "long enough"))
		for _, tc := range []struct {
			u  *store.User
			pw string
			ok bool
		}{{nil, "long enough", false}, {&store.User{Username: "nopw"}, "", false}, {w.maint, "long enough", false}} {
			if ok, err := w.svc.VerifyPassword(ctx, tc.u, tc.pw); ok != tc.ok || err != nil {
				t.Errorf("VerifyPassword(%v, %q) = %v, %v", tc.u, tc.pw, ok, err)
			}
		}
		got, err := s.GetUser(ctx, w.sub.ID)
		must(t, err)
		if ok, _ := w.svc.VerifyPassword(ctx, got, "long enough"); !ok {
			t.Error("password not stored")
		}

		must(t, w.svc.SetOptOut(ctx, w.sub, w.sub, true))
		if out, err := s.IsOptedOut(ctx, w.sub.Email); err != nil || !out {
			t.Errorf("opt-out: %v %v", out, err)
		}
		wantErr(t, "someone else's opt-out", w.svc.SetOptOut(ctx, w.stranger, w.sub, false), store.ErrForbidden)

		wantErr(t, "own admin rights", w.svc.SetAdmin(ctx, w.admin, w.admin, false), store.ErrInvalid)
		wantErr(t, "admin by a non-admin", w.svc.SetAdmin(ctx, w.sub, w.sub, true), store.ErrForbidden)
		must(t, w.svc.SetAdmin(ctx, w.admin, w.sub, true))
		if got, _ := s.GetUser(ctx, w.sub.ID); !got.IsAdmin {
			t.Error("admin not given")
		}
		wantErr(t, "maintainer by a non-admin", w.svc.SetMaintainer(ctx, w.maint, w.stranger, w.proj, true), store.ErrForbidden)
		must(t, w.svc.SetMaintainer(ctx, w.admin, w.stranger, w.proj, true))
		if ok, _ := s.IsMaintainer(ctx, w.proj.ID, w.stranger.ID); !ok {
			t.Error("maintainer not added")
		}
		// A maintainer can be delegated to, so pwclient must find its
		// person (list -d NAME): it gets one, linked.
		if p, err := s.GetPersonByEmail(ctx, w.stranger.Email); err != nil || p.UserID != w.stranger.ID {
			t.Errorf("maintainer's person: %+v, %v", p, err)
		}
	})
}

// TestUpdateProfileKeepsTheRest: a profile change made from a copy of the
// user read before a password change does not write the old hash back.
func TestUpdateProfileKeepsTheRest(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		stale, err := s.GetUser(ctx, w.sub.ID)
		must(t, err)
		must(t, w.svc.SetPassword(ctx, w.sub, w.sub, "a new password"))
		stale.FirstName = "Renamed"
		must(t, w.svc.UpdateProfile(ctx, w.sub, stale))
		got, err := s.GetUser(ctx, w.sub.ID)
		must(t, err)
		if got.FirstName != "Renamed" {
			t.Errorf("first name %q", got.FirstName)
		}
		if ok, err := store.CheckPassword(ctx, s, got, "a new password"); err != nil || !ok {
			t.Errorf("the new password no longer works after a profile change: %v %v", ok, err)
		}
	})
}

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

// mailbox records the mails a registration sends; fail makes the next
// send fail, as an SMTP server that is down does.
type mailbox struct {
	sent []service.RegistrationMail
	fail bool
}

func (m *mailbox) send(_ context.Context, rm service.RegistrationMail) error {
	if m.fail {
		return errors.New("connection refused")
	}
	m.sent = append(m.sent, rm)
	return nil
}

// confirmations counts (and deletes) the confirmations stored.
func confirmations(t *testing.T, s store.Store) int {
	t.Helper()
	n, err := s.ExpireConfirmations(context.Background(), clock.AddDate(100, 0, 0))
	must(t, err)
	return n
}

func TestRegistration(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		key := newKey(t, "reg")
		mb := &mailbox{}
		for _, tc := range []struct {
			name string
			in   service.Registration
			want error
		}{
			{"bad address", service.Registration{Email: "nope", PublicKey: key}, store.ErrInvalid},
			{"named address", service.Registration{Email: "Reg <reg@example.org>", PublicKey: key}, store.ErrInvalid},
			{"bad derived name", service.Registration{Email: "-x@example.org", PublicKey: key}, store.ErrInvalid},
			{"bad key", service.Registration{Email: "reg@example.org", PublicKey: "ssh-ed25519"}, store.ErrInvalid},
		} {
			_, err := w.svc.Register(ctx, tc.in, mb.send)
			wantErr(t, tc.name, err, tc.want)
		}
		if len(mb.sent) != 0 {
			t.Errorf("refused requests sent mail: %+v", mb.sent)
		}
		// An address with an account and a taken name answer as a free
		// one does; the mail tells the address's owner, and nothing is
		// stored to confirm.
		for _, tc := range []struct {
			name string
			in   service.Registration
			ok   func(service.RegistrationMail) bool
		}{
			{"address has an account", service.Registration{Email: "maint@example.com", Username: "fresh", PublicKey: newKey(t, "a")},
				func(m service.RegistrationMail) bool { return m.Account == "maint" && m.Confirmation == nil }},
			{"name taken", service.Registration{Email: "fresh@example.org", Username: "maint", PublicKey: newKey(t, "b")},
				func(m service.RegistrationMail) bool { return m.Account == "" && m.NameTaken && m.Confirmation == nil }},
		} {
			mb.sent = nil
			r, err := w.svc.Register(ctx, tc.in, mb.send)
			if err != nil || r.Email != tc.in.Email || r.Username != tc.in.Username {
				t.Errorf("%s: %+v, %v (want the answer a free address gets)", tc.name, r, err)
			}
			if len(mb.sent) != 1 || !tc.ok(mb.sent[0]) || mb.sent[0].To != tc.in.Email {
				t.Errorf("%s: mails %+v", tc.name, mb.sent)
			}
		}
		if n := confirmations(t, s); n != 0 {
			t.Errorf("%d confirmations stored for requests that cannot be confirmed", n)
		}
		// A mail that cannot be sent leaves no row, and does not spend the
		// address's mails.
		mb.fail = true
		_, err := w.svc.Register(ctx, service.Registration{Email: "Reg@example.org", PublicKey: key}, mb.send)
		wantErr(t, "failed mail", err, service.ErrMailFailed)
		if n := confirmations(t, s); n != 0 {
			t.Errorf("a failed mail left %d confirmations", n)
		}
		mb.fail, mb.sent = false, nil
		r, err := w.svc.Register(ctx, service.Registration{Email: "Reg@example.org", PublicKey: key}, mb.send)
		must(t, err)
		if len(mb.sent) != 1 || mb.sent[0].Confirmation == nil {
			t.Fatalf("mails %+v", mb.sent)
		}
		conf := mb.sent[0].Confirmation
		if r.Username != "reg" || conf.Username != "reg" || len(conf.Key) != 40 || conf.Type != store.ConfirmationRegistration {
			t.Errorf("registration %+v, confirmation %+v", r, conf)
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
		mb.sent = nil
		_, err = w.svc.Register(ctx, service.Registration{Email: "old@example.org", PublicKey: newKey(t, "old")}, mb.send)
		must(t, err)
		later := service.New(s, service.Options{Now: func() time.Time { return clock.Add(service.ConfirmationValidity + time.Minute) }})
		if _, _, err := later.ConfirmRegistration(ctx, mb.sent[0].Confirmation.Key, service.ConfirmationValidity); !errorsIsNotFound(err) {
			t.Errorf("expired token: %v", err)
		}
	})
}

// TestRegistrationLimits: registrations are limited per key, per source
// address (IPv6 by /64) and in mails per address, whether or not the
// address has an account.
func TestRegistrationLimits(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		now := clock
		svc := service.New(s, service.Options{Now: func() time.Time { return now }, Limits: &service.Limits{
			RegistrationsPerAddr:      service.Rate{Burst: 3, Every: 10 * time.Minute},
			RegistrationsPerKey:       service.Rate{Burst: 2, Every: 10 * time.Minute},
			RegistrationMailsPerEmail: service.Rate{Burst: 1, Every: 10 * time.Minute},
		}})
		mb := &mailbox{}
		reg := func(email, key, addr string) error {
			_, err := svc.Register(ctx, service.Registration{Email: email, PublicKey: key, Addr: addr}, mb.send)
			return err
		}
		k := newKey(t, "k")
		must(t, reg("a1@example.org", k, "192.0.2.1:5"))
		must(t, reg("a2@example.org", k, "192.0.2.2:5"))
		err := reg("a3@example.org", k, "192.0.2.3:5")
		wantErr(t, "third request of one key", err, service.ErrRateLimited)
		if service.RetryAfter(err) != 600 {
			t.Errorf("retry after %d s, want 600", service.RetryAfter(err))
		}
		must(t, reg("b1@example.org", newKey(t, "b1"), "[2001:db8::1]:5"))
		must(t, reg("b2@example.org", newKey(t, "b2"), "[2001:db8::2]:5"))
		must(t, reg("b3@example.org", newKey(t, "b3"), "[2001:db8::3]:5"))
		wantErr(t, "fourth request of one /64", reg("b4@example.org", newKey(t, "b4"), "[2001:db8::4]:5"), service.ErrRateLimited)
		// One mail per address, account or not.
		wantErr(t, "second mail to a1", reg("A1@example.org", newKey(t, "c"), "192.0.2.9:5"), service.ErrRateLimited)
		if len(mb.sent) != 5 {
			t.Errorf("%d mails sent, want 5", len(mb.sent))
		}
		now = now.Add(10 * time.Minute)
		must(t, reg("a3@example.org", k, "192.0.2.3:5"))
	})
}

func errorsIsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func TestKeysTokensPasswords(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		k1, k2 := newKey(t, "one"), newKey(t, "two")
		_, err := w.svc.AddKey(ctx, w.sub, w.sub, k1)
		wantErr(t, "a user adding a key without proof", err, store.ErrForbidden)
		_, _, err = w.svc.RequestKey(ctx, w.stranger, w.sub, k1)
		wantErr(t, "someone else's account", err, store.ErrForbidden)
		a, err := w.svc.AddKey(ctx, w.admin, w.sub, k1)
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
		b, err := w.svc.AddKey(ctx, w.admin, w.sub, k2)
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

// TestKeyProofOfPossession: a user's key joins the account only from a
// session that authenticated with it; asking for a key says nothing about
// other accounts, and nobody can take a key they do not hold.
func TestKeyProofOfPossession(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		victim, free := newKey(t, "victim"), newKey(t, "free")
		vk, err := w.svc.AddKey(ctx, w.admin, w.maint, victim)
		must(t, err)
		fk, err := service.ParseKey(free)
		must(t, err)

		// Asking for a key taken by another account and for a free one
		// answer alike.
		taken, _, err := w.svc.RequestKey(ctx, w.sub, w.sub, victim)
		must(t, err)
		open, _, err := w.svc.RequestKey(ctx, w.sub, w.sub, free)
		must(t, err)
		if taken.Type != open.Type || len(taken.Key) != len(open.Key) || taken.UserID != w.sub.ID {
			t.Errorf("tokens differ: %+v / %+v", taken, open)
		}
		_, _, err = w.svc.RequestKey(ctx, w.maint, w.maint, victim)
		wantErr(t, "one's own key", err, store.ErrConflict)

		// The requester's own session (another key) cannot confirm.
		_, _, err = w.svc.ConfirmKey(ctx, open.Key, "SHA256:someotherkey", w.sub)
		wantErr(t, "confirm from another key", err, store.ErrForbidden)
		// The victim's key's session is the victim: told it is theirs,
		// and the key stays theirs.
		_, _, err = w.svc.ConfirmKey(ctx, taken.Key, vk.Fingerprint, w.maint)
		wantErr(t, "the holder of a registered key", err, store.ErrConflict)
		if owner, err := s.UserBySSHKey(ctx, vk.Fingerprint); err != nil || owner.ID != w.maint.ID {
			t.Errorf("victim's key now %v, %v", owner, err)
		}
		// A web link cannot confirm a key: it proves no key.
		if _, _, err := w.svc.PendingRegistration(ctx, open.Key, service.ConfirmationValidity); !errorsIsNotFound(err) {
			t.Errorf("key token as a registration: %v", err)
		}
		// The holder of the free key, in a session with it, confirms.
		u, k, created, err := w.svc.ConfirmFromSession(ctx, open.Key, service.ConfirmationValidity, fk.Fingerprint, nil)
		must(t, err)
		if created || u.ID != w.sub.ID || k.Fingerprint != fk.Fingerprint || k.Comment != "free" {
			t.Errorf("confirmed %v %+v created=%v", u, k, created)
		}
		if owner, err := s.UserBySSHKey(ctx, fk.Fingerprint); err != nil || owner.ID != w.sub.ID {
			t.Errorf("free key owner %v, %v", owner, err)
		}
		_, _, err = w.svc.ConfirmKey(ctx, open.Key, fk.Fingerprint, nil)
		wantErr(t, "token reuse", err, store.ErrNotFound)
		// Tokens last an hour.
		late, _, err := w.svc.RequestKey(ctx, w.sub, w.sub, newKey(t, "late"))
		must(t, err)
		lk, _ := service.ParseKey(late.PublicKey)
		later := service.New(s, service.Options{Now: func() time.Time { return clock.Add(service.KeyConfirmationValidity + time.Minute) }})
		_, _, err = later.ConfirmKey(ctx, late.Key, lk.Fingerprint, nil)
		wantErr(t, "expired key token", err, store.ErrNotFound)
	})
}

package storetest

import (
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

func testUsers(t *testing.T, s store.Store) {
	// Round trip; ItemsPerPage defaults to 100; DateJoined is kept.
	u := &store.User{Username: "alice", Email: "Alice@Example.org", FirstName: "Alice", LastName: "Liddell",
		PasswordHash: "$2a$10$hash", IsAdmin: true, Active: true, DateJoined: t0, SendEmail: true, ShowIDs: true}
	must(t, s.CreateUser(ctx, u))
	if u.ID == 0 || u.ItemsPerPage != 100 {
		t.Fatalf("CreateUser: %+v", u)
	}
	got, err := s.GetUser(ctx, u.ID)
	must(t, err)
	eq(t, "GetUser", *got, *u)
	b := &store.User{Username: "bob", Email: "bob@example.org", Active: false, DateJoined: at(10), ItemsPerPage: 20}
	must(t, s.CreateUser(ctx, b))
	c := &store.User{Username: "carol", Email: "carol@example.org", Active: false, DateJoined: at(-10)}
	must(t, s.CreateUser(ctx, c))

	wantErr(t, "duplicate username", s.CreateUser(ctx, &store.User{Username: "alice", Email: "x@example.org"}), store.ErrConflict)
	wantErr(t, "duplicate e-mail", s.CreateUser(ctx, &store.User{Username: "x", Email: "bob@example.org"}), store.ErrConflict)
	wantErr(t, "empty username", s.CreateUser(ctx, &store.User{Username: " ", Email: "y@example.org"}), store.ErrInvalid)

	got, err = s.GetUserByName(ctx, "bob")
	must(t, err)
	eq(t, "GetUserByName", *got, *b)
	_, err = s.GetUserByName(ctx, "Bob")
	wantErr(t, "GetUserByName is exact", err, store.ErrNotFound)
	got, err = s.GetUserByEmail(ctx, "alice@example.ORG")
	must(t, err)
	eq(t, "GetUserByEmail case-insensitive", got.ID, u.ID)
	_, err = s.GetUserByEmail(ctx, "nobody@example.org")
	wantErr(t, "GetUserByEmail unknown", err, store.ErrNotFound)
	_, err = s.GetUser(ctx, 999999)
	wantErr(t, "GetUser unknown", err, store.ErrNotFound)
	many, err := s.GetUsers(ctx, []int64{b.ID, u.ID, b.ID, 999999})
	must(t, err)
	if len(many) != 2 || many[u.ID].Username != "alice" || many[b.ID].ItemsPerPage != 20 {
		t.Errorf("GetUsers: %+v", many)
	}

	// UpdateUser writes every field but DateJoined.
	b.FirstName, b.Active, b.SendEmail, b.ItemsPerPage, b.Email = "Bob", true, true, 50, "bobby@example.org"
	joined := b.DateJoined
	b.DateJoined = at(999)
	must(t, s.UpdateUser(ctx, b))
	got, err = s.GetUser(ctx, b.ID)
	must(t, err)
	b.DateJoined = joined
	eq(t, "after UpdateUser", *got, *b)
	wantErr(t, "UpdateUser unknown", s.UpdateUser(ctx, &store.User{ID: 999999, Username: "z", Email: "z@z"}), store.ErrNotFound)
	wantErr(t, "UpdateUser to a taken name", s.UpdateUser(ctx, &store.User{ID: b.ID, Username: "alice", Email: b.Email}), store.ErrConflict)

	// ListUsers: text in username, names or e-mail; orders; pages.
	list, err := s.ListUsers(ctx, store.UserQuery{})
	must(t, err)
	eq(t, "ListUsers by id", ids(list, func(u store.User) int64 { return u.ID }), []int64{u.ID, b.ID, c.ID})
	list, err = s.ListUsers(ctx, store.UserQuery{Text: "LIDDELL"})
	must(t, err)
	eq(t, "ListUsers by last name", ids(list, func(u store.User) int64 { return u.ID }), []int64{u.ID})
	list, err = s.ListUsers(ctx, store.UserQuery{Order: "-username", Limit: 2})
	must(t, err)
	eq(t, "ListUsers -username", ids(list, func(u store.User) int64 { return u.ID }), []int64{c.ID, b.ID})
	list, err = s.ListUsers(ctx, store.UserQuery{Order: "email", Offset: 2})
	must(t, err)
	eq(t, "ListUsers email offset", ids(list, func(u store.User) int64 { return u.ID }), []int64{c.ID})

	// SSH keys: unique fingerprints, oldest first, owner by key.
	k1 := &store.SSHKey{UserID: u.ID, Type: "ssh-ed25519", Fingerprint: "SHA256:one", Comment: "laptop", Key: "ssh-ed25519 AAAA1", Created: at(1)}
	k2 := &store.SSHKey{UserID: u.ID, Type: "ssh-rsa", Fingerprint: "SHA256:two", Key: "ssh-rsa AAAA2", Created: at(2)}
	must(t, s.AddSSHKey(ctx, k1))
	must(t, s.AddSSHKey(ctx, k2))
	wantErr(t, "AddSSHKey taken fingerprint", s.AddSSHKey(ctx, &store.SSHKey{UserID: b.ID, Type: "ssh-rsa", Fingerprint: "SHA256:one", Key: "k"}), store.ErrConflict)
	keys, err := s.ListSSHKeys(ctx, u.ID)
	must(t, err)
	eq(t, "ListSSHKeys", keys, []store.SSHKey{*k1, *k2})
	keys, err = s.ListSSHKeys(ctx, b.ID)
	must(t, err)
	eq(t, "ListSSHKeys of a user without", len(keys), 0)
	owner, err := s.UserBySSHKey(ctx, "SHA256:two")
	must(t, err)
	eq(t, "UserBySSHKey", *owner, *u)
	_, err = s.UserBySSHKey(ctx, "SHA256:none")
	wantErr(t, "UserBySSHKey unknown", err, store.ErrNotFound)
	wantErr(t, "DeleteSSHKey of another user", s.DeleteSSHKey(ctx, b.ID, "SHA256:one"), store.ErrNotFound)
	must(t, s.DeleteSSHKey(ctx, u.ID, "SHA256:one"))
	wantErr(t, "DeleteSSHKey twice", s.DeleteSSHKey(ctx, u.ID, "SHA256:one"), store.ErrNotFound)
	_, err = s.UserBySSHKey(ctx, "SHA256:one")
	wantErr(t, "UserBySSHKey deleted", err, store.ErrNotFound)

	// Tokens: one per user, replaced, found by their clear text; when
	// made is known, the token itself is not kept.
	_, err = s.TokenCreated(ctx, u.ID)
	wantErr(t, "TokenCreated of none", err, store.ErrNotFound)
	before := time.Now().Add(-time.Second)
	must(t, s.SetToken(ctx, u.ID, "tok-1"))
	must(t, s.SetToken(ctx, b.ID, "tok-b"))
	must(t, s.SetToken(ctx, u.ID, "tok-2"))
	made, err := s.TokenCreated(ctx, u.ID)
	must(t, err)
	if made.Before(before) || made.After(time.Now().Add(time.Second)) {
		t.Errorf("TokenCreated %v, want about now", made)
	}
	owner, err = s.UserByToken(ctx, "tok-2")
	must(t, err)
	eq(t, "UserByToken", owner.ID, u.ID)
	_, err = s.UserByToken(ctx, "tok-1")
	wantErr(t, "UserByToken replaced", err, store.ErrNotFound)
	_, err = s.UserByToken(ctx, "")
	wantErr(t, "UserByToken empty", err, store.ErrNotFound)

	// Opt-outs, case-insensitive and idempotent.
	out, err := s.IsOptedOut(ctx, "x@example.org")
	must(t, err)
	eq(t, "IsOptedOut before", out, false)
	must(t, s.SetOptOut(ctx, "X@Example.org", true))
	must(t, s.SetOptOut(ctx, "x@example.org", true))
	out, err = s.IsOptedOut(ctx, " x@EXAMPLE.org ")
	must(t, err)
	eq(t, "IsOptedOut after", out, true)
	must(t, s.SetOptOut(ctx, "x@example.org", false))
	out, err = s.IsOptedOut(ctx, "x@example.org")
	must(t, err)
	eq(t, "IsOptedOut cleared", out, false)

	// ExpireInactiveUsers: only never-activated users joined before the
	// cut-off (carol, not bob who is active now, not alice).
	n, err := s.ExpireInactiveUsers(ctx, at(0))
	must(t, err)
	eq(t, "ExpireInactiveUsers", n, 1)
	_, err = s.GetUser(ctx, c.ID)
	wantErr(t, "expired user", err, store.ErrNotFound)
	list, err = s.ListUsers(ctx, store.UserQuery{})
	must(t, err)
	eq(t, "users left", ids(list, func(u store.User) int64 { return u.ID }), []int64{u.ID, b.ID})
}

func testConfirmations(t *testing.T, s store.Store) {
	u := &store.User{Username: "u", Email: "u@example.org", Active: true}
	must(t, s.CreateUser(ctx, u))
	reg := &store.Confirmation{Type: "registration", Email: "new@example.org", Key: "key-reg", Date: at(0), Active: true,
		Username: "newbie", PublicKey: "ssh-ed25519 AAAA"}
	opt := &store.Confirmation{Type: "optout", Email: "u@example.org", UserID: u.ID, Key: "key-opt", Date: at(30), Active: true}
	must(t, s.CreateConfirmation(ctx, reg))
	must(t, s.CreateConfirmation(ctx, opt))
	if reg.ID == 0 || opt.ID == 0 || reg.ID == opt.ID {
		t.Fatalf("CreateConfirmation ids %d %d", reg.ID, opt.ID)
	}
	wantErr(t, "duplicate key", s.CreateConfirmation(ctx, &store.Confirmation{Type: "optin", Email: "z@z", Key: "key-reg", Active: true}), store.ErrConflict)
	got, err := s.GetConfirmation(ctx, "key-reg")
	must(t, err)
	eq(t, "GetConfirmation registration", *got, *reg)
	got, err = s.GetConfirmation(ctx, "key-opt")
	must(t, err)
	eq(t, "GetConfirmation opt-out", *got, *opt)
	_, err = s.GetConfirmation(ctx, "nope")
	wantErr(t, "GetConfirmation unknown", err, store.ErrNotFound)

	must(t, s.DeactivateConfirmation(ctx, reg.ID))
	got, err = s.GetConfirmation(ctx, "key-reg")
	must(t, err)
	eq(t, "deactivated", got.Active, false)
	wantErr(t, "DeactivateConfirmation unknown", s.DeactivateConfirmation(ctx, 999999), store.ErrNotFound)

	n, err := s.ExpireConfirmations(ctx, at(10))
	must(t, err)
	eq(t, "ExpireConfirmations", n, 1)
	_, err = s.GetConfirmation(ctx, "key-reg")
	wantErr(t, "expired confirmation", err, store.ErrNotFound)
	_, err = s.GetConfirmation(ctx, "key-opt")
	must(t, err)
}

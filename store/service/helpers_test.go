package service_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
)

var clock = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr checks that err is the sentinel want (nil: no error).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Errorf("%s: %v", what, err)
	case want != nil && !errors.Is(err, want):
		t.Errorf("%s: got %v, want %v", what, err, want)
	}
}

// world is a project with a maintainer, a submitter with an account, a
// stranger, an admin and one patch.
type world struct {
	s                                 store.Store
	svc                               *service.Service
	proj, proj2                       *store.Project
	maint, sub, stranger, admin, idle *store.User
	subPerson                         *store.Person
	patch, other                      *store.Patch
	states                            map[string]int64
}

func newWorld(t *testing.T, s store.Store) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{s: s, svc: service.New(s, service.Options{Now: func() time.Time { return clock }}), states: map[string]int64{}}
	states, err := s.ListStates(ctx)
	must(t, err)
	for _, st := range states {
		w.states[st.Slug] = st.ID
	}
	w.proj = &store.Project{LinkName: "test", Name: "Test", ListID: "test.example.com", ListEmail: "test@example.com", SendNotifications: true}
	must(t, s.CreateProject(ctx, w.proj))
	w.proj2 = &store.Project{LinkName: "other", Name: "Other", ListID: "other.example.com", ListEmail: "other@example.com"}
	must(t, s.CreateProject(ctx, w.proj2))
	mk := func(name string, admin, active bool) *store.User {
		u := &store.User{Username: name, Email: name + "@example.com", IsAdmin: admin, Active: active, DateJoined: clock, ItemsPerPage: 100}
		must(t, s.CreateUser(ctx, u))
		return u
	}
	w.maint, w.sub, w.stranger = mk("maint", false, true), mk("sub", false, true), mk("stranger", false, true)
	w.admin, w.idle = mk("admin", true, true), mk("idle", false, false)
	must(t, s.AddMaintainer(ctx, w.proj.ID, w.maint.ID))
	w.subPerson, err = s.UpsertPerson(ctx, "sub@example.com", "Sub", false)
	must(t, err)
	must(t, s.LinkPerson(ctx, "sub@example.com", w.sub.ID))
	w.patch = w.mkPatch(t, w.proj.ID, "<p1@example.com>")
	w.other = w.mkPatch(t, w.proj2.ID, "<p2@example.com>")
	return w
}

func (w *world) mkPatch(t *testing.T, projectID int64, msgid string) *store.Patch {
	t.Helper()
	p := &store.Patch{ProjectID: projectID, MsgID: msgid, Name: "a patch " + msgid, Date: clock,
		SubmitterID: w.subPerson.ID, Headers: "Subject: a patch\n", Diff: "--- a/x\n+++ b/x\n", StateID: w.states["new"]}
	must(t, w.s.CreatePatch(context.Background(), p, nil))
	return p
}

// newKey is a fresh public key in authorized_keys form.
func newKey(t *testing.T, comment string) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	must(t, err)
	pk, err := gossh.NewPublicKey(pub)
	must(t, err)
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk))) + " " + comment
}

func ptr[T any](v T) *T { return &v }

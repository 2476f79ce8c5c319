package service_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

func TestEditPatchPermissions(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		delegate := &store.User{Username: "deleg", Email: "deleg@example.com", Active: true, DateJoined: clock}
		must(t, s.CreateUser(ctx, delegate))
		must(t, s.AddMaintainer(ctx, w.proj.ID, delegate.ID))
		_, err := s.UpdatePatch(ctx, w.patch.ID, store.PatchUpdate{DelegateID: &delegate.ID}, 0)
		must(t, err)
		w.patch.DelegateID = delegate.ID
		must(t, s.RemoveMaintainer(ctx, w.proj.ID, delegate.ID)) // a delegate needs no maintainership to edit
		for _, tc := range []struct {
			name  string
			actor *store.User
			pol   service.Policy
			may   bool
		}{
			{"anonymous", nil, service.AdminsToo, false},
			{"inactive", w.idle, service.AdminsToo, false},
			{"stranger", w.stranger, service.AdminsToo, false},
			{"submitter's user", w.sub, service.UpstreamPolicy, true},
			{"delegate", delegate, service.UpstreamPolicy, true},
			{"maintainer", w.maint, service.UpstreamPolicy, true},
			{"admin, upstream's rule", w.admin, service.UpstreamPolicy, false},
			{"admin, admins too", w.admin, service.AdminsToo, true},
		} {
			may, err := w.svc.CanEditPatch(ctx, tc.actor, w.patch, tc.pol)
			must(t, err)
			if may != tc.may {
				t.Errorf("%s: CanEditPatch = %v, want %v", tc.name, may, tc.may)
			}
			ref := "ref-" + tc.name
			_, err = w.svc.EditPatch(ctx, tc.actor, w.patch.ID, store.PatchUpdate{CommitRef: &ref}, tc.pol)
			if tc.may {
				wantErr(t, tc.name, err, nil)
			} else {
				wantErr(t, tc.name, err, store.ErrForbidden)
			}
		}
		// A delegate must maintain the project.
		_, err = w.svc.EditPatch(ctx, w.maint, w.patch.ID, store.PatchUpdate{DelegateID: &w.stranger.ID}, service.UpstreamPolicy)
		wantErr(t, "non-maintainer delegate", err, store.ErrInvalid)
		_, err = w.svc.EditPatch(ctx, w.maint, w.patch.ID, store.PatchUpdate{DelegateID: ptr(int64(0))}, service.UpstreamPolicy)
		must(t, err)
		_, err = w.svc.EditPatch(ctx, w.maint, 999999, store.PatchUpdate{}, service.UpstreamPolicy)
		wantErr(t, "unknown patch", err, store.ErrNotFound)
	})
}

// TestEditPatchWritesOnce: one state change is one event and one queued
// notification, whoever makes it.
func TestEditPatchWritesOnce(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		acc := w.states["accepted"]
		p, err := w.svc.EditPatch(ctx, w.maint, w.patch.ID, store.PatchUpdate{StateID: &acc}, service.UpstreamPolicy)
		must(t, err)
		if p.StateID != acc {
			t.Errorf("state %d, want %d", p.StateID, acc)
		}
		evs, err := s.ListEvents(ctx, store.EventQuery{Categories: []string{store.EventPatchStateChanged}})
		must(t, err)
		if len(evs) != 1 || evs[0].ActorID != w.maint.ID || evs[0].PreviousStateID != w.states["new"] || evs[0].CurrentStateID != acc {
			t.Errorf("events %+v", evs)
		}
		ns, err := s.PendingNotifications(ctx, time.Now().Add(time.Hour))
		must(t, err)
		if len(ns) != 1 || ns[0].PatchID != w.patch.ID || ns[0].OrigStateID != w.states["new"] {
			t.Errorf("notifications %+v", ns)
		}
	})
}

// TestEditPatchExpect: a conditional change applies only to the patch as
// the caller saw it; otherwise nothing is written (no change, no event).
func TestEditPatchExpect(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		newID, rev, acc := w.states["new"], w.states["under-review"], w.states["accepted"]
		for _, tc := range []struct {
			name string
			u    store.PatchUpdate
			want error
		}{
			{"state as seen", store.PatchUpdate{StateID: &rev, Expect: store.PatchExpect{StateID: &newID}}, nil},
			{"state changed meanwhile", store.PatchUpdate{StateID: &acc, Expect: store.PatchExpect{StateID: &newID}}, store.ErrStale},
			{"no delegate as seen", store.PatchUpdate{DelegateID: &w.maint.ID, Expect: store.PatchExpect{DelegateID: ptr(int64(0))}}, nil},
			{"delegate changed meanwhile", store.PatchUpdate{DelegateID: ptr(int64(0)), Expect: store.PatchExpect{DelegateID: ptr(int64(0))}}, store.ErrStale},
			{"no commit ref as seen", store.PatchUpdate{CommitRef: ptr("abc"), Expect: store.PatchExpect{CommitRef: ptr("")}}, nil},
			{"commit ref changed meanwhile", store.PatchUpdate{CommitRef: ptr("def"), Expect: store.PatchExpect{CommitRef: ptr("")}}, store.ErrStale},
			{"archived as seen", store.PatchUpdate{Archived: ptr(true), Expect: store.PatchExpect{Archived: ptr(false)}}, nil},
			{"archived meanwhile", store.PatchUpdate{Archived: ptr(false), Expect: store.PatchExpect{Archived: ptr(false)}}, store.ErrStale},
			{"a no-op on a stale view", store.PatchUpdate{StateID: &rev, Expect: store.PatchExpect{StateID: &acc}}, store.ErrStale},
			{"last write wins without Expect", store.PatchUpdate{StateID: &acc}, nil},
		} {
			before, err := s.GetPatch(ctx, w.patch.ID)
			must(t, err)
			nev, err := s.CountEvents(ctx, store.EventQuery{})
			must(t, err)
			_, err = w.svc.EditPatch(ctx, w.maint, w.patch.ID, tc.u, service.UpstreamPolicy)
			wantErr(t, tc.name, err, tc.want)
			if tc.want == nil {
				continue
			}
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("%s: ErrStale is not an ErrConflict", tc.name)
			}
			after, err := s.GetPatch(ctx, w.patch.ID)
			must(t, err)
			nev2, err := s.CountEvents(ctx, store.EventQuery{})
			must(t, err)
			if *after != *before || nev2 != nev {
				t.Errorf("%s: the refused change wrote: %+v → %+v, events %d → %d", tc.name, before, after, nev, nev2)
			}
		}
	})
}

// TestEditPatchExpectRace: of two sessions that saw the same state and
// change it at once, one wins and the other is told.
func TestEditPatchExpectRace(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		newID := w.states["new"]
		targets := []int64{w.states["accepted"], w.states["rejected"], w.states["under-review"], w.states["changes-requested"]}
		for round := 0; round < 5; round++ {
			_, err := s.UpdatePatch(ctx, w.patch.ID, store.PatchUpdate{StateID: &newID}, 0)
			must(t, err)
			var wg sync.WaitGroup
			errs := make([]error, len(targets))
			for i := range targets {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					_, errs[i] = w.svc.EditPatch(ctx, w.maint, w.patch.ID,
						store.PatchUpdate{StateID: &targets[i], Expect: store.PatchExpect{StateID: &newID}}, service.UpstreamPolicy)
				}(i)
			}
			wg.Wait()
			won, stale := 0, 0
			for i, err := range errs {
				switch {
				case err == nil:
					won++
				case errors.Is(err, store.ErrStale):
					stale++
				case errors.Is(err, store.ErrUnavailable) || isBusy(err):
					// SQLite may give up waiting for the write lock; that
					// writer wrote nothing either.
				default:
					t.Errorf("round %d writer %d: %v", round, i, err)
				}
			}
			if won != 1 {
				t.Errorf("round %d: %d writers won (%d told stale): %v", round, won, stale, errs)
			}
		}
	})
}

func isBusy(err error) bool {
	if err == nil {
		return false
	}
	m := err.Error()
	return strings.Contains(m, "database is locked") || strings.Contains(m, "SQLITE_BUSY") || strings.Contains(m, "Deadlock")
}

func TestSetRelated(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		p2 := w.mkPatch(t, w.proj.ID, "<p3@example.com>")
		p3 := w.mkPatch(t, w.proj.ID, "<p4@example.com>")
		wantErr(t, "not a maintainer", w.svc.SetRelated(ctx, w.sub, w.patch, []int64{p2.ID}), store.ErrForbidden)
		wantErr(t, "another project", w.svc.SetRelated(ctx, w.maint, w.patch, []int64{w.other.ID}), store.ErrForbidden)
		must(t, w.svc.SetRelated(ctx, w.maint, w.patch, []int64{p2.ID}))
		rel, err := s.RelatedPatches(ctx, w.patch.ID)
		must(t, err)
		if len(rel) != 1 || rel[0].ID != p2.ID {
			t.Errorf("related %v", rel)
		}
		p4 := w.mkPatch(t, w.proj.ID, "<p5@example.com>")
		must(t, w.svc.SetRelated(ctx, w.maint, p3, []int64{p4.ID}))
		fresh, err := s.GetPatch(ctx, w.patch.ID)
		must(t, err)
		if err := w.svc.SetRelated(ctx, w.maint, fresh, []int64{p3.ID}); !errors.Is(err, service.ErrRelationConflict) {
			t.Errorf("merging two relations: %v", err)
		}
		must(t, w.svc.SetRelated(ctx, w.maint, fresh, nil))
		if rel, _ := s.RelatedPatches(ctx, p2.ID); len(rel) != 0 {
			t.Errorf("relation left: %v", rel)
		}
	})
}

func TestCreateCheck(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		for _, tc := range []struct {
			name  string
			actor *store.User
			in    service.NewCheck
			want  error
		}{
			{"anonymous", nil, service.NewCheck{Context: "ci"}, store.ErrForbidden},
			{"stranger", w.stranger, service.NewCheck{Context: "ci"}, store.ErrForbidden},
			{"admin alone", w.admin, service.NewCheck{Context: "ci"}, store.ErrForbidden},
			{"maintainer", w.maint, service.NewCheck{State: store.CheckSuccess, Context: "ci", TargetURL: "https://ci.example.org/1"}, nil},
			{"submitter", w.sub, service.NewCheck{State: store.CheckFail, Context: "ci"}, nil},
			{"slash in a REST context", w.maint, service.NewCheck{Context: "ci/build"}, store.ErrInvalid},
			{"slash in an XML-RPC context", w.maint, service.NewCheck{Context: "ci/build", FreeContext: true}, nil},
			{"XML-RPC's empty context", w.maint, service.NewCheck{FreeContext: true}, nil},
			{"javascript target", w.maint, service.NewCheck{Context: "ci", TargetURL: "javascript:alert(1)"}, store.ErrInvalid},
		} {
			c, err := w.svc.CreateCheck(ctx, tc.actor, w.patch, tc.in)
			wantErr(t, tc.name, err, tc.want)
			if err != nil {
				continue
			}
			got, err := s.GetCheck(ctx, c.ID)
			must(t, err)
			want := tc.in.Context
			if want == "" {
				want = "default"
			}
			if got.UserID != tc.actor.ID || got.Context != want || got.State != tc.in.State || !got.Date.Equal(clock) {
				t.Errorf("%s: stored %+v", tc.name, got)
			}
		}
	})
}

func TestBundles(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		p2 := w.mkPatch(t, w.proj.ID, "<p3@example.com>")
		_, err := w.svc.CreateBundle(ctx, nil, "x", false, []int64{w.patch.ID})
		wantErr(t, "anonymous", err, store.ErrForbidden)
		_, err = w.svc.CreateBundle(ctx, w.sub, "a/b", false, []int64{w.patch.ID})
		wantErr(t, "slash", err, store.ErrInvalid)
		_, err = w.svc.CreateBundle(ctx, w.sub, "x", false, nil)
		wantErr(t, "empty", err, store.ErrInvalid)
		_, err = w.svc.CreateBundle(ctx, w.sub, "x", false, []int64{w.patch.ID, w.other.ID})
		wantErr(t, "two projects", err, store.ErrInvalid)
		b, err := w.svc.CreateBundle(ctx, w.sub, " todo ", true, []int64{p2.ID, w.patch.ID})
		must(t, err)
		if b.Name != "todo" || !b.Public || b.ProjectID != w.proj.ID || b.OwnerID != w.sub.ID {
			t.Errorf("bundle %+v", b)
		}
		_, err = w.svc.CreateBundle(ctx, w.sub, "todo", false, []int64{w.patch.ID})
		wantErr(t, "name taken", err, store.ErrConflict)

		private := false
		wantErr(t, "someone else's", w.svc.UpdateBundle(ctx, w.maint, b, service.BundleChange{Public: &private}, service.AdminsToo), store.ErrForbidden)
		wantErr(t, "admin, upstream's rule", w.svc.UpdateBundle(ctx, w.admin, b, service.BundleChange{Public: &private}, service.UpstreamPolicy), store.ErrForbidden)
		must(t, w.svc.UpdateBundle(ctx, w.admin, b, service.BundleChange{Public: &private}, service.AdminsToo))
		got, err := s.GetBundle(ctx, b.ID)
		must(t, err)
		if got.Public || b.Public {
			t.Errorf("still public: %+v %+v", got, b)
		}
		must(t, w.svc.UpdateBundle(ctx, w.sub, b, service.BundleChange{Patches: []int64{w.other.ID}}, service.UpstreamPolicy))
		if ids, _ := s.BundlePatchIDs(ctx, b.ID); len(ids) != 1 || ids[0] != w.other.ID || b.ProjectID != w.proj2.ID {
			t.Errorf("patches %v, project %d", ids, b.ProjectID)
		}

		added, err := w.svc.AddToBundle(ctx, w.maint, w.proj.ID, "review", []int64{w.patch.ID})
		must(t, err)
		again, err := w.svc.AddToBundle(ctx, w.maint, w.proj.ID, "review", []int64{p2.ID, w.patch.ID})
		must(t, err)
		if ids, _ := s.BundlePatchIDs(ctx, added.ID); again.ID != added.ID || len(ids) != 2 {
			t.Errorf("add to bundle: %d vs %d, %v", again.ID, added.ID, ids)
		}
		// The report says what an addition changed, for an undo.
		rep, err := w.svc.AddToBundleReport(ctx, w.maint, w.proj.ID, "review", []int64{w.patch.ID, p2.ID})
		must(t, err)
		if rep.Created || len(rep.Added) != 0 || rep.Bundle.ID != added.ID {
			t.Errorf("adding what is there already: %+v", rep)
		}
		rep, err = w.svc.AddToBundleReport(ctx, w.maint, w.proj.ID, "fresh", []int64{p2.ID})
		must(t, err)
		if !rep.Created || len(rep.Added) != 1 || rep.Added[0] != p2.ID {
			t.Errorf("adding to a new bundle: %+v", rep)
		}
		// A bundle keeps to one project, added to as created.
		_, err = w.svc.AddToBundle(ctx, w.maint, w.proj2.ID, "review", []int64{w.other.ID})
		wantErr(t, "adding another project's patch", err, store.ErrInvalid)
		_, err = w.svc.AddToBundle(ctx, w.maint, w.proj.ID, "mixed", []int64{p2.ID, w.other.ID})
		wantErr(t, "adding patches of two projects", err, store.ErrInvalid)
		_, err = w.svc.AddToBundle(ctx, w.maint, w.proj.ID, "ghost", []int64{1 << 40})
		wantErr(t, "adding a patch that does not exist", err, store.ErrNotFound)
		wantErr(t, "remove from someone else's", w.svc.RemoveFromBundle(ctx, w.sub, added, []int64{p2.ID}, service.AdminsToo), store.ErrForbidden)
		must(t, w.svc.RemoveFromBundle(ctx, w.admin, added, []int64{p2.ID}, service.AdminsToo))
		if ids, _ := s.BundlePatchIDs(ctx, added.ID); len(ids) != 1 || ids[0] != w.patch.ID {
			t.Errorf("after remove: %v", ids)
		}
		wantErr(t, "delete someone else's", w.svc.DeleteBundle(ctx, w.sub, added, service.UpstreamPolicy), store.ErrForbidden)
		must(t, w.svc.DeleteBundle(ctx, w.maint, added, service.UpstreamPolicy))
		must(t, w.svc.DeleteBundle(ctx, w.maint, added, service.UpstreamPolicy)) // already gone
	})
}

func TestProjects(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		p := &store.Project{LinkName: "new", Name: "New", ListID: "new.example.org", ListEmail: "new@example.org"}
		wantErr(t, "not an admin", w.svc.CreateProject(ctx, w.maint, p), store.ErrForbidden)
		must(t, w.svc.CreateProject(ctx, service.LocalAdmin(), p))
		dup := &store.Project{LinkName: "new", Name: "Newer", ListID: "newer.example.org", ListEmail: "newer@example.org"}
		wantErr(t, "taken linkname", w.svc.CreateProject(ctx, w.admin, dup), store.ErrConflict)

		upd := *w.proj
		upd.WebURL = "https://example.org"
		wantErr(t, "stranger", w.svc.UpdateProject(ctx, w.stranger, &upd, service.UpstreamPolicy), store.ErrForbidden)
		wantErr(t, "admin, upstream's rule", w.svc.UpdateProject(ctx, w.admin, &upd, service.UpstreamPolicy), store.ErrForbidden)
		must(t, w.svc.UpdateProject(ctx, w.maint, &upd, service.UpstreamPolicy))
		upd.CommitURLFormat = "no placeholder"
		wantErr(t, "bad format", w.svc.UpdateProject(ctx, w.maint, &upd, service.UpstreamPolicy), store.ErrInvalid)

		_, err := w.svc.AddDelegationRule(ctx, w.admin, w.proj, w.stranger, "drivers/*", 1)
		wantErr(t, "delegate not maintaining", err, store.ErrInvalid)
		_, err = w.svc.AddDelegationRule(ctx, w.admin, w.proj, w.maint, "[", 1)
		wantErr(t, "bad glob", err, store.ErrInvalid)
		_, err = w.svc.AddDelegationRule(ctx, w.maint, w.proj, w.maint, "drivers/*", 1)
		wantErr(t, "not an admin", err, store.ErrForbidden)
		r, err := w.svc.AddDelegationRule(ctx, w.admin, w.proj, w.maint, "drivers/*", 1)
		must(t, err)
		must(t, w.svc.DeleteDelegationRule(ctx, w.admin, w.proj, r.ID))
	})
}

func TestAddressComment(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newWorld(t, s)
		ctx := context.Background()
		reviewer, err := s.UpsertPerson(ctx, "maint@example.com", "Maint", false)
		must(t, err)
		must(t, s.LinkPerson(ctx, reviewer.Email, w.maint.ID))
		cm := &store.Comment{PatchID: w.patch.ID, ProjectID: w.proj.ID, MsgID: "<c1@example.org>", Date: clock,
			SubmitterID: reviewer.ID, Headers: "Subject: Re\n", Content: "nit"}
		must(t, s.CreateComment(ctx, cm))
		yes := true
		for _, tc := range []struct {
			name  string
			actor *store.User
			want  error
		}{
			{"anonymous", nil, store.ErrForbidden},
			{"stranger", w.stranger, store.ErrForbidden},
			{"admin alone", w.admin, store.ErrForbidden},
			{"the patch's submitter", w.sub, nil},
			{"the comment's author", w.maint, nil},
		} {
			wantErr(t, tc.name, w.svc.SetAddressed(ctx, tc.actor, cm, &yes), tc.want)
		}
		got, err := s.GetComment(ctx, cm.ID)
		must(t, err)
		if got.Addressed == nil || !*got.Addressed {
			t.Errorf("addressed %v", got.Addressed)
		}
	})
}

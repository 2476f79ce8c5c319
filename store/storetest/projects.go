package storetest

import (
	"testing"

	"github.com/patchwork-go/patchwork/store"
)

func testProjects(t *testing.T, s store.Store) {
	f := newFixture(t, s)

	// Round trip of every field.
	p := &store.Project{LinkName: "git", Name: "Git", ListID: "git.vger.kernel.org", ListEmail: "git@vger.kernel.org",
		SubjectMatch: `^\[PATCH`, WebURL: "https://git-scm.com", SCMURL: "git://git.kernel.org/git.git",
		WebSCMURL: "https://git.kernel.org/git", ListArchiveURL: "https://lore.kernel.org/git",
		ListArchiveURLFormat: "https://lore.kernel.org/git/{}", CommitURLFormat: "https://git.kernel.org/c/{}",
		SendNotifications: true, UseTags: true, ShowDependencies: true, SupersedeOldVersions: true}
	must(t, s.CreateProject(ctx, p))
	if p.ID == 0 {
		t.Fatal("CreateProject set no id")
	}
	got, err := s.GetProject(ctx, p.ID)
	must(t, err)
	eq(t, "GetProject", *got, *p)
	got, err = s.GetProjectByLinkName(ctx, "git")
	must(t, err)
	eq(t, "GetProjectByLinkName", *got, *p)

	// Duplicate linkname or name; unknown ids and names.
	wantErr(t, "duplicate linkname", s.CreateProject(ctx, &store.Project{LinkName: "git", Name: "Other", ListID: "o", ListEmail: "o@o"}), store.ErrConflict)
	wantErr(t, "duplicate name", s.CreateProject(ctx, &store.Project{LinkName: "other", Name: "Git", ListID: "o", ListEmail: "o@o"}), store.ErrConflict)
	_, err = s.GetProject(ctx, 999999)
	wantErr(t, "GetProject unknown", err, store.ErrNotFound)
	_, err = s.GetProjectByLinkName(ctx, "nope")
	wantErr(t, "GetProjectByLinkName unknown", err, store.ErrNotFound)

	// Update writes every field; an unknown id is not found.
	p.Name, p.WebURL, p.SendNotifications, p.SupersedeOldVersions, p.SubjectMatch = "Git SCM", "", false, false, ""
	must(t, s.UpdateProject(ctx, p))
	got, err = s.GetProject(ctx, p.ID)
	must(t, err)
	eq(t, "after UpdateProject", *got, *p)
	wantErr(t, "UpdateProject unknown", s.UpdateProject(ctx, &store.Project{ID: 999999, LinkName: "x", Name: "x"}), store.ErrNotFound)
	wantErr(t, "UpdateProject to a taken name", s.UpdateProject(ctx, &store.Project{ID: p.ID, LinkName: "git", Name: "Linux",
		ListID: p.ListID, ListEmail: p.ListEmail}), store.ErrConflict)

	// ListProjects orders by linkname, not id.
	list, err := s.ListProjects(ctx)
	must(t, err)
	eq(t, "ListProjects linknames", ids(list, func(p store.Project) int64 { return p.ID }), []int64{p.ID, f.proj.ID, f.proj2.ID})

	// Maintainers: idempotent add, ordered by username, removal of a
	// non-maintainer is no error.
	must(t, s.AddMaintainer(ctx, f.proj.ID, f.maint.ID))
	must(t, s.AddMaintainer(ctx, f.proj.ID, f.dev.ID))
	must(t, s.AddMaintainer(ctx, f.proj2.ID, f.dev.ID))
	ms, err := s.ListMaintainers(ctx, f.proj.ID)
	must(t, err)
	eq(t, "ListMaintainers by username", ids(ms, func(u store.User) int64 { return u.ID }), []int64{f.dev.ID, f.maint.ID})
	if ms[1].Username != "maint" || ms[1].Email != "maint@example.org" || !ms[1].Active {
		t.Errorf("ListMaintainers user: %+v", ms[1])
	}
	for _, c := range []struct {
		proj, user int64
		want       bool
	}{{f.proj.ID, f.maint.ID, true}, {f.proj2.ID, f.maint.ID, false}, {f.proj2.ID, f.dev.ID, true}, {f.proj.ID, 999999, false}} {
		is, err := s.IsMaintainer(ctx, c.proj, c.user)
		must(t, err)
		if is != c.want {
			t.Errorf("IsMaintainer(%d, %d) = %v", c.proj, c.user, is)
		}
	}
	mp, err := s.MaintainedProjects(ctx, f.dev.ID)
	must(t, err)
	eq(t, "MaintainedProjects ascending", mp, []int64{f.proj2.ID, f.proj.ID})
	must(t, s.RemoveMaintainer(ctx, f.proj.ID, f.dev.ID))
	must(t, s.RemoveMaintainer(ctx, f.proj.ID, f.dev.ID))
	mp, err = s.MaintainedProjects(ctx, f.dev.ID)
	must(t, err)
	eq(t, "MaintainedProjects after removal", mp, []int64{f.proj2.ID})
	mp, err = s.MaintainedProjects(ctx, 999999)
	must(t, err)
	eq(t, "MaintainedProjects of nobody", len(mp), 0)

	// Delegation rules: highest priority first, ties by id; delete only
	// within the rule's project.
	r1 := &store.DelegationRule{ProjectID: f.proj.ID, UserID: f.maint.ID, Path: "net/*", Priority: 1}
	r2 := &store.DelegationRule{ProjectID: f.proj.ID, UserID: f.dev.ID, Path: "drivers/*", Priority: 5}
	r3 := &store.DelegationRule{ProjectID: f.proj.ID, UserID: f.dev.ID, Path: "fs/*", Priority: 1}
	for _, r := range []*store.DelegationRule{r1, r2, r3} {
		must(t, s.AddDelegationRule(ctx, r))
		if r.ID == 0 {
			t.Fatal("AddDelegationRule set no id")
		}
	}
	rules, err := s.ListDelegationRules(ctx, f.proj.ID)
	must(t, err)
	eq(t, "ListDelegationRules", rules, []store.DelegationRule{*r2, *r1, *r3})
	wantErr(t, "DeleteDelegationRule of another project", s.DeleteDelegationRule(ctx, f.proj2.ID, r1.ID), store.ErrNotFound)
	must(t, s.DeleteDelegationRule(ctx, f.proj.ID, r1.ID))
	wantErr(t, "DeleteDelegationRule twice", s.DeleteDelegationRule(ctx, f.proj.ID, r1.ID), store.ErrNotFound)
	rules, err = s.ListDelegationRules(ctx, f.proj.ID)
	must(t, err)
	eq(t, "rules after delete", rules, []store.DelegationRule{*r2, *r3})
	rules, err = s.ListDelegationRules(ctx, f.proj2.ID)
	must(t, err)
	eq(t, "rules of a project without", len(rules), 0)
}

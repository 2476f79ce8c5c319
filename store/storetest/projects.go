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

func testPeople(t *testing.T, s store.Store) {
	// UpsertPerson: found case-insensitively; a name fills an empty one
	// and replaces a set one only with overwrite.
	a, err := s.UpsertPerson(ctx, "Ann@Example.org", "", false)
	must(t, err)
	if a.ID == 0 || a.Email != "Ann@Example.org" || a.Name != "" || a.UserID != 0 {
		t.Fatalf("UpsertPerson new: %+v", a)
	}
	b, err := s.UpsertPerson(ctx, "ann@example.ORG", "Ann One", false)
	must(t, err)
	eq(t, "UpsertPerson fills an empty name", *b, store.Person{ID: a.ID, Name: "Ann One", Email: "Ann@Example.org"})
	b, err = s.UpsertPerson(ctx, "ann@example.org", "Ann Two", false)
	must(t, err)
	eq(t, "UpsertPerson keeps a name", b.Name, "Ann One")
	b, err = s.UpsertPerson(ctx, "ann@example.org", "Ann Two", true)
	must(t, err)
	eq(t, "UpsertPerson overwrites", b.Name, "Ann Two")
	b, err = s.UpsertPerson(ctx, "ann@example.org", "", true)
	must(t, err)
	eq(t, "UpsertPerson with no name keeps it", b.Name, "Ann Two")
	_, err = s.UpsertPerson(ctx, "  ", "x", false)
	wantErr(t, "UpsertPerson empty e-mail", err, store.ErrInvalid)

	// InsertPerson: a new address is created, a known one behaves as
	// UpsertPerson.
	c, err := s.InsertPerson(ctx, "carl@example.org", "Carl", false)
	must(t, err)
	if c.ID == 0 || c.ID == a.ID || c.Name != "Carl" {
		t.Fatalf("InsertPerson new: %+v", c)
	}
	c2, err := s.InsertPerson(ctx, "CARL@example.org", "Carl Two", true)
	must(t, err)
	eq(t, "InsertPerson of a known address", *c2, store.Person{ID: c.ID, Name: "Carl Two", Email: "carl@example.org"})
	_, err = s.InsertPerson(ctx, "", "x", false)
	wantErr(t, "InsertPerson empty e-mail", err, store.ErrInvalid)
	d, err := s.UpsertPerson(ctx, "dora@example.org", "Dora", false)
	must(t, err)

	// Look-ups.
	got, err := s.GetPerson(ctx, a.ID)
	must(t, err)
	eq(t, "GetPerson", *got, store.Person{ID: a.ID, Name: "Ann Two", Email: "Ann@Example.org"})
	_, err = s.GetPerson(ctx, 999999)
	wantErr(t, "GetPerson unknown", err, store.ErrNotFound)
	got, err = s.GetPersonByEmail(ctx, "ANN@example.org")
	must(t, err)
	eq(t, "GetPersonByEmail case-insensitive", got.ID, a.ID)
	_, err = s.GetPersonByEmail(ctx, "nobody@example.org")
	wantErr(t, "GetPersonByEmail unknown", err, store.ErrNotFound)
	many, err := s.GetPeople(ctx, []int64{a.ID, c.ID, a.ID, 999999})
	must(t, err)
	if len(many) != 2 || many[a.ID].Email != "Ann@Example.org" || many[c.ID].Name != "Carl Two" {
		t.Errorf("GetPeople: %+v", many)
	}
	many, err = s.GetPeople(ctx, nil)
	must(t, err)
	eq(t, "GetPeople of none", len(many), 0)
	byMail, err := s.PeopleByEmails(ctx, []string{"ann@EXAMPLE.org", "carl@example.org", "nobody@example.org", ""})
	must(t, err)
	if len(byMail) != 2 || byMail["ann@example.org"].ID != a.ID || byMail["carl@example.org"].ID != c.ID {
		t.Errorf("PeopleByEmails: %+v", byMail)
	}

	// ListPeople: text in name or e-mail, case-insensitive; orders; pages.
	list, err := s.ListPeople(ctx, store.PersonQuery{})
	must(t, err)
	eq(t, "ListPeople by id", ids(list, func(p store.Person) int64 { return p.ID }), []int64{a.ID, c.ID, d.ID})
	list, err = s.ListPeople(ctx, store.PersonQuery{Text: "ANN"})
	must(t, err)
	eq(t, "ListPeople text", ids(list, func(p store.Person) int64 { return p.ID }), []int64{a.ID})
	list, err = s.ListPeople(ctx, store.PersonQuery{Text: "example.org", Order: "-name"})
	must(t, err)
	eq(t, "ListPeople -name", ids(list, func(p store.Person) int64 { return p.ID }), []int64{d.ID, c.ID, a.ID})
	list, err = s.ListPeople(ctx, store.PersonQuery{Order: "email", Limit: 1, Offset: 1})
	must(t, err)
	eq(t, "ListPeople page", ids(list, func(p store.Person) int64 { return p.ID }), []int64{c.ID})

	// LinkPerson links every person of the address, case-insensitively.
	u := &store.User{Username: "ann", Email: "ann@example.org", Active: true}
	must(t, s.CreateUser(ctx, u))
	must(t, s.LinkPerson(ctx, "ANN@example.org", u.ID))
	got, err = s.GetPerson(ctx, a.ID)
	must(t, err)
	eq(t, "linked person", got.UserID, u.ID)
	got, err = s.GetPerson(ctx, c.ID)
	must(t, err)
	eq(t, "other person stays unlinked", got.UserID, int64(0))
}

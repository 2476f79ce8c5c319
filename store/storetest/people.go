package storetest

import (
	"testing"

	"github.com/patchwork-go/patchwork/store"
)

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

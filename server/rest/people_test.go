package rest_test

import (
	"context"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestPeopleSendersAndLinked: people/ shows the people who sent something
// or are linked to a user; an account made by `user add` and a bare
// address are not people (issue 22 item 8).
func TestPeopleSendersAndLinked(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		f := e.f
		ctx := context.Background()
		tok := tokenAuth(f.tokStranger)
		if _, _, err := service.New(s, service.Options{}).CreateUser(ctx, service.LocalAdmin(),
			service.NewUser{Username: "newcomer", Email: "newcomer@example.org"}); err != nil {
			t.Fatal(err)
		}
		bare, err := s.UpsertPerson(ctx, "bare@example.org", "Bare", false)
		must(t, err)
		e.listIDs("/api/1.3/people/", tok, f.person.ID, f.person2.ID)
		e.listIDs("/api/1.3/people/?q=newcomer", tok)
		must(t, s.LinkPerson(ctx, bare.Email, f.stranger.ID))
		e.listIDs("/api/1.3/people/?q=bare", tok, bare.ID)
	})
}

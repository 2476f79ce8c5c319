package xmlrpc

import (
	"context"
	"reflect"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestPersonListSendersAndLinked: person_list shows the people who sent
// something or are linked to a user; an account made by `user add` and a
// bare address are not people (issue 22 item 8).
func TestPersonListSendersAndLinked(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		ts := newTestServer(t, s)
		ctx := context.Background()
		before := ids(t, ts.list(t, "person_list"))
		if _, _, err := service.New(s, service.Options{}).CreateUser(ctx, service.LocalAdmin(),
			service.NewUser{Username: "newcomer", Email: "newcomer@example.org"}); err != nil {
			t.Fatal(err)
		}
		bare, err := s.UpsertPerson(ctx, "bare@example.org", "Bare", false)
		must(t, err)
		if g := ids(t, ts.list(t, "person_list")); !reflect.DeepEqual(g, before) {
			t.Errorf("person_list after user add and a bare address = %v, want %v", g, before)
		}
		if g := ts.list(t, "person_list", "newcomer", 0); len(g) != 0 {
			t.Errorf("person_list(newcomer) = %v", g)
		}
		must(t, s.LinkPerson(ctx, bare.Email, f.maint.ID))
		if g := ids(t, ts.list(t, "person_list", "bare", 0)); !reflect.DeepEqual(g, []int64{bare.ID}) {
			t.Errorf("person_list(bare) once linked = %v", g)
		}
	})
}

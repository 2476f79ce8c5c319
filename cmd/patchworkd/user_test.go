package main

import (
	"context"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestUserAddThroughService: `patchworkd user add` follows the service's
// rules: the one user name and e-mail rule, the one SendEmail default (it
// was off here and on over SSH), and no person for the account until its
// address sends mail (issue 22 item 8).
func TestUserAddThroughService(t *testing.T) {
	t.Parallel()
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := sqltest.URL(t, d)
			mustPW(t, db, nil, "", "user", "add", "alice", "--email", "alice@example.org")
			s := openDB(t, db)
			ctx := context.Background()
			u, err := s.GetUserByName(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if u.SendEmail != service.DefaultSendEmail || u.ItemsPerPage != service.DefaultItemsPerPage {
				t.Errorf("settings of alice: send_email %v, items_per_page %d", u.SendEmail, u.ItemsPerPage)
			}
			if p, err := s.GetPersonByEmail(ctx, "alice@example.org"); err == nil {
				t.Errorf("user add made person %+v", p)
			}
			for _, bad := range [][]string{
				{"user", "add", "-x", "--email", "x@example.org"},
				{"user", "add", "a/b", "--email", "x@example.org"},
				{"user", "add", "bob", "--email", "Bob <bob@example.org>"},
				{"user", "add", "bob", "--email", "bob@example.org", "--key", "ssh-ed25519 nope"},
			} {
				if r := pw(t, db, nil, "", bad...); r.code == 0 {
					t.Errorf("patchworkd %s: exit %d, stderr %q", strings.Join(bad, " "), r.code, r.stderr)
				}
			}
			if _, err := s.GetUserByName(ctx, "bob"); err == nil {
				t.Error("a refused bob exists")
			}
		})
	}
}

package ssh

import (
	"fmt"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestSetStatePermissions: anonymous can't change anything, a maintainer
// of another project can't, the project's maintainer and an admin can.
func TestSetStatePermissions(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		srv := startServer(t, st, nil)
		id := f.patches[0].ID
		cmd := func(state string) string { return fmt.Sprintf("set-state %d %s", id, state) }

		run(t, srv, nil, "", cmd("accepted")).fails(t, "keyless", "permission denied")
		run(t, srv, newKey(t), "", cmd("accepted")).fails(t, "unknown key", "permission denied")
		run(t, srv, f.maintBKey, "", cmd("accepted")).fails(t, "maintainer of beta", "permission denied")
		if got := f.stateOf(t, id); got != "new" {
			t.Fatalf("refused set-state changed the state to %q", got)
		}

		r := run(t, srv, f.maintAKey, "", cmd("under-review")).ok(t, "maintainer")
		if !strings.Contains(r.out, "New -> Under Review") {
			t.Errorf("set-state output %q", r.out)
		}
		if got := f.stateOf(t, id); got != "under-review" {
			t.Fatalf("state after maintainer's set-state = %q", got)
		}
		// Names with spaces work unquoted too.
		run(t, srv, f.adminKey, "", fmt.Sprintf("set-state %d Changes Requested", id)).ok(t, "admin")
		if got := f.stateOf(t, id); got != "changes-requested" {
			t.Fatalf("state after admin's set-state = %q", got)
		}
		run(t, srv, f.maintAKey, "", cmd("bogus")).fails(t, "bad state", "unknown state")
		run(t, srv, f.maintAKey, "", "set-state 999999 new").fails(t, "missing patch", "not found")
	})
}

package ssh

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestCLIListErrors: an unknown flag and an unknown project are errors,
// not search terms; -- searches every project for words.
func TestCLIListErrors(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)
	srv := startServer(t, st, nil)
	run(t, srv, nil, "", "list test --jsn").fails(t, "list test --jsn", "unknown flag --jsn")
	run(t, srv, nil, "", "list alpha --jsn").fails(t, "list alpha --jsn", "unknown flag --jsn")
	run(t, srv, nil, "", "list nosuchproject").fails(t, "list nosuchproject", `unknown project "nosuchproject" (projects: alpha, beta`)
	r := run(t, srv, nil, "", "help").ok(t, "help")
	for _, cmd := range []string{"delegate", "archive", "bundle", "set-state"} {
		if !strings.Contains(r.out, cmd) {
			t.Errorf("help lacks %s:\n%s", cmd, r.out)
		}
	}
	r = run(t, srv, nil, "", "list --json -- frobnicator").ok(t, "list -- frobnicator")
	var rows []patchJSON
	if err := json.Unmarshal([]byte(r.out), &rows); err != nil || len(rows) != 1 || rows[0].ID != f.patches[0].ID {
		t.Errorf("list -- frobnicator = %+v, %v\n%s", rows, err, r.out)
	}
}

// TestCLISetStateMany: several ids and --series, refusals per patch, and
// --expect refusing to overwrite a change made since.
func TestCLISetStateMany(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		srv := startServer(t, st, nil)
		p1, p2, pb := f.patches[0].ID, f.patches[1].ID, f.patches[2].ID

		r := run(t, srv, f.maintAKey, "", fmt.Sprintf("set-state %d %d under-review", p1, p2)).ok(t, "two ids")
		if !strings.Contains(r.out, fmt.Sprintf("patch %d: New -> Under Review", p1)) || !strings.Contains(r.out, fmt.Sprintf("patch %d: New -> Under Review", p2)) {
			t.Errorf("set-state two ids: %q", r.out)
		}
		r = run(t, srv, f.maintAKey, "", fmt.Sprintf("set-state --series %d Changes Requested --json", f.series.ID)).ok(t, "--series")
		var out []editJSON
		if err := json.Unmarshal([]byte(r.out), &out); err != nil || len(out) != 2 || out[0].Previous != "under-review" || out[1].Current != "changes-requested" {
			t.Fatalf("set-state --series --json = %+v, %v\n%s", out, err, r.out)
		}
		// One patch of beta among them: alice may not, the other changes.
		r = run(t, srv, f.maintAKey, "", fmt.Sprintf("set-state %d %d accepted", p1, pb))
		r.fails(t, "a beta patch", "1 of 2 patches not changed")
		if !strings.Contains(r.err, fmt.Sprintf("patch %d: permission denied", pb)) || f.stateOf(t, p1) != "accepted" || f.stateOf(t, pb) != "new" {
			t.Errorf("mixed set-state: stderr %q, states %s %s", r.err, f.stateOf(t, p1), f.stateOf(t, pb))
		}
		// A missing id: nothing is written.
		run(t, srv, f.maintAKey, "", fmt.Sprintf("set-state %d 999999 new", p2)).fails(t, "missing id", "not found")
		if got := f.stateOf(t, p2); got != "changes-requested" {
			t.Errorf("a set-state with a missing id changed patch %d to %s", p2, got)
		}
		run(t, srv, f.maintAKey, "", "set-state 5").fails(t, "no state", "no state: set-state [ID...] STATE")

		// --expect: p1 is accepted now, not new.
		r = run(t, srv, f.maintAKey, "", fmt.Sprintf("set-state %d rejected --expect new", p1))
		r.fails(t, "stale --expect", "not changed")
		if !strings.Contains(r.err, fmt.Sprintf("patch %d: its state is Accepted, not New (--expect): not changed", p1)) || f.stateOf(t, p1) != "accepted" {
			t.Errorf("stale --expect: stderr %q, state %s", r.err, f.stateOf(t, p1))
		}
		run(t, srv, f.maintAKey, "", fmt.Sprintf("set-state %d rejected --expect accepted", p1)).ok(t, "fresh --expect")
		if got := f.stateOf(t, p1); got != "rejected" {
			t.Errorf("state after a fresh --expect: %s", got)
		}
		run(t, srv, f.maintAKey, "", fmt.Sprintf("set-state %d new --expect bogus", p1)).fails(t, "bad --expect", "unknown state")
	})
}

// TestCLIDelegateArchive: delegate and archive with several ids,
// --series and --json, under the TUI's permission rule.
func TestCLIDelegateArchive(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		srv := startServer(t, st, nil)
		p1, p2, pb := f.patches[0].ID, f.patches[1].ID, f.patches[2].ID
		get := func(id int64) *store.Patch {
			p, err := st.GetPatch(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}

		r := run(t, srv, f.maintAKey, "", fmt.Sprintf("delegate %d %d alice", p1, p2)).ok(t, "delegate")
		if !strings.Contains(r.out, fmt.Sprintf("patch %d: none -> alice", p2)) || get(p1).DelegateID != f.maintA.ID || get(p2).DelegateID != f.maintA.ID {
			t.Errorf("delegate: %q", r.out)
		}
		// bob maintains beta, not alpha: not a delegate of alpha's patches.
		run(t, srv, f.maintAKey, "", fmt.Sprintf("delegate %d bob", p1)).fails(t, "delegate to a non-maintainer", "does not maintain")
		run(t, srv, f.maintAKey, "", fmt.Sprintf("delegate %d nobody-here", p1)).fails(t, "unknown user", `unknown user "nobody-here"`)
		run(t, srv, f.maintBKey, "", fmt.Sprintf("delegate %d none", p1)).fails(t, "bob on alpha", "permission denied")
		r = run(t, srv, f.maintAKey, "", fmt.Sprintf("delegate --series %d none --json", f.series.ID)).ok(t, "delegate none")
		var out []editJSON
		if err := json.Unmarshal([]byte(r.out), &out); err != nil || len(out) != 2 || out[0].Previous != "alice" || out[0].Current != "none" {
			t.Fatalf("delegate --json = %+v, %v\n%s", out, err, r.out)
		}

		run(t, srv, f.maintAKey, "", fmt.Sprintf("archive --series %d", f.series.ID)).ok(t, "archive --series")
		if !get(p1).Archived || !get(p2).Archived {
			t.Error("archive --series left a patch unarchived")
		}
		r = run(t, srv, f.maintAKey, "", fmt.Sprintf("archive %d --unarchive --json", p1)).ok(t, "unarchive")
		if err := json.Unmarshal([]byte(r.out), &out); err != nil || len(out) != 1 || out[0].Current != "not archived" || get(p1).Archived {
			t.Errorf("archive --unarchive --json = %+v, %v", out, err)
		}
		run(t, srv, nil, "", fmt.Sprintf("archive %d", pb)).fails(t, "anonymous archive", "permission denied")
		run(t, srv, f.maintAKey, "", fmt.Sprintf("archive %d", pb)).fails(t, "alice on beta", "permission denied")
		run(t, srv, f.maintAKey, "", "archive").fails(t, "archive nothing", "no patch")
		if get(pb).Archived {
			t.Error("a refused archive archived the beta patch")
		}
	})
}

// TestCLIBundle: bundle list, show (--json, --mbox), add and remove,
// with the owner's rule.
func TestCLIBundle(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		srv := startServer(t, st, nil)
		p1, p2 := f.patches[0].ID, f.patches[1].ID

		r := run(t, srv, f.maintAKey, "", fmt.Sprintf("bundle add review %d", p2)).ok(t, "bundle add")
		if !strings.Contains(r.out, "bundle review: 1 added") {
			t.Errorf("bundle add: %q", r.out)
		}
		r = run(t, srv, f.maintAKey, "", fmt.Sprintf("bundle add review --series %d --json", f.series.ID)).ok(t, "bundle add --series")
		var b bundleJSON
		if err := json.Unmarshal([]byte(r.out), &b); err != nil || b.Name != "review" || b.Owner != "alice" || b.Project != "alpha" ||
			len(b.Patches) != 2 || b.Patches[0].ID != p2 || b.Patches[1].ID != p1 || b.Patches[0].State != "new" {
			t.Fatalf("bundle add --json = %+v, %v\n%s", b, err, r.out)
		}
		r = run(t, srv, f.maintAKey, "", "bundle list --json").ok(t, "bundle list")
		var bs []bundleJSON
		if err := json.Unmarshal([]byte(r.out), &bs); err != nil || len(bs) != 1 || bs[0].Count != 2 || bs[0].Public {
			t.Fatalf("bundle list --json = %+v, %v", bs, err)
		}
		r = run(t, srv, f.maintAKey, "", "bundle show review").ok(t, "bundle show")
		if !strings.Contains(r.out, "alice/review") || !strings.Contains(r.out, "frob: use it") {
			t.Errorf("bundle show:\n%s", r.out)
		}
		r = run(t, srv, f.maintAKey, "", "bundle show review --mbox").ok(t, "bundle show --mbox")
		if !strings.HasPrefix(r.out, "From ") || strings.Count(r.out, "\nFrom ") != 1 {
			t.Errorf("bundle --mbox should hold 2 messages:\n%s", r.out)
		}

		// Private: nobody else sees it or changes it.
		run(t, srv, f.maintBKey, "", "bundle show alice/review").fails(t, "bob shows", `no bundle "alice/review"`)
		run(t, srv, f.maintBKey, "", fmt.Sprintf("bundle remove alice/review %d", p1)).fails(t, "bob removes", `no bundle "alice/review"`)
		run(t, srv, nil, "", fmt.Sprintf("bundle add review %d", p1)).fails(t, "anonymous add", "permission denied")
		if r = run(t, srv, f.maintBKey, "", "bundle list --json").ok(t, "bob's list"); strings.TrimSpace(r.out) != "[]" {
			t.Errorf("bob lists alice's private bundle: %s", r.out)
		}

		r = run(t, srv, f.maintAKey, "", fmt.Sprintf("bundle remove review %d", p2)).ok(t, "bundle remove")
		ids := must(st.BundlePatchIDs(context.Background(), b.ID))(t)
		if len(ids) != 1 || ids[0] != p1 {
			t.Errorf("after remove the bundle holds %v", ids)
		}
		run(t, srv, f.maintAKey, "", "bundle show nosuch").fails(t, "missing bundle", `no bundle "nosuch"`)
		run(t, srv, f.maintAKey, "", "bundle add review 999999").fails(t, "missing patch", "not found")
	})
}

func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

package xmlrpc

import (
	"context"
	"encoding/base64"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// snapshot is everything a refused write must leave alone.
type snapshot struct {
	patches  []any
	checks   []any
	latestEv int64
}

func takeSnapshot(t *testing.T, ts *testServer, f *fixture) snapshot {
	t.Helper()
	ev, err := f.s.LatestEventID(context.Background())
	must(t, err)
	return snapshot{
		patches:  ts.call(t, "patch_list", nil).([]any),
		checks:   ts.call(t, "check_list", nil).([]any),
		latestEv: ev,
	}
}

func (a snapshot) same(t *testing.T, what string, b snapshot) {
	t.Helper()
	if !reflect.DeepEqual(a, b) {
		t.Errorf("%s wrote something:\nbefore %d patches %d checks event %d\nafter  %d patches %d checks event %d",
			what, len(a.patches), len(a.checks), a.latestEv, len(b.patches), len(b.checks), b.latestEv)
	}
}

func basic(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }

// TestAuthFaults: every credential failure of spec §2, in its order, for
// both writing methods, and nothing is written.
func TestAuthFaults(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		ts := newTestServer(t, s)
		before := takeSnapshot(t, ts, f)
		const (
			noCreds   = "<class 'Exception'>:No authentication credentials given"
			scheme    = "<class 'Exception'>:Authentication scheme not supported"
			badCreds  = "<class 'Exception'>:Invalid authentication credentials"
			badLogin  = "<class 'Exception'>:Invalid username/password"
			noPerm    = "<class 'Exception'>:No permissions to edit this patch"
			noPatch   = "<class 'patchwork.models.Patch.DoesNotExist'>:Patch matching query does not exist."
			noState   = "<class 'patchwork.models.State.DoesNotExist'>:State matching query does not exist."
			badSchema = "Bearer abc"
		)
		accepted := f.states["Accepted"].ID
		for _, tc := range []struct {
			name string
			c    creds
			id   any
			want string
		}{
			{"none", creds{}, f.a.ID, noCreds},
			{"none, missing patch", creds{}, 99999, noCreds}, // authentication comes first
			{"bearer", creds{header: badSchema}, f.a.ID, scheme},
			{"token", creds{header: "Token 0123456789abcdef"}, f.a.ID, scheme},
			{"bad base64", creds{header: "Basic !!!not base64"}, f.a.ID, badCreds},
			{"no colon", creds{header: basic("maint")}, f.a.ID, badCreds},
			{"non-ASCII", creds{header: basic("maint:pässword")}, f.a.ID, badCreds},
			{"wrong password", creds{user: "maint", password: "nope"}, f.a.ID, badLogin},
			{"empty password", creds{header: basic("maint:")}, f.a.ID, badLogin},
			{"unknown user", creds{user: "ghost", password: "ghost-pw"}, f.a.ID, badLogin},
			{"inactive maintainer", f.creds(f.gone), f.a.ID, badLogin},
			{"maintainer without password", creds{user: "nopw", password: ""}, f.a.ID, badLogin},
			{"wrong password, missing patch", creds{user: "maint", password: "x"}, 99999, badLogin},
			{"missing patch", f.creds(f.maint), 99999, noPatch},
			{"nil patch id", f.creds(f.maint), nil, noPatch},
			{"stranger", f.creds(f.other), f.a.ID, noPerm},
			{"admin is not enough", f.creds(f.admin), f.a.ID, noPerm},
			{"maintainer of another project", f.creds(f.dele), f.b.ID, noPerm},
			{"submitter of other patches", f.creds(f.sub), f.c.ID, noPerm},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := ts.fault(t, tc.c, "patch_set", tc.id, Struct{{"state", accepted}}); got != tc.want {
					t.Errorf("patch_set fault = %q\nwant %q", got, tc.want)
				}
				if got := ts.fault(t, tc.c, "check_create", tc.id, "ci", "success", "", ""); got != tc.want {
					t.Errorf("check_create fault = %q\nwant %q", got, tc.want)
				}
			})
		}
		// Bad values after authentication and permission: nothing applied,
		// not even the valid keys before the bad one.
		if got := ts.fault(t, f.creds(f.maint), "patch_set", f.a.ID, Struct{{"commit_ref", "deadbeef"}, {"state", 99999}}); got != noState {
			t.Errorf("unknown state fault = %q", got)
		}
		if got := ts.fault(t, f.creds(f.maint), "patch_set", f.a.ID, Struct{{"archived", true}, {"state", "x"}}); got != "<class 'ValueError'>:Field 'id' expected a number but got 'x'." {
			t.Errorf("bad state id fault = %q", got)
		}
		// A value the service refuses is the client's error, not an
		// internal one.
		if got := ts.fault(t, f.creds(f.maint), "patch_set", f.a.ID, Struct{{"commit_ref", strings.Repeat("c", 300)}}); !strings.HasPrefix(got, "<class 'django.core.exceptions.ValidationError'>:") || !strings.Contains(got, "255") {
			t.Errorf("long commit_ref fault = %q", got)
		}
		for _, st := range []any{"passed", "SUCCESS", "", 1} {
			want := "<class 'Exception'>:Invalid check state: " + pyStr(st)
			if got := ts.fault(t, f.creds(f.maint), "check_create", f.a.ID, "ci", st, "", ""); got != want {
				t.Errorf("check state %v fault = %q, want %q", st, got, want)
			}
		}
		if got := ts.fault(t, f.creds(f.maint), "check_create", f.a.ID, "ci"); got != "<class 'TypeError'>:check_create() missing 1 required positional argument: 'state'" {
			t.Errorf("check_create arg count fault = %q", got)
		}
		takeSnapshot(t, ts, f).same(t, "refused calls", before)
	})
}

// TestPatchSet: who may change what, what pwclient sends, and the events.
func TestPatchSet(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		ts := newTestServer(t, s)
		accepted := f.states["Accepted"].ID
		review := f.states["Under Review"].ID

		// pwclient update -s Accepted -c SHA ID, as a maintainer.
		if v := ts.callAs(t, f.creds(f.maint), "patch_set", f.a.ID, Struct{{"state", accepted}, {"commit_ref", "0123abcd"}}); v != true {
			t.Fatalf("patch_set = %s", pyValueRepr(v))
		}
		got := ts.get(t, "patch_get", f.a.ID)
		if member(t, got, "state_id") != accepted || !reflect.DeepEqual(member(t, got, "state"), Binary("Accepted")) ||
			member(t, got, "commit_ref") != "0123abcd" {
			t.Errorf("after update: %s", pyValueRepr(got))
		}
		evs, err := s.ListEvents(ctx, store.EventQuery{PatchID: f.a.ID, Categories: []string{store.EventPatchStateChanged}})
		must(t, err)
		if len(evs) != 1 || evs[0].ActorID != f.maint.ID || evs[0].PreviousStateID != f.states["New"].ID || evs[0].CurrentStateID != accepted {
			t.Errorf("state events = %+v", evs)
		}

		// The delegate, with the state as a numeric string.
		if v := ts.callAs(t, f.creds(f.dele), "patch_set", strconv.FormatInt(f.a.ID, 10), Struct{{"state", strconv.FormatInt(review, 10)}}); v != true {
			t.Fatalf("patch_set by delegate = %s", pyValueRepr(v))
		}
		if g := member(t, ts.get(t, "patch_get", f.a.ID), "state_id"); g != review {
			t.Errorf("state after delegate's update = %v", g)
		}
		// The submitter's linked user: pwclient update -a yes.
		if v := ts.callAs(t, f.creds(f.sub), "patch_set", f.a.ID, Struct{{"archived", true}}); v != true {
			t.Fatalf("patch_set by submitter = %s", pyValueRepr(v))
		}
		if g := member(t, ts.get(t, "patch_get", f.a.ID), "archived"); g != true {
			t.Errorf("archived = %v", g)
		}
		if v := ts.callAs(t, f.creds(f.sub), "patch_set", f.z.ID, Struct{{"archived", false}, {"commit_ref", ""}}); v != true {
			t.Fatalf("patch_set by submitter in zlib = %s", pyValueRepr(v))
		}
		// Empty params and unknown keys: true, nothing changes.
		before := ts.get(t, "patch_get", f.b.ID)
		ev0, _ := s.LatestEventID(ctx)
		for _, params := range []Struct{{}, {{"name", "renamed"}, {"delegate", 1}}} {
			if v := ts.callAs(t, f.creds(f.maint), "patch_set", f.b.ID, params); v != true {
				t.Fatalf("patch_set(%s) = %s", pyValueRepr(params), pyValueRepr(v))
			}
		}
		if after := ts.get(t, "patch_get", f.b.ID); !reflect.DeepEqual(after, before) {
			t.Errorf("no-op patch_set changed the patch:\n%s\n%s", pyValueRepr(before), pyValueRepr(after))
		}
		if ev1, _ := s.LatestEventID(ctx); ev1 != ev0 {
			t.Errorf("no-op patch_set made events %d..%d", ev0, ev1)
		}
		// Clearing the commit ref: '' again, not None.
		if v := ts.callAs(t, f.creds(f.maint), "patch_set", f.b.ID, Struct{{"commit_ref", ""}}); v != true {
			t.Fatal(v)
		}
		if g := member(t, ts.get(t, "patch_get", f.b.ID), "commit_ref"); g != "" {
			t.Errorf("commit_ref = %q", g)
		}
	})
}

// TestCheckCreate: pwclient check-create, with defaults and the stored
// values as check_list reads them back.
func TestCheckCreate(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		ts := newTestServer(t, s)

		if v := ts.callAs(t, f.creds(f.maint), "check_create", f.b.ID, "ci/build", "warning", "https://ci.example.org/b", "Flaky"); v != true {
			t.Fatalf("check_create = %s", pyValueRepr(v))
		}
		// The submitter's user, without URL and description.
		if v := ts.callAs(t, f.creds(f.sub), "check_create", strconv.FormatInt(f.b.ID, 10), "lint", "success"); v != true {
			t.Fatalf("check_create (3 args) = %s", pyValueRepr(v))
		}
		got := ts.list(t, "check_list", Struct{{"patch_id", f.b.ID}})
		if len(got) != 2 {
			t.Fatalf("check_list = %s", pyValueRepr(toAny(got)))
		}
		wantMembers(t, "created check", got[0], Struct{
			{"id", member(t, got[0], "id")},
			{"date", Binary("2024-05-06 07:08:09.123456")}, // the handler's clock, UTC
			{"patch", Binary(f.b.Name)},
			{"patch_id", f.b.ID},
			{"user", Binary("maint")},
			{"user_id", f.maint.ID},
			{"state", "warning"},
			{"target_url", "https://ci.example.org/b"},
			{"description", "Flaky"},
			{"context", "ci/build"}, // no slug validation
		})
		wantMembers(t, "created check 2", got[1], Struct{
			{"id", member(t, got[1], "id")},
			{"date", Binary("2024-05-06 07:08:09.123456")},
			{"patch", Binary(f.b.Name)},
			{"patch_id", f.b.ID},
			{"user", Binary("sub")},
			{"user_id", f.sub.ID},
			{"state", "success"},
			{"target_url", ""},
			{"description", ""},
			{"context", "lint"},
		})
		pc := ts.get(t, "patch_check_get", f.b.ID)
		if member(t, pc, "state") != "warning" || member(t, pc, "total") != int64(2) {
			t.Errorf("patch_check_get after create = %s", pyValueRepr(pc))
		}
		evs, err := s.ListEvents(ctx, store.EventQuery{PatchID: f.b.ID, Categories: []string{store.EventCheckCreated}, Asc: true})
		must(t, err)
		if len(evs) != 2 || evs[0].ActorID != f.maint.ID || evs[1].ActorID != f.sub.ID || evs[0].CheckID != member(t, got[0], "id") {
			t.Errorf("check-created events = %+v", evs)
		}
	})
}

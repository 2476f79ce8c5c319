package xmlrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// needTool finds a program the client tests run; outside CI a missing one
// skips the test, in CI it fails it.
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is needed by the client tests: %v", name, err)
		}
		t.Skipf("%s not found: %v", name, err)
	}
	return path
}

// TestPythonClient runs testdata/pyclient.py, which makes every call
// pwclient makes with Python's own xmlrpc.client (absolute-form request
// target, Basic auth in the connection host, allow_none) and checks keys,
// types and faults as pwclient reads them; it also feeds the mbox to
// `git am`.
func TestPythonClient(t *testing.T) {
	python := needTool(t, "python3")
	needTool(t, "git")
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		f := newFixture(t, s)
		ts := newTestServer(t, s)
		in, err := json.Marshal(map[string]any{
			"url":      ts.URL + "/xmlrpc/",
			"libuv":    f.libuv.ID,
			"accepted": f.states["Accepted"].ID,
			"series":   f.series.ID,
			"msgid_a":  f.a.MsgID,
			"hash_a":   hashA,
			"hash_z":   hashZ,
			"patches": map[string]int64{
				"a": f.a.ID, "b": f.b.ID, "c": f.c.ID, "d": f.d.ID, "pull": f.pull.ID, "z": f.z.ID,
			},
		})
		must(t, err)
		cmd := exec.Command(python, "testdata/pyclient.py")
		cmd.Stdin = bytes.NewReader(in)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "GIT_CONFIG_NOSYSTEM=1", "http_proxy=", "https_proxy=")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("pyclient.py: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
		}
		last := strings.TrimSpace(stdout.String())
		if i := strings.LastIndexByte(last, '\n'); i >= 0 {
			last = last[i+1:]
		}
		if !strings.HasPrefix(last, "ok ") {
			t.Fatalf("pyclient.py did not finish: %q\nstderr:\n%s", stdout.String(), stderr.String())
		}
		t.Logf("pyclient.py: %s checks passed", strings.TrimPrefix(last, "ok "))

		// Every request used the absolute form, as pwclient sends it.
		targets := ts.requestTargets()
		if len(targets) < 50 {
			t.Errorf("only %d requests", len(targets))
		}
		for _, tg := range targets {
			if !strings.HasPrefix(tg, "http://") || !strings.HasSuffix(tg, "/xmlrpc/") {
				t.Errorf("request target %q", tg)
				break
			}
		}
		// The writes the script made are in the store.
		c, err := s.GetPatch(context.Background(), f.c.ID)
		must(t, err)
		if c.StateID != f.states["Accepted"].ID || c.CommitRef != "cafebabe" || !c.Archived {
			t.Errorf("patch c after the script: state %d ref %q archived %v", c.StateID, c.CommitRef, c.Archived)
		}
		checks, err := s.ListChecks(context.Background(), store.CheckQuery{PatchID: f.c.ID})
		must(t, err)
		if len(checks) != 1 || checks[0].UserID != f.maint.ID || checks[0].Context != "ci/build" {
			t.Errorf("checks of c after the script: %+v", checks)
		}
	})
}

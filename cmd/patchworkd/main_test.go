package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store/sqlstore"
)

// mainEnv makes the test binary act as patchworkd: tests that need a real
// process (signals, git running a hook) start os.Args[0] with it set.
const mainEnv = "PATCHWORKD_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		main()
		return
	}
	flag.Parse()
	os.Exit(m.Run())
}

// coverEnv is the environment a child patchworkd needs to add its coverage
// to this test run's under `go test -cover`: without GOCOVERDIR a binary
// built with coverage prints a warning on stderr (which tests read) and
// its counters are lost.
func coverEnv() []string {
	if testing.CoverMode() == "" {
		return nil
	}
	f := flag.Lookup("test.gocoverdir")
	if f == nil || f.Value.String() == "" {
		return nil
	}
	return []string{"GOCOVERDIR=" + f.Value.String()}
}

// result is what one in-process command run gave.
type result struct {
	code           int
	stdout, stderr string
}

// pw runs one patchworkd command line in-process on the database db with
// only the environment given (nothing leaks in from the test's own).
func pw(t *testing.T, db string, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	e := map[string]string{"PATCHWORK_DB": db}
	for k, v := range env {
		e[k] = v
	}
	var out, errb bytes.Buffer
	code := runWith(context.Background(), args, e, strings.NewReader(stdin), &out, &errb)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// mustPW is pw that fails the test on a non-zero exit.
func mustPW(t *testing.T, db string, env map[string]string, stdin string, args ...string) string {
	t.Helper()
	r := pw(t, db, env, stdin, args...)
	if r.code != 0 {
		t.Fatalf("patchworkd %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// daemon returns a command running the test binary as patchworkd with the
// given environment added to a minimal one.
func daemon(t *testing.T, dir string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{mainEnv + "=1", "PATH=" + os.Getenv("PATH"), "HOME=" + dir}, coverEnv()...), env...)
	return cmd
}

// openDB opens the test's database directly, closed when the test ends.
func openDB(t *testing.T, url string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

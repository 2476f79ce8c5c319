package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/server/githook/githooktest"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// installHook writes hooks/post-receive running this test binary as
// patchworkd, the way the README tells operators to.
func installHook(t *testing.T, w *githooktest.World, extra ...string) {
	t.Helper()
	tokenFile := filepath.Join(filepath.Dir(w.Origin), "hook-token")
	must(t, os.WriteFile(tokenFile, []byte(w.Token+"\n"), 0o600))
	args := []string{"hook", "post-receive", "--server", w.API.URL, "--project", "proj", "--token-file", tokenFile,
		"--state-map", "refs/heads/main=Accepted,refs/heads/next=Under Review"}
	args = append(args, extra...)
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	env := mainEnv + "=1"
	for _, e := range coverEnv() {
		k, v, _ := strings.Cut(e, "=")
		env += " " + k + "='" + strings.ReplaceAll(v, "'", `'\''`) + "'"
	}
	script := fmt.Sprintf("#!/bin/sh\n%s exec '%s' %s\n", env, os.Args[0], strings.Join(quoted, " "))
	must(t, os.WriteFile(filepath.Join(w.Origin, "hooks", "post-receive"), []byte(script), 0o755))
}

// TestPostReceiveHook installs the command as git's hook and pushes: the
// flags, the token file and git's way of running it (server/githook tests
// the matching itself).
func TestPostReceiveHook(t *testing.T) {
	t.Parallel()
	w := githooktest.New(t, sqltest.SQLite(t))
	installHook(t, w)
	w.Write(t, "src/hello.c", "#include <stdio.h>\n\nint main(void)\n{\n\tputs(\"hello, world\");\n\treturn 0;\n}\n")
	c := w.Commit(t, "hello: greet the world")
	p := w.Mail(t)
	out := w.Git(t, w.Work, "push", "origin", "main")
	w.WantState(t, p, "accepted", c)
	if want := fmt.Sprintf("%s: patch %d is now accepted (matched by hash)", c[:12], p.ID); !strings.Contains(out, want) {
		t.Errorf("push output lacks %q:\n%s", want, out)
	}
}

func TestPostReceiveHookBadInput(t *testing.T) {
	t.Parallel()
	w := githooktest.New(t, sqltest.SQLite(t))
	stdin := "0000000000000000000000000000000000000000 " + w.Head(t) + " refs/heads/main\n"
	for name, tc := range map[string]struct {
		args []string
		want *regexp.Regexp
	}{
		"wrong token":     {[]string{"--server", w.API.URL, "--project", "proj", "--token", "nope"}, regexp.MustCompile(`401|403`)},
		"bad state map":   {[]string{"--server", w.API.URL, "--project", "proj", "--token", w.Token, "--state-map", "refs/heads/main"}, regexp.MustCompile(`not REF=STATE`)},
		"no token":        {[]string{"--server", w.API.URL, "--project", "proj"}, regexp.MustCompile(`no REST token`)},
		"no token file":   {[]string{"--server", w.API.URL, "--project", "proj", "--token-file", "/nonexistent/token"}, regexp.MustCompile(`token file.*/nonexistent/token`)},
		"no project flag": {[]string{"--server", w.API.URL, "--token", w.Token}, regexp.MustCompile(`project`)},
		"server down":     {[]string{"--server", "http://127.0.0.1:1", "--project", "proj", "--token", w.Token}, regexp.MustCompile(`127\.0\.0\.1:1`)},
	} {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"hook", "post-receive", "--repo", w.Origin}, tc.args...)
			var out, errb bytes.Buffer
			code := runWith(context.Background(), args, map[string]string{"PATH": os.Getenv("PATH")}, strings.NewReader(stdin), &out, &errb)
			lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
			if code == 0 || len(lines) != 1 || !tc.want.MatchString(lines[0]) {
				t.Fatalf("exit %d, stderr %q; want non-zero and one line matching %s", code, errb.String(), tc.want)
			}
		})
	}
}

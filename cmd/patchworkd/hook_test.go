package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/server/rest"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// hookWorld is a project on a real store served by the real REST API, a
// bare git repository with our post-receive hook, and a clone to push from.
type hookWorld struct {
	s      store.Store
	api    *httptest.Server
	proj   *store.Project
	token  string
	ing    *mailin.Ingester
	origin string // bare repository
	work   string // clone
	env    []string
	states map[string]int64 // by slug
}

func newHookWorld(t *testing.T, s store.Store) *hookWorld {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is required for the hook tests")
	}
	ctx := context.Background()
	w := &hookWorld{s: s, ing: mailin.NewIngester(s, nil), states: map[string]int64{}}
	w.proj = &store.Project{LinkName: "proj", Name: "Proj", ListID: "proj.example.com", ListEmail: "proj@example.com"}
	must(t, s.CreateProject(ctx, w.proj))
	maint := &store.User{Username: "maint", Email: "maint@example.com", Active: true}
	must(t, s.CreateUser(ctx, maint))
	must(t, s.AddMaintainer(ctx, w.proj.ID, maint.ID))
	w.token = "0123456789abcdef0123456789abcdef01234567"
	must(t, s.SetToken(ctx, maint.ID, w.token))
	states, err := s.ListStates(ctx)
	must(t, err)
	for _, st := range states {
		w.states[st.Slug] = st.ID
	}
	w.api = httptest.NewServer(rest.New(rest.Options{Store: s}))
	t.Cleanup(w.api.Close)

	dir := t.TempDir()
	w.origin = filepath.Join(dir, "origin.git")
	w.work = filepath.Join(dir, "work")
	// Nothing from the machine's git configuration may change a diff.
	w.env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=Dev Eloper", "GIT_AUTHOR_EMAIL=dev@example.com",
		"GIT_COMMITTER_NAME=Main Tainer", "GIT_COMMITTER_EMAIL=maint@example.com"}
	w.git(t, dir, "init", "-q", "--bare", "-b", "main", w.origin)
	w.git(t, dir, "clone", "-q", w.origin, w.work)
	w.git(t, w.work, "checkout", "-q", "-b", "main")
	w.write(t, "src/hello.c", "#include <stdio.h>\n\nint main(void)\n{\n\tputs(\"hello\");\n\treturn 0;\n}\n")
	w.write(t, "README", "hello world\n")
	w.git(t, w.work, "add", ".")
	w.git(t, w.work, "commit", "-q", "-m", "initial")
	w.git(t, w.work, "push", "-q", "origin", "main")
	return w
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (w *hookWorld) git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = w.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("git %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	// Hook output arrives on stderr as "remote: ..." lines.
	return out.String() + errb.String()
}

func (w *hookWorld) write(t *testing.T, name, content string) {
	t.Helper()
	p := filepath.Join(w.work, name)
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, os.WriteFile(p, []byte(content), 0o644))
}

// commit commits the working tree and returns the new commit's id.
func (w *hookWorld) commit(t *testing.T, subject string) string {
	t.Helper()
	w.git(t, w.work, "commit", "-q", "-a", "-m", subject)
	return strings.TrimSpace(w.git(t, w.work, "rev-parse", "HEAD"))
}

// mail sends the HEAD commit to the list as git send-email would and
// returns the patch the parser made of it.
func (w *hookWorld) mail(t *testing.T) *store.Patch {
	t.Helper()
	raw := w.git(t, w.work, "format-patch", "-1", "--stdout", "HEAD")
	// format-patch starts with an mbox "From <sha> <date>" line, which an
	// MTA pipe never hands over.
	_, raw, _ = strings.Cut(raw, "\n")
	msgid := fmt.Sprintf("<%s@dev.example.com>", strings.TrimSpace(w.git(t, w.work, "rev-parse", "--short", "HEAD")))
	raw = "Message-Id: " + msgid + "\nList-Id: Proj <proj.example.com>\nTo: proj@example.com\n" + raw
	res, err := w.ing.Ingest(context.Background(), []byte(raw), "proj.example.com")
	must(t, err)
	if res.PatchID == 0 {
		t.Fatalf("the parser made no patch of the mail (%+v):\n%s", res, raw)
	}
	p, err := w.s.GetPatch(context.Background(), res.PatchID)
	must(t, err)
	return p
}

// install writes hooks/post-receive running this test binary as
// patchworkd, the way the README tells operators to.
func (w *hookWorld) install(t *testing.T, extra ...string) {
	t.Helper()
	tokenFile := filepath.Join(filepath.Dir(w.origin), "hook-token")
	must(t, os.WriteFile(tokenFile, []byte(w.token+"\n"), 0o600))
	args := []string{"hook", "post-receive", "--server", w.api.URL, "--project", "proj", "--token-file", tokenFile,
		"--state-map", "refs/heads/main=Accepted,refs/heads/next=Under Review"}
	args = append(args, extra...)
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	script := fmt.Sprintf("#!/bin/sh\n%s=1 exec '%s' %s\n", mainEnv, os.Args[0], strings.Join(quoted, " "))
	must(t, os.WriteFile(filepath.Join(w.origin, "hooks", "post-receive"), []byte(script), 0o755))
}

func (w *hookWorld) patch(t *testing.T, id int64) *store.Patch {
	t.Helper()
	p, err := w.s.GetPatch(context.Background(), id)
	must(t, err)
	return p
}

func (w *hookWorld) wantState(t *testing.T, p *store.Patch, slug, commit string) {
	t.Helper()
	got := w.patch(t, p.ID)
	if got.StateID != w.states[slug] || got.CommitRef != commit {
		var name string
		for s, id := range w.states {
			if id == got.StateID {
				name = s
			}
		}
		t.Errorf("patch %d %q: state %s, commit %q; want %s, %q", p.ID, p.Name, name, got.CommitRef, slug, commit)
	}
}

func TestPostReceiveHook(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := newHookWorld(t, s)
		w.install(t)

		// Applied as mailed: found by its hash.
		w.write(t, "src/hello.c", "#include <stdio.h>\n\nint main(void)\n{\n\tputs(\"hello, world\");\n\treturn 0;\n}\n")
		c1 := w.commit(t, "hello: greet the world")
		exact := w.mail(t)
		if exact.Hash != mailin.Hash(w.git(t, w.work, "diff", "HEAD~", "HEAD")) {
			t.Fatalf("the parser's hash of the mail differs from the hash of the commit's diff")
		}

		// Mailed with a stray double space, fixed by the maintainer on
		// the way in: the hash misses, git patch-id --stable finds it.
		w.write(t, "README", "hello world\nsee  src/hello.c\n")
		w.commit(t, "README: point at the source")
		edited := w.mail(t)
		w.write(t, "README", "hello world\nsee src/hello.c\n")
		w.git(t, w.work, "commit", "-q", "-a", "--amend", "--no-edit")
		c2 := strings.TrimSpace(w.git(t, w.work, "rev-parse", "HEAD"))

		// A commit that never went to the list.
		w.write(t, "NEWS", "nothing yet\n")
		w.git(t, w.work, "add", "NEWS")
		c3 := w.commit(t, "NEWS: start")

		// Mailed, never applied.
		w.git(t, w.work, "checkout", "-q", "-b", "topic")
		w.write(t, "src/hello.c", "int main(void) { return 1; }\n")
		w.commit(t, "hello: fail")
		pending := w.mail(t)
		w.git(t, w.work, "checkout", "-q", "main")

		out := w.git(t, w.work, "push", "origin", "main")
		w.wantState(t, exact, "accepted", c1)
		w.wantState(t, edited, "accepted", c2)
		w.wantState(t, pending, "new", "")
		for _, want := range []string{
			fmt.Sprintf("%s: patch %d is now accepted (matched by hash)", c1[:12], exact.ID),
			fmt.Sprintf("%s: patch %d is now accepted (matched by git patch-id)", c2[:12], edited.ID),
			fmt.Sprintf("%s: no matching patch in proj", c3[:12]),
		} {
			if !strings.Contains(out, want) {
				t.Errorf("push output lacks %q:\n%s", want, out)
			}
		}

		// A branch that is not in the state map changes nothing, even
		// when its commit matches a patch.
		out = w.git(t, w.work, "push", "origin", "topic")
		w.wantState(t, pending, "new", "")
		if strings.Contains(out, "is now") {
			t.Errorf("push of an unmapped branch changed something:\n%s", out)
		}

		// A new mapped branch: only its own commits count, and it has its
		// own state.
		w.git(t, w.work, "checkout", "-q", "-b", "next", "main")
		w.write(t, "NEWS", "nothing yet\nbut soon\n")
		w.commit(t, "NEWS: soon")
		soon := w.mail(t)
		c5 := strings.TrimSpace(w.git(t, w.work, "rev-parse", "HEAD"))
		out = w.git(t, w.work, "push", "origin", "next")
		w.wantState(t, soon, "under-review", c5)
		if strings.Contains(out, c1[:12]) || strings.Contains(out, c3[:12]) {
			t.Errorf("new branch re-walked commits already on main:\n%s", out)
		}
	})
}

func TestPostReceiveHookDryRun(t *testing.T) {
	t.Parallel()
	s := sqltest.SQLite(t)
	w := newHookWorld(t, s)
	w.install(t, "--dry-run")
	w.write(t, "README", "hello world\nagain\n")
	c := w.commit(t, "README: again")
	p := w.mail(t)
	before, err := s.LatestEventID(context.Background())
	must(t, err)

	out := w.git(t, w.work, "push", "origin", "main")
	if want := fmt.Sprintf("%s: would set patch %d to accepted (matched by hash)", c[:12], p.ID); !strings.Contains(out, want) {
		t.Errorf("dry-run output lacks %q:\n%s", want, out)
	}
	w.wantState(t, p, "new", "")
	after, err := s.LatestEventID(context.Background())
	must(t, err)
	if after != before {
		t.Errorf("dry run recorded events (latest id %d -> %d)", before, after)
	}
}

func TestPostReceiveHookBadInput(t *testing.T) {
	t.Parallel()
	s := sqltest.SQLite(t)
	w := newHookWorld(t, s)
	head := strings.TrimSpace(w.git(t, w.work, "rev-parse", "HEAD"))
	stdin := zeroRev + " " + head + " refs/heads/main\n"
	for name, tc := range map[string]struct {
		args []string
		want *regexp.Regexp
	}{
		"wrong token":     {[]string{"--server", w.api.URL, "--project", "proj", "--token", "nope"}, regexp.MustCompile(`401|403`)},
		"bad state map":   {[]string{"--server", w.api.URL, "--project", "proj", "--token", w.token, "--state-map", "refs/heads/main"}, regexp.MustCompile(`not REF=STATE`)},
		"no token":        {[]string{"--server", w.api.URL, "--project", "proj"}, regexp.MustCompile(`no REST token`)},
		"no token file":   {[]string{"--server", w.api.URL, "--project", "proj", "--token-file", "/nonexistent/token"}, regexp.MustCompile(`token file.*/nonexistent/token`)},
		"no project flag": {[]string{"--server", w.api.URL, "--token", w.token}, regexp.MustCompile(`project`)},
		"server down":     {[]string{"--server", "http://127.0.0.1:1", "--project", "proj", "--token", w.token}, regexp.MustCompile(`127\.0\.0\.1:1`)},
	} {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"hook", "post-receive", "--repo", w.origin}, tc.args...)
			var out, errb bytes.Buffer
			code := runWith(context.Background(), args, map[string]string{"PATH": os.Getenv("PATH")}, strings.NewReader(stdin), &out, &errb)
			lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
			if code == 0 || len(lines) != 1 || !tc.want.MatchString(lines[0]) {
				t.Fatalf("exit %d, stderr %q; want non-zero and one line matching %s", code, errb.String(), tc.want)
			}
		})
	}
}

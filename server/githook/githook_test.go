package githook_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/server/githook"
	"github.com/patchwork-go/patchwork/server/githook/githooktest"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

const zeroRev = "0000000000000000000000000000000000000000"

func options(w *githooktest.World, extra func(*githook.Options)) githook.Options {
	o := githook.Options{Server: w.API.URL, Project: "proj", Token: w.Token, Repo: w.Origin, FallbackLimit: 500,
		StateMap: "refs/heads/main=Accepted,refs/heads/next=Under Review"}
	if extra != nil {
		extra(&o)
	}
	return o
}

// push pushes branch to the bare repository, then runs the hook on the ref
// update the way git's receive-pack hands it over, and returns its output.
func push(t *testing.T, w *githooktest.World, o githook.Options, branch string) string {
	t.Helper()
	ref := "refs/heads/" + branch
	old := strings.TrimSpace(w.Git(t, w.Origin, "for-each-ref", "--format=%(objectname)", ref))
	if old == "" {
		old = zeroRev
	}
	w.Git(t, w.Work, "push", "-q", "origin", branch)
	cur := strings.TrimSpace(w.Git(t, w.Origin, "rev-parse", ref))
	var out bytes.Buffer
	if err := githook.Run(context.Background(), o, strings.NewReader(old+" "+cur+" "+ref+"\n"), &out); err != nil {
		t.Fatalf("hook on %s: %v\n%s", ref, err, out.String())
	}
	return out.String()
}

func TestRun(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		w := githooktest.New(t, s)
		o := options(w, nil)

		// Applied as mailed: found by its hash.
		w.Write(t, "src/hello.c", "#include <stdio.h>\n\nint main(void)\n{\n\tputs(\"hello, world\");\n\treturn 0;\n}\n")
		c1 := w.Commit(t, "hello: greet the world")
		exact := w.Mail(t)
		if exact.Hash != mailin.Hash(w.Git(t, w.Work, "diff", "HEAD~", "HEAD")) {
			t.Fatalf("the parser's hash of the mail differs from the hash of the commit's diff")
		}

		// Mailed with a stray double space, fixed by the maintainer on
		// the way in: the hash misses, git patch-id --stable finds it.
		w.Write(t, "README", "hello world\nsee  src/hello.c\n")
		w.Commit(t, "README: point at the source")
		edited := w.Mail(t)
		w.Write(t, "README", "hello world\nsee src/hello.c\n")
		w.Git(t, w.Work, "commit", "-q", "-a", "--amend", "--no-edit")
		c2 := w.Head(t)

		// A commit that never went to the list.
		w.Write(t, "NEWS", "nothing yet\n")
		w.Git(t, w.Work, "add", "NEWS")
		c3 := w.Commit(t, "NEWS: start")

		// Mailed, never applied.
		w.Git(t, w.Work, "checkout", "-q", "-b", "topic")
		w.Write(t, "src/hello.c", "int main(void) { return 1; }\n")
		w.Commit(t, "hello: fail")
		pending := w.Mail(t)
		w.Git(t, w.Work, "checkout", "-q", "main")

		out := push(t, w, o, "main")
		w.WantState(t, exact, "accepted", c1)
		w.WantState(t, edited, "accepted", c2)
		w.WantState(t, pending, "new", "")
		for _, want := range []string{
			fmt.Sprintf("%s: patch %d is now accepted (matched by hash)", c1[:12], exact.ID),
			fmt.Sprintf("%s: patch %d is now accepted (matched by git patch-id)", c2[:12], edited.ID),
			fmt.Sprintf("%s: no matching patch in proj", c3[:12]),
		} {
			if !strings.Contains(out, want) {
				t.Errorf("hook output lacks %q:\n%s", want, out)
			}
		}

		// A branch that is not in the state map changes nothing, even
		// when its commit matches a patch.
		out = push(t, w, o, "topic")
		w.WantState(t, pending, "new", "")
		if out != "" {
			t.Errorf("push of an unmapped branch said something:\n%s", out)
		}

		// A new mapped branch: only its own commits count, and it has its
		// own state.
		w.Git(t, w.Work, "checkout", "-q", "-b", "next", "main")
		w.Write(t, "NEWS", "nothing yet\nbut soon\n")
		w.Commit(t, "NEWS: soon")
		soon := w.Mail(t)
		c5 := w.Head(t)
		out = push(t, w, o, "next")
		w.WantState(t, soon, "under-review", c5)
		if strings.Contains(out, c1[:12]) || strings.Contains(out, c3[:12]) {
			t.Errorf("new branch re-walked commits already on main:\n%s", out)
		}
	})
}

func TestRunDryRun(t *testing.T) {
	t.Parallel()
	s := sqltest.SQLite(t)
	w := githooktest.New(t, s)
	w.Write(t, "README", "hello world\nagain\n")
	c := w.Commit(t, "README: again")
	p := w.Mail(t)
	before, err := s.LatestEventID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := push(t, w, options(w, func(o *githook.Options) { o.DryRun = true }), "main")
	if want := fmt.Sprintf("%s: would set patch %d to accepted (matched by hash)", c[:12], p.ID); !strings.Contains(out, want) {
		t.Errorf("dry-run output lacks %q:\n%s", want, out)
	}
	w.WantState(t, p, "new", "")
	after, err := s.LatestEventID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("dry run recorded events (latest id %d -> %d)", before, after)
	}
}

func TestRunBadInput(t *testing.T) {
	t.Parallel()
	w := githooktest.New(t, sqltest.SQLite(t))
	stdin := zeroRev + " " + w.Head(t) + " refs/heads/main\n"
	for name, tc := range map[string]struct {
		opt  func(*githook.Options)
		want *regexp.Regexp
	}{
		"wrong token":   {func(o *githook.Options) { o.Token = "nope" }, regexp.MustCompile(`401|403`)},
		"bad state map": {func(o *githook.Options) { o.StateMap = "refs/heads/main" }, regexp.MustCompile(`not REF=STATE`)},
		"empty map":     {func(o *githook.Options) { o.StateMap = " , " }, regexp.MustCompile(`state map is empty`)},
		"no token":      {func(o *githook.Options) { o.Token = "" }, regexp.MustCompile(`no REST token`)},
		"no server":     {func(o *githook.Options) { o.Server = "" }, regexp.MustCompile(`no --server`)},
		"server down":   {func(o *githook.Options) { o.Server = "http://127.0.0.1:1" }, regexp.MustCompile(`127\.0\.0\.1:1`)},
		"not a repo":    {func(o *githook.Options) { o.Repo = t.TempDir() }, regexp.MustCompile(`git rev-list`)},
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			err := githook.Run(context.Background(), options(w, tc.opt), strings.NewReader(stdin), &out)
			if err == nil || !tc.want.MatchString(err.Error()) {
				t.Fatalf("error %v; want one matching %s (output %q)", err, tc.want, out.String())
			}
		})
	}
}

func TestParseStateMap(t *testing.T) {
	m, err := githook.ParseStateMap(" refs/heads/main = Accepted , refs/heads/next=Under Review,")
	if err != nil || len(m) != 2 || m["refs/heads/main"] != "accepted" || m["refs/heads/next"] != "under-review" {
		t.Fatalf("got %v, %v", m, err)
	}
}

// Package githooktest is the world the hook's tests push into: a project on
// a real store served by the real REST API with a maintainer's token, and a
// bare git repository with a clone to commit and push from.
package githooktest

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/server/rest"
	"github.com/patchwork-go/patchwork/store"
)

// World is one project, its REST API and its git repositories.
type World struct {
	S      store.Store
	API    *httptest.Server
	Proj   *store.Project // linkname "proj"
	Token  string         // a maintainer's REST token
	Ing    *mailin.Ingester
	Origin string // bare repository
	Work   string // clone
	Env    []string
	States map[string]int64 // by slug
}

// New builds the world on s, with one initial commit pushed to main.
func New(t testing.TB, s store.Store) *World {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is required for the hook tests")
	}
	ctx := context.Background()
	w := &World{S: s, Ing: mailin.NewIngester(s, nil), States: map[string]int64{}}
	w.Proj = &store.Project{LinkName: "proj", Name: "Proj", ListID: "proj.example.com", ListEmail: "proj@example.com"}
	must(t, s.CreateProject(ctx, w.Proj))
	maint := &store.User{Username: "maint", Email: "maint@example.com", Active: true}
	must(t, s.CreateUser(ctx, maint))
	must(t, s.AddMaintainer(ctx, w.Proj.ID, maint.ID))
	w.Token = "0123456789abcdef0123456789abcdef01234567"
	must(t, s.SetToken(ctx, maint.ID, w.Token))
	states, err := s.ListStates(ctx)
	must(t, err)
	for _, st := range states {
		w.States[st.Slug] = st.ID
	}
	w.API = httptest.NewServer(rest.New(rest.Options{Store: s}))
	t.Cleanup(w.API.Close)

	dir := t.TempDir()
	w.Origin = filepath.Join(dir, "origin.git")
	w.Work = filepath.Join(dir, "work")
	// Nothing from the machine's git configuration may change a diff.
	w.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=Dev Eloper", "GIT_AUTHOR_EMAIL=dev@example.com",
		"GIT_COMMITTER_NAME=Main Tainer", "GIT_COMMITTER_EMAIL=maint@example.com"}
	w.Git(t, dir, "init", "-q", "--bare", "-b", "main", w.Origin)
	w.Git(t, dir, "clone", "-q", w.Origin, w.Work)
	w.Git(t, w.Work, "checkout", "-q", "-b", "main")
	w.Write(t, "src/hello.c", "#include <stdio.h>\n\nint main(void)\n{\n\tputs(\"hello\");\n\treturn 0;\n}\n")
	w.Write(t, "README", "hello world\n")
	w.Git(t, w.Work, "add", ".")
	w.Git(t, w.Work, "commit", "-q", "-m", "initial")
	w.Git(t, w.Work, "push", "-q", "origin", "main")
	return w
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Git runs git in dir and returns its stdout and stderr (a hook's output
// arrives on stderr as "remote: ..." lines).
func (w *World) Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = w.Env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("git %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String() + errb.String()
}

// Write writes a file of the clone.
func (w *World) Write(t testing.TB, name, content string) {
	t.Helper()
	p := filepath.Join(w.Work, name)
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, os.WriteFile(p, []byte(content), 0o644))
}

// Commit commits the clone's working tree and returns the new commit's id.
func (w *World) Commit(t testing.TB, subject string) string {
	t.Helper()
	w.Git(t, w.Work, "commit", "-q", "-a", "-m", subject)
	return w.Head(t)
}

// Head is the clone's HEAD commit.
func (w *World) Head(t testing.TB) string {
	t.Helper()
	return strings.TrimSpace(w.Git(t, w.Work, "rev-parse", "HEAD"))
}

// Mail sends the HEAD commit to the list as git send-email would and
// returns the patch the parser made of it.
func (w *World) Mail(t testing.TB) *store.Patch {
	t.Helper()
	raw := w.Git(t, w.Work, "format-patch", "-1", "--stdout", "HEAD")
	// format-patch starts with an mbox "From <sha> <date>" line, which an
	// MTA pipe never hands over.
	_, raw, _ = strings.Cut(raw, "\n")
	msgid := fmt.Sprintf("<%s@dev.example.com>", strings.TrimSpace(w.Git(t, w.Work, "rev-parse", "--short", "HEAD")))
	raw = "Message-Id: " + msgid + "\nList-Id: Proj <proj.example.com>\nTo: proj@example.com\n" + raw
	res, err := w.Ing.Ingest(context.Background(), []byte(raw), "proj.example.com")
	must(t, err)
	if res.PatchID == 0 {
		t.Fatalf("the parser made no patch of the mail (%+v):\n%s", res, raw)
	}
	return w.Patch(t, res.PatchID)
}

// Patch reads a patch from the store.
func (w *World) Patch(t testing.TB, id int64) *store.Patch {
	t.Helper()
	p, err := w.S.GetPatch(context.Background(), id)
	must(t, err)
	return p
}

// WantState fails the test unless patch p has the state and commit ref.
func (w *World) WantState(t testing.TB, p *store.Patch, slug, commit string) {
	t.Helper()
	got := w.Patch(t, p.ID)
	if got.StateID != w.States[slug] || got.CommitRef != commit {
		var name string
		for s, id := range w.States {
			if id == got.StateID {
				name = s
			}
		}
		t.Errorf("patch %d %q: state %s, commit %q; want %s, %q", p.ID, p.Name, name, got.CommitRef, slug, commit)
	}
}

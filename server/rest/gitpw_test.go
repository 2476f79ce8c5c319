package rest_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/mailin/corpustest"
	"github.com/patchwork-go/patchwork/server/rest"
	"github.com/patchwork-go/patchwork/server/web"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestGitPW drives Debian's real git-pw against the REST API and the web
// downloads (mounted as server/http mounts them) over a real store, inside
// a git repository made by the test: the series it serves is the
// repository's own `git format-patch` output, so `git pw series apply` must
// reproduce the original tree exactly.
func TestGitPW(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git-pw"); err != nil {
		msg := "git-pw is not installed: SKIPPING the git-pw integration test (apt-get install -y git-pw; CI installs it)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		fmt.Fprintln(os.Stderr, "!!!", msg)
		t.Skip(msg)
	}
	s := sqltest.SQLite(t)
	ctx := context.Background()

	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	api := rest.New(rest.Options{Store: s, BaseURL: srv.URL})
	mux.Handle("/api/", api)
	mux.Handle("/api", api)
	mux.Handle("/", web.New(web.Options{Store: s, BaseURL: srv.URL}))

	g := newGitRepo(t)
	f := loadSeries(t, s, g)

	// git pw configuration, as a maintainer would write it.
	g.git("config", "pw.server", srv.URL+"/api/1.2")
	g.git("config", "pw.project", "test")
	g.git("config", "pw.token", f.token)
	pw := func(args ...string) string {
		t.Helper()
		out, errOut, err := g.run("git", append([]string{"pw"}, args...)...)
		if err != nil {
			t.Fatalf("git pw %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
		return out
	}
	p1, p2, p3 := itoa(f.patches[0].ID), itoa(f.patches[1].ID), itoa(f.patches[2].ID)

	// patch list: default states new + under-review, newest first.
	rows := csvRows(t, pw("patch", "list", "-f", "csv"))
	if got := column(rows, "ID"); strings.Join(got, ",") != p3+","+p2+","+p1 {
		t.Errorf("patch list ids %v\n%v", got, rows)
	}
	if got := column(rows, "Name"); got[2] != "[1/3] hello: greet the world" {
		t.Errorf("patch list names %v", got)
	}
	if got := column(rows, "Submitter"); got[0] != "A U Thor (author@example.com)" {
		t.Errorf("patch list submitter %v", got)
	}
	// --submitter by e-mail (server side) and by name (through people/).
	if got := column(csvRows(t, pw("patch", "list", "--submitter", "author@example.com", "-f", "csv")), "ID"); len(got) != 3 {
		t.Errorf("--submitter email: %v", got)
	}
	if got := column(csvRows(t, pw("patch", "list", "--submitter", "Thor", "-f", "csv")), "ID"); len(got) != 3 {
		t.Errorf("--submitter name: %v", got)
	}
	if got := column(csvRows(t, pw("patch", "list", "greet", "-f", "csv")), "ID"); strings.Join(got, ",") != p1 {
		t.Errorf("patch list NAME: %v", got)
	}
	// pw.project = * lists every project (git-pw sends project=).
	if got := column(csvRows(t, pw("--project", "*", "patch", "list", "-f", "csv")), "ID"); len(got) != 4 {
		t.Errorf("project * listed %v", got)
	}

	// series list / show.
	rows = csvRows(t, pw("series", "list", "-f", "csv"))
	if got := column(rows, "ID"); len(got) != 1 || got[0] != itoa(f.series.ID) {
		t.Fatalf("series list %v", rows)
	}
	show := pw("series", "show", itoa(f.series.ID), "-f", "csv")
	for _, want := range []string{`"Received","3 of 3"`, `"Complete","True"`, "[1/3] hello: greet the world", "[3/3] README: explain", "*** SUBJECT HERE ***"} {
		if !strings.Contains(show, want) {
			t.Errorf("series show lacks %q:\n%s", want, show)
		}
	}

	// series download: the three patches in order.
	seriesMbox := filepath.Join(g.dir, "..", "series.mbox")
	pw("series", "download", itoa(f.series.ID), seriesMbox)
	if mb, err := os.ReadFile(seriesMbox); err != nil || !regexp.MustCompile(`(?s)\[PATCH 1/3\].*\[PATCH 2/3\].*\[PATCH 3/3\]`).Match(mb) {
		t.Errorf("series mbox: %v\n%s", err, mb)
	}

	// series apply: git am of the web mbox reproduces the topic branch.
	g.git("checkout", "-q", "-b", "applied", g.base)
	out := pw("series", "apply", itoa(f.series.ID))
	if tree := g.git("rev-parse", "HEAD^{tree}"); tree != g.tipTree {
		t.Fatalf("series apply: tree %s, want %s\n%s\n%s", tree, g.tipTree, out, g.git("log", "--oneline", "-5"))
	}
	if subj := g.git("log", "--format=%s|%an", g.base+"..HEAD"); subj != "README: explain|A U Thor\nREADME: add|A U Thor\nhello: greet the world|A U Thor" {
		t.Errorf("applied commits:\n%s", subj)
	}
	// patch apply of the last patch pulls its dependencies (?series=*).
	g.git("checkout", "-q", "-b", "applied-deps", g.base)
	pw("patch", "apply", p3)
	if tree := g.git("rev-parse", "HEAD^{tree}"); tree != g.tipTree {
		t.Errorf("patch apply with deps: tree %s, want %s", tree, g.tipTree)
	}
	// patch download: the file name comes from Content-Disposition.
	_, out, err := g.run("git", "pw", "patch", "download", p1)
	must(t, err)
	if m := regexp.MustCompile(`Downloaded patch to (\S+)`).FindStringSubmatch(out); m == nil {
		t.Errorf("patch download said %q", out)
	} else if b, err := os.ReadFile(m[1]); err != nil || !strings.HasPrefix(string(b), "From ") || !strings.Contains(string(b), "+\tputs(\"Hello, world\");") {
		t.Errorf("downloaded %s: %v %q", m[1], err, b)
	} else if base := filepath.Base(m[1]); !strings.HasSuffix(base, ".patch") || !strings.Contains(base, "hello-greet-the-world") {
		t.Errorf("downloaded file name %q", base)
	}

	var p *store.Patch
	var errOut string
	// patch update with the token: state, archived, delegate (looked up in users/), commit ref.
	out = pw("patch", "update", "--state", "accepted", "--archived", "yes", "--delegate", "maint", "--commit-ref", "8aad18cafe", p1, "-f", "csv")
	if !strings.Contains(out, `"State","accepted"`) || !strings.Contains(out, `"Delegate","maint"`) {
		t.Errorf("patch update printed:\n%s", out)
	}
	p, err = s.GetPatch(ctx, f.patches[0].ID)
	must(t, err)
	states, err := s.ListStates(ctx)
	must(t, err)
	st, _ := store.StateByID(states, p.StateID)
	if st.Slug != "accepted" || !p.Archived || p.DelegateID != f.maint.ID || p.CommitRef != "8aad18cafe" {
		t.Errorf("stored after update: state %s archived %v delegate %d ref %q", st.Slug, p.Archived, p.DelegateID, p.CommitRef)
	}
	evs, err := s.ListEvents(ctx, store.EventQuery{PatchID: p.ID, Categories: store.EventCategories})
	must(t, err)
	if len(evs) != 2 || evs[0].ActorID != f.maint.ID {
		t.Errorf("events after update: %+v", evs)
	}
	// Archived and accepted: gone from the default list.
	if got := column(csvRows(t, pw("patch", "list", "-f", "csv")), "ID"); strings.Join(got, ",") != p3+","+p2 {
		t.Errorf("patch list after update %v", got)
	}
	if show := pw("patch", "show", p1, "-f", "csv"); !strings.Contains(show, `"Commit Ref","8aad18cafe"`) || !strings.Contains(show, `"Archived","True"`) {
		t.Errorf("patch show:\n%s", show)
	}

	// Bundles: create, list, show by name, add, update, download, remove, delete.
	out = pw("bundle", "create", "--public", "exercise-bundle", p1, p2, "-f", "csv")
	bundles, err := s.ListBundles(ctx, store.BundleQuery{ViewerID: -1})
	must(t, err)
	if len(bundles) != 1 || bundles[0].Name != "exercise-bundle" || !bundles[0].Public || bundles[0].OwnerID != f.maint.ID {
		t.Fatalf("bundles after create: %+v\n%s", bundles, out)
	}
	bid := itoa(bundles[0].ID)
	rows = csvRows(t, pw("bundle", "list", "-f", "csv"))
	if got := column(rows, "Name"); len(got) != 1 || got[0] != "exercise-bundle" || column(rows, "Owner")[0] != "maint" || column(rows, "Public")[0] != "yes" {
		t.Errorf("bundle list %v", rows)
	}
	if show := pw("bundle", "show", "exercise-bundle", "-f", "csv"); !strings.Contains(show, `"ID","`+bid+`"`) || !strings.Contains(show, srv.URL+"/bundle/maint/exercise-bundle/") {
		t.Errorf("bundle show by name:\n%s", show)
	}
	pw("bundle", "add", bid, p3)
	ids, err := s.BundlePatchIDs(ctx, bundles[0].ID)
	must(t, err)
	if itoaList(ids) != itoaList([]int64{f.patches[2].ID, f.patches[0].ID, f.patches[1].ID}) {
		t.Errorf("bundle after add: %v", ids)
	}
	pw("bundle", "update", "--name", "renamed", "--private", bid)
	b, err := s.GetBundle(ctx, bundles[0].ID)
	must(t, err)
	if b.Name != "renamed" || b.Public {
		t.Errorf("bundle after update: %+v", b)
	}
	// A private bundle's mbox, fetched with the token through the web URL.
	mboxPath := filepath.Join(g.dir, "..", "bundle.mbox")
	pw("bundle", "download", bid, mboxPath)
	if mb, err := os.ReadFile(mboxPath); err != nil || strings.Count(string(mb), "\nFrom patchwork ")+boolInt(strings.HasPrefix(string(mb), "From patchwork ")) != 3 {
		t.Errorf("bundle mbox: %v\n%s", err, mb)
	}
	pw("bundle", "remove", bid, p3)
	ids, err = s.BundlePatchIDs(ctx, bundles[0].ID)
	must(t, err)
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if itoaList(ids) != itoaList([]int64{f.patches[0].ID, f.patches[1].ID}) {
		t.Errorf("bundle after remove: %v", ids)
	}
	pw("bundle", "delete", bid)
	if _, err := s.GetBundle(ctx, bundles[0].ID); err == nil {
		t.Errorf("bundle still there after delete")
	}

	// Errors reach the user as git-pw prints them.
	_, errOut, err = g.run("git", "pw", "patch", "show", "999999")
	if err == nil || !strings.Contains(errOut, "Resource not found") {
		t.Errorf("missing patch: %v %s", err, errOut)
	}
	_, errOut, err = g.run("git", "pw", "--token", strings.Repeat("0", 40), "patch", "update", "--state", "rejected", p2)
	if err == nil || !strings.Contains(errOut, "Invalid token.") {
		t.Errorf("bad token: %v %s", err, errOut)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// gitRepo is a scratch repository: base is the commit the series applies
// to, tipTree the tree the series produces, patchFiles its format-patch
// output (cover letter first).
type gitRepo struct {
	t          *testing.T
	dir        string
	env        []string
	base       string
	tipTree    string
	patchFiles []string
}

// run runs a command in the repository and returns its standard output
// and error separately (git-pw logs to stderr, tables go to stdout).
func (g *gitRepo) run(name string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = g.dir
	cmd.Env = g.env
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

func (g *gitRepo) git(args ...string) string {
	g.t.Helper()
	out, errOut, err := g.run("git", args...)
	if err != nil {
		g.t.Fatalf("git %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return strings.TrimSpace(out)
}

func (g *gitRepo) write(name, content string) {
	g.t.Helper()
	must(g.t, os.WriteFile(filepath.Join(g.dir, name), []byte(content), 0o644))
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	root := t.TempDir()
	g := &gitRepo{t: t, dir: filepath.Join(root, "repo")}
	must(t, os.Mkdir(g.dir, 0o755))
	home, tmp := filepath.Join(root, "home"), filepath.Join(root, "tmp")
	must(t, os.Mkdir(home, 0o755))
	must(t, os.Mkdir(tmp, 0o755))
	// A clean, proxy-free environment: only what git and git-pw need.
	g.env = []string{"HOME=" + home, "TMPDIR=" + tmp, "PATH=" + os.Getenv("PATH"), "LC_ALL=C.UTF-8", "LANG=C.UTF-8",
		"GIT_CONFIG_NOSYSTEM=1", "PAGER=cat", "GIT_PAGER=cat", "NO_PROXY=*", "TZ=UTC",
		"GIT_AUTHOR_NAME=A U Thor", "GIT_AUTHOR_EMAIL=author@example.com",
		"GIT_COMMITTER_NAME=A U Thor", "GIT_COMMITTER_EMAIL=author@example.com"}
	g.git("init", "-q", "-b", "main")
	g.write("hello.c", "#include <stdio.h>\n\nint main(void)\n{\n\treturn 0;\n}\n")
	g.git("add", "hello.c")
	g.git("commit", "-q", "-m", "base")
	g.base = g.git("rev-parse", "HEAD")
	g.git("checkout", "-q", "-b", "topic")
	g.write("hello.c", "#include <stdio.h>\n\nint main(void)\n{\n\tputs(\"Hello, world\");\n\treturn 0;\n}\n")
	g.git("commit", "-q", "-a", "-m", "hello: greet the world\n\nPrint a greeting so that users know it works.\n\nSigned-off-by: A U Thor <author@example.com>")
	g.write("README", "hello prints a greeting.\n")
	g.git("add", "README")
	g.git("commit", "-q", "-m", "README: add\n\nSigned-off-by: A U Thor <author@example.com>")
	g.write("README", "hello prints a greeting.\n\nBuild it with: cc -o hello hello.c\n")
	g.git("commit", "-q", "-a", "-m", "README: explain\n\nSay how to build.\n\nSigned-off-by: A U Thor <author@example.com>")
	g.tipTree = g.git("rev-parse", "HEAD^{tree}")
	g.git("format-patch", "-q", "--cover-letter", "--thread=shallow", "-o", filepath.Join(root, "patches"), g.base+"..topic")
	files, err := filepath.Glob(filepath.Join(root, "patches", "*.patch"))
	must(t, err)
	sort.Strings(files)
	if len(files) != 4 {
		t.Fatalf("format-patch made %v", files)
	}
	g.patchFiles = files
	g.git("checkout", "-q", "main")
	return g
}

// seriesFixture is what loadSeries stored.
type seriesFixture struct {
	maint   *store.User
	token   string
	series  *store.Series
	cover   *store.Cover
	patches []*store.Patch
}

// loadSeries stores the repository's format-patch series the way mail
// ingest would: a project, its submitter, a series with a cover letter and
// three numbered patches (headers, description and diff split apart).
func loadSeries(t *testing.T, s store.Store, g *gitRepo) *seriesFixture {
	t.Helper()
	ctx := context.Background()
	f := &seriesFixture{token: strings.Repeat("7", 40)}
	proj := &store.Project{LinkName: "test", Name: "Test", ListID: "test.example.com", ListEmail: "test@example.com"}
	must(t, s.CreateProject(ctx, proj))
	other := &store.Project{LinkName: "other", Name: "Other", ListID: "other.example.com", ListEmail: "other@example.com"}
	must(t, s.CreateProject(ctx, other))
	f.maint = &store.User{Username: "maint", Email: "maintainer@example.org", Active: true, DateJoined: time.Now().UTC()}
	must(t, s.CreateUser(ctx, f.maint))
	must(t, s.SetToken(ctx, f.maint.ID, f.token))
	must(t, s.AddMaintainer(ctx, proj.ID, f.maint.ID))
	states, err := s.ListStates(ctx)
	must(t, err)
	newState, _ := store.FindState(states, "new")

	var sub *store.Person
	for i, file := range g.patchFiles {
		raw, err := os.ReadFile(file)
		must(t, err)
		headers, body := splitMail(t, string(raw))
		msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
		must(t, err)
		from, err := mail.ParseAddress(msg.Header.Get("From"))
		must(t, err)
		date, err := msg.Header.Date()
		must(t, err)
		date = date.UTC().Add(time.Duration(i) * time.Second)
		if sub == nil {
			sub, err = s.UpsertPerson(ctx, from.Address, from.Name, false)
			must(t, err)
			f.series = &store.Series{ProjectID: proj.ID, Date: date, SubmitterID: sub.ID, Version: 1, Total: 3}
			must(t, s.CreateSeries(ctx, f.series))
		}
		name := cleanSubject(msg.Header.Get("Subject"))
		msgid := strings.TrimSpace(msg.Header.Get("Message-Id"))
		if i == 0 {
			f.cover = &store.Cover{ProjectID: proj.ID, MsgID: msgid, Name: name, Date: date, SubmitterID: sub.ID,
				Headers: headers, Content: body, SeriesID: f.series.ID}
			must(t, s.CreateCover(ctx, f.cover))
			f.series.CoverID = f.cover.ID
			f.series.Name = strings.TrimPrefix(name, "[0/3] ")
			must(t, s.UpdateSeries(ctx, f.series))
			continue
		}
		content, diff := splitPatch(t, body)
		p := &store.Patch{ProjectID: proj.ID, MsgID: msgid, Name: name, Date: date, SubmitterID: sub.ID, Headers: headers,
			Content: content, Diff: diff, StateID: newState.ID, SeriesID: f.series.ID, Number: i}
		must(t, s.CreatePatch(ctx, p, nil))
		f.patches = append(f.patches, p)
	}
	// A patch in another project, for project=*.
	stray := &store.Patch{ProjectID: other.ID, MsgID: "<stray@example.com>", Name: "stray", Date: time.Now().UTC(), SubmitterID: sub.ID,
		Headers: "Subject: stray\n", Diff: "--- a/x\n+++ b/x\n", StateID: newState.ID}
	must(t, s.CreatePatch(ctx, stray, nil))
	var err2 error
	f.series, err2 = s.GetSeries(ctx, f.series.ID)
	must(t, err2)
	return f
}

// splitMail separates the header block (kept as stored: one header per
// line, folded lines with their leading whitespace) from the body.
func splitMail(t *testing.T, raw string) (headers, body string) {
	t.Helper()
	_, rest, _ := strings.Cut(raw, "\n") // the mbox From_ line
	h, b, ok := strings.Cut(rest, "\n\n")
	if !ok {
		t.Fatalf("no body in %q", raw)
	}
	return h, b
}

// splitPatch cuts a format-patch body into the description (before the
// "---" line) and the diff (from "diff --git" to the signature).
func splitPatch(t *testing.T, body string) (content, diff string) {
	t.Helper()
	i := strings.Index(body, "\n---\n")
	j := strings.Index(body, "diff --git ")
	if i < 0 || j < 0 {
		t.Fatalf("not a patch: %q", body)
	}
	diff = body[j:]
	if k := strings.LastIndex(diff, "\n-- \n"); k >= 0 {
		diff = diff[:k+1]
	}
	return body[:i], diff
}

var patchPrefix = regexp.MustCompile(`^\[PATCH ?`)

// cleanSubject is the stored name of a subject: "[PATCH 1/3] x" → "[1/3] x".
func cleanSubject(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return patchPrefix.ReplaceAllString(s, "[")
}

func csvRows(t *testing.T, out string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("git-pw csv output %q: %v", out, err)
	}
	return rows
}

// column returns the values of the named column (first row: headers).
func column(rows [][]string, name string) []string {
	if len(rows) == 0 {
		return nil
	}
	idx := -1
	for i, h := range rows[0] {
		if h == name {
			idx = i
		}
	}
	var out []string
	for _, r := range rows[1:] {
		if idx >= 0 && idx < len(r) {
			out = append(out, r[idx])
		}
	}
	return out
}

// TestGitPWCorpus points git-pw at the libuv-2000 corpus ingested by the
// real mail pipeline: the lists, a series with its cover letter, and the
// series mbox, whose diffs git apply must accept as they are.
func TestGitPWCorpus(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git-pw"); err != nil {
		msg := "git-pw is not installed: SKIPPING the git-pw corpus test (apt-get install -y git-pw; CI installs it)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		fmt.Fprintln(os.Stderr, "!!!", msg)
		t.Skip(msg)
	}
	s := sqltest.SQLite(t)
	ctx := context.Background()
	proj := &store.Project{LinkName: "libuv", Name: "libuv", ListID: "test.example.com", ListEmail: "test@example.com"}
	must(t, s.CreateProject(ctx, proj))
	maint := &store.User{Username: "maint", Email: "maintainer@example.org", Active: true, DateJoined: time.Now().UTC()}
	must(t, s.CreateUser(ctx, maint))
	token := strings.Repeat("9", 40)
	must(t, s.SetToken(ctx, maint.ID, token))
	must(t, s.AddMaintainer(ctx, proj.ID, maint.ID))
	mbox, err := os.Open(corpustest.Path(t, "libuv-2000.mbox"))
	must(t, err)
	defer mbox.Close()
	var raws [][]byte
	must(t, mailin.ReadMbox(mbox, func(raw []byte) error { raws = append(raws, raw); return nil }))
	ing := mailin.NewIngester(s, nil)
	for i := 0; i < len(raws); i += 200 {
		_, err := ing.IngestRawBatch(ctx, raws[i:min(i+200, len(raws))], "")
		must(t, err)
	}
	projCond := []store.Cond{{Field: store.FieldProject, Ints: []int64{proj.ID}}}
	if n, err := s.CountPatches(ctx, store.PatchQuery{Conds: projCond}); err != nil || n != 2000 {
		t.Fatalf("corpus ingested %d patches (%v), want 2000", n, err)
	}

	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	api := rest.New(rest.Options{Store: s, BaseURL: srv.URL})
	mux.Handle("/api/", api)
	mux.Handle("/", web.New(web.Options{Store: s, BaseURL: srv.URL}))

	g := &gitRepo{t: t, dir: t.TempDir()}
	g.env = []string{"HOME=" + t.TempDir(), "TMPDIR=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "LC_ALL=C.UTF-8", "LANG=C.UTF-8",
		"GIT_CONFIG_NOSYSTEM=1", "PAGER=cat", "GIT_PAGER=cat", "NO_PROXY=*", "TZ=UTC"}
	g.git("init", "-q")
	g.git("config", "pw.server", srv.URL+"/api/1.3")
	g.git("config", "pw.project", "libuv")
	g.git("config", "pw.token", token)
	pw := func(args ...string) string {
		t.Helper()
		out, errOut, err := g.run("git", append([]string{"pw"}, args...)...)
		if err != nil {
			t.Fatalf("git pw %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
		return out
	}

	if got := column(csvRows(t, pw("patch", "list", "--limit", "100", "-f", "csv")), "ID"); len(got) != 100 {
		t.Errorf("patch list --limit 100 gave %d rows", len(got))
	}
	if got := column(csvRows(t, pw("series", "list", "--limit", "250", "--page", "3", "-f", "csv")), "ID"); len(got) != 138 {
		t.Errorf("series list page 3 of 250 gave %d rows, want 138 (638 series)", len(got))
	}
	// A v2 series with a cover letter: show and download it.
	all, err := s.ListSeries(ctx, store.SeriesQuery{ProjectID: proj.ID})
	must(t, err)
	var pick *store.Series
	for i := range all {
		if all[i].Version == 2 && all[i].CoverID != 0 && all[i].ReceivedTotal > 1 {
			pick = &all[i]
			break
		}
	}
	if pick == nil {
		t.Fatal("no v2 series with a cover letter in the corpus")
	}
	show := pw("series", "show", itoa(pick.ID), "-f", "csv")
	for _, want := range []string{fmt.Sprintf(`"Received","%d of %d"`, pick.ReceivedTotal, pick.Total), `"Complete","True"`, `"Version","2"`, `"Cover","` + itoa(pick.CoverID)} {
		if !strings.Contains(show, want) {
			t.Errorf("series show %d lacks %s:\n%s", pick.ID, want, show)
		}
	}
	file := filepath.Join(t.TempDir(), "series.mbox")
	pw("series", "download", itoa(pick.ID), file)
	mb, err := os.ReadFile(file)
	must(t, err)
	if n := strings.Count("\n"+string(mb), "\nFrom patchwork "); n != pick.ReceivedTotal {
		t.Errorf("series mbox holds %d messages, want %d", n, pick.ReceivedTotal)
	}
	if out, errOut, err := g.run("git", "apply", "--numstat", file); err != nil || out == "" {
		t.Errorf("git apply --numstat of the series mbox: %v %s", err, errOut)
	}
	// Triage one patch and find it again by state.
	rows, err := s.SeriesPatches(ctx, pick.ID)
	must(t, err)
	p := itoa(rows[0].ID)
	pw("patch", "update", "--state", "under-review", p)
	if got := column(csvRows(t, pw("patch", "list", "--state", "under-review", "-f", "csv")), "ID"); strings.Join(got, ",") != p {
		t.Errorf("under-review patches %v, want %s", got, p)
	}
	if show := pw("patch", "show", p, "-f", "csv"); !strings.Contains(show, rows[0].Name) || !strings.Contains(show, fmt.Sprintf(`"Series","%-4d`, pick.ID)) {
		t.Errorf("patch show %s:\n%s", p, show)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/patchwork-go/patchwork/mailin/corpustest"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// mailDB is a fresh migrated database of the dialect with a project
// reading list test.example.com.
func mailDB(t *testing.T, dialect string) (string, *store.Project) {
	t.Helper()
	u := sqltest.URL(t, dialect)
	p := &store.Project{LinkName: "test-project", Name: "Test", ListID: "test.example.com",
		ListEmail: "test@example.com", UseTags: true}
	if err := openDB(t, u).CreateProject(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return u, p
}

func corpusFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(corpustest.Path(t, "upstream-tests/"+rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// splitMbox splits an mbox the simple way (every corpus series file starts
// each mail with a From_ line).
func splitMbox(s string) []string {
	var out []string
	for _, part := range strings.Split("\n"+s, "\nFrom ") {
		if strings.TrimSpace(part) != "" {
			out = append(out, "From "+part)
		}
	}
	return out
}

func TestParsemail(t *testing.T) {
	db, proj := mailDB(t, "sqlite")
	mail := corpusFile(t, "mail/0001-git-pull-request.mbox")

	// Its List-Id names no project: ignored, exit 0, nothing stored.
	r := pw(t, db, nil, mail, "parsemail")
	if r.code != 0 || !strings.Contains(r.stderr, "result=dropped") {
		t.Fatalf("no project: exit %d, stderr %s", r.code, r.stderr)
	}
	r = pw(t, db, nil, mail, "parsemail", "--list-id", "test.example.com")
	if r.code != 0 || !strings.Contains(r.stderr, "result=patch") {
		t.Fatalf("with --list-id: exit %d, stderr %s", r.code, r.stderr)
	}
	r = pw(t, db, nil, mail, "parsemail", "--list-id", "test.example.com")
	if r.code != 0 || !strings.Contains(r.stderr, "result=duplicate") {
		t.Fatalf("again: exit %d, stderr %s", r.code, r.stderr)
	}
	// From a file, and a series out of order.
	dir := t.TempDir()
	parts := splitMbox(corpusFile(t, "series/base-out-of-order.mbox"))
	for k, p := range parts {
		f := filepath.Join(dir, fmt.Sprint(k))
		if err := os.WriteFile(f, []byte(p), 0o600); err != nil {
			t.Fatal(err)
		}
		mustPW(t, db, nil, "", "parsemail", "--list-id", "test.example.com", f)
	}
	var patches []patchJSON
	if err := json.Unmarshal([]byte(mustPW(t, db, nil, "", "patch", "list", "--project", "test-project", "--json")), &patches); err != nil {
		t.Fatal(err)
	}
	if len(patches) != 3 || patches[0].Number != 1 || patches[0].Hash != "26b6c59a31ac0e6854a9c4f93f4b19e2c2172ff0" || patches[0].State != "New" {
		t.Fatalf("patches %+v", patches)
	}
	var series []seriesJSON
	if err := json.Unmarshal([]byte(mustPW(t, db, nil, "", "series", "list", "--project", "test-project", "--json")), &series); err != nil {
		t.Fatal(err)
	}
	if len(series) != 2 || series[0].Name != "A sample series" || !series[0].ReceivedAll || series[0].CoverMsgID == "" {
		t.Fatalf("series %+v", series)
	}
	out := mustPW(t, db, nil, "", "series", "show", fmt.Sprint(series[0].ID))
	if !strings.Contains(out, "[1/2] test: Add some lorem ipsum") || !strings.Contains(out, "2 of 2 received") {
		t.Errorf("series show:\n%s", out)
	}
	out = mustPW(t, db, nil, "", "patch", "show", fmt.Sprint(patches[0].ID))
	if !strings.Contains(out, "diff --git a/test.txt b/test.txt") {
		t.Errorf("patch show:\n%s", out)
	}
	_ = proj
}

// TestParsemailBadMailKept: a mail that cannot be parsed is kept, exit 0,
// and `failed` lists, shows, retries and deletes it.
func TestParsemailBadMailKept(t *testing.T) {
	db, _ := mailDB(t, "sqlite")
	bad := corpusFile(t, "fuzz/charset.mbox") // invalid From: rejected upstream
	noFrom := "Subject: [PATCH] x\nMessage-Id: <nofrom@x>\nList-Id: <test.example.com>\n\n---\n"
	for _, m := range []string{bad, noFrom, bad} {
		r := pw(t, db, nil, m, "parsemail", "--list-id", "test.example.com")
		if r.code != 0 || !strings.Contains(r.stderr, "bad mail kept") {
			t.Fatalf("bad mail: exit %d, stderr %s", r.code, r.stderr)
		}
	}
	var list []failedJSON
	if err := json.Unmarshal([]byte(mustPW(t, db, nil, "", "failed", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || !strings.Contains(list[0].Error, "Invalid 'From' header") || !strings.Contains(list[1].Error, "Missing 'From' header") {
		t.Fatalf("failed list %+v", list)
	}
	if got := mustPW(t, db, nil, "", "failed", "show", fmt.Sprint(list[1].ID)); got != noFrom {
		t.Errorf("failed show: %q", got)
	}
	if r := pw(t, db, nil, "", "failed", "retry", "--all", "--list-id", "test.example.com"); r.code == 0 || !strings.Contains(r.stdout, "still failing") {
		t.Errorf("retry of still-bad mails: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A mail kept by an older binary that this one takes in: retried,
	// stored, removed from the list.
	good := &store.FailedMail{Raw: []byte(corpusFile(t, "mail/0013-with-utf8-body.mbox")), Error: "old parser bug"}
	if err := openDB(t, db).SaveFailedMail(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	if out := mustPW(t, db, nil, "", "failed", "retry", "--list-id", "test.example.com", fmt.Sprint(good.ID)); !strings.Contains(out, ": patch <") {
		t.Errorf("retry: %s", out)
	}
	mustPW(t, db, nil, "", "failed", "delete", fmt.Sprint(list[0].ID), fmt.Sprint(list[2].ID))
	if err := json.Unmarshal([]byte(mustPW(t, db, nil, "", "failed", "list", "--json")), &list); err != nil || len(list) != 1 {
		t.Fatalf("after delete: %+v %v", list, err)
	}
}

// TestParsemailTempFail: a database that cannot be reached, or whose schema
// is older than the binary, gives exit 75 and one line on stderr, so the
// mail server keeps the mail.
func TestParsemailTempFail(t *testing.T) {
	mail := corpusFile(t, "mail/0013-with-utf8-body.mbox")
	empty := "sqlite:" + filepath.Join(t.TempDir(), "never-migrated.db")
	for _, db := range []string{
		"postgres://postgres@127.0.0.1:1/patchwork?sslmode=disable&connect_timeout=5",
		"mysql://root@127.0.0.1:1/patchwork?timeout=5s",
		empty,
	} {
		r := pw(t, db, nil, mail, "parsemail", "--list-id", "test.example.com")
		if r.code != 75 {
			t.Errorf("%s: exit %d, want 75\n%s", db, r.code, r.stderr)
		}
		if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
			t.Errorf("%s: %d lines on stderr, want 1:\n%s", db, n+1, r.stderr)
		}
	}
}

// TestParsemailProcessesRace: two parsemail processes per mail of a series
// (this test binary run as patchworkd), all started together, deliver
// every mail twice at once: one series, nothing doubled.
func TestParsemailProcessesRace(t *testing.T) {
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			db, proj := mailDB(t, d)
			mails := splitMbox(corpusFile(t, "series/bugs-multiple-references.mbox"))
			if len(mails) != 5 {
				t.Fatalf("%d mails", len(mails))
			}
			dir := t.TempDir()
			var cmds []*exec.Cmd
			var outs []*bytes.Buffer
			for _, m := range append(append([]string{}, mails...), mails...) {
				cmd := daemon(t, dir, []string{"PATCHWORK_DB=" + db}, "parsemail", "--list-id", "test.example.com")
				cmd.Stdin = strings.NewReader(m)
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				cmds, outs = append(cmds, cmd), append(outs, &out)
			}
			var wg sync.WaitGroup
			errs := make([]error, len(cmds))
			for k, cmd := range cmds {
				wg.Go(func() { errs[k] = cmd.Run() })
			}
			wg.Wait()
			for k, err := range errs {
				if err != nil {
					t.Errorf("parsemail %d: %v\n%s", k, err, outs[k])
				}
			}
			s := openDB(t, db)
			ctx := context.Background()
			series, err := s.ListSeries(ctx, store.SeriesQuery{ProjectID: proj.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(series) != 1 || series[0].ReceivedTotal != 4 || series[0].CoverID == 0 {
				t.Fatalf("series %+v, want one with 4 patches and its cover", series)
			}
			n, err := s.CountPatches(ctx, store.PatchQuery{Conds: []store.Cond{{Field: store.FieldProject, Ints: []int64{proj.ID}}}})
			if err != nil || n != 4 {
				t.Fatalf("%d patches (%v), want 4", n, err)
			}
			dup := 0
			for _, o := range outs {
				dup += strings.Count(o.String(), "result=duplicate")
			}
			if dup != 5 {
				t.Errorf("%d duplicates reported, want 5", dup)
			}
		})
	}
}

// TestParsearchive: counts per kind, maildir and mbox, and a second run
// that finds only duplicates.
func TestParsearchive(t *testing.T) {
	db, _ := mailDB(t, "sqlite")
	mdir := filepath.Join(t.TempDir(), "Maildir")
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(mdir, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for k, m := range splitMbox(corpusFile(t, "series/bugs-multiple-content-types.mbox")) {
		if err := os.WriteFile(filepath.Join(mdir, "cur", fmt.Sprintf("%d.host:2,S", k)), []byte(m), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	mbox := corpustest.Path(t, "upstream-tests/series/revision-basic.mbox")
	bad := filepath.Join(t.TempDir(), "bad.mbox")
	if err := os.WriteFile(bad, []byte(corpusFile(t, "fuzz/charset.mbox")), 0o600); err != nil {
		t.Fatal(err)
	}
	first := mustPW(t, db, nil, "", "parsearchive", "--list-id", "test.example.com", mdir, mbox, bad)
	want := "Processed 9 messages --> 5 patches, 2 covers, 1 comments, 3 series, 0 duplicates, 0 dropped, 1 failed, 0 held\n"
	if first != want {
		t.Errorf("first run:\n got %s\nwant %s", first, want)
	}
	second := mustPW(t, db, nil, "", "parsearchive", "--list-id", "test.example.com", mdir, mbox, bad)
	want = "Processed 9 messages --> 0 patches, 0 covers, 0 comments, 0 series, 8 duplicates, 0 dropped, 1 failed, 0 held\n"
	if second != want {
		t.Errorf("second run:\n got %s\nwant %s", second, want)
	}
	var list []failedJSON
	if err := json.Unmarshal([]byte(mustPW(t, db, nil, "", "failed", "list", "--json")), &list); err != nil || len(list) != 1 {
		t.Errorf("failed mails %+v (%v): the bad mail is kept once", list, err)
	}
	if r := pw(t, db, nil, "", "parsearchive", filepath.Join(t.TempDir(), "missing.mbox")); r.code == 0 {
		t.Error("a missing archive succeeded")
	}
}

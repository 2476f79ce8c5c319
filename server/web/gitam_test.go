package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/server/mbox"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// A commit message line starting with "From " (one git mailsplit takes
// for a message separator) does not split a downloaded patch or series
// for the real git am: each patch becomes one commit with its message and
// change intact (issue 16.16).
func TestMboxFromLineSafeForGitAm(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git not installed")
	}
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		e := newEnv(t, s)
		ctx := context.Background()
		jane := mustT(s.UpsertPerson(ctx, "jane@example.org", "Jane Doe", false))(t)
		series := &store.Series{ProjectID: e.f.proj.ID, Name: "from lines", Date: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), SubmitterID: jane.ID, Version: 1, Total: 2}
		must(t, s.CreateSeries(ctx, series))
		msgs := []string{
			"Quote a mail:\n\nFrom 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nFrom: nobody\n\nand more.\n\nSigned-off-by: Jane Doe <jane@example.org>",
			"From here on, frob.\n\nFrom 1 Mon Jan  1 00:00:00 2024\n>From quoted\n\nSigned-off-by: Jane Doe <jane@example.org>",
		}
		diffs := []string{
			"diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n",
			"diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-b\n+From c\n",
		}
		var patches []*store.Patch
		for i := range msgs {
			subject := []string{"[PATCH 1/2] frob: first", "[PATCH 2/2] frob: second"}[i]
			p := &store.Patch{ProjectID: e.f.proj.ID, MsgID: "<from-" + string(rune('1'+i)) + "@example.org>", Name: subject,
				Date: series.Date.Add(time.Duration(i) * time.Minute), SubmitterID: jane.ID, StateID: e.f.stateNew.ID,
				Headers: "From: Jane Doe <jane@example.org>\nSubject: " + subject + "\nDate: Thu, 1 Feb 2024 00:0" + string(rune('0'+i)) + ":00 +0000\n",
				Content: msgs[i], Diff: diffs[i], SeriesID: series.ID, Number: i + 1}
			must(t, s.CreatePatch(ctx, p, nil))
			patches = append(patches, p)
		}
		download := func(path string) string {
			t.Helper()
			res, err := http.Get(e.srv.URL + path)
			must(t, err)
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			must(t, err)
			if res.StatusCode != 200 {
				t.Fatalf("GET %s: %d", path, res.StatusCode)
			}
			return string(b)
		}
		run := func(dir string, stdin string, args ...string) string {
			t.Helper()
			cmd := exec.Command(git, args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
				"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@x", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@x")
			cmd.Stdin = strings.NewReader(stdin)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("git %v: %v\n%s", args, err, out)
			}
			return string(out)
		}
		repo := func() string {
			dir := t.TempDir()
			run(dir, "", "init", "-q")
			must(t, os.WriteFile(filepath.Join(dir, "f"), []byte("a\n"), 0o644))
			run(dir, "", "add", "f")
			run(dir, "", "commit", "-q", "-m", "base")
			return dir
		}
		wantMsg := func(i int) string {
			return patches[i].Name[len("[PATCH 1/2] "):] + "\n\n" + msgs[i] + "\n"
		}
		// One patch.
		dir := repo()
		run(dir, download(mbox.PatchPath("test", patches[0].MsgID)+"mbox/"), "am", "-q")
		if n := strings.TrimSpace(run(dir, "", "rev-list", "--count", "HEAD")); n != "2" {
			t.Fatalf("patch mbox: %s commits, want 2", n)
		}
		if got := run(dir, "", "log", "-1", "--format=%B"); got != wantMsg(0)+"\n" {
			t.Errorf("patch commit message:\n%q\nwant\n%q", got, wantMsg(0)+"\n")
		}
		// The series.
		dir = repo()
		run(dir, download("/series/"+itoa(series.ID)+"/mbox/"), "am", "-q")
		if n := strings.TrimSpace(run(dir, "", "rev-list", "--count", "HEAD")); n != "3" {
			t.Fatalf("series mbox: %s commits, want 3", n)
		}
		for i, rev := range []string{"HEAD~1", "HEAD"} {
			if got := run(dir, "", "log", "-1", "--format=%B", rev); got != wantMsg(i)+"\n" {
				t.Errorf("series commit %d message:\n%q\nwant\n%q", i+1, got, wantMsg(i)+"\n")
			}
		}
		if got := run(dir, "", "show", "HEAD:f"); got != "From c\n" {
			t.Errorf("f after the series: %q", got)
		}
		// A patch without such a line is still written as text.
		if body := download(mbox.PatchPath("test", e.f.p1.MsgID) + "mbox/"); !strings.Contains(body, "Content-Transfer-Encoding: 7bit") &&
			!strings.Contains(body, "Content-Transfer-Encoding: 8bit") {
			t.Errorf("plain patch not written as text:\n%s", body)
		}
	})
}

func itoa(n int64) string { return fmt.Sprint(n) }

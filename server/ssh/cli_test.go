package ssh

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// TestCLIRead runs the read-only commands over real SSH, as a registered
// user and anonymously, and checks output and exit status.
func TestCLIRead(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		srv := startServer(t, st, nil)
		p1 := f.patches[0]

		t.Run("projects", func(t *testing.T) {
			r := run(t, srv, nil, "", "projects").ok(t, "projects")
			for _, want := range []string{"alpha", "Alpha", "beta", "alpha.lists.test"} {
				if !strings.Contains(r.out, want) {
					t.Errorf("projects output lacks %q:\n%s", want, r.out)
				}
			}
			var rows []projectJSON
			r = run(t, srv, nil, "", "projects --json").ok(t, "projects --json")
			if err := json.Unmarshal([]byte(r.out), &rows); err != nil {
				t.Fatalf("projects --json: %v\n%s", err, r.out)
			}
			if len(rows) != 2 || rows[0].LinkName != "alpha" || rows[0].ActionRequired != 2 || rows[1].ActionRequired != 1 {
				t.Errorf("projects --json = %+v", rows)
			}
		})

		t.Run("list", func(t *testing.T) {
			r := run(t, srv, f.maintAKey, "", "list alpha").ok(t, "list alpha")
			if !strings.Contains(r.out, "frob: add the frobnicator") || !strings.Contains(r.out, "frob: use it") || strings.Contains(r.out, "beta: tweak") {
				t.Errorf("list alpha:\n%s", r.out)
			}
			r = run(t, srv, nil, "", "list").ok(t, "list")
			if !strings.Contains(r.out, "beta: tweak") || !strings.Contains(r.out, "alpha") {
				t.Errorf("list (all projects):\n%s", r.out)
			}
			// Query terms with a negation and a quoted phrase that the SSH
			// command line splits.
			r = run(t, srv, nil, "", `list alpha -frobnicator 'from:Jane Doe' --json`).ok(t, "list query")
			var rows []patchJSON
			if err := json.Unmarshal([]byte(r.out), &rows); err != nil {
				t.Fatalf("list --json: %v\n%s", err, r.out)
			}
			if len(rows) != 1 || rows[0].ID != f.patches[1].ID || rows[0].State != "new" || rows[0].Submitter.Email != "jane@example.org" {
				t.Errorf("list alpha -frobnicator = %+v", rows)
			}
			run(t, srv, nil, "", "list alpha state:bogus").fails(t, "list bad query", "col ")
			run(t, srv, nil, "", "list --limit 0").fails(t, "list --limit 0", "--limit")
			r = run(t, srv, nil, "", "list alpha --limit 1 --json").ok(t, "list --limit 1")
			if err := json.Unmarshal([]byte(r.out), &rows); err != nil || len(rows) != 1 || rows[0].ID != f.patches[1].ID {
				t.Errorf("list alpha --limit 1 = %+v, %v\n%s", rows, err, r.out)
			}
			if !strings.Contains(r.err, "there are more") {
				t.Errorf("list --limit 1 does not say there are more: stderr %q", r.err)
			}
			if r = run(t, srv, nil, "", "list alpha --limit 2").ok(t, "list --limit 2"); r.err != "" {
				t.Errorf("list --limit 2 (all of them) warns: %q", r.err)
			}
		})

		t.Run("show", func(t *testing.T) {
			r := run(t, srv, nil, "", fmt.Sprintf("show %d", p1.ID)).ok(t, "show")
			for _, want := range []string{p1.Name, "Jane Doe <jane@example.org>", "State:", "New", "Make frobbing faster.", "+new line 1", "fix the frobnicator", "http://patchwork.test/patch/"} {
				if !strings.Contains(r.out, want) {
					t.Errorf("show lacks %q:\n%s", want, r.out)
				}
			}
			run(t, srv, nil, "", "show 999999").fails(t, "show missing", "not found")
			run(t, srv, nil, "", "show abc").fails(t, "show abc", "bad patch id")
		})

		t.Run("mbox", func(t *testing.T) {
			r := run(t, srv, nil, "", fmt.Sprintf("mbox %d", p1.ID)).ok(t, "mbox")
			if !strings.HasPrefix(r.out, "From ") || !strings.Contains(r.out, "Subject:") || !strings.Contains(r.out, "+new line 1") {
				t.Errorf("mbox:\n%s", r.out)
			}
			if strings.Contains(r.out, "\r\n") {
				t.Errorf("mbox without a PTY must keep LF line ends")
			}
		})

		t.Run("series", func(t *testing.T) {
			r := run(t, srv, nil, "", fmt.Sprintf("series %d", f.series.ID)).ok(t, "series")
			for _, want := range []string{"fix the frobnicator", "Received:", "2 of 2", "frob: use it"} {
				if !strings.Contains(r.out, want) {
					t.Errorf("series lacks %q:\n%s", want, r.out)
				}
			}
			r = run(t, srv, nil, "", fmt.Sprintf("series %d --mbox", f.series.ID)).ok(t, "series --mbox")
			if strings.Count(r.out, "\nFrom ")+boolInt(strings.HasPrefix(r.out, "From ")) != 2 {
				t.Errorf("series --mbox should hold 2 messages:\n%s", r.out)
			}
			if i, j := strings.Index(r.out, "+new line 1"), strings.Index(r.out, "+new line 2"); i < 0 || j < i {
				t.Errorf("series --mbox out of order")
			}
		})

		t.Run("whoami", func(t *testing.T) {
			r := run(t, srv, f.maintAKey, "", "whoami").ok(t, "whoami")
			if !strings.Contains(r.out, "alice") || !strings.Contains(r.out, "Maintainer of:") || !strings.Contains(r.out, "alpha") {
				t.Errorf("whoami:\n%s", r.out)
			}
			r = run(t, srv, newKey(t), "", "whoami").ok(t, "whoami anonymous")
			if !strings.Contains(r.out, "anonymous") {
				t.Errorf("whoami anonymous:\n%s", r.out)
			}
			r = run(t, srv, nil, "", "whoami").ok(t, "whoami keyless")
			if !strings.Contains(r.out, "anonymous") {
				t.Errorf("whoami keyless:\n%s", r.out)
			}
		})

		t.Run("help", func(t *testing.T) {
			for _, cmd := range []string{"help", ""} {
				r := run(t, srv, nil, "", cmd).ok(t, "help")
				for _, want := range []string{"projects", "list", "set-state", "series", "token", "register"} {
					if !strings.Contains(r.out, want) {
						t.Errorf("%q lacks %q:\n%s", cmd, want, r.out)
					}
				}
			}
			run(t, srv, nil, "", "frobnicate").fails(t, "unknown command", "unknown command")
			run(t, srv, nil, "", "show").fails(t, "show without id", "accepts 1 arg")
		})
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestSeriesMboxCoverTrailers: `series N --mbox` gives every patch the
// trailers of the replies to the cover letter.
func TestSeriesMboxCoverTrailers(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)
	srv := startServer(t, st, nil)
	ctx := context.Background()
	cv := &store.Cover{ProjectID: f.projA.ID, MsgID: "<frob-0@example.org>", Name: "[PATCH 0/2] frob", Date: testClock.Add(-2 * time.Hour),
		SubmitterID: f.series.SubmitterID, Content: "cover\n", SeriesID: f.series.ID}
	if err := st.CreateCover(ctx, cv); err != nil {
		t.Fatal(err)
	}
	f.series.CoverID = cv.ID
	if err := st.UpdateSeries(ctx, f.series); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateComment(ctx, &store.Comment{CoverID: cv.ID, ProjectID: f.projA.ID, MsgID: "<frob-0-reply@example.org>",
		Date: testClock.Add(-time.Hour), SubmitterID: f.series.SubmitterID, Content: "Reviewed-by: Rev Iewer <rev@example.org>\n"}); err != nil {
		t.Fatal(err)
	}
	r := run(t, srv, nil, "", fmt.Sprintf("series %d --mbox", f.series.ID)).ok(t, "series --mbox")
	if n := strings.Count(r.out, "\nReviewed-by: Rev Iewer <rev@example.org>\n"); n != 2 {
		t.Errorf("the cover's Reviewed-by is on %d of 2 patches:\n%s", n, r.out)
	}
}

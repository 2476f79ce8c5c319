package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/store"
)

// TestPatchShowHostileMail: `patchworkd patch show` (and the patch and
// series tables) show mail's escape sequences visibly; --json keeps them.
func TestPatchShowHostileMail(t *testing.T) {
	const subject = "fix\x1b]52;c;ZXZpbA==\x07 \u009b2J"
	const body = "text\x1b[8mhidden\x1b[0m\n"
	db := "sqlite:" + filepath.Join(t.TempDir(), "hostile.db")
	mustPW(t, db, nil, "", "migrate")
	s := openDB(t, db)
	ctx := context.Background()
	proj := &store.Project{LinkName: "p", Name: "P", ListID: "p.example.org", ListEmail: "p@example.org"}
	if err := s.CreateProject(ctx, proj); err != nil {
		t.Fatal(err)
	}
	sub, err := s.UpsertPerson(ctx, "eve@example.org", "Eve\x1b]0;t\x07", false)
	if err != nil {
		t.Fatal(err)
	}
	states, err := s.ListStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := &store.Patch{ProjectID: proj.ID, MsgID: "<h@example.org>", Name: subject, Date: time.Now().UTC(), SubmitterID: sub.ID,
		StateID: states[0].ID, Headers: "Subject: x\n", Content: body, Diff: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\rhidden\n"}
	if err := s.CreatePatch(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(p.ID, 10)
	for _, args := range [][]string{{"patch", "show", id}, {"patch", "list", "--project", "p"}} {
		out := mustPW(t, db, nil, "", args...)
		if strings.ContainsAny(out, "\x1b\x07\u009b") || strings.Contains(out, "\rh") {
			t.Errorf("%s passes control characters: %q", strings.Join(args, " "), out)
		}
		if !strings.Contains(out, "fix^[]52;c;ZXZpbA==^G M-^[2J") {
			t.Errorf("%s does not show the subject visibly: %q", strings.Join(args, " "), out)
		}
	}
	var got struct {
		Name    string `json:"name"`
		Content string `json:"content"`
	}
	if err := json.Unmarshal([]byte(mustPW(t, db, nil, "", "patch", "show", id, "--json")), &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != subject || got.Content != body {
		t.Errorf("patch show --json changed the text: %q %q", got.Name, got.Content)
	}
}

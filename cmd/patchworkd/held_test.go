package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// heldMail is a list mail for the held-reply tests.
func heldMail(msgid, subject, inReplyTo, refs, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Rev <rev@example.org>\nSubject: %s\nMessage-Id: %s\nDate: Mon, 02 Jun 2025 10:00:00 +0000\nList-Id: <test.example.com>\n", subject, msgid)
	if inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: %s\nReferences: %s\n", inReplyTo, refs)
	}
	b.WriteString("Content-Type: text/plain; charset=utf-8\n\n" + body)
	return b.String()
}

const heldPatchBody = "Frob the widget.\n\nSigned-off-by: Rev <rev@example.org>\n---\n" +
	"diff --git a/w.c b/w.c\n--- a/w.c\n+++ b/w.c\n@@ -1 +1,2 @@\n x\n+y\n"

func heldList(t *testing.T, db string, args ...string) []heldJSON {
	t.Helper()
	var out []heldJSON
	if err := json.Unmarshal([]byte(mustPW(t, db, nil, "", append([]string{"held", "list", "--json"}, args...)...)), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestHeldCommands: a reply that arrives before its patch is held (exit
// 0) and listed with what it waits for, then placed when the patch comes;
// `held place` puts a reply whose parent never came on the patch it names
// and keeps one naming nothing; `held show` and `held delete` work by id.
func TestHeldCommands(t *testing.T) {
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			db, proj := mailDB(t, d)
			other := &store.Project{LinkName: "other", Name: "Other", ListID: "other.example.com", ListEmail: "other@example.com"}
			if err := openDB(t, db).CreateProject(context.Background(), other); err != nil {
				t.Fatal(err)
			}
			early := heldMail("<early@x>", "Re: [PATCH] widget: frob", "<p@x>", "<p@x>", "Acked-by: Rev <rev@example.org>\n")
			r := pw(t, db, nil, early, "parsemail")
			if r.code != 0 || !strings.Contains(r.stderr, "result=held") {
				t.Fatalf("early reply: exit %d, stderr %s", r.code, r.stderr)
			}
			list := heldList(t, db)
			if len(list) != 1 {
				t.Fatalf("held list %+v", list)
			}
			h := list[0]
			if h.Project != proj.LinkName || h.MsgID != "<early@x>" || h.Subject != "Re: [PATCH] widget: frob" ||
				fmt.Sprint(h.WaitsFor) != "[<p@x>]" || h.Date.Format("2006-01-02 15:04") != "2025-06-02 10:00" {
				t.Errorf("held %+v", h)
			}
			if out := mustPW(t, db, nil, "", "held", "list"); !strings.Contains(out, "<early@x>") || !strings.Contains(out, "WAITS FOR") {
				t.Errorf("held list table:\n%s", out)
			}
			if out := mustPW(t, db, nil, "", "held", "show", fmt.Sprint(h.ID)); out != early {
				t.Errorf("held show: %q", out)
			}
			if got := heldList(t, db, "--project", "other"); len(got) != 0 {
				t.Errorf("other project's held %+v", got)
			}

			mustPW(t, db, nil, heldMail("<p@x>", "[PATCH] widget: frob", "", "", heldPatchBody), "parsemail")
			if got := heldList(t, db); len(got) != 0 {
				t.Errorf("held after the patch came: %+v", got)
			}
			var patches []patchJSON
			if err := json.Unmarshal([]byte(mustPW(t, db, nil, "", "patch", "list", "--project", proj.LinkName, "--json")), &patches); err != nil || len(patches) != 1 {
				t.Fatalf("patches %+v (%v)", patches, err)
			}
			// One answering an off-list mail of the thread, one answering it,
			// one naming nothing known.
			mustPW(t, db, nil, heldMail("<off@x>", "Re: [PATCH] widget: frob", "<offlist@x>", "<p@x> <offlist@x>", "Why?\n"), "parsemail")
			mustPW(t, db, nil, heldMail("<off2@x>", "Re: [PATCH] widget: frob", "<off@x>", "<p@x> <offlist@x> <off@x>", "Because.\n"), "parsemail")
			mustPW(t, db, nil, heldMail("<orphan@x>", "Re: lunch", "<nowhere@x>", "<nowhere@x>", "Yes.\n"), "parsemail")
			if got := heldList(t, db); len(got) != 3 || fmt.Sprint(got[1].WaitsFor) != "[<off@x>]" ||
				fmt.Sprint(got[1].References) != "[<off@x> <offlist@x> <p@x>]" {
				t.Fatalf("held %+v, want 3, the second waiting for <off@x>", got)
			}
			if r := pw(t, db, nil, "", "held", "place", "--project", "nosuch"); r.code == 0 || !strings.Contains(r.stderr, "nosuch") {
				t.Errorf("unknown project: exit %d, %s", r.code, r.stderr)
			}
			out := mustPW(t, db, nil, "", "held", "place", "--project", "other")
			if !strings.HasSuffix(out, "placed 0, still held 0, failed 0\n") {
				t.Errorf("place in a project without held mail:\n%s", out)
			}
			out = mustPW(t, db, nil, "", "held", "place", "--project", proj.LinkName)
			if !strings.Contains(out, "<off@x> placed on patch") || !strings.HasSuffix(out, "placed 2, still held 1, failed 0\n") {
				t.Errorf("held place:\n%s", out)
			}
			list = heldList(t, db)
			if len(list) != 1 || list[0].MsgID != "<orphan@x>" {
				t.Fatalf("held after place %+v", list)
			}
			if r := pw(t, db, nil, "", "held", "delete", "999999"); r.code == 0 || !strings.Contains(r.stderr, "no held mail 999999") {
				t.Errorf("delete unknown: exit %d, %s", r.code, r.stderr)
			}
			if r := pw(t, db, nil, "", "held", "delete", "x"); r.code == 0 {
				t.Error("delete with a bad id succeeded")
			}
			if out := mustPW(t, db, nil, "", "held", "delete", fmt.Sprint(list[0].ID)); out != "deleted 1 held mails\n" {
				t.Errorf("delete: %q", out)
			}
			if got := heldList(t, db); len(got) != 0 {
				t.Errorf("held after delete %+v", got)
			}
			s := openDB(t, db)
			cs, err := s.ListComments(context.Background(), store.CommentQuery{PatchID: patches[0].ID})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				got = append(got, c.MsgID)
			}
			if fmt.Sprint(got) != "[<early@x> <off@x> <off2@x>]" {
				t.Errorf("comments of the patch %v", got)
			}
		})
	}
}

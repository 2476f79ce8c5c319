package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// offListThread is a small thread of our own: a patch on the list, a
// review answering it that was sent off-list (never delivered), an on-list
// reply to that review naming the patch in its References, and a later
// patch by the replier under another spelling of her name.
func offListThread() (patch, reply, later string) {
	mail := func(from, msgid, subject, irt, refs, body string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "From: %s\nSubject: %s\nMessage-Id: %s\nDate: Mon, 02 Jun 2025 10:%02d:00 +0000\nList-Id: <test.example.com>\n",
			from, subject, msgid, len(body)%60)
		if irt != "" {
			fmt.Fprintf(&b, "In-Reply-To: %s\nReferences: %s\n", irt, refs)
		}
		return b.String() + "Content-Type: text/plain; charset=utf-8\n\n" + body
	}
	diff := func(f string) string {
		return "Change " + f + ".\n\nSigned-off-by: A <a@example.org>\n---\ndiff --git a/" + f + " b/" + f +
			"\n--- a/" + f + "\n+++ b/" + f + "\n@@ -1 +1,2 @@\n x\n+y\n"
	}
	patch = mail("Ada Lovelace <ada@example.org>", "<p@x>", "[PATCH] widget: frob", "", "", diff("w.c"))
	// The off-list review <off@x> from Rev <rev@example.org> answers <p@x>.
	reply = mail("Tess <tess@example.org>", "<r@x>", "Re: [PATCH] widget: frob", "<off@x>", "<p@x> <off@x>",
		"> Looks fine to me.\n\nAgreed.\n\nReviewed-by: Tess <tess@example.org>\n")
	later = mail("Tess Ter <tess@example.org>", "<p2@x>", "[PATCH] gadget: tune", "", "", diff("g.c"))
	return patch, reply, later
}

// threadState is what a project holds of the thread: the patch's comments
// with their submitters, its Reviewed-by count, and Tess's stored name.
func threadState(t *testing.T, db string, proj *store.Project) string {
	t.Helper()
	ctx := context.Background()
	s := openDB(t, db)
	p, err := s.GetPatchByMsgID(ctx, proj.ID, "<p@x>")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := s.ListComments(ctx, store.CommentQuery{PatchID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, c := range cs {
		per, err := s.GetPerson(ctx, c.SubmitterID)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "comment %s by %s; ", c.MsgID, per.Email)
	}
	tags, err := s.ListTags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	counts, err := s.GetTagCounts(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range tags {
		if counts[tg.ID] > 0 {
			fmt.Fprintf(&b, "%s %d; ", tg.Name, counts[tg.ID])
		}
	}
	tess, err := s.GetPersonByEmail(ctx, "tess@example.org")
	if err != nil {
		t.Fatal(err)
	}
	held, err := s.ListHeldMails(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "tess is %q; %d held", tess.Name, len(held))
	return b.String()
}

// What upstream stores for the thread: the reply is a comment of the patch
// from its arrival (the nearest stored id of its References), Tess's
// person was created from it and renamed by her later patch.
const offListWant = `comment <r@x> by tess@example.org; Reviewed-by 1; tess is "Tess Ter"; 0 held`

// TestOffListReplyArchive: parsearchive places the reply to the off-list
// mail once the archive is stored, and its summary adds up (the reply was
// counted held and is counted as the comment it became).
func TestOffListReplyArchive(t *testing.T) {
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			db, proj := mailDB(t, d)
			patch, reply, later := offListThread()
			mbox := filepath.Join(t.TempDir(), "thread.mbox")
			var b strings.Builder
			for _, m := range []string{patch, reply, later} {
				b.WriteString("From mboxrd@z Thu Jan  1 00:00:00 1970\n" + m + "\n")
			}
			if err := os.WriteFile(mbox, []byte(b.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			out := mustPW(t, db, nil, "", "parsearchive", mbox)
			want := "Processed 3 messages --> 2 patches, 0 covers, 1 comments, 2 series, 0 duplicates, 0 dropped, 0 failed, 0 held\n"
			if out != want {
				t.Errorf("summary\n got %s\nwant %s", out, want)
			}
			if got := threadState(t, db, proj); got != offListWant {
				t.Errorf("stored\n got %s\nwant %s", got, offListWant)
			}
			// Again: duplicates only, and the counts still add up.
			want = "Processed 3 messages --> 0 patches, 0 covers, 0 comments, 0 series, 3 duplicates, 0 dropped, 0 failed, 0 held\n"
			if out := mustPW(t, db, nil, "", "parsearchive", mbox); out != want {
				t.Errorf("second run\n got %s\nwant %s", out, want)
			}
		})
	}
}

// TestOffListReplyParsemail: delivered one by one, the reply is held for
// the grace period (its parent may still come), then cron places it;
// cron run within the grace period leaves it held.
func TestOffListReplyParsemail(t *testing.T) {
	for _, d := range sqltest.Dialects() {
		t.Run(d, func(t *testing.T) {
			db, proj := mailDB(t, d)
			patch, reply, later := offListThread()
			mustPW(t, db, nil, patch, "parsemail")
			if r := pw(t, db, nil, reply, "parsemail"); r.code != 0 || !strings.Contains(r.stderr, "result=held") {
				t.Fatalf("reply: exit %d, %s", r.code, r.stderr)
			}
			mustPW(t, db, nil, later, "parsemail")
			out := mustPW(t, db, nil, "", "cron", "--no-mail")
			if !strings.Contains(out, "held replies: placed 0, expired 0 kept as failed mail, 0 dropped") {
				t.Errorf("cron within the grace period:\n%s", out)
			}
			if got := heldList(t, db); len(got) != 1 {
				t.Fatalf("held within the grace period: %+v", got)
			}
			var rep struct {
				Held heldCronJSON `json:"held"`
			}
			noGrace := map[string]string{"PATCHWORK_HELD_GRACE_MINUTES": "0"}
			if err := json.Unmarshal([]byte(mustPW(t, db, noGrace, "", "cron", "--no-mail", "--json")), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Held != (heldCronJSON{Placed: 1}) {
				t.Errorf("cron after the grace period: %+v, want 1 placed", rep.Held)
			}
			if got := threadState(t, db, proj); got != offListWant {
				t.Errorf("stored\n got %s\nwant %s", got, offListWant)
			}
		})
	}
}

// TestParsemailRefusedKept: a mail over max_mail_bytes and one nested
// deeper than the parser reads both exit 0 (no bounce) and are kept as
// failed mail with their reason; neither is stored.
func TestParsemailRefusedKept(t *testing.T) {
	db, _ := mailDB(t, "sqlite")
	patch, _, _ := offListThread()
	big := strings.Replace(patch, "<p@x>", "<big@x>", 1) + strings.Repeat("+y\n", 1000)
	env := map[string]string{"PATCHWORK_MAX_MAIL_BYTES": "2000"}
	var nested strings.Builder
	nested.WriteString("From: A <a@example.org>\nSubject: [PATCH] nested\nMessage-Id: <nested@x>\nList-Id: <test.example.com>\n" +
		"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n")
	for i := 1; i < 100; i++ {
		fmt.Fprintf(&nested, "--b%d\nContent-Type: multipart/mixed; boundary=\"b%d\"\n\n", i-1, i)
	}
	nested.WriteString("--b99\nContent-Type: text/plain\n\nx\n")
	for k, m := range []string{big, nested.String()} {
		if k == 1 {
			env = nil // the nested mail is refused for its depth alone
		}
		if r := pw(t, db, env, m, "parsemail"); r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
	}
	var list []failedJSON
	if err := json.Unmarshal([]byte(mustPW(t, db, nil, "", "failed", "list", "--json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || !strings.Contains(list[0].Error, "more than max_mail_bytes (2000)") ||
		!strings.Contains(list[1].Error, "nested more than 64 levels") || list[0].Size != len(big) {
		t.Errorf("failed mails %+v", list)
	}
	if out := mustPW(t, db, nil, "", "patch", "list", "--project", "test-project"); strings.Contains(out, "big") || strings.Contains(out, "nested") {
		t.Errorf("a refused mail was stored:\n%s", out)
	}
}

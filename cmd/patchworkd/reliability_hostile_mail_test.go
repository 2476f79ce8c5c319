package main

// Hostile mail (issue 9), each through a real parsemail process: a clean
// result (exit 0, one line of stderr at most, no panic) and bounded
// memory, whatever arrives.

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// relHostileHeader is the head of every hostile mail; the body decides.
func relHostileHeader(msgid, subject string, extra ...string) string {
	return "From: Mallory <mallory@example.org>\n" +
		"To: test@example.com\n" +
		"Subject: " + subject + "\n" +
		"Date: Mon, 02 Mar 2026 10:00:00 +0000\n" +
		"Message-Id: " + msgid + "\n" +
		"List-Id: Test Project <test.example.com>\n" +
		strings.Join(extra, "")
}

const relSmallDiff = "---\n" +
	"diff --git a/f b/f\n" +
	"index 1111111..2222222 100644\n" +
	"--- a/f\n" +
	"+++ b/f\n" +
	"@@ -1 +1,2 @@\n" +
	" a\n" +
	"+b\n"

// relAccounted says where a mail went: "patch", "cover", "comment",
// "failed" (kept for an admin) or "" (nowhere).
func relAccounted(t *testing.T, db, msgid string) string {
	t.Helper()
	sdb := relOpen(t, db).DB()
	ctx := context.Background()
	for _, table := range []string{"patches", "covers", "comments"} {
		ph := "?"
		if strings.HasPrefix(db, "postgres") {
			ph = "$1"
		}
		var n int
		if err := sdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE msgid = "+ph, msgid).Scan(&n); err != nil {
			t.Fatalf("look up %s in %s: %v", msgid, table, err)
		}
		if n > 1 {
			t.Errorf("%s stored %d times in %s", msgid, n, table)
		}
		if n > 0 {
			return strings.TrimSuffix(table, "es")
		}
	}
	var n int
	if err := sdb.QueryRowContext(ctx, "SELECT COUNT(*) FROM failed_mails").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		return "failed"
	}
	return ""
}

// relCleanExit checks a parsemail run on hostile input ended as a mail
// server needs: status 0 and at most one line on stderr, no panic.
func relCleanExit(t *testing.T, what string, r relResult) {
	t.Helper()
	if r.code != 0 {
		t.Errorf("%s: exit %d, want 0\n%s", what, r.code, relTail(r.stderr))
	}
	if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine ") {
		t.Errorf("%s: panicked:\n%s", what, relTail(r.stderr))
	}
	if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 0 {
		t.Errorf("%s: %d lines on stderr, want one at most:\n%s", what, n+1, relTail(r.stderr))
	}
}

func TestReliabilityHostileMail(t *testing.T) {
	// Memory is judged against the same process parsing a small mail, so
	// that the bound holds with and without -race.
	base := relNewDB(t, "sqlite")
	small := relRun(t, relCmd(t, base, "parsemail"), []byte(relHostileHeader("<small@x>", "[PATCH] small")+"\nsmall\n"+relSmallDiff))
	relCleanExit(t, "a small patch", small)
	t.Logf("parsemail of a small patch: max RSS %d MiB", small.maxRSS>>20)

	cases := []struct {
		name, msgid string
		mail        func(msgid string) []byte
		// rss bounds the growth over the small mail's RSS.
		rss   int64
		where []string // acceptable outcomes (relAccounted)
	}{
		{
			// Over max_mail_bytes (25 MiB): kept for an admin, not stored whole.
			name: "50 MB mail", msgid: "<huge@x>", rss: 768 << 20, where: []string{"failed"},
			mail: func(id string) []byte {
				var b bytes.Buffer
				b.WriteString(relHostileHeader(id, "[PATCH] huge") + "\nA huge change.\n---\n")
				b.WriteString("diff --git a/big b/big\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/big\n")
				const lines = 50 << 20 / 64
				fmt.Fprintf(&b, "@@ -0,0 +1,%d @@\n", lines)
				line := "+" + strings.Repeat("x", 62) + "\n"
				for i := 0; i < lines; i++ {
					b.WriteString(line)
				}
				return b.Bytes()
			},
		},
		{
			name: "header bomb", msgid: "<headers@x>", rss: 300 << 20, where: []string{"patch", "failed", ""},
			mail: func(id string) []byte {
				var b bytes.Buffer
				for i := 0; i < 200000; i++ {
					fmt.Fprintf(&b, "X-Bomb-%d: %s\n", i%50, strings.Repeat("b", 20))
				}
				// One header folded over 100,000 lines.
				b.WriteString("X-Folded: start\n")
				for i := 0; i < 100000; i++ {
					b.WriteString(" fold fold fold\n")
				}
				return []byte(relHostileHeader(id, "[PATCH] header bomb", b.String()) + "\nbody\n" + relSmallDiff)
			},
		},
		{
			// Deeper than the parser reads: refused, so kept with the reason.
			name: "MIME nested 20,000 deep", msgid: "<nested@x>", rss: 300 << 20, where: []string{"failed"},
			mail: func(id string) []byte {
				var b bytes.Buffer
				const depth = 20000
				b.WriteString(relHostileHeader(id, "[PATCH] nested", "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b0\"\n"))
				b.WriteString("\n")
				for i := 1; i < depth; i++ {
					fmt.Fprintf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=\"b%d\"\n\n", i-1, i)
				}
				fmt.Fprintf(&b, "--b%d\nContent-Type: text/plain\n\nthe innermost part\n%s", depth-1, relSmallDiff)
				for i := depth - 1; i >= 0; i-- {
					fmt.Fprintf(&b, "--b%d--\n", i)
				}
				return b.Bytes()
			},
		},
		{
			name: "many MIME parts", msgid: "<parts@x>", rss: 300 << 20, where: []string{"patch", "comment", "failed", ""},
			mail: func(id string) []byte {
				var b bytes.Buffer
				b.WriteString(relHostileHeader(id, "[PATCH] parts", "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"p\"\n"))
				b.WriteString("\n")
				for i := 0; i < 100000; i++ {
					b.WriteString("--p\nContent-Type: text/plain\n\npart\n")
				}
				b.WriteString("--p\nContent-Type: text/plain\n\n" + relSmallDiff + "--p--\n")
				return b.Bytes()
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := relNewDB(t, "sqlite")
			r := relRun(t, relInfoCmd(t, db, "parsemail"), c.mail(c.msgid))
			relCleanExit(t, c.name, r)
			t.Logf("%s: exit %d, max RSS %d MiB, stderr %q", c.name, r.code, r.maxRSS>>20, strings.TrimSpace(r.stderr))
			if grow := r.maxRSS - small.maxRSS; grow > c.rss {
				t.Errorf("%s: RSS grew by %d MiB over a small mail's, bound %d MiB", c.name, grow>>20, c.rss>>20)
			}
			where := relAccounted(t, db, c.msgid)
			ok := false
			for _, w := range c.where {
				ok = ok || w == where
			}
			if !ok {
				t.Errorf("%s ended as %q, want one of %q", c.name, where, c.where)
			}
			if where == "" && !strings.Contains(r.stderr, "result=dropped") {
				t.Errorf("%s was neither stored nor kept, and the log does not say it was dropped: %q", c.name, r.stderr)
			}
		})
	}
}

// TestReliabilityBrokenCharsets: mails with unknown, wrong and lying
// charsets, bad encoded words, NUL bytes and 4-byte UTF-8 are stored as
// patches on every dialect (the diff is intact: it is what matters).
func TestReliabilityBrokenCharsets(t *testing.T) {
	type tc struct{ name, head, body string }
	cases := []tc{
		{"unknown charset", "MIME-Version: 1.0\nContent-Type: text/plain; charset=x-no-such-charset\n", "caf\xe9\n"},
		{"invalid UTF-8 declared UTF-8", "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n", "bad \xff\xfe\xc3\x28 bytes\n"},
		{"latin-1 without a charset", "", "na\xefve caf\xe9\n"},
		{"broken quoted-printable", "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n", "=ZZ=4=\nsoft=\n"},
		{"broken base64", "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n", "!!!not base64$$$\n"},
		{"NUL bytes", "", "nul\x00inside\x00\n"},
		{"4-byte UTF-8", "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n", "emoji \xf0\x9f\x98\x80 and \xf0\x90\x8d\x88\n"},
		{"ISO-2022-JP garbage", "MIME-Version: 1.0\nContent-Type: text/plain; charset=iso-2022-jp\n", "\x1b$B\xff\xff\x1b(B text\n"},
	}
	subjects := []string{
		"=?utf-8?b?!!bad!!?= [PATCH] bad encoded word",
		"=?x-unknown?q?caf=E9?= [PATCH] unknown charset word",
		"[PATCH] raw \xff\xfe bytes",
		"[PATCH] \xf0\x9f\x98\x80 emoji",
	}
	for _, d := range sqltestDialects() {
		t.Run(d, func(t *testing.T) {
			db := relNewDB(t, d)
			for i, c := range cases {
				id := fmt.Sprintf("<charset-%d@x>", i)
				subj := subjects[i%len(subjects)]
				mail := relHostileHeader(id, subj, c.head) + "\n" + c.body + relSmallDiff
				if c.name == "broken base64" {
					// The diff must stay readable: give it its own mail.
					mail = relHostileHeader(id, subj, c.head) + "\n" + c.body
				}
				r := relRun(t, relInfoCmd(t, db, "parsemail"), []byte(mail))
				relCleanExit(t, c.name, r)
				where := relAccounted(t, db, id)
				switch {
				case c.name == "broken base64":
					// No readable diff: kept, dropped or stored, but said.
				case where != "patch":
					t.Errorf("%s (subject %q): ended as %q, want a patch; stderr %q", c.name, subj, where, r.stderr)
				}
			}
		})
	}
}

// relInfoCmd is relCmd logging at info level, where parsemail says what
// became of the mail.
func relInfoCmd(t *testing.T, db string, args ...string) *exec.Cmd {
	cmd := relCmd(t, db, args...)
	cmd.Env = append(cmd.Env, "PATCHWORK_LOG_LEVEL=info")
	return cmd
}

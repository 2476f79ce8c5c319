package mbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// specMessage is the example of spec web.md §4.3.
func specMessage() *Message {
	return &Message{
		ID:            42,
		Date:          time.Date(2016, 9, 13, 8, 15, 0, 0, time.UTC),
		SubmitterName: "Jane Doe",
		SubmitterMail: "jane@example.org",
		ListEmail:     "dev@lists.example.org",
		Headers: "From: Jane Doe <jane@example.org>\n" +
			"To: dev@lists.example.org\n" +
			"Subject: [PATCH v2 1/2] frob: handle unset widget\n" +
			"Date: Tue, 13 Sep 2016 10:15:00 +0200\n" +
			"Message-Id: <20160913081500.4242-2-jane@example.org>\n" +
			"In-Reply-To: <20160913081500.4242-1-jane@example.org>\n" +
			"List-Id: Development <dev.lists.example.org>\n" +
			"MIME-Version: 1.0\n" +
			"Content-Type: text/plain; charset=\"us-ascii\"\n" +
			"Content-Transfer-Encoding: 7bit",
		Content: "Fix the frobnicator when the widget is unset.\n\nSigned-off-by: Jane Doe <jane@example.org>\n---\n v2: reworded\n\n src/frob.c | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)",
		Diff: "diff --git a/src/frob.c b/src/frob.c\nindex 1111111..2222222 100644\n--- a/src/frob.c\n+++ b/src/frob.c\n" +
			"@@ -10,7 +10,7 @@ int frob(void)\n {\n \tint a;\n \n-\treturn widget;\n+\treturn widget ? widget : 0;\n }\n \n /* end */\n",
		Comments: []string{"Looks good.\n\nReviewed-by: John Roe <john@example.org>\nacked-by: Ann Poe <ann@example.org>"},
	}
}

const specExpected = `From patchwork Tue Sep 13 08:15:00 2016
Content-Type: text/plain; charset="utf-8"
MIME-Version: 1.0
Content-Transfer-Encoding: 7bit
X-Patchwork-Submitter: Jane Doe <jane@example.org>
X-Patchwork-Id: 42
From: Jane Doe <jane@example.org>
To: dev@lists.example.org
Subject: [PATCH v2 1/2] frob: handle unset widget
Date: Tue, 13 Sep 2016 10:15:00 +0200
Message-Id: <20160913081500.4242-2-jane@example.org>
In-Reply-To: <20160913081500.4242-1-jane@example.org>
List-Id: Development <dev.lists.example.org>
MIME-Version: 1.0

Fix the frobnicator when the widget is unset.

Signed-off-by: Jane Doe <jane@example.org>
Reviewed-by: John Roe <john@example.org>
acked-by: Ann Poe <ann@example.org>
---
 v2: reworded

 src/frob.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/src/frob.c b/src/frob.c
index 1111111..2222222 100644
--- a/src/frob.c
+++ b/src/frob.c
@@ -10,7 +10,7 @@ int frob(void)
 {
 	int a;
 
-	return widget;
+	return widget ? widget : 0;
 }
 
 /* end */
`

func TestSpecExample(t *testing.T) {
	if got := specMessage().String(); got != specExpected {
		t.Errorf("mbox differs from spec web.md §4.3:\n%s", diffLines(specExpected, got))
	}
}

func TestCtimeSpacePadded(t *testing.T) {
	m := &Message{ID: 1, Date: time.Date(2016, 9, 4, 1, 2, 3, 0, time.FixedZone("x", 3600)), SubmitterMail: "a@b.c"}
	got := m.String()
	if !strings.HasPrefix(got, "From patchwork Sun Sep  4 00:02:03 2016\n") {
		t.Errorf("From_ line: %q", strings.SplitN(got, "\n", 2)[0])
	}
	// No stored Date: generated from the submission date, UTC, zero-padded.
	if !strings.Contains(got, "\nDate: Sun, 04 Sep 2016 00:02:03 -0000\n") {
		t.Errorf("missing generated Date:\n%s", got)
	}
	// Empty content, no diff: headers, blank line, empty body.
	if !strings.HasSuffix(got, "-0000\n\n") {
		t.Errorf("empty body expected:\n%q", got)
	}
}

func TestBody(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		comments []string
		diff     string
		want     string
	}{
		{"empty", "", nil, "", ""},
		{"no separator", "  hello\nworld \n\n", nil, "", "hello\nworld\n"},
		{"signature dash-dash-space", "text\n-- \nsig\n", nil, "", "text\n---\nsig\n"},
		{"separator not alone on line", "text\n--- x\nmore", nil, "", "text\n--- x\nmore\n"},
		{"quoted trailers ignored", "desc", []string{"> Acked-by: Q <q@x>\nTested-by: T <t@x>\r\nReported-By: R"}, "",
			"desc\nTested-by: T <t@x>\nReported-By: R\n"},
		{"trailers in comment order", "d\n---\nnotes  \n\n", []string{"Acked-by: A", "Nacked-by: N"}, "diff\n",
			"d\nAcked-by: A\nNacked-by: N\n---\nnotes\n\ndiff\n"},
		{"first line separator", "---\nonly notes", nil, "", "\n---\nonly notes\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Message{Content: tt.content, Comments: tt.comments, Diff: tt.diff}
			if got := m.Body(); got != tt.want {
				t.Errorf("Body() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	m := &Message{
		ID: 7, Date: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC),
		SubmitterName: "Rafał Miłecki", SubmitterMail: "zajec5@gmail.com",
		DelegateMail: "maint@example.org",
		ListEmail:    "List@Example.org",
		Headers: "content-type: text/plain; charset=iso-8859-1\n" +
			"From: Rafał Miłecki via List <list@example.org>\n" +
			"Subject: [PATCH] a very long subject line that goes on and on and on until it has to be folded somewhere\n" +
			"References: <a@b>\n <c@d>\n" +
			"X-Mailer: ça\n" +
			"CONTENT-TRANSFER-ENCODING: quoted-printable\n" +
			"Date: Thu, 2 Jan 2020 04:04:05 +0100",
		Content: "zażółć",
	}
	got := m.String()
	for _, want := range []string{
		"Content-Transfer-Encoding: 8bit\n",
		"X-Patchwork-Submitter: =?utf-8?b?UmFmYcWCIE1pxYJlY2tp?= <zajec5@gmail.com>\n",
		"X-Patchwork-Id: 7\nX-Patchwork-Delegate: maint@example.org\n",
		"X-Patchwork-Original-From: =?utf-8?b?UmFmYcWCIE1pxYJlY2tpIHZpYSBMaXN0?=\n <list@example.org>\nFrom: =?utf-8?b?UmFmYcWCIE1pxYJlY2tp?= <zajec5@gmail.com>\n",
		"Subject: [PATCH] a very long subject line that goes on and on and on until it\n has to be folded somewhere\n",
		"References: <a@b>\n <c@d>\n",
		"X-Mailer: =?utf-8?b?w6dh?=\n",
		"Date: Thu, 2 Jan 2020 04:04:05 +0100\n\nzażółć\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if n := strings.Count(strings.ToLower(got), "content-type:"); n != 1 {
		t.Errorf("%d Content-Type headers, want 1:\n%s", n, got)
	}
	if n := strings.Count(strings.ToLower(got), "content-transfer-encoding:"); n != 1 {
		t.Errorf("%d Content-Transfer-Encoding headers, want 1", n)
	}
	if strings.Count(got, "\nDate:") != 1 {
		t.Errorf("Date must not be generated when stored:\n%s", got)
	}
	head, _, _ := strings.Cut(got, "\n\n")
	for _, line := range strings.Split(head, "\n") {
		if len(line) > 78 {
			t.Errorf("header line longer than 78: %q", line)
		}
	}
}

func TestFormatAddress(t *testing.T) {
	tests := []struct{ name, email, want string }{
		{"", "a@b.c", "a@b.c"},
		{"Jane Doe", "jane@example.org", "Jane Doe <jane@example.org>"},
		{"J. Random", "a@b.c", `"J. Random" <a@b.c>`},
		{`Say "hi" \o/`, "a@b.c", `"Say \"hi\" \\o/" <a@b.c>`},
		{"Rafał Miłecki", "zajec5@gmail.com", "=?utf-8?b?UmFmYcWCIE1pxYJlY2tp?= <zajec5@gmail.com>"},
		{"Ünï", "ü@b.c", "=?utf-8?b?w5xuw68=?= <ü@b.c>"},
	}
	for _, tt := range tests {
		if got := FormatAddress(tt.name, tt.email); got != tt.want {
			t.Errorf("FormatAddress(%q, %q) = %q, want %q", tt.name, tt.email, got, tt.want)
		}
	}
}

func TestFold(t *testing.T) {
	long := "X-Long: " + strings.Repeat("word ", 40)
	var b strings.Builder
	writeHeader(&b, "X-Long", strings.Repeat("word ", 40))
	out := strings.TrimSuffix(b.String(), "\n")
	for _, l := range strings.Split(out, "\n") {
		if len(l) > 78 {
			t.Errorf("line longer than 78: %q", l)
		}
	}
	if strings.ReplaceAll(out, "\n", "") != strings.TrimRight(long, "") {
		t.Errorf("unfolding does not restore the value:\n%q\n%q", strings.ReplaceAll(out, "\n", ""), long)
	}
	// A single long token stays whole.
	b.Reset()
	tok := strings.Repeat("x", 100)
	writeHeader(&b, "Message-Id", "<"+tok+">")
	if b.String() != "Message-Id: <"+tok+">\n" {
		t.Errorf("long token split: %q", b.String())
	}
}

// TestGolden keeps the spec example as a golden file too, so a reviewer can
// read it as a file; run with -update to rewrite.
func TestGolden(t *testing.T) {
	path := filepath.Join("testdata", "spec-example.mbox")
	got := specMessage().String()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("golden %s differs:\n%s", path, diffLines(string(want), got))
	}
}

// diffLines is a small line diff for failure messages.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + itoa(i+1) + ":\n  want " + quote(wl) + "\n  got  " + quote(gl) + "\n")
		}
	}
	return b.String()
}

package mbox

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The X-Patchwork-* headers we generate are byte-identical to what
// upstream's Python writes (issue 22.10): Q or B encoding of a non-ASCII
// name, whichever is shorter, and the email package's folding at 78
// columns, checked against the real Python email package.
func TestGeneratedHeadersMatchPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	cases := [][4]any{
		{"Rafał Miłecki", "zajec5@gmail.com", 1, ""},
		{"François Dupont", "f@example.org", 2, "maint@example.org"},
		{"Jörg Müller-Lüdenscheidt von und zu Oberammergau", "joerg@example.org", 3, ""},
		{"A very long name of a submitter who really likes words", "someone.with.a.long.address@subdomain.example.org", 4, ""},
		{"", "averyveryveryveryveryveryveryveryverylongaddress@sub.example.org", 5, ""},
		{"J. Random; Hacker, Esq.", "j@x.org", 6, ""},
		{strings.Repeat("Ë", 60), "e@x.org", 7, ""},
		{"Name, With; Splitchars and spaces that go on and on and on past the limit", "x@example.org", 8, "d@example.org"},
		{"日本語の名前", "jp@example.jp", 9, ""},
		{"Ann", "ann@example.org", 123456789, "delegate.with.a.quite.long.address.indeed@lists.example.org"},
	}
	in, _ := json.Marshal(cases)
	cmd := exec.Command(py, "testdata/upstream_headers.py")
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var want []string
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		m := &Message{ID: int64(c[2].(int)), Date: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
			SubmitterName: c[0].(string), SubmitterMail: c[1].(string), DelegateMail: c[3].(string),
			Headers: "Subject: x\n", Content: "x"}
		text := m.String()
		start := strings.Index(text, "X-Patchwork-Submitter:")
		end := strings.Index(text, "\nSubject: x\n")
		if start < 0 || end < 0 {
			t.Fatalf("case %d: %q", i, text)
		}
		if got := text[start : end+1]; got != want[i] {
			t.Errorf("case %d (%q):\n got %q\nwant %q", i, c[0], got, want[i])
		}
	}
}

package mailin

import (
	"strings"
	"testing"
)

// A text part whose bytes do not decode in the charset it declares keeps
// its text and, above all, its diff (upstream skips the part and loses the
// patch); valid parts decode exactly as before.
func TestLenientCharsets(t *testing.T) {
	const diff = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n"
	for _, tc := range []struct {
		name, charset, body, text string
	}{
		{"invalid UTF-8", "utf-8", "bad \xff\xfe\xc3\x28 bytes\n", "bad \uFFFD\uFFFD\uFFFD( bytes"},
		{"8-bit in US-ASCII", "us-ascii", "caf\xe9\n", "caf\uFFFD"},
		{"undefined windows-1252", "windows-1252", "x\x81y \x80\n", "x\uFFFDy \u20ac"},
		{"broken ISO-2022-JP", "iso-2022-jp", "\x1b$B\xff\xff\x1b(B text\n", ""},
		{"valid UTF-8", "utf-8", "caf\xc3\xa9\n", "café"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := "From: A <a@example.org>\nSubject: [PATCH] x\nMessage-Id: <cs@x>\nMIME-Version: 1.0\n" +
				"Content-Type: text/plain; charset=" + tc.charset + "\n\n" + tc.body + diff
			m, err := Parse([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			if m.Diff != diff {
				t.Fatalf("diff %q, want %q", m.Diff, diff)
			}
			if Hash(m.Diff) != Hash(diff) {
				t.Fatalf("hash differs")
			}
			if tc.text != "" && m.Content != tc.text {
				t.Errorf("content %q, want %q", m.Content, tc.text)
			}
			if !strings.Contains(m.Content, "text") && tc.text == "" {
				t.Errorf("content %q lost the readable text", m.Content)
			}
		})
	}
}

package termtext

import (
	"bytes"
	"strings"
	"testing"
)

func TestLineAndText(t *testing.T) {
	for _, c := range []struct{ in, line, text string }{
		{"plain text, ünïcode ✓", "plain text, ünïcode ✓", "plain text, ünïcode ✓"},
		{"title\x1b]0;pwned\x07", "title^[]0;pwned^G", "title^[]0;pwned^G"},
		{"clip\x1b]52;c;ZXZpbA==\x1b\\", "clip^[]52;c;ZXZpbA==^[\\", "clip^[]52;c;ZXZpbA==^[\\"},
		{"csi\u009b31m red", "csiM-^[31m red", "csiM-^[31m red"},
		{"osc\u009d0;x\u009c", "oscM-^]0;xM-^\\", "oscM-^]0;xM-^\\"},
		{"a\tb\nc", "a b^Jc", "a\tb\nc"},
		{"crlf\r\nhidden\rover", "crlf^M^Jhidden^Mover", "crlf\r\nhidden^Mover"},
		{"del\x7f nul\x00", "del^? nul^@", "del^? nul^@"},
		{"bad \xff\xfe utf8", "bad \uFFFD\uFFFD utf8", "bad \uFFFD\uFFFD utf8"},
	} {
		if got := Line(c.in); got != c.line {
			t.Errorf("Line(%q) = %q, want %q", c.in, got, c.line)
		}
		if got := Text(c.in); got != c.text {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.text)
		}
	}
}

// TestWriterSplitWrites: a C1 control or a CR LF cut between two writes is
// treated as if written at once.
func TestWriterSplitWrites(t *testing.T) {
	in := "x\u009b31m é\r\n\x1b[2Jend\r"
	for cut := range len(in) + 1 {
		var out bytes.Buffer
		w := NewWriter(&out)
		if _, err := w.Write([]byte(in[:cut])); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(in[cut:])); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if got, want := out.String(), Text(in); got != want {
			t.Errorf("cut at %d: %q, want %q", cut, got, want)
		}
	}
}

func BenchmarkTextClean(b *testing.B) {
	s := strings.Repeat("+\tfoo(bar); /* a diff line */\n", 2000)
	for b.Loop() {
		Text(s)
	}
}

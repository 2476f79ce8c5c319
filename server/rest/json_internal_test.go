package rest

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestEncodeString: whatever the bytes, the output is valid JSON that
// decodes to the input with invalid UTF-8 replaced, and U+2028/U+2029 and
// control characters are escaped.
func TestEncodeString(t *testing.T) {
	cases := []string{
		"", "plain", `quote " and \ backslash`, "tab\tnl\nret\r", "\x00\x01\x1f\x7f",
		"naïve 日本 😀", "bad \xff byte", "\xe2\x80", "literal \ufffd", "js \u2028 \u2029 end",
		"<script>&'", strings.Repeat("long run ", 1000),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		var b bytes.Buffer
		encodeString(&b, s)
		var got string
		if err := json.Unmarshal(b.Bytes(), &got); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", s, b.Bytes(), err)
		}
		if want := strings.ToValidUTF8(s, "\ufffd"); got != want && !sameReplacing(got, s) {
			t.Fatalf("%q round-trips to %q", s, got)
		}
		out := b.String()
		if strings.ContainsAny(out, "\u2028\u2029\x7f") || strings.ContainsFunc(out, func(r rune) bool { return r < 0x20 }) {
			t.Fatalf("%q: unescaped character in %q", s, out)
		}
	}
}

// sameReplacing compares with every invalid byte replaced on its own, as
// the encoder does (strings.ToValidUTF8 folds a run into one U+FFFD).
func sameReplacing(got, s string) bool {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r) // ranging yields U+FFFD per invalid byte
	}
	return got == b.String()
}

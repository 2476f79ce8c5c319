package ssh

import (
	"slices"
	"strings"
	"testing"

	"github.com/anmitsu/go-shlex"
)

// shlexSplit is what charm.land/ssh's Session.Command returns.
func shlexSplit(s string) []string {
	out, _ := shlex.Split(s, true)
	return out
}

// TestSplitCommandMatchesShlex: our linear splitter gives the arguments
// the library's parser gives, quirks included, so clients see no change.
func TestSplitCommandMatchesShlex(t *testing.T) {
	for _, s := range []string{
		"", " ", "list", "list  alpha state:new", `list "a b" 'c d'`, `a\ b`, `"a\"b"`, `'a\'b`,
		`"a\\b"`, `"a\xb"`, `''`, `"" x`, `a''b`, `a"b c"d`, "tab\tsep\nnl", `trailing\`, `"unclosed`,
		`'unclosed`, "é ü 日本", "\xff\xfe bad utf8", `x\"y`, `"\'"`, `a\\`, `"$x"`, "  lead  trail  ",
	} {
		if got, want := splitCommand(s), shlexSplit(s); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("splitCommand(%q) = %q, shlex %q", s, got, want)
		}
	}
}

func FuzzSplitCommand(f *testing.F) {
	for _, s := range []string{`list "a b" 'c\'d' e\ f`, `"x\"y\\z"`, "a\tb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := splitCommand(s), shlexSplit(s); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("splitCommand(%q) = %q, shlex %q", s, got, want)
		}
	})
}

// BenchmarkSplitCommand: a word of maxCommandBytes costs microseconds
// (go-shlex: quadratic in the word's length).
func BenchmarkSplitCommand(b *testing.B) {
	s := "list " + strings.Repeat("x", maxCommandBytes-5)
	b.Run("ours", func(b *testing.B) {
		for b.Loop() {
			splitCommand(s)
		}
	})
	b.Run("shlex", func(b *testing.B) {
		for b.Loop() {
			shlexSplit(s)
		}
	})
}

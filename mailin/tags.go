package mailin

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"github.com/patchwork-go/patchwork/store"
)

// tagPattern is a tag's line pattern ("^Acked-by:"), matched without
// regard to case on every line.
type tagPattern struct {
	re *regexp.Regexp // nil: the pattern did not compile
	// word is an ASCII word every match contains ("acked-by:"), "" when
	// the pattern has none: most texts hold no tag at all, and a scan
	// for the word is many times cheaper than the regexp.
	word string
}

func compileTag(pattern string) (tagPattern, error) {
	re, err := regexp.Compile("(?im)" + pattern)
	if err != nil {
		return tagPattern{}, err
	}
	return tagPattern{re: re, word: requiredWord("(?im)" + pattern)}, nil
}

// requiredWord is the longest literal that a match of pattern must
// contain, lower-cased, when it is ASCII and starts with a letter (what
// mayContainFold takes); else "".
func requiredWord(pattern string) string {
	t, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return ""
	}
	t = t.Simplify()
	var parts []*syntax.Regexp
	switch t.Op {
	case syntax.OpConcat:
		parts = t.Sub
	case syntax.OpLiteral:
		parts = []*syntax.Regexp{t}
	}
	best := ""
	for _, p := range parts {
		if p.Op != syntax.OpLiteral {
			continue
		}
		w := strings.ToLower(string(p.Rune))
		if len(w) > len(best) && isASCII(w) && w[0] >= 'a' && w[0] <= 'z' {
			best = w
		}
	}
	return best
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// countTags counts each tag's matching lines in text.
func countTags(tags []store.Tag, pats []tagPattern, text string) store.TagCounts {
	var out store.TagCounts
	for k, t := range tags {
		p := pats[k]
		if p.re == nil || (p.word != "" && !mayContainFold(text, p.word)) {
			continue
		}
		if n := len(p.re.FindAllStringIndex(text, -1)); n > 0 {
			if out == nil {
				out = store.TagCounts{}
			}
			out[t.ID] += n
		}
	}
	return out
}

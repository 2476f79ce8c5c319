package mailin

import (
	"regexp"
	"strings"
)

// pullRe is upstream's git request-pull pattern (spec §7).
var pullRe = regexp.MustCompile(`(?ims)^The following changes since commit.*^are available in the git repository at:\s*\n^\s*([\w+-]+(?:://|@)[\w/.@:~-]+[\s\\]*[\w/._-]*)\s*$`)

// findPullURL returns the pull request URL and branch in the description,
// whitespace runs collapsed, or "".
func findPullURL(text string) string {
	// The pattern backtracks through the whole text; most mails lack even
	// its first words, which a plain search finds quicker (a tenth of an
	// import's parse time).
	if !mayContainFold(text, "the following changes since commit") {
		return ""
	}
	m := pullRe.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return cut255(normaliseSpace(m[1]))
}

// mayContainFold reports whether s may contain w, an ASCII word starting
// with a lower-case letter, in any case, without copying s. The pattern's
// case folding is Unicode's: outside ASCII only U+017F (ſ) and U+212A (K)
// fold to ASCII letters, so a text holding either answers true.
func mayContainFold(s, w string) bool {
	if strings.Contains(s, "\u017f") || strings.Contains(s, "\u212a") {
		return true
	}
	first := w[0]
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i]|0x20 == first && strings.EqualFold(s[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

package mailin

import "regexp"

// pullRe is upstream's git request-pull pattern (spec §7).
var pullRe = regexp.MustCompile(`(?ims)^The following changes since commit.*^are available in the git repository at:\s*\n^\s*([\w+-]+(?:://|@)[\w/.@:~-]+[\s\\]*[\w/._-]*)\s*$`)

// findPullURL returns the pull request URL and branch in the description,
// whitespace runs collapsed, or "".
func findPullURL(text string) string {
	if text == "" {
		return ""
	}
	m := pullRe.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return cut255(normaliseSpace(m[1]))
}

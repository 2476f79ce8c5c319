package store

import "strings"

// DiffPaths returns the paths a unified diff touches, each once, in the
// order they first appear: the old and new names of every file ("---
// a/x", "+++ b/x", without the a/ and b/ prefixes and anything after a
// tab), /dev/null left out. The file: filter matches them one by one.
func DiffPaths(diff string) []string {
	var out []string
	seen := map[string]bool{}
	for len(diff) > 0 {
		var line string
		line, diff, _ = strings.Cut(diff, "\n")
		var rest string
		switch {
		case strings.HasPrefix(line, "--- "):
			rest = line[4:]
		case strings.HasPrefix(line, "+++ "):
			rest = line[4:]
		default:
			continue
		}
		rest, _, _ = strings.Cut(strings.TrimRight(rest, "\r"), "\t")
		rest = strings.TrimSpace(rest)
		if rest == "/dev/null" || rest == "" {
			continue
		}
		if strings.HasPrefix(rest, "a/") || strings.HasPrefix(rest, "b/") {
			rest = rest[2:]
		}
		if !seen[rest] {
			seen[rest] = true
			out = append(out, rest)
		}
	}
	return out
}

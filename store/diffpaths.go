package store

import (
	"strings"
	"unicode/utf8"
)

// MaxDiffPathLen is the longest path DiffPaths returns, in bytes. Longer
// names are left out rather than stored: every dialect's path column and
// index must take any path kept, and a mail must never fail to be stored
// because of what its diff names.
const MaxDiffPathLen = 1024

// DiffPaths returns the paths a unified diff touches, each once, in the
// order they first appear: the old and new names of every file, taken
// only from file headers ("diff --git a/X b/Y", "rename from/to", "copy
// from/to" and a "--- X" line followed by "+++ Y"), without the a/ and b/
// prefixes and anything after a tab, /dev/null left out. The lines of a
// hunk are counted from its "@@ -a,b +c,d @@" header, the way mailin cuts
// the diff out of the mail (splitPatch's stHunk), so a removed line "-- x"
// or an added line "++ x" is never read as a header. The file: filter
// matches the paths one by one.
func DiffPaths(diff string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if p == "" || p == "/dev/null" || len(p) > MaxDiffPathLen || !utf8.ValidString(p) || strings.IndexByte(p, 0) >= 0 {
			return
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	lines := strings.Split(diff, "\n")
	var oldN, newN int64
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSuffix(lines[i], "\r")
		if oldN > 0 || newN > 0 {
			switch {
			case strings.HasPrefix(line, "-"):
				oldN--
			case strings.HasPrefix(line, "+"):
				newN--
			case strings.HasPrefix(line, `\`):
			default:
				oldN--
				newN--
			}
			continue
		}
		switch {
		case strings.HasPrefix(line, "diff --git "):
			for _, p := range gitDiffPaths(line[len("diff --git "):]) {
				add(p)
			}
		case strings.HasPrefix(line, "rename from "), strings.HasPrefix(line, "copy from "):
			_, name, _ := strings.Cut(line, " from ")
			add(headerPath(name, false))
		case strings.HasPrefix(line, "rename to "), strings.HasPrefix(line, "copy to "):
			_, name, _ := strings.Cut(line, " to ")
			add(headerPath(name, false))
		case strings.HasPrefix(line, "--- ") && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "+++ "):
			add(headerPath(line[4:], true))
			add(headerPath(strings.TrimSuffix(lines[i+1], "\r")[4:], true))
			i++
		default:
			if b, d, ok := hunkCounts(line); ok {
				oldN, newN = b, d
			}
		}
	}
	return out
}

// headerPath is the path of a header line's name: git's C-style quoting
// undone, or else cut at a tab (the timestamp of diff -u, or the tab git
// writes after a name with a space), with the a/ or b/ prefix dropped
// when prefixed.
func headerPath(s string, prefixed bool) string {
	var p string
	if q, _, ok := unquoteGitPath(s); ok {
		p = q
	} else {
		p, _, _ = strings.Cut(s, "\t")
		p = strings.TrimRight(p, " \r")
	}
	if prefixed && (strings.HasPrefix(p, "a/") || strings.HasPrefix(p, "b/")) {
		p = p[2:]
	}
	return p
}

// gitDiffPaths reads the two names of "diff --git a/X b/Y". Unquoted
// names with spaces are ambiguous there; they are taken only when the
// split is certain (both names the same, or a single " b/"), the
// rename and ---/+++ lines giving them otherwise.
func gitDiffPaths(s string) []string {
	if strings.HasPrefix(s, `"`) {
		a, rest, ok := unquoteGitPath(s)
		if !ok || !strings.HasPrefix(rest, " ") {
			return nil
		}
		return []string{headerPath(a, true), headerPath(rest[1:], true)}
	}
	if strings.HasSuffix(s, `"`) {
		i := strings.Index(s, ` "`)
		if i < 0 {
			return nil
		}
		return []string{headerPath(s[:i], true), headerPath(s[i+1:], true)}
	}
	if n := len(s); n%2 == 1 && s[n/2] == ' ' && s[2:n/2] == s[n/2+3:] {
		return []string{headerPath(s[:n/2], true), headerPath(s[n/2+1:], true)}
	}
	if strings.Count(s, " b/") == 1 {
		a, b, _ := strings.Cut(s, " ")
		if strings.HasPrefix(b, "b/") {
			return []string{headerPath(a, true), headerPath(b, true)}
		}
	}
	return nil
}

// unquoteGitPath undoes git's quoting of a name that starts with a double
// quote (quote_c_style: \a \b \t \n \v \f \r \" \\ and three octal
// digits a byte), returning the name and what follows the closing quote.
func unquoteGitPath(s string) (name, rest string, ok bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			return b.String(), s[i+1:], true
		case '\\':
			if i+1 >= len(s) {
				return "", s, false
			}
			i++
			switch e := s[i]; e {
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 't':
				b.WriteByte('\t')
			case 'n':
				b.WriteByte('\n')
			case 'v':
				b.WriteByte('\v')
			case 'f':
				b.WriteByte('\f')
			case 'r':
				b.WriteByte('\r')
			case '"', '\\':
				b.WriteByte(e)
			default:
				if e < '0' || e > '3' || i+2 >= len(s) || !isOctal(s[i+1]) || !isOctal(s[i+2]) {
					return "", s, false
				}
				b.WriteByte((e-'0')<<6 | (s[i+1]-'0')<<3 | (s[i+2] - '0'))
				i += 2
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", s, false
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// hunkCounts reads "@@ -a[,b] +c[,d] @@" and returns b and d, 1 when
// absent (mailin's hunkHeader, in ASCII digits; counts saturate).
func hunkCounts(l string) (b, d int64, ok bool) {
	s, found := strings.CutPrefix(l, "@@ -")
	if !found {
		return 0, 0, false
	}
	num := func() (int64, bool) {
		var v int64
		n := 0
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			if v < 1<<40 {
				v = v*10 + int64(s[n]-'0')
			}
			n++
		}
		s = s[n:]
		return v, n > 0
	}
	count := func() (int64, bool) {
		if _, ok := num(); !ok {
			return 0, false
		}
		if rest, found := strings.CutPrefix(s, ","); found {
			s = rest
			return num()
		}
		return 1, true
	}
	if b, ok = count(); !ok {
		return 0, 0, false
	}
	if s, found = strings.CutPrefix(s, " +"); !found {
		return 0, 0, false
	}
	if d, ok = count(); !ok {
		return 0, 0, false
	}
	return b, d, strings.HasPrefix(s, " @@")
}

package mailin

import (
	"regexp"
	"strconv"
	"strings"
)

// Subject is what the parser reads from a cleaned Subject (spec §5.2–5.4).
type Subject struct {
	Name     string   // cleaned name, kept prefixes in front: "[RFC,1/2] meep"
	Prefixes []string // kept prefix tokens
	IsReply  bool
	// X and N are the series marker (x of n); HasMarker is false without one.
	X, N      int
	HasMarker bool
	Version   int
}

var (
	replyMarker   = regexp.MustCompile(`(?i)^(re|fwd?)[:\pZ\s\x1c-\x1f\x85]`)
	isReplyRe     = regexp.MustCompile(`(?i)^re[:\pZ\s\x1c-\x1f\x85]`)
	hgPrefix      = regexp.MustCompile(`^PATCH ([0-9]+ of [0-9]+)(.*)$`)
	markerRe      = regexp.MustCompile(`^.*?([0-9]+)(?:/| of )([0-9]+)$`)
	versionPrefix = regexp.MustCompile(`^[vV]([0-9]+)$`)
	versionParen  = regexp.MustCompile(`\([vV]([0-9]+)\)`)
)

// ParseSubject cleans a decoded Subject for a project with that linkname
// (its "[linkname]" tag is dropped like "PATCH").
func ParseSubject(subject, linkname string) Subject {
	var out Subject
	s := subject
	out.IsReply = isReplyRe.MatchString(s)
	if loc := replyMarker.FindStringIndex(s); loc != nil {
		rest := strings.TrimLeftFunc(s[loc[1]:], isPySpace)
		s = " " + rest
	}
	s = normaliseSpace(s)
	for strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			break
		}
		for _, tok := range splitPrefixes(s[1:end]) {
			lt := strings.ToLower(tok)
			if lt == "patch" || (linkname != "" && lt == strings.ToLower(linkname)) {
				continue
			}
			out.Prefixes = append(out.Prefixes, tok)
		}
		s = strings.TrimLeftFunc(s[end+1:], isPySpace)
	}
	s = normaliseSpace(s)
	if len(out.Prefixes) > 0 {
		s = "[" + strings.Join(out.Prefixes, ",") + "] " + s
	}
	out.Name = s
	out.X, out.N, out.HasMarker = seriesMarker(out.Prefixes)
	out.Version = version(out.Prefixes, out.Name)
	return out
}

// splitPrefixes splits a bracket's text into tokens on commas and
// whitespace, keeping Mercurial's "PATCH n of m" together.
func splitPrefixes(p string) []string {
	var out []string
	if m := hgPrefix.FindStringSubmatch(p); m != nil {
		out = append(out, "PATCH", m[1])
		p = m[2]
	}
	return append(out, strings.FieldsFunc(p, func(r rune) bool { return r == ',' || isPySpace(r) })...)
}

func seriesMarker(prefixes []string) (x, n int, ok bool) {
	for _, p := range prefixes {
		if m := markerRe.FindStringSubmatch(p); m != nil {
			x, err1 := strconv.Atoi(m[1])
			n, err2 := strconv.Atoi(m[2])
			if err1 != nil || err2 != nil || x > 1<<30 || n > 1<<30 {
				continue
			}
			return x, n, true
		}
	}
	return 0, 0, false
}

func version(prefixes []string, name string) int {
	for _, p := range prefixes {
		if m := versionPrefix.FindStringSubmatch(p); m != nil {
			if v, err := strconv.Atoi(m[1]); err == nil && v < 1<<30 {
				return v
			}
		}
	}
	if m := versionParen.FindStringSubmatch(name); m != nil {
		if v, err := strconv.Atoi(m[1]); err == nil && v < 1<<30 {
			return v
		}
	}
	return 1
}

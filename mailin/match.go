package mailin

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/patchwork-go/patchwork/store"
)

// findProject picks the project of a mail (spec §4).
func (i *Ingester) findProject(ctx context.Context, m *Mail, listID string) (*store.Project, error) {
	projects, err := i.projects(ctx)
	if err != nil {
		return nil, err
	}
	if listID != "" {
		return i.pickProject(projects, listID, m.RawSubject), nil
	}
	for _, id := range m.ListIDs {
		if p := i.pickProject(projects, id, m.RawSubject); p != nil {
			return p, nil
		}
	}
	return nil, nil
}

// pickProject chooses among the projects of one list id: the first (by
// linkname) whose subject_match matches, else the one without a pattern.
func (i *Ingester) pickProject(projects []store.Project, listID, subject string) *store.Project {
	var def *store.Project
	for k := range projects {
		p := &projects[k]
		if p.ListID != listID {
			continue
		}
		if p.SubjectMatch == "" {
			if def == nil {
				def = p
			}
			continue
		}
		re := i.subjectRe(p)
		if re != nil && re.MatchString(subject) {
			return p
		}
	}
	return def
}

// subjectRe compiles a project's subject_match once. Patterns Go cannot
// compile (back-references, look-around) never match; the project command
// refuses them, this only guards older data.
func (i *Ingester) subjectRe(p *store.Project) *regexp.Regexp {
	i.mu.Lock()
	defer i.mu.Unlock()
	if re, ok := i.subjectRes[p.SubjectMatch]; ok {
		return re
	}
	re, err := CompileSubjectMatch(p.SubjectMatch)
	if err != nil {
		i.log.Warn("project subject_match does not compile", "project", p.LinkName, "err", err)
	}
	i.subjectRes[p.SubjectMatch] = re
	return re
}

// CompileSubjectMatch compiles a project's subject_match the way the parser
// applies it: case-insensitive, multi-line, matching anywhere.
func CompileSubjectMatch(pattern string) (*regexp.Regexp, error) {
	re, err := regexp.Compile("(?im)" + pattern)
	if err != nil {
		return nil, fmt.Errorf("subject match %q: %w", pattern, err)
	}
	return re, nil
}

// filenames lists the files a diff touches for autodelegation (§10).
func filenames(diff string) []string {
	norm := pyStrip(strings.ReplaceAll(diff, "\r", "")) + "\n"
	seen := map[string]bool{}
	var out []string
	for _, line := range strings.Split(norm, "\n") {
		_, p, ok := fileLine(line)
		if !ok || strings.HasPrefix(p, "/dev/null") {
			continue
		}
		if k := strings.IndexByte(p, '/'); k >= 0 {
			p = p[k+1:]
		} else {
			p = ""
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// globRe turns a shell pattern into a regexp the way Python's
// fnmatch.translate does: '*' matches any run including '/'.
func globRe(pat string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch c {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '[':
			j := i + 1
			if j < len(rs) && rs[j] == '!' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				b.WriteString(`\[`)
				continue
			}
			stuff := string(rs[i+1 : j])
			i = j
			neg := strings.HasPrefix(stuff, "!")
			if neg {
				stuff = stuff[1:]
			}
			stuff = strings.ReplaceAll(stuff, `\`, `\\`)
			stuff = strings.ReplaceAll(stuff, `[`, `\[`)
			stuff = strings.ReplaceAll(stuff, `]`, `\]`)
			if neg {
				b.WriteString("[^" + stuff + "]")
			} else if stuff == "" {
				b.WriteString(`[^\x00-\x{10FFFF}]`)
			} else {
				b.WriteString("[" + stuff + "]")
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`$`)
	return regexp.Compile(b.String())
}

// autoDelegate returns the user every touched file delegates to, or 0.
func autoDelegate(rules []store.DelegationRule, res []*regexp.Regexp, diff string) int64 {
	if len(rules) == 0 {
		return 0
	}
	var delegate int64
	for _, f := range filenames(diff) {
		var fileDelegate int64
		for k, r := range rules {
			if res[k] != nil && res[k].MatchString(f) {
				fileDelegate = r.UserID
				break
			}
		}
		if fileDelegate == 0 || (delegate != 0 && delegate != fileDelegate) {
			return 0
		}
		delegate = fileDelegate
	}
	return delegate
}

package query

import (
	"strings"
	"unicode"
)

// String renders the query in canonical form: lower-case keys, values
// quoted only where needed. Parse(q.String()) yields the same terms
// (columns aside).
func (q *Query) String() string {
	if q == nil {
		return ""
	}
	parts := make([]string, len(q.Terms))
	for i, t := range q.Terms {
		parts[i] = t.String()
	}
	return strings.Join(parts, " ")
}

// String renders one term.
func (t Term) String() string {
	var b strings.Builder
	if t.Neg {
		b.WriteByte('-')
	}
	if t.Key == "" {
		b.WriteString(quoteWord(t.Values[0].Text))
		return b.String()
	}
	b.WriteString(t.Key)
	b.WriteByte(':')
	for i, v := range t.Values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quoteIf(v.Text, strings.ContainsAny(v.Text, ",") || hasSpace(v.Text)))
	}
	return b.String()
}

func hasSpace(s string) bool { return strings.IndexFunc(s, unicode.IsSpace) >= 0 }

// quoteWord quotes a name word when it would otherwise read as something
// else: a negation, a key, or several words.
func quoteWord(s string) string {
	need := hasSpace(s) || strings.HasPrefix(s, "-") || strings.Contains(s, ":")
	return quoteIf(s, need)
}

func quoteIf(s string, need bool) string {
	if need {
		return `"` + s + `"`
	}
	return s
}

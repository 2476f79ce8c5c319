package query

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Query is a parsed query: its terms, in the order they were written.
type Query struct {
	Terms []Term
}

// Term is one condition of a query.
type Term struct {
	Col    int     // 1-based column (in characters) where the term starts
	Neg    bool    // written with a leading '-'
	Key    string  // lower-case key ("state", "from"...); "" for a name word
	Values []Value // the comma-separated values; one for a name word
}

// Value is one value of a term with the column where it starts.
type Value struct {
	Text string
	Col  int
}

// Error is a query syntax or resolution error at a column. It unwraps to
// store.ErrInvalid so front ends map it like any other bad input.
type Error struct {
	Col int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("col %d: %s", e.Col, e.Msg) }

func errAt(col int, format string, args ...any) *Error {
	return &Error{Col: col, Msg: fmt.Sprintf(format, args...)}
}

// keys lists every key the language knows, with the help shown on a typo.
var keys = map[string]bool{
	"state": true, "from": true, "delegate": true, "series": true, "id": true,
	"is": true, "has": true, "check": true, "file": true, "date": true,
	"hash": true, "msgid": true, "project": true,
}

const keyList = "state, from, delegate, series, id, is, has, check, file, date, hash, msgid, project"

// Empty reports whether the query has no terms (matches everything).
func (q *Query) Empty() bool { return q == nil || len(q.Terms) == 0 }

// Parse parses a query. It checks the syntax and every value that needs no
// database (dates, numbers, is:, check:); names of states, tags, users and
// projects are checked by Conds.
func Parse(s string) (*Query, error) {
	if !utf8.ValidString(s) {
		return nil, &Error{Col: 1, Msg: "query is not valid UTF-8"}
	}
	sc := scanner{src: []rune(s)}
	q := &Query{}
	for {
		sc.skipSpace()
		if sc.done() {
			return q, nil
		}
		t, err := sc.term()
		if err != nil {
			return nil, err
		}
		if err := check(t); err != nil {
			return nil, err
		}
		q.Terms = append(q.Terms, t)
	}
}

// scanner walks the query rune by rune so that columns count characters.
type scanner struct {
	src []rune
	pos int // index into src; the column is pos+1
}

func (sc *scanner) done() bool { return sc.pos >= len(sc.src) }
func (sc *scanner) col() int   { return sc.pos + 1 }

func (sc *scanner) skipSpace() {
	for !sc.done() && unicode.IsSpace(sc.src[sc.pos]) {
		sc.pos++
	}
}

func (sc *scanner) term() (Term, error) {
	t := Term{Col: sc.col()}
	if sc.src[sc.pos] == '-' {
		sc.pos++
		if sc.done() || unicode.IsSpace(sc.src[sc.pos]) {
			return t, errAt(t.Col, "'-' must be followed by a term to negate")
		}
		t.Neg = true
	}
	// A key is a run of letters and '-' followed by ':', before any quote.
	start := sc.pos
	end := start
	for end < len(sc.src) && (unicode.IsLetter(sc.src[end]) || sc.src[end] == '-') {
		end++
	}
	if end > start && end < len(sc.src) && sc.src[end] == ':' {
		key := strings.ToLower(string(sc.src[start:end]))
		if !keys[key] {
			return t, errAt(start+1, "unknown key %q (keys: %s; quote a word to search for it: \"%s:\")",
				key, keyList, string(sc.src[start:end]))
		}
		t.Key = key
		sc.pos = end + 1
		vals, err := sc.values(true)
		if err != nil {
			return t, err
		}
		if len(vals) == 0 {
			return t, errAt(end+2, "%s: needs a value", key)
		}
		t.Values = vals
		return t, nil
	}
	vals, err := sc.values(false)
	if err != nil {
		return t, err
	}
	if len(vals) == 0 || vals[0].Text == "" {
		return t, errAt(t.Col, "empty search phrase")
	}
	t.Values = vals
	return t, nil
}

// values reads up to the next unquoted space. With split, unquoted commas
// separate values; quotes are removed and protect spaces and commas.
func (sc *scanner) values(split bool) ([]Value, error) {
	var (
		out    []Value
		b      strings.Builder
		col    = sc.col()
		quoted = false
		qcol   = 0
		seen   = false // something (even "") was written for this value
	)
	flush := func() error {
		if b.Len() == 0 && split {
			return errAt(col, "empty value")
		}
		out = append(out, Value{Text: b.String(), Col: col})
		b.Reset()
		return nil
	}
	for !sc.done() {
		r := sc.src[sc.pos]
		switch {
		case r == '"':
			quoted = !quoted
			qcol = sc.col()
			seen = true
		case quoted:
			b.WriteRune(r)
		case unicode.IsSpace(r):
			goto end
		case split && r == ',':
			if err := flush(); err != nil {
				return nil, err
			}
			sc.pos++
			col = sc.col()
			seen = false
			continue
		default:
			b.WriteRune(r)
			seen = true
		}
		sc.pos++
	}
end:
	if quoted {
		return nil, errAt(qcol, "unterminated quote")
	}
	if seen || b.Len() > 0 || len(out) > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

package query

import (
	"errors"
	"reflect"
	"testing"

	"github.com/patchwork-go/patchwork/store"
)

func TestParse(t *testing.T) {
	v := func(text string, col int) Value { return Value{Text: text, Col: col} }
	tests := []struct {
		in   string
		want []Term
	}{
		{"", nil},
		{"   ", nil},
		{"fix", []Term{{Col: 1, Values: []Value{v("fix", 1)}}}},
		{"fix  leak", []Term{
			{Col: 1, Values: []Value{v("fix", 1)}},
			{Col: 6, Values: []Value{v("leak", 6)}},
		}},
		{`"use after free"`, []Term{{Col: 1, Values: []Value{v("use after free", 1)}}}},
		{`-wip`, []Term{{Col: 1, Neg: true, Values: []Value{v("wip", 2)}}}},
		{`-"do not merge"`, []Term{{Col: 1, Neg: true, Values: []Value{v("do not merge", 2)}}}},
		{`"net: fix"`, []Term{{Col: 1, Values: []Value{v("net: fix", 1)}}}},
		{"a1:b", []Term{{Col: 1, Values: []Value{v("a1:b", 1)}}}},
		{"state:new,under-review", []Term{{Col: 1, Key: "state", Values: []Value{v("new", 7), v("under-review", 11)}}}},
		{"STATE:New", []Term{{Col: 1, Key: "state", Values: []Value{v("New", 7)}}}},
		{"-state:accepted", []Term{{Col: 1, Neg: true, Key: "state", Values: []Value{v("accepted", 8)}}}},
		{`from:"Doe, Jane"`, []Term{{Col: 1, Key: "from", Values: []Value{v("Doe, Jane", 6)}}}},
		{`state:"under review"`, []Term{{Col: 1, Key: "state", Values: []Value{v("under review", 7)}}}},
		{"delegate:me", []Term{{Col: 1, Key: "delegate", Values: []Value{v("me", 10)}}}},
		{"series:123", []Term{{Col: 1, Key: "series", Values: []Value{v("123", 8)}}}},
		{"id:#4,5", []Term{{Col: 1, Key: "id", Values: []Value{v("#4", 4), v("5", 7)}}}},
		{"is:archived is:pull", []Term{
			{Col: 1, Key: "is", Values: []Value{v("archived", 4)}},
			{Col: 13, Key: "is", Values: []Value{v("pull", 16)}},
		}},
		{"has:reviewed-by", []Term{{Col: 1, Key: "has", Values: []Value{v("reviewed-by", 5)}}}},
		{"check:fail", []Term{{Col: 1, Key: "check", Values: []Value{v("fail", 7)}}}},
		{"file:src/unix/*.c", []Term{{Col: 1, Key: "file", Values: []Value{v("src/unix/*.c", 6)}}}},
		{"date:>=2026-01-01", []Term{{Col: 1, Key: "date", Values: []Value{v(">=2026-01-01", 6)}}}},
		{"é state:new", []Term{
			{Col: 1, Values: []Value{v("é", 1)}},
			{Col: 3, Key: "state", Values: []Value{v("new", 9)}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(q.Terms, tt.want) {
				t.Errorf("Parse(%q) =\n%+v\nwant\n%+v", tt.in, q.Terms, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"-", "col 1: '-' must be followed by a term to negate"},
		{"fix - leak", "col 5: '-' must be followed by a term to negate"},
		{`"open`, "col 1: unterminated quote"},
		{`from:"Jane`, "col 6: unterminated quote"},
		{`""`, "col 1: empty search phrase"},
		{"state:", "col 7: state: needs a value"},
		{"state: new", "col 7: state: needs a value"},
		{"state:new,", "col 11: empty value"},
		{"state:,new", "col 7: empty value"},
		{"net: fix", `col 1: unknown key "net" (keys: ` + keyList + `; quote a word to search for it: "net:")`},
		{"-stat:new", `col 2: unknown key "stat" (keys: ` + keyList + `; quote a word to search for it: "stat:")`},
		{"is:archive", `col 4: unknown is: value "archive" (want ` + isList + `)`},
		{"check:red", `col 7: unknown check state "red" (want pending, success, warning, fail)`},
		{"series:abc", `col 8: series: "abc" is not a positive number`},
		{"id:1,0", `col 6: id: "0" is not a positive number`},
		{"date:2026-13-01", `col 6: bad date "2026-13-01" (want YYYY-MM-DD, optionally after >, >=, <, <=, =)`},
		{"date:>=", "col 8: date: needs a date after the operator (YYYY-MM-DD)"},
		{"date:>x", `col 7: bad date "x" (want YYYY-MM-DD, optionally after >, >=, <, <=, =)`},
		{"date:2026-01-01,2026-02-01", "col 16: date: takes one date, not a list"},
		{"\xff", "col 1: query is not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want %q", tt.in, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse(%q) error\n got %q\nwant %q", tt.in, err, tt.want)
			}
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("error %v does not wrap store.ErrInvalid", err)
			}
		})
	}
}

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{`STATE:New,"under review"  -wip`, `state:New,"under review" -wip`},
		{`"net: fix" "-x"`, `"net: fix" "-x"`},
		{`from:"Doe, Jane"`, `from:"Doe, Jane"`},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := q.String(); got != tt.want {
			t.Errorf("String(Parse(%q)) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzParse checks that Parse never panics, that errors carry a column
// inside the input, and that the canonical form parses to the same terms.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "fix", `"a b" -c`, "state:new,under-review from:x@y", "date:>=2026-01-01",
		`from:"Doe, Jane"`, "-", `"`, "is:pull -is:archived", "has:acked-by check:fail file:a/*",
		"series:1,2 id:#3", "é:ü", "delegate:me,none",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("Parse(%q): error %v is not a *query.Error", s, err)
			}
			if n := len([]rune(s)); qe.Col < 1 || qe.Col > n+1 {
				t.Fatalf("Parse(%q): column %d outside 1..%d", s, qe.Col, n+1)
			}
			return
		}
		again, err := Parse(q.String())
		if err != nil {
			t.Fatalf("Parse(String(Parse(%q))) = Parse(%q): %v", s, q.String(), err)
		}
		if a, b := strip(q.Terms), strip(again.Terms); !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip of %q via %q:\n%+v\n%+v", s, q.String(), a, b)
		}
	})
}

// strip drops columns, which change when the query is re-rendered.
func strip(ts []Term) []Term {
	out := make([]Term, len(ts))
	for i, t := range ts {
		t.Col = 0
		vs := make([]Value, len(t.Values))
		for j, v := range t.Values {
			vs[j] = Value{Text: v.Text}
		}
		t.Values = vs
		out[i] = t
	}
	return out
}

package rest

import (
	"bytes"
	"strconv"
	"time"
	"unicode/utf8"
)

// obj is a JSON object that keeps its keys in insertion order: the spec
// fixes the emitted key order, and versioned fields are simply not added.
type obj []field

type field struct {
	k string
	v any
}

// rawJSON is a value encoded already: objects repeated on every row of a
// list (the project) are encoded once per request.
type rawJSON []byte

// add appends a key; it returns the object so builders can chain.
func (o obj) add(k string, v any) obj { return append(o, field{k, v}) }

// nullStr is nil for "" (JSON null) and the string otherwise.
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// givenStr is a nullable text column: null unless given (then possibly "").
func givenStr(s string, given bool) any {
	if !given && s == "" {
		return nil
	}
	return s
}

// jsonDate formats a time the way upstream's serializers do: UTC, no zone,
// microseconds only when non-zero.
func jsonDate(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 != 0 {
		return t.Format("2006-01-02T15:04:05.000000")
	}
	return t.Format("2006-01-02T15:04:05")
}

// encode writes v as JSON. It handles the value kinds the handlers build
// (obj, slices, strings, numbers, booleans, nil) without reflection and
// without HTML escaping: non-ASCII and '<' '>' are written raw.
func encode(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case rawJSON:
		b.Write(x)
	case obj:
		b.WriteByte('{')
		for i, f := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			encodeString(b, f.k)
			b.WriteString(": ")
			encode(b, f.v)
		}
		b.WriteByte('}')
	case []obj:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			encode(b, e)
		}
		b.WriteByte(']')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			encode(b, e)
		}
		b.WriteByte(']')
	case []string:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			encodeString(b, e)
		}
		b.WriteByte(']')
	case string:
		encodeString(b, x)
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case *bool:
		if x == nil {
			b.WriteString("null")
		} else {
			encode(b, *x)
		}
	default:
		// A programming error; keep the output valid JSON.
		b.WriteString("null")
	}
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes written as they are.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != 0x7f
	}
	return t
}()

func encodeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	// Runs of bytes that need no escape are copied at once: mail text is
	// mostly such runs, and this is most of a list response's cost.
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf && jsonSafe[c] {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError && r != '\u2028' && r != '\u2029' {
				i += size
				continue
			}
			b.WriteString(s[start:i])
			if r == utf8.RuneError && size == 1 {
				b.WriteString(`\ufffd`)
			} else if r == utf8.RuneError {
				b.WriteString(s[i : i+size]) // a literal U+FFFD
			} else {
				// Valid JSON, but not valid JavaScript; escape like encoding/json.
				b.WriteString(`\u202`)
				b.WriteByte(hexDigits[r&0xf])
			}
			i += size
			start = i
			continue
		}
		b.WriteString(s[start:i])
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

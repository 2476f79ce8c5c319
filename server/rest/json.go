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

// add appends a key; it returns the object so builders can chain.
func (o obj) add(k string, v any) obj { return append(o, field{k, v}) }

// nullStr is nil for "" (JSON null) and the string otherwise.
func nullStr(s string) any {
	if s == "" {
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

func encodeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
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
			case c < 0x20 || c == 0x7f:
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xf])
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but not valid JavaScript; escape like encoding/json.
			b.WriteString(`\u202`)
			b.WriteByte(hexDigits[r&0xf])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}

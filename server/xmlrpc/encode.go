package xmlrpc

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The encoder reproduces Python's xmlrpc.client marshaller byte for byte
// (spec §1.2), so answers can be compared with upstream's golden files.

const (
	responseHead = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"
	responseTail = "</param>\n</params>\n</methodResponse>\n"
)

// EncodeResponse writes a methodResponse carrying v. It fails on values
// XML-RPC cannot carry without extensions (nil above all: upstream marshals
// without allow_none, so a null is a bug in the caller).
func EncodeResponse(buf *bytes.Buffer, v any) error {
	buf.WriteString(responseHead)
	if err := encodeValue(buf, v, 0); err != nil {
		return err
	}
	buf.WriteString(responseTail)
	return nil
}

// EncodeFault writes a fault response.
func EncodeFault(buf *bytes.Buffer, code int, msg string) {
	buf.WriteString("<?xml version='1.0'?>\n<methodResponse>\n<fault>\n")
	_ = encodeValue(buf, Struct{{"faultCode", code}, {"faultString", msg}}, 0)
	buf.WriteString("</fault>\n</methodResponse>\n")
}

// maxEncodeDepth stops runaway recursion on a self-referencing value.
const maxEncodeDepth = 100

func encodeValue(buf *bytes.Buffer, v any, depth int) error {
	if depth > maxEncodeDepth {
		return fmt.Errorf("xmlrpc: value nested deeper than %d", maxEncodeDepth)
	}
	switch t := v.(type) {
	case int:
		writeInt(buf, int64(t))
	case int32:
		writeInt(buf, int64(t))
	case int64:
		writeInt(buf, t)
	case bool:
		if t {
			buf.WriteString("<value><boolean>1</boolean></value>\n")
		} else {
			buf.WriteString("<value><boolean>0</boolean></value>\n")
		}
	case string:
		buf.WriteString("<value><string>")
		writeEscaped(buf, t)
		buf.WriteString("</string></value>\n")
	case Binary:
		writeBinary(buf, t)
	case float64:
		buf.WriteString("<value><double>")
		buf.WriteString(pyFloat(t))
		buf.WriteString("</double></value>\n")
	case DateTime:
		buf.WriteString("<value><dateTime.iso8601>")
		if !t.Time.IsZero() {
			buf.WriteString(t.Time.UTC().Format("20060102T15:04:05"))
		} else {
			writeEscaped(buf, t.Text)
		}
		buf.WriteString("</dateTime.iso8601></value>\n")
	case time.Time:
		buf.WriteString("<value><dateTime.iso8601>")
		buf.WriteString(t.UTC().Format("20060102T15:04:05"))
		buf.WriteString("</dateTime.iso8601></value>\n")
	case Struct:
		buf.WriteString("<value><struct>\n")
		for _, m := range t {
			buf.WriteString("<member>\n<name>")
			writeEscaped(buf, m.Name)
			buf.WriteString("</name>\n")
			if err := encodeValue(buf, m.Value, depth+1); err != nil {
				return fmt.Errorf("member %q: %w", m.Name, err)
			}
			buf.WriteString("</member>\n")
		}
		buf.WriteString("</struct></value>\n")
	case []Struct:
		buf.WriteString("<value><array><data>\n")
		for _, e := range t {
			if err := encodeValue(buf, e, depth+1); err != nil {
				return err
			}
		}
		buf.WriteString("</data></array></value>\n")
	case []any:
		buf.WriteString("<value><array><data>\n")
		for _, e := range t {
			if err := encodeValue(buf, e, depth+1); err != nil {
				return err
			}
		}
		buf.WriteString("</data></array></value>\n")
	case nil:
		return fmt.Errorf("xmlrpc: cannot marshal None unless allow_none is enabled")
	default:
		return fmt.Errorf("xmlrpc: cannot marshal %T objects", v)
	}
	return nil
}

func writeInt(buf *bytes.Buffer, n int64) {
	var tmp [24]byte
	buf.WriteString("<value><int>")
	buf.Write(strconv.AppendInt(tmp[:0], n, 10))
	buf.WriteString("</int></value>\n")
}

// writeEscaped escapes exactly what Python's xmlrpc.client.escape does:
// '&', '<' and '>'. Everything else, non-ASCII included, is written raw.
func writeEscaped(buf *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case '&':
			rep = "&amp;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		default:
			continue
		}
		buf.WriteString(s[last:i])
		buf.WriteString(rep)
		last = i + 1
	}
	buf.WriteString(s[last:])
}

// writeBinary writes base64 in lines of at most 76 characters, each ending
// in '\n', as Python's base64.encodebytes does.
func writeBinary(buf *bytes.Buffer, b []byte) {
	buf.WriteString("<value><base64>\n")
	enc := base64.StdEncoding
	const lineBytes = 57 // 57 input bytes = 76 output characters
	var line [76]byte
	for len(b) > 0 {
		n := min(len(b), lineBytes)
		enc.Encode(line[:], b[:n])
		buf.Write(line[:enc.EncodedLen(n)])
		buf.WriteByte('\n')
		b = b[n:]
	}
	buf.WriteString("</base64></value>\n")
}

// pyFloat formats like Python's repr(float).
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if e := strings.IndexByte(s, 'e'); e >= 0 {
		// Python writes 1e+20 and 1e-07: at least two exponent digits.
		mant, exp := s[:e], s[e+1:]
		sign := exp[0]
		digits := exp[1:]
		if len(digits) < 2 {
			digits = "0" + digits
		}
		return mant + "e" + string(sign) + digits
	}
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

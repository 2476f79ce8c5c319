package xmlrpc

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the request decoder: it must never
// panic, and whatever it accepts must survive an encode/decode round trip.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "requests", "*.xml"))
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "aaaa">]><methodCall><methodName>&a;</methodName></methodCall>`))
	f.Add([]byte("<methodCall><methodName>m</methodName><params><param><value><array><data><value><struct><member><name>a</name><value><array><data></data></array></value></member></struct></value></data></array></value></param></params></methodCall>"))
	lim := Limits{MaxBytes: 64 << 10, MaxDepth: 32, MaxElements: 5000}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeCall(bytes.NewReader(data), lim)
		if err != nil {
			if _, ok := err.(*DecodeError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if !roundTrippable(c.Params) {
			return
		}
		var buf bytes.Buffer
		buf.WriteString("<?xml version='1.0'?>\n<methodCall>\n<methodName>")
		writeEscaped(&buf, c.Method)
		buf.WriteString("</methodName>\n<params>\n")
		for _, p := range c.Params {
			buf.WriteString("<param>\n")
			if err := encodeValue(&buf, p, 0); err != nil {
				t.Fatalf("encode %#v: %v", p, err)
			}
			buf.WriteString("</param>\n")
		}
		buf.WriteString("</params>\n</methodCall>\n")
		c2, err := DecodeCall(bytes.NewReader(buf.Bytes()), Limits{MaxBytes: 1 << 30, MaxDepth: 1000, MaxElements: 1 << 30})
		if err != nil {
			t.Fatalf("re-decode of %q: %v", buf.String(), err)
		}
		if c2.Method != c.Method || !reflect.DeepEqual(c2.Params, c.Params) {
			t.Fatalf("round trip:\n got %#v\nwant %#v", c2, c)
		}
	})
}

// roundTrippable excludes what the encoder rightly refuses or rewrites:
// nil (no allow_none in answers), NaN (not equal to itself), dates (the
// text form is normalised), and strings with carriage returns or invalid
// characters that XML parsing normalises.
func roundTrippable(v any) bool {
	switch t := v.(type) {
	case nil, DateTime:
		return false
	case float64:
		return !math.IsNaN(t) && !math.IsInf(t, 0)
	case string:
		return xmlSafe(t)
	case []any:
		for _, e := range t {
			if !roundTrippable(e) {
				return false
			}
		}
	case Struct:
		for _, m := range t {
			if !xmlSafe(m.Name) || !roundTrippable(m.Value) {
				return false
			}
		}
	}
	return true
}

func xmlSafe(s string) bool {
	for _, r := range s {
		if r == '\r' || (r < 0x20 && r != '\t' && r != '\n') || r == 0xFFFD {
			return false
		}
	}
	return true
}

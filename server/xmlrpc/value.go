// Package xmlrpc serves upstream Patchwork's XML-RPC API (version 1.3.0) at
// /xmlrpc/ for pwclient and scripts: a small XML-RPC codec of our own on
// encoding/xml and the method table of the spec (shared/spec/xmlrpc.md).
package xmlrpc

import "time"

// Values travel between the codec and the methods as plain Go values:
//
//	<int>, <i4>, <i8>, ...      int64
//	<boolean>                   bool
//	<string>, bare text         string
//	<double>                    float64
//	<base64>                    Binary
//	<dateTime.iso8601>          DateTime
//	<struct>                    Struct (member order kept)
//	<array>                     []any
//	<nil/>                      nil
//
// The encoder also accepts int, int32 and []Member-free helpers listed in
// encode.go.

// Binary is a <base64> value. Upstream sends several strings as Python
// bytes, which the marshaller writes as <base64>; pwclient depends on it.
type Binary []byte

// DateTime is a <dateTime.iso8601> value, kept as the text that was sent
// (Python's DateTime does the same) plus its parsed form when it parses.
type DateTime struct {
	Text string
	Time time.Time // zero when Text is not a date Python would accept
}

// Member is one struct member.
type Member struct {
	Name  string
	Value any
}

// Struct is an XML-RPC struct with its members in wire order, which is the
// order Python's dict (and so upstream) emits.
type Struct []Member

// Get returns the value of the last member called name (Python's dict keeps
// the last duplicate), and whether there is one.
func (s Struct) Get(name string) (any, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i].Name == name {
			return s[i].Value, true
		}
	}
	return nil, false
}

// Keys returns the distinct member names in first-seen order, as a Python
// dict built from the wire would iterate them.
func (s Struct) Keys() []string {
	seen := make(map[string]bool, len(s))
	keys := make([]string, 0, len(s))
	for _, m := range s {
		if !seen[m.Name] {
			seen[m.Name] = true
			keys = append(keys, m.Name)
		}
	}
	return keys
}

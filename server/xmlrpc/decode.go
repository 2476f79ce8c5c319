package xmlrpc

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Call is a decoded methodCall.
type Call struct {
	Method string
	Params []any
}

// Limits bound what one request may cost to decode. Zero members take the
// defaults of DefaultLimits.
type Limits struct {
	MaxBytes    int64 // body size
	MaxDepth    int   // element nesting
	MaxElements int   // elements in the whole document
}

// DefaultLimits are generous for every real call (pwclient's largest request
// is a patch_list filter of a few members) and cheap for the server.
var DefaultLimits = Limits{MaxBytes: 1 << 20, MaxDepth: 64, MaxElements: 100_000}

// DecodeError is a request the decoder refuses. Class is the Python
// exception class upstream would report, so that faults read the same.
type DecodeError struct {
	Class string
	Msg   string
}

func (e *DecodeError) Error() string { return e.Class + ": " + e.Msg }

const (
	classExpat    = "xml.parsers.expat.ExpatError"
	classResponse = "xmlrpc.client.ResponseError"
	classValue    = "ValueError"
	classType     = "TypeError"
	classBinascii = "binascii.Error"
)

func expatErr(format string, a ...any) error {
	return &DecodeError{Class: classExpat, Msg: fmt.Sprintf(format, a...)}
}

// ErrTooLarge is returned (wrapped in a DecodeError message) when the body
// exceeds Limits.MaxBytes.
var ErrTooLarge = errors.New("request body too large")

// limitedReader fails, instead of truncating, once more than n bytes are read.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// One byte more than allowed tells "exactly at the limit" apart.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			return 0, ErrTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// decoder walks the token stream of one request.
type decoder struct {
	x        *xml.Decoder
	lim      Limits
	depth    int
	elements int
}

// DecodeCall parses an XML-RPC methodCall within the limits. Every failure
// is a *DecodeError (never a panic), ready to become a fault.
func DecodeCall(r io.Reader, lim Limits) (*Call, error) {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = DefaultLimits.MaxBytes
	}
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = DefaultLimits.MaxDepth
	}
	if lim.MaxElements <= 0 {
		lim.MaxElements = DefaultLimits.MaxElements
	}
	x := xml.NewDecoder(&limitedReader{r: r, n: lim.MaxBytes})
	x.Strict = true
	x.CharsetReader = charsetReader
	d := &decoder{x: x, lim: lim}
	c, err := d.call()
	if err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			return nil, de
		}
		return nil, &DecodeError{Class: classExpat, Msg: err.Error()}
	}
	return c, nil
}

// next returns the next significant token: comments and processing
// instructions are skipped, a DOCTYPE is refused (no entity games), and the
// nesting and element limits are enforced.
func (d *decoder) next() (xml.Token, error) {
	for {
		tok, err := d.x.Token()
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return nil, &DecodeError{Class: classExpat, Msg: fmt.Sprintf("request body larger than %d bytes", d.lim.MaxBytes)}
			}
			if err == io.EOF {
				return nil, expatErr("no element found: line %d", d.line())
			}
			return nil, expatErr("%s", strings.TrimPrefix(err.Error(), "XML syntax error "))
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst:
			continue
		case xml.Directive:
			return nil, expatErr("DOCTYPE and other declarations are not accepted: line %d", d.line())
		case xml.StartElement:
			d.elements++
			d.depth++
			if d.elements > d.lim.MaxElements {
				return nil, expatErr("more than %d elements", d.lim.MaxElements)
			}
			if d.depth > d.lim.MaxDepth {
				return nil, expatErr("elements nested deeper than %d", d.lim.MaxDepth)
			}
			return t, nil
		case xml.EndElement:
			d.depth--
			return t, nil
		case xml.CharData:
			return t, nil
		}
	}
}

func (d *decoder) line() int {
	line, _ := d.x.InputPos()
	return line
}

// call parses the document: <methodCall><methodName/><params/></methodCall>.
func (d *decoder) call() (*Call, error) {
	var root xml.StartElement
	for {
		tok, err := d.next()
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = se
			break
		}
		if cd, ok := tok.(xml.CharData); !ok || len(strings.TrimSpace(string(cd))) != 0 {
			return nil, expatErr("syntax error: line %d", d.line())
		}
	}
	if root.Name.Local != "methodCall" {
		return nil, &DecodeError{Class: classResponse, Msg: fmt.Sprintf("unknown tag %q", root.Name.Local)}
	}
	c := &Call{Params: []any{}}
	seenName := false
	for {
		tok, err := d.nextNonSpace()
		if err != nil {
			return nil, err
		}
		if _, ok := tok.(xml.EndElement); ok {
			break
		}
		se := tok.(xml.StartElement)
		switch se.Name.Local {
		case "methodName":
			if c.Method, err = d.text(); err != nil {
				return nil, err
			}
			seenName = true
		case "params":
			if c.Params, err = d.params(); err != nil {
				return nil, err
			}
		default:
			return nil, &DecodeError{Class: classResponse, Msg: fmt.Sprintf("unknown tag %q", se.Name.Local)}
		}
	}
	// Nothing but comments and space may follow the root element.
	for {
		tok, err := d.x.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, expatErr("%s", err.Error())
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(strings.TrimSpace(string(t))) != 0 {
				return nil, expatErr("junk after document element: line %d", d.line())
			}
		case xml.Comment, xml.ProcInst:
		default:
			return nil, expatErr("junk after document element: line %d", d.line())
		}
	}
	if !seenName {
		return nil, &DecodeError{Class: classResponse, Msg: "missing methodName"}
	}
	return c, nil
}

// startSkippingSpace returns the first start element, skipping space.
func (d *decoder) startSkippingSpace() (xml.StartElement, error) {
	tok, err := d.nextNonSpace()
	if err != nil {
		return xml.StartElement{}, err
	}
	se, ok := tok.(xml.StartElement)
	if !ok {
		return xml.StartElement{}, expatErr("syntax error: line %d", d.line())
	}
	return se, nil
}

// nextNonSpace returns the next start or end element; character data
// between elements must be white space.
func (d *decoder) nextNonSpace() (xml.Token, error) {
	for {
		tok, err := d.next()
		if err != nil {
			return nil, err
		}
		if cd, ok := tok.(xml.CharData); ok {
			if len(strings.TrimSpace(string(cd))) != 0 {
				return nil, &DecodeError{Class: classResponse, Msg: fmt.Sprintf("unexpected text %q", truncate(string(cd), 40))}
			}
			continue
		}
		return tok, nil
	}
}

// text reads the character data of a leaf element up to its end tag.
func (d *decoder) text() (string, error) {
	var b strings.Builder
	for {
		tok, err := d.next()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.EndElement:
			return b.String(), nil
		case xml.StartElement:
			return "", &DecodeError{Class: classResponse, Msg: fmt.Sprintf("unexpected tag %q", t.Name.Local)}
		}
	}
}

// params reads <param><value/></param>... up to </params>.
func (d *decoder) params() ([]any, error) {
	params := []any{}
	for {
		tok, err := d.nextNonSpace()
		if err != nil {
			return nil, err
		}
		if _, ok := tok.(xml.EndElement); ok {
			return params, nil
		}
		se := tok.(xml.StartElement)
		if se.Name.Local != "param" {
			return nil, &DecodeError{Class: classResponse, Msg: fmt.Sprintf("unknown tag %q", se.Name.Local)}
		}
		v, err := d.valueIn("param")
		if err != nil {
			return nil, err
		}
		params = append(params, v)
	}
}

// valueIn reads exactly one <value> inside an element whose start was just
// read, then that element's end.
func (d *decoder) valueIn(parent string) (any, error) {
	se, err := d.startSkippingSpace()
	if err != nil {
		return nil, err
	}
	if se.Name.Local != "value" {
		return nil, &DecodeError{Class: classResponse, Msg: fmt.Sprintf("unknown tag %q in %s", se.Name.Local, parent)}
	}
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	tok, err := d.nextNonSpace()
	if err != nil {
		return nil, err
	}
	if _, ok := tok.(xml.EndElement); !ok {
		return nil, &DecodeError{Class: classResponse, Msg: fmt.Sprintf("more than one value in %s", parent)}
	}
	return v, nil
}

// value reads the content of a <value> element (its start already read) up
// to and including </value>. Bare text is a string.
func (d *decoder) value() (any, error) {
	var text strings.Builder
	var v any
	typed := false
	for {
		tok, err := d.next()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if !typed {
				text.Write(t)
			} else if len(strings.TrimSpace(string(t))) != 0 {
				return nil, &DecodeError{Class: classResponse, Msg: "text after a typed value"}
			}
		case xml.StartElement:
			if typed {
				return nil, &DecodeError{Class: classResponse, Msg: "more than one type in a value"}
			}
			if strings.TrimSpace(text.String()) != "" {
				return nil, &DecodeError{Class: classResponse, Msg: "text before a typed value"}
			}
			if v, err = d.typed(t.Name.Local); err != nil {
				return nil, err
			}
			typed = true
		case xml.EndElement:
			if !typed {
				return text.String(), nil
			}
			return v, nil
		}
	}
}

// typed reads one typed element (start already read) through its end.
func (d *decoder) typed(tag string) (any, error) {
	switch tag {
	case "struct":
		return d.structValue()
	case "array":
		return d.array()
	case "nil":
		s, err := d.text()
		if err != nil {
			return nil, err
		}
		if s != "" {
			return nil, &DecodeError{Class: classResponse, Msg: "bad nil value"}
		}
		return nil, nil
	}
	s, err := d.text()
	if err != nil {
		return nil, err
	}
	switch tag {
	case "int", "i1", "i2", "i4", "i8", "bigint":
		return parseInt(s)
	case "boolean":
		switch s {
		case "0":
			return false, nil
		case "1":
			return true, nil
		}
		return nil, &DecodeError{Class: classType, Msg: "bad boolean value"}
	case "string":
		return s, nil
	case "double", "float", "bigdecimal":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, &DecodeError{Class: classValue, Msg: fmt.Sprintf("could not convert string to float: %s", pyRepr(s))}
		}
		return f, nil
	case "base64":
		b, err := decodeBase64(s)
		if err != nil {
			return nil, err
		}
		return b, nil
	case "dateTime.iso8601":
		return DateTime{Text: s, Time: parseISO8601(s)}, nil
	}
	return nil, &DecodeError{Class: classResponse, Msg: fmt.Sprintf("unknown tag %q", tag)}
}

// structValue reads <member><name/><value/></member>... up to </struct>.
func (d *decoder) structValue() (Struct, error) {
	s := Struct{}
	for {
		tok, err := d.nextNonSpace()
		if err != nil {
			return nil, err
		}
		if _, ok := tok.(xml.EndElement); ok {
			return s, nil
		}
		se := tok.(xml.StartElement)
		if se.Name.Local != "member" {
			return nil, &DecodeError{Class: classResponse, Msg: fmt.Sprintf("unknown tag %q in struct", se.Name.Local)}
		}
		m, err := d.member()
		if err != nil {
			return nil, err
		}
		s = append(s, m)
	}
}

// member reads a <name> and a <value> in either order, then </member>.
func (d *decoder) member() (Member, error) {
	var m Member
	var haveName, haveValue bool
	for {
		tok, err := d.nextNonSpace()
		if err != nil {
			return m, err
		}
		if _, ok := tok.(xml.EndElement); ok {
			if !haveName || !haveValue {
				return m, &DecodeError{Class: classResponse, Msg: "struct member without name or value"}
			}
			return m, nil
		}
		se := tok.(xml.StartElement)
		switch {
		case se.Name.Local == "name" && !haveName:
			if m.Name, err = d.text(); err != nil {
				return m, err
			}
			haveName = true
		case se.Name.Local == "value" && !haveValue:
			if m.Value, err = d.value(); err != nil {
				return m, err
			}
			haveValue = true
		default:
			return m, &DecodeError{Class: classResponse, Msg: fmt.Sprintf("unexpected tag %q in member", se.Name.Local)}
		}
	}
}

// array reads <data><value/>...</data> up to </array>. Values directly in
// <array> are accepted too, as Python's parser does.
func (d *decoder) array() ([]any, error) {
	out := []any{}
	for {
		tok, err := d.nextNonSpace()
		if err != nil {
			return nil, err
		}
		if _, ok := tok.(xml.EndElement); ok {
			return out, nil
		}
		se := tok.(xml.StartElement)
		switch se.Name.Local {
		case "data":
			for {
				tok, err := d.nextNonSpace()
				if err != nil {
					return nil, err
				}
				if _, ok := tok.(xml.EndElement); ok {
					break
				}
				se := tok.(xml.StartElement)
				if se.Name.Local != "value" {
					return nil, &DecodeError{Class: classResponse, Msg: fmt.Sprintf("unknown tag %q in array", se.Name.Local)}
				}
				v, err := d.value()
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
		case "value":
			v, err := d.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		default:
			return nil, &DecodeError{Class: classResponse, Msg: fmt.Sprintf("unknown tag %q in array", se.Name.Local)}
		}
	}
}

// parseInt reads an integer the way Python's int() does for the common
// forms: surrounding space, a sign, '_' between digits.
func parseInt(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if strings.Contains(t, "_") && !strings.Contains(t, "__") && !strings.HasPrefix(strings.TrimLeft(t, "+-"), "_") && !strings.HasSuffix(t, "_") {
		t = strings.ReplaceAll(t, "_", "")
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return 0, &DecodeError{Class: "OverflowError", Msg: "int exceeds 64 bits"}
		}
		return 0, &DecodeError{Class: classValue, Msg: fmt.Sprintf("invalid literal for int() with base 10: %s", pyRepr(s))}
	}
	return n, nil
}

// decodeBase64 is lenient like Python's base64.decodebytes: white space
// anywhere, padding optional.
func decodeBase64(s string) (Binary, error) {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r':
			return -1
		}
		return r
	}, s)
	b, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "="))
	}
	if err != nil {
		return nil, &DecodeError{Class: classBinascii, Msg: "Incorrect padding"}
	}
	return Binary(b), nil
}

// parseISO8601 accepts the forms XML-RPC clients send; zero when none fits.
func parseISO8601(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{
		"20060102T15:04:05", "20060102T150405", "2006-01-02T15:04:05",
		"20060102T15:04:05Z07:00", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999Z07:00",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// pyRepr quotes a string roughly as Python's repr does, for fault texts.
func pyRepr(s string) string {
	s = truncate(s, 80)
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

package mailin

import (
	"bytes"
	"strings"
)

// This file reads the structure of a message the way Python's
// email.feedparser does (compat32 policy): lenient header parsing, a MIME
// tree built with a stack of boundary matchers, and the payload of every
// leaf kept as raw bytes. Matching upstream's reader matters: what counts as
// a header, a part or a payload decides what the parser stores.

// field is one header as received: Value keeps its folding (continuation
// lines with their line ends and leading whitespace) and raw 8-bit bytes.
type field struct {
	Name  string
	Value string
}

// entity is one node of the MIME tree.
type entity struct {
	header      []field
	defaultType string
	payload     []byte    // leaf payload (raw, transfer-encoded)
	parts       []*entity // children of a multipart, or the message of a message/*
	container   bool      // payload is a list of entities (Python is_multipart)
}

// get returns the first header with that name (case-insensitive).
func (e *entity) get(name string) (string, bool) {
	for _, f := range e.header {
		if strings.EqualFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

// getAll returns every header with that name, in order.
func (e *entity) getAll(name string) []string {
	var out []string
	for _, f := range e.header {
		if strings.EqualFold(f.Name, name) {
			out = append(out, f.Value)
		}
	}
	return out
}

// contentType is Python's get_content_type: the lower-cased type before any
// ';', "text/plain" when it is not exactly one '/'.
func (e *entity) contentType() string {
	v, ok := e.get("Content-Type")
	if !ok {
		return e.defaultType
	}
	v = asciiOrReplace(v)
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	ct := strings.ToLower(strings.TrimFunc(v, isPySpace))
	if strings.Count(ct, "/") != 1 {
		return "text/plain"
	}
	return ct
}

func (e *entity) mainType() string {
	ct := e.contentType()
	return ct[:strings.IndexByte(ct, '/')]
}

func (e *entity) subType() string {
	ct := e.contentType()
	return ct[strings.IndexByte(ct, '/')+1:]
}

// param returns a Content-Type parameter as Python's get_param does
// (case-insensitive name, first match, unquoted).
func (e *entity) param(name string) (string, bool) {
	v, ok := e.get("Content-Type")
	if !ok {
		return "", false
	}
	for i, p := range splitParams(asciiOrReplace(v)) {
		if i == 0 {
			continue
		}
		k, val, _ := strings.Cut(p, "=")
		k = strings.TrimFunc(k, isPySpace)
		if strings.HasSuffix(k, "*") {
			// RFC 2231 extended value: charset'lang'percent-encoded.
			k = strings.TrimSuffix(k, "*")
			if strings.EqualFold(k, name) {
				val = unquote(strings.TrimFunc(val, isPySpace))
				if parts := strings.SplitN(val, "'", 3); len(parts) == 3 {
					val = percentDecode(parts[2])
				}
				return val, true
			}
			continue
		}
		if strings.EqualFold(k, name) {
			return unquote(strings.TrimFunc(val, isPySpace)), true
		}
	}
	return "", false
}

// splitParams is Python's email.message._parseparam.
func splitParams(s string) []string {
	s = ";" + s
	var out []string
	for strings.HasPrefix(s, ";") {
		s = s[1:]
		end := strings.IndexByte(s, ';')
		for end > 0 && (strings.Count(s[:end], `"`)-strings.Count(s[:end], `\"`))%2 != 0 {
			next := strings.IndexByte(s[end+1:], ';')
			if next < 0 {
				end = -1
				break
			}
			end += 1 + next
		}
		if end < 0 {
			end = len(s)
		}
		f := s[:end]
		if i := strings.IndexByte(f, '='); i >= 0 {
			f = strings.ToLower(strings.TrimFunc(f[:i], isPySpace)) + "=" + strings.TrimFunc(f[i+1:], isPySpace)
		}
		out = append(out, strings.TrimFunc(f, isPySpace))
		s = s[end:]
	}
	return out
}

// unquote is email.utils.unquote.
func unquote(s string) string {
	if len(s) > 1 {
		if s[0] == '"' && s[len(s)-1] == '"' {
			return strings.ReplaceAll(strings.ReplaceAll(s[1:len(s)-1], `\\`, `\`), `\"`, `"`)
		}
		if s[0] == '<' && s[len(s)-1] == '>' {
			return s[1 : len(s)-1]
		}
	}
	return s
}

func percentDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// walk visits the tree depth-first, parents before children (Python's
// Message.walk).
func (e *entity) walk(fn func(*entity)) {
	fn(e)
	for _, p := range e.parts {
		p.walk(fn)
	}
}

// lineReader yields lines (with their \r\n, \r or \n ending) and, like
// feedparser's BufferedSubFile, reports EOF when a line matches any boundary
// on its stack, leaving that line unread.
type lineReader struct {
	data []byte
	pos  int
	back [][]byte
	eof  []func([]byte) bool
	// tooDeep is set when a part nests deeper than maxDepth: what is below
	// is not read, so the mail is refused rather than half understood.
	tooDeep bool
}

func (r *lineReader) readRaw() []byte {
	if n := len(r.back); n > 0 {
		l := r.back[n-1]
		r.back = r.back[:n-1]
		return l
	}
	if r.pos >= len(r.data) {
		return nil
	}
	rest := r.data[r.pos:]
	i := bytes.IndexAny(rest, "\r\n")
	var n int
	switch {
	case i < 0:
		n = len(rest)
	case rest[i] == '\r' && i+1 < len(rest) && rest[i+1] == '\n':
		n = i + 2
	default:
		n = i + 1
	}
	r.pos += n
	return rest[:n]
}

// readline returns nil at EOF (real or boundary).
func (r *lineReader) readline() []byte {
	l := r.readRaw()
	if l == nil {
		return nil
	}
	for i := len(r.eof) - 1; i >= 0; i-- {
		if r.eof[i](l) {
			r.unread(l)
			return nil
		}
	}
	return l
}

func (r *lineReader) unread(l []byte) { r.back = append(r.back, l) }

// isNewline reports whether the line is only a line end.
func isNewline(l []byte) bool {
	return len(l) > 0 && len(bytes.TrimRight(l, "\r\n")) == 0 &&
		(len(l) == 1 || (len(l) == 2 && l[0] == '\r' && l[1] == '\n'))
}

// isHeaderLine is feedparser's headerRE: ^(From |[\041-\071\073-\176]*:|[\t ]).
func isHeaderLine(l []byte) bool {
	if len(l) == 0 {
		return false
	}
	if l[0] == '\t' || l[0] == ' ' || bytes.HasPrefix(l, []byte("From ")) {
		return true
	}
	for _, c := range l {
		if c == ':' {
			return true
		}
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return false
}

// trimEOL removes one trailing line end.
func trimEOL(b []byte) []byte {
	switch {
	case bytes.HasSuffix(b, []byte("\r\n")):
		return b[:len(b)-2]
	case bytes.HasSuffix(b, []byte("\n")), bytes.HasSuffix(b, []byte("\r")):
		return b[:len(b)-1]
	}
	return b
}

// maxDepth bounds MIME nesting so hostile mail cannot exhaust the stack.
const maxDepth = 64

// parseMessage reads a whole message; tooDeep tells that its parts nest
// deeper than maxDepth.
func parseMessage(raw []byte) (e *entity, tooDeep bool) {
	r := &lineReader{data: raw}
	e = &entity{defaultType: "text/plain"}
	r.parse(e, 0)
	return e, r.tooDeep
}

// parse fills e from the reader (feedparser._parsegen).
func (r *lineReader) parse(e *entity, depth int) {
	var lines [][]byte
	for {
		l := r.readline()
		if l == nil {
			break
		}
		if !isHeaderLine(l) {
			if !isNewline(l) {
				r.unread(l)
			}
			break
		}
		lines = append(lines, l)
	}
	r.parseHeaders(e, lines)

	ct := e.contentType()
	main := ct[:strings.IndexByte(ct, '/')]
	switch {
	case ct == "message/delivery-status":
		e.payload = r.rest()
	case depth >= maxDepth && (main == "message" || main == "multipart"):
		r.tooDeep = true
		e.payload = r.rest()
	case main == "message":
		child := &entity{defaultType: "text/plain"}
		r.parse(child, depth+1)
		e.parts = []*entity{child}
		e.container = true
	case main == "multipart":
		r.parseMultipart(e, depth)
	default:
		e.payload = r.rest()
	}
}

// rest reads every line up to EOF.
func (r *lineReader) rest() []byte {
	var b []byte
	for {
		l := r.readline()
		if l == nil {
			return b
		}
		b = append(b, l...)
	}
}

// parseHeaders is feedparser._parse_headers with compat32's
// header_source_parse.
func (r *lineReader) parseHeaders(e *entity, lines [][]byte) {
	var cur []byte
	have := false
	flush := func() {
		if !have {
			return
		}
		i := bytes.IndexByte(cur, ':')
		name := string(cur[:i])
		v := bytes.TrimLeft(cur[i+1:], " \t")
		v = bytes.TrimRight(v, "\r\n")
		e.header = append(e.header, field{Name: name, Value: string(v)})
		have = false
		cur = nil
	}
	for n, l := range lines {
		if l[0] == ' ' || l[0] == '\t' {
			if !have {
				continue
			}
			cur = append(cur, l...)
			continue
		}
		flush()
		if bytes.HasPrefix(l, []byte("From ")) {
			if n == 0 {
				continue // the mbox envelope line
			}
			if n == len(lines)-1 {
				r.unread(l)
				return
			}
			continue
		}
		i := bytes.IndexByte(l, ':')
		if i <= 0 {
			continue
		}
		cur = append([]byte(nil), l...)
		have = true
	}
	flush()
}

// parseMultipart splits a multipart body on its boundary.
func (r *lineReader) parseMultipart(e *entity, depth int) {
	boundary, ok := e.param("boundary")
	boundary = strings.TrimRightFunc(boundary, isPySpace)
	if !ok {
		e.payload = r.rest()
		return
	}
	sep := []byte("--" + boundary)
	match := func(l []byte) bool {
		if !bytes.HasPrefix(l, sep) {
			return false
		}
		rest := l[len(sep):]
		rest = bytes.TrimPrefix(rest, []byte("--"))
		rest = bytes.TrimLeft(rest, " \t")
		rest = trimEOL(rest)
		return len(rest) == 0
	}
	isEnd := func(l []byte) bool {
		return bytes.HasPrefix(l[len(sep):], []byte("--"))
	}
	preamble := true
	var pre []byte
	closed := false
	for {
		l := r.readline()
		if l == nil {
			break
		}
		if !match(l) {
			pre = append(pre, l...)
			continue
		}
		if isEnd(l) {
			closed = true
			break
		}
		if preamble {
			preamble = false
			r.unread(l)
			continue
		}
		// Consume repeated boundary lines.
		for {
			m := r.readline()
			if m == nil {
				break
			}
			if !match(m) {
				r.unread(m)
				break
			}
		}
		r.eof = append(r.eof, match)
		child := &entity{defaultType: "text/plain"}
		if e.contentType() == "multipart/digest" {
			child.defaultType = "message/rfc822"
		}
		r.parse(child, depth+1)
		// The line end before a boundary belongs to the boundary.
		if !child.container && child.payload != nil {
			child.payload = trimEOL(child.payload)
		}
		r.eof = r.eof[:len(r.eof)-1]
		e.parts = append(e.parts, child)
		e.container = true
	}
	if preamble {
		// No start boundary: Python keeps the text as a string payload of
		// the multipart (so nothing in it is read as text).
		e.payload = pre
		e.parts = nil
		e.container = false
		_ = r.rest()
		return
	}
	_ = closed
	if closed {
		_ = r.rest() // epilogue
	}
}

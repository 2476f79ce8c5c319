package mailin

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
)

var errBase64 = errors.New("invalid base64")

var b64table = func() [256]byte {
	var t [256]byte
	for i := range t {
		t[i] = 0xff
	}
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alpha); i++ {
		t[alpha[i]] = byte(i)
	}
	return t
}()

// a2bBase64 is Python's binascii.a2b_base64 in its lenient mode: characters
// outside the alphabet are skipped, a complete pad sequence ends the data,
// and an unfinished quad is an error.
func a2bBase64(in []byte) ([]byte, error) {
	out := make([]byte, 0, len(in)*3/4+3)
	quad, pads := 0, 0
	var left byte
	for _, c := range in {
		if c == '=' {
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					return out, nil
				}
			}
			continue
		}
		v := b64table[c]
		if v == 0xff {
			continue
		}
		pads = 0
		switch quad {
		case 0:
			quad, left = 1, v
		case 1:
			quad = 2
			out = append(out, left<<2|v>>4)
			left = v & 0x0f
		case 2:
			quad = 3
			out = append(out, left<<4|v>>2)
			left = v & 0x03
		case 3:
			quad = 0
			out = append(out, left<<6|v)
			left = 0
		}
	}
	if quad != 0 {
		return nil, errBase64
	}
	return out, nil
}

// decodeBase64Body is email's decode_b for a body: lines joined, then the
// lenient decoder, retried with extra padding; hopeless input is returned
// as is.
func decodeBase64Body(p []byte) []byte {
	joined := make([]byte, 0, len(p))
	for _, c := range p {
		if c != '\r' && c != '\n' {
			joined = append(joined, c)
		}
	}
	if b, err := a2bBase64(joined); err == nil {
		return b
	}
	if b, err := a2bBase64(append(joined, '=', '=')); err == nil {
		return b
	}
	return joined
}

// decodeQP is binascii.a2b_qp (what quopri.decodestring uses).
func decodeQP(in []byte) []byte {
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); {
		c := in[i]
		if c != '=' {
			out = append(out, c)
			i++
			continue
		}
		i++
		if i >= len(in) {
			break
		}
		switch {
		case in[i] == '\n' || in[i] == '\r':
			if in[i] != '\n' {
				for i < len(in) && in[i] != '\n' {
					i++
				}
			}
			if i < len(in) {
				i++
			}
		case in[i] == '=':
			out = append(out, '=')
			i++
		case i+1 < len(in) && isHex(in[i]) && isHex(in[i+1]):
			out = append(out, unhex(in[i])<<4|unhex(in[i+1]))
			i += 2
		default:
			out = append(out, '=')
		}
	}
	return out
}

// decodeUU decodes a uuencoded body; on any problem the raw bytes are
// returned, as Python does.
func decodeUU(in []byte) []byte {
	lines := bytes.Split(in, []byte("\n"))
	i := 0
	for i < len(lines) && !bytes.HasPrefix(lines[i], []byte("begin")) {
		i++
	}
	if i == len(lines) {
		return in
	}
	var out []byte
	for i++; i < len(lines); i++ {
		l := bytes.TrimRight(lines[i], " \r\t")
		if bytes.Equal(l, []byte("end")) {
			return out
		}
		if len(l) == 0 {
			continue
		}
		n := int((l[0] - ' ') & 0x3f)
		data := l[1:]
		var buf []byte
		for j := 0; j+3 < len(data)+3 && len(buf) < n; j += 4 {
			var q [4]byte
			for k := 0; k < 4; k++ {
				if j+k < len(data) {
					q[k] = (data[j+k] - ' ') & 0x3f
				}
			}
			buf = append(buf, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2, q[2]<<6|q[3])
		}
		if len(buf) < n {
			return in
		}
		out = append(out, buf[:n]...)
	}
	return in
}

// transferDecode is Message.get_payload(decode=True) for a leaf.
func transferDecode(e *entity) []byte {
	cte, _ := e.get("Content-Transfer-Encoding")
	cte = strings.ToLower(strings.TrimLeft(asciiOrReplace(cte), " \t"))
	switch cte {
	case "quoted-printable":
		return decodeQP(e.payload)
	case "base64":
		return decodeBase64Body(e.payload)
	case "x-uuencode", "uuencode", "uue", "x-uue":
		return decodeUU(e.payload)
	}
	return e.payload
}

// cp1252Undefined are the bytes Python's cp1252 codec refuses.
func cp1252Undefined(c byte) bool {
	return c == 0x81 || c == 0x8d || c == 0x8f || c == 0x90 || c == 0x9d
}

// normCharset lower-cases a charset name and maps the spellings Python
// knows to the ones handled here.
func normCharset(cs string) string {
	cs = strings.ToLower(strings.TrimSpace(cs))
	switch strings.NewReplacer("_", "-", " ", "-").Replace(cs) {
	case "utf-8", "utf8", "u8", "utf", "utf8-ucs2", "utf8-ucs4", "cp65001":
		return "utf-8"
	case "us-ascii", "ascii", "646", "us":
		return "us-ascii"
	case "iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "iso-ir-100", "8859", "cp819", "latin", "iso-8859-1:1987":
		return "iso-8859-1"
	case "windows-1252", "cp1252":
		return "windows-1252"
	}
	return cs
}

// decodeStrict decodes b in the named charset and fails where Python's
// strict codec would. ok is false for an unknown charset or bad bytes.
func decodeStrict(b []byte, cs string) (string, bool) {
	s, known, ok := decodeCharset(b, cs)
	return s, known && ok
}

// decodeCharset reports whether the charset is known and, if so, whether b
// decodes in it.
func decodeCharset(b []byte, cs string) (s string, known, ok bool) {
	if strings.IndexByte(cs, 0) >= 0 || cs == "" {
		return "", false, false
	}
	switch normCharset(cs) {
	case "utf-8":
		if !utf8.Valid(b) {
			return "", true, false
		}
		return string(b), true, true
	case "us-ascii":
		for _, c := range b {
			if c >= 0x80 {
				return "", true, false
			}
		}
		return string(b), true, true
	case "iso-8859-1":
		return latin1(b), true, true
	case "windows-1252":
		for _, c := range b {
			if cp1252Undefined(c) {
				return "", true, false
			}
		}
	}
	r, err := charset.Reader(cs, bytes.NewReader(b))
	if err != nil {
		return "", false, false
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return "", true, false
	}
	// Go's decoders substitute U+FFFD where Python's strict codecs fail.
	if bytes.Contains(out, []byte("\uFFFD")) && !bytes.Contains(b, []byte("\uFFFD")) {
		return "", true, false
	}
	return string(out), true, true
}

func latin1(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/4)
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// decodePart turns a text part into a string (spec §6.1). ok is false when
// the part's known charset does not decode: the part is skipped.
func decodePart(e *entity) (string, bool) {
	payload := transferDecode(e)
	cs, has := e.param("charset")
	if has {
		cs = strings.ToLower(cs)
		for i := 0; i < len(cs); i++ {
			if cs[i] >= 0x80 {
				has = false
				break
			}
		}
	}
	if has {
		s, known, ok := decodeCharset(payload, cs)
		if known && ok {
			return s, true
		}
		if known {
			// Upstream skips a part whose bytes lie about their charset,
			// and with it the diff: the patch is lost. Keep what decodes
			// and mark the rest, as Python's errors="replace" would.
			return decodeReplacing(payload, cs), true
		}
	}
	if utf8.Valid(payload) {
		return string(payload), true
	}
	if s, _, ok := decodeCharset(payload, "windows-1252"); ok {
		return s, true
	}
	return latin1(payload), true
}

// decodeReplacing decodes b in a known charset, every byte (or sequence)
// that does not decode becoming U+FFFD. Valid input never comes here, so
// the hash of well-formed mail is untouched.
func decodeReplacing(b []byte, cs string) string {
	switch normCharset(cs) {
	case "utf-8":
		var sb strings.Builder
		for len(b) > 0 {
			r, n := utf8.DecodeRune(b)
			sb.WriteRune(r) // RuneError for each byte that starts nothing valid
			b = b[n:]
		}
		return sb.String()
	case "us-ascii", "windows-1252":
		var sb strings.Builder
		for _, c := range b {
			switch {
			case c < 0x80:
				sb.WriteByte(c)
			case c >= 0x80 && normCharset(cs) == "us-ascii", cp1252Undefined(c):
				sb.WriteRune(utf8.RuneError)
			default:
				d, _, _ := decodeCharset([]byte{c}, "windows-1252")
				sb.WriteString(d)
			}
		}
		return sb.String()
	}
	r, err := charset.Reader(cs, bytes.NewReader(b))
	if err == nil {
		// Go's decoders already substitute U+FFFD; a decoder that stops
		// on an error keeps what it read, and the rest is read as bytes.
		out, err := io.ReadAll(r)
		if err == nil && utf8.Valid(out) {
			return string(out)
		}
	}
	return latin1(b)
}

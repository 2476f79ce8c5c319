package mailin

import (
	"regexp"
	"strings"
)

// encodedWord is Python's email.header.ecre.
var encodedWord = regexp.MustCompile(`=\?([^?]*?)\?([qQbB])\?(.*?)\?=`)

type hword struct {
	text     string // unencoded text, or the encoded payload
	encoding byte   // 0 for unencoded, 'q' or 'b'
	charset  string
}

// clean decodes a raw header value (spec §2): RFC 2047 words decoded,
// undecodable headers read as ASCII with U+FFFD, NULs removed, whitespace
// collapsed. ok is false when the header cannot be parsed at all.
func clean(raw string) (string, bool) {
	s, ok := decodeHeader(raw)
	if !ok {
		return "", false
	}
	return normaliseSpace(removeNUL(s)), true
}

// decodeHeader is email.header.decode_header followed by decoding every
// fragment in its charset.
func decodeHeader(raw string) (string, bool) {
	if !strings.Contains(raw, "=?") {
		return toValidUTF8([]byte(raw)), true
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] >= 0x80 {
			// Raw 8-bit bytes beside encoded words: Python cannot decode the
			// mix; upstream reads the whole header as ASCII.
			return asciiOrReplace(raw), true
		}
	}
	var words []hword
	for _, line := range splitHeaderLines(raw) {
		first := true
		pos := 0
		for _, m := range encodedWord.FindAllStringSubmatchIndex(line, -1) {
			un := line[pos:m[0]]
			if first {
				un = strings.TrimLeftFunc(un, isPySpace)
				first = false
			}
			if un != "" {
				words = append(words, hword{text: un})
			}
			enc := strings.ToLower(line[m[4]:m[5]])[0]
			words = append(words, hword{text: line[m[6]:m[7]], encoding: enc, charset: strings.ToLower(line[m[2]:m[3]])})
			pos = m[1]
		}
		un := line[pos:]
		if first {
			un = strings.TrimLeftFunc(un, isPySpace)
		}
		if un != "" {
			words = append(words, hword{text: un})
		}
	}
	// Drop whitespace-only text between two encoded words.
	var drop []int
	for n := range words {
		if n > 1 && words[n].encoding != 0 && words[n-2].encoding != 0 && isAllSpace(words[n-1].text) {
			drop = append(drop, n-1)
		}
	}
	for i := len(drop) - 1; i >= 0; i-- {
		d := drop[i]
		words = append(words[:d], words[d+1:]...)
	}
	// Decode the transfer encodings, then collapse runs of one charset.
	type frag struct {
		b       []byte
		charset string
	}
	var frags []frag
	for i, w := range words {
		var b []byte
		switch w.encoding {
		case 0:
			b = []byte(w.text)
		case 'q':
			b = qHeaderDecode(w.text)
		case 'b':
			t := w.text
			if pad := len(t) % 4; pad != 0 {
				t += "==="[:4-pad]
			}
			var err error
			b, err = a2bBase64([]byte(t))
			if err != nil {
				return "", false
			}
		}
		cs := w.charset
		if i > 0 && len(frags) > 0 && frags[len(frags)-1].charset == cs {
			last := &frags[len(frags)-1]
			if cs == "" {
				last.b = append(append(last.b, ' '), b...)
			} else {
				last.b = append(last.b, b...)
			}
			continue
		}
		frags = append(frags, frag{b: b, charset: cs})
	}
	var out strings.Builder
	for _, f := range frags {
		if f.charset == "" {
			out.WriteString(toValidUTF8(f.b))
			continue
		}
		s, ok := decodeStrict(f.b, f.charset)
		if !ok {
			return asciiOrReplace(raw), true
		}
		out.WriteString(s)
	}
	return out.String(), true
}

// splitHeaderLines is str.splitlines for the line ends a header can hold.
func splitHeaderLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\r':
			out = append(out, s[start:i])
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			start = i + 1
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func isAllSpace(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !isPySpace(r) {
			return false
		}
	}
	return true
}

// qHeaderDecode is email.quoprimime.header_decode.
func qHeaderDecode(s string) []byte {
	s = strings.ReplaceAll(s, "_", " ")
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return b
}

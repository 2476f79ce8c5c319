package mailin

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// isPySpace reports whether r is whitespace as Python's str.isspace and
// regexp \s see it: Go's unicode.IsSpace plus the separators U+001C..U+001F.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pyStrip trims Python whitespace at both ends (str.strip()).
func pyStrip(s string) string { return strings.TrimFunc(s, isPySpace) }

// normaliseSpace replaces every whitespace run by one space and trims.
func normaliseSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if isPySpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// removeNUL drops NUL characters (databases refuse them in text).
func removeNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}

// cut255 cuts s to 255 characters (code points), as the columns hold.
func cut255(s string) string { return cutRunes(s, 255) }

func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// digitValue returns the value of a Unicode decimal digit (category Nd), as
// Python's int() reads \d matches. Nd digits come in runs of ten starting at
// zero, so the offset in its contiguous run gives the value.
func digitValue(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if !unicode.IsDigit(r) {
		return 0, false
	}
	start := r
	for start > 0 && unicode.IsDigit(start-1) {
		start--
	}
	return int(r-start) % 10, true
}

// scanDigits reads a run of \d digits at the start of s and returns its
// value (saturated), the bytes consumed and whether any digit was read.
func scanDigits(s string) (val int64, n int, ok bool) {
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		d, isD := digitValue(r)
		if !isD {
			break
		}
		if val < 1<<40 {
			val = val*10 + int64(d)
		}
		n += size
		ok = true
	}
	return val, n, ok
}

// toValidUTF8 decodes raw bytes as UTF-8, one U+FFFD per invalid byte.
func toValidUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			sb.WriteRune(utf8.RuneError)
			b = b[1:]
			continue
		}
		sb.Write(b[:size])
		b = b[size:]
	}
	return sb.String()
}

// asciiOrReplace maps every non-ASCII byte to U+FFFD (Python decoding bytes
// as ASCII with errors="replace").
func asciiOrReplace(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

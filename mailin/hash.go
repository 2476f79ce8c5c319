package mailin

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// Hash returns upstream Patchwork's patch hash of a diff (spec §16): the
// SHA-1 of its file, hunk and content lines with line numbers and the first
// path component dropped, so that the same change gives the same hash
// wherever it was applied. It returns "" for an empty diff.
func Hash(diff string) string {
	if diff == "" {
		return ""
	}
	h := sha1.New()
	norm := pyStrip(strings.ReplaceAll(diff, "\r", "")) + "\n"
	var buf strings.Builder
	for _, line := range strings.Split(norm, "\n") {
		if line == "" {
			continue
		}
		buf.Reset()
		if marker, p, ok := fileLine(line); ok {
			buf.WriteString(marker)
			if marker == "---" {
				buf.WriteString(" a/")
			} else {
				buf.WriteString(" b/")
			}
			if i := strings.IndexByte(p, '/'); i >= 0 {
				buf.WriteString(p[i+1:])
			}
		} else if _, _, b, d, ok := hunkHeaderText(line); ok {
			buf.WriteString("@@ -")
			buf.WriteString(b)
			buf.WriteString(" +")
			buf.WriteString(d)
			buf.WriteString(" @@")
		} else if c := line[0]; c == '-' || c == '+' || c == ' ' {
			buf.WriteString(line)
		} else {
			continue
		}
		buf.WriteByte('\n')
		h.Write([]byte(buf.String()))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fileLine matches ^(---|\+\+\+) (\S+) and returns the marker and path.
func fileLine(line string) (marker, path string, ok bool) {
	if len(line) < 5 || line[3] != ' ' || (line[:3] != "---" && line[:3] != "+++") {
		return "", "", false
	}
	rest := line[4:]
	end := 0
	for end < len(rest) {
		r, size := utf8.DecodeRuneInString(rest[end:])
		if isPySpace(r) {
			break
		}
		end += size
	}
	if end == 0 {
		return "", "", false
	}
	return line[:3], rest[:end], true
}

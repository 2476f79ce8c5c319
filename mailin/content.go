package mailin

import (
	"strings"
)

// extendedHeaders start the git extended header lines of §6.4.
var extendedHeaders = []string{"old mode ", "new mode ", "deleted file mode ",
	"new file mode ", "copy from ", "copy to ", "rename from ", "rename to ",
	"similarity index ", "dissimilarity index ", "index "}

func isExtendedHeader(l string) bool {
	for _, p := range extendedHeaders {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// hunkHeader matches `@@ -<d>[,<B>] +<d>[,<D>] @@` at the start of l and
// returns B and D (1 when absent) as numbers (saturated) and as the
// canonical decimal text Python's int() would print.
func hunkHeader(l string) (b, d int64, ok bool) {
	b, d, _, _, ok = hunkHeaderText(l)
	return b, d, ok
}

func hunkHeaderText(l string) (b, d int64, bs, ds string, ok bool) {
	if !strings.HasPrefix(l, "@@ -") {
		return
	}
	s := l[4:]
	_, n, found := scanDigits(s)
	if !found {
		return
	}
	s = s[n:]
	b, bs = 1, "1"
	if strings.HasPrefix(s, ",") {
		if v, n, found := scanDigits(s[1:]); found {
			b, bs = v, canonDigits(s[1:1+n])
			s = s[1+n:]
		}
	}
	if !strings.HasPrefix(s, " +") {
		return
	}
	s = s[2:]
	_, n, found = scanDigits(s)
	if !found {
		return
	}
	s = s[n:]
	d, ds = 1, "1"
	if strings.HasPrefix(s, ",") {
		if v, n, found := scanDigits(s[1:]); found {
			d, ds = v, canonDigits(s[1:1+n])
			s = s[1+n:]
		}
	}
	if !strings.HasPrefix(s, " @@") {
		return
	}
	ok = true
	return
}

// canonDigits turns a run of decimal digits into ASCII without leading
// zeros.
func canonDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		v, _ := digitValue(r)
		if v == 0 && b.Len() == 0 {
			continue
		}
		b.WriteByte(byte('0' + v))
	}
	if b.Len() == 0 {
		return "0"
	}
	return b.String()
}

type splitState int

const (
	stText splitState = iota
	stHeader
	stMinus
	stPlus
	stHunk
	stExt
	stBinary
)

// splitPatch is the diff/text splitter of spec §6.4 (upstream parse_patch).
// Empty results are reported as absent.
func splitPatch(text string) (diff string, hasDiff bool, comment string, hasComment bool) {
	var d, t, pend strings.Builder
	state := stText
	var oldN, newN, hunks int64
	rest := text
	for {
		var line string
		i := strings.IndexByte(rest, '\n')
		last := i < 0
		if last {
			line = rest + "\n"
		} else {
			line = rest[:i+1]
			rest = rest[i+1:]
		}
		switch state {
		case stText:
			switch {
			case strings.HasPrefix(line, "diff ") || strings.HasPrefix(line, "Index: "):
				pend.WriteString(line)
				state = stHeader
			case strings.HasPrefix(line, "--- "):
				pend.WriteString(line)
				state = stMinus
			default:
				t.WriteString(line)
			}
		case stHeader:
			pend.WriteString(line)
			if strings.HasPrefix(line, "--- ") {
				state = stMinus
			} else if isExtendedHeader(line) {
				state = stExt
			}
		case stMinus:
			switch {
			case strings.HasPrefix(line, "+++ "):
				pend.WriteString(line)
				state = stPlus
			case hunks > 0:
				pend.WriteString(line)
				state = stHeader
			default:
				t.WriteString(pend.String())
				t.WriteString(line)
				pend.Reset()
				state = stText
			}
		case stPlus:
			if b, dd, ok := hunkHeader(line); ok {
				oldN, newN = b, dd
				d.WriteString(pend.String())
				d.WriteString(line)
				pend.Reset()
				state = stHunk
			} else if strings.HasPrefix(line, "--- ") {
				d.WriteString(pend.String())
				d.WriteString(line)
				pend.Reset()
				state = stMinus
			} else if hunks > 0 && strings.HasPrefix(line, `\ No newline at end of file`) {
				d.WriteString(line)
			} else if hunks > 0 {
				pend.WriteString(line)
				state = stHeader
			} else {
				t.WriteString(pend.String())
				t.WriteString(line)
				pend.Reset()
				state = stText
			}
		case stHunk:
			switch {
			case strings.HasPrefix(line, "-"):
				oldN--
			case strings.HasPrefix(line, "+"):
				newN--
			case strings.HasPrefix(line, `\ No newline at end of file`):
			default:
				oldN--
				newN--
			}
			d.WriteString(line)
			if oldN <= 0 && newN <= 0 {
				hunks++
				state = stPlus
			}
		case stExt:
			switch {
			case isExtendedHeader(line):
				d.WriteString(pend.String())
				d.WriteString(line)
				pend.Reset()
			case strings.HasPrefix(line, "--- "):
				d.WriteString(pend.String())
				d.WriteString(line)
				pend.Reset()
				state = stMinus
			case strings.HasPrefix(line, "GIT binary patch"):
				d.WriteString(pend.String())
				d.WriteString(line)
				pend.Reset()
				state = stBinary
			default:
				pend.WriteString(line)
				state = stHeader
			}
		case stBinary:
			if strings.HasPrefix(line, "diff") {
				pend.WriteString(line)
				state = stText
			} else {
				d.WriteString(pend.String())
				d.WriteString(line)
				pend.Reset()
			}
		}
		if last {
			break
		}
	}
	t.WriteString(pend.String())
	diff, comment = d.String(), t.String()
	return diff, diff != "", comment, comment != ""
}

// cutSignature removes everything from the first "-- " or "___" line
// (followed by a newline) to the end, then trims (upstream clean_content).
func cutSignature(s string) string {
	pos := 0
	for pos < len(s) {
		end := strings.IndexByte(s[pos:], '\n')
		if end < 0 {
			break
		}
		line := s[pos : pos+end]
		if line == "-- " || (line != "" && strings.Trim(line, "_") == "") {
			s = s[:pos]
			break
		}
		pos += end + 1
	}
	return pyStrip(s)
}

// findPatchContent is §6.2: the diff and description of a non-reply.
func findPatchContent(e *entity) (diff string, hasDiff bool, text string) {
	var comment strings.Builder
	e.walk(func(p *entity) {
		if p.container || p.mainType() != "text" {
			return
		}
		sub := p.subType()
		if sub != "x-patch" && sub != "x-diff" && sub != "plain" {
			return
		}
		payload, ok := decodePart(p)
		if !ok {
			return
		}
		switch sub {
		case "x-patch", "x-diff":
			diff, hasDiff = payload, true
		case "plain":
			c, hasC := payload, true
			if diff == "" {
				var d string
				d, hasDiff, c, hasC = splitPatch(payload)
				diff = d
			}
			if hasC {
				comment.WriteString(pyStrip(c))
				comment.WriteByte('\n')
			}
		}
	})
	hasDiff = hasDiff && diff != ""
	return removeNUL(diff), hasDiff, removeNUL(cutSignature(comment.String()))
}

// findCommentContent is §6.3: the text of a reply.
func findCommentContent(e *entity) string {
	var comment strings.Builder
	e.walk(func(p *entity) {
		if p.container || p.mainType() != "text" || p.subType() != "plain" {
			return
		}
		payload, ok := decodePart(p)
		if !ok || payload == "" {
			return
		}
		comment.WriteString(pyStrip(payload))
		comment.WriteByte('\n')
	})
	return removeNUL(cutSignature(comment.String()))
}

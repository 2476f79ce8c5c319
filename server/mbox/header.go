package mbox

import (
	"encoding/base64"
	"fmt"
	"mime"
	"net/mail"
	"strings"
)

// Header is one stored header. Value keeps stored folds ("\n" + whitespace).
type Header struct {
	Name, Value string
}

// ParseHeaders splits stored headers ("Name: value" lines joined with "\n",
// continuation lines starting with a space or tab) into headers, in order,
// duplicates kept. Lines without a colon are skipped.
func ParseHeaders(stored string) []Header {
	var hs []Header
	for _, line := range strings.Split(stored, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(hs) > 0 {
				hs[len(hs)-1].Value += "\n" + line
			}
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			continue
		}
		hs = append(hs, Header{Name: strings.TrimSpace(name), Value: strings.TrimLeft(value, " \t")})
	}
	return hs
}

// headerAddress extracts the e-mail address of a From value, "" when there is
// none.
func headerAddress(v string) string {
	unfolded := unfold(v)
	dec := new(mime.WordDecoder)
	if a, err := (&mail.AddressParser{WordDecoder: dec}).Parse(unfolded); err == nil {
		return a.Address
	}
	// Be lenient with what real lists send: take what is between <>.
	if i := strings.LastIndexByte(unfolded, '<'); i >= 0 {
		if j := strings.IndexByte(unfolded[i:], '>'); j > 0 {
			return strings.TrimSpace(unfolded[i+1 : i+j])
		}
	}
	return strings.TrimSpace(unfolded)
}

func unfold(v string) string {
	return strings.NewReplacer("\r\n", "", "\n", "").Replace(v)
}

// specials are the characters that force a display name into quotes
// (Python's email.utils.formataddr).
const specials = `()<>@,:;".[]\`

// FormatAddress writes "Name <email>" the way upstream's X-Patchwork-Submitter
// does (Python's email.utils.formataddr): just the address without a name; a
// name with specials in double quotes with '\' and '"' escaped; a non-ASCII
// name as one RFC 2047 word, Q or B encoded, whichever is shorter (Python's
// utf-8 Charset). A non-ASCII address is written raw (upstream: 500).
func FormatAddress(name, email string) string {
	return formatAddress(name, email, true)
}

// formatAddress is FormatAddress; shortest false encodes a non-ASCII name
// in base64 always, as the stored headers' encoding does (spec web.md
// §4.2).
func formatAddress(name, email string, shortest bool) string {
	if name == "" {
		return email
	}
	switch {
	case !isASCII(name):
		if shortest {
			name = encodeWord(name)
		} else {
			name = "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(name)) + "?="
		}
	case strings.ContainsAny(name, specials):
		name = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
	}
	return name + " <" + email + ">"
}

// encodeWord is one "=?utf-8?q?...?=" or "=?utf-8?b?...?=" word, however
// long, as Python's Charset("utf-8").header_encode makes it: the shorter of
// the two, Q on a tie.
func encodeWord(s string) string {
	b := []byte(s)
	lenB := (len(b) + 2) / 3 * 4
	var q strings.Builder
	for _, c := range b {
		switch {
		case c == ' ':
			q.WriteByte('_')
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("-!*+/", c) >= 0:
			q.WriteByte(c)
		default:
			fmt.Fprintf(&q, "=%02X", c)
		}
	}
	if lenB < q.Len() {
		return "=?utf-8?b?" + base64.StdEncoding.EncodeToString(b) + "?="
	}
	return "=?utf-8?q?" + q.String() + "?="
}

var addressHeaders = map[string]bool{
	"from": true, "x-patchwork-original-from": true, "to": true, "cc": true, "bcc": true, "reply-to": true, "sender": true,
}

// encodeValue makes a header value ASCII with RFC 2047 words (UTF-8, base64).
// Address headers keep their addresses readable: only display names are
// encoded. Other values are encoded whole, split into words that fit a line.
func encodeValue(name, value string) string {
	if isASCII(value) {
		return value
	}
	unfolded := unfold(value)
	if addressHeaders[strings.ToLower(name)] {
		if list, err := mail.ParseAddressList(unfolded); err == nil && len(list) > 0 {
			parts := make([]string, len(list))
			for i, a := range list {
				parts[i] = formatAddress(a.Name, a.Address, false)
			}
			return strings.Join(parts, ", ")
		}
	}
	return mime.BEncoding.Encode("utf-8", unfolded)
}

// maxLine is the length past which header lines are folded.
const maxLine = 78

// writeHeader writes "Name: value\n", encoding non-ASCII values and folding
// long single-line values at whitespace with a single-space continuation.
// Values that were stored folded keep their folds.
func writeHeader(b *strings.Builder, name, value string) {
	value = encodeValue(name, value)
	line := name + ": " + value
	if strings.Contains(value, "\n") || len(line) <= maxLine {
		b.WriteString(line)
		b.WriteByte('\n')
		return
	}
	b.WriteString(fold(line, len(name)+1))
	b.WriteByte('\n')
}

// fold breaks line at whitespace so that each physical line stays within
// maxLine where possible; a word longer than that stays whole. The
// whitespace character is kept at the start of the continuation line, so
// unfolding restores the value.
func fold(line string, minCut int) string {
	var b strings.Builder
	for len(line) > maxLine {
		cut := -1
		for i := maxLine; i > minCut; i-- {
			if line[i] == ' ' || line[i] == '\t' {
				cut = i
				break
			}
		}
		if cut <= 0 {
			// No whitespace within the limit: break at the next one, if any.
			next := strings.IndexAny(line[maxLine:], " \t")
			if next < 0 {
				break
			}
			cut = maxLine + next
		}
		// Never leave an empty or whitespace-only line behind.
		if strings.TrimSpace(line[:cut]) == "" {
			break
		}
		b.WriteString(line[:cut])
		b.WriteByte('\n')
		line = line[cut:]
		minCut = 0
	}
	b.WriteString(line)
	return b.String()
}

// writeGenerated writes a header that we generate (X-Patchwork-*, the
// DMARC From) byte for byte as upstream's Python writes it: the compat32
// policy's Header folding at 78 columns (pyFold).
func writeGenerated(b *strings.Builder, name, value string) {
	b.WriteString(name)
	b.WriteString(": ")
	b.WriteString(pyFold(len(name)+2, value))
	b.WriteByte('\n')
}

// pyChunk is one (folding white space, word) pair of Python's header
// _Accumulator.
type pyChunk struct{ fws, part string }

// pyFold folds an ASCII header value as Python's email.header.Header.encode
// does (maxlinelen 78, splitchars ";, \t", continuation " "), given the
// length of "Name: " before it: after each word, a line longer than 78
// is split at the last ';', then ',', then space, then tab; a line with no
// such point puts its last word on a continuation line of its own (leaving
// "Name: " alone, with its trailing space, when that word is the first).
func pyFold(headerLen int, value string) string {
	const maxLen = 78
	var lines []string
	cur := []pyChunk{}
	initial := headerLen
	length := func() int {
		n := initial
		for _, c := range cur {
			n += len(c.fws) + len(c.part)
		}
		return n
	}
	str := func() string {
		var s strings.Builder
		for _, c := range cur {
			s.WriteString(c.fws + c.part)
		}
		return s.String()
	}
	newline := func() {
		if n := len(cur); n > 0 && cur[n-1] == (pyChunk{" ", ""}) {
			cur = cur[:n-1]
		}
		if length() > 0 {
			s := str()
			onlyWS := initial == 0 && s != "" && strings.Trim(s, " \t\n\r\v\f") == ""
			if onlyWS && len(lines) > 0 {
				lines[len(lines)-1] += str()
			} else {
				lines = append(lines, str())
			}
		}
		cur, initial = []pyChunk{}, 0
	}
	appendChunk := func(fws, part string) {
		cur = append(cur, pyChunk{fws, part})
		if length() <= maxLen {
			return
		}
		split := -1
	search:
		for _, ch := range []byte(";, \t") {
			for i := len(cur) - 1; i > 0; i-- {
				if ch == ' ' || ch == '\t' {
					if f := cur[i].fws; f != "" && f[0] == ch {
						split = i
						break search
					}
				}
				if prev := cur[i-1].part; prev != "" && prev[len(prev)-1] == ch {
					split = i
					break search
				}
			}
		}
		if split < 0 {
			last := cur[len(cur)-1]
			cur = cur[:len(cur)-1]
			if initial > 0 {
				newline()
				if last.fws == "" {
					last.fws = " "
				}
			}
			cur = append(cur, last)
			return
		}
		rest := append([]pyChunk(nil), cur[split:]...)
		cur = cur[:split]
		lines = append(lines, str())
		cur, initial = rest, 0
	}
	// re.split("([ \t]+)", value): words with the white space before each.
	fws, i := "", 0
	for i < len(value) {
		j := i
		for j < len(value) && value[j] != ' ' && value[j] != '\t' {
			j++
		}
		word := value[i:j]
		k := j
		for k < len(value) && (value[k] == ' ' || value[k] == '\t') {
			k++
		}
		if word != "" || fws != "" {
			appendChunk(fws, word)
		}
		fws, i = value[j:k], k
	}
	if fws != "" {
		appendChunk(fws, "")
	}
	cur = append(cur, pyChunk{" ", ""}) // add_transition
	newline()
	return strings.Join(lines, "\n")
}

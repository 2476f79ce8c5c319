package mbox

import (
	"encoding/base64"
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
// does: just the address without a name; a name with specials in double
// quotes with '\' and '"' escaped; a non-ASCII name as one RFC 2047 word
// (UTF-8, base64). A non-ASCII address is written raw.
func FormatAddress(name, email string) string {
	if name == "" {
		return email
	}
	switch {
	case !isASCII(name):
		name = encodeWord(name)
	case strings.ContainsAny(name, specials):
		name = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
	}
	return name + " <" + email + ">"
}

// encodeWord is one "=?utf-8?b?...?=" word, however long, as Python's
// Charset.header_encode makes it.
func encodeWord(s string) string {
	return "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
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
				parts[i] = FormatAddress(a.Name, a.Address)
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

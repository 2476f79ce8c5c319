package compose

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"
)

// Mail is everything a rendered message needs besides its headers.
type Mail struct {
	Headers
	From  Address
	MsgID string // with angle brackets
	Date  time.Time
	Body  string
}

// maxLine is where 8bit stops being safe: RFC 5322 caps a line at 998
// octets, and a diff line may be longer.
const maxLine = 998

// Render writes m as an RFC 5322 message with CRLF line ends: a plain
// UTF-8 text body, 7bit when it is ASCII, 8bit otherwise, and
// quoted-printable when a line is too long for either.
func Render(m Mail) []byte {
	var b bytes.Buffer
	hdr := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	hdr("Date", m.Date.Format(time.RFC1123Z))
	hdr("From", m.From.String())
	if len(m.To) > 0 {
		hdr("To", addrList(m.To))
	}
	if len(m.Cc) > 0 {
		hdr("Cc", addrList(m.Cc))
	}
	hdr("Subject", encodeText(m.Subject))
	hdr("Message-ID", m.MsgID)
	if m.InReplyTo != "" {
		hdr("In-Reply-To", m.InReplyTo)
	}
	if len(m.References) > 0 {
		// One id per folded line keeps every line short.
		hdr("References", strings.Join(m.References, "\r\n "))
	}
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	body := strings.ReplaceAll(m.Body, "\r\n", "\n")
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	switch {
	case longest(body) > maxLine:
		hdr("Content-Transfer-Encoding", "quoted-printable")
		hdr("User-Agent", "patchwork-go")
		b.WriteString("\r\n")
		var qp bytes.Buffer
		w := quotedprintable.NewWriter(&qp)
		_, _ = w.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n")))
		_ = w.Close()
		b.Write(qp.Bytes())
		return b.Bytes()
	case isASCII(body):
		hdr("Content-Transfer-Encoding", "7bit")
	default:
		hdr("Content-Transfer-Encoding", "8bit")
	}
	hdr("User-Agent", "patchwork-go")
	b.WriteString("\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	return b.Bytes()
}

// addrList writes addresses one per folded line.
func addrList(as []Address) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.String()
	}
	return strings.Join(parts, ",\r\n ")
}

// encodeText RFC 2047-encodes a non-ASCII header text; ASCII stays as is.
func encodeText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if isASCII(s) {
		return s
	}
	return mime.QEncoding.Encode("utf-8", s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func longest(s string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		n = max(n, len(l))
	}
	return n
}

// NewMsgID makes a Message-ID under domain, unique by time and 64 random
// bits: "<20261207233845.1a2b3c4d5e6f7a8b@domain>".
func NewMsgID(now time.Time, domain string) string {
	buf := make([]byte, 8)
	_, _ = rand.Read(buf)
	if domain == "" {
		domain = "patchwork.invalid"
	}
	return "<" + now.UTC().Format("20060102150405") + "." + hex.EncodeToString(buf) + "@" + domain + ">"
}

// BodyOf is the text of a message Render wrote, decoded (LF line ends):
// what the user typed, to edit a draft again.
func BodyOf(raw []byte) string {
	head, body, ok := strings.Cut(string(raw), "\r\n\r\n")
	if !ok {
		return ""
	}
	if strings.Contains(head, "\r\nContent-Transfer-Encoding: quoted-printable\r\n") {
		if b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body))); err == nil {
			body = string(b)
		}
	}
	return strings.ReplaceAll(body, "\r\n", "\n")
}

package mbox

import (
	"encoding/base64"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Message is everything one mbox message is made of; Encode writes it. The
// store-backed Writer fills it from a patch or cover letter.
type Message struct {
	ID            int64     // X-Patchwork-Id
	Date          time.Time // submission date, for the From_ line and a missing Date
	SubmitterName string
	SubmitterMail string
	DelegateMail  string // patches with a delegate only
	ListEmail     string // the project's list address, for the DMARC From rewrite
	Headers       string // stored headers, "Name: value" lines joined with "\n"
	Content       string
	Diff          string   // "" for covers and pull requests without diff
	Comments      []string // comment contents, oldest first
}

// trailerRe is upstream's fixed list of trailers collected from comments,
// independent of the project's tag settings.
var trailerRe = regexp.MustCompile(`(?mi)^(Tested|Reviewed|Acked|Signed-off|Nacked|Reported)-by:.*$`)

// Body returns the message body of spec web.md §4.1.
func (m *Message) Body() string {
	text := ""
	if m.Content != "" {
		text = strings.TrimSpace(m.Content) + "\n"
	}
	description, postscript, split := splitPostscript(text)
	var b strings.Builder
	b.Grow(len(text) + len(m.Diff) + 64)
	if split {
		b.WriteString(strings.TrimSpace(description) + "\n")
	} else {
		b.WriteString(text)
	}
	for _, c := range m.Comments {
		for _, line := range trailerRe.FindAllString(c, -1) {
			b.WriteString(strings.TrimSuffix(line, "\r"))
			b.WriteByte('\n')
		}
	}
	if split {
		b.WriteString("---")
		b.WriteString(postscript)
		b.WriteByte('\n')
	}
	if m.Diff != "" {
		b.WriteByte('\n')
		b.WriteString(m.Diff)
	}
	return b.String()
}

// splitPostscript splits text at the first line that is exactly "--", "---",
// "-- " or "--- ". The postscript keeps the newline ending the separator line
// and loses its trailing whitespace.
func splitPostscript(text string) (description, postscript string, ok bool) {
	start := 0
	for start < len(text) {
		end := strings.IndexByte(text[start:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		switch text[start:end] {
		case "--", "---", "-- ", "--- ":
			return text[:start], strings.TrimRightFunc(text[end:], isSpace), true
		}
		start = end + 1
	}
	return text, "", false
}

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', 0x85, 0xA0:
		return true
	}
	return r > 0xff && strings.TrimSpace(string(r)) == ""
}

// Encode writes m as one mbox message (spec web.md §4): the From_ line, the
// generated and stored headers, an empty line and the body.
func Encode(w io.Writer, m *Message) error {
	_, err := io.WriteString(w, m.String())
	return err
}

// String returns the mbox text of m.
func (m *Message) String() string {
	body := m.Body()
	var b strings.Builder
	b.Grow(len(body) + len(m.Headers) + 512)
	b.WriteString("From patchwork ")
	b.WriteString(m.Date.UTC().Format("Mon Jan _2 15:04:05 2006"))
	b.WriteByte('\n')

	cte := "7bit"
	switch {
	case hasFromLine(body):
		// A body line starting with "From " would split the message in
		// two for git am (and any mbox reader); upstream writes it as is.
		// Base64 keeps every byte and every reader decodes it; mboxrd's
		// ">From " would need git am --patch-format=mboxrd, and plain
		// git am would keep the '>'.
		cte = "base64"
		body = base64Lines(body)
	case !isASCII(body):
		cte = "8bit"
	}
	submitter := FormatAddress(m.SubmitterName, m.SubmitterMail)
	writeHeader(&b, "Content-Type", `text/plain; charset="utf-8"`)
	writeHeader(&b, "MIME-Version", "1.0")
	writeHeader(&b, "Content-Transfer-Encoding", cte)
	writeGenerated(&b, "X-Patchwork-Submitter", submitter)
	writeGenerated(&b, "X-Patchwork-Id", strconv.FormatInt(m.ID, 10))
	if m.DelegateMail != "" {
		writeGenerated(&b, "X-Patchwork-Delegate", m.DelegateMail)
	}
	hasDate := false
	for _, h := range ParseHeaders(m.Headers) {
		switch {
		case strings.EqualFold(h.Name, "Content-Type"), strings.EqualFold(h.Name, "Content-Transfer-Encoding"):
			continue
		case strings.EqualFold(h.Name, "Date"):
			hasDate = true
		case strings.EqualFold(h.Name, "From") && m.ListEmail != "" &&
			strings.EqualFold(headerAddress(h.Value), m.ListEmail):
			// DMARC: the list rewrote From; show the real author to git am.
			writeHeader(&b, "X-Patchwork-Original-From", h.Value)
			writeGenerated(&b, h.Name, submitter)
			continue
		}
		writeHeader(&b, h.Name, h.Value)
	}
	if !hasDate {
		writeHeader(&b, "Date", m.Date.UTC().Format("Mon, 02 Jan 2006 15:04:05 -0000"))
	}
	b.WriteByte('\n')
	b.WriteString(body)
	return b.String()
}

// hasFromLine reports whether a line of body starts with "From ".
func hasFromLine(body string) bool {
	return strings.HasPrefix(body, "From ") || strings.Contains(body, "\nFrom ")
}

// base64Lines encodes s in lines of 76 characters (RFC 2045).
func base64Lines(s string) string {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	b.Grow(len(enc) + len(enc)/76 + 1)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteByte('\n')
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteByte('\n')
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

package mailin

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// ErrRejected marks a bad mail: a mandatory header is missing or broken,
// or the sender is not an address. Such mail is kept as a failed mail.
var ErrRejected = errors.New("bad mail")

// Mail is one parsed message: everything the ingester needs, independent
// of the database.
type Mail struct {
	root *entity
	raw  []byte // as received: a held reply is kept byte for byte

	// MsgID is the Message-Id (§5.1) with its angle brackets; "" when the
	// header is broken (the mail is rejected if it would be stored).
	MsgID string
	// References are the ids this mail answers, In-Reply-To first, then
	// References newest first, without duplicates (§5.1).
	References []string
	// RawSubject is the decoded Subject; SubjectOK is false when it cannot
	// be decoded (the mail is rejected).
	RawSubject string
	SubjectOK  bool
	// Subject is the subject read without a project linkname; the ingester
	// re-reads RawSubject with the matched project's linkname.
	Subject Subject
	// Date is the mail date in UTC; DateOK is false when the Date header is
	// missing or unusable and Date is the parse time.
	Date   time.Time
	DateOK bool
	// From is the decoded From header ("" when missing or undecodable).
	From string
	// ListIDs are candidate list ids from List-Id, X-Mailing-List and
	// X-list, in that order (§4).
	ListIDs []string
	// Patchwork control headers (cleaned values; "" when absent).
	Hint, State, Delegate string
	ActionRequired        bool
	// Content is the description (patch mode) or comment text (reply).
	Content string
	// Diff is the extracted diff ("" when none).
	Diff    string
	PullURL string
	// Headers is every header as received (§15).
	Headers string
}

// IsReply reports whether the subject marks a reply.
func (m *Mail) IsReply() bool { return m.Subject.IsReply }

// header returns a cleaned header; ok is false when it is absent or cannot
// be decoded.
func (m *Mail) header(name string) (string, bool) {
	raw, ok := m.root.get(name)
	if !ok {
		return "", false
	}
	return clean(raw)
}

var msgIDRe = regexp.MustCompile(`<[^>]*>`)

// Parse reads one message (spec §2, §5, §6). It fails only when From,
// Subject or Message-Id is missing; other problems are recorded in the
// Mail and judged by the ingester in upstream's order. It never panics.
func Parse(raw []byte) (m *Mail, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("%w: parser failure: %v", ErrRejected, r)
		}
	}()
	return parse(raw, time.Now)
}

func parse(raw []byte, now func() time.Time) (*Mail, error) {
	root, tooDeep := parseMessage(raw)
	m := &Mail{root: root, raw: raw}
	for _, h := range []string{"From", "Subject", "Message-Id"} {
		if _, ok := root.get(h); !ok {
			return nil, fmt.Errorf("%w: Missing '%s' header", ErrRejected, h)
		}
	}
	if tooDeep {
		// Upstream's parser would exhaust Python's recursion limit here;
		// reading only the outer parts could store a patch without its diff.
		return nil, fmt.Errorf("%w: MIME parts nested more than %d levels deep", ErrRejected, maxDepth)
	}
	m.From, _ = m.header("From")
	if v, ok := m.header("Message-Id"); ok && v != "" {
		if id := msgIDRe.FindString(v); id != "" {
			v = id
		}
		m.MsgID = cut255(v)
	}
	for _, raw := range root.getAll("In-Reply-To") {
		v, ok := clean(raw)
		if !ok || v == "" {
			continue
		}
		if id := msgIDRe.FindString(v); id != "" {
			v = id
		}
		m.References = append(m.References, cut255(v))
	}
	var refs []string
	for _, raw := range root.getAll("References") {
		v, ok := clean(raw)
		if !ok {
			continue
		}
		refs = append(refs, msgIDRe.FindAllString(v, -1)...)
	}
	for i := len(refs) - 1; i >= 0; i-- {
		id := cut255(pyStrip(refs[i]))
		dup := false
		for _, have := range m.References {
			if have == id {
				dup = true
				break
			}
		}
		if !dup {
			m.References = append(m.References, id)
		}
	}
	m.RawSubject, m.SubjectOK = m.header("Subject")
	m.Subject = ParseSubject(m.RawSubject, "")
	if d, ok := m.header("Date"); ok && d != "" {
		m.Date, m.DateOK = parseDate(d)
	}
	if !m.DateOK {
		m.Date = now().UTC().Truncate(time.Second)
	}
	for _, h := range []string{"List-Id", "X-Mailing-List", "X-list"} {
		raw, ok := root.get(h)
		if !ok {
			continue
		}
		v, ok := clean(raw)
		if !ok || v == "" {
			continue
		}
		if i := strings.LastIndexByte(v, '<'); i >= 0 {
			if j := strings.IndexByte(v[i:], '>'); j > 1 {
				m.ListIDs = append(m.ListIDs, v[i+1:i+j])
				continue
			}
		}
		if !strings.ContainsFunc(v, isPySpace) {
			m.ListIDs = append(m.ListIDs, v)
		}
	}
	m.Hint, _ = m.header("X-Patchwork-Hint")
	m.State, _ = m.header("X-Patchwork-State")
	m.Delegate, _ = m.header("X-Patchwork-Delegate")
	_, m.ActionRequired = root.get("X-Patchwork-Action-Required")

	var text string
	if m.Subject.IsReply {
		text = findCommentContent(root)
	} else {
		var hasDiff bool
		m.Diff, hasDiff, text = findPatchContent(root)
		if !hasDiff {
			m.Diff = ""
		}
	}
	m.PullURL = findPullURL(text)
	m.Content = strings.ReplaceAll(text, "\r\n", "\n")
	m.Headers = storedHeaders(root)
	return m, nil
}

// storedHeaders renders the headers as received (§15).
func storedHeaders(e *entity) string {
	var b strings.Builder
	for i, f := range e.header {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(toValidUTF8([]byte(removeNUL(f.Name))))
		b.WriteString(": ")
		v := strings.ReplaceAll(f.Value, "\r", "")
		b.WriteString(toValidUTF8([]byte(removeNUL(v))))
	}
	return b.String()
}

// Sender parses the From header, un-munging DMARC rewrites for a list
// whose address is listEmail (spec §9).
func (m *Mail) Sender(listEmail string) (Sender, error) { return m.sender(listEmail) }

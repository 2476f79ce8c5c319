package compose

import (
	"strconv"
	"strings"
	"time"
)

// Parent is the mail being answered, as patchwork stored it.
type Parent struct {
	MsgID   string // with angle brackets
	Headers string // the stored headers ("Name: value" lines)
	Subject string // used when the headers have no Subject (the patch name)
	Content string // the message as stored (a patch's without its diff)
	Diff    string
	Date    time.Time
	// From is the sender as patchwork knows them, used when the headers
	// carry no usable From.
	From Address
}

// Headers are the header fields of a reply.
type Headers struct {
	Subject    string
	To, Cc     []Address
	InReplyTo  string
	References []string
}

// maxReferences bounds References: a long thread's full chain makes a
// header no list wants; the root and the nearest ancestors are what
// threading needs (RFC 5322 3.6.4 allows trimming the middle).
const maxReferences = 20

// ReplyHeaders builds the headers of a reply from self to p, copying list
// (the project's address, "" when unknown) if the parent did not.
func ReplyHeaders(p Parent, self Address, list string) Headers {
	fs := parseStored(p.Headers)
	h := Headers{Subject: replySubject(decode(get(fs, "Subject")), p.Subject), InReplyTo: p.MsgID}

	refs := msgIDs(get(fs, "References"))
	if len(refs) == 0 {
		refs = msgIDs(get(fs, "In-Reply-To"))
	}
	refs = append(refs, p.MsgID)
	if len(refs) > maxReferences {
		refs = append(refs[:1:1], refs[len(refs)-maxReferences+1:]...)
	}
	h.References = refs

	seen := map[string]bool{strings.ToLower(self.Email): true}
	add := func(dst []Address, as ...Address) []Address {
		for _, a := range as {
			k := strings.ToLower(a.Email)
			if a.Email == "" || seen[k] {
				continue
			}
			seen[k] = true
			dst = append(dst, a)
		}
		return dst
	}
	to := addresses(get(fs, "Reply-To"))
	if len(to) == 0 {
		to = addresses(get(fs, "From"))
	}
	if len(to) == 0 && p.From.Email != "" {
		to = []Address{p.From}
	}
	h.To = add(nil, to...)
	for _, v := range append(all(fs, "To"), all(fs, "Cc")...) {
		h.Cc = add(h.Cc, addresses(v)...)
	}
	if list != "" {
		h.Cc = add(h.Cc, Address{Email: list})
	}
	if len(h.To) == 0 && len(h.Cc) > 0 {
		// Replying to oneself: the list still gets it.
		h.To, h.Cc = h.Cc[:1], h.Cc[1:]
	}
	return h
}

// replySubject is "Re: " and the parent's subject, without stacking Re:.
func replySubject(subject, fallback string) string {
	s := strings.Join(strings.Fields(subject), " ")
	if s == "" {
		s = strings.Join(strings.Fields(fallback), " ")
	}
	if len(s) >= 3 && strings.EqualFold(s[:3], "re:") {
		return "Re: " + strings.TrimSpace(s[3:])
	}
	return "Re: " + s
}

// Recipients are the envelope recipients of h: To then Cc.
func (h Headers) Recipients() []string {
	out := make([]string, 0, len(h.To)+len(h.Cc))
	for _, a := range append(append([]Address(nil), h.To...), h.Cc...) {
		out = append(out, a.Email)
	}
	return out
}

// attribution is the line above the quote, as mutt and b4 write it.
func attribution(p Parent) string {
	who := p.From.Name
	if fs := addresses(get(parseStored(p.Headers), "From")); len(fs) > 0 {
		if fs[0].Name != "" {
			who = fs[0].Name
		} else if who == "" {
			who = fs[0].Email
		}
	}
	if who == "" {
		who = p.From.Email
	}
	if p.Date.IsZero() {
		return who + " wrote:"
	}
	return "On " + p.Date.UTC().Format("Mon, 02 Jan 2006 15:04:05 -0700") + ", " + who + " wrote:"
}

// quote prefixes every line with "> " (">" alone on an empty line).
func quote(b *strings.Builder, text string) {
	text = strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if text == "" {
		return
	}
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			b.WriteString(">\n")
		} else {
			b.WriteString("> " + l + "\n")
		}
	}
}

// Quote is the draft a reply starts from: the attribution line and the
// parent quoted whole, its diff too, so that the reviewer cuts it down
// and answers inline.
func Quote(p Parent) string {
	var b strings.Builder
	b.WriteString(attribution(p) + "\n")
	quote(&b, p.Content)
	if p.Diff != "" {
		if strings.TrimSpace(p.Content) != "" && !strings.HasSuffix(strings.TrimRight(p.Content, "\n"), "---") {
			b.WriteString(">\n")
		}
		quote(&b, p.Diff)
	}
	b.WriteString("\n")
	return b.String()
}

// Trailers are the tags a one-key reply gives, by the short names the
// TUI and the SSH command line use.
var Trailers = map[string]string{
	"reviewed-by": "Reviewed-by",
	"acked-by":    "Acked-by",
	"tested-by":   "Tested-by",
}

// TrailerBody is a one-trailer reply: the parent's subject quoted (so a
// reader sees what it answers) and "Trailer: Name <email>".
func TrailerBody(p Parent, trailer string, who Address) string {
	var b strings.Builder
	b.WriteString(attribution(p) + "\n")
	subject := decode(get(parseStored(p.Headers), "Subject"))
	if strings.TrimSpace(subject) == "" {
		subject = p.Subject
	}
	quote(&b, strings.Join(strings.Fields(subject), " "))
	b.WriteString("\n" + trailer + ": " + who.String() + "\n")
	return b.String()
}

// Applied is one patch that went in, for the thank-you note.
type Applied struct {
	Number    int // position in the series, 0 when none
	Total     int
	Name      string // the patch's subject without its [PATCH] prefix
	CommitRef string
	CommitURL string // the commit's web address, "" when unknown
}

// ThanksBody is the "applied, thanks" note b4 ty writes: the parent's
// subject quoted, then each applied patch with its commit when known.
func ThanksBody(p Parent, applied []Applied, who Address) string {
	var b strings.Builder
	b.WriteString(attribution(p) + "\n")
	subject := decode(get(parseStored(p.Headers), "Subject"))
	if strings.TrimSpace(subject) == "" {
		subject = p.Subject
	}
	quote(&b, strings.Join(strings.Fields(subject), " "))
	b.WriteString("\nApplied, thanks!\n\n")
	for _, a := range applied {
		prefix := ""
		if a.Total > 1 || a.Number > 0 {
			prefix = "[" + strconv.Itoa(a.Number) + "/" + strconv.Itoa(a.Total) + "] "
		}
		b.WriteString(prefix + strings.Join(strings.Fields(a.Name), " ") + "\n")
		pad := strings.Repeat(" ", len(prefix))
		if a.CommitRef != "" {
			b.WriteString(pad + "commit: " + a.CommitRef + "\n")
		}
		if a.CommitURL != "" {
			b.WriteString(pad + a.CommitURL + "\n")
		}
	}
	b.WriteString("\nBest regards,\n-- \n" + who.String() + "\n")
	return b.String()
}

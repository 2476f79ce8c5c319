package compose

import (
	"bytes"
	"io"
	"mime"
	"net/mail"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
)

var me = Address{Name: "Rev Iewer", Email: "rev@example.org"}

func TestReplyHeaders(t *testing.T) {
	tests := []struct {
		name    string
		parent  Parent
		list    string
		want    Headers
		wantRcp []string
	}{
		{
			name: "reply all: sender in To, To and Cc in Cc, list already there",
			parent: Parent{MsgID: "<p1@x>", Headers: "From: Jane Doe <jane@example.org>\nTo: dev@lists.example.org\n" +
				"Cc: Bob <bob@example.org>,\n Rev Iewer <REV@example.org>\nSubject: [PATCH 1/2] frob: add it\nMessage-ID: <p1@x>"},
			list: "dev@lists.example.org",
			want: Headers{Subject: "Re: [PATCH 1/2] frob: add it",
				To:        []Address{{"Jane Doe", "jane@example.org"}},
				Cc:        []Address{{"", "dev@lists.example.org"}, {"Bob", "bob@example.org"}},
				InReplyTo: "<p1@x>", References: []string{"<p1@x>"}},
			wantRcp: []string{"jane@example.org", "dev@lists.example.org", "bob@example.org"},
		},
		{
			name: "Reply-To wins, list added when missing, thread kept, Re: not stacked",
			parent: Parent{MsgID: "<c2@x>", Headers: "From: Jane <jane@example.org>\nReply-To: jane@home.example\n" +
				"To: Rev Iewer <rev@example.org>\nSubject: RE:  [PATCH]   frob\nIn-Reply-To: <p1@x>\nReferences: <c0@x>\n <p1@x>"},
			list: "dev@lists.example.org",
			want: Headers{Subject: "Re: [PATCH] frob",
				To:        []Address{{"", "jane@home.example"}},
				Cc:        []Address{{"", "dev@lists.example.org"}},
				InReplyTo: "<c2@x>", References: []string{"<c0@x>", "<p1@x>", "<c2@x>"}},
			wantRcp: []string{"jane@home.example", "dev@lists.example.org"},
		},
		{
			name: "encoded subject and name decoded, In-Reply-To used without References",
			parent: Parent{MsgID: "<c3@x>", Headers: "From: =?utf-8?q?J=C3=B6rg?= <jorg@example.org>\n" +
				"Subject: =?utf-8?q?=5BPATCH=5D_f=C3=BCr?=\nIn-Reply-To: <p9@x>"},
			want: Headers{Subject: "Re: [PATCH] für",
				To:        []Address{{"Jörg", "jorg@example.org"}},
				InReplyTo: "<c3@x>", References: []string{"<p9@x>", "<c3@x>"}},
			wantRcp: []string{"jorg@example.org"},
		},
		{
			name:   "no headers: the patch's name and submitter stand in; a bad Cc part is left out",
			parent: Parent{MsgID: "<p4@x>", Subject: "[v2] frob", From: Address{"Jane", "jane@example.org"}, Headers: "Cc: not an address, ok@example.org"},
			list:   "dev@lists.example.org",
			want: Headers{Subject: "Re: [v2] frob", To: []Address{{"Jane", "jane@example.org"}},
				Cc:        []Address{{"", "ok@example.org"}, {"", "dev@lists.example.org"}},
				InReplyTo: "<p4@x>", References: []string{"<p4@x>"}},
			wantRcp: []string{"jane@example.org", "ok@example.org", "dev@lists.example.org"},
		},
		{
			name:   "answering oneself: the list becomes To",
			parent: Parent{MsgID: "<p5@x>", Headers: "From: rev@example.org\nTo: dev@lists.example.org\nSubject: x"},
			list:   "dev@lists.example.org",
			want: Headers{Subject: "Re: x", To: []Address{{"", "dev@lists.example.org"}},
				InReplyTo: "<p5@x>", References: []string{"<p5@x>"}},
			wantRcp: []string{"dev@lists.example.org"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ReplyHeaders(tt.parent, me, tt.list)
			if len(got.Cc) == 0 && len(tt.want.Cc) == 0 {
				got.Cc, tt.want.Cc = nil, nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReplyHeaders:\n got %+v\nwant %+v", got, tt.want)
			}
			if r := got.Recipients(); !reflect.DeepEqual(r, tt.wantRcp) {
				t.Errorf("Recipients = %v, want %v", r, tt.wantRcp)
			}
		})
	}
}

func TestReferencesTrimmed(t *testing.T) {
	var refs []string
	for i := 0; i < 40; i++ {
		refs = append(refs, "<r"+string(rune('a'+i%26))+itoa2(i)+"@x>")
	}
	h := ReplyHeaders(Parent{MsgID: "<last@x>", Headers: "References: " + strings.Join(refs, " ")}, me, "")
	if len(h.References) != maxReferences || h.References[0] != refs[0] || h.References[maxReferences-1] != "<last@x>" ||
		h.References[maxReferences-2] != refs[39] {
		t.Errorf("References = %v", h.References)
	}
}

func itoa2(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }

var date = time.Date(2026, 12, 7, 10, 30, 0, 0, time.UTC)

func TestBodies(t *testing.T) {
	p := Parent{MsgID: "<p1@x>", Date: date, Headers: "From: Jane Doe <jane@example.org>\nSubject: [PATCH 1/2] frob: add\n it",
		Content: "Add the frobnicator.\n\nSigned-off-by: Jane Doe <jane@example.org>\n---\n", Diff: "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-old \n+new\n"}
	tests := []struct{ name, got, want string }{
		{"quote", Quote(p), "On Mon, 07 Dec 2026 10:30:00 +0000, Jane Doe wrote:\n" +
			"> Add the frobnicator.\n>\n> Signed-off-by: Jane Doe <jane@example.org>\n> ---\n" +
			"> diff --git a/f b/f\n> --- a/f\n> +++ b/f\n> @@ -1 +1 @@\n> -old\n> +new\n\n"},
		{"quote without diff", Quote(Parent{Content: "hi\n", From: Address{Email: "a@b.c"}}), "a@b.c wrote:\n> hi\n\n"},
		{"trailer", TrailerBody(p, "Reviewed-by", me), "On Mon, 07 Dec 2026 10:30:00 +0000, Jane Doe wrote:\n" +
			"> [PATCH 1/2] frob: add it\n\nReviewed-by: \"Rev Iewer\" <rev@example.org>\n"},
		{"thanks", ThanksBody(p, []Applied{{Number: 1, Total: 2, Name: "frob: add it", CommitRef: "abc123", CommitURL: "https://git/abc123"},
			{Number: 2, Total: 2, Name: "frob: use it"}}, me),
			"On Mon, 07 Dec 2026 10:30:00 +0000, Jane Doe wrote:\n> [PATCH 1/2] frob: add it\n\nApplied, thanks!\n\n" +
				"[1/2] frob: add it\n      commit: abc123\n      https://git/abc123\n[2/2] frob: use it\n\n" +
				"Best regards,\n-- \n\"Rev Iewer\" <rev@example.org>\n"},
		{"thanks, single patch", ThanksBody(Parent{Subject: "frob", From: Address{Name: "J"}}, []Applied{{Name: "frob", CommitRef: "c0ffee"}}, Address{Email: "m@x.org"}),
			"J wrote:\n> frob\n\nApplied, thanks!\n\nfrob\ncommit: c0ffee\n\nBest regards,\n-- \n<m@x.org>\n"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestRender: the message parses back with net/mail into what went in,
// whatever the body holds.
func TestRender(t *testing.T) {
	h := Headers{Subject: "Re: [PATCH] für frob", To: []Address{{"Jörg Q. Public", "jorg@example.org"}},
		Cc: []Address{{"", "dev@lists.example.org"}, {"Bob, Jr.", "bob@example.org"}}, InReplyTo: "<p1@x>", References: []string{"<p0@x>", "<p1@x>"}}
	tests := []struct{ name, body, cte string }{
		{"ascii", "Reviewed-by: A <a@b.c>\n", "7bit"},
		{"utf-8", "Grüße\n> quoted\n", "8bit"},
		{"long line", "x" + strings.Repeat("é", 600) + "\nend", "quoted-printable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := Render(Mail{Headers: h, From: me, MsgID: "<m1@x>", Date: date, Body: tt.body})
			for i, l := range bytes.Split(raw, []byte("\r\n")) {
				if len(l) > maxLine || bytes.ContainsAny(l, "\r\n") {
					t.Fatalf("line %d is %d bytes or has a bare line end", i, len(l))
				}
			}
			msg, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			dec := new(mime.WordDecoder)
			subj, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
			if subj != h.Subject || msg.Header.Get("Message-ID") != "<m1@x>" || msg.Header.Get("In-Reply-To") != "<p1@x>" ||
				msg.Header.Get("References") != "<p0@x> <p1@x>" || msg.Header.Get("Content-Transfer-Encoding") != tt.cte {
				t.Errorf("headers: %v (subject %q)", msg.Header, subj)
			}
			to, err := msg.Header.AddressList("To")
			cc, err2 := msg.Header.AddressList("Cc")
			from, err3 := msg.Header.AddressList("From")
			if err != nil || err2 != nil || err3 != nil || len(to) != 1 || to[0].Name != "Jörg Q. Public" || len(cc) != 2 ||
				cc[1].Name != "Bob, Jr." || from[0].Address != me.Email {
				t.Errorf("addresses: to %v cc %v from %v (%v %v %v)", to, cc, from, err, err2, err3)
			}
			d, _ := msg.Header.Date()
			if !d.Equal(date) {
				t.Errorf("date %v", d)
			}
			if got, want := BodyOf(raw), strings.TrimSuffix(tt.body, "\n")+"\n"; got != want {
				t.Errorf("BodyOf = %q, want %q", got, want)
			}
			body, _ := io.ReadAll(msg.Body)
			if tt.cte == "quoted-printable" {
				return // the parser tests read it back
			}
			want := strings.ReplaceAll(tt.body, "\n", "\r\n")
			if string(body) != want {
				t.Errorf("body %q, want %q", body, want)
			}
		})
	}
}

func TestNewMsgID(t *testing.T) {
	a, b := NewMsgID(date, "example.org"), NewMsgID(date, "example.org")
	if a == b || !strings.HasPrefix(a, "<20261207103000.") || !strings.HasSuffix(a, "@example.org>") {
		t.Errorf("NewMsgID: %q, %q", a, b)
	}
	if _, err := mail.ParseAddress(a); err != nil {
		t.Errorf("%s is not an addr-spec: %v", a, err)
	}
}

// TestRenderPythonEmail: Python's email package (what upstream Patchwork's
// parser reads mail with) finds no defect in a rendered reply and reads
// back its headers and body.
func TestRenderPythonEmail(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	h := Headers{Subject: "Re: [PATCH v2 1/3] für: a very long subject line that goes on and on past the seventy-eight columns",
		To: []Address{{"Jörg Q. Public", "jorg@example.org"}}, Cc: []Address{{"", "dev@lists.example.org"}, {"Bob, Jr.", "bob@example.org"}},
		InReplyTo: "<p1@x>", References: []string{"<p0@x>", "<p1@x>"}}
	for _, body := range []string{"Reviewed-by: A <a@b.c>\n", "Grüße\n> quoted\n", strings.Repeat("é", 700) + "\n"} {
		raw := Render(Mail{Headers: h, From: me, MsgID: "<m1@x>", Date: date, Body: body})
		cmd := exec.Command(py, "-c", `
import sys, email, email.policy
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
defects = list(m.defects) + [d for p in m.walk() for d in p.defects]
for k in ("Subject", "To", "Cc", "Message-ID", "In-Reply-To", "References"):
    for d in getattr(m[k], "defects", ()):
        defects.append(d)
print(repr(defects))
print(m["Subject"])
print(m["To"].addresses[0].display_name)
print(m["References"])
sys.stdout.write(repr(m.get_content().replace('\r\n', '\n')))
`)
		cmd.Stdin = bytes.NewReader(raw)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("python: %v\n%s", err, out)
		}
		want := "[]\n" + h.Subject + "\nJörg Q. Public\n<p0@x> <p1@x>\n" + pyRepr(body)
		if string(out) != want {
			t.Errorf("python read:\n%s\nwant:\n%s", out, want)
		}
	}
}

// pyRepr is Python's repr of an ASCII-or-Latin text without quotes in it.
func pyRepr(s string) string { return "'" + strings.ReplaceAll(s, "\n", `\n`) + "'" }

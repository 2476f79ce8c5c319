package service_test

import (
	"bytes"
	"context"
	"errors"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/server/notify"
	"github.com/patchwork-go/patchwork/server/notify/smtptest"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

const mailListID = "dev.lists.example.org"

// mailPatch is a two-patch series with a cover letter, as a list sends it.
func mailPatch(n int, msgid, subject, body string) []byte {
	refs := ""
	if n > 0 {
		refs = "In-Reply-To: <cover@example.org>\nReferences: <cover@example.org>\n"
	}
	return []byte("From: Jane Doe <jane@example.org>\nTo: dev@lists.example.org\nCc: Bob <bob@example.org>\n" +
		"Subject: " + subject + "\nDate: Mon, 07 Dec 2026 09:00:0" + string(rune('0'+n)) + " +0000\nMessage-ID: " + msgid + "\n" + refs +
		"List-Id: Dev <" + mailListID + ">\n\n" + body)
}

type mailFixture struct {
	st       store.Store
	smtp     *smtptest.Server
	svc      *service.Service
	now      time.Time
	proj     *store.Project
	rev      *store.User
	patchIDs []int64
	coverID  int64
	in       *mailin.Ingester
}

func newMailFixture(t *testing.T, st store.Store, perHour int) *mailFixture {
	t.Helper()
	ctx := context.Background()
	f := &mailFixture{st: st, smtp: smtptest.Start(t), now: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)}
	f.proj = &store.Project{LinkName: "dev", Name: "Dev", ListID: mailListID, ListEmail: "dev@lists.example.org", UseTags: true}
	if err := st.CreateProject(ctx, f.proj); err != nil {
		t.Fatal(err)
	}
	f.rev = &store.User{Username: "rev", Email: "rev@example.org", FirstName: "Rev", LastName: "Iewer", Active: true, DateJoined: f.now}
	if err := st.CreateUser(ctx, f.rev); err != nil {
		t.Fatal(err)
	}
	if err := st.AddMaintainer(ctx, f.proj.ID, f.rev.ID); err != nil {
		t.Fatal(err)
	}
	f.in = mailin.NewIngester(st, nil)
	mails := [][]byte{
		mailPatch(0, "<cover@example.org>", "[PATCH 0/2] frob: faster", "Two patches.\n"),
		mailPatch(1, "<p1@example.org>", "[PATCH 1/2] frob: add the frobnicator", "Add it.\n\nSigned-off-by: Jane Doe <jane@example.org>\n---\ndiff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-old\n+new\n"),
		mailPatch(2, "<p2@example.org>", "[PATCH 2/2] frob: use it", "Use it.\n\nSigned-off-by: Jane Doe <jane@example.org>\n---\ndiff --git a/g.c b/g.c\n--- a/g.c\n+++ b/g.c\n@@ -1 +1 @@\n-a\n+b\n"),
	}
	for _, m := range mails {
		res, err := f.in.Ingest(ctx, m, "")
		if err != nil {
			t.Fatal(err)
		}
		if res.PatchID != 0 {
			f.patchIDs = append(f.patchIDs, res.PatchID)
		}
		if res.CoverID != 0 {
			f.coverID = res.CoverID
		}
	}
	if len(f.patchIDs) != 2 || f.coverID == 0 {
		t.Fatalf("mailFixture: patches %v, cover %d", f.patchIDs, f.coverID)
	}
	mailer, err := notify.NewMailer(notify.SMTPOptions{Host: f.smtp.Host, Port: f.smtp.Port, Timeout: 5 * time.Second}, "patchwork@example.org")
	if err != nil {
		t.Fatal(err)
	}
	f.svc = service.New(st, service.Options{Now: func() time.Time { return f.now }, Mail: service.MailOptions{Sender: mailer, EnvelopeFrom: "patchwork@example.org", PerHour: perHour}})
	return f
}

func mailTagCount(t *testing.T, st store.Store, patchID int64, name string) int {
	t.Helper()
	ctx := context.Background()
	tags, err := st.ListTags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	counts, err := st.GetTagCounts(ctx, patchID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range tags {
		if tg.Name == name {
			return counts[tg.ID]
		}
	}
	t.Fatalf("no tag %q", name)
	return 0
}

// TestTrailerRoundTrip: a Reviewed-by sent through a real SMTP server is
// recorded as waiting for the list; fed back to the parser as the list
// would deliver it, it becomes a comment on the right patch whose tag
// counts, the sent mail links to it, and a second delivery stores nothing.
func TestTrailerRoundTrip(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		f := newMailFixture(t, st, 0)
		pid := f.patchIDs[0]
		m, err := f.svc.SendTrailer(ctx, f.rev, service.ReplyTarget{PatchID: pid}, "reviewed-by")
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != store.SentSent || m.Error != "" || m.Sent.IsZero() {
			t.Fatalf("sent mail: %+v", m)
		}
		got := f.smtp.Wait(1, 5*time.Second)
		if len(got) != 1 {
			t.Fatalf("smtp got %d mails", len(got))
		}
		if got[0].From != "patchwork@example.org" || strings.Join(got[0].To, " ") != "jane@example.org dev@lists.example.org bob@example.org" {
			t.Errorf("envelope: from %q to %v", got[0].From, got[0].To)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(got[0].Data))
		if err != nil {
			t.Fatal(err)
		}
		if msg.Header.Get("Message-ID") != m.MsgID || msg.Header.Get("In-Reply-To") != "<p1@example.org>" ||
			msg.Header.Get("References") != "<cover@example.org> <p1@example.org>" ||
			msg.Header.Get("Subject") != "Re: [PATCH 1/2] frob: add the frobnicator" ||
			msg.Header.Get("From") != `"Rev Iewer" <rev@example.org>` {
			t.Errorf("headers: %v", msg.Header)
		}
		pend, err := f.svc.PendingMail(ctx, service.ReplyTarget{PatchID: pid})
		if err != nil || len(pend) != 1 || pend[0].MsgID != m.MsgID || pend[0].CommentID != 0 {
			t.Fatalf("pending before the list copy: %+v, %v", pend, err)
		}
		if n := mailTagCount(t, st, pid, "Reviewed-by"); n != 0 {
			t.Fatalf("Reviewed-by counted %d before the list delivered it", n)
		}

		// The list adds its headers and delivers it back.
		listCopy := append([]byte("List-Id: Dev <"+mailListID+">\r\nX-Mailing-List: dev\r\n"), got[0].Data...)
		res, err := f.in.Ingest(ctx, listCopy, "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Kind != mailin.StoredPatchComment || res.PatchID != pid {
			t.Fatalf("ingest of the list copy: %+v", res)
		}
		cm, err := st.GetComment(ctx, res.CommentID)
		if err != nil {
			t.Fatal(err)
		}
		if cm.MsgID != m.MsgID || !strings.Contains(cm.Content, "Reviewed-by: \"Rev Iewer\" <rev@example.org>") {
			t.Errorf("comment: %+v", cm)
		}
		if n := mailTagCount(t, st, pid, "Reviewed-by"); n != 1 {
			t.Errorf("Reviewed-by = %d after the list copy, want 1", n)
		}
		if pend, err := f.svc.PendingMail(ctx, service.ReplyTarget{PatchID: pid}); err != nil || len(pend) != 0 {
			t.Errorf("pending after the list copy: %+v, %v", pend, err)
		}
		all, err := st.ListSentMails(ctx, store.SentMailQuery{UserID: f.rev.ID})
		if err != nil || len(all) != 1 || all[0].CommentID != cm.ID {
			t.Errorf("sent mails after the list copy: %+v, %v", all, err)
		}
		// The archive brings it again: still one comment, one tag.
		if res, err := f.in.Ingest(ctx, listCopy, ""); err != nil || res.Kind != mailin.Duplicate {
			t.Errorf("second delivery: %+v, %v", res, err)
		}
		if n := mailTagCount(t, st, pid, "Reviewed-by"); n != 1 {
			t.Errorf("Reviewed-by = %d after a second delivery", n)
		}
	})
}

// TestReplyQuotedDiffIsAComment: a reply quoting the whole patch, diff
// included, is taken in as a comment (not a patch) on that patch.
func TestReplyQuotedDiffIsAComment(t *testing.T) {
	st := sqltest.SQLite(t)
	ctx := context.Background()
	f := newMailFixture(t, st, 0)
	pid := f.patchIDs[1]
	d, err := f.svc.NewReplyDraft(ctx, f.rev, service.ReplyTarget{PatchID: pid})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Body, "> diff --git a/g.c b/g.c\n") || !strings.HasPrefix(d.Body, "On Mon, 07 Dec 2026 09:00:02 +0000, Jane Doe wrote:\n> Use it.") {
		t.Fatalf("draft body:\n%s", d.Body)
	}
	if len(d.Headers.Cc) != 2 || d.Headers.To[0].Email != "jane@example.org" {
		t.Errorf("draft headers: %+v", d.Headers)
	}
	m, err := f.svc.SendReply(ctx, f.rev, service.ReplyTarget{PatchID: pid}, d.Body+"Looks good, one nit: ünïcode.\n\nAcked-by: Rev Iewer <rev@example.org>\n")
	if err != nil || m.Status != store.SentSent {
		t.Fatalf("reply: %+v, %v", m, err)
	}
	got := f.smtp.Wait(1, 5*time.Second)
	res, err := f.in.Ingest(ctx, got[0].Data, mailListID)
	if err != nil || res.Kind != mailin.StoredPatchComment || res.PatchID != pid {
		t.Fatalf("ingest: %+v, %v", res, err)
	}
	cm, _ := st.GetComment(ctx, res.CommentID)
	if !strings.Contains(cm.Content, "one nit: ünïcode.") {
		t.Errorf("comment content: %q", cm.Content)
	}
	if n := mailTagCount(t, st, pid, "Acked-by"); n != 1 {
		t.Errorf("Acked-by = %d", n)
	}
}

// TestRefusedSendStaysDraft: the SMTP server refusing leaves a draft with
// the error; the retry sends the same Message-ID once; retrying a sent
// mail sends nothing.
func TestRefusedSendStaysDraft(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		f := newMailFixture(t, st, 0)
		f.smtp.FailNext(1)
		m, err := f.svc.SendTrailer(ctx, f.rev, service.ReplyTarget{PatchID: f.patchIDs[0]}, "tested-by")
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != store.SentDraft || !strings.Contains(m.Error, "451") {
			t.Fatalf("refused send: status %q error %q", m.Status, m.Error)
		}
		stored, err := st.GetSentMail(ctx, m.ID)
		if err != nil || stored.Status != store.SentDraft || stored.Error != m.Error || !bytes.Equal(stored.Raw, m.Raw) {
			t.Fatalf("stored draft: %+v, %v", stored, err)
		}
		r, err := f.svc.RetryMail(ctx, f.rev, m.ID)
		if err != nil || r.Status != store.SentSent || r.Error != "" || r.MsgID != m.MsgID {
			t.Fatalf("retry: %+v, %v", r, err)
		}
		// The same trailer again (the TUI's retry): the refused draft
		// goes, with its Message-ID, rather than a second mail.
		f.smtp.FailNext(1)
		m2, err := f.svc.SendTrailer(ctx, f.rev, service.ReplyTarget{PatchID: f.patchIDs[1]}, "tested-by")
		if err != nil || m2.Status != store.SentDraft {
			t.Fatalf("second refused send: %+v, %v", m2, err)
		}
		r2, err := f.svc.SendTrailer(ctx, f.rev, service.ReplyTarget{PatchID: f.patchIDs[1]}, "tested-by")
		if err != nil || r2.ID != m2.ID || r2.MsgID != m2.MsgID || r2.Status != store.SentSent {
			t.Fatalf("trailer again after a refusal: %+v, %v (draft %+v)", r2, err, m2)
		}
		if _, err := f.svc.RetryMail(ctx, f.rev, m.ID); err != nil {
			t.Fatal(err)
		}
		got := f.smtp.Wait(3, time.Second)
		if len(got) != 2 || !bytes.Contains(got[0].Data, []byte("Message-ID: "+m.MsgID+"\r\n")) ||
			!bytes.Contains(got[1].Data, []byte("Message-ID: "+m2.MsgID+"\r\n")) {
			t.Fatalf("smtp got %d mails", len(got))
		}
		// Sessions retrying one draft at once: one sends it.
		f.smtp.FailNext(1)
		m3, err := f.svc.SendTrailer(ctx, f.rev, service.ReplyTarget{PatchID: f.patchIDs[0]}, "acked-by")
		if err != nil || m3.Status != store.SentDraft {
			t.Fatalf("third refused send: %+v, %v", m3, err)
		}
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.svc.RetryMail(ctx, f.rev, m3.ID); err != nil && !strings.Contains(err.Error(), "being sent already") {
					t.Errorf("concurrent retry: %v", err)
				}
			}()
		}
		wg.Wait()
		if got := f.smtp.Wait(4, 500*time.Millisecond); len(got) != 3 {
			t.Errorf("after concurrent retries the server got %d mails, want 3", len(got))
		}
		other := &store.User{Username: "eve", Email: "eve@example.org", Active: true, DateJoined: f.now}
		if err := st.CreateUser(ctx, other); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RetryMail(ctx, other, m.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("someone else's retry: %v", err)
		}
	})
}

// TestTimeoutStaysDraft: a server that never answers leaves a draft whose
// error says so, within the send timeout.
func TestTimeoutStaysDraft(t *testing.T) {
	st := sqltest.SQLite(t)
	ctx := context.Background()
	f := newMailFixture(t, st, 0)
	mailer, err := notify.NewMailer(notify.SMTPOptions{Host: "127.0.0.1", Port: silentPort(t), Timeout: 300 * time.Millisecond}, "patchwork@example.org")
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(st, service.Options{Now: func() time.Time { return f.now }, Mail: service.MailOptions{Sender: mailer, EnvelopeFrom: "patchwork@example.org", SendTimeout: 300 * time.Millisecond}})
	m, err := svc.SendTrailer(ctx, f.rev, service.ReplyTarget{PatchID: f.patchIDs[0]}, "acked-by")
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != store.SentDraft || m.Error == "" {
		t.Fatalf("timed-out send: %+v", m)
	}
}

// TestMailRules: who may send, and why not.
func TestMailRules(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		f := newMailFixture(t, st, 2)
		tgt := service.ReplyTarget{PatchID: f.patchIDs[0]}
		unconfirmed := &store.User{Username: "new", Email: "new@example.org", Active: false, DateJoined: f.now}
		if err := st.CreateUser(ctx, unconfirmed); err != nil {
			t.Fatal(err)
		}
		noSMTP := service.New(st, service.Options{})
		cases := []struct {
			name string
			svc  *service.Service
			u    *store.User
			want string
		}{
			{"anonymous", f.svc, nil, "anonymous keys cannot send mail"},
			{"unconfirmed", f.svc, unconfirmed, "new has no confirmed e-mail address"},
			{"no smtp", noSMTP, f.rev, "no [smtp] server"},
		}
		for _, c := range cases {
			_, err := c.svc.SendTrailer(ctx, c.u, tgt, "reviewed-by")
			if !errors.Is(err, store.ErrForbidden) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		if _, err := f.svc.SendTrailer(ctx, f.rev, tgt, "signed-off-by"); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("unknown trailer: %v", err)
		}
		if _, err := f.svc.SendReply(ctx, f.rev, tgt, " \n"); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("empty reply: %v", err)
		}

		if err := st.SetReplySettings(ctx, store.ReplySettings{ProjectID: f.proj.ID, AllowReplies: false, Thanks: store.ThanksAsk}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SendTrailer(ctx, f.rev, tgt, "reviewed-by"); err == nil || !strings.Contains(err.Error(), "allow_replies") {
			t.Errorf("replies off: %v", err)
		}
		if err := st.SetReplySettings(ctx, store.ReplySettings{ProjectID: f.proj.ID, AllowReplies: true, Thanks: store.ThanksAsk}); err != nil {
			t.Fatal(err)
		}

		// Two an hour: the third is refused, an hour later it goes.
		for i := 0; i < 2; i++ {
			if m, err := f.svc.SendTrailer(ctx, f.rev, tgt, "reviewed-by"); err != nil || m.Status != store.SentSent {
				t.Fatalf("send %d: %+v, %v", i, m, err)
			}
			f.now = f.now.Add(time.Minute)
		}
		if _, err := f.svc.SendTrailer(ctx, f.rev, tgt, "reviewed-by"); err == nil || !strings.Contains(err.Error(), "rate limit") {
			t.Errorf("third send in an hour: %v", err)
		}
		f.now = f.now.Add(time.Hour)
		if _, err := f.svc.SendTrailer(ctx, f.rev, tgt, "reviewed-by"); err != nil {
			t.Errorf("an hour later: %v", err)
		}
		if n := len(f.smtp.Messages()); n != 3 {
			t.Errorf("smtp got %d mails, want 3", n)
		}
	})
}

// TestMailThanks: one note per series, to the cover, listing the accepted
// patches with their commits; asked or not per the project.
func TestMailThanks(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		f := newMailFixture(t, st, 0)
		f.proj.CommitURLFormat = "https://git.example.org/c/{}"
		if err := st.UpdateProject(ctx, f.proj); err != nil {
			t.Fatal(err)
		}
		for i, id := range f.patchIDs {
			ref := []string{"abc123", "def456"}[i]
			if _, err := st.UpdatePatch(ctx, id, store.PatchUpdate{CommitRef: &ref}, f.rev.ID); err != nil {
				t.Fatal(err)
			}
		}
		if p, err := f.svc.ThanksPolicy(ctx, f.rev, f.proj.ID); err != nil || p != store.ThanksAsk {
			t.Errorf("default policy %q, %v", p, err)
		}
		if p, err := f.svc.ThanksPolicy(ctx, nil, f.proj.ID); err != nil || p != store.ThanksNever {
			t.Errorf("anonymous policy %q, %v", p, err)
		}
		sent, err := f.svc.SendThanks(ctx, f.rev, f.patchIDs)
		if err != nil || len(sent) != 1 || sent[0].CoverID != f.coverID || sent[0].Kind != store.SentThanks {
			t.Fatalf("thanks: %+v, %v", sent, err)
		}
		got := f.smtp.Wait(1, 5*time.Second)
		body := string(got[0].Data)
		for _, want := range []string{"In-Reply-To: <cover@example.org>", "Subject: Re: [PATCH 0/2] frob: faster",
			"Applied, thanks!\r\n\r\n[1/2] frob: add the frobnicator\r\n      commit: abc123\r\n      https://git.example.org/c/abc123\r\n[2/2] frob: use it\r\n      commit: def456\r\n"} {
			if !strings.Contains(body, want) {
				t.Errorf("thanks mail lacks %q:\n%s", want, body)
			}
		}
		res, err := f.in.Ingest(ctx, got[0].Data, mailListID)
		if err != nil || res.Kind != mailin.StoredCoverComment || res.CoverID != f.coverID {
			t.Errorf("ingest of the thanks: %+v, %v", res, err)
		}
		stranger := &store.User{Username: "eve", Email: "eve@example.org", Active: true, DateJoined: f.now}
		if err := st.CreateUser(ctx, stranger); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SendThanks(ctx, stranger, f.patchIDs[:1]); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("a stranger's thanks: %v", err)
		}
	})
}

package ssh

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/server/notify"
	"github.com/patchwork-go/patchwork/server/notify/smtptest"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// replyServer is an SSH server whose replies go to a real SMTP server.
func replyServer(t *testing.T, st store.Store) (*Server, *smtptest.Server) {
	t.Helper()
	smtp := smtptest.Start(t)
	mailer, err := notify.NewMailer(notify.SMTPOptions{Host: smtp.Host, Port: smtp.Port, Timeout: 5 * time.Second}, "patchwork@patchwork.test")
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, st, func(o *Options) {
		o.Service = service.New(st, service.Options{Now: func() time.Time { return testClock },
			Mail: service.MailOptions{Sender: mailer, EnvelopeFrom: "patchwork@patchwork.test"}})
	})
	return srv, smtp
}

// TestCLIReply: `reply ID --trailer`, `reply ID < body`, --dry-run and
// --retry over real SSH, the mail through a real SMTP server and back
// into the parser as a comment on the patch.
func TestCLIReply(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		srv, smtp := replyServer(t, st)
		p1 := f.patches[0]
		id := itoa(p1.ID)

		r := run(t, srv, f.maintAKey, "", "reply "+id+" --trailer reviewed-by --dry-run").ok(t, "reply --dry-run")
		for _, want := range []string{"From: \"alice\" <alice@example.org>\n", "To: \"Jane Doe\" <jane@example.org>\n",
			"Cc: <alpha@lists.test>\n", "Subject: Re: [PATCH 1/2] frob: add the frobnicator\n", "In-Reply-To: <frob-1@example.org>\n",
			"\nReviewed-by: \"alice\" <alice@example.org>\n"} {
			if !strings.Contains(r.out, want) {
				t.Errorf("dry run lacks %q:\n%s", want, r.out)
			}
		}
		if n := len(smtp.Messages()); n != 0 {
			t.Fatalf("--dry-run sent %d mails", n)
		}

		r = run(t, srv, f.maintAKey, "", "reply "+id+" --trailer reviewed-by").ok(t, "reply --trailer")
		if !strings.HasPrefix(r.out, "sent <") || !strings.Contains(r.out, "jane@example.org, alpha@lists.test") {
			t.Errorf("reply --trailer: %q", r.out)
		}
		r = run(t, srv, f.maintAKey, "> old\n\nNo, this leaks.\n", "reply "+id).ok(t, "reply < body")
		msgs := smtp.Wait(2, 5*time.Second)
		if len(msgs) != 2 || !strings.Contains(string(msgs[1].Data), "\r\n\r\n> old\r\n\r\nNo, this leaks.\r\n") {
			t.Fatalf("smtp got %d mails; last:\n%s", len(msgs), msgs[len(msgs)-1].Data)
		}
		in := mailin.NewIngester(st, nil)
		for _, m := range msgs {
			res, err := in.Ingest(ctx, m.Data, f.projA.ListID)
			if err != nil || res.Kind != mailin.StoredPatchComment || res.PatchID != p1.ID {
				t.Fatalf("ingest of the sent mail: %+v, %v", res, err)
			}
		}

		// A refusal leaves a draft; --retry sends it with its Message-ID.
		smtp.FailNext(1)
		r = run(t, srv, f.maintAKey, "", "reply "+id+" --trailer acked-by")
		r.fails(t, "refused reply", "kept as draft")
		draft := r.err[strings.Index(r.err, "--retry ")+len("--retry "):]
		draft = strings.TrimSpace(draft)
		r = run(t, srv, f.maintAKey, "", "reply --retry "+draft).ok(t, "reply --retry")
		if !strings.HasPrefix(r.out, "sent <") {
			t.Errorf("retry: %q", r.out)
		}
		run(t, srv, f.maintBKey, "", "reply --retry "+draft).fails(t, "someone else's retry", "not found")

		run(t, srv, nil, "", "reply "+id+" --trailer reviewed-by").fails(t, "anonymous reply", "anonymous keys cannot send mail")
		run(t, srv, f.maintAKey, "", "reply "+id+" --trailer signed-off-by").fails(t, "bad trailer", "unknown trailer")
		run(t, srv, f.maintAKey, "", "reply "+id).fails(t, "empty reply", "the reply is empty")
		if err := st.SetReplySettings(ctx, store.ReplySettings{ProjectID: f.projA.ID, Thanks: store.ThanksAsk}); err != nil {
			t.Fatal(err)
		}
		run(t, srv, f.maintAKey, "", "reply "+id+" --trailer reviewed-by").fails(t, "replies off", "replies are turned off")
	})
}

// TestCLIReplyNoSMTP: without a mail server the command says so.
func TestCLIReplyNoSMTP(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)
	srv := startServer(t, st, nil)
	run(t, srv, f.maintAKey, "", "reply "+itoa(f.patches[0].ID)+" --trailer reviewed-by").fails(t, "no smtp", "no [smtp] server")
}

// TestCLIThanks: set-state accepted says how to thank (policy ask), sends
// it unasked with policy always, and reply --thanks sends it to the
// series' cover letter, or to the patch without one.
func TestCLIThanks(t *testing.T) {
	st := sqltest.SQLite(t)
	ctx := context.Background()
	f := newFixture(t, st)
	srv, smtp := replyServer(t, st)
	p1, p2 := itoa(f.patches[0].ID), itoa(f.patches[1].ID)

	r := run(t, srv, f.maintAKey, "", "set-state "+p1+" accepted").ok(t, "set-state accepted")
	if !strings.Contains(r.out, "send \"applied, thanks\" with: ssh <host> reply "+p1+" --thanks") {
		t.Errorf("set-state accepted (ask): %q", r.out)
	}
	if n := len(smtp.Messages()); n != 0 {
		t.Fatalf("policy ask sent %d mails", n)
	}
	r = run(t, srv, f.maintAKey, "", "reply "+p1+" --thanks").ok(t, "reply --thanks")
	msgs := smtp.Wait(1, 5*time.Second)
	if len(msgs) != 1 || !strings.Contains(string(msgs[0].Data), "In-Reply-To: <frob-1@example.org>") ||
		!strings.Contains(string(msgs[0].Data), "Applied, thanks!\r\n\r\n[1/2] frob: add the frobnicator\r\n") {
		t.Fatalf("thanks mail: %s", msgs)
	}
	if err := st.SetReplySettings(ctx, store.ReplySettings{ProjectID: f.projA.ID, AllowReplies: true, Thanks: store.ThanksAlways}); err != nil {
		t.Fatal(err)
	}
	r = run(t, srv, f.maintAKey, "", "set-state "+p2+" accepted").ok(t, "set-state accepted (always)")
	if !strings.Contains(r.out, "sent <") {
		t.Errorf("set-state accepted (always): %q", r.out)
	}
	if msgs := smtp.Wait(2, 5*time.Second); len(msgs) != 2 {
		t.Fatalf("policy always: %d mails", len(msgs))
	}
	run(t, srv, f.maintBKey, "", "reply "+p1+" --thanks").fails(t, "a stranger's thanks", "only maintainers")
}

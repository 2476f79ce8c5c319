package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/patchwork-go/patchwork/mailin"
	"github.com/patchwork-go/patchwork/server/notify"
	"github.com/patchwork-go/patchwork/server/notify/smtptest"
	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// withReplies gives the session a reply service sending through a real
// SMTP server.
func withReplies(t *testing.T, s store.Store) (func(*Options), *smtptest.Server) {
	t.Helper()
	srv := smtptest.Start(t)
	mailer, err := notify.NewMailer(notify.SMTPOptions{Host: srv.Host, Port: srv.Port, Timeout: 5 * time.Second}, "patchwork@example.org")
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(s, service.Options{Now: func() time.Time { return now },
		Mail: service.MailOptions{Sender: mailer, EnvelopeFrom: "patchwork@example.org"}})
	return func(o *Options) { o.Service = svc }, srv
}

// bottomFor goes to the end of the page until every want shows there (a
// reload may land after the key and leave the view above the new end).
func (h *harness) bottomFor(want ...string) string {
	h.t.Helper()
	return h.waitUntil(strings.Join(want, ", ")+" at the bottom", func(s string) bool {
		for _, w := range want {
			if !strings.Contains(s, w) {
				h.typ("G")
				return false
			}
		}
		return true
	})
}

func ctrlS() tea.KeyPressMsg { return tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl} }

// TestReplyTrailerKey: t r on a patch sends Reviewed-by through SMTP, the
// thread shows it as waiting for the list, and once the list's copy is
// ingested it is the comment and the tag counts (in this session and in
// a second one that was open all along).
func TestReplyTrailerKey(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s store.Store) {
		ctx := context.Background()
		f := seed(t, s)
		f.libuv.UseTags = true
		check(t, s.UpdateProject(ctx, f.libuv))
		withSMTP, smtp := withReplies(t, s)
		patchOpts := func(o *Options) { o.InitialPatchID = f.doc.ID }
		h := start(t, s, f.mia, withSMTP, patchOpts)
		other := start(t, s, f.oscar, withSMTP, patchOpts)
		h.waitFor("doc: typo in README", "Diff")
		other.waitFor("doc: typo in README", "Diff")

		h.typ("t")
		h.waitFor("trailer: r Reviewed-by")
		h.typ("r")
		h.waitFor("Reviewed-by sent to jane@example.org, libuv@lists.example.org, waiting for the list")
		h.bottomFor("Sent from patchwork", "mia <mia@example.org>", "sent, waiting for the list", "Reviewed-by: \"mia\" <mia@example.org>")
		other.bottomFor("sent, waiting for the list")
		msgs := smtp.Wait(1, waitLimit)
		if len(msgs) != 1 {
			t.Fatalf("smtp got %d mails", len(msgs))
		}
		if strings.Contains(h.screen(), "Tags") {
			t.Fatalf("a tag counts before the list delivered the mail:\n%s", h.screen())
		}

		res, err := mailin.NewIngester(s, nil).Ingest(ctx, msgs[0].Data, f.libuv.ListID)
		if err != nil || res.Kind != mailin.StoredPatchComment || res.PatchID != f.doc.ID {
			t.Fatalf("ingest: %+v, %v", res, err)
		}
		for _, sess := range []*harness{h, other} {
			sess.bottomFor("Comments (1)", "Reviewed-by: \"mia\"")
			if strings.Contains(sess.screen(), "waiting for the list") {
				t.Errorf("the list copy still shows as waiting:\n%s", sess.screen())
			}
			sess.typ("g")
			sess.waitFor("Reviewed-by: 1")
		}
	})
}

// TestReplyEditor: r opens the draft on the quoted patch; esc keeps it for
// the session; ctrl+s asks with the headers and y sends what was typed.
func TestReplyEditor(t *testing.T) {
	s := sqltest.SQLite(t)
	f := seed(t, s)
	withSMTP, smtp := withReplies(t, s)
	h := start(t, s, f.mia, withSMTP, func(o *Options) { o.InitialPatchID = f.doc.ID })
	h.waitFor("doc: typo in README", "Diff")
	h.typ("r")
	h.waitFor("Subject:  Re: [PATCH] doc: typo in README", "To:       \"Jane Dev\" <jane@example.org>",
		"Cc:       <libuv@lists.example.org>", "Jane Dev wrote:", "> Fix the thing.")
	h.typ("Nice, thanks.")
	h.press("esc")
	h.waitFor("draft kept for this session")
	h.typ("r")
	h.waitFor("Nice, thanks.")
	h.tm.Send(ctrlS())
	h.waitFor("Send this mail to 2 recipients?")
	h.typ("y")
	h.waitFor("reply sent to jane@example.org, libuv@lists.example.org, waiting for the list")
	msgs := smtp.Wait(1, waitLimit)
	if len(msgs) != 1 || !strings.Contains(string(msgs[0].Data), "Nice, thanks.") || !strings.Contains(string(msgs[0].Data), "> Fix the thing.") {
		t.Fatalf("smtp got %d mails: %s", len(msgs), msgs)
	}
	// The draft went with the mail: r starts from the quote again.
	h.typ("r")
	h.waitFor("> Fix the thing.")
	if strings.Contains(h.screen(), "Nice, thanks.") {
		t.Errorf("the sent draft came back:\n%s", h.screen())
	}
}

// TestReplyRefusals: what an anonymous session, an unconfirmed account
// and an instance without SMTP see when they press the keys.
func TestReplyRefusals(t *testing.T) {
	s := sqltest.SQLite(t)
	f := seed(t, s)
	withSMTP, smtp := withReplies(t, s)
	patch := func(o *Options) { o.InitialPatchID = f.doc.ID }

	h := start(t, s, nil, withSMTP, patch)
	h.waitFor("doc: typo in README")
	h.typ("t")
	h.waitFor("trailer: r Reviewed-by")
	h.typ("r")
	h.waitFor("anonymous keys cannot send mail")
	h.typ("r")
	h.waitFor("anonymous keys cannot send mail")

	unconfirmed := &store.User{Username: "newbie", Email: "newbie@example.org", Active: false}
	check(t, s.CreateUser(context.Background(), unconfirmed))
	h = start(t, s, unconfirmed, withSMTP, patch)
	h.waitFor("doc: typo in README")
	h.typ("t")
	h.waitFor("trailer: r Reviewed-by")
	h.typ("a")
	h.waitFor("newbie has no confirmed e-mail address")

	h = start(t, s, f.mia, patch)
	h.waitFor("doc: typo in README")
	h.typ("t")
	h.waitFor("trailer: r Reviewed-by")
	h.typ("t")
	h.waitFor("this instance sends no mail")
	if n := len(smtp.Messages()); n != 0 {
		t.Fatalf("refused sessions sent %d mails", n)
	}
}

// TestReplyThanksOnAccept: setting Accepted asks (the default), y sends
// one "applied, thanks" to the series' cover; "always" sends unasked.
func TestReplyThanksOnAccept(t *testing.T) {
	s := sqltest.SQLite(t)
	ctx := context.Background()
	f := seed(t, s)
	withSMTP, smtp := withReplies(t, s)
	h := start(t, s, f.mia, withSMTP, func(o *Options) { o.InitialPatchID = f.doc.ID })
	h.waitFor("doc: typo in README")
	h.typ("s")
	h.waitFor("State of #" + itoa(f.doc.ID) + " doc: typo in README")
	pickState(h, f, "new", "accepted")
	h.waitFor(`Accepted 1 patch. Send "applied, thanks" to the list?`)
	h.typ("y")
	h.waitFor(`"applied, thanks" sent to jane@example.org, libuv@lists.example.org, waiting for the list`)
	msgs := smtp.Wait(1, waitLimit)
	if len(msgs) != 1 || !strings.Contains(string(msgs[0].Data), "Applied, thanks!\r\n\r\n[PATCH] doc: typo in README") &&
		!strings.Contains(string(msgs[0].Data), "Applied, thanks!\r\n\r\ndoc: typo in README") {
		t.Fatalf("thanks mail: %s", msgs)
	}

	check(t, s.SetReplySettings(ctx, store.ReplySettings{ProjectID: f.libuv.ID, AllowReplies: true, Thanks: store.ThanksAlways}))
	h = start(t, s, f.mia, withSMTP, func(o *Options) { o.InitialPatchID = f.v2p[0].ID })
	h.waitFor("loop fix 1")
	h.typ("s")
	h.waitFor("State of #" + itoa(f.v2p[0].ID) + " unix: loop fix 1")
	pickState(h, f, "new", "accepted")
	h.waitFor(`"applied, thanks" sent`)
	msgs = smtp.Wait(2, waitLimit)
	if len(msgs) != 2 || !strings.Contains(string(msgs[1].Data), "[1/2] unix: loop fix 1") {
		t.Fatalf("second thanks: %d mails", len(msgs))
	}
}

// TestReplyEditorRefused: a reply the SMTP server refuses stays open with
// the error; closed and opened again it is that draft, and sending it
// then sends the same Message-ID, once.
func TestReplyEditorRefused(t *testing.T) {
	s := sqltest.SQLite(t)
	ctx := context.Background()
	f := seed(t, s)
	withSMTP, smtp := withReplies(t, s)
	smtp.FailNext(1)
	h := start(t, s, f.mia, withSMTP, func(o *Options) { o.InitialPatchID = f.doc.ID })
	h.waitFor("doc: typo in README", "Diff")
	h.typ("r")
	h.waitFor("> Fix the thing.")
	h.typ("Refused once.")
	h.tm.Send(ctrlS())
	h.waitFor("Send this mail to 2 recipients?")
	h.typ("y")
	h.waitFor("not sent: ", "451")
	h.press("esc")
	h.waitFor("draft kept for this session")
	h.typ("G")
	h.bottomFor("draft, not sent")
	h.typ("r")
	h.waitFor("not sent before", "Refused once.")
	h.tm.Send(ctrlS())
	h.waitFor("Send this mail to 2 recipients?")
	h.typ("y")
	h.waitFor("reply sent to")
	sent := must(s.ListSentMails(ctx, store.SentMailQuery{PatchID: f.doc.ID}))(t)
	msgs := smtp.Wait(2, time.Second)
	if len(sent) != 1 || sent[0].Status != store.SentSent || len(msgs) != 1 ||
		!strings.Contains(string(msgs[0].Data), "Message-ID: "+sent[0].MsgID+"\r\n") || !strings.Contains(string(msgs[0].Data), "Refused once.") {
		t.Fatalf("sent rows %+v; smtp got %d", sent, len(msgs))
	}
}

// TestReplySeriesTrailer: in the series view t a acks the cover letter
// (one mail, threaded to it); a series without a cover acks each patch.
func TestReplySeriesTrailer(t *testing.T) {
	s := sqltest.SQLite(t)
	f := seed(t, s)
	withSMTP, smtp := withReplies(t, s)
	h := start(t, s, f.mia, withSMTP, func(o *Options) { o.InitialPatchID = f.v1p[0].ID })
	h.waitFor("Diff", "patch 1 of 2")
	h.typ("S")
	h.waitFor("series #", "This series fixes two loop bugs")
	h.typ("t")
	h.waitFor("trailer: r Reviewed-by")
	h.typ("a")
	h.waitFor("Acked-by sent to")
	msgs := smtp.Wait(1, waitLimit)
	if len(msgs) != 1 || !strings.Contains(string(msgs[0].Data), "In-Reply-To: <cover.v1@example.org>\r\n") ||
		!strings.Contains(string(msgs[0].Data), "\r\nAcked-by: \"mia\" <mia@example.org>\r\n") {
		t.Fatalf("cover ack: %s", msgs)
	}
	h.bottomFor("sent, waiting for the list")

	h = start(t, s, f.mia, withSMTP, func(o *Options) { o.InitialPatchID = f.v2p[0].ID })
	h.waitFor("Diff", "patch 1 of 2")
	h.typ("S")
	h.waitFor("series #" + itoa(f.v2.ID))
	h.typ("t")
	h.waitFor("trailer: r Reviewed-by")
	h.typ("t")
	h.waitFor("Tested-by sent (2 mails), waiting for the list")
	msgs = smtp.Wait(3, waitLimit)
	if len(msgs) != 3 || !strings.Contains(string(msgs[1].Data), "In-Reply-To: "+f.v2p[0].MsgID) ||
		!strings.Contains(string(msgs[2].Data), "In-Reply-To: "+f.v2p[1].MsgID) {
		t.Fatalf("acks without a cover: %d mails", len(msgs))
	}
}

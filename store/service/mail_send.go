package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/compose"
)

// ComposeReply renders the mail u would send to t with body, without
// recording or sending it (--dry-run shows it; SendReply and SendTrailer record
// it). The Message-ID is made here.
func (s *Service) ComposeReply(ctx context.Context, u *store.User, t ReplyTarget, kind, body string) (*store.SentMail, error) {
	p, proj, err := s.mailParent(ctx, t)
	if err != nil {
		return nil, err
	}
	if err := s.CheckReply(ctx, u, proj.ID); err != nil {
		return nil, err
	}
	if strings.TrimSpace(body) == "" {
		return nil, ErrEmptyReply
	}
	now := s.clock()
	me := mailFrom(u)
	h := compose.ReplyHeaders(p, me, proj.ListEmail)
	m := &store.SentMail{MsgID: compose.NewMsgID(now, s.mail.MsgIDDomain), UserID: u.ID, ProjectID: proj.ID,
		PatchID: t.PatchID, CoverID: t.CoverID, Kind: kind, Status: store.SentDraft, Subject: h.Subject,
		Rcpt: h.Recipients(), Created: now}
	m.Raw = compose.Render(compose.Mail{Headers: h, From: me, MsgID: m.MsgID, Date: now, Body: body})
	return m, nil
}

// SendReply sends body as u's reply to t.
func (s *Service) SendReply(ctx context.Context, u *store.User, t ReplyTarget, body string) (*store.SentMail, error) {
	return s.recordMail(ctx, u, t, store.SentReply, body)
}

// TrailerBody is the body of the one-line reply giving trailer (a
// compose.Trailers key: "reviewed-by") to t.
func (s *Service) TrailerBody(ctx context.Context, u *store.User, t ReplyTarget, trailer string) (string, error) {
	name, ok := compose.Trailers[strings.ToLower(trailer)]
	if !ok {
		return "", ErrUnknownTrailer
	}
	p, proj, err := s.mailParent(ctx, t)
	if err != nil {
		return "", err
	}
	if err := s.CheckReply(ctx, u, proj.ID); err != nil {
		return "", err
	}
	return compose.TrailerBody(p, name, mailFrom(u)), nil
}

// SendTrailer sends u's trailer ("reviewed-by", "acked-by", "tested-by") to t.
// When u's earlier send of that trailer to t was refused, this is its
// retry: the same message with the same Message-ID, not a second mail.
func (s *Service) SendTrailer(ctx context.Context, u *store.User, t ReplyTarget, trailer string) (*store.SentMail, error) {
	body, err := s.TrailerBody(ctx, u, t, trailer)
	if err != nil {
		return nil, err
	}
	drafts, err := s.st.ListSentMails(ctx, store.SentMailQuery{PatchID: t.PatchID, CoverID: t.CoverID, UserID: u.ID})
	if err != nil {
		return nil, err
	}
	line := []byte("\r\n" + compose.Trailers[strings.ToLower(trailer)] + ": ")
	for _, d := range drafts {
		if d.Status == store.SentDraft && d.Kind == store.SentTrailer && bytes.Contains(d.Raw, line) {
			return s.RetryMail(ctx, u, d.ID)
		}
	}
	return s.recordMail(ctx, u, t, store.SentTrailer, body)
}

// record composes, stores and sends one mail.
func (s *Service) recordMail(ctx context.Context, u *store.User, t ReplyTarget, kind, body string) (*store.SentMail, error) {
	if err := s.mailLimit(ctx, u); err != nil {
		return nil, err
	}
	m, err := s.ComposeReply(ctx, u, t, kind, body)
	if err != nil {
		return nil, err
	}
	if err := s.st.CreateSentMail(ctx, m); err != nil {
		return nil, fmt.Errorf("record the mail to %s: %w", t, err)
	}
	return s.deliverMail(ctx, m)
}

// RetryMail sends u's draft id again: the same message, the same Message-ID.
// A mail already sent is not sent twice.
func (s *Service) RetryMail(ctx context.Context, u *store.User, id int64) (*store.SentMail, error) {
	m, err := s.ownMail(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if m.Status == store.SentSent {
		return m, nil
	}
	if m.Status == store.SentSending {
		return nil, errSending
	}
	if err := s.CheckReply(ctx, u, m.ProjectID); err != nil {
		return nil, err
	}
	if err := s.mailLimit(ctx, u); err != nil {
		return nil, err
	}
	return s.deliverMail(ctx, m)
}

// EditMail replaces the body of u's unsent draft id, keeping its headers and
// Message-ID, and sends it.
func (s *Service) EditMail(ctx context.Context, u *store.User, id int64, body string) (*store.SentMail, error) {
	m, err := s.ownMail(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if m.Status != store.SentDraft {
		return nil, refusal(store.ErrConflict, "that mail was sent already")
	}
	fresh, err := s.ComposeReply(ctx, u, ReplyTarget{PatchID: m.PatchID, CoverID: m.CoverID}, m.Kind, body)
	if err != nil {
		return nil, err
	}
	fresh.ID, fresh.MsgID, fresh.Created = m.ID, m.MsgID, m.Created
	fresh.Raw = rewriteMsgID(fresh.Raw, m.MsgID)
	if err := s.st.UpdateSentMail(ctx, fresh); err != nil {
		return nil, err
	}
	return s.RetryMail(ctx, u, id)
}

// rewriteMsgID puts the draft's Message-ID back into a fresh rendering.
func rewriteMsgID(raw []byte, msgid string) []byte {
	head, body, ok := strings.Cut(string(raw), "\r\n\r\n")
	if !ok {
		return raw
	}
	lines := strings.Split(head, "\r\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "Message-ID: ") {
			lines[i] = "Message-ID: " + msgid
		}
	}
	return []byte(strings.Join(lines, "\r\n") + "\r\n\r\n" + body)
}

func (s *Service) ownMail(ctx context.Context, u *store.User, id int64) (*store.SentMail, error) {
	if u == nil {
		return nil, ErrAnonymousMail
	}
	m, err := s.st.GetSentMail(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.UserID != u.ID {
		// Someone else's draft does not exist, as far as u can tell.
		return nil, fmt.Errorf("draft %d: %w", id, store.ErrNotFound)
	}
	return m, nil
}

// limit refuses when u sent PerHour mails in the last hour.
func (s *Service) mailLimit(ctx context.Context, u *store.User) error {
	if u == nil || s.mail.PerHour < 0 {
		return nil
	}
	since := s.clock().Add(-time.Hour)
	n, err := s.st.CountSentSince(ctx, u.ID, since)
	if err != nil {
		return err
	}
	if n >= s.mail.PerHour {
		return refuse("rate limit: %d mails sent in the last hour (at most %d an hour); try again later", n, s.mail.PerHour)
	}
	return nil
}

// deliver hands m to the SMTP server and records the outcome. A failure
// is not an error of the call: m comes back a draft, m.Error saying why.
func (s *Service) deliverMail(ctx context.Context, m *store.SentMail) (*store.SentMail, error) {
	envelope := s.mail.EnvelopeFrom
	if envelope == "" {
		u, err := s.st.GetUser(ctx, m.UserID)
		if err != nil {
			return nil, err
		}
		envelope = u.Email
	}
	ok, err := s.st.ClaimSentMail(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errSending
	}
	sctx, cancel := context.WithTimeout(ctx, s.mail.SendTimeout)
	err = s.mail.Sender.SendMail(sctx, envelope, m.Rcpt, m.Raw)
	cancel()
	if err != nil {
		m.Status, m.Error = store.SentDraft, sendError(err)
	} else {
		m.Status, m.Error, m.Sent = store.SentSent, "", s.clock()
	}
	// The outcome is recorded even when the session went away meanwhile:
	// a mail that left must not be sent again.
	if uerr := s.st.UpdateSentMail(context.WithoutCancel(ctx), m); uerr != nil {
		return nil, fmt.Errorf("record the outcome of mail %s: %w", m.MsgID, uerr)
	}
	if err == nil {
		// Other sessions showing the thread learn of it from the event
		// log (patch-updated is ours: REST does not list it).
		e := &store.Event{Category: store.EventPatchUpdated, ProjectID: m.ProjectID, Date: m.Sent, ActorID: m.UserID,
			PatchID: m.PatchID, CoverID: m.CoverID}
		if eerr := s.st.CreateEvent(context.WithoutCancel(ctx), e); eerr != nil {
			return nil, fmt.Errorf("record the event of mail %s: %w", m.MsgID, eerr)
		}
	}
	return m, nil
}

// errSending is the answer to a retry of a mail another attempt is
// sending: it may be on its way, so it is not sent again. (An attempt cut
// off by a crash leaves it so for good: write a new reply then.)
var errSending = refusal(store.ErrConflict, "that mail is being sent already (not sending it twice)")

func sendError(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "the mail server did not answer in time: " + err.Error()
	}
	return err.Error()
}

// PendingMail lists the mails sent to t whose list copy has not arrived: the
// thread shows them as "sent, waiting for the list" (or a draft with its
// error).
func (s *Service) PendingMail(ctx context.Context, t ReplyTarget) ([]store.SentMail, error) {
	if t.PatchID == 0 && t.CoverID == 0 {
		return nil, nil
	}
	return s.st.ListSentMails(ctx, store.SentMailQuery{PatchID: t.PatchID, CoverID: t.CoverID, Undelivered: true})
}

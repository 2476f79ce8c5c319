// Mail sent from patchwork for its users (replies, one-key trailers,
// "applied, thanks"): who may send, to what, how often, and what a send
// writes. The TUI and the SSH command line call these and only render the
// answers; store/compose writes the messages.
//
// A send first records the mail (store.SentMail, keyed by a Message-ID
// made here), then hands it to the SMTP server: a refusal or a timeout
// leaves it a draft with the error, and a retry sends the same message
// with the same Message-ID, so the list never sees two. The mail is not a
// comment: the list's copy, ingested by parsemail, becomes the comment,
// and only it counts tags.
package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/compose"
)

// MailSender hands a message to the SMTP server (server/notify's Mailer).
type MailSender interface {
	SendMail(ctx context.Context, from string, rcpt []string, msg []byte) error
}

// DefaultRepliesPerHour is the rate limit when MailOptions.PerHour is 0:
// enough for a busy review afternoon, too few for a stolen key to flood a
// list.
const DefaultRepliesPerHour = 30

// MailOptions configures the mail users send.
type MailOptions struct {
	// Sender sends the mail; nil means the instance has no [smtp] server,
	// and nobody can send.
	Sender MailSender
	// EnvelopeFrom is the SMTP sender (bounces go there): the instance's
	// own address, not the user's, which the relay may refuse to speak
	// for. "" uses the user's address.
	EnvelopeFrom string
	// MsgIDDomain is the right side of generated Message-IDs; "" takes
	// EnvelopeFrom's domain.
	MsgIDDomain string
	// PerHour caps the mails one user sends in an hour; 0 means
	// DefaultRepliesPerHour, a negative value no limit.
	PerHour int
	// SendTimeout bounds one SMTP attempt (a hung server leaves a draft
	// instead of a hung session); 0 means 30 seconds.
	SendTimeout time.Duration
}

// withDefaults fills in what was left zero.
func (o MailOptions) withDefaults() MailOptions {
	if o.PerHour == 0 {
		o.PerHour = DefaultRepliesPerHour
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	if o.MsgIDDomain == "" {
		if _, d, ok := strings.Cut(o.EnvelopeFrom, "@"); ok {
			o.MsgIDDomain = strings.TrimRight(d, ">")
		}
	}
	return o
}

// MailEnabled reports whether the instance can send mail at all.
func (s *Service) MailEnabled() bool { return s != nil && s.mail.Sender != nil }

// mailRefusal is an Error that the TUI shows as it is: the reason a key
// did nothing. The command line reads it as any Error.
type mailRefusal struct{ e *Error }

func (r *mailRefusal) Error() string { return r.e.Msg }

// UserMessage is the sentence shown to the user as it is.
func (r *mailRefusal) UserMessage() string { return r.e.Msg }

// Unwrap lets errors.As find the Error, and errors.Is its sentinel.
func (r *mailRefusal) Unwrap() error { return r.e }

func refusal(kind error, format string, args ...any) error {
	return &mailRefusal{e: &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}}
}

func refuse(format string, args ...any) error { return refusal(store.ErrForbidden, format, args...) }

// The refusals front ends may want to tell apart.
var (
	ErrNoSMTP          = refusal(store.ErrForbidden, "this instance sends no mail (no [smtp] server is configured)")
	ErrAnonymousMail   = refusal(store.ErrForbidden, "anonymous keys cannot send mail: register your key (ssh <host> register --email ADDR)")
	ErrUnknownTrailer  = refusal(store.ErrInvalid, "unknown trailer: want reviewed-by, acked-by or tested-by")
	ErrEmptyReply      = refusal(store.ErrInvalid, "the reply is empty")
	errNothingToAnswer = refusal(store.ErrInvalid, "nothing to reply to")
)

// ReplyTarget is what a mail answers: a patch or a cover letter.
type ReplyTarget struct {
	PatchID, CoverID int64
}

func (t ReplyTarget) String() string {
	if t.CoverID != 0 {
		return fmt.Sprintf("cover %d", t.CoverID)
	}
	return fmt.Sprintf("patch %d", t.PatchID)
}

// CheckReply tells whether u may send mail to the project's list, and if not,
// why, in words for u.
func (s *Service) CheckReply(ctx context.Context, u *store.User, projectID int64) error {
	if !s.MailEnabled() {
		return ErrNoSMTP
	}
	if u == nil {
		return ErrAnonymousMail
	}
	if !u.Active || strings.TrimSpace(u.Email) == "" {
		return refuse("%s has no confirmed e-mail address: mail is sent from it (confirm it first)", u.Username)
	}
	rs, err := s.st.GetReplySettings(ctx, projectID)
	if err != nil {
		return err
	}
	if !rs.AllowReplies {
		return refuse("replies are turned off for this project (allow_replies)")
	}
	return nil
}

// from is u's mailbox as the mail shows it.
func mailFrom(u *store.User) compose.Address {
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if name == "" {
		name = u.Username
	}
	return compose.Address{Name: name, Email: u.Email}
}

// parent reads what t answers, as compose wants it, with its project.
func (s *Service) mailParent(ctx context.Context, t ReplyTarget) (compose.Parent, *store.Project, error) {
	var p compose.Parent
	var projectID, submitterID int64
	switch {
	case t.PatchID != 0:
		pt, err := s.st.GetPatch(ctx, t.PatchID)
		if err != nil {
			return p, nil, fmt.Errorf("patch %d: %w", t.PatchID, err)
		}
		p = compose.Parent{MsgID: pt.MsgID, Headers: pt.Headers, Subject: pt.Name, Content: pt.Content, Diff: pt.Diff, Date: pt.Date}
		projectID, submitterID = pt.ProjectID, pt.SubmitterID
	case t.CoverID != 0:
		c, err := s.st.GetCover(ctx, t.CoverID)
		if err != nil {
			return p, nil, fmt.Errorf("cover %d: %w", t.CoverID, err)
		}
		p = compose.Parent{MsgID: c.MsgID, Headers: c.Headers, Subject: c.Name, Content: c.Content, Date: c.Date}
		projectID, submitterID = c.ProjectID, c.SubmitterID
	default:
		return p, nil, errNothingToAnswer
	}
	if sub, err := s.st.GetPerson(ctx, submitterID); err == nil {
		p.From = compose.Address{Name: sub.Name, Email: sub.Email}
	} else if !errors.Is(err, store.ErrNotFound) {
		return p, nil, fmt.Errorf("sender of %s: %w", t, err)
	}
	proj, err := s.st.GetProject(ctx, projectID)
	if err != nil {
		return p, nil, fmt.Errorf("project of %s: %w", t, err)
	}
	return p, proj, nil
}

// ReplyDraft is a reply about to be written: its headers and the quoted text
// it starts from.
type ReplyDraft struct {
	Target    ReplyTarget
	ProjectID int64
	From      compose.Address
	Headers   compose.Headers
	Body      string
	// ID is the user's refused reply to the same mail, when there is one:
	// the draft opens on it, and sending it again keeps its Message-ID.
	ID    int64
	Error string // why it was refused
}

// NewReplyDraft checks that u may reply to t and returns the draft the editor
// opens on.
func (s *Service) NewReplyDraft(ctx context.Context, u *store.User, t ReplyTarget) (*ReplyDraft, error) {
	p, proj, err := s.mailParent(ctx, t)
	if err != nil {
		return nil, err
	}
	if err := s.CheckReply(ctx, u, proj.ID); err != nil {
		return nil, err
	}
	me := mailFrom(u)
	d := &ReplyDraft{Target: t, ProjectID: proj.ID, From: me, Headers: compose.ReplyHeaders(p, me, proj.ListEmail), Body: compose.Quote(p)}
	mine, err := s.st.ListSentMails(ctx, store.SentMailQuery{PatchID: t.PatchID, CoverID: t.CoverID, UserID: u.ID})
	if err != nil {
		return nil, err
	}
	for _, m := range mine {
		if m.Status == store.SentDraft && m.Kind == store.SentReply {
			d.ID, d.Error, d.Body = m.ID, m.Error, compose.BodyOf(m.Raw) // the newest wins
		}
	}
	return d, nil
}

// Package notify sends the mail patchwork-go writes itself: patch state
// change notifications (batched per submitter by `patchworkd cron`),
// registration confirmations, and the periodic expiry of stale
// confirmations and registrations.
package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPOptions configures the outgoing mail server.
type SMTPOptions struct {
	Host     string
	Port     int
	TLS      string // "none", "starttls" or "tls" (implicit TLS, port 465)
	Username string
	Password string
	// InsecureSkipVerify is for test servers with self-signed certificates.
	InsecureSkipVerify bool
	Timeout            time.Duration
}

// Mailer sends plain-text mail through one SMTP server.
type Mailer struct {
	opts SMTPOptions
	from string
	now  func() time.Time
}

// NewMailer returns a Mailer sending as from ("Name <addr>" or "addr").
func NewMailer(opts SMTPOptions, from string) (*Mailer, error) {
	if opts.Host == "" {
		return nil, fmt.Errorf("smtp: no host configured")
	}
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("smtp: bad from address %q: %w", from, err)
	}
	switch opts.TLS {
	case "", "none", "starttls", "tls":
	default:
		return nil, fmt.Errorf("smtp: unknown tls mode %q (want none, starttls or tls)", opts.TLS)
	}
	if opts.Port == 0 {
		opts.Port = 25
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	}
	return &Mailer{opts: opts, from: from, now: time.Now}, nil
}

// Send delivers one message to the recipients.
func (m *Mailer) Send(ctx context.Context, to []string, subject, body string) error {
	if len(to) == 0 {
		return nil
	}
	from, _ := mail.ParseAddress(m.from)
	msg := m.compose(from, to, subject, body)
	c, err := m.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if m.opts.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", m.opts.Username, m.opts.Password)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.SendMail(from.Address, to, bytes.NewReader(msg)); err != nil {
		return fmt.Errorf("smtp send to %s: %w", strings.Join(to, ", "), err)
	}
	return c.Quit()
}

// SendMail delivers msg, a whole RFC 5322 message composed elsewhere (a
// reply a user wrote), as it is, with envelope sender from.
func (m *Mailer) SendMail(ctx context.Context, from string, rcpt []string, msg []byte) error {
	if len(rcpt) == 0 {
		return fmt.Errorf("smtp: no recipients")
	}
	c, err := m.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if m.opts.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", m.opts.Username, m.opts.Password)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.SendMail(from, rcpt, bytes.NewReader(msg)); err != nil {
		return fmt.Errorf("smtp send to %s: %w", strings.Join(rcpt, ", "), err)
	}
	return c.Quit()
}

func (m *Mailer) dial(ctx context.Context) (*smtp.Client, error) {
	addr := net.JoinHostPort(m.opts.Host, strconv.Itoa(m.opts.Port))
	d := net.Dialer{Timeout: m.opts.Timeout}
	tlsConf := &tls.Config{ServerName: m.opts.Host, InsecureSkipVerify: m.opts.InsecureSkipVerify} //nolint:gosec // opt-in for tests
	var conn net.Conn
	var err error
	if m.opts.TLS == "tls" {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tlsConf}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("smtp dial %s: %w", addr, err)
	}
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	} else {
		_ = conn.SetDeadline(time.Now().Add(m.opts.Timeout))
	}
	// go-smtp sets its own deadline (minutes) before every command, which
	// would outlast ours: a server that accepts and then says nothing must
	// not hold the sender for longer than the caller allows.
	raw := conn
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	timer := time.AfterFunc(m.opts.Timeout, func() { raw.Close() })
	conn = &stopConn{Conn: raw, stop: func() { stop(); timer.Stop() }}
	if m.opts.TLS == "starttls" {
		c, err := smtp.NewClientStartTLS(conn, tlsConf)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("smtp starttls %s: %w", addr, err)
		}
		c.CommandTimeout, c.SubmissionTimeout = m.opts.Timeout, m.opts.Timeout
		return c, nil
	}
	c := smtp.NewClient(conn)
	c.CommandTimeout, c.SubmissionTimeout = m.opts.Timeout, m.opts.Timeout
	return c, nil
}

// stopConn releases the watchdogs of a connection when it closes.
type stopConn struct {
	net.Conn
	stop func()
}

func (c *stopConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// compose writes an RFC 5322 message with a UTF-8 text body.
func (m *Mailer) compose(from *mail.Address, to []string, subject, body string) []byte {
	var b bytes.Buffer
	now := m.now().UTC()
	host := "patchwork"
	if i := strings.LastIndexByte(from.Address, '@'); i >= 0 {
		host = from.Address[i+1:]
	}
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%d.%s@%s>\r\n", now.UnixNano(), randomHex(6), host)
	fmt.Fprintf(&b, "From: %s\r\n", from.String())
	fmt.Fprintf(&b, "To: %s\r\n", strings.Join(to, ", "))
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", subject))
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n")
	b.WriteString("Content-Transfer-Encoding: 8bit\r\n")
	b.WriteString("Auto-Submitted: auto-generated\r\n\r\n")
	for _, line := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n") {
		b.WriteString(line)
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

func randomHex(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	return hex.EncodeToString(buf)
}

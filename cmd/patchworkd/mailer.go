package main

import (
	"net/mail"
	"time"

	"github.com/patchwork-go/patchwork/server/notify"
	"github.com/patchwork-go/patchwork/store/service"
)

// smtpOptions turns the [smtp] configuration into the mailer's options.
func (c *Config) smtpOptions() notify.SMTPOptions {
	return notify.SMTPOptions{
		Host:     c.SMTP.Host,
		Port:     c.SMTP.Port,
		TLS:      c.SMTP.TLS,
		Username: c.SMTP.Username,
		Password: c.SMTP.Password,
		Timeout:  30 * time.Second,
	}
}

// newMailer builds the SMTP sender for mail from the given address
// (DefaultFromEmail for confirmations, NotificationFrom() for cron). It
// returns nil, nil when no SMTP host is configured: mail is then disabled.
func (c *Config) newMailer(from string) (*notify.Mailer, error) {
	if c.SMTP.Host == "" {
		return nil, nil
	}
	return notify.NewMailer(c.smtpOptions(), from)
}

// mailOptions is how users' mail (TUI replies, trailers, thanks, `ssh
// host reply`) goes out: through mailer (nil: no [smtp] server, replies
// off), from the instance's address.
func (c *Config) mailOptions(mailer *notify.Mailer) service.MailOptions {
	o := service.MailOptions{PerHour: c.SMTP.RepliesPerHour}
	if a, err := mail.ParseAddress(c.SMTP.DefaultFromEmail); err == nil {
		o.EnvelopeFrom = a.Address
	}
	if mailer != nil {
		o.Sender = mailer
	}
	return o
}

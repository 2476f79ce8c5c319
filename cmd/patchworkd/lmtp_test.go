package main

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// lmtpClient is one LMTP connection to a daemon, as an MTA holds it.
type lmtpClient struct {
	c *smtp.Client
}

// lmtpDial connects to the daemon's LMTP socket (a path) or address.
func lmtpDial(t testing.TB, addr string) *lmtpClient {
	t.Helper()
	network := "unix"
	if !strings.Contains(addr, "/") {
		network = "tcp"
	}
	conn, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c := smtp.NewClientLMTP(conn)
	if err := c.Hello("mta.test"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &lmtpClient{c: c}
}

// send delivers one mail to rcpt and returns the reply's code and text;
// err is for the connection (the mail's fate unknown).
func (l *lmtpClient) send(raw []byte, rcpt string) (code int, text string, err error) {
	if err := l.c.Mail("list@example.org", nil); err != nil {
		return lmtpRefusal(err)
	}
	if err := l.c.Rcpt(rcpt, nil); err != nil {
		return lmtpRefusal(err)
	}
	w, err := l.c.Data()
	if err != nil {
		return lmtpRefusal(err)
	}
	if _, err := w.Write(raw); err != nil {
		return 0, "", err
	}
	resp, err := w.CloseWithLMTPResponse()
	if err != nil {
		var le smtp.LMTPDataError
		if errors.As(err, &le) {
			for _, e := range le {
				return e.Code, e.Message, nil
			}
		}
		return 0, "", err
	}
	for _, r := range resp {
		return 250, r.StatusText, nil
	}
	return 0, "", errors.New("no reply for the recipient")
}

func lmtpRefusal(err error) (int, string, error) {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code, se.Message, nil
	}
	return 0, "", err
}

// lmtpSendAll sends mails in order on one connection, each of which must
// be taken (250), and returns each one's milliseconds from MAIL to reply.
func lmtpSendAll(t testing.TB, addr string, mails []relMail) []float64 {
	t.Helper()
	l := lmtpDial(t, addr)
	ms := make([]float64, 0, len(mails))
	for _, m := range mails {
		start := time.Now()
		code, text, err := l.send(m.body(), "patchwork@localhost")
		ms = append(ms, float64(time.Since(start).Microseconds())/1000)
		if err != nil || code != 250 {
			t.Fatalf("LMTP delivery of %s: %d %s %v", m.msgid, code, text, err)
		}
	}
	return ms
}

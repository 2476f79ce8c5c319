package lmtp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// ErrNoServer says nothing answers on the address: the mail was not sent,
// and the caller may store it itself.
var ErrNoServer = errors.New("no daemon on the LMTP address")

// ErrTooLarge says the daemon announced a SIZE smaller than the mail: it
// was not sent.
var ErrTooLarge = errors.New("mail larger than the daemon takes")

// Send hands one mail to the daemon's LMTP server at addr (a Unix socket
// path, or host:port) as parsemail does, and returns its answer. An error
// wrapping ErrNoServer or ErrTooLarge means the mail was not sent; any
// other error means its fate is unknown (delivering it again is safe: a
// stored mail comes back a duplicate).
func Send(ctx context.Context, addr string, raw []byte, listID string) (Answer, error) {
	network := "unix"
	if _, _, err := net.SplitHostPort(addr); err == nil && !strings.Contains(addr, "/") {
		network = "tcp"
	}
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return Answer{}, fmt.Errorf("%w: %w", ErrNoServer, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c := smtp.NewClientLMTP(conn)
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return Answer{}, fmt.Errorf("%w: LHLO: %w", ErrNoServer, err)
	}
	if ok, size := c.Extension("SIZE"); ok && size != "" {
		var n int64
		if _, err := fmt.Sscan(size, &n); err == nil && n > 0 && int64(len(raw)) > n {
			return Answer{}, fmt.Errorf("%w (%d bytes, SIZE %d)", ErrTooLarge, len(raw), n)
		}
	}
	if err := c.Mail("", nil); err != nil {
		return answerOf(err)
	}
	if err := c.Rcpt(Recipient(listID), nil); err != nil {
		return answerOf(err)
	}
	w, err := c.Data()
	if err != nil {
		return answerOf(err)
	}
	if _, err := w.Write(raw); err != nil {
		return Answer{}, fmt.Errorf("send mail: %w", err)
	}
	resp, err := w.CloseWithLMTPResponse()
	if err != nil {
		var le smtp.LMTPDataError
		if errors.As(err, &le) {
			for _, se := range le {
				return answerOf(se)
			}
		}
		return Answer{}, fmt.Errorf("read answer: %w", err)
	}
	_ = c.Quit()
	for _, r := range resp {
		return Answer{Message: r.StatusText}, nil
	}
	return Answer{Message: "taken"}, nil
}

// answerOf turns a refusal into an answer: every refusal is temporary
// for parsemail (its exit 75), since a mail must never be lost.
func answerOf(err error) (Answer, error) {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return Answer{Temporary: true, Message: fmt.Sprintf("%d %s", se.Code, se.Message)}, nil
	}
	return Answer{}, err
}

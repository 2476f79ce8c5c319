// Package mailsock lets `patchworkd parsemail` hand each mail to a running
// `patchworkd serve` over a Unix socket. The mail server still runs one
// parsemail process per mail, but the database work happens on the
// daemon's pooled connections: a new PostgreSQL connection costs a forked
// backend and its catalog reads, most of a directly stored mail's time.
//
// The protocol is one request per connection: the line
// "MAIL <length> <quoted list id>\n" and the mail's bytes; the answer is
// the line "<code> <quoted message>\n", code 0 (taken care of) or 75
// (temporary failure: the mail server keeps the mail and retries).
package mailsock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Codes of an answer (sysexits, as parsemail exits).
const (
	CodeOK       = 0
	CodeTempFail = 75
)

// DefaultMaxBytes bounds a mail sent over the socket; larger mails are
// stored by parsemail itself.
const DefaultMaxBytes = 64 << 20

// Answer is the daemon's verdict on one mail.
type Answer struct {
	Code    int
	Message string
}

// DeliverFunc takes one mail in.
type DeliverFunc func(ctx context.Context, raw []byte, listID string) Answer

// Options configure a Server.
type Options struct {
	Path    string
	Mode    os.FileMode // of the socket file; 0 means 0660
	Deliver DeliverFunc
	Logger  *slog.Logger
	// MaxBytes bounds a mail (DefaultMaxBytes when 0); Concurrent bounds
	// the mails taken in at once (4 when 0): the others wait their turn.
	MaxBytes   int64
	Concurrent int
}

// Server accepts mails on a Unix socket.
type Server struct {
	opt    Options
	ln     net.Listener
	sem    chan struct{}
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

// ErrInUse says another process answers on the socket already.
var ErrInUse = errors.New("another process serves this mail socket")

// Listen binds the socket, replacing a stale socket file left by a daemon
// that died, but never a live one or a file that is not a socket.
func Listen(opt Options) (*Server, error) {
	if opt.Mode == 0 {
		opt.Mode = 0o660
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.Concurrent <= 0 {
		opt.Concurrent = 4
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if fi, err := os.Lstat(opt.Path); err == nil {
		if fi.Mode().Type() != os.ModeSocket {
			return nil, fmt.Errorf("mail socket %s: exists and is not a socket", opt.Path)
		}
		if c, err := net.DialTimeout("unix", opt.Path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("mail socket %s: %w", opt.Path, ErrInUse)
		}
		if err := os.Remove(opt.Path); err != nil {
			return nil, fmt.Errorf("mail socket %s: remove stale socket: %w", opt.Path, err)
		}
	}
	ln, err := net.Listen("unix", opt.Path)
	if err != nil {
		return nil, fmt.Errorf("mail socket %s: %w", opt.Path, err)
	}
	if err := os.Chmod(opt.Path, opt.Mode); err != nil {
		ln.Close()
		return nil, fmt.Errorf("mail socket %s: %w", opt.Path, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{opt: opt, ln: ln, sem: make(chan struct{}, opt.Concurrent), ctx: ctx, cancel: cancel}, nil
}

// Addr is the socket's path.
func (s *Server) Addr() string { return s.opt.Path }

// Serve answers connections until Shutdown; it returns nil then.
func (s *Server) Serve() error {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if s.ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("mail socket: %w", err)
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(c)
		}()
	}
}

// Shutdown stops accepting and waits for the mails being taken in; a
// mail still waiting for its turn is answered 75 and delivered again.
func (s *Server) Shutdown(ctx context.Context) error {
	s.cancel()
	err := s.ln.Close()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

func (s *Server) handle(c net.Conn) {
	defer c.Close()
	// The sender has the whole mail in memory: a minute is ample.
	_ = c.SetReadDeadline(time.Now().Add(time.Minute))
	raw, listID, err := readRequest(bufio.NewReaderSize(c, 4096), s.opt.MaxBytes)
	if err != nil {
		s.opt.Logger.Warn("mail socket: bad request", "err", err)
		writeAnswer(c, Answer{Code: CodeTempFail, Message: "bad request: " + err.Error()})
		return
	}
	select {
	case s.sem <- struct{}{}:
	case <-s.ctx.Done():
		writeAnswer(c, Answer{Code: CodeTempFail, Message: "daemon stopping"})
		return
	}
	defer func() { <-s.sem }()
	// A mail under way is finished even when the daemon is told to stop:
	// its sender waits for the answer.
	a := s.opt.Deliver(context.WithoutCancel(s.ctx), raw, listID)
	_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	writeAnswer(c, a)
}

func readRequest(r *bufio.Reader, maxBytes int64) ([]byte, string, error) {
	// ReadSlice stops at the reader's 4 KiB: a request line is short.
	line, err := r.ReadSlice('\n')
	if err != nil {
		return nil, "", fmt.Errorf("request line: %w", err)
	}
	verb, rest, _ := strings.Cut(strings.TrimSuffix(string(line), "\n"), " ")
	size, quoted, _ := strings.Cut(rest, " ")
	if verb != "MAIL" {
		return nil, "", fmt.Errorf("unknown request %q", verb)
	}
	n, err := strconv.ParseInt(size, 10, 64)
	if err != nil || n < 0 || n > maxBytes {
		return nil, "", fmt.Errorf("mail size %q (at most %d bytes)", size, maxBytes)
	}
	listID, err := strconv.Unquote(quoted)
	if err != nil {
		return nil, "", fmt.Errorf("list id %s: %w", quoted, err)
	}
	raw := make([]byte, n)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, "", fmt.Errorf("mail: %w", err)
	}
	return raw, listID, nil
}

func writeAnswer(w io.Writer, a Answer) {
	_, _ = fmt.Fprintf(w, "%d %s\n", a.Code, strconv.Quote(a.Message))
}

// ErrNoServer says nothing answers on the socket: the caller stores the
// mail itself.
var ErrNoServer = errors.New("no daemon on the mail socket")

// Send hands one mail to the daemon at path and returns its answer. An
// error wrapping ErrNoServer means the mail was not sent; any other error
// means the connection failed with the mail's fate unknown (delivering
// it again is safe: a stored mail comes back a duplicate).
func Send(ctx context.Context, path string, raw []byte, listID string) (Answer, error) {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return Answer{}, fmt.Errorf("%w: %w", ErrNoServer, err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	w := bufio.NewWriter(c)
	fmt.Fprintf(w, "MAIL %d %s\n", len(raw), strconv.Quote(listID))
	w.Write(raw)
	if err := w.Flush(); err != nil {
		return Answer{}, fmt.Errorf("send mail: %w", err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return Answer{}, fmt.Errorf("read answer: %w", err)
	}
	code, quoted, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
	n, err := strconv.Atoi(code)
	if err != nil {
		return Answer{}, fmt.Errorf("answer %q: %w", line, err)
	}
	msg, err := strconv.Unquote(quoted)
	if err != nil {
		msg = quoted
	}
	return Answer{Code: n, Message: msg}, nil
}

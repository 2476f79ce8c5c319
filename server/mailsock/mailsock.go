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
	"sync/atomic"
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

// Mail is one mail handed over, with the list id parsemail was given.
type Mail struct {
	Raw    []byte
	ListID string
}

// DeliverFunc takes in the mails that arrived together and answers each,
// in order. Mails arriving at once are handed over together so that they
// can share one database transaction (one turn of the project's lock).
type DeliverFunc func(ctx context.Context, mails []Mail) []Answer

// Options configure a Server.
type Options struct {
	Path    string
	Mode    os.FileMode // of the socket file; 0 means 0660
	Deliver DeliverFunc
	Logger  *slog.Logger
	// MaxBytes bounds a mail (DefaultMaxBytes when 0). Workers is how many
	// batches are taken in at once (2 when 0), MaxBatch how many mails a
	// batch holds at most (64 when 0): the others wait their turn.
	MaxBytes int64
	Workers  int
	MaxBatch int
}

// Server accepts mails on a Unix socket.
type Server struct {
	opt     Options
	ln      net.Listener
	queue   chan *job
	mu      sync.Mutex
	closed  bool           // by Shutdown; guarded by mu
	wg      sync.WaitGroup // connections
	workers sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
}

// job is one mail waiting for a worker. state goes from queued to taken
// (a worker delivers it) or to abandoned (the daemon stopped first and
// the sender was told to retry): never both.
type job struct {
	mail   Mail
	state  atomic.Int32
	answer chan Answer
}

const (
	jobQueued int32 = iota
	jobTaken
	jobAbandoned
)

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
	if opt.Workers <= 0 {
		opt.Workers = 2
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 64
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
	s := &Server{opt: opt, ln: ln, queue: make(chan *job, 4096), ctx: ctx, cancel: cancel}
	for range opt.Workers {
		s.workers.Add(1)
		go s.work()
	}
	return s, nil
}

// work takes the waiting mails in batches until the server stops.
func (s *Server) work() {
	defer s.workers.Done()
	for {
		var batch []*job
		select {
		case j := <-s.queue:
			batch = append(batch, j)
		case <-s.ctx.Done():
			return
		}
	more:
		for len(batch) < s.opt.MaxBatch {
			select {
			case j := <-s.queue:
				batch = append(batch, j)
			default:
				break more
			}
		}
		mails := make([]Mail, 0, len(batch))
		taken := batch[:0]
		for _, j := range batch {
			if j.state.CompareAndSwap(jobQueued, jobTaken) {
				mails = append(mails, j.mail)
				taken = append(taken, j)
			}
		}
		if len(taken) == 0 {
			continue
		}
		// A batch under way is finished even when the daemon is told to
		// stop: its senders wait for the answers.
		answers := s.opt.Deliver(context.WithoutCancel(s.ctx), mails)
		for k, j := range taken {
			a := Answer{Code: CodeTempFail, Message: "no answer for this mail"}
			if k < len(answers) {
				a = answers[k]
			}
			j.answer <- a
		}
	}
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
		// Counted under the lock that Shutdown takes before it waits, so
		// that no connection is added once the wait has begun.
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return nil
		}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.handle(c)
		}()
	}
}

// Shutdown stops accepting and waits for the mails being taken in; a
// mail still waiting for its turn is answered 75 and delivered again.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	err := s.ln.Close()
	done := make(chan struct{})
	go func() { s.wg.Wait(); s.workers.Wait(); close(done) }()
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
	j := &job{mail: Mail{Raw: raw, ListID: listID}, answer: make(chan Answer, 1)}
	select {
	case s.queue <- j:
	case <-s.ctx.Done():
		writeAnswer(c, Answer{Code: CodeTempFail, Message: "daemon stopping"})
		return
	}
	var a Answer
	select {
	case a = <-j.answer:
	case <-s.ctx.Done():
		if j.state.CompareAndSwap(jobQueued, jobAbandoned) {
			a = Answer{Code: CodeTempFail, Message: "daemon stopping"}
		} else {
			a = <-j.answer // a worker has it: wait for its answer
		}
	}
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

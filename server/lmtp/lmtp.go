// Package lmtp takes mail in over LMTP (RFC 2033), on a Unix socket and/or
// a TCP address: from the mail server directly (Postfix's lmtp transport,
// Exim's lmtp transport) and from `patchworkd parsemail`, which hands its
// mail over when the daemon runs, so that every mail is stored on the
// daemon's pooled database connections.
//
// Each recipient gets its own reply, and a 250 only once the mail is
// committed. A mail that could not be stored (database down, a panic while
// storing) is answered 451, so that the mail server keeps it and retries:
// a permanent 5xx comes only from the protocol itself (a mail over the
// announced SIZE, a bad command), never for a mail that was kept.
//
// Mails arriving at once on several connections are stored together, in
// one transaction (group commit), each answered after that commit.
package lmtp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// DefaultMaxBytes is the SIZE announced when Options.MaxBytes is 0.
const DefaultMaxBytes = 64 << 20

// Mail is one mail to store, with the list id its recipient named (see
// ListIDOf); an empty list id lets the mail's List-Id headers decide.
type Mail struct {
	Raw    []byte
	ListID string
}

// Answer is the verdict on one mail: Temporary asks the mail server to
// keep the mail and deliver it again later; anything else means it is
// taken care of (stored, ignored, a duplicate, or kept as a failed mail).
type Answer struct {
	Temporary bool
	Message   string
}

// DeliverFunc stores the mails that arrived together and answers each, in
// order. It returns only after what it answered as taken is committed.
type DeliverFunc func(ctx context.Context, mails []Mail) []Answer

// KeepFunc keeps a mail whose storing panicked as a failed mail, for an
// admin (reason says what happened); it returns what to tell the sender.
type KeepFunc func(ctx context.Context, m Mail, reason string) (string, error)

// Options configure a Server. At least one of Socket and Addr is set.
type Options struct {
	Socket     string      // Unix socket path
	SocketMode os.FileMode // of the socket file; 0 means 0660
	Addr       string      // TCP address, e.g. 127.0.0.1:2424
	Domain     string      // in the greeting; "patchwork" when empty
	Deliver    DeliverFunc
	Keep       KeepFunc
	Logger     *slog.Logger
	// MaxBytes is the SIZE announced (DefaultMaxBytes when 0): a larger
	// mail is refused 552 before it is stored, so the mail server bounces
	// it to its sender.
	MaxBytes int64
	// Workers is how many batches are stored at once (2 when 0), MaxBatch
	// how many mails a batch holds at most (64 when 0).
	Workers  int
	MaxBatch int
	// Timeout bounds a connection's silence (5 minutes when 0, as RFC
	// 5321 asks of a server waiting for a command).
	Timeout time.Duration
}

// Server serves LMTP until Shutdown.
type Server struct {
	opt       Options
	srv       *smtp.Server
	listeners []net.Listener
	queue     chan *job
	closing   atomic.Bool
	inflight  tracker // mails between DATA and the end of their replies
	workers   sync.WaitGroup
	ctx       context.Context
	cancel    context.CancelFunc

	keptMu sync.Mutex
	kept   map[[32]byte]string // mails kept after a panic: a retry is not kept again
}

// job is one mail waiting for a worker. state goes from queued to taken
// (a worker stores it) or to abandoned (the daemon stopped first and the
// sender was told to retry): never both.
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
var ErrInUse = errors.New("another process serves this LMTP socket")

// Listen binds the configured listeners, replacing a stale socket file
// left by a daemon that died, but never a live one or a file that is not
// a socket.
func Listen(opt Options) (*Server, error) {
	if opt.Socket == "" && opt.Addr == "" {
		return nil, errors.New("lmtp: neither a socket nor an address to listen on")
	}
	if opt.SocketMode == 0 {
		opt.SocketMode = 0o660
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
	if opt.Timeout <= 0 {
		opt.Timeout = 5 * time.Minute
	}
	if opt.Domain == "" {
		opt.Domain = "patchwork"
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{opt: opt, queue: make(chan *job, 4096), kept: map[[32]byte]string{}}
	if opt.Socket != "" {
		ln, err := listenUnix(opt.Socket, opt.SocketMode)
		if err != nil {
			return nil, err
		}
		s.listeners = append(s.listeners, ln)
	}
	if opt.Addr != "" {
		ln, err := net.Listen("tcp", opt.Addr)
		if err != nil {
			for _, l := range s.listeners {
				l.Close()
			}
			return nil, fmt.Errorf("lmtp listen %s: %w", opt.Addr, err)
		}
		s.listeners = append(s.listeners, ln)
	}

	srv := smtp.NewServer(backend{s})
	srv.LMTP = true
	srv.Domain = opt.Domain
	srv.MaxMessageBytes = opt.MaxBytes
	// Patches have long lines, and a mail within SIZE must not be refused
	// for its line length: bound lines by the mail's own limit.
	srv.MaxLineLength = int(min(opt.MaxBytes, 1<<30))
	srv.MaxRecipients = 100
	srv.ReadTimeout = opt.Timeout
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = slogPrinter{opt.Logger}
	s.srv = srv

	s.ctx, s.cancel = context.WithCancel(context.Background())
	for range opt.Workers {
		s.workers.Add(1)
		go s.work()
	}
	return s, nil
}

func listenUnix(path string, mode os.FileMode) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != os.ModeSocket {
			return nil, fmt.Errorf("lmtp socket %s: exists and is not a socket", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("lmtp socket %s: %w", path, ErrInUse)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("lmtp socket %s: remove stale socket: %w", path, err)
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("lmtp socket %s: %w", path, err)
	}
	if err := os.Chmod(path, mode); err != nil {
		ln.Close()
		return nil, fmt.Errorf("lmtp socket %s: %w", path, err)
	}
	return ln, nil
}

// Addrs are the bound addresses: the socket path, then the TCP address
// (with the port chosen when Addr asked for port 0).
func (s *Server) Addrs() []string {
	out := make([]string, len(s.listeners))
	for k, l := range s.listeners {
		out[k] = l.Addr().String()
	}
	return out
}

// Serve answers connections on every listener until Shutdown; it returns
// nil then.
func (s *Server) Serve() error {
	errc := make(chan error, len(s.listeners))
	for _, l := range s.listeners {
		go func() { errc <- s.srv.Serve(l) }()
	}
	var first error
	for range s.listeners {
		if err := <-errc; err != nil && first == nil && !s.closing.Load() {
			first = fmt.Errorf("lmtp: %w", err)
			// One listener failed: stop the others so that Serve returns.
			s.closing.Store(true)
			for _, l := range s.listeners {
				l.Close()
			}
		}
	}
	return first
}

// Shutdown stops accepting, lets the mails being stored finish and be
// answered, then closes the connections (an idle mail server connection
// would never end by itself). A mail still waiting for a worker is
// answered 421 and delivered again by the mail server.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closing.Store(true)
	var err error
	for _, l := range s.listeners {
		if e := l.Close(); e != nil && !errors.Is(e, net.ErrClosed) && err == nil {
			err = e
		}
	}
	s.cancel()
	done := make(chan struct{})
	go func() { <-s.inflight.idle(); s.workers.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		_ = s.srv.Close()
		return ctx.Err()
	}
	if e := s.srv.Close(); e != nil && !errors.Is(e, smtp.ErrServerClosed) && !errors.Is(e, net.ErrClosed) && err == nil {
		err = e
	}
	if s.opt.Socket != "" {
		_ = os.Remove(s.opt.Socket)
	}
	return err
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
		answers := s.deliver(context.WithoutCancel(s.ctx), mails)
		for k, j := range taken {
			j.answer <- answers[k]
		}
	}
}

// deliver stores a batch and survives a panic while doing so: the batch's
// transaction is rolled back, its mails are stored one by one, and the
// mail that panics alone is kept as a failed mail and answered 451.
func (s *Server) deliver(ctx context.Context, mails []Mail) []Answer {
	answers, p := s.tryDeliver(ctx, mails)
	if p == nil {
		return answers
	}
	if len(mails) > 1 {
		s.opt.Logger.Error("lmtp: panic while storing a batch; storing its mails one by one", "mails", len(mails), "panic", p)
		answers = make([]Answer, len(mails))
		for k := range mails {
			answers[k] = s.deliver(ctx, mails[k:k+1])[0]
		}
		return answers
	}
	return []Answer{s.keepPanicked(ctx, mails[0], p)}
}

// panicked is what a recovered panic left: its value and stack.
type panicked struct {
	value any
	stack []byte
}

func (s *Server) tryDeliver(ctx context.Context, mails []Mail) (answers []Answer, p *panicked) {
	defer func() {
		if v := recover(); v != nil {
			answers, p = nil, &panicked{value: v, stack: debug.Stack()}
		}
	}()
	answers = s.opt.Deliver(ctx, mails)
	for len(answers) < len(mails) {
		answers = append(answers, Answer{Temporary: true, Message: "no answer for this mail"})
	}
	return answers, nil
}

func (s *Server) keepPanicked(ctx context.Context, m Mail, p *panicked) Answer {
	reason := fmt.Sprintf("panic while storing the mail: %v", p.value)
	s.opt.Logger.Error("lmtp: panic while storing a mail; kept as a failed mail, answered 451",
		"panic", p.value, "stack", string(p.stack))
	sum := sha256.Sum256(m.Raw)
	s.keptMu.Lock()
	msg, seen := s.kept[sum]
	s.keptMu.Unlock()
	if !seen && s.opt.Keep != nil {
		var err error
		msg, err = s.safeKeep(ctx, m, reason)
		if err != nil {
			s.opt.Logger.Error("lmtp: could not keep the mail that panicked", "err", err)
			return Answer{Temporary: true, Message: reason}
		}
		s.keptMu.Lock()
		if len(s.kept) >= 10000 {
			clear(s.kept) // a bound, not a cache policy: a rare event
		}
		s.kept[sum] = msg
		s.keptMu.Unlock()
	}
	return Answer{Temporary: true, Message: reason + "; " + msg}
}

func (s *Server) safeKeep(ctx context.Context, m Mail, reason string) (msg string, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return s.opt.Keep(ctx, m, reason)
}

// submit queues the mails of one DATA (one per distinct list id) and
// waits for their answers.
func (s *Server) submit(mails []Mail) []Answer {
	jobs := make([]*job, len(mails))
	out := make([]Answer, len(mails))
	stopping := Answer{Temporary: true, Message: "daemon stopping"}
	for k, m := range mails {
		j := &job{mail: m, answer: make(chan Answer, 1)}
		select {
		case s.queue <- j:
			jobs[k] = j
		case <-s.ctx.Done():
			out[k] = stopping
		}
	}
	for k, j := range jobs {
		if j == nil {
			continue
		}
		select {
		case out[k] = <-j.answer:
		case <-s.ctx.Done():
			if j.state.CompareAndSwap(jobQueued, jobAbandoned) {
				out[k] = stopping
			} else {
				out[k] = <-j.answer // a worker has it: wait for its answer
			}
		}
	}
	return out
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	if b.s.closing.Load() {
		return nil, errStopping
	}
	return &session{s: b.s}, nil
}

var errStopping = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "daemon stopping, try again later"}

// session is one mail transaction's state on a connection.
type session struct {
	s     *Server
	rcpts []string
	busy  atomic.Bool // counted in s.inflight
}

// Reset ends a mail transaction; go-smtp calls it after the replies to a
// DATA are written, which is when Shutdown may close the connection.
func (ss *session) Reset() {
	ss.rcpts = nil
	if ss.busy.Swap(false) {
		ss.s.inflight.done()
	}
}

func (ss *session) Logout() error {
	ss.Reset()
	return nil
}

func (ss *session) Mail(string, *smtp.MailOptions) error {
	if ss.s.closing.Load() {
		return errStopping
	}
	ss.rcpts = nil
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

// Data is the plain SMTP path, which go-smtp does not take in LMTP mode.
func (ss *session) Data(r io.Reader) error {
	return ss.LMTPData(r, discardStatus{})
}

type discardStatus struct{}

func (discardStatus) SetStatus(string, error) {}

// LMTPData stores the mail once per distinct list id among the
// recipients and answers each recipient with its list's verdict.
func (ss *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	if !ss.busy.Swap(true) {
		ss.s.inflight.add()
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se // over SIZE: 552, refused before anything is stored
		}
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "reading the mail: " + err.Error()}
	}
	raw = crlfToLF(raw)
	var mails []Mail
	index := map[string]int{}
	for _, rc := range ss.rcpts {
		id := ListIDOf(rc)
		if _, ok := index[id]; !ok {
			index[id] = len(mails)
			mails = append(mails, Mail{Raw: raw, ListID: id})
		}
	}
	answers := ss.s.submit(mails)
	for _, rc := range ss.rcpts {
		status.SetStatus(rc, reply(answers[index[ListIDOf(rc)]]))
	}
	return nil
}

// reply turns an answer into the recipient's LMTP reply.
func reply(a Answer) error {
	msg := oneLine(a.Message)
	if a.Temporary {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure, try again later: " + msg}
	}
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: msg}
}

// oneLine keeps a reply on one line of printable text, bounded.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

// crlfToLF gives the mail the line ends a pipe delivery gives it (the
// mail server's pipe transport writes LF; SMTP carries CRLF), so that
// both paths store the same bytes.
func crlfToLF(raw []byte) []byte {
	if !bytes.Contains(raw, []byte("\r\n")) {
		return raw
	}
	return bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
}

// ListIDOf is the list id a recipient names: the extension of its local
// part, after the first '+' (patchwork+linux-kernel.vger.kernel.org@host
// names linux-kernel.vger.kernel.org); none (the mail's List-Id headers
// decide) when it has no extension.
func ListIDOf(rcpt string) string {
	local := rcpt
	if at := strings.LastIndexByte(rcpt, '@'); at >= 0 {
		local = rcpt[:at]
	}
	local = strings.Trim(local, `"`)
	_, ext, ok := strings.Cut(local, "+")
	if !ok {
		return ""
	}
	return ext
}

// Recipient is the address parsemail gives a mail for listID (see
// ListIDOf): patchwork@localhost, or patchwork+LISTID@localhost.
func Recipient(listID string) string {
	if listID == "" {
		return "patchwork@localhost"
	}
	return "patchwork+" + listID + "@localhost"
}

// ValidListID says whether listID can travel in a recipient's local part
// unquoted (a dot-atom, as list ids are).
func ValidListID(listID string) bool {
	if listID == "" || strings.HasPrefix(listID, ".") || strings.HasSuffix(listID, ".") || strings.Contains(listID, "..") {
		return listID == ""
	}
	for _, r := range listID {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", r):
		default:
			return false
		}
	}
	return true
}

// tracker counts work under way, for Shutdown to wait on.
type tracker struct {
	mu     sync.Mutex
	n      int
	waiter chan struct{} // closed when n drops to 0; nil when no one waits
}

func (t *tracker) add() {
	t.mu.Lock()
	t.n++
	t.mu.Unlock()
}

func (t *tracker) done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n--
	if t.n == 0 && t.waiter != nil {
		close(t.waiter)
		t.waiter = nil
	}
}

// idle is closed once nothing is under way.
func (t *tracker) idle() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	ch := make(chan struct{})
	if t.n == 0 {
		close(ch)
		return ch
	}
	if t.waiter == nil {
		t.waiter = ch
	}
	return t.waiter
}

// slogPrinter lets go-smtp's internal errors reach our log.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Printf(format string, v ...any) {
	p.l.Warn("lmtp: " + strings.TrimSpace(fmt.Sprintf(format, v...)))
}
func (p slogPrinter) Println(v ...any) {
	p.l.Warn("lmtp: " + strings.TrimSpace(fmt.Sprintln(v...)))
}

// Package ssh is the SSH front end of patchwork-go: a Wish server that opens
// the review TUI for sessions with a terminal and serves a small command line
// (projects, list, show, mbox, set-state, token, keys...) for sessions
// without one. Users are identified by the public key that authenticated.
package ssh

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"

	"github.com/patchwork-go/patchwork/store"
	"github.com/patchwork-go/patchwork/store/service"
	"github.com/patchwork-go/patchwork/tui"
)

// Mailer sends one plain-text mail. The SSH server uses it for
// self-registration (`ssh host register --email ADDR`); the daemon wires a
// real SMTP sender.
type Mailer interface {
	Send(ctx context.Context, to []string, subject, body string) error
}

// Options configures the SSH server.
type Options struct {
	// Addr is the listen address, e.g. ":2222".
	Addr string
	// HostKeyPath is where the ed25519 host key lives; it is created on first
	// start. "" uses an ephemeral key (tests only: clients would see the key
	// change on every restart).
	HostKeyPath string
	Store       store.Store
	// Service makes every change (nil: one over Store, on Now's clock).
	Service *service.Service
	Logger  *slog.Logger
	// BaseURL is the web address of the instance ("http://localhost:8000"),
	// printed in command output and registration mails.
	BaseURL string
	// AllowAnonymous lets unknown keys (and clients without keys) in,
	// read-only. When false they may only register.
	AllowAnonymous bool
	// IdleTimeout closes connections of registered users without traffic;
	// AnonymousIdleTimeout (shorter) every other connection, including one
	// that has not yet opened a session. MaxTimeout closes every connection
	// after that long. 0 disables either.
	IdleTimeout          time.Duration
	AnonymousIdleTimeout time.Duration
	MaxTimeout           time.Duration
	// MaxSessions caps concurrent sessions of registered users in total,
	// MaxSessionsPerUser per user. Anonymous sessions have their own pool:
	// MaxAnonymousSessions in total, MaxAnonymousSessionsPerAddr per source
	// address (whatever key they show), so throwaway keys never fill the
	// registered users' room. 0 means unlimited.
	MaxSessions                 int
	MaxSessionsPerUser          int
	MaxAnonymousSessions        int
	MaxAnonymousSessionsPerAddr int
	// MaxConnsPerAddr caps open connections from one source address (an
	// IPv6 /64), counted before the handshake; MaxChannelsPerConn caps the
	// sessions open at once on one connection. 0 means unlimited.
	MaxConnsPerAddr    int
	MaxChannelsPerConn int
	// TUISlots is how many TUI sessions update and draw at once; 0 means
	// one fewer than the cores (GOMAXPROCS), at least one.
	TUISlots int
	// Now is the clock (tests fix it); nil means time.Now.
	Now func() time.Time
	// Mailer sends registration confirmations; nil disables registration.
	Mailer Mailer
	// SSHCommand is how users reach this server ("ssh -p 2222
	// patches.example.org"), for the apply commands the TUI shows; ""
	// derives it from BaseURL's host and Addr's port.
	SSHCommand string
	// StateKeys are the TUI's one-key states (key → state slug); nil:
	// the defaults.
	StateKeys map[string]string
}

// handshakeTimeout bounds the key exchange and authentication of a
// connection (shorter when the idle timeout is).
const handshakeTimeout = 30 * time.Second

// Server is the SSH server.
type Server struct {
	opts   Options
	store  store.Store
	svc    *service.Service
	logger *slog.Logger
	srv    *ssh.Server
	limits *limiter
	conns  *addrCounter
	// windows maps each terminal session (the library's) to its window pump.
	windows sync.Map
	// watcher reads the event log once for all TUI sessions.
	watcher *store.Watcher
	// gate bounds how many TUI sessions update and draw at once (one
	// fewer than the cores): HTTP and mail always find a core.
	gate *tui.Gate

	mu sync.Mutex
	ln net.Listener
	// programs are the running TUI sessions, told when the server shuts
	// down; closing is set then.
	programs map[*tea.Program]bool
	closing  bool
}

// New builds the server: host key, authentication, timeouts, emulated PTYs
// and the middleware chain. It does not listen yet.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("ssh: Options.Store is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Service = service.Or(opts.Service, opts.Store, opts.Now)
	s := &Server{
		programs: map[*tea.Program]bool{},
		opts:     opts,
		store:    opts.Store,
		svc:      opts.Service,
		logger:   opts.Logger.With("component", "ssh"),
		limits:   newLimiter(opts.MaxSessions, opts.MaxSessionsPerUser, opts.MaxAnonymousSessions, opts.MaxAnonymousSessionsPerAddr),
		conns:    &addrCounter{max: opts.MaxConnsPerAddr, n: map[string]int{}},
		// Sessions poll twice a second; a reading serves them for a
		// quarter: a change shows within 0.75 s, at ≤ 4 reads a second.
		watcher: store.NewWatcher(opts.Store, 250*time.Millisecond, nil),
		gate:    tui.NewGate(opts.TUISlots),
	}

	// Listed last runs first: recover wraps everything; the session
	// middleware bounds the command line; auth resolves the user (from the
	// key, reading no argument) and limits count it, so that nothing is
	// parsed before every limit has passed; then the anonymous gate (the
	// first to read the arguments), logging, and the innermost pair that
	// splits terminal sessions (TUI) from command lines.
	chain := s.recoverMiddleware(
		s.tuiMiddleware,
		s.commandMiddleware,
		s.loggingMiddleware,
		s.anonymousGate,
		s.limitMiddleware,
		s.authMiddleware,
		s.sessionMiddleware,
	)
	// No wish.WithIdleTimeout: the library's cannot change during a
	// connection; trackedConn keeps ours (short until a registered user
	// shows up).
	sopts := []ssh.Option{
		wish.WithAddress(opts.Addr),
		ssh.PublicKeyAuth(s.publicKeyHandler),
		ssh.KeyboardInteractiveAuth(s.keyboardInteractiveHandler),
		wish.WithMaxTimeout(opts.MaxTimeout),
		ssh.EmulatePty(),
		wish.WithMiddleware(chain),
	}
	if opts.HostKeyPath != "" {
		// A missing directory would otherwise mean a new key on every start.
		if err := os.MkdirAll(filepath.Dir(opts.HostKeyPath), 0o700); err != nil {
			return nil, fmt.Errorf("ssh: host key directory: %w", err)
		}
		pemBytes, err := loadHostKey(opts.HostKeyPath)
		if err != nil {
			return nil, fmt.Errorf("ssh: %w", err)
		}
		sopts = append(sopts, wish.WithHostKeyPEM(pemBytes))
	}
	// Not wish.NewServer: without a host key path it writes id_ed25519 into
	// the working directory; the bare server keeps an ephemeral key instead.
	srv := &ssh.Server{}
	for _, o := range sopts {
		if err := srv.SetOption(o); err != nil {
			return nil, fmt.Errorf("ssh: new server: %w", err)
		}
	}
	srv.ConnCallback = s.connCallback
	srv.PtyHandler = s.ptyHandler(srv.PtyHandler)
	// Only session channels, each within the connection's cap (the
	// library's default map would be shared by every server).
	srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": s.sessionChannel}
	// Without it a client trickling its version line byte by byte never
	// goes idle and holds its connection, unauthenticated, for ever.
	srv.HandshakeTimeout = handshakeTimeout
	if d := s.anonIdle(); d > 0 && d < handshakeTimeout {
		srv.HandshakeTimeout = d
	}
	s.srv = srv
	return s, nil
}

// ListenAndServe listens on Options.Addr and serves until Shutdown.
func (s *Server) ListenAndServe() error {
	addr := s.opts.Addr
	if addr == "" {
		addr = ":22"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("ssh: listen %s: %w", addr, err)
	}
	return s.Serve(ln)
}

// Serve serves SSH on l until Shutdown. It returns ssh.ErrServerClosed
// after a shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	s.ln = l
	s.mu.Unlock()
	s.logger.Info("ssh server listening", "addr", l.Addr().String())
	return s.srv.Serve(l)
}

// Addr is the address the server listens on, nil before Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Shutdown stops accepting connections, tells the TUI sessions (each
// ends with "server restarting" on its terminal) and waits for open
// connections to end until ctx is done, then closes whatever is left.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for p := range s.programs {
		go p.Send(tui.Restarting())
	}
	s.mu.Unlock()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		_ = s.srv.Close()
	}
	return err
}

// Close closes the listener and every connection at once.
func (s *Server) Close() error { return s.srv.Close() }

// ErrServerClosed is what Serve returns after Shutdown or Close.
var ErrServerClosed = ssh.ErrServerClosed

// sshCommand is how users reach the server: Options.SSHCommand, else
// derived from the web address's host and the port the server listens on.
func (s *Server) sshCommand() string {
	if s.opts.SSHCommand != "" {
		return s.opts.SSHCommand
	}
	addr := s.opts.Addr
	if a := s.Addr(); a != nil {
		addr = a.String()
	}
	return sshCommand(s.opts.BaseURL, addr)
}

// sshCommand is "ssh [-p PORT] HOST" for a server on addr whose web
// address is baseURL.
func sshCommand(baseURL, addr string) string {
	host := "<host>"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" || port == "22" || port == "0" {
		return "ssh " + host
	}
	return "ssh -p " + port + " " + host
}

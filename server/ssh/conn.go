package ssh

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Limits on one connection's session requests: each env request is kept
// by the library for the session's life, so without a bound a client could
// send them until the daemon runs out of memory.
const (
	maxEnvRequests = 64
	maxEnvBytes    = 64 << 10
)

// trackedConn is a client connection as the server sees it: which address
// slot it holds, how long it may stay idle (short until a registered user
// shows up on it) and how many channels it has open.
type trackedConn struct {
	net.Conn
	// idle is the idle timeout in nanoseconds; 0 means none.
	idle     atomic.Int64
	channels atomic.Int32

	mu sync.Mutex
	// outer is the deadline the SSH library asked for (handshake, maximum
	// connection time); the idle deadline never goes past it.
	outer time.Time

	release func() // gives the address slot back
	once    sync.Once
}

// extend moves the deadline to now plus the idle timeout, bounded by the
// library's own deadline. It runs on every read and write, as the
// library's idle timeout does (which we replace: it cannot change once a
// connection has started).
func (c *trackedConn) extend() {
	c.mu.Lock()
	d := c.outer
	c.mu.Unlock()
	if idle := time.Duration(c.idle.Load()); idle > 0 {
		if t := time.Now().Add(idle); d.IsZero() || t.Before(d) {
			d = t
		}
	}
	_ = c.Conn.SetDeadline(d)
}

func (c *trackedConn) Read(b []byte) (int, error) {
	c.extend()
	return c.Conn.Read(b)
}

func (c *trackedConn) Write(b []byte) (int, error) {
	c.extend()
	return c.Conn.Write(b)
}

// SetDeadline records the library's deadline and applies it with ours.
func (c *trackedConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.outer = t
	c.mu.Unlock()
	c.extend()
	return nil
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		if c.release != nil {
			c.release()
		}
	})
	return err
}

// setIdle changes the connection's idle timeout from now on.
func (c *trackedConn) setIdle(d time.Duration) {
	c.idle.Store(int64(d))
	c.extend()
}

var connKey = &ctxKey{"conn"}

// connOf is the tracked connection of a session or connection context.
func connOf(ctx ssh.Context) *trackedConn {
	c, _ := ctx.Value(connKey).(*trackedConn)
	return c
}

// addrCounter counts open connections per source address.
type addrCounter struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

func (a *addrCounter) acquire(key string) (release func(), ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.max > 0 && a.n[key] >= a.max {
		return nil, false
	}
	a.n[key]++
	return func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.n[key]--; a.n[key] <= 0 {
			delete(a.n, key)
		}
	}, true
}

// addrKey is the source a connection counts against: its IP address, or
// for IPv6 its /64, which one host commonly holds whole.
func addrKey(addr net.Addr) string {
	s := addr.String()
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		if host, _, err := net.SplitHostPort(s); err == nil {
			return host
		}
		return s
	}
	ip := ap.Addr().Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// connCallback admits a new TCP connection, before any SSH byte is read:
// over its address's limit it is closed at once, costing no handshake.
func (s *Server) connCallback(ctx ssh.Context, c net.Conn) net.Conn {
	key := addrKey(c.RemoteAddr())
	release, ok := s.conns.acquire(key)
	if !ok {
		s.logger.Warn("ssh connection refused: too many from one address", "addr", c.RemoteAddr().String(), "limit", s.conns.max)
		return nil
	}
	tc := &trackedConn{Conn: c, release: release}
	// Everyone is anonymous until a session shows a registered key.
	tc.idle.Store(int64(s.anonIdle()))
	ctx.SetValue(connKey, tc)
	return tc
}

// anonIdle is the idle timeout of connections without a registered user.
func (s *Server) anonIdle() time.Duration {
	if d := s.opts.AnonymousIdleTimeout; d > 0 && (s.opts.IdleTimeout <= 0 || d < s.opts.IdleTimeout) {
		return d
	}
	return s.opts.IdleTimeout
}

// sessionChannel opens a session channel, within the connection's channel
// cap, and bounds its env requests before the library sees them.
func (s *Server) sessionChannel(srv *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	if tc := connOf(ctx); tc != nil {
		n := tc.channels.Add(1)
		defer tc.channels.Add(-1)
		if max := s.opts.MaxChannelsPerConn; max > 0 && int(n) > max {
			_ = nc.Reject(gossh.ResourceShortage, "patchwork: too many sessions open on this connection")
			return
		}
	}
	ssh.DefaultSessionHandler(srv, conn, envLimitChannel{nc}, ctx)
}

// envLimitChannel refuses env requests past the bounds and passes every
// other request on, in order.
type envLimitChannel struct{ gossh.NewChannel }

func (c envLimitChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := c.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	out := make(chan *gossh.Request)
	go func() {
		defer close(out)
		count, size := 0, 0
		for r := range reqs {
			if r.Type == "env" {
				count, size = count+1, size+len(r.Payload)
				if count > maxEnvRequests || size > maxEnvBytes {
					_ = r.Reply(false, nil)
					continue
				}
			}
			out <- r
		}
	}()
	return ch, out, nil
}

// windowBox holds a terminal session's latest window size. The library
// hands window changes one by one to a channel with a single slot, and its
// request loop blocks while that slot is full: a session whose handler no
// longer reads (a command with -t, a refused session, a TUI that has quit)
// would stop the whole connection, for ever, at the next window change. So
// from the PTY request on, a pump reads every change into the box, whose
// own channel keeps only the newest.
//
// The box also keeps the PTY request itself: the library updates its own
// copy's window on its request goroutine while handlers read it (a data
// race), so our sessions read the box's instead.
type windowBox struct {
	mu  sync.Mutex
	pty ssh.Pty
	ch  chan ssh.Window
}

func (b *windowBox) put(w ssh.Window) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pty.Window = w
	select {
	case <-b.ch:
	default:
	}
	b.ch <- w // the only sender, under the lock: the slot is free
}

func (b *windowBox) current() ssh.Pty {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pty
}

// ptyHandler wraps the library's (emulated) PTY handler: it starts the
// session's window pump as soon as the PTY exists.
func (s *Server) ptyHandler(inner ssh.PtyHandler) ssh.PtyHandler {
	return func(ctx ssh.Context, sess ssh.Session, pty ssh.Pty) (func() error, error) {
		closer, err := inner(ctx, sess, pty)
		if err != nil {
			return closer, err
		}
		_, winch, _ := sess.Pty()
		if winch == nil {
			return closer, nil
		}
		box := &windowBox{pty: pty, ch: make(chan ssh.Window, 1)}
		s.windows.Store(sess, box)
		go func() {
			// The library closes winch when the channel's requests end.
			for w := range winch {
				box.put(w)
			}
			s.windows.Delete(sess)
		}()
		return closer, nil
	}
}

// session is what our middleware chain hands down: the library's session
// with the window sizes from our pump and the command line checked and
// parsed once.
type session struct {
	ssh.Session
	box *windowBox

	cmdOnce sync.Once
	cmd     []string
}

// Pty is the PTY request with its latest window. A box exists only for an
// accepted (emulated) PTY, so the session has one.
func (s *session) Pty() (ssh.Pty, <-chan ssh.Window, bool) {
	if s.box == nil {
		return s.Session.Pty()
	}
	return s.box.current(), s.box.ch, true
}

// Command is the parsed command line, split at first use (after the
// limits: see New) and never again.
func (s *session) Command() []string {
	s.cmdOnce.Do(func() { s.cmd = splitCommand(s.Session.RawCommand()) })
	return append([]string(nil), s.cmd...)
}

// sessionMiddleware runs first for every session: it refuses command lines
// over the size bound before anything looks at them and hands the rest of
// the chain our session.
func (s *Server) sessionMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if n := len(sess.RawCommand()); n > maxCommandBytes {
			s.logger.Warn("ssh command line too long", "bytes", n, "addr", sess.RemoteAddr().String())
			fatal(sess, fmt.Sprintf("error: the command line is too long: %d bytes, the limit is %d", n, maxCommandBytes))
			return
		}
		ours := &session{Session: sess}
		if box, ok := s.windows.Load(sess); ok {
			ours.box = box.(*windowBox)
		}
		next(ours)
	}
}

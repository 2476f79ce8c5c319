// Package faultproxy is a test helper: a TCP proxy on loopback in front of a
// database server that a test can cut and restore, to simulate an outage of
// PostgreSQL or MariaDB for the processes it starts without stopping the
// server itself (other tests, and other CI jobs, use the same server at the
// same moment).
//
// A cut behaves like a stopped server as a client sees it: the listening
// port is closed, so new connections are refused (ECONNREFUSED), and every
// open connection is reset (RST) in both directions, in the middle of a
// query or a transaction if one is running. Restore listens on the same
// port again, so URLs handed out before the cut keep working after it.
//
// A stall behaves like a network partition instead: connections stay open
// and new ones are accepted, but no byte moves until Restore.
package faultproxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy forwards connections from Addr to a target address.
type Proxy struct {
	target string
	addr   string // fixed at New: restore must come back on the same port

	mu       sync.Mutex
	ln       net.Listener
	conns    map[*pair]struct{}
	state    state
	resumed  chan struct{} // closed when a stall ends
	closed   bool
	accepted int
	wg       sync.WaitGroup

	// requests counts the round trips clients waited for (see Requests);
	// trace, when set, sees the first chunk of each.
	requests atomic.Int64
	trace    func(conn int, req []byte)
}

type state int

const (
	up state = iota
	cut
	stalled
)

// pair is one client connection and its connection to the target.
type pair struct {
	client, server net.Conn
	id             int
	// spoke is who sent last: 1 the client, 0 the server (or nobody yet).
	spoke atomic.Int32
}

// New starts a proxy on 127.0.0.1 (a free port) forwarding to target
// ("host:port").
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	p := &Proxy{
		target:  target,
		addr:    ln.Addr().String(),
		ln:      ln,
		conns:   map[*pair]struct{}{},
		resumed: make(chan struct{}),
	}
	p.wg.Add(1)
	go p.acceptLoop(ln)
	return p, nil
}

// ForURL starts a proxy in front of the server named by a database URL
// (postgres://... or mysql://...) and returns it with the same URL
// rewritten to go through it.
func ForURL(dbURL string) (*Proxy, string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, "", fmt.Errorf("faultproxy: parse %q: %w", dbURL, err)
	}
	host := u.Host
	if u.Port() == "" {
		switch u.Scheme {
		case "postgres", "postgresql":
			host = net.JoinHostPort(u.Hostname(), "5432")
		case "mysql", "mariadb":
			host = net.JoinHostPort(u.Hostname(), "3306")
		default:
			return nil, "", fmt.Errorf("faultproxy: no port in %q and no default for scheme %q", dbURL, u.Scheme)
		}
	}
	if u.Hostname() == "" {
		return nil, "", fmt.Errorf("faultproxy: no host in %q (a unix socket cannot be proxied)", dbURL)
	}
	p, err := New(host)
	if err != nil {
		return nil, "", err
	}
	u.Host = p.Addr()
	return p, u.String(), nil
}

// Addr is the proxy's "127.0.0.1:port", the same before and after cuts.
func (p *Proxy) Addr() string { return p.addr }

// Accepted counts the client connections accepted so far (tests use it to
// check that traffic really went through the proxy).
func (p *Proxy) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// Requests counts the requests clients have sent so far: a client's bytes
// that follow the server's answer (or open a connection) start one, and
// bytes it sends before the next answer belong to the same one. So a
// pipelined batch of statements counts once, as the round trip it costs:
// the count of a workload does not depend on the machine's load.
func (p *Proxy) Requests() int64 { return p.requests.Load() }

// Trace calls fn (nil: nobody) with the first chunk of every request from
// now on, with the number of its connection; fn must not keep req.
func (p *Proxy) Trace(fn func(conn int, req []byte)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trace = fn
}

// Cut closes the listening port and resets every open connection.
// Cutting a cut proxy does nothing.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.state == cut {
		return
	}
	if p.state == stalled {
		close(p.resumed) // the goroutines waiting find their conns reset
		p.resumed = make(chan struct{})
	}
	p.state = cut
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	p.resetAllLocked()
}

// Stall stops every byte in both directions, on open connections and on
// those accepted from now on, until Restore or Cut.
func (p *Proxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.state != up {
		return
	}
	p.state = stalled
}

// Restore ends a cut (listening again on the same port) or a stall.
func (p *Proxy) Restore() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("faultproxy: restore after close")
	}
	switch p.state {
	case stalled:
		close(p.resumed)
		p.resumed = make(chan struct{})
	case cut:
		ln, err := listenAgain(p.addr)
		if err != nil {
			return err
		}
		p.ln = ln
		p.wg.Add(1)
		go p.acceptLoop(ln)
	}
	p.state = up
	return nil
}

// listenAgain binds the port given up by a cut. The kernel may hold it a
// moment after the close, so it tries for a few seconds.
func listenAgain(addr string) (net.Listener, error) {
	var err error
	for i := 0; i < 100; i++ {
		var ln net.Listener
		if ln, err = net.Listen("tcp", addr); err == nil {
			return ln, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil, fmt.Errorf("faultproxy: listen again on %s: %w", addr, err)
}

// Close stops the proxy and resets every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	if p.state == stalled {
		close(p.resumed)
	}
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	p.resetAllLocked()
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}

func (p *Proxy) resetAllLocked() {
	for c := range p.conns {
		reset(c.client)
		reset(c.server)
		delete(p.conns, c)
	}
}

// reset closes a connection with an RST rather than a FIN, as a server
// that went away does to a client that writes to it.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

func (p *Proxy) acceptLoop(ln net.Listener) {
	defer p.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return // closed by Cut or Close
		}
		p.mu.Lock()
		if p.closed || p.state == cut {
			p.mu.Unlock()
			reset(c)
			continue
		}
		p.accepted++
		p.mu.Unlock()
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	server, err := net.DialTimeout("tcp", p.target, 10*time.Second)
	if err != nil {
		reset(client)
		return
	}
	p.mu.Lock()
	pr := &pair{client: client, server: server, id: p.accepted}
	if p.closed || p.state == cut {
		p.mu.Unlock()
		reset(client)
		reset(server)
		return
	}
	p.conns[pr] = struct{}{}
	p.mu.Unlock()

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.copy(server, client, pr, 1) }()
	go func() { defer wg.Done(); p.copy(client, server, pr, 0) }()
	wg.Wait()
	p.mu.Lock()
	delete(p.conns, pr)
	p.mu.Unlock()
	_ = client.Close()
	_ = server.Close()
}

// copy moves bytes from src to dst, holding each chunk while the proxy is
// stalled; who is 1 for the client's direction, 0 for the server's.
func (p *Proxy) copy(dst, src net.Conn, pr *pair, who int32) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			// Noted before the bytes move on: the answer to them cannot
			// come back before.
			if pr.spoke.Swap(who) != who && who == 1 {
				p.requests.Add(1)
				p.mu.Lock()
				trace := p.trace
				p.mu.Unlock()
				if trace != nil {
					trace(pr.id, buf[:n])
				}
			}
			if !p.waitUp() {
				_ = src.Close()
				_ = dst.Close()
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				_ = src.Close()
				_ = dst.Close()
				return
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				// Pass a clean close on as a half-close, as TCP would; the
				// other direction ends when its sender closes.
				if tc, ok := dst.(*net.TCPConn); ok {
					_ = tc.CloseWrite()
					return
				}
			}
			// Anything else ends both directions.
			_ = src.Close()
			_ = dst.Close()
			return
		}
	}
}

// waitUp blocks while the proxy is stalled and reports whether forwarding
// may go on (false once cut or closed).
func (p *Proxy) waitUp() bool {
	for {
		p.mu.Lock()
		st, closed, resumed := p.state, p.closed, p.resumed
		p.mu.Unlock()
		if closed || st == cut {
			return false
		}
		if st == up {
			return true
		}
		<-resumed
	}
}

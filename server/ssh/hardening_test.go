package ssh

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(ents)
}

// TestWindowChangeBurst: a terminal session flooded with window changes
// (before its shell starts, during a command run with -t, during the TUI)
// ends with its connection: no socket and no goroutine stays behind once
// the client has gone. The library's one-slot window channel used to stop
// the connection's request loop for ever at the first change nobody read.
func TestWindowChangeBurst(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)
	srv := startServer(t, st, nil)
	// A first session warms up what lives for the server's life (the
	// event watcher, the database pools).
	run(t, srv, f.maintAKey, "", "whoami").ok(t, "warm-up")
	runtime.GC()
	baseG, baseFD := runtime.NumGoroutine(), openFDs(t)

	burst := func(sess *gossh.Session) {
		for i := range 1000 {
			if err := sess.WindowChange(24+i%50, 80+i%100); err != nil {
				return // the server closed the session: fine
			}
		}
	}
	scenarios := map[string]func(t *testing.T, sess *gossh.Session){
		// A command with a terminal reads no window change at all.
		"command with -t": func(t *testing.T, sess *gossh.Session) {
			if err := sess.Start("projects"); err != nil {
				t.Fatal(err)
			}
			burst(sess)
		},
		// Changes before the shell request fill the slot before any
		// handler exists.
		"before the shell": func(t *testing.T, sess *gossh.Session) {
			burst(sess)
			done := make(chan error, 1)
			go func() { done <- sess.Shell() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("shell after a burst: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("the shell request was never answered")
			}
		},
		"tui": func(t *testing.T, sess *gossh.Session) {
			if err := sess.Shell(); err != nil {
				t.Fatal(err)
			}
			burst(sess)
		},
	}
	for name, sc := range scenarios {
		t.Run(name, func(t *testing.T) {
			for _, key := range []gossh.Signer{newKey(t), f.maintBKey} {
				c := dial(t, srv, key)
				sess, err := c.NewSession()
				if err != nil {
					t.Fatal(err)
				}
				if err := sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
					t.Fatal(err)
				}
				sc(t, sess)
				_ = c.Close()
			}
		})
	}
	deadline := time.Now().Add(15 * time.Second)
	var g, fds int
	for {
		runtime.GC()
		g, fds = runtime.NumGoroutine(), openFDs(t)
		// A few goroutines of the runtime and the test come and go.
		if (g <= baseG+3 && fds <= baseFD) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if g > baseG+3 || fds > baseFD {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Fatalf("after the clients left: %d goroutines (was %d), %d fds (was %d)\n%s", g, baseG, fds, baseFD, firstStacks(string(buf[:n]), 12))
	}
}

// firstStacks keeps the first n goroutine stacks of a dump.
func firstStacks(dump string, n int) string {
	parts := strings.SplitN(dump, "\n\n", n+1)
	if len(parts) > n {
		parts = parts[:n]
	}
	return strings.Join(parts, "\n\n")
}

// TestCommandLineBound: a command line over the bound is refused with a
// clear message before anything parses it; one at the bound still runs.
func TestCommandLineBound(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)
	srv := startServer(t, st, nil)
	long := "show " + strings.Repeat("x", 120<<10)
	// The length is checked before anything splits the line: that it
	// is this refusal (not a parse of it, which took 30 s) says so.
	run(t, srv, f.maintAKey, "", long).fails(t, "120 KB command", "the command line is too long")
	atBound := "projects --json " + strings.Repeat(" ", maxCommandBytes-len("projects --json "))
	if len(atBound) != maxCommandBytes {
		t.Fatalf("test command is %d bytes", len(atBound))
	}
	r := run(t, srv, f.maintAKey, "", atBound).ok(t, "command at the bound")
	if !strings.Contains(r.out, `"link_name": "alpha"`) {
		t.Errorf("command at the bound printed %q", r.out)
	}
}

// TestAnonymousPool: throwaway keys fill only the anonymous pool; a
// registered user still gets in while the server is full for them.
func TestAnonymousPool(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)

	t.Run("throwaway keys do not fill max_sessions", func(t *testing.T) {
		srv := startServer(t, st, func(o *Options) { o.MaxSessions = 2 })
		r1 := holdTUI(t, srv, newKey(t), 1)
		r2 := holdTUI(t, srv, newKey(t), 2)
		defer r1()
		defer r2()
		run(t, srv, f.maintAKey, "", "whoami").ok(t, "alice while two anonymous sessions are open")
	})

	t.Run("anonymous pool and per-address limit", func(t *testing.T) {
		srv := startServer(t, st, func(o *Options) {
			o.MaxSessions = 10
			o.MaxAnonymousSessions = 3
			o.MaxAnonymousSessionsPerAddr = 2
		})
		r1 := holdTUI(t, srv, newKey(t), 1)
		r2 := holdTUI(t, srv, newKey(t), 2)
		// A new key from the same address does not make a new client.
		run(t, srv, newKey(t), "", "whoami").fails(t, "third anonymous session from one address", "too many anonymous sessions from your address")
		run(t, srv, nil, "", "whoami").fails(t, "keyless client from the same address", "too many anonymous sessions from your address")
		release := holdSession(t, srv, f.maintAKey, 3)
		run(t, srv, f.maintBKey, "", "whoami").ok(t, "bob with the anonymous share of this address used up")
		release()
		r1()
		r2()
	})

	t.Run("anonymous pool full", func(t *testing.T) {
		srv := startServer(t, st, func(o *Options) { o.MaxAnonymousSessions = 1 })
		r1 := holdTUI(t, srv, newKey(t), 1)
		defer r1()
		run(t, srv, newKey(t), "", "whoami").fails(t, "second anonymous session", "full for anonymous sessions")
		run(t, srv, f.maintAKey, "", "whoami").ok(t, "alice with the anonymous pool full")
	})
}

// TestConnectionLimits: connections per address, the anonymous idle
// timeout and channels per connection.
func TestConnectionLimits(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)

	t.Run("per address", func(t *testing.T) {
		srv := startServer(t, st, func(o *Options) { o.MaxConnsPerAddr = 3 })
		var open []*gossh.Client
		for range 3 {
			open = append(open, dial(t, srv, newKey(t)))
		}
		if c, err := tryDial(srv, f.maintAKey); err == nil {
			_ = c.Close()
			t.Fatal("a fourth connection from one address was let in")
		}
		_ = open[0].Close()
		waitFor(t, "a free connection slot", func() bool {
			c, err := tryDial(srv, f.maintAKey)
			if err == nil {
				_ = c.Close()
			}
			return err == nil
		})
	})

	t.Run("anonymous idle timeout", func(t *testing.T) {
		srv := startServer(t, st, func(o *Options) {
			o.IdleTimeout = time.Minute
			o.AnonymousIdleTimeout = 300 * time.Millisecond
		})
		anon := dial(t, srv, newKey(t))
		closed := make(chan error, 1)
		go func() { closed <- anon.Wait() }()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("an idle anonymous connection was not closed")
		}
		// A registered user's connection, idle between two commands for
		// longer than the anonymous timeout, stays.
		c := dial(t, srv, f.maintAKey)
		runOn(t, c, "", "whoami").ok(t, "first command")
		time.Sleep(time.Second)
		runOn(t, c, "", "whoami").ok(t, "second command on the idle connection")
	})

	t.Run("channels per connection", func(t *testing.T) {
		srv := startServer(t, st, func(o *Options) { o.MaxChannelsPerConn = 3 })
		c := dial(t, srv, f.maintAKey)
		var sessions []*gossh.Session
		for i := range 3 {
			s, err := c.NewSession()
			if err != nil {
				t.Fatalf("session %d: %v", i+1, err)
			}
			sessions = append(sessions, s)
		}
		if _, err := c.NewSession(); err == nil || !strings.Contains(err.Error(), "too many sessions") {
			t.Fatalf("fourth channel: %v", err)
		}
		_ = sessions[0].Close()
		waitFor(t, "a free channel", func() bool {
			s, err := c.NewSession()
			if err == nil {
				_ = s.Close()
			}
			return err == nil
		})
	})

	t.Run("env requests", func(t *testing.T) {
		srv := startServer(t, st, nil)
		c := dial(t, srv, f.maintAKey)
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		defer sess.Close()
		refused := 0
		for i := range maxEnvRequests + 10 {
			if err := sess.Setenv(fmt.Sprintf("V%d", i), "x"); err != nil {
				refused++
			}
		}
		if refused != 10 {
			t.Errorf("%d env requests refused, want 10", refused)
		}
	})
}

// tryDial is dial without failing the test.
func tryDial(srv *Server, key gossh.Signer) (*gossh.Client, error) {
	return gossh.Dial("tcp", srv.Addr().String(), &gossh.ClientConfig{
		User:            "patchwork",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // test server on loopback
		Timeout:         5 * time.Second,
	})
}

// holdTUI opens a TUI session (which anonymous clients may hold too) until
// the returned func ends it.
func holdTUI(t *testing.T, srv *Server, key gossh.Signer, wantOpen int) (release func()) {
	t.Helper()
	c := dial(t, srv, key)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, fmt.Sprintf("open sessions = %d", wantOpen), func() bool { return srv.limits.open() == wantOpen })
	return func() {
		_ = sess.Close()
		_ = c.Close()
	}
}

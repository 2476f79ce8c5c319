package ssh

import (
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// holdSession opens a session that stays open (password waits for stdin)
// until the returned func closes its stdin.
func holdSession(t *testing.T, srv *Server, key gossh.Signer, wantOpen int) (release func()) {
	t.Helper()
	c := dial(t, srv, key)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Start("password"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "open sessions = "+string(rune('0'+wantOpen)), func() bool { return srv.limits.open() == wantOpen })
	return func() {
		_ = in.Close()
		_ = sess.Wait()
		_ = sess.Close()
	}
}

// waitFor polls cond until it holds (never a fixed sleep), failing after 10s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSessionLimits(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)

	t.Run("per user", func(t *testing.T) {
		srv := startServer(t, st, func(o *Options) { o.MaxSessionsPerUser = 1 })
		release := holdSession(t, srv, f.maintAKey, 1)
		run(t, srv, f.maintAKey, "", "whoami").fails(t, "second session of alice", "too many sessions")
		// Others are not affected.
		run(t, srv, f.maintBKey, "", "whoami").ok(t, "bob while alice is at her limit")
		release()
		waitFor(t, "alice's session to end", func() bool { return srv.limits.open() == 0 })
		run(t, srv, f.maintAKey, "", "whoami").ok(t, "alice after closing")
	})

	t.Run("total", func(t *testing.T) {
		srv := startServer(t, st, func(o *Options) { o.MaxSessions = 2 })
		r1 := holdSession(t, srv, f.maintAKey, 1)
		r2 := holdSession(t, srv, f.maintBKey, 2)
		r := run(t, srv, f.adminKey, "", "whoami")
		r.fails(t, "third session", "server is full")
		if strings.Contains(r.out, "root") {
			t.Errorf("refused session ran the command")
		}
		r1()
		r2()
	})
}

// TestIdleTimeout: a session that sends nothing is closed by the server,
// which frees its slot.
func TestIdleTimeout(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)
	srv := startServer(t, st, func(o *Options) { o.IdleTimeout = 200 * time.Millisecond })
	c := dial(t, srv, f.maintAKey)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	// password waits for a line on stdin that never comes.
	if _, err := sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Start("password"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("an idle session ended successfully instead of being cut")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the idle session was never closed")
	}
	waitFor(t, "the slot to be released", func() bool { return srv.limits.open() == 0 })
}

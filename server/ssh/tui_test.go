package ssh

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// screen is the text the client has received so far, escape sequences
// removed: enough to see that a screen's words arrived.
func (pc *ptyClient) screen() string { return ansi.Strip(pc.output()) }

// waitScreen polls the received text until it holds every want.
func (pc *ptyClient) waitScreen(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		scr := pc.screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(scr, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		select {
		case <-pc.seen:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %q on the screen; got:\n%s\nraw: %q", missing, scr, pc.output())
		}
	}
}

// send types keys into the session.
func (pc *ptyClient) send(t *testing.T, keys string) {
	t.Helper()
	if _, err := pc.stdin.Write([]byte(keys)); err != nil {
		t.Fatalf("type %q: %v", keys, err)
	}
}

// wait waits for the session to end and returns its error.
func (pc *ptyClient) wait(t *testing.T) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- pc.sess.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("the TUI session did not end")
		return nil
	}
}

// TestTUIOverSSH drives the TUI through a real SSH session with a PTY:
// projects, a project's patches, a patch; quitting ends the session.
func TestTUIOverSSH(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)
	srv := startServer(t, st, nil)
	addr := srv.Addr().String()

	t.Run("browse", func(t *testing.T) {
		pc, err := openPTY(addr, f.maintAKey, 100, 30, "")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.close()
		// The header names the user the key belongs to.
		pc.waitScreen(t, "projects", "alice", "alpha", "beta", "alpha.lists.test")
		pc.send(t, "\r") // alpha is the first row
		pc.waitScreen(t, "frob: add the frobnicator", "frob: use it")
		pc.send(t, "\r") // the newest patch first
		pc.waitScreen(t, "Make frobbing faster.", "+new line 2")
		pc.send(t, "\x03") // ctrl+c quits
		if err := pc.wait(t); err != nil {
			t.Fatalf("session after quitting: %v", err)
		}
	})

	t.Run("ssh -t host ID", func(t *testing.T) {
		pc, err := openPTY(addr, f.maintBKey, 100, 30, itoa(f.patches[0].ID))
		if err != nil {
			t.Fatal(err)
		}
		defer pc.close()
		pc.waitScreen(t, "bob", "frob: add the frobnicator", "Make frobbing faster.", "+new line 1")
		pc.send(t, "\x03")
		if err := pc.wait(t); err != nil {
			t.Fatalf("session after quitting: %v", err)
		}
	})

	t.Run("anonymous", func(t *testing.T) {
		pc, err := openPTY(addr, newKey(t), 100, 30, "")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.close()
		pc.waitScreen(t, "anonymous", "alpha")
		pc.send(t, "\x03")
		_ = pc.wait(t)
	})

	// Actions from the TUI go through the store's permission checks: the
	// key decides who acts.
	t.Run("set state", func(t *testing.T) {
		id := f.patches[0].ID
		// menu: the state menu opens (only for whoever may change the
		// patch; the others are told before it would).
		try := func(t *testing.T, key gossh.Signer, menu bool, want string) {
			t.Helper()
			pc, err := openPTY(addr, key, 100, 30, itoa(id))
			if err != nil {
				t.Fatal(err)
			}
			defer pc.close()
			pc.waitScreen(t, "Make frobbing faster.")
			pc.send(t, "s")
			if menu {
				pc.waitScreen(t, "State of #"+itoa(id)+" frob: add the frobnicator", "Under Review")
				pc.send(t, "j\r") // New -> Under Review
			}
			pc.waitScreen(t, want)
			pc.send(t, "\x03")
			_ = pc.wait(t)
		}
		try(t, newKey(t), false, "log in with a registered SSH key")
		try(t, f.maintBKey, false, "permission denied: bob may not change #"+itoa(id))
		if got := f.stateOf(t, id); got != "new" {
			t.Fatalf("refused sessions changed the state to %q", got)
		}
		try(t, f.maintAKey, true, "→ Under Review")
		if got := f.stateOf(t, id); got != "under-review" {
			t.Fatalf("state after the maintainer's change = %q", got)
		}
	})

	t.Run("command with a terminal", func(t *testing.T) {
		// `ssh -t host whoami` runs the command, not the TUI.
		pc, err := openPTY(addr, f.maintAKey, 100, 30, "whoami")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.close()
		pc.waitScreen(t, "User:", "alice")
		if err := pc.wait(t); err != nil {
			t.Fatalf("whoami with a terminal: %v", err)
		}
	})
}

// TestTUIRefused: with anonymous access off, an unknown key asking for the
// TUI gets the reason and exit status 1, not a screen.
func TestTUIRefused(t *testing.T) {
	st := sqltest.SQLite(t)
	newFixture(t, st)
	srv := startServer(t, st, func(o *Options) { o.AllowAnonymous = false })
	pc, err := openPTY(srv.Addr().String(), newKey(t), 100, 30, "")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.close()
	err = pc.wait(t)
	var ee *gossh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != 1 {
		t.Fatalf("refused TUI session: err %v, output %q", err, pc.output())
	}
	// With a PTY, OpenSSH shows stderr and stdout on one terminal; the
	// reason must reach it either way.
	stderr := pc.stderr()
	if !strings.Contains(pc.screen()+stderr, "is not registered here") {
		t.Fatalf("no reason given: stdout %q, stderr %q", pc.output(), stderr)
	}
}

package ssh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/patchwork-go/patchwork/store/sqlstore/sqltest"
)

// The tests in this file run the real OpenSSH client in a tmux window of
// a fixed size, type into it and read the screen tmux draws: the TUI as
// a user's terminal shows it.

// tmuxSession is an ssh(1) client running in a detached tmux session.
type tmuxSession struct {
	t      testing.TB
	socket string // a tmux server of the test's own
	name   string
}

// startTmux runs ssh(1) with args in a w×h tmux window.
func startTmux(t testing.TB, w, h int, args []string) *tmuxSession {
	t.Helper()
	opensshBinary(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	ts := &tmuxSession{t: t, socket: filepath.Join(t.TempDir(), "tmux.sock"), name: "pw"}
	home := t.TempDir()
	cmd := "HOME=" + home + " TERM=xterm-256color exec ssh -t " + shellQuote(args)
	ts.tmux("new-session", "-d", "-s", ts.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), cmd)
	ts.tmux("set-option", "-t", ts.name, "remain-on-exit", "on")
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", ts.socket, "kill-server").Run() })
	return ts
}

func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

func (ts *tmuxSession) tmux(args ...string) string {
	ts.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", ts.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		ts.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// screen is the window's text as tmux shows it.
func (ts *tmuxSession) screen() string {
	ts.t.Helper()
	return ts.tmux("capture-pane", "-p", "-t", ts.name)
}

// keys types keys (tmux key names: Enter, Escape, C-c, or text).
func (ts *tmuxSession) keys(keys ...string) {
	ts.t.Helper()
	ts.tmux(append([]string{"send-keys", "-t", ts.name}, keys...)...)
}

// history is the window's text with the lines scrolled off it (a
// program that ends leaves its last lines there).
func (ts *tmuxSession) history() string {
	ts.t.Helper()
	return ts.tmux("capture-pane", "-p", "-S", "-500", "-t", ts.name)
}

// waitFor polls the screen until every want shows.
func (ts *tmuxSession) waitFor(want ...string) string {
	ts.t.Helper()
	return ts.waitIn(ts.screen, want...)
}

func (ts *tmuxSession) waitIn(read func() string, want ...string) string {
	ts.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var s string
	for time.Now().Before(deadline) {
		s = read()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.t.Fatalf("waiting for %q; screen:\n%s", want, s)
	return ""
}

// TestTmuxLayout: the TUI at 80x24 and 120x40 in a real terminal: the
// list, a patch, help; no line wider than the window, the subject gets
// the room. PATCHWORK_SCREEN_OUT=DIR writes the 80x24 list there (the
// README's screen).
func TestTmuxLayout(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)
	srv := startServer(t, st, nil)
	args := opensshArgs(t, srv, identityFile(t, t.TempDir(), "alice", f.maintAKey, false))
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			w, h := size[0], size[1]
			ts := startTmux(t, w, h, append(args, "alpha"))
			s := ts.waitFor("alpha › patches", "frob: add the frobnicator", " of ")
			lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
			if len(lines) != h {
				t.Errorf("%d lines on a %d-line screen:\n%s", len(lines), h, s)
			}
			for _, l := range lines {
				if n := len([]rune(l)); n > w {
					t.Errorf("line of %d cells in %d columns: %q", n, w, l)
				}
			}
			if dir := os.Getenv("PATCHWORK_SCREEN_OUT"); dir != "" {
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("list-%dx%d.txt", w, h)), []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ts.keys("Enter")
			s = ts.waitFor("patch #", "Apply", "| git am -3")
			for _, l := range strings.Split(s, "\n") {
				if n := len([]rune(l)); n > w {
					t.Errorf("patch view: line of %d cells in %d columns: %q", n, w, l)
				}
			}
			if dir := os.Getenv("PATCHWORK_SCREEN_OUT"); dir != "" {
				_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("patch-%dx%d.txt", w, h)), []byte(s), 0o644)
			}
			ts.keys("q")
			ts.waitFor("alpha › patches")
			ts.keys("q")
			ts.waitFor("patchwork › projects")
			ts.keys("Escape")
			ts.waitFor("q quits")
			ts.keys("q")
			ts.waitFor("Quit patchwork? y/n")
			ts.keys("y")
			// The program ends on the server. (That OpenSSH then exits is
			// not waited for: in tmux it at times outlived the closed
			// session by over a minute, still to be understood.)
			waitNoPrograms(t, srv)
		})
	}
}

// TestTmuxProjectQuery: `ssh -t host PROJECT QUERY` opens that project's
// list on that query; an unknown project is an error.
func TestTmuxProjectQuery(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)
	srv := startServer(t, st, nil)
	args := opensshArgs(t, srv, identityFile(t, t.TempDir(), "alice", f.maintAKey, false))
	ts := startTmux(t, 100, 30, append(args, "alpha", "frobnicator", "-use"))
	s := ts.waitFor("alpha › patches", "query: frobnicator -use", "frob: add the frobnicator")
	if strings.Contains(s, "frob: use it") {
		t.Errorf("the query's -use did not apply:\n%s", s)
	}
	// An unknown project is an error with status 1. Asked with a terminal
	// from Go's client: OpenSSH in tmux at times outlived the closed
	// session by over a minute here (CI failed 4 of 6 runs), which is
	// still to be understood; the server's answer is what is tested.
	c := dial(t, srv, f.maintAKey)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.RequestPty("xterm", 30, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &out
	err = sess.Run("nosuchproject")
	var ee *gossh.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != 1 || !strings.Contains(out.String(), `error: no project or command "nosuchproject"`) {
		t.Errorf("ssh -t host nosuchproject: %v, output %q; want status 1 and the error", err, out.String())
	}
}

// TestTmuxShutdown: a server shutting down tells its TUI sessions, and
// the line stays on the terminal once the program has left it.
func TestTmuxShutdown(t *testing.T) {
	st := sqltest.SQLite(t)
	f := newFixture(t, st)
	srv := startServer(t, st, nil)
	args := opensshArgs(t, srv, identityFile(t, t.TempDir(), "alice", f.maintAKey, false))
	ts := startTmux(t, 100, 30, args)
	ts.waitFor("patchwork › projects", "alpha")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && err != ErrServerClosed {
		t.Fatalf("shutdown: %v", err)
	}
	// The line ends up right above where the shell's prompt will be.
	ts.waitIn(ts.history, "patchwork: server restarting, reconnect in a moment")
}

// waitNoPrograms waits until no TUI program runs on srv.
func waitNoPrograms(t *testing.T, srv *Server) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		srv.mu.Lock()
		n := len(srv.programs)
		srv.mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d TUI programs still running 30 s after quitting", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
